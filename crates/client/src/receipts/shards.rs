//! Where a shard's receipts go now: its newest tree generation, and opening the next one.
use anchor_lang::prelude::Pubkey;
use receipts::state::{ReceiptTree, Shard};

use crate::{chain::Chain, ix::receipts::TreeRef, pda, ClientResult};

/// The newest generation of `shard` (where appends go) and its ReceiptTree.
pub async fn newest<C: Chain>(chain: &C, shard: u16) -> ClientResult<(TreeRef, ReceiptTree)> {
    let state: Shard = chain.fetch(&pda::shard(shard).0).await?;
    let generation = state.newest();
    let receipt_tree: ReceiptTree = chain.fetch(&pda::receipt_tree(shard, generation).0).await?;
    Ok((
        TreeRef {
            shard,
            generation,
            tree: receipt_tree.tree,
        },
        receipt_tree,
    ))
}

/// Every generation of `shard`, oldest first.
pub async fn generations<C: Chain>(chain: &C, shard: u16) -> ClientResult<Vec<TreeRef>> {
    let state: Shard = chain.fetch(&pda::shard(shard).0).await?;
    let keys: Vec<Pubkey> = (0..state.generations)
        .map(|g| pda::receipt_tree(shard, g).0)
        .collect();
    let mut refs = Vec::with_capacity(keys.len());
    for (generation, account) in (0..state.generations).zip(chain.accounts(&keys).await?) {
        if let Some(account) = account {
            let receipt_tree: ReceiptTree =
                crate::accounts::decode(&keys[generation as usize], &account.data)?;
            refs.push(TreeRef {
                shard,
                generation,
                tree: receipt_tree.tree,
            });
        }
    }
    Ok(refs)
}
