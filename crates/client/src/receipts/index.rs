//! Rebuilding receipts from chain history alone: every `ReceiptAppended` event of the
//! transactions that named an address (a plan, or a tree), the tree mirror of a shard, and the
//! PeriodRoot covering a leaf — then a full third-party verification of one receipt.
use anchor_lang::{prelude::Pubkey, Discriminator};
use receipts::{
    events::ReceiptAppended,
    merkle::{read_tree, TreeState},
    state::PeriodRoot,
    Receipt,
};
use solana_signature::Signature;

use super::{verify_against_period, TreeMirror, VerifyError};
use crate::{
    accounts::decode,
    chain::{Chain, CpiRecord},
    events::decode_event,
    ClientError, ClientResult,
};

/// A receipt found in a landed transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexedReceipt {
    pub receipt: Receipt,
    /// Leaf index in its tree.
    pub index: u64,
    pub tree: Pubkey,
    pub signature: Signature,
}

/// Every receipt appended by transactions that named `address`, in landing order.
pub async fn receipts_naming<C: Chain>(
    chain: &C,
    address: &Pubkey,
) -> ClientResult<Vec<IndexedReceipt>> {
    let mut found = Vec::new();
    for signature in chain.signatures_for_address(address).await? {
        found.extend(receipts_appended_by(chain, &signature).await?);
    }
    Ok(found)
}

/// The receipts the transaction `signature` appended (the receipts program's own events).
pub async fn receipts_appended_by<C: Chain>(
    chain: &C,
    signature: &Signature,
) -> ClientResult<Vec<IndexedReceipt>> {
    let cpis = chain.transaction_cpis(signature).await?.unwrap_or_default();
    Ok(appended_in(&cpis, signature))
}

/// The receipts appended by the transaction `signature` whose inner instructions are `cpis`.
pub fn appended_in(cpis: &[CpiRecord], signature: &Signature) -> Vec<IndexedReceipt> {
    cpis.iter()
        .filter_map(|cpi| {
            decode_event::<ReceiptAppended>(
                &receipts::ID,
                &cpi.program_id,
                &cpi.accounts,
                &cpi.data,
            )
        })
        .map(|event| IndexedReceipt {
            receipt: event.receipt,
            index: event.index,
            tree: event.tree,
            signature: *signature,
        })
        .collect()
}

/// The receipts of one plan.
pub async fn plan_receipts<C: Chain>(
    chain: &C,
    plan: &Pubkey,
) -> ClientResult<Vec<IndexedReceipt>> {
    Ok(receipts_naming(chain, plan)
        .await?
        .into_iter()
        .filter(|r| r.receipt.plan == *plan)
        .collect())
}

/// The off-chain mirror of `tree`, rebuilt from every receipt appended to it. Fails if the
/// history has a gap (a leaf index missing).
pub async fn mirror_of<C: Chain>(chain: &C, tree: &Pubkey, depth: u32) -> ClientResult<TreeMirror> {
    let mut leaves: Vec<IndexedReceipt> = receipts_naming(chain, tree)
        .await?
        .into_iter()
        .filter(|r| r.tree == *tree)
        .collect();
    leaves.sort_by_key(|r| r.index);
    let mut mirror = TreeMirror::new(depth);
    for (expected, leaf) in leaves.iter().enumerate() {
        if leaf.index != expected as u64 {
            return Err(ClientError::InvalidReceipt(format!(
                "tree {tree}: history misses leaf {expected}"
            )));
        }
        mirror.append(leaf.receipt.leaf());
    }
    Ok(mirror)
}

/// The tree account's live state (depth, root, leaves), read from its header and change log.
pub async fn live_tree<C: Chain>(chain: &C, tree: &Pubkey) -> ClientResult<TreeState> {
    let account = chain
        .account(tree)
        .await?
        .ok_or_else(|| ClientError::InvalidReceipt(format!("no tree account {tree}")))?;
    read_tree(&account.data)
        .map_err(|_| ClientError::InvalidReceipt(format!("{tree} is not a receipt tree")))
}

/// The PeriodRoot of `tree` that covers leaf `index`, if anchored.
pub async fn period_covering<C: Chain>(
    chain: &C,
    tree: &Pubkey,
    index: u64,
) -> ClientResult<Option<(Pubkey, PeriodRoot)>> {
    for (address, account) in chain
        .program_accounts(&receipts::ID, PeriodRoot::DISCRIMINATOR)
        .await?
    {
        let period: PeriodRoot = decode(&address, &account.data)?;
        if period.tree == *tree && period.covers(index) {
            return Ok(Some((address, period)));
        }
    }
    Ok(None)
}

/// How one receipt verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verification {
    pub leaf: [u8; 32],
    pub index: u64,
    /// The PeriodRoot it verified against, or `None` if its period is not anchored yet.
    pub period_root: Option<Pubkey>,
    /// The proof (nodes from the leaf up).
    pub proof: Vec<[u8; 32]>,
}

/// Verifies `receipt` (at leaf `index` of `tree`) with nothing but chain data: the tree is
/// rebuilt from history, the proof taken at the anchored period's size, and the leaf, proof
/// and PeriodRoot checked together. `Ok` with `period_root: None` means the receipt is in the
/// tree but its period is not anchored yet.
pub async fn verify_receipt<C: Chain>(
    chain: &C,
    receipt: &Receipt,
    tree: &Pubkey,
    index: u64,
    depth: u32,
) -> ClientResult<Result<Verification, VerifyError>> {
    let mirror = mirror_of(chain, tree, depth).await?;
    let leaf = receipt.leaf();
    if mirror.leaf(index) != Some(leaf) {
        return Ok(Err(VerifyError::LeafNotInTree { index }));
    }
    let Some((address, period)) = period_covering(chain, tree, index).await? else {
        return Ok(Ok(Verification {
            leaf,
            index,
            period_root: None,
            proof: mirror.proof(index, mirror.len()),
        }));
    };
    let proof = mirror.proof(index, period.tree_size());
    Ok(
        verify_against_period(receipt, index, &proof, &period).map(|()| Verification {
            leaf,
            index,
            period_root: Some(address),
            proof,
        }),
    )
}
