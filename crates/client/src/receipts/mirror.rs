//! An off-chain copy of a receipt tree. Appending the same leaves in the same order gives the
//! same roots as the on-chain SPL concurrent Merkle tree; it answers proofs for any leaf against
//! the tree as it was at any size (so against any PeriodRoot).
use std::sync::OnceLock;

fn hash_pair(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    solana_keccak_hasher::hashv(&[left, right]).to_bytes()
}

/// Root of an empty subtree of height `level` (level 0: a zero leaf).
pub fn empty_node(level: u32) -> [u8; 32] {
    static EMPTY: OnceLock<Vec<[u8; 32]>> = OnceLock::new();
    let table = EMPTY.get_or_init(|| {
        let mut nodes = vec![[0u8; 32]];
        for l in 0..64 {
            let below = nodes[l];
            nodes.push(hash_pair(&below, &below));
        }
        nodes
    });
    table[level as usize]
}

/// A mirror of one tree.
#[derive(Clone, Debug)]
pub struct TreeMirror {
    depth: u32,
    /// `levels[l][j]`: the root of subtree `j` at height `l`, for subtrees that have at least one
    /// leaf (partial subtrees are padded with empty nodes, as on-chain).
    levels: Vec<Vec<[u8; 32]>>,
}

impl TreeMirror {
    pub fn new(depth: u32) -> Self {
        Self {
            depth,
            levels: vec![Vec::new(); depth as usize + 1],
        }
    }

    pub fn depth(&self) -> u32 {
        self.depth
    }

    /// Leaves appended.
    pub fn len(&self) -> u64 {
        self.levels[0].len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.levels[0].is_empty()
    }

    pub fn leaf(&self, index: u64) -> Option<[u8; 32]> {
        self.levels[0].get(index as usize).copied()
    }

    /// Appends a leaf, updating the path to the root.
    pub fn append(&mut self, leaf: [u8; 32]) {
        let mut index = self.levels[0].len();
        self.levels[0].push(leaf);
        for level in 0..self.depth as usize {
            let parent = index / 2;
            let left = self.levels[level][parent * 2];
            let right = self.levels[level]
                .get(parent * 2 + 1)
                .copied()
                .unwrap_or_else(|| empty_node(level as u32));
            let node = hash_pair(&left, &right);
            let above = &mut self.levels[level + 1];
            if parent < above.len() {
                above[parent] = node;
            } else {
                above.push(node);
            }
            index = parent;
        }
    }

    /// The current root.
    pub fn root(&self) -> [u8; 32] {
        self.root_at(self.len())
    }

    /// The root the tree had when it held `size` leaves.
    pub fn root_at(&self, size: u64) -> [u8; 32] {
        self.subtree(self.depth, 0, size)
    }

    /// The proof of leaf `index` in the tree as it was at `size` leaves (leaf level first).
    pub fn proof(&self, index: u64, size: u64) -> Vec<[u8; 32]> {
        (0..self.depth)
            .map(|level| self.subtree(level, (index >> level) ^ 1, size))
            .collect()
    }

    /// Root of subtree `j` at height `level`, counting only the first `size` leaves.
    fn subtree(&self, level: u32, j: u64, size: u64) -> [u8; 32] {
        let start = j << level;
        let end = (j + 1) << level;
        if start >= size || start >= self.len() {
            return empty_node(level);
        }
        if end <= size {
            if let Some(node) = self.levels[level as usize].get(j as usize) {
                if end <= self.len() {
                    return *node;
                }
            }
        }
        if level == 0 {
            return self.levels[0][j as usize];
        }
        hash_pair(
            &self.subtree(level - 1, 2 * j, size),
            &self.subtree(level - 1, 2 * j + 1, size),
        )
    }
}
