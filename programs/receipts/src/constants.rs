//! Seeds, program ids, limits and the receipt leaf format constants.
use anchor_lang::prelude::*;

/// Seed of the singleton [`crate::state::ReceiptsConfig`]: `["config"]`.
#[constant]
pub const CONFIG_SEED: &[u8] = b"config";
/// Seed of one generation of a shard's trees, a [`crate::state::ReceiptTree`]:
/// `["tree", shard (u16 LE), generation (u32 LE)]`.
#[constant]
pub const TREE_SEED: &[u8] = b"tree";
/// Seed of a [`crate::state::Shard`]: `["shard", shard (u16 LE)]`.
#[constant]
pub const SHARD_SEED: &[u8] = b"shard";
/// Seed of a tree's authority PDA (signs every append): `["tree_authority", tree]`.
#[constant]
pub const TREE_AUTHORITY_SEED: &[u8] = b"tree_authority";
/// Seed of a [`crate::state::PeriodRoot`]: `["period", tree, period index (u64 LE)]`.
#[constant]
pub const PERIOD_SEED: &[u8] = b"period";

/// Most authorized writer keys (program PDAs such as the runner's receipt writer).
pub const MAX_WRITERS: usize = 4;
/// Most shards (trees) a deployment may create.
#[constant]
pub const MAX_SHARDS: u16 = 64;
/// Default anchoring period: one day, in seconds.
#[constant]
pub const DEFAULT_PERIOD_SECS: i64 = 24 * 60 * 60;
/// Shortest anchoring period accepted, seconds.
#[constant]
pub const MIN_PERIOD_SECS: i64 = 60;

/// First byte of every leaf preimage: the receipt format version.
#[constant]
pub const RECEIPT_VERSION: u8 = 1;
/// Domain tag after the version byte in every leaf preimage.
#[constant]
pub const LEAF_DOMAIN_TAG: &[u8] = b"agentrunner/receipt/leaf";

/// mpl-account-compression (the maintained SPL account-compression fork).
pub const COMPRESSION_PROGRAM_ID: Pubkey = pubkey!("mcmt6YrQEMKw8Mw43FmpRLmf7BqRnFMKmAcbxE3xkAW");
/// mpl-noop (change-log wrapper).
pub const NOOP_PROGRAM_ID: Pubkey = pubkey!("mnoopTCrg4p8ry25e4bcWA9XZjbNjMTfgYVGGEdRsf3");
