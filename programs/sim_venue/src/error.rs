//! sim_venue errors (6500-6599). Append only; never renumber.
use anchor_lang::prelude::*;

#[error_code(offset = 6500)]
pub enum VenueError {
    /// 6500
    #[msg("Mints not ordered: mint_a must be < mint_b (one pool per pair)")]
    MintsNotOrdered,
    /// 6501
    #[msg("Fee too high: fee_bps <= 1000")]
    FeeTooHigh,
    /// 6502
    #[msg("Invalid amount: must be > 0")]
    InvalidAmount,
    /// 6503
    #[msg("Slippage exceeded: the output is below min_out")]
    SlippageExceeded,
    /// 6504
    #[msg("Insufficient liquidity: the pool cannot pay this output")]
    InsufficientLiquidity,
    /// 6505
    #[msg("Vault mismatch: vaults must be this pool's, one per side")]
    VaultMismatch,
    /// 6506
    #[msg("LP below minimum: the liquidity minted or burned does not meet the caller's bound")]
    LpBelowMinimum,
}
