use anchor_lang::prelude::*;
use onchain_common::SafeMath;

use crate::{constants::*, error::ReceiptsError, merkle::tree_account_len};

/// One generation of a shard: its concurrent Merkle tree and the tree's open anchoring period.
/// PDA `["tree", shard (u16 LE), generation (u32 LE)]`. Leaf count and root are read from the
/// tree account itself. When a tree fills up, the shard goes on in its next generation (see
/// [`Shard`]); every generation keeps its own period roots.
#[account]
#[derive(InitSpace, Debug)]
pub struct ReceiptTree {
    /// The mpl-account-compression tree account.
    pub tree: Pubkey,
    pub shard: u16,
    /// 0 for the tree the admin created with the shard, then 1, 2, ... as trees fill up.
    pub generation: u32,
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
    /// Account size: discriminator and fields.
    pub const SPACE: usize = 8 + Self::INIT_SPACE;

    /// Leaves the tree can hold.
    pub fn capacity(&self) -> u64 {
        1u64.checked_shl(self.max_depth).unwrap_or(u64::MAX)
    }

    /// Lamports each append to this tree deposits into its shard: the rent of the next
    /// generation (a tree of this depth and buffer without canopy, plus its ReceiptTree) spread
    /// over this tree's leaves, rounded up. Whoever fills a tree has paid for the next one.
    pub fn leaf_deposit(&self, rent: &Rent) -> Result<u64> {
        let tree_len = tree_account_len(self.max_depth, self.max_buffer_size, 0)
            .ok_or(ReceiptsError::MalformedTree)?;
        let cost = rent
            .minimum_balance(tree_len)
            .safe_add(rent.minimum_balance(Self::SPACE))?;
        Ok(cost.div_ceil(self.capacity()))
    }

    /// Closes the open period at `now` with the tree holding `leaf_count` leaves.
    pub fn advance_period(&mut self, now: i64, leaf_count: u64) -> Result<()> {
        self.period_index = self.period_index.safe_add(1)?;
        self.period_start = now;
        self.period_first_leaf = leaf_count;
        Ok(())
    }
}

/// A receipts shard: how many tree generations it has. PDA `["shard", shard (u16 LE)]`. The
/// newest generation (`generations - 1`) is where appends go; anyone may provision the next one
/// once the newest tree is half full, so no execution ever waits on an administrator. Its
/// lamports above rent are the appends' deposits ([`ReceiptTree::leaf_deposit`]), paid back to
/// whoever provisions the next generation.
#[account]
#[derive(InitSpace, Debug)]
pub struct Shard {
    pub shard: u16,
    /// Tree generations created so far (>= 1).
    pub generations: u32,
    pub bump: u8,
}

impl Shard {
    pub const SEED: &'static [u8] = SHARD_SEED;

    /// The newest generation.
    pub fn newest(&self) -> u32 {
        self.generations.saturating_sub(1)
    }

    /// Account size: discriminator and fields.
    pub const SPACE: usize = 8 + Self::INIT_SPACE;
}
