//! Receipts errors (6300-6399). Append only; never renumber.
use anchor_lang::prelude::*;

#[error_code(offset = 6300)]
pub enum ReceiptsError {
    /// 6300
    #[msg("Unauthorized: only the receipts admin may do this")]
    Unauthorized,
    /// 6301
    #[msg(
        "Not the upgrade authority: init_config must be signed by the program's upgrade authority"
    )]
    NotUpgradeAuthority,
    /// 6302
    #[msg("Not a writer: append_receipt must be signed by an authorized writer PDA")]
    NotWriter,
    /// 6303
    #[msg("Too many writers: at most 4, no duplicates, no default key")]
    InvalidWriters,
    /// 6304
    #[msg("Invalid config: shard_count in 1..=64 and period_secs >= 60")]
    InvalidConfig,
    /// 6305
    #[msg("Shard out of range: shard must be < shard_count")]
    ShardOutOfRange,
    /// 6306
    #[msg("Wrong shard: the receipt's plan belongs to another shard (shard = plan[0..2] LE % shard_count)")]
    WrongShard,
    /// 6307
    #[msg("Unsupported tree shape: depth/buffer must be a shape mpl-account-compression supports")]
    UnsupportedTreeShape,
    /// 6308
    #[msg(
        "Malformed tree account: not an initialized concurrent Merkle tree of the recorded shape"
    )]
    MalformedTree,
    /// 6309
    #[msg("Period not over: anchor_period runs once now >= period_start + period_secs")]
    PeriodNotOver,
    /// 6310
    #[msg("Invalid proof length: a proof has exactly `depth` nodes")]
    InvalidProofLength,
    /// 6311
    #[msg("Index outside period: the leaf index is not in [first_leaf, first_leaf + leaf_count)")]
    IndexOutsidePeriod,
    /// 6312
    #[msg("Invalid proof: the leaf and proof do not hash to the period root")]
    InvalidProof,
    /// 6313
    #[msg("Tree mismatch: the account is not this shard's tree")]
    TreeMismatch,
    /// 6314
    #[msg("Tree not half full: the next generation opens once the newest tree holds at least half its capacity")]
    TreeNotHalfFull,
}
