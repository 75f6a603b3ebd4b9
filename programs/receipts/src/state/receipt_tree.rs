use anchor_lang::prelude::*;
use onchain_common::SafeMath;

use crate::constants::*;

/// One shard: its concurrent Merkle tree and the open anchoring period.
/// PDA `["tree", shard (u16 LE)]`. Leaf count and root are read from the tree account itself.
#[account]
#[derive(InitSpace, Debug)]
pub struct ReceiptTree {
    /// The mpl-account-compression tree account.
    pub tree: Pubkey,
    pub shard: u16,
    pub max_depth: u32,
    pub max_buffer_size: u32,
    /// Canopy levels stored in the tree account.
    pub canopy_depth: u32,
    /// Index the next PeriodRoot will get.
    pub period_index: u64,
    /// Unix seconds at which the open period started (tree creation or the last anchor).
    pub period_start: i64,
    /// First leaf index of the open period.
    pub period_first_leaf: u64,
    pub bump: u8,
    /// Bump of the tree authority PDA `["tree_authority", tree]`.
    pub authority_bump: u8,
    /// Room for upgrades; zero.
    pub padding: [u8; 32],
}

impl ReceiptTree {
    pub const SEED: &'static [u8] = TREE_SEED;

    /// Closes the open period at `now` with the tree holding `leaf_count` leaves.
    pub fn advance_period(&mut self, now: i64, leaf_count: u64) -> Result<()> {
        self.period_index = self.period_index.safe_add(1)?;
        self.period_start = now;
        self.period_first_leaf = leaf_count;
        Ok(())
    }
}
