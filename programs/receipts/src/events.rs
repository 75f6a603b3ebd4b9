//! Receipts events (`emit_cpi!`). `ReceiptAppended` carries the full receipt so off-chain
//! mirrors rebuild every leaf without trusting anyone.
use anchor_lang::prelude::*;

use crate::receipt::Receipt;

#[event]
pub struct ConfigInitialized {
    pub admin: Pubkey,
    pub writers: Vec<Pubkey>,
    pub shard_count: u16,
    /// Seconds.
    pub period_secs: i64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

#[event]
pub struct WritersSet {
    pub old_writers: Vec<Pubkey>,
    pub new_writers: Vec<Pubkey>,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

#[event]
pub struct TreeCreated {
    pub receipt_tree: Pubkey,
    pub tree: Pubkey,
    pub shard: u16,
    /// 0 for the shard's first tree, then one more per provisioned generation.
    pub generation: u32,
    pub max_depth: u32,
    pub max_buffer_size: u32,
    pub canopy_depth: u32,
    /// Lamports paid back to the provisioner from the shard's deposits (0 for the admin's tree).
    pub reimbursed: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

#[event]
pub struct ReceiptAppended {
    pub tree: Pubkey,
    pub shard: u16,
    /// Leaf index in the tree (also the receipt's sequence number within the shard).
    pub index: u64,
    pub leaf: [u8; 32],
    /// The tree root after the append.
    pub root: [u8; 32],
    pub receipt: Receipt,
    /// The writer PDA that signed.
    pub writer: Pubkey,
    /// Lamports deposited into the shard for the next generation's rent.
    pub deposit: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

#[event]
pub struct PeriodAnchored {
    pub period_root: Pubkey,
    pub tree: Pubkey,
    pub shard: u16,
    pub index: u64,
    /// Unix seconds.
    pub start: i64,
    /// Unix seconds.
    pub end: i64,
    pub root: [u8; 32],
    pub first_leaf: u64,
    pub leaf_count: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

#[event]
pub struct ReceiptVerified {
    /// The period root checked against (default key for a live-tree check).
    pub period_root: Pubkey,
    pub tree: Pubkey,
    pub leaf: [u8; 32],
    pub index: u64,
    /// The root the proof reached.
    pub root: [u8; 32],
    /// True when checked against the live tree's changelog buffer.
    pub live: bool,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}
