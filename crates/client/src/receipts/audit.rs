//! A third party's verification with nothing but a cluster URL (no deployment file): the
//! receipt's own checks ([`super::file`]), then its standing on chain — the `PeriodRoot` named by
//! the file (one account read) or found among the receipts program's accounts, its root compared
//! with the file's proof; when the file has no proof (a bare receipt, a broker's file) or one at
//! another tree size, the proof is rebuilt from the tree's history. Also [`receipt_file`], the
//! one way every writer (the CLI, the demo) builds a complete file.
use anchor_lang::prelude::Pubkey;
use receipts::state::PeriodRoot;

use super::{
    file::{check_receipt, hex_nodes, ReceiptFile, ReceiptInput, ReceiptProof, Rejection},
    index::{live_tree, mirror_of, period_covering, plan_receipts, IndexedReceipt},
    verify_against_period, LocatedReceipt, ReceiptJson, TreeMirror,
};
use crate::{accounts::decode, chain::Chain};

/// Where a receipt that verified stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Verified against this PeriodRoot's root.
    Anchored { period_root: Pubkey },
    /// In the tree, but no PeriodRoot covers it yet.
    NotAnchored,
}

/// The complete file for `found` (from history): a proof against the PeriodRoot that covers it
/// (at the period's tree size) or else against the tree as `mirror` holds it, and the vendor's
/// attestation if known.
pub fn receipt_file(
    found: &IndexedReceipt,
    mirror: &TreeMirror,
    period: Option<(Pubkey, &PeriodRoot)>,
    vendor: Option<super::file::VendorAttestation>,
) -> ReceiptFile {
    let size = period.map_or(mirror.len(), |(_, p)| p.tree_size());
    ReceiptFile {
        proof: Some(ReceiptProof {
            nodes: hex_nodes(&mirror.proof(found.index, size)),
            root: hex::encode(mirror.root_at(size)),
            tree_size: size,
        }),
        period_root: period.map(|(address, _)| address.to_string()),
        ..unproven_file(found, vendor)
    }
}

/// Every receipt of `plan` as a complete file, rebuilt from chain history alone (its shard's
/// trees replayed once each): what `agentrunner receipts` writes and what the explorer shows
/// when no receipts API is at hand. O(transactions that touched the trees) RPC requests.
pub async fn plan_receipt_files<C: Chain>(
    chain: &C,
    plan: &Pubkey,
) -> crate::ClientResult<Vec<ReceiptFile>> {
    let mut mirrors: std::collections::HashMap<Pubkey, TreeMirror> = Default::default();
    let mut files = Vec::new();
    for found in plan_receipts(chain, plan).await? {
        if let std::collections::hash_map::Entry::Vacant(entry) = mirrors.entry(found.tree) {
            let depth = live_tree(chain, &found.tree).await?.max_depth;
            entry.insert(mirror_of(chain, &found.tree, depth).await?);
        }
        let period = period_covering(chain, &found.tree, found.index).await?;
        files.push(receipt_file(
            &found,
            &mirrors[&found.tree],
            period.as_ref().map(|(address, p)| (*address, p)),
            None,
        ));
    }
    Ok(files)
}

/// The file for `found` before anyone has a proof (what a broker writes right after landing).
pub fn unproven_file(
    found: &IndexedReceipt,
    vendor: Option<super::file::VendorAttestation>,
) -> ReceiptFile {
    ReceiptFile {
        format: super::file::FILE_FORMAT.into(),
        located: LocatedReceipt {
            receipt: ReceiptJson::from(&found.receipt),
            leaf: hex::encode(found.receipt.leaf()),
            tree: found.tree.to_string(),
            index: found.index,
            transaction: found.signature.to_string(),
        },
        proof: None,
        period_root: None,
        vendor,
        positions: None,
    }
}

fn chain_error(e: crate::ClientError) -> Rejection {
    Rejection::Chain(e.to_string())
}

/// The receipt found in history for a bare receipt: the append of `plan` whose leaf is `leaf`.
async fn locate<C: Chain>(
    chain: &C,
    json: &ReceiptJson,
    leaf: [u8; 32],
) -> Result<IndexedReceipt, Rejection> {
    let plan: Pubkey = json
        .plan
        .parse()
        .map_err(|_| Rejection::Fields(format!("plan {:?}", json.plan)))?;
    plan_receipts(chain, &plan)
        .await
        .map_err(chain_error)?
        .into_iter()
        .find(|r| r.receipt.leaf() == leaf)
        .ok_or_else(|| {
            Rejection::Chain(format!(
                "no receipt with leaf {} was appended for plan {plan}",
                hex::encode(leaf)
            ))
        })
}

/// Verifies `input` against the chain: `Ok` with the completed file (proof, PeriodRoot) and its
/// standing, or the precise reason it is rejected.
pub async fn verify_input<C: Chain>(
    chain: &C,
    input: &ReceiptInput,
) -> Result<(ReceiptFile, Standing), Rejection> {
    let (mut file, found) = match input {
        ReceiptInput::File(file) => {
            let receipt = super::file::check_offline(file)?;
            let tree = file
                .located
                .tree
                .parse()
                .map_err(|_| Rejection::Fields(format!("tree {:?}", file.located.tree)))?;
            let found = IndexedReceipt {
                receipt,
                index: file.located.index,
                tree,
                signature: file.located.transaction.parse().unwrap_or_default(),
            };
            (file.as_ref().clone(), found)
        }
        ReceiptInput::Bare(json) => {
            let (_, leaf) = check_receipt(json, None)?;
            let found = locate(chain, json, leaf).await?;
            (unproven_file(&found, None), found)
        }
    };
    let period = match &file.period_root {
        Some(address) => {
            let address: Pubkey = address
                .parse()
                .map_err(|_| Rejection::Fields(format!("period_root {address:?}")))?;
            let account = chain
                .account(&address)
                .await
                .map_err(chain_error)?
                .ok_or_else(|| Rejection::Chain(format!("no PeriodRoot account at {address}")))?;
            let period: PeriodRoot = decode(&address, &account.data).map_err(chain_error)?;
            if period.tree != found.tree {
                return Err(Rejection::Chain(format!(
                    "PeriodRoot {address} anchors tree {}, not {}",
                    period.tree, found.tree
                )));
            }
            Some((address, period))
        }
        None => period_covering(chain, &found.tree, found.index)
            .await
            .map_err(chain_error)?,
    };
    let stated = file.proof.clone();
    match period {
        Some((address, period)) => {
            let usable = stated
                .as_ref()
                .filter(|p| p.tree_size == period.tree_size());
            let proof = match usable {
                Some(proof) => proof.node_bytes()?,
                None => {
                    let mirror = mirror_of(chain, &found.tree, period.max_depth)
                        .await
                        .map_err(chain_error)?;
                    file = ReceiptFile {
                        vendor: file.vendor.clone(),
                        ..receipt_file(&found, &mirror, Some((address, &period)), None)
                    };
                    mirror.proof(found.index, period.tree_size())
                }
            };
            verify_against_period(&found.receipt, found.index, &proof, &period)
                .map_err(|e| Rejection::Chain(format!("against PeriodRoot {address}: {e}")))?;
            file.period_root = Some(address.to_string());
            Ok((
                file,
                Standing::Anchored {
                    period_root: address,
                },
            ))
        }
        None => {
            let live = live_tree(chain, &found.tree).await.map_err(chain_error)?;
            let current = stated.as_ref().is_some_and(|p| {
                p.tree_size == live.leaf_count && p.root == hex::encode(live.root)
            });
            if !current {
                let mirror = mirror_of(chain, &found.tree, live.max_depth)
                    .await
                    .map_err(chain_error)?;
                if mirror.leaf(found.index) != Some(found.receipt.leaf()) {
                    return Err(Rejection::Chain(format!(
                        "tree {} does not hold this receipt at leaf {}",
                        found.tree, found.index
                    )));
                }
                file = ReceiptFile {
                    vendor: file.vendor.clone(),
                    ..receipt_file(&found, &mirror, None, None)
                };
            }
            file.period_root = None;
            Ok((file, Standing::NotAnchored))
        }
    }
}
