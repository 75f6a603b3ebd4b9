//! [`RunnerWorld`]: everything a guarded execution touches, deployed on one embedded chain —
//! registry (outcome recorder = the runner authority), receipts (writer = the runner authority),
//! a SOL/USDC sim_venue pool, Pyth price accounts, a certified vendor — and [`PlanSetup`]: a
//! plan whose steps are awarded to that vendor and approved by its owner (see `plans`).
use agent_registry::{constants::capability, state::Stage};
use agentrunner_client::{
    deployment::Deployment,
    ix::{
        runner::{SwapLeg, VenueCall},
        sim_venue::PoolRef,
    },
};
use agentrunner_embedded::{
    localnet::{Localnet, LocalnetSpec, PoolSpec},
    oracle::pyth_feed,
    ChainError, PythPrice, TxOutcome,
};
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};
use pyth_solana_receiver_sdk::price_update::VerificationLevel;
use runner::{
    instructions::{CreatePlanArgs, MintPolicyArgs, StepArgs},
    state::{OracleSource, Plan, StepGuards, StepKind},
};
use sim_venue::instructions::SwapArgs;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::{
    context::landed,
    fixtures::{certify, setup_vendor_with, RegistrySetup, VendorRoot},
    TestContext,
};

mod liquidity;
mod plans;
pub use liquidity::{LP_DECIMALS, LP_INDEX};
pub use plans::{step_rfp_args, AwardedPlan, PlanSetup};

/// Decimals of the SOL-like and USDC-like mints.
pub const SOL_DECIMALS: u8 = 9;
pub const USDC_DECIMALS: u8 = 6;
/// One whole token of each, in atoms.
pub const SOL: u64 = 1_000_000_000;
pub const USDC: u64 = 1_000_000;
/// Oracle prices: mantissa at exponent [`PRICE_EXPONENT`] ($150 per SOL, $1 per USDC).
pub const SOL_PRICE: i64 = 150_00000000;
pub const USDC_PRICE: i64 = 1_00000000;
pub const JUP_PRICE: i64 = 80000000;
pub const WIF_PRICE: i64 = 2_00000000;
pub const PRICE_EXPONENT: i32 = -8;
/// Indices of SOL and USDC in the policy of [`RunnerWorld::plan_args`].
pub const SOL_INDEX: u8 = 0;
pub const USDC_INDEX: u8 = 1;
/// The pool: 10,000 SOL against 1,500,000 USDC (the oracle price), 5 bps fee.
pub const POOL_SOL: u64 = 10_000 * SOL;
pub const POOL_USDC: u64 = 1_500_000 * USDC;
pub const POOL_FEE_BPS: u16 = 5;
/// What the world's vendor (FastRoute, certified A..=D) offers.
pub const VENDOR_CAPABILITIES: u64 = capability::SWAP
    | capability::DCA
    | capability::REBALANCE
    | capability::DATA
    | capability::LIQUIDITY;
/// The vendor's price per execution: 0.05 USDC.
pub const VENDOR_PRICE: u64 = 50_000;
/// What each plan owner starts with.
pub const OWNER_SOL: u64 = 100 * SOL;
pub const OWNER_USDC: u64 = 10_000 * USDC;
pub const OWNER_JUP: u64 = 10_000 * USDC;
pub const OWNER_WIF: u64 = 5_000 * USDC;
/// The JUP/USDC pool (1,000,000 JUP against 800,000 USDC, 10 bps) and the WIF/USDC pool
/// (500,000 WIF against 1,000,000 USDC, 10 bps), both at the oracle prices.
pub const POOL_JUP: u64 = 1_000_000 * USDC;
pub const POOL_JUP_USDC: u64 = 800_000 * USDC;
pub const POOL_WIF: u64 = 500_000 * USDC;
pub const POOL_WIF_USDC: u64 = 1_000_000 * USDC;

/// Guards a demanding user would set: 30 bps slippage, 60 s oracle age, full verification,
/// 50 bps confidence, 10 bps fee cap.
pub const GUARDS: StepGuards = StepGuards {
    max_slippage_bps: 30,
    oracle_max_age_secs: 60,
    min_verification_signatures: 0,
    max_confidence_bps: 50,
    fee_cap_bps: 10,
    min_samples: 1,
    trigger: runner::trigger::Trigger::Always,
};

pub struct RunnerWorld {
    pub ctx: TestContext,
    /// The deployer as admin, the three certifiers; outcomes recorded by the runner.
    pub registry: RegistrySetup,
    pub sol: Pubkey,
    pub usdc: Pubkey,
    /// A third and a fourth mint (6 decimals each), each with a pool against USDC.
    pub jup: Pubkey,
    pub wif: Pubkey,
    /// The SOL/USDC pool; [`Self::pool_of`] finds the others.
    pub pool: PoolRef,
    /// Pyth `PriceUpdateV2` accounts of SOL, USDC, JUP and WIF.
    pub sol_price: Pubkey,
    pub usdc_price: Pubkey,
    pub jup_price: Pubkey,
    pub wif_price: Pubkey,
    /// The Switchboard pull feed every plan names as SOL's alternative source (unwritten
    /// until a test writes it).
    pub sol_switchboard: Pubkey,
    pub vendor: VendorRoot,
    /// The vendor's USDC payout account.
    pub vendor_usdc: Pubkey,
    /// The deployment itself (see [`Self::deployment`]).
    pub localnet: Localnet,
}

/// A plan owner and its associated token accounts.
pub struct Owner {
    pub keypair: Keypair,
    pub sol: Pubkey,
    pub usdc: Pubkey,
    pub jup: Pubkey,
    pub wif: Pubkey,
}

impl Owner {
    /// The same owner again (for a second plan of one wallet).
    pub fn again(&self) -> Owner {
        Owner {
            keypair: self.keypair.insecure_clone(),
            ..*self
        }
    }

    /// The owner's account of `mint`.
    pub fn account(&self, mint: &Pubkey, world: &RunnerWorld) -> Pubkey {
        if *mint == world.sol {
            self.sol
        } else if *mint == world.usdc {
            self.usdc
        } else if *mint == world.jup {
            self.jup
        } else {
            self.wif
        }
    }
}

impl RunnerWorld {
    pub async fn new() -> Self {
        Self::with_trees(14, 64).await
    }

    /// [`Self::new`] with receipts trees of `depth` (2^depth leaves per generation) and change
    /// log `buffer` (a shape mpl-account-compression supports): the deployment every world
    /// starts from ([`Localnet::bootstrap`]: registry and receipts with the runner's authority,
    /// SOL, USDC, JUP and WIF with their pools and Pyth accounts, the lookup table), three
    /// certifiers, and the vendor certified A-D.
    pub async fn with_trees(depth: u32, buffer: u32) -> Self {
        let ctx = TestContext::with_programs(vec![crate::hostile_venue::program()]).await;
        let certifiers = vec![ctx.wallet().await, ctx.wallet().await, ctx.wallet().await];
        let sol_switchboard = Keypair::new().pubkey();
        let spec = LocalnetSpec {
            tree_depth: depth,
            tree_buffer: buffer,
            pools: [
                (
                    "SOL",
                    "USDC",
                    POOL_SOL / SOL,
                    POOL_USDC / USDC,
                    POOL_FEE_BPS,
                ),
                ("JUP", "USDC", POOL_JUP / USDC, POOL_JUP_USDC / USDC, 10),
                ("WIF", "USDC", POOL_WIF / USDC, POOL_WIF_USDC / USDC, 10),
            ]
            .map(|(a, b, whole_a, whole_b, fee_bps)| PoolSpec {
                a,
                b,
                whole_a,
                whole_b,
                fee_bps,
            })
            .into(),
            lookup_extra: vec![sol_switchboard, crate::hostile_venue::ID],
            ..LocalnetSpec::default()
        };
        let certifier_keys: Vec<Pubkey> = certifiers.iter().map(Signer::pubkey).collect();
        let localnet = Localnet::bootstrap(&ctx.chain, &spec, &certifier_keys)
            .await
            .expect("deploy");
        ctx.use_lookup_table(localnet.table.clone());
        let registry = RegistrySetup {
            admin: ctx.chain.deployer().insecure_clone(),
            certifiers,
            recorder: None,
        };
        let d = &localnet.deployment;
        let token = |symbol: &str| d.token(symbol).expect("deployed token").clone();
        let (sol, usdc, jup, wif) = (token("SOL"), token("USDC"), token("JUP"), token("WIF"));
        let vendor = setup_vendor_with(&ctx, "FastRoute", VENDOR_CAPABILITIES).await;
        certify(&ctx, &registry, &vendor, Stage::D).await;
        let vendor_usdc = ctx
            .chain
            .ata(&vendor.owner.pubkey(), &usdc.mint)
            .await
            .expect("ata");
        let world = Self {
            ctx,
            registry,
            sol: sol.mint,
            usdc: usdc.mint,
            jup: jup.mint,
            wif: wif.mint,
            pool: PoolRef::new(&sol.mint, &usdc.mint),
            sol_price: sol.price_account,
            usdc_price: usdc.price_account,
            jup_price: jup.price_account,
            wif_price: wif.price_account,
            sol_switchboard,
            vendor,
            vendor_usdc,
            localnet,
        };
        world.refresh_prices().await;
        world
    }

    /// The world's deployment: its tokens (SOL, USDC, JUP, WIF with their Pyth accounts),
    /// pools, receipt shards and lookup table.
    pub fn deployment(&self) -> Deployment {
        self.localnet.deployment.clone()
    }

    /// How many receipt shards (one tree each) the world has.
    pub fn shard_count(&self) -> u16 {
        self.localnet.deployment.receipt_trees.len() as u16
    }

    /// Depth of every receipts tree.
    pub fn tree_depth(&self) -> u32 {
        self.localnet.deployment.receipt_depth
    }

    /// Writes a fully verified Pyth price of `feed` at `account`.
    pub async fn write_price(
        &self,
        account: &Pubkey,
        feed: [u8; 32],
        price: i64,
        publish_time: i64,
    ) {
        self.write_pyth(
            account,
            PythPrice {
                feed_id: feed,
                price,
                conf: 0,
                exponent: PRICE_EXPONENT,
                ema_price: price,
                publish_time,
                verification: VerificationLevel::Full,
            },
        )
        .await;
    }

    pub async fn write_pyth(&self, account: &Pubkey, price: PythPrice) {
        self.ctx
            .chain
            .write_pyth_price(account, &price)
            .await
            .expect("write price");
    }

    /// Publishes every price at the current time.
    pub async fn refresh_prices(&self) {
        let now = self.ctx.now().await;
        self.write_price(&self.sol_price, pyth_feed::SOL_USD, SOL_PRICE, now)
            .await;
        self.write_price(&self.usdc_price, pyth_feed::USDC_USD, USDC_PRICE, now)
            .await;
        self.write_price(&self.jup_price, pyth_feed::JUP_USD, JUP_PRICE, now)
            .await;
        self.write_price(&self.wif_price, pyth_feed::WIF_USD, WIF_PRICE, now)
            .await;
    }

    /// The Pyth account pricing `mint`.
    pub fn price_account(&self, mint: &Pubkey) -> Pubkey {
        if *mint == self.sol {
            self.sol_price
        } else if *mint == self.usdc {
            self.usdc_price
        } else if *mint == self.jup {
            self.jup_price
        } else {
            self.wif_price
        }
    }

    /// The vendor's payout account for `mint` (created if missing).
    pub async fn vendor_token(&self, mint: &Pubkey) -> Pubkey {
        self.ctx
            .chain
            .ata(&self.vendor.owner.pubkey(), mint)
            .await
            .expect("ata")
    }

    /// A one-shot swap of `amount_in` SOL atoms into USDC with [`GUARDS`].
    pub fn swap_sol_step(&self, amount_in: u64) -> StepArgs {
        StepArgs {
            kind: StepKind::Swap,
            capability: capability::SWAP,
            depends_on: 0,
            mint_in: SOL_INDEX,
            mint_out: USDC_INDEX,
            amount_in,
            guards: GUARDS,
            repeat: 1,
            interval_secs: 0,
        }
    }

    /// `repeat` DCA sales of `amount_in` SOL atoms into USDC, `interval_secs` apart, with
    /// [`GUARDS`].
    pub fn dca_sol_step(&self, amount_in: u64, repeat: u16, interval_secs: u32) -> StepArgs {
        StepArgs {
            kind: StepKind::Dca,
            capability: capability::DCA,
            repeat,
            interval_secs,
            ..self.swap_sol_step(amount_in)
        }
    }

    /// `repeat` DCA buys of SOL with `amount_in` USDC atoms each, `interval_secs` apart.
    pub fn dca_usdc_step(&self, amount_in: u64, repeat: u16, interval_secs: u32) -> StepArgs {
        StepArgs {
            mint_in: USDC_INDEX,
            mint_out: SOL_INDEX,
            ..self.dca_sol_step(amount_in, repeat, interval_secs)
        }
    }

    /// A Service step (market data) delivered once.
    pub fn data_service_step(&self) -> StepArgs {
        StepArgs {
            kind: StepKind::Service,
            capability: capability::DATA,
            depends_on: 0,
            mint_in: 0,
            mint_out: 0,
            amount_in: 0,
            guards: GUARDS,
            repeat: 1,
            interval_secs: 0,
        }
    }

    /// A policy entry pinning `mint`'s Pyth account of the world.
    pub fn pyth_policy(&self, mint: Pubkey, decimals: u8, feed_id: [u8; 32]) -> MintPolicyArgs {
        MintPolicyArgs {
            mint,
            decimals,
            oracle: self.price_account(&mint),
            source: OracleSource::Pyth { feed_id },
        }
    }

    /// The plan-creation arguments the world's tests use: both mints priced by Pyth, the
    /// sim_venue allowlisted, $1,000 per execution and $5,000 a day.
    pub fn plan_args(&self, planner: Pubkey, steps: Vec<StepArgs>) -> CreatePlanArgs {
        CreatePlanArgs {
            plan_id: 1,
            plan_hash: [0x5a; 32],
            planner,
            mints: vec![
                self.pyth_policy(self.sol, SOL_DECIMALS, pyth_feed::SOL_USD),
                self.pyth_policy(self.usdc, USDC_DECIMALS, pyth_feed::USDC_USD),
            ],
            venues: vec![sim_venue::ID],
            notional_cap_usd: 1_000 * USDC,
            daily_cap_usd: 5_000 * USDC,
            steps,
        }
    }

    /// A fresh owner holding [`OWNER_SOL`], [`OWNER_USDC`], [`OWNER_JUP`] and [`OWNER_WIF`].
    pub async fn funded_owner(&self) -> Owner {
        self.fund_owner(self.ctx.wallet().await).await
    }

    /// `keypair` as a plan owner: its associated accounts of the four mints, holding
    /// [`OWNER_SOL`], [`OWNER_USDC`], [`OWNER_JUP`] and [`OWNER_WIF`].
    pub async fn fund_owner(&self, keypair: Keypair) -> Owner {
        let chain = &self.ctx.chain;
        let mut accounts = Vec::new();
        for (mint, amount) in [
            (self.sol, OWNER_SOL),
            (self.usdc, OWNER_USDC),
            (self.jup, OWNER_JUP),
            (self.wif, OWNER_WIF),
        ] {
            let account = chain.ata(&keypair.pubkey(), &mint).await.expect("ata");
            chain.mint_to(&mint, &account, amount).await.expect("mint");
            accounts.push(account);
        }
        Owner {
            keypair,
            sol: accounts[0],
            usdc: accounts[1],
            jup: accounts[2],
            wif: accounts[3],
        }
    }

    /// The swap leg of `p`'s step `step`: the owner's accounts, staging, the plan's pinned
    /// prices (the fee priced in the budget's mint), and a sim_venue swap of the step amount
    /// from staging with no venue-side minimum (the runner enforces its own).
    pub fn swap_leg(&self, p: &PlanSetup, step: u8) -> SwapLeg {
        let args = &p.plan_steps[usize::from(step)];
        let user_out = p.owner.account(&args.mint_out, self);
        let fee_mint = p.steps[usize::from(step)].budget.mint;
        let venue = self.venue_swap(p, &args.mint_in, &args.mint_out, &user_out, args.amount_in);
        // A fee mint outside the policy still gets its price account, so the runner is what
        // refuses it.
        let priced = match p.stored.mint_policy(&fee_mint) {
            Ok(_) => fee_mint,
            Err(_) => args.mint_in,
        };
        let mut leg = SwapLeg::for_step(&p.stored, args, &priced, venue).expect("leg");
        leg.price_fee = self.price_account(&fee_mint);
        leg
    }

    /// A sim_venue swap of `amount_in` of `mint_in` for `mint_out` from `p`'s owner's staging
    /// account into `to`, with no venue-side minimum (the runner enforces its own).
    pub fn venue_swap(
        &self,
        p: &PlanSetup,
        mint_in: &Pubkey,
        mint_out: &Pubkey,
        to: &Pubkey,
        amount_in: u64,
    ) -> VenueCall {
        VenueCall::sim_venue_swap(
            &PoolRef::new(mint_in, mint_out),
            &p.owner.keypair.pubkey(),
            mint_in,
            to,
            SwapArgs {
                amount_in,
                min_out: 0,
            },
        )
    }

    /// `p`'s plan as the program stores it now.
    pub async fn stored(&self, p: &PlanSetup) -> Plan {
        self.ctx.get(&p.plan).await
    }

    /// `execute_swap_step` of `p`'s step `step` with [`Self::swap_leg`].
    pub fn execute_ix(&self, p: &PlanSetup, step: u8) -> Instruction {
        agentrunner_client::ix::runner::execute_swap_step(
            &p.steps[usize::from(step)],
            &self.swap_leg(p, step),
            [0; 32],
        )
    }

    /// Sends `ix` signed by the vendor.
    pub async fn as_vendor(&self, ix: Instruction) -> Result<TxOutcome, ChainError> {
        self.ctx.send(&[ix], &[&self.vendor.owner]).await
    }

    /// Executes `p`'s step `step` as the vendor.
    pub async fn execute(&self, p: &PlanSetup, step: u8) -> Result<TxOutcome, ChainError> {
        self.as_vendor(self.execute_ix(p, step)).await
    }

    /// Asserts the vendor's execution of `p`'s step `step` is refused with `error` and changes
    /// nothing: every account it names (plan, budget, vault, grant, receipt tree, the owner's
    /// and the pool's token accounts) byte-identical afterwards.
    pub async fn execution_refused(&self, p: &PlanSetup, step: u8, error: impl Into<u32>) {
        let compared = self
            .ctx
            .expect_error(&[self.execute_ix(p, step)], &[&self.vendor.owner], error)
            .await;
        assert!(compared >= 25, "the snapshot covers every named account");
    }

    /// Sells `amount_in` of `mint_in` into the pool from a fresh trader (moves the price).
    pub async fn move_pool(&self, mint_in: &Pubkey, amount_in: u64) {
        let chain = &self.ctx.chain;
        let trader = self.ctx.wallet().await;
        let mint_out = if *mint_in == self.sol {
            self.usdc
        } else {
            self.sol
        };
        let from = chain.ata(&trader.pubkey(), mint_in).await.expect("ata");
        let to = chain.ata(&trader.pubkey(), &mint_out).await.expect("ata");
        chain
            .mint_to(mint_in, &from, amount_in)
            .await
            .expect("mint");
        let ix = agentrunner_client::ix::sim_venue::swap(
            &self.pool,
            mint_in,
            &from,
            &to,
            &trader.pubkey(),
            SwapArgs {
                amount_in,
                min_out: 0,
            },
        );
        landed(self.ctx.send(&[ix], &[&trader]).await);
    }
}
