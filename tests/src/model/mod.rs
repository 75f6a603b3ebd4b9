//! A randomized, model-based run over every program at once (docs/SECURITY-TESTPLAN.md §3 Layer 2,
//! across programs): vendors certified in the registry bid on plans' RFPs, `award_best` picks
//! the winners, owners approve, vendors execute swaps and service steps, and all of it is
//! interleaved with attacks — a rival vendor executing someone else's step, an owner pulling
//! its input away (and the vendor reporting it), self-dealt plans farming reputation, donations
//! to budget vaults, premature and late failure marks — and with clock warps, period anchoring,
//! tree generations, cancels, closes and settlements.
//!
//! A reference model predicts each transaction's outcome, down to the exact error of a refusal
//! (whose accounts must then be byte-identical). After every transaction the invariants are
//! checked on chain state ([`checks`]):
//!
//! - every atom is conserved: per mint, the accounts the run knows (owners, stashes, vendors,
//!   pool vaults, budget vaults, staging) hold exactly the mint's supply;
//! - staging accounts are empty between transactions and owned by themselves;
//! - each owner's delegation equals what its approved plans may still sell;
//! - each grant paid exactly its step's executions times its price, never above its limit, and
//!   each vault holds its budget's balance (deposit - paid - refunded + donations);
//! - the receipts trees hold exactly one leaf per paid execution, and each execution's receipt
//!   names its plan, step, payer, agent and the price paid (no payment without a receipt, no
//!   receipt without a payment);
//! - each agent's reputation is what the registry's rule gives for the executions the model saw
//!   (nothing from self-dealt ones, halved per repeat payer, failures counted);
//!
//! and at the end everything is wound down: no plan, budget, grant, offer, RFP or staging
//! account is left, and every remaining program account is of a kind meant to be permanent.
//!
//! `tests/tests/model.rs` runs it in CI; `cargo run --release -p agentrunner-tests --bin
//! model-run -- --ops 100000 --seed 1` is the long run (figures in BENCHMARKS.md).
use std::collections::{HashMap, HashSet};

use agent_registry::{
    constants::capability,
    state::{reputation::Reputation, Stage},
};
use anchor_lang::prelude::Pubkey;
use rand::{rngs::StdRng, Rng, SeedableRng};
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::{
    fixtures::{certify, setup_vendor_paid_to, VendorRoot, ATTESTATION_VALIDITY_SECS},
    runner_world::{Owner, RunnerWorld, SOL_PRICE},
};

mod checks;
mod execute;
mod plans;
mod wind_down;

use plans::LivePlan;

/// Owners of plans (the last one is also the self-dealing vendor).
const OWNERS: usize = 4;
/// Receipts trees of 128 leaves (change log 16): shards roll over to new generations many
/// times a run.
const TREE_DEPTH: u32 = 7;
/// Plans alive at once.
const MAX_LIVE_PLANS: usize = 10;

/// How long and from where.
#[derive(Clone, Copy, Debug)]
pub struct RunConfig {
    pub seed: u64,
    /// Transactions to send (landed and refused) before winding down.
    pub ops: usize,
}

/// What a run did.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunReport {
    pub seed: u64,
    /// Transactions sent, the wind-down included.
    pub ops: usize,
    /// Of those, refused exactly as the model predicted.
    pub rejected: usize,
    /// Paid executions (= receipts appended).
    pub executions: u64,
    pub plans: usize,
    /// Tree generations opened after the first.
    pub provisioned: u32,
    /// Period roots anchored.
    pub anchored: u32,
}

/// A plan owner as the model sees it.
pub(crate) struct OwnerModel {
    pub owner: Owner,
    /// Where the owner moves its SOL away (the "drain" attack), and the stash's authority.
    pub stash: Pubkey,
    pub stash_authority: Keypair,
    pub next_plan_id: u64,
}

/// A vendor: its registry identity and payout account (USDC).
pub(crate) struct VendorModel {
    pub root: VendorRoot,
    /// The payout wallet the agent registered, and its USDC account.
    pub payout_wallet: Pubkey,
    pub payout: Pubkey,
    /// Sells only to its own owner (`Some(owner index)`): every execution is self-dealt.
    pub self_dealer_of: Option<usize>,
    /// Unix seconds its certification (stages A-D, one expiry) lapses.
    pub certified_until: i64,
}

/// The run's world: the chain, the actors, the live plans and the model's expectations.
pub(crate) struct World {
    pub w: RunnerWorld,
    pub rng: StdRng,
    pub owners: Vec<OwnerModel>,
    pub vendors: Vec<VendorModel>,
    pub plans: Vec<LivePlan>,
    /// Every token account whose balance counts toward conservation.
    pub tracked: Vec<Pubkey>,
    /// Expected reputation per agent, by capability index.
    pub reputation: HashMap<Pubkey, [Reputation; capability::COUNT]>,
    /// Credited executions per (agent, payer), by capability index.
    pub payer_counts: HashMap<(Pubkey, Pubkey), [u16; capability::COUNT]>,
    /// RFPs to close once their execution deadline passed: (rfp, requester, deadline).
    pub rfps_to_close: Vec<(Pubkey, Pubkey, i64)>,
    /// RFPs closed so far (their steps' instructions no longer find them).
    pub closed_rfps: HashSet<Pubkey>,
    /// The SOL oracle price the model last published (USDC stays at $1).
    pub sol_price: i64,
    pub report: RunReport,
}

impl World {
    /// Counts one transaction; `refused` when it failed as predicted.
    pub fn count(&mut self, refused: bool) {
        self.report.ops += 1;
        if refused {
            self.report.rejected += 1;
        }
    }

    /// A random index below `len` (> 0).
    pub fn pick(&mut self, len: usize) -> usize {
        self.rng.gen_range(0..len)
    }

    /// A random (plan, step) of the live plans.
    pub fn random_step(&mut self) -> Option<(usize, usize)> {
        if self.plans.is_empty() {
            return None;
        }
        let i = self.pick(self.plans.len());
        let j = self.pick(self.plans[i].steps.len());
        Some((i, j))
    }
}

/// Runs `config.ops` transactions of random operations, then winds everything down.
pub async fn run(config: RunConfig) -> RunReport {
    let mut world = setup(config.seed).await;
    while world.report.ops < config.ops {
        step(&mut world).await;
    }
    wind_down::wind_down(&mut world).await;
    world.report
}

async fn setup(seed: u64) -> World {
    let w = RunnerWorld::with_trees(TREE_DEPTH, 16).await;
    let mut vendors = Vec::new();
    let caps = capability::SWAP | capability::DCA | capability::DATA;
    for name in ["Alpha", "Bravo", "Charlie", "SelfDeal"] {
        // The self-dealer is paid to a second wallet of its own, so its swaps for itself run
        // (a payout account that is also the swap's input or output would be refused as a
        // duplicate writable account).
        let owner = w.ctx.wallet().await;
        let payout_wallet = if name == "SelfDeal" {
            Keypair::new().pubkey()
        } else {
            owner.pubkey()
        };
        let root = setup_vendor_paid_to(&w.ctx, owner, name, caps, payout_wallet).await;
        certify(&w.ctx, &w.registry, &root, Stage::D).await;
        let certified_until = w.ctx.now().await + ATTESTATION_VALIDITY_SECS;
        let payout = w.ctx.chain.ata(&payout_wallet, &w.usdc).await.unwrap();
        vendors.push(VendorModel {
            root,
            payout,
            payout_wallet,
            self_dealer_of: None,
            certified_until,
        });
    }
    let mut owners = Vec::new();
    for i in 0..OWNERS {
        // The last owner is the self-dealing vendor's own wallet.
        let keypair = if i == OWNERS - 1 {
            vendors[3].self_dealer_of = Some(i);
            vendors[3].root.owner.insecure_clone()
        } else {
            w.ctx.wallet().await
        };
        let owner = w.fund_owner(keypair).await;
        let stash_wallet = Keypair::new();
        let stash = w
            .ctx
            .chain
            .ata(&stash_wallet.pubkey(), &w.sol)
            .await
            .unwrap();
        owners.push(OwnerModel {
            owner,
            stash,
            stash_authority: stash_wallet,
            next_plan_id: 1,
        });
    }
    let mut world = World {
        rng: StdRng::seed_from_u64(seed),
        owners,
        vendors,
        plans: Vec::new(),
        tracked: Vec::new(),
        reputation: HashMap::new(),
        payer_counts: HashMap::new(),
        rfps_to_close: Vec::new(),
        closed_rfps: HashSet::new(),
        sol_price: SOL_PRICE,
        report: RunReport {
            seed,
            ..RunReport::default()
        },
        w,
    };
    world.tracked = checks::initial_accounts(&world);
    for vendor in &world.vendors {
        world
            .reputation
            .insert(vendor.root.agent, Default::default());
    }
    execute::publish_prices(&mut world).await;
    checks::check(&world).await;
    world
}

/// The certifier renews every vendor whose certification lapsed (stages A-D again).
pub(crate) async fn recertify_lapsed(world: &mut World) {
    let now = world.w.ctx.now().await;
    for v in 0..world.vendors.len() {
        if now >= world.vendors[v].certified_until {
            certify(
                &world.w.ctx,
                &world.w.registry,
                &world.vendors[v].root,
                Stage::D,
            )
            .await;
            for _ in 0..4 {
                world.count(false);
            }
            world.vendors[v].certified_until = now + ATTESTATION_VALIDITY_SECS;
        }
    }
}

/// One random operation (one or more transactions), then the invariants.
async fn step(world: &mut World) {
    let roll = world.rng.gen_range(0..100);
    match roll {
        0..=7 if world.plans.len() < MAX_LIVE_PLANS => plans::new_plan(world).await,
        0..=15 => plans::approve_one(world).await,
        16..=60 => execute::execute_one(world).await,
        61..=63 => execute::rival_executes(world).await,
        64..=69 => execute::warp(world).await,
        70 => plans::cancel_one(world).await,
        71..=75 => plans::close_one(world).await,
        76..=77 => execute::drain_or_refill(world).await,
        78 => execute::donate(world).await,
        79..=81 => execute::mark_failed(world).await,
        82..=83 => execute::report_unfunded(world).await,
        84 => execute::anchor(world).await,
        90..=91 => execute::provision(world).await,
        85..=87 => plans::close_rfps(world).await,
        88 => recertify_lapsed(world).await,
        89 => execute::fund_owners(world).await,
        _ => execute::execute_one(world).await,
    }
    checks::check(world).await;
}
