//! Compound setups shared by the suites.
use agent_registry::{
    constants::capability,
    instructions::{AttestArgs, PublishVersionArgs, RegisterAgentArgs},
    state::{AgentVersion, SemVer, SloFigures, Stage},
};
use agentrunner_client::pda;
use anchor_lang::prelude::Pubkey;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::{context::landed, TestContext};

/// Validity given to test attestations: 30 days.
pub const ATTESTATION_VALIDITY_SECS: i64 = 30 * 24 * 60 * 60;

/// A configured registry: the deployer is admin, three certifiers, an outcome recorder key.
pub struct RegistrySetup {
    pub admin: Keypair,
    pub certifiers: Vec<Keypair>,
    pub recorder: Keypair,
}

/// A registered vendor agent with version 1.0.0 published.
pub struct VendorRoot {
    pub owner: Keypair,
    pub name: String,
    pub agent: Pubkey,
    pub version: Pubkey,
}

pub async fn setup_registry(ctx: &TestContext) -> RegistrySetup {
    let admin = ctx.chain.deployer().insecure_clone();
    let recorder = ctx.wallet().await;
    let certifiers = vec![ctx.wallet().await, ctx.wallet().await, ctx.wallet().await];
    let registry = ctx.registry();
    landed(registry.init_config(&admin, recorder.pubkey()).await);
    landed(
        registry
            .set_certifiers(&admin, certifiers.iter().map(|c| c.pubkey()).collect())
            .await,
    );
    RegistrySetup {
        admin,
        certifiers,
        recorder,
    }
}

pub fn register_args(name: &str, payout: Pubkey, capabilities: u64) -> RegisterAgentArgs {
    RegisterAgentArgs {
        name: name.to_string(),
        payout,
        capabilities,
        metadata_uri: format!("https://agents.example/{name}/manifest.json"),
        manifest_hash: [7; 32],
    }
}

/// Version `major.minor.patch` of a swap + DCA agent (the default vendor's capabilities).
pub fn version_args(major: u16, minor: u16, patch: u16) -> PublishVersionArgs {
    version_args_for(capability::SWAP | capability::DCA, major, minor, patch)
}

/// Version `major.minor.patch` able to do `capabilities`.
pub fn version_args_for(
    capabilities: u64,
    major: u16,
    minor: u16,
    patch: u16,
) -> PublishVersionArgs {
    PublishVersionArgs {
        semver: SemVer {
            major,
            minor,
            patch,
        },
        manifest_hash: [major as u8; 32],
        code_hash: [patch as u8 + 1; 32],
        capabilities,
    }
}

pub fn attest_args(stage: Stage, passed: bool, expires_at: i64) -> AttestArgs {
    AttestArgs {
        stage,
        passed,
        slo: SloFigures {
            p50_latency_ms: 420,
            p95_latency_ms: 900,
            success_rate_bps: if passed { 9_950 } else { 6_000 },
            cases_run: 200,
        },
        report_hash: [stage as u8 + 1; 32],
        report_uri: format!("https://certs.example/{stage:?}.json"),
        expires_at,
        guards: if passed {
            agent_registry::constants::guard::ALL
        } else {
            0
        },
    }
}

/// Registers `name` (swap + DCA capabilities) and publishes 1.0.0.
pub async fn setup_vendor(ctx: &TestContext, name: &str) -> VendorRoot {
    setup_vendor_with(ctx, name, capability::SWAP | capability::DCA).await
}

/// Registers `name` with `capabilities`, paid to its owner, and publishes 1.0.0.
pub async fn setup_vendor_with(ctx: &TestContext, name: &str, capabilities: u64) -> VendorRoot {
    let owner = ctx.wallet().await;
    let payout = owner.pubkey();
    setup_vendor_paid_to(ctx, owner, name, capabilities, payout).await
}

/// [`setup_vendor_with`] for an existing `owner` wallet, paid to `payout`.
pub async fn setup_vendor_paid_to(
    ctx: &TestContext,
    owner: Keypair,
    name: &str,
    capabilities: u64,
    payout: Pubkey,
) -> VendorRoot {
    let registry = ctx.registry();
    landed(
        registry
            .register_agent(&owner, register_args(name, payout, capabilities))
            .await,
    );
    let agent = pda::agent(&owner.pubkey(), name).0;
    landed(
        registry
            .publish_version(&agent, &owner, 0, version_args_for(capabilities, 1, 0, 0))
            .await,
    );
    let version = pda::agent_version(&agent, 0).0;
    VendorRoot {
        owner,
        name: name.to_string(),
        agent,
        version,
    }
}

/// Passes every stage from A up to and including `up_to`, each by the first certifier, which
/// verified every guard family.
pub async fn certify(
    ctx: &TestContext,
    registry: &RegistrySetup,
    vendor: &VendorRoot,
    up_to: Stage,
) {
    certify_with_guards(
        ctx,
        registry,
        vendor,
        up_to,
        agent_registry::constants::guard::ALL,
    )
    .await;
}

/// [`certify`] with the certifier verifying only `guards`.
pub async fn certify_with_guards(
    ctx: &TestContext,
    registry: &RegistrySetup,
    vendor: &VendorRoot,
    up_to: Stage,
    guards: u8,
) {
    let expires_at = ctx.now().await + ATTESTATION_VALIDITY_SECS;
    for stage in [Stage::A, Stage::B, Stage::C, Stage::D, Stage::E] {
        if stage > up_to {
            break;
        }
        let version: AgentVersion = ctx.get(&vendor.version).await;
        let attempt = version.stages[stage.index()].attempts;
        landed(
            ctx.registry()
                .attest(
                    &vendor.agent,
                    &vendor.version,
                    &registry.certifiers[0],
                    attempt,
                    AttestArgs {
                        guards,
                        ..attest_args(stage, true, expires_at)
                    },
                )
                .await,
        );
    }
}

/// A vendor agent's onboarding for keeper tests: `register` + `publish` 1.0.0 (vendor signs),
/// then a stage-A pass valid for a day (`certifier` signs). Returns the agent and both parts.
pub fn onboarding_ixs(
    vendor: &Pubkey,
    name: &str,
    capabilities: u64,
    certifier: &Pubkey,
    now: i64,
) -> (
    Pubkey,
    [anchor_lang::solana_program::instruction::Instruction; 2],
    anchor_lang::solana_program::instruction::Instruction,
) {
    let (agent, register) = agentrunner_client::ix::registry::register_with_first_version(
        vendor,
        RegisterAgentArgs {
            payout: *vendor,
            ..register_args(name, *vendor, capabilities)
        },
        version_args_for(capabilities, 1, 0, 0),
    );
    let attest = agentrunner_client::ix::registry::attest(
        &agent,
        &pda::agent_version(&agent, 0).0,
        certifier,
        0,
        attest_args(Stage::A, true, now + 86_400),
    );
    (agent, register, attest)
}

// ---------------------------------------------------------------------------------------------
// escrow
// ---------------------------------------------------------------------------------------------

/// Default first deposit: 1,000 tokens of a 6-decimal mint, in atoms.
pub const BUDGET_DEPOSIT: u64 = 1_000_000_000;
/// Default budget lifetime: 7 days.
pub const BUDGET_LIFETIME_SECS: i64 = 7 * 24 * 60 * 60;

/// A payer with an open budget.
pub struct BudgetSetup {
    pub payer: Keypair,
    /// The payer's token account (also the refund destination).
    pub payer_token: Pubkey,
    pub id: [u8; 32],
    pub b: agentrunner_client::ix::escrow::BudgetRef,
    pub expires_at: i64,
}

/// A vendor wallet and its payout token account for a budget's mint.
pub struct VendorAccount {
    pub owner: Keypair,
    pub token: Pubkey,
}

/// A payer holding 10x `deposit` atoms of a fresh mint under `token_program`, with a budget
/// opened for `deposit` that expires after `lifetime_secs`.
pub async fn setup_budget_with(
    ctx: &TestContext,
    mint: Pubkey,
    token_program: Pubkey,
    deposit: u64,
    lifetime_secs: i64,
) -> BudgetSetup {
    let payer = ctx.wallet().await;
    let payer_token = ctx
        .chain
        .ata_with_program(&payer.pubkey(), &mint, &token_program)
        .await
        .expect("ata");
    ctx.chain
        .mint_to_with_program(
            &mint,
            &payer_token,
            deposit.saturating_mul(10),
            &token_program,
        )
        .await
        .expect("mint");
    let id: [u8; 32] = Pubkey::new_unique().to_bytes();
    let b =
        agentrunner_client::ix::escrow::BudgetRef::new(&payer.pubkey(), &id, mint, token_program);
    let expires_at = ctx.now().await + lifetime_secs;
    let args = escrow::instructions::OpenBudgetArgs {
        id,
        amount: deposit,
        expires_at,
    };
    landed(
        ctx.escrow()
            .open_budget(&b, &payer, &payer_token, args)
            .await,
    );
    BudgetSetup {
        payer,
        payer_token,
        id,
        b,
        expires_at,
    }
}

/// A budget of [`BUDGET_DEPOSIT`] atoms of a fresh 6-decimal SPL Token mint, 7-day lifetime.
pub async fn setup_budget(ctx: &TestContext) -> BudgetSetup {
    let mint = ctx.chain.create_mint(6).await.expect("mint");
    setup_budget_with(
        ctx,
        mint,
        anchor_spl::token::ID,
        BUDGET_DEPOSIT,
        BUDGET_LIFETIME_SECS,
    )
    .await
}

/// A vendor wallet with a payout account for the budget's mint.
pub async fn vendor_account(ctx: &TestContext, setup: &BudgetSetup) -> VendorAccount {
    let owner = ctx.wallet().await;
    let token = ctx
        .chain
        .ata_with_program(&owner.pubkey(), &setup.b.mint, &setup.b.token_program)
        .await
        .expect("vendor ata");
    VendorAccount { owner, token }
}

/// Grant terms: `max_amount` atoms, redeemable by `redeemer` in `[not_before, expires_at)`.
pub fn grant_args(
    redeemer: Pubkey,
    max_amount: u64,
    not_before: i64,
    expires_at: i64,
) -> escrow::instructions::IssueGrantArgs {
    escrow::instructions::IssueGrantArgs {
        redeemer,
        plan: Pubkey::new_from_array([3; 32]),
        step: 0,
        offer_hash: [4; 32],
        max_amount,
        not_before,
        expires_at,
    }
}

/// Issues a grant of `max_amount` to `vendor` (its own key redeems), valid from now until the
/// budget expires. Returns the grant address.
pub async fn issue_grant(
    ctx: &TestContext,
    setup: &BudgetSetup,
    vendor: &VendorAccount,
    max_amount: u64,
) -> Pubkey {
    let budget: escrow::state::Budget = ctx.get(&setup.b.budget).await;
    let index = budget.next_grant_index().expect("room for a grant");
    let now = ctx.now().await;
    let args = grant_args(vendor.owner.pubkey(), max_amount, now, setup.expires_at);
    landed(
        ctx.escrow()
            .issue_grant(&setup.b, &setup.payer, index, &vendor.token, args)
            .await,
    );
    pda::grant(&setup.b.budget, index).0
}

// ---------------------------------------------------------------------------------------------
// market
// ---------------------------------------------------------------------------------------------

/// The market view of a registered vendor.
pub fn bidder(vendor: &VendorRoot) -> agentrunner_client::ix::market::Bidder {
    agentrunner_client::ix::market::Bidder {
        agent: vendor.agent,
        version: vendor.version,
    }
}

/// A vendor registered with swap + DCA and certified A..=D.
pub async fn certified_vendor(
    ctx: &TestContext,
    registry: &RegistrySetup,
    name: &str,
) -> VendorRoot {
    let vendor = setup_vendor(ctx, name).await;
    certify(ctx, registry, &vendor, Stage::D).await;
    vendor
}

/// RFP terms for a swap step of `plan`: max price 100,000 atoms, slippage + oracle guards,
/// stage C, bidding for `bid_secs`, execution within a day.
pub fn rfp_args(
    plan: Pubkey,
    step: u16,
    mint: Pubkey,
    now: i64,
    bid_secs: i64,
) -> market::instructions::OpenRfpArgs {
    market::instructions::OpenRfpArgs {
        plan,
        step,
        capability: capability::SWAP,
        mint,
        max_price: 100_000,
        guards: market::state::GuardRequirements {
            max_slippage_bps: 30,
            oracle_max_age_secs: 60,
            fee_cap_bps: 10,
            required: market::constants::guard::SLIPPAGE | market::constants::guard::ORACLE,
        },
        min_stage: Stage::C,
        bid_deadline: now + bid_secs,
        execution_deadline: now + bid_secs + 86_400,
    }
}

/// Offer terms at `price`, honouring every guard, valid for a day.
pub fn offer_terms(price: u64, now: i64) -> market::instructions::OfferTerms {
    market::instructions::OfferTerms {
        price,
        eta_ms: 800,
        success_rate_bps: 9_900,
        guard_compat: market::constants::guard::ALL,
        expires_at: now + 86_400,
    }
}

/// Opens an RFP signed by `requester`; returns its address.
pub async fn open_rfp(
    ctx: &TestContext,
    requester: &Keypair,
    args: market::instructions::OpenRfpArgs,
) -> Pubkey {
    let rfp = pda::rfp(&requester.pubkey(), &args.plan, args.step).0;
    landed(
        ctx.send(
            &[agentrunner_client::ix::market::open_rfp(
                &requester.pubkey(),
                args,
            )],
            &[requester],
        )
        .await,
    );
    rfp
}

/// Opens an RFP of [`rfp_args`] for a fresh plan, paid in a fresh mint, bidding for `bid_secs`
/// from now; returns its address.
pub async fn open_any_rfp(ctx: &TestContext, requester: &Keypair, bid_secs: i64) -> Pubkey {
    let now = ctx.now().await;
    let args = rfp_args(Pubkey::new_unique(), 0, Pubkey::new_unique(), now, bid_secs);
    open_rfp(ctx, requester, args).await
}

/// Submits `vendor`'s offer at `price`; returns the offer address.
pub async fn submit_offer(
    ctx: &TestContext,
    rfp: &Pubkey,
    vendor: &VendorRoot,
    price: u64,
) -> Pubkey {
    let terms = offer_terms(price, ctx.now().await);
    submit_offer_with(ctx, rfp, vendor, terms).await
}

/// Submits `vendor`'s offer with explicit `terms`; returns the offer address.
pub async fn submit_offer_with(
    ctx: &TestContext,
    rfp: &Pubkey,
    vendor: &VendorRoot,
    terms: market::instructions::OfferTerms,
) -> Pubkey {
    let ix = agentrunner_client::ix::market::submit_offer(
        rfp,
        bidder(vendor),
        &vendor.owner.pubkey(),
        terms,
    );
    landed(ctx.send(&[ix], &[&vendor.owner]).await);
    pda::offer(rfp, &vendor.agent).0
}

// ---------------------------------------------------------------------------------------------
// receipts
// ---------------------------------------------------------------------------------------------

/// A receipts deployment: config with one writer key, and its shards' trees.
pub struct ReceiptsSetup {
    pub admin: Keypair,
    /// An authorized writer (stands in for the runner's PDA in receipts-only suites).
    pub writer: Keypair,
    pub shard_count: u16,
    /// Tree account of each shard.
    pub trees: Vec<Pubkey>,
    pub depth: u32,
}

impl ReceiptsSetup {
    /// Shard `shard`'s first tree generation.
    pub fn tree_ref(&self, shard: u16) -> agentrunner_client::ix::receipts::TreeRef {
        agentrunner_client::ix::receipts::TreeRef {
            shard,
            generation: 0,
            tree: self.trees[usize::from(shard)],
        }
    }

    /// The shard and tree a plan's receipts go to.
    pub fn shard_of(&self, plan: &Pubkey) -> (u16, Pubkey) {
        let shard = receipts::receipt::shard_for(plan, self.shard_count);
        (shard, self.trees[shard as usize])
    }
}

/// Period length of test deployments: one hour.
pub const RECEIPTS_PERIOD_SECS: i64 = 3_600;

/// Initializes receipts with `shards` trees of `depth`/`buffer` (no canopy).
pub async fn setup_receipts(
    ctx: &TestContext,
    shards: u16,
    depth: u32,
    buffer: u32,
) -> ReceiptsSetup {
    let admin = ctx.chain.deployer().insecure_clone();
    let writer = ctx.wallet().await;
    let args = receipts::instructions::InitConfigArgs {
        writers: vec![writer.pubkey()],
        shard_count: shards,
        period_secs: RECEIPTS_PERIOD_SECS,
    };
    landed(
        ctx.send(
            &[agentrunner_client::ix::receipts::init_config(
                &admin.pubkey(),
                args,
            )],
            &[&admin],
        )
        .await,
    );
    let mut trees = Vec::new();
    for shard in 0..shards {
        trees.push(create_tree(ctx, &admin, shard, depth, buffer, 0).await);
    }
    ReceiptsSetup {
        admin,
        writer,
        shard_count: shards,
        trees,
        depth,
    }
}

/// Allocates and initializes shard `shard`'s tree; returns the tree account.
pub async fn create_tree(
    ctx: &TestContext,
    admin: &Keypair,
    shard: u16,
    depth: u32,
    buffer: u32,
    canopy: u32,
) -> Pubkey {
    let tree = Keypair::new();
    let args = receipts::instructions::CreateTreeArgs {
        shard,
        max_depth: depth,
        max_buffer_size: buffer,
        canopy_depth: canopy,
    };
    let rent = ctx
        .chain
        .rent()
        .minimum_balance(agentrunner_client::ix::receipts::tree_size(&args));
    let ixs =
        agentrunner_client::ix::receipts::create_tree(&admin.pubkey(), &tree.pubkey(), rent, args);
    landed(ctx.send(&ixs, &[admin, &tree]).await);
    tree.pubkey()
}

/// A random plan key (plan keys are PDAs: uniformly distributed, unlike `Pubkey::new_unique`,
/// whose first bytes are a counter and would always pick shard 0).
pub fn random_plan() -> Pubkey {
    Keypair::new().pubkey()
}

/// A swap receipt of `plan` with recognizable values derived from `n`.
pub fn sample_receipt(plan: Pubkey, n: u32) -> receipts::Receipt {
    use receipts::receipt::{ObservedGuards, Payment, PaymentMethod, ReceiptKind};
    let k = |b: u8| Pubkey::new_from_array([b; 32]);
    receipts::Receipt {
        plan,
        step: 0,
        execution: n,
        agent: k(2),
        agent_version: 0,
        payer: k(3),
        kind: ReceiptKind::Swap,
        inputs_hash: [n as u8; 32],
        amount_in: 1_000_000_000 + u64::from(n),
        mint_in: k(4),
        amount_out: 150_000_000,
        mint_out: k(5),
        guards: ObservedGuards {
            oracle_price: 150_000,
            oracle_exponent: -3,
            oracle_publish_time: 1_700_000_000,
            feed_id: [7; 32],
            realized_slippage_bps: 12,
            fee_paid: 3_000,
        },
        payment: Payment {
            method: PaymentMethod::Grant,
            reference: k(6),
            amount: 25_000,
        },
        venue: k(8),
        slot: 42,
        unix_time: 1_700_000_001,
        vendor_receipt_hash: [0; 32],
    }
}
