use proptest::prelude::*;
use spl_concurrent_merkle_tree::{concurrent_merkle_tree::ConcurrentMerkleTree, node::empty_node};

use super::*;

/// A straightforward full-tree reference: the proof of `index` among `leaves` in a tree of
/// `depth`, empty positions being zero leaves.
fn reference_proof(leaves: &[[u8; 32]], index: usize, depth: usize) -> ([u8; 32], Vec<[u8; 32]>) {
    let mut level: Vec<[u8; 32]> = leaves.to_vec();
    let mut proof = Vec::new();
    let mut i = index;
    for l in 0..depth {
        let sibling = level
            .get(i ^ 1)
            .copied()
            .unwrap_or_else(|| empty_node(l as u32));
        proof.push(sibling);
        let mut next = Vec::new();
        for pair in level.chunks(2) {
            let left = pair[0];
            let right = pair.get(1).copied().unwrap_or_else(|| empty_node(l as u32));
            next.push(solana_keccak_hasher::hashv(&[&left, &right]).to_bytes());
        }
        level = next;
        i /= 2;
    }
    (
        level
            .first()
            .copied()
            .unwrap_or_else(|| empty_node(depth as u32)),
        proof,
    )
}

fn account_bytes<const D: usize, const B: usize>(tree: &ConcurrentMerkleTree<D, B>) -> Vec<u8> {
    let mut data = vec![0u8; TREE_HEADER_LEN];
    data[0] = 1;
    data[2..6].copy_from_slice(&(B as u32).to_le_bytes());
    data[6..10].copy_from_slice(&(D as u32).to_le_bytes());
    data.extend_from_slice(bytemuck::bytes_of(tree));
    data
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    /// Our proof check and tree-account reader agree with the SPL concurrent Merkle tree after
    /// every append.
    #[test]
    fn matches_spl_concurrent_merkle_tree(leaves in proptest::collection::vec(any::<[u8; 32]>(), 1..=16)) {
        let leaves: Vec<[u8; 32]> = leaves.into_iter().map(|mut l| { l[0] |= 1; l }).collect();
        let mut tree = Box::new(ConcurrentMerkleTree::<5, 8>::new());
        tree.initialize().unwrap();
        for (n, leaf) in leaves.iter().enumerate() {
            tree.append(*leaf).unwrap();
            let state = read_tree(&account_bytes(&tree)).unwrap();
            prop_assert_eq!(state.root, tree.get_root());
            prop_assert_eq!(state.leaf_count, n as u64 + 1);
            prop_assert_eq!((state.max_depth, state.max_buffer_size), (5, 8));
            for i in 0..=n {
                let (root, proof) = reference_proof(&leaves[..=n], i, 5);
                prop_assert_eq!(root, tree.get_root());
                prop_assert_eq!(root_from_proof(leaves[i], i as u64, &proof), root);
                let mut tampered = proof.clone();
                tampered[i % 5][0] ^= 1;
                prop_assert_ne!(root_from_proof(leaves[i], i as u64, &tampered), root);
            }
        }
    }
}

#[test]
fn empty_tree_and_malformed_accounts() {
    let mut tree = Box::new(ConcurrentMerkleTree::<3, 8>::new());
    tree.initialize().unwrap();
    let bytes = account_bytes(&tree);
    let state = read_tree(&bytes).unwrap();
    assert_eq!(state.root, empty_node(3));
    assert_eq!(state.leaf_count, 0);
    assert!(read_tree(&bytes[..bytes.len() - 1]).is_err());
    let mut uninitialized = bytes.clone();
    uninitialized[0] = 0;
    assert!(read_tree(&uninitialized).is_err());
    assert!(read_tree(&[]).is_err());
}

#[test]
fn account_sizes_match_the_spl_layout() {
    assert_eq!(
        tree_bytes(3, 8),
        Some(std::mem::size_of::<ConcurrentMerkleTree<3, 8>>())
    );
    assert_eq!(
        tree_bytes(20, 64),
        Some(std::mem::size_of::<ConcurrentMerkleTree<20, 64>>())
    );
    assert_eq!(
        tree_account_len(20, 64, 0),
        Some(56 + std::mem::size_of::<ConcurrentMerkleTree<20, 64>>())
    );
    assert_eq!(
        tree_account_len(14, 64, 10),
        Some(56 + std::mem::size_of::<ConcurrentMerkleTree<14, 64>>() + 2046 * 32)
    );
}
