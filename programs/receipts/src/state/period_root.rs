use anchor_lang::prelude::*;

use crate::constants::*;

/// A frozen tree root covering one anchoring period. PDA `["period", tree, index (u64 LE)]`;
/// created once by `anchor_period`, never written again. The root commits to leaves
/// `[0, tree_size)`; the period's own receipts are `[first_leaf, first_leaf + leaf_count)`.
#[account]
#[derive(InitSpace, Debug)]
pub struct PeriodRoot {
    pub tree: Pubkey,
    pub shard: u16,
    /// Consecutive per tree, from 0.
    pub index: u64,
    /// Unix seconds; the period is `[start, end)`.
    pub start: i64,
    pub end: i64,
    /// The tree root at `end`.
    pub root: [u8; 32],
    pub first_leaf: u64,
    /// Receipts appended during the period (may be 0: empty periods are anchored too).
    pub leaf_count: u64,
    /// Depth of the tree (every proof has exactly this many nodes).
    pub max_depth: u32,
    /// Slot of anchoring.
    pub slot: u64,
    pub bump: u8,
}

impl PeriodRoot {
    pub const SEED: &'static [u8] = PERIOD_SEED;

    /// One past the last leaf the root covers.
    pub fn tree_size(&self) -> u64 {
        self.first_leaf.saturating_add(self.leaf_count)
    }

    pub fn covers(&self, index: u64) -> bool {
        index >= self.first_leaf && index < self.tree_size()
    }
}
