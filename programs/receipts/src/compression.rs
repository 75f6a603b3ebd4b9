//! Hand-built CPIs into mpl-account-compression (kept out of the dependency graph: it defines
//! Anchor types without an `idl-build` feature, which would break this program's IDL build).
//! Each instruction is Anchor's 8-byte discriminator `sha256("global:<name>")[..8]` followed by
//! the borsh arguments.
use anchor_lang::{
    prelude::*,
    solana_program::{instruction::Instruction, program::invoke_signed},
};

use crate::constants::COMPRESSION_PROGRAM_ID;

/// `sha256("global:init_empty_merkle_tree")[..8]`
const INIT_EMPTY_MERKLE_TREE: [u8; 8] = [191, 11, 119, 7, 180, 107, 220, 110];
/// `sha256("global:append")[..8]`
const APPEND: [u8; 8] = [149, 120, 18, 222, 236, 225, 88, 203];
/// `sha256("global:verify_leaf")[..8]`
const VERIFY_LEAF: [u8; 8] = [124, 220, 22, 223, 104, 10, 250, 224];

/// The accounts of `init_empty_merkle_tree` and `append` (Anchor's `Initialize` / `Modify`).
pub struct TreeAccounts<'a, 'info> {
    pub tree: &'a AccountInfo<'info>,
    pub authority: &'a AccountInfo<'info>,
    pub noop: &'a AccountInfo<'info>,
    pub compression: &'a AccountInfo<'info>,
}

impl<'info> TreeAccounts<'_, 'info> {
    fn invoke(&self, data: Vec<u8>, signer: &[&[u8]]) -> Result<()> {
        let ix = Instruction {
            program_id: COMPRESSION_PROGRAM_ID,
            accounts: vec![
                AccountMeta::new(self.tree.key(), false),
                AccountMeta::new_readonly(self.authority.key(), true),
                AccountMeta::new_readonly(self.noop.key(), false),
            ],
            data,
        };
        let infos = [
            self.tree.clone(),
            self.authority.clone(),
            self.noop.clone(),
            self.compression.clone(),
        ];
        invoke_signed(&ix, &infos, &[signer]).map_err(Into::into)
    }

    /// Initializes an empty tree whose authority is the signing PDA.
    pub fn init_empty(&self, max_depth: u32, max_buffer_size: u32, signer: &[&[u8]]) -> Result<()> {
        let mut data = INIT_EMPTY_MERKLE_TREE.to_vec();
        data.extend_from_slice(&max_depth.to_le_bytes());
        data.extend_from_slice(&max_buffer_size.to_le_bytes());
        self.invoke(data, signer)
    }

    /// Appends `leaf`, signed by the tree authority PDA.
    pub fn append(&self, leaf: [u8; 32], signer: &[&[u8]]) -> Result<()> {
        let mut data = APPEND.to_vec();
        data.extend_from_slice(&leaf);
        self.invoke(data, signer)
    }
}

/// `verify_leaf(root, leaf, index)` against the live tree; the proof nodes are passed as account
/// keys (mpl-account-compression's convention), minus what the tree's canopy already holds.
pub fn verify_leaf<'info>(
    tree: &AccountInfo<'info>,
    compression: &AccountInfo<'info>,
    proof: &[AccountInfo<'info>],
    root: [u8; 32],
    leaf: [u8; 32],
    index: u32,
) -> Result<()> {
    let mut data = VERIFY_LEAF.to_vec();
    data.extend_from_slice(&root);
    data.extend_from_slice(&leaf);
    data.extend_from_slice(&index.to_le_bytes());
    let mut accounts = vec![AccountMeta::new_readonly(tree.key(), false)];
    accounts.extend(
        proof
            .iter()
            .map(|node| AccountMeta::new_readonly(node.key(), false)),
    );
    let ix = Instruction {
        program_id: COMPRESSION_PROGRAM_ID,
        accounts,
        data,
    };
    let mut infos = vec![tree.clone(), compression.clone()];
    infos.extend(proof.iter().cloned());
    invoke_signed(&ix, &infos, &[]).map_err(Into::into)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sighash(name: &str) -> [u8; 8] {
        let digest = solana_sha256_hasher::hash(format!("global:{name}").as_bytes()).to_bytes();
        digest[..8].try_into().expect("8 bytes")
    }

    #[test]
    fn discriminators_are_anchor_sighashes() {
        assert_eq!(INIT_EMPTY_MERKLE_TREE, sighash("init_empty_merkle_tree"));
        assert_eq!(APPEND, sighash("append"));
        assert_eq!(VERIFY_LEAF, sighash("verify_leaf"));
    }
}
