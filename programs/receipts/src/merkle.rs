//! Merkle proofs with the SPL concurrent Merkle tree's hashing, and reading a tree account.
//!
//! Hashing (identical to spl-concurrent-merkle-tree): an empty leaf is 32 zero bytes; a parent
//! is `keccak256(left || right)`; at level `l` the proof node is the sibling of the path node,
//! which is the right child when bit `l` of the leaf index is 0.
use anchor_lang::prelude::*;

use crate::error::ReceiptsError;

/// Size of mpl-account-compression's tree-account header (account type + V1 header).
pub const TREE_HEADER_LEN: usize = 56;
const TREE_PREFIX_LEN: usize = 24; // sequence_number, active_index, buffer_size: 3 x u64

/// Recomputes the root from a leaf, its index and its proof (leaf level first).
pub fn root_from_proof(leaf: [u8; 32], index: u64, proof: &[[u8; 32]]) -> [u8; 32] {
    let mut node = leaf;
    for (level, sibling) in proof.iter().enumerate() {
        let right_child = (index >> level) & 1 == 1;
        node = if right_child {
            solana_keccak_hasher::hashv(&[sibling, &node]).to_bytes()
        } else {
            solana_keccak_hasher::hashv(&[&node, sibling]).to_bytes()
        };
    }
    node
}

/// What the receipts program reads from a tree account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TreeState {
    pub max_depth: u32,
    pub max_buffer_size: u32,
    /// The current root.
    pub root: [u8; 32],
    /// Leaves appended so far (the next leaf's index).
    pub leaf_count: u64,
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        data.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn u64_at(data: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        data.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}

/// Parses an initialized mpl-account-compression tree account (header + SPL tree layout).
pub fn read_tree(data: &[u8]) -> Result<TreeState> {
    parse_tree(data).ok_or_else(|| error!(ReceiptsError::MalformedTree))
}

fn parse_tree(data: &[u8]) -> Option<TreeState> {
    // Header: account_type u8 (1 = tree), version u8 (0 = V1), max_buffer_size u32, max_depth u32,
    // authority, creation_slot, is_batch_initialized, padding.
    if *data.first()? != 1 || *data.get(1)? != 0 {
        return None;
    }
    let max_buffer_size = u32_at(data, 2)?;
    let max_depth = u32_at(data, 6)?;
    if data.len() < TREE_HEADER_LEN.checked_add(tree_bytes(max_depth, max_buffer_size)?)? {
        return None;
    }
    let depth = usize::try_from(max_depth).ok()?;
    let buffer = usize::try_from(max_buffer_size).ok()?;
    let changelog_len = depth.checked_mul(32)?.checked_add(40)?;
    let tree = TREE_HEADER_LEN;
    let active_index = usize::try_from(u64_at(data, tree.checked_add(8)?)?).ok()?;
    if active_index >= buffer {
        return None;
    }
    let changelogs = tree.checked_add(TREE_PREFIX_LEN)?;
    let root_at = changelogs.checked_add(active_index.checked_mul(changelog_len)?)?;
    let root: [u8; 32] = data
        .get(root_at..root_at.checked_add(32)?)?
        .try_into()
        .ok()?;
    // rightmost_proof: proof [Node; depth], leaf Node, index u32, padding u32.
    let rightmost = changelogs.checked_add(buffer.checked_mul(changelog_len)?)?;
    let index_at = rightmost
        .checked_add(depth.checked_mul(32)?)?
        .checked_add(32)?;
    let leaf_count = u64::from(u32_at(data, index_at)?);
    Some(TreeState {
        max_depth,
        max_buffer_size,
        root,
        leaf_count,
    })
}

/// Bytes of the tree part (without header or canopy) for a supported shape.
pub fn tree_bytes(depth: u32, buffer: u32) -> Option<usize> {
    let depth = usize::try_from(depth).ok()?;
    let buffer = usize::try_from(buffer).ok()?;
    let changelog = depth.checked_mul(32)?.checked_add(40)?;
    let rightmost = depth.checked_mul(32)?.checked_add(40)?;
    TREE_PREFIX_LEN
        .checked_add(buffer.checked_mul(changelog)?)?
        .checked_add(rightmost)
}

/// Shapes (max depth, max buffer size) mpl-account-compression 2.0 supports.
pub const SUPPORTED_SHAPES: &[(u32, u32)] = &[
    (3, 8),
    (5, 8),
    (6, 16),
    (7, 16),
    (8, 16),
    (9, 16),
    (10, 32),
    (11, 32),
    (12, 32),
    (13, 32),
    (14, 64),
    (14, 256),
    (14, 1024),
    (14, 2048),
    (15, 64),
    (16, 64),
    (17, 64),
    (18, 64),
    (19, 64),
    (20, 64),
    (20, 256),
    (20, 1024),
    (20, 2048),
    (24, 64),
    (24, 256),
    (24, 512),
    (24, 1024),
    (24, 2048),
    (26, 512),
    (26, 1024),
    (26, 2048),
    (30, 512),
    (30, 1024),
    (30, 2048),
];

/// Size of a whole tree account: header + tree + canopy of `canopy_depth` levels.
pub fn tree_account_len(depth: u32, buffer: u32, canopy_depth: u32) -> Option<usize> {
    let canopy_nodes = (1usize.checked_shl(canopy_depth.checked_add(1)?)?).checked_sub(2)?;
    TREE_HEADER_LEN
        .checked_add(tree_bytes(depth, buffer)?)?
        .checked_add(canopy_nodes.checked_mul(32)?)
}

#[cfg(test)]
mod tests;
