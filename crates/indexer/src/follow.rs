//! Following the chain: every round, every receipt tree (found among the receipts program's
//! `ReceiptTree` accounts) is read from its cursor forward — the transactions that named the
//! tree, oldest first, and the `ReceiptAppended` events the receipts program emitted in them
//! (an event from any other program, or without the program's event authority, is not one).
//! Each event must extend the tree by exactly one leaf and give the root the event states; a
//! batch is committed with its cursor, and after the last batch the indexed root is compared
//! with the tree account's.
use std::{collections::HashMap, sync::Arc};

use agentrunner_client::{
    chain::Chain,
    events::decode_event,
    receipts::{index::live_tree, TreeMirror},
};
use anchor_lang::{prelude::Pubkey, AccountDeserialize, Discriminator};
use futures_util::StreamExt;
use receipts::{
    events::ReceiptAppended,
    state::{PeriodRoot, ReceiptTree},
};
use solana_signature::Signature;
use tokio::sync::RwLock;

use crate::{
    store::{PeriodRow, ReceiptRow, Store, TreeRow},
    IndexerError,
};

/// Transactions fetched at once while reading a batch.
const CONCURRENT_FETCHES: usize = 16;

/// The in-memory mirror of every indexed tree (what proofs are computed from), shared with the
/// API.
pub type Mirrors = Arc<RwLock<HashMap<Pubkey, TreeMirror>>>;

/// What one round did to one tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeProgress {
    pub tree: Pubkey,
    /// Receipts newly indexed this round.
    pub indexed: u64,
    /// Leaves indexed in all.
    pub leaves: u64,
    /// Whether the indexed root equals the tree account's (`None`: the tree moved on while
    /// the round ran, checked next round).
    pub root_matches_chain: Option<bool>,
}

/// The follower.
pub struct Follower<C> {
    pub chain: C,
    pub store: Store,
    pub mirrors: Mirrors,
    /// Transactions per committed batch.
    pub batch: usize,
}

impl<C: Chain> Follower<C> {
    /// A follower over `store`, its mirrors rebuilt from what the store holds.
    pub async fn resume(chain: C, store: Store, batch: usize) -> Result<Self, IndexerError> {
        let mut mirrors = HashMap::new();
        for tree in store.trees().await? {
            let mut mirror = TreeMirror::new(tree.depth);
            for leaf in store.leaves(&tree.tree).await? {
                mirror.append(leaf);
            }
            if mirror.len() != tree.leaves || mirror.root() != tree.root {
                return Err(IndexerError::Inconsistent(format!(
                    "tree {}: the database's leaves do not give its recorded root",
                    tree.tree
                )));
            }
            mirrors.insert(tree.tree, mirror);
        }
        Ok(Self {
            chain,
            store,
            mirrors: Arc::new(RwLock::new(mirrors)),
            batch: batch.max(1),
        })
    }

    /// One round over every tree and the period roots.
    pub async fn round(&self) -> Result<Vec<TreeProgress>, IndexerError> {
        let trees = self
            .chain
            .program_accounts(&receipts::ID, ReceiptTree::DISCRIMINATOR)
            .await?;
        let indexed = self.store.trees().await?;
        let mut progress = Vec::new();
        for (_, account) in trees {
            let Ok(receipt_tree) = ReceiptTree::try_deserialize(&mut account.data.as_slice())
            else {
                continue;
            };
            let row = match indexed.iter().find(|t| t.tree == receipt_tree.tree) {
                Some(row) => row.clone(),
                None => self.track(&receipt_tree).await?,
            };
            progress.push(self.follow(&row).await?);
        }
        self.index_periods().await?;
        Ok(progress)
    }

    /// Starts indexing a tree found on chain: its row and an empty mirror.
    async fn track(&self, tree: &ReceiptTree) -> Result<TreeRow, IndexerError> {
        let empty = TreeMirror::new(tree.max_depth);
        let row = TreeRow {
            tree: tree.tree,
            shard: tree.shard,
            generation: tree.generation,
            depth: tree.max_depth,
            leaves: 0,
            root: empty.root(),
            cursor: None,
        };
        self.store.add_tree(&row).await?;
        self.mirrors.write().await.insert(tree.tree, empty);
        Ok(row)
    }

    /// Indexes `row`'s tree from its cursor to the chain's newest transaction.
    async fn follow(&self, row: &TreeRow) -> Result<TreeProgress, IndexerError> {
        let signatures = self
            .chain
            .signatures_after(&row.tree, row.cursor.as_ref())
            .await?;
        let mut indexed = 0;
        for batch in signatures.chunks(self.batch) {
            // Fetched concurrently, applied in order.
            let fetched: Vec<_> = futures_util::stream::iter(batch)
                .map(|signature| self.appends(&row.tree, signature))
                .buffered(CONCURRENT_FETCHES)
                .collect()
                .await;
            let mut events = Vec::new();
            for appended in fetched {
                events.extend(appended?);
            }
            indexed += self
                .commit(&row.tree, events, &batch[batch.len() - 1])
                .await?;
        }
        let (leaves, root) = {
            let mirrors = self.mirrors.read().await;
            let mirror = &mirrors[&row.tree];
            (mirror.len(), mirror.root())
        };
        let live = live_tree(&self.chain, &row.tree).await?;
        let root_matches_chain = match (live.leaf_count == leaves, live.root == root) {
            (true, true) => Some(true),
            (true, false) => {
                return Err(IndexerError::Inconsistent(format!(
                    "tree {}: indexed root differs from the chain's at {leaves} leaves",
                    row.tree
                )))
            }
            (false, _) => None,
        };
        Ok(TreeProgress {
            tree: row.tree,
            indexed,
            leaves,
            root_matches_chain,
        })
    }

    /// The receipts `signature` appended to `tree`, as the receipts program emitted them.
    async fn appends(
        &self,
        tree: &Pubkey,
        signature: &Signature,
    ) -> Result<Vec<(ReceiptAppended, Signature)>, IndexerError> {
        let cpis = self
            .chain
            .transaction_cpis(signature)
            .await?
            .ok_or_else(|| {
                IndexerError::Chain(format!("the cluster has no record of {signature}"))
            })?;
        Ok(cpis
            .iter()
            .filter_map(|cpi| {
                decode_event::<ReceiptAppended>(
                    &receipts::ID,
                    &cpi.program_id,
                    &cpi.accounts,
                    &cpi.data,
                )
            })
            .filter(|event| event.tree == *tree)
            .map(|event| (event, *signature))
            .collect())
    }

    /// Applies `events` to the tree's mirror, checking each, then commits them with `cursor`.
    /// Events already indexed (a batch re-read after a crash) must match what is stored.
    async fn commit(
        &self,
        tree: &Pubkey,
        events: Vec<(ReceiptAppended, Signature)>,
        cursor: &Signature,
    ) -> Result<u64, IndexerError> {
        let mut mirrors = self.mirrors.write().await;
        let mirror = mirrors
            .get_mut(tree)
            .ok_or_else(|| IndexerError::Inconsistent(format!("tree {tree} has no mirror")))?;
        let mut rows = Vec::new();
        for (event, signature) in events {
            let leaf = event.receipt.leaf();
            if event.index < mirror.len() {
                if mirror.leaf(event.index) != Some(leaf) {
                    return Err(IndexerError::Inconsistent(format!(
                        "tree {tree}: leaf {} indexed differently before",
                        event.index
                    )));
                }
                continue;
            }
            if event.index != mirror.len() || event.leaf != leaf {
                return Err(IndexerError::Inconsistent(format!(
                    "tree {tree}: event for leaf {} while {} leaves are indexed",
                    event.index,
                    mirror.len()
                )));
            }
            mirror.append(leaf);
            if mirror.root() != event.root {
                return Err(IndexerError::Inconsistent(format!(
                    "tree {tree}: root after leaf {} differs from the event's",
                    event.index
                )));
            }
            rows.push(ReceiptRow {
                tree: *tree,
                index: event.index,
                receipt: event.receipt,
                signature,
            });
        }
        let result = self
            .store
            .commit(tree, &rows, mirror.len(), mirror.root(), cursor)
            .await;
        if result.is_err() {
            // The database did not take the batch: forget it in memory too.
            let mut rebuilt = TreeMirror::new(mirror.depth());
            for leaf in self.store.leaves(tree).await? {
                rebuilt.append(leaf);
            }
            *mirror = rebuilt;
        }
        result.map(|()| rows.len() as u64)
    }

    /// Records every PeriodRoot on chain.
    async fn index_periods(&self) -> Result<(), IndexerError> {
        let periods = self
            .chain
            .program_accounts(&receipts::ID, PeriodRoot::DISCRIMINATOR)
            .await?
            .into_iter()
            .filter_map(|(address, account)| {
                PeriodRoot::try_deserialize(&mut account.data.as_slice())
                    .ok()
                    .map(|period| PeriodRow { address, period })
            })
            .collect::<Vec<_>>();
        self.store.put_periods(&periods).await
    }
}
