//! Escrow errors (6100-6199). Append only; never renumber.
use anchor_lang::prelude::*;

#[error_code(offset = 6100)]
pub enum EscrowError {
    /// 6100
    #[msg("Unauthorized: only the budget's payer may do this")]
    Unauthorized,
    /// 6101
    #[msg("Invalid amount: must be > 0")]
    InvalidAmount,
    /// 6102
    #[msg("Insufficient available funds: amount > vault balance - reserved")]
    InsufficientAvailable,
    /// 6103
    #[msg("Spend limit exceeded: amount > grant max_amount - redeemed")]
    SpendLimitExceeded,
    /// 6104
    #[msg("Grant not yet valid: now < not_before")]
    GrantNotYetValid,
    /// 6105
    #[msg("Grant expired: now >= expires_at")]
    GrantExpired,
    /// 6106
    #[msg("Grant revoked: a revoked grant can never be redeemed")]
    GrantRevoked,
    /// 6107
    #[msg("Budget expired: now >= budget expires_at")]
    BudgetExpired,
    /// 6108
    #[msg("Budget settled: after the post-expiry refund nothing more can move")]
    BudgetSettled,
    /// 6109
    #[msg(
        "Invalid window: need now < expires_at <= budget expires_at and not_before < expires_at"
    )]
    InvalidWindow,
    /// 6110
    #[msg("Invalid budget expiry: need now < expires_at <= now + 366 days")]
    InvalidExpiry,
    /// 6111
    #[msg("Unsupported mint: Token-2022 mints with transfer fees, hooks, permanent delegate, default-frozen, pausable, non-transferable, confidential or close-authority extensions are rejected")]
    UnsupportedMint,
    /// 6112
    #[msg("Token program mismatch: must be the budget's token program")]
    TokenProgramMismatch,
    /// 6113
    #[msg("Vendor account mismatch: must be the grant's vendor payout token account")]
    VendorAccountMismatch,
    /// 6114
    #[msg("Invalid vendor account: it must hold the budget's mint and must not be the vault")]
    InvalidVendorAccount,
    /// 6115
    #[msg(
        "Refund destination must be a token account of the budget's payer for the budget's mint"
    )]
    RefundDestinationNotPayer,
    /// 6116
    #[msg("Nothing to refund")]
    NothingToRefund,
    /// 6117
    #[msg("Grants still open: close every grant before closing the budget")]
    GrantsStillOpen,
    /// 6118
    #[msg("Vault not empty: refund before closing the budget")]
    VaultNotEmpty,
    /// 6119
    #[msg("Grant still live: it can be closed once revoked, fully redeemed, expired, or its budget settled")]
    GrantStillLive,
    /// 6120
    #[msg("Session key not set: the payer must register a voucher session key first")]
    SessionKeyNotSet,
    /// 6121
    #[msg("Not an Ed25519 instruction: the referenced instruction must be the Ed25519 precompile with no accounts")]
    NotEd25519Instruction,
    /// 6122
    #[msg("Malformed Ed25519 instruction: bad header, signature index or offsets out of bounds")]
    MalformedEd25519Instruction,
    /// 6123
    #[msg("Ed25519 data must be inline: all three instruction-index fields must be u16::MAX")]
    Ed25519DataNotInline,
    /// 6124
    #[msg("Voucher signer mismatch: the Ed25519 public key is not the budget's session key")]
    VoucherSignerMismatch,
    /// 6125
    #[msg("Voucher message mismatch: the signed message is not this voucher for this budget, grant and vendor")]
    VoucherMessageMismatch,
    /// 6126
    #[msg("Voucher not increasing: cumulative must be > the grant's redeemed amount")]
    VoucherNotIncreasing,
    /// 6127
    #[msg("Voucher above grant: cumulative must be <= the grant's max_amount")]
    VoucherAboveGrant,
    /// 6128
    #[msg("Voucher expired: now >= voucher expires_at")]
    VoucherExpired,
    /// 6129
    #[msg("Vault balance mismatch: the vault must hold at least deposited - redeemed - refunded")]
    VaultBalanceMismatch,
    /// 6130
    #[msg("Invalid key: the default (all-zero) key is not allowed here")]
    InvalidKey,
    /// 6131
    #[msg("Budget not expired: only the payer may refund or close before expiry")]
    BudgetNotExpired,
    /// 6132
    #[msg("Vault mismatch: the vault must be the budget's own vault")]
    VaultMismatch,
    /// 6133
    #[msg("Mint mismatch: the mint must be the budget's mint")]
    MintMismatch,
    /// 6134
    #[msg("Grant budget mismatch: the grant belongs to another budget")]
    GrantBudgetMismatch,
    /// 6135
    #[msg("Payer mismatch: rent and refunds go only to the budget's payer")]
    PayerMismatch,
    /// 6136
    #[msg("Invalid Ed25519 instruction index: must point at an instruction of this transaction")]
    Ed25519IndexOutOfRange,
    /// 6137
    #[msg("Grant redeemable only by a program: a grant whose redeemer is a program address (e.g. the runner's plan PDA) pays only when that program signs a redeem, never through a voucher")]
    ProgramRedeemedGrant,
    /// 6138
    #[msg("Grant accounts: pass, per grant, the grant PDA at the budget's next index (writable) and the vendor's payout account")]
    InvalidGrantAccounts,
    /// 6139
    #[msg("Too many grants: a budget issues at most GRANTS_PER_BUDGET (1,024)")]
    TooManyGrants,
    /// 6140
    #[msg("Budget holds funds: refund what is neither redeemed nor refunded before closing")]
    BudgetHoldsFunds,
    /// 6141
    #[msg("Payer token account needed: the vault holds tokens nobody deposited; name the payer's account to sweep them to")]
    SurplusDestinationMissing,
}
