use anchor_lang::prelude::*;

use crate::{constants::*, error::ReceiptsError};

/// The receipts program's configuration. PDA `["config"]`.
#[account]
#[derive(InitSpace, Debug)]
pub struct ReceiptsConfig {
    /// Creates trees and names writers; the program's upgrade authority at init.
    pub admin: Pubkey,
    /// Keys allowed to sign `append_receipt` (program PDAs: the runner's receipt writer).
    #[max_len(MAX_WRITERS)]
    pub writers: Vec<Pubkey>,
    /// Number of shards; receipts of a plan go to `shard_for(plan, shard_count)`.
    pub shard_count: u16,
    /// Seconds between period anchors.
    pub period_secs: i64,
    pub bump: u8,
    /// Room for upgrades; zero.
    pub padding: [u8; 32],
}

impl ReceiptsConfig {
    pub const SEED: &'static [u8] = CONFIG_SEED;

    pub fn validate_writers(writers: &[Pubkey]) -> Result<()> {
        require!(writers.len() <= MAX_WRITERS, ReceiptsError::InvalidWriters);
        for (i, key) in writers.iter().enumerate() {
            require!(
                *key != Pubkey::default() && !writers[..i].contains(key),
                ReceiptsError::InvalidWriters
            );
        }
        Ok(())
    }

    pub fn validate_shape(shard_count: u16, period_secs: i64) -> Result<()> {
        require!(
            (1..=MAX_SHARDS).contains(&shard_count) && period_secs >= MIN_PERIOD_SECS,
            ReceiptsError::InvalidConfig
        );
        Ok(())
    }

    pub fn invariant(&self) -> Result<()> {
        Self::validate_writers(&self.writers)?;
        Self::validate_shape(self.shard_count, self.period_secs)
    }
}
