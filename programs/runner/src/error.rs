//! Runner errors (6400-6499). Append only; never renumber.
use anchor_lang::prelude::*;

#[error_code(offset = 6400)]
pub enum RunnerError {
    /// 6400
    #[msg("Unauthorized: only the plan's owner may do this")]
    Unauthorized,
    /// 6401
    #[msg("Plan not active: it was cancelled")]
    PlanNotActive,
    /// 6402
    #[msg("Invalid plan: steps 1..=6 with earlier-only dependencies, mints/venues bounded and known, oracles pinned, amounts > 0, repeats 1..=1000 (<= 16 below 60 s apart), bps <= 10000")]
    InvalidPlan,
    /// 6403
    #[msg("Step out of range")]
    StepOutOfRange,
    /// 6404
    #[msg("Step not ready: a dependency is not done")]
    DependencyNotDone,
    /// 6405
    #[msg("Step finished: every repeat was executed, or it failed")]
    StepFinished,
    /// 6406
    #[msg("Too early: the step's interval since its last execution has not elapsed")]
    TooEarly,
    /// 6407
    #[msg("Wrong step kind for this instruction")]
    WrongStepKind,
    /// 6408
    #[msg("RFP mismatch: not the market RFP of (planner, plan, step)")]
    RfpMismatch,
    /// 6409
    #[msg("RFP not awarded")]
    RfpNotAwarded,
    /// 6410
    #[msg("Not the awarded vendor: the signer or agent differ from the RFP's award")]
    NotAwardedVendor,
    /// 6411
    #[msg("Step deadline passed: now >= the RFP's execution deadline")]
    StepDeadlinePassed,
    /// 6412
    #[msg("Capability mismatch: the RFP does not require the step's capability")]
    CapabilityMismatch,
    /// 6413
    #[msg("Grant mismatch: the grant must pay this plan's step from the owner's budget, in the RFP's mint, to the awarded vendor's payout account")]
    GrantMismatch,
    /// 6414
    #[msg("Venue not allowed: the program is not in the plan's venue allowlist")]
    VenueNotAllowed,
    /// 6415
    #[msg("Mint not allowed: not in the plan's policy")]
    MintNotAllowed,
    /// 6416
    #[msg("Input account must be the plan owner's account for the step's input mint, delegated to the plan")]
    InvalidInputAccount,
    /// 6417
    #[msg("Output account must be the plan owner's account for the step's output mint")]
    OutputNotOwners,
    /// 6418
    #[msg("Oracle account owner is neither the Pyth receiver nor Switchboard on-demand")]
    OracleOwnerInvalid,
    /// 6419
    #[msg("Oracle feed mismatch: not the feed the plan's policy names for this mint")]
    OracleFeedMismatch,
    /// 6420
    #[msg("Oracle stale: publish time older than the step's max age")]
    OracleStale,
    /// 6421
    #[msg("Oracle insufficiently verified: a Full Pyth verification (or the step's minimum) is required")]
    OracleInsufficientVerification,
    /// 6422
    #[msg("Oracle confidence too wide: conf/price above the step's bound")]
    OracleConfidenceTooWide,
    /// 6423
    #[msg("Oracle price invalid: it must be > 0")]
    OracleInvalidPrice,
    /// 6424
    #[msg("Oracle not monotonic: an older price than one already used for this mint")]
    OracleNotMonotonic,
    /// 6425
    #[msg("Oracle insufficient samples: fewer fresh Switchboard samples than required")]
    OracleInsufficientSamples,
    /// 6426
    #[msg("Slippage exceeded: the output is below the oracle-derived minimum")]
    SlippageExceeded,
    /// 6427
    #[msg("Input overspent: the venue took more than the step's amount")]
    InputOverspent,
    /// 6428
    #[msg("Notional cap exceeded: the execution's USD notional is above the plan's cap")]
    NotionalCapExceeded,
    /// 6429
    #[msg("Daily cap exceeded: the plan's USD spend in the last day would pass its cap")]
    DailyCapExceeded,
    /// 6430
    #[msg("Fee cap exceeded: the vendor's fee is above the step's bps of the notional")]
    FeeCapExceeded,
    /// 6431
    #[msg("Step not expired: it can be marked failed only after the RFP's execution deadline")]
    StepNotExpired,
    /// 6432
    #[msg("Plan not finished: close it once cancelled or every step is done or failed")]
    PlanNotFinished,
    /// 6433
    #[msg("Oracle account malformed")]
    OracleMalformed,
    /// 6434
    #[msg("Plan not approved: the owner has not approved its inputs, or released them")]
    PlanNotApproved,
    /// 6435
    #[msg("Plan already approved: its remaining inputs are already in the owner's allowance")]
    PlanAlreadyApproved,
    /// 6436
    #[msg("Oracle account mismatch: not the oracle account the plan pinned for this mint")]
    OracleAccountMismatch,
    /// 6437
    #[msg("Mint mismatch: pass the policy's mints in order, each an SPL Token mint with the policy's decimals")]
    MintMismatch,
    /// 6438
    #[msg("Allowance too low: the owner's account no longer delegates the step's amount to the owner's delegate")]
    AllowanceTooLow,
    /// 6439
    #[msg("Staging mismatch: not the owner's staging account for the step's input mint")]
    StagingMismatch,
    /// 6440
    #[msg("Staging tampered: it must stay owned by itself, with no delegate or close authority, and lose at most the step's amount")]
    StagingTampered,
    /// 6441
    #[msg(
        "Owner account changed: the venue may change no account of the owner but the step's output"
    )]
    OwnerAccountChanged,
    /// 6442
    #[msg("Custody accounts mismatch: for each input mint in policy order pass its mint, the owner's associated token account and the staging account (release: the owner's account only)")]
    CustodyAccountsMismatch,
    /// 6443
    #[msg("Venue forbidden: AgentRunner's own programs and the system, token and associated-token programs are never venues")]
    VenueForbidden,
    /// 6444
    #[msg("Staging in use: an approved plan can still sell this mint (the owner's delegate holds an allowance on the owner's account)")]
    StagingInUse,
    /// 6445
    #[msg("RFP guards mismatch: the RFP must advertise exactly the step's slippage cap, oracle max age and fee cap")]
    RfpGuardsMismatch,
    /// 6446
    #[msg("Step not executable: only a step of an active, approved plan whose dependencies were done before the deadline can be marked failed")]
    StepNotExecutable,
    /// 6447
    #[msg("Step funded: the owner's account holds and delegates the step's amount, so the vendor can execute it")]
    StepFunded,
    /// 6448
    #[msg("Trigger not met: the step's oracle condition (price level or volatility) does not hold at this fresh price")]
    TriggerNotMet,
    /// 6449
    #[msg("Invalid trigger: a level must be positive, a volatility threshold 1-10000 bps on a Pyth-priced mint of the step, and a service step has none")]
    InvalidTrigger,
    /// 6450
    #[msg("NAV position invalid: pass 1-4 positions, each the owner's own SPL token account, its Mint and a price account, with one feed id each, once")]
    NavPositionInvalid,
    /// 6451
    #[msg("Pool empty: a pool without reserves or LP supply cannot price its LP token")]
    PoolEmpty,
    /// 6452
    #[msg("Pool mismatch: the pool must be the one the plan pins for the step's LP mint, with its own vaults and LP mint, trading the step's other mint")]
    PoolMismatch,
}
