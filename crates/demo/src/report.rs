//! What the journey did, phase by phase: every figure the demo prints, read from landed
//! transactions and from account state read back from the bank.
use agentrunner_client::plan::PlanGraph;
use anchor_lang::prelude::Pubkey;

/// A token of the deployment and its oracle price.
#[derive(Clone, Debug)]
pub struct TokenSummary {
    pub symbol: String,
    pub mint: Pubkey,
    pub decimals: u8,
    /// Pyth feed id, hex.
    pub feed: String,
    /// The published price, USD with 8 decimals (Pyth's exponent -8).
    pub price: i64,
}

/// A sim_venue pool as deployed: its reserves (atoms) and fee.
#[derive(Clone, Debug)]
pub struct PoolSummary {
    pub pair: (String, String),
    pub reserves: (u64, u64),
    pub decimals: (u8, u8),
    pub fee_bps: u16,
}

/// The deployment on the embedded chain.
#[derive(Clone, Debug)]
pub struct DeploymentSummary {
    /// (name, program id) of every program.
    pub programs: Vec<(&'static str, Pubkey)>,
    pub tokens: Vec<TokenSummary>,
    pub pools: Vec<PoolSummary>,
}

/// One certification stage's verdict and figures.
#[derive(Clone, Debug)]
pub struct StageSummary {
    pub stage: String,
    pub passed: bool,
    pub p95_latency_ms: u32,
    pub success_rate_bps: u16,
    pub reasons: Vec<String>,
}

/// A vendor as the journey sets it up.
#[derive(Clone, Debug)]
pub struct VendorSummary {
    pub name: String,
    pub agent: Pubkey,
    /// Fee per execution, atoms of USDC.
    pub price: u64,
    /// Every stage run, in order (the first failure ends the run).
    pub stages: Vec<StageSummary>,
}

impl VendorSummary {
    /// Stages passed, in order.
    pub fn passed(&self) -> Vec<&str> {
        self.stages
            .iter()
            .filter(|s| s.passed)
            .map(|s| s.stage.as_str())
            .collect()
    }

    /// The first failing stage, if any.
    pub fn failed(&self) -> Option<&StageSummary> {
        self.stages.iter().find(|s| !s.passed)
    }
}

/// The market data the owner bought over HTTP x402.
#[derive(Clone, Debug)]
pub struct X402Summary {
    pub vendor: String,
    /// The 402's HTTP status, the amount it asked (atoms, as the wire carries it), its network.
    pub status: u16,
    pub asked: String,
    pub network: String,
    /// Price per request, atoms of USDC.
    pub price: u64,
    pub requests: u64,
    /// Schemes the vendor offered in its 402.
    pub schemes: Vec<String>,
    /// Candles in the last series received.
    pub candles: usize,
    /// Settlement transactions for all the vouchers.
    pub settlements: usize,
    /// What the vendor received, atoms.
    pub vendor_received: u64,
    /// What came back to the owner, atoms.
    pub refunded: u64,
}

/// The goal as planned and created.
#[derive(Clone, Debug)]
pub struct PlanSummary {
    pub goal: String,
    pub graph: PlanGraph,
    pub plan: Pubkey,
    /// Decimals of each step's input token, in step order.
    pub sell_decimals: Vec<u8>,
    /// Bytes of the owner's `create_plan` transaction.
    pub create_bytes: usize,
}

/// The offers on one step and who won.
#[derive(Clone, Debug)]
pub struct StepOffers {
    pub step: u16,
    pub offers: Vec<OfferLine>,
    pub winner: String,
}

/// One offer as the award rule scored it (`market::selection`).
#[derive(Clone, Debug)]
pub struct OfferLine {
    pub vendor: String,
    /// Fee per execution, atoms of the fee token.
    pub price: u64,
    /// The vendor's reliability for the step's capability (its reputation), bps.
    pub reliability_bps: u64,
    /// reliability × guard compatibility / price term (the fee, never below half the RFP's
    /// maximum): the figure the award compares; 0 for an offer that could not win.
    pub utility: f64,
}

/// RFPs, bids and awards.
#[derive(Clone, Debug)]
pub struct OffersSummary {
    /// (vendor, why) of each vendor that did not bid.
    pub abstained: Vec<(String, String)>,
    pub steps: Vec<StepOffers>,
}

/// The owner's one approval.
#[derive(Clone, Debug)]
pub struct ApprovalSummary {
    pub output_accounts: usize,
    pub grants: usize,
    pub input_mints: usize,
    pub transactions: usize,
    pub bytes: usize,
    pub signatures: usize,
    /// The fee budget deposited, atoms of USDC.
    pub deposit: u64,
    /// What the owner's delegate may move for this plan, atoms of the first input.
    pub reserved_input: u64,
    pub input_symbol: String,
    pub input_decimals: u8,
}

/// One landed execution, as its receipt says.
#[derive(Clone, Debug)]
pub struct ExecutionSummary {
    pub step: u16,
    pub execution: u32,
    pub vendor: String,
    pub amount_in: u64,
    pub amount_out: u64,
    pub slippage_bps: u16,
    pub fee: u64,
    /// The receipt's leaf, hex.
    pub leaf: String,
}

/// The awarded vendor forcing an execution on a stale price.
#[derive(Clone, Debug)]
pub struct StaleAttempt {
    pub vendor: String,
    pub step: u16,
    /// The runner's refusal, by name.
    pub refusal: String,
    /// Every account the transaction named is byte-identical afterwards.
    pub changed_nothing: bool,
}

/// The guarded executions.
#[derive(Clone, Debug)]
pub struct ExecutionPhase {
    pub landed: Vec<ExecutionSummary>,
    pub stale: StaleAttempt,
    pub plan_finished: bool,
    /// Symbols and decimals of the traded pair (sold, bought).
    pub pair: ((String, u8), (String, u8)),
}

/// One receipt and how it verified.
#[derive(Clone, Debug)]
pub struct ReceiptCheck {
    pub step: u16,
    pub execution: u32,
    pub index: u64,
    pub leaf: [u8; 32],
    pub period_root: Option<Pubkey>,
    /// Recomputed leaf + proof + PeriodRoot, off-chain, from chain data only.
    pub verified_off_chain: bool,
    /// `receipts::verify_receipt` landed.
    pub verified_on_chain: bool,
}

/// Third-party verification of every receipt, from JSON files.
#[derive(Clone, Debug)]
pub struct VerificationSummary {
    pub receipts: Vec<ReceiptCheck>,
    /// The receipts as read back from the chain.
    pub executions: Vec<ExecutionSummary>,
    pub files_dir: std::path::PathBuf,
}

/// Token movements, atoms.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Conservation {
    pub owner_sol_spent: u64,
    pub owner_usdc_received: u64,
    pub fees_deposited: u64,
    pub fees_paid: u64,
    pub fees_refunded: u64,
    pub vendors_received: u64,
    pub pool_sol_received: u64,
    pub pool_usdc_paid: u64,
    pub sum_amount_in: u64,
    pub sum_amount_out: u64,
}

impl Conservation {
    /// Every atom is accounted for: the owner's trades are exactly the pool's and the receipts',
    /// and the fee budget splits exactly into what vendors got and what came back.
    pub fn holds(&self) -> bool {
        self.owner_sol_spent == self.sum_amount_in
            && self.pool_sol_received == self.sum_amount_in
            && self.owner_usdc_received == self.sum_amount_out
            && self.pool_usdc_paid == self.sum_amount_out
            && self.fees_deposited == self.fees_paid + self.fees_refunded
            && self.vendors_received == self.fees_paid
    }
}

/// A phase of the journey, handed to the observer as soon as it is over.
#[derive(Clone, Copy, Debug)]
pub enum Phase<'a> {
    Deployment(&'a DeploymentSummary),
    Vendors(&'a [VendorSummary]),
    MarketData(&'a X402Summary),
    Plan(&'a PlanSummary),
    Offers(&'a OffersSummary),
    Approval(&'a ApprovalSummary),
    Execution(&'a ExecutionPhase),
    /// (shard, outcome) of each anchoring.
    Anchoring(&'a [(u16, String)]),
    Verification(&'a VerificationSummary),
    /// Atoms of USDC refunded by the close-out.
    Settlement(u64),
    Books(&'a Conservation),
}

/// Everything the journey did.
#[derive(Clone, Debug)]
pub struct JourneyReport {
    pub deployment: DeploymentSummary,
    pub vendors: Vec<VendorSummary>,
    pub x402: X402Summary,
    pub plan: PlanSummary,
    pub offers: OffersSummary,
    pub approval: ApprovalSummary,
    pub execution: ExecutionPhase,
    pub anchoring: Vec<(u16, String)>,
    pub verification: VerificationSummary,
    pub refunded: u64,
    pub conservation: Conservation,
}
