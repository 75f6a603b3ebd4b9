//! Following: every tree indexed with exactly the chain's leaves and root, a look-alike event
//! from another program ignored, a restart resuming from the cursor without re-indexing, the
//! whole history re-processed without a duplicate, and anchored periods recorded — on SQLite and PostgreSQL through the same code.
use agentrunner_client::rpc::RpcChain;
use agentrunner_indexer::{
    follow::Follower,
    store::{ReceiptFilter, Store},
};

use super::world::{postgres, postgres_server, sqlite, World};

/// Every receipt of `tree` the store holds (leaf index and leaf), in leaf order.
pub async fn stored(store: &Store, tree: &anchor_lang::prelude::Pubkey) -> Vec<(u64, String)> {
    store
        .receipts(&ReceiptFilter {
            tree: Some(*tree),
            limit: 100_000,
            ..ReceiptFilter::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|row| (row.index, hex::encode(row.receipt.leaf())))
        .collect()
}

/// The store holds exactly the chain's leaves of every tree (indexes 0.., no gaps, no
/// duplicates, the appended receipts in order) and the chain's roots.
pub async fn holds_exactly_the_chain(world: &World, store: &Store) {
    for tree in &world.setup.trees {
        let expected: Vec<_> = world
            .leaves_of(tree)
            .into_iter()
            .enumerate()
            .map(|(i, r)| (i as u64, hex::encode(r.leaf())))
            .collect();
        assert_eq!(stored(store, tree).await, expected, "tree {tree}");
        let row = store
            .trees()
            .await
            .unwrap()
            .into_iter()
            .find(|t| t.tree == *tree)
            .unwrap();
        assert_eq!(
            (row.root, row.leaves),
            world.on_chain(tree).await,
            "tree {tree}"
        );
    }
}

/// Receipts newly indexed by one round of `follower`, over every tree.
async fn indexed_in_a_round(follower: &Follower<RpcChain>) -> u64 {
    follower
        .round()
        .await
        .unwrap()
        .iter()
        .map(|p| p.indexed)
        .sum()
}

async fn follows(world: &mut World, db: &str) {
    let store = Store::open(db).await.unwrap();
    let follower = Follower::resume(RpcChain::new(&world.url()), store.clone(), 7)
        .await
        .unwrap();
    let progress = follower.round().await.unwrap();
    assert_eq!(progress.len(), 2, "both shards' trees are followed");
    for p in &progress {
        assert_eq!(p.root_matches_chain, Some(true), "{p:?}");
        assert_eq!(p.leaves, world.leaves_of(&p.tree).len() as u64);
    }
    holds_exactly_the_chain(world, &store).await;

    // More appends: the next round indexes only them.
    world.append(15).await;
    let indexed = indexed_in_a_round(&follower).await;
    assert_eq!(indexed, 15);
    holds_exactly_the_chain(world, &store).await;

    // A restart resumes from the cursor: nothing is indexed twice.
    drop(follower);
    let restarted = Follower::resume(RpcChain::new(&world.url()), store.clone(), 7)
        .await
        .unwrap();
    let again = indexed_in_a_round(&restarted).await;
    assert_eq!(again, 0);

    // Re-processing the whole history (cursors cleared, as after a restore) changes nothing.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(db).await.unwrap();
    sqlx::query("UPDATE trees SET cursor = NULL")
        .execute(&pool)
        .await
        .unwrap();
    let replayed = Follower::resume(RpcChain::new(&world.url()), store.clone(), 7)
        .await
        .unwrap();
    assert_eq!(indexed_in_a_round(&replayed).await, 0);
    holds_exactly_the_chain(world, &store).await;

    // An anchored period is recorded with the root the chain froze.
    world.anchor(0, 0).await;
    restarted.round().await.unwrap();
    let periods = store.periods(Some(&world.setup.trees[0])).await.unwrap();
    assert_eq!(periods.len(), 1);
    let leaves = world.leaves_of(&world.setup.trees[0]).len() as u64;
    assert_eq!(
        (periods[0].period.tree_size(), periods[0].period.root),
        (leaves, world.on_chain(&world.setup.trees[0]).await.0)
    );
    holds_exactly_the_chain(world, &store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_indexer_follows_every_tree_and_ignores_a_forged_event() {
    let mut databases = vec![sqlite("follow")];
    if let Some(server) = postgres_server() {
        databases.push(postgres(&server, "follow").await);
    }
    for db in databases {
        let mut world = World::new(2).await;
        world.append(30).await;
        let tree = world.setup.trees[0];
        let forged = world.forge(&tree).await;
        world.append(10).await;
        follows(&mut world, &db).await;
        let store = Store::open(&db).await.unwrap();
        assert_eq!(store.receipt_by_leaf(&forged).await.unwrap(), None, "{db}");
    }
}
