//! Fund Admin's NAV (docs/SECURITY-TESTPLAN.md N-01..N-04): `record_nav` prices each of the
//! owner's positions from its Pyth account, fail-closed, and records one `Nav` receipt that
//! commits to them; anyone may record an owner's NAV. Someone else's account, a stale price, a price account of another feed, a
//! position named twice or no position at all is refused with its exact error and changes
//! nothing; the off-chain flow names the position it cannot price. An LP position is priced
//! from its own pool (N-05, N-06).
use agentrunner_client::{
    events::decode_event,
    flows::nav::{self, NavError, NavGuards, Positions},
    ix::{receipts::TreeRef, runner::NavPriceAccounts, sim_venue::PoolRef},
    receipts::{file::check_offline, index::IndexedReceipt},
    send::{transaction_size, PACKET_DATA_SIZE},
};
use agentrunner_embedded::oracle::pyth_feed;
use agentrunner_tests::runner_world::*;
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};
use receipts::{events::ReceiptAppended, receipt::ReceiptKind};
use runner::{error::RunnerError, events::NavRecorded, nav::positions_hash};
use solana_signer::Signer;

/// The owner's positions priced now, as the CLI prices them.
async fn priced(w: &RunnerWorld, owner: &Pubkey) -> Result<Positions, NavError> {
    let clock = w.ctx.chain.clock().await.unwrap();
    nav::positions(
        &*w.ctx.chain,
        &w.deployment(),
        owner,
        NavGuards::default(),
        &clock,
    )
    .await
}

/// `recorder`'s `record_nav` of `owner`'s `positions` into the owner's shard's first tree.
fn record(
    w: &RunnerWorld,
    recorder: &Pubkey,
    owner: &Pubkey,
    positions: &Positions,
) -> Instruction {
    let (shard, tree) = w.deployment().shard_of(owner);
    nav::instruction(
        recorder,
        owner,
        &TreeRef::first(shard, &tree),
        positions,
        NavGuards::default(),
    )
}

#[tokio::test]
async fn test_n1_a_nav_prices_every_position_and_records_one_receipt_committing_to_them() {
    let w = RunnerWorld::new().await;
    w.refresh_prices().await;
    let owner = w.funded_owner().await;
    let positions = priced(&w, &owner.keypair.pubkey()).await.unwrap();
    // 100 SOL at $150, 10,000 USDC, 10,000 JUP at $0.80, 5,000 WIF at $2.
    assert_eq!(positions.total_usd, 43_000 * USDC);
    let symbols: Vec<&str> = positions
        .holdings
        .iter()
        .map(|h| h.symbol.as_str())
        .collect();
    assert_eq!(symbols, ["SOL", "USDC", "JUP", "WIF"]);

    // Recorded by the fund's administrator, who signs and pays; the positions are the owner's.
    let admin = w.ctx.wallet().await;
    let ix = record(&w, &admin.pubkey(), &owner.keypair.pubkey(), &positions);
    let traced = w.ctx.send_traced(&[ix], &[&admin]).await.unwrap();
    let event = traced
        .cpis()
        .find_map(|c| {
            decode_event::<ReceiptAppended>(&receipts::ID, &c.program_id, &c.accounts, &c.data)
        })
        .expect("one receipt");
    let receipt = event.receipt;
    let committed: Vec<_> = positions.holdings.iter().map(|h| h.position).collect();
    assert_eq!(
        (receipt.kind, receipt.amount_in, receipt.amount_out),
        (ReceiptKind::Nav, 43_000 * USDC, 4)
    );
    assert_eq!(receipt.inputs_hash, positions_hash(&committed));
    assert_eq!(
        (receipt.plan, receipt.payer, receipt.agent),
        (
            owner.keypair.pubkey(),
            owner.keypair.pubkey(),
            admin.pubkey()
        )
    );
    // The chain's positions are the ones priced off-chain (same prices, same time), and the
    // file an auditor gets checks offline, positions included.
    let recorded: NavRecorded = traced
        .cpis()
        .find_map(|c| decode_event(&runner::ID, &c.program_id, &c.accounts, &c.data))
        .expect("the positions");
    assert_eq!(recorded.positions, committed);
    let found = IndexedReceipt {
        receipt,
        index: event.index,
        tree: event.tree,
        signature: Default::default(),
    };
    let file = nav::nav_file(&found, &recorded.positions, &w.deployment());
    assert_eq!(check_offline(&file).unwrap(), receipt);
    let mut forged = file.clone();
    forged.positions.as_mut().unwrap()[2].amount += 1;
    assert_eq!(
        check_offline(&forged).unwrap_err(),
        agentrunner_client::receipts::file::Rejection::NavPositions
    );
}

/// N-02: a NAV for one owner naming another owner's token accounts (a fund inflated with
/// someone else's money), whoever records it.
#[tokio::test]
async fn adversary_n2_another_owners_positions_are_refused() {
    let w = RunnerWorld::new().await;
    w.refresh_prices().await;
    let rich = w.funded_owner().await;
    let poor = w.ctx.wallet().await;
    let positions = priced(&w, &rich.keypair.pubkey()).await.unwrap();
    w.ctx
        .expect_error(
            &[record(&w, &poor.pubkey(), &poor.pubkey(), &positions)],
            &[&poor],
            RunnerError::NavPositionInvalid,
        )
        .await;
}

/// N-03: one stale price refuses the whole NAV, on-chain and off-chain (by name).
#[tokio::test]
async fn adversary_n3_a_stale_price_refuses_the_whole_nav() {
    let w = RunnerWorld::new().await;
    w.refresh_prices().await;
    let owner = w.funded_owner().await;
    let positions = priced(&w, &owner.keypair.pubkey()).await.unwrap();
    let max_age = i64::from(NavGuards::default().max_age_secs);
    w.ctx.warp_seconds(max_age + 5).await;
    w.refresh_prices().await;
    let now = w.ctx.now().await;
    w.write_price(
        &w.jup_price,
        pyth_feed::JUP_USD,
        JUP_PRICE,
        now - max_age - 1,
    )
    .await;
    w.ctx
        .expect_error(
            &[record(
                &w,
                &owner.keypair.pubkey(),
                &owner.keypair.pubkey(),
                &positions,
            )],
            &[&owner.keypair],
            RunnerError::OracleStale,
        )
        .await;
    match priced(&w, &owner.keypair.pubkey()).await {
        Err(NavError::Unpriced(why)) => {
            assert_eq!(why.len(), 1);
            assert!(why[0].starts_with("JUP: OracleStale"), "{why:?}");
        }
        other => panic!("expected JUP unpriced, got {other:?}"),
    }
}

/// N-04: a fresh price account of another feed passed for a position, a position named twice,
/// or no position at all.
#[tokio::test]
async fn adversary_n4_wrong_feed_duplicate_or_empty_positions_are_refused() {
    let w = RunnerWorld::new().await;
    w.refresh_prices().await;
    let owner = w.funded_owner().await;
    let key = owner.keypair.pubkey();
    let positions = priced(&w, &key).await.unwrap();
    let mut wrong_feed = positions.clone();
    wrong_feed.holdings[0].accounts.priced_by = NavPriceAccounts::Pyth {
        price_account: w.usdc_price,
        feed_id: pyth_feed::SOL_USD,
    };
    let mut twice = positions.clone();
    twice.holdings[1] = twice.holdings[0].clone();
    let mut none = positions.clone();
    none.holdings.clear();
    for (label, positions, error) in [
        ("another feed", wrong_feed, RunnerError::OracleFeedMismatch),
        ("named twice", twice, RunnerError::NavPositionInvalid),
        ("no position", none, RunnerError::NavPositionInvalid),
    ] {
        refused(&w, &owner, label, &positions, error).await;
    }
}

/// `owner` records its own NAV of `positions`: refused with `error`, nothing changed.
async fn refused(
    w: &RunnerWorld,
    owner: &Owner,
    label: &str,
    positions: &Positions,
    error: RunnerError,
) {
    let key = owner.keypair.pubkey();
    let ix = record(w, &key, &key, positions);
    w.ctx
        .expect_error_labeled(label, &[ix], &[&owner.keypair], error)
        .await;
}

/// A world whose funded owner also put 10 SOL and 1,500 USDC into the SOL/USDC pool at the
/// oracle's ratio ($3,000 of LP shares): the owner, its positions priced now, and where the LP
/// position is among them.
async fn lp_owner() -> (RunnerWorld, Owner, Positions, usize) {
    let w = RunnerWorld::new().await;
    w.refresh_prices().await;
    let owner = w.funded_owner().await;
    w.provide_liquidity(&owner, 10 * SOL, 1_500 * USDC).await;
    let positions = priced(&w, &owner.keypair.pubkey()).await.unwrap();
    let at = positions
        .holdings
        .iter()
        .position(|h| h.position.mint == w.lp_mint())
        .expect("an LP position");
    (w, owner, positions, at)
}

#[tokio::test]
async fn test_n5_an_lp_position_is_priced_fairly_from_its_pool_beside_four_tokens() {
    let (w, owner, positions, at) = lp_owner().await;
    let key = owner.keypair.pubkey();
    let symbols: Vec<&str> = positions
        .holdings
        .iter()
        .map(|h| h.symbol.as_str())
        .collect();
    assert_eq!(symbols, ["SOL", "USDC", "JUP", "WIF", "SOL-USDC-LP"]);
    let lp = &positions.holdings[at].position;
    assert_eq!(lp.feed_id, w.pool.pool.to_bytes(), "priced by its pool");
    // The NAV is what the owner held before depositing, less at most rounding.
    let nav = positions.total_usd;
    assert!(
        (43_000 * USDC - 5..=43_000 * USDC).contains(&nav),
        "NAV {nav}"
    );
    assert!(
        (2_999_999_000..=3_000 * USDC).contains(&lp.value_usd),
        "{lp:?}"
    );

    // Five positions, one an LP token naming its pool, in one transaction.
    let ix = record(&w, &key, &key, &positions);
    // On a cluster it goes through the deployment's lookup table, as `agentrunner nav` sends it.
    let table = w.deployment().lookup_table_account();
    let size = transaction_size(&key, std::slice::from_ref(&ix), &[table]).unwrap();
    assert!(size <= PACKET_DATA_SIZE, "{size} bytes");
    let traced = w.ctx.send_traced(&[ix], &[&owner.keypair]).await.unwrap();
    let recorded: NavRecorded = traced
        .cpis()
        .find_map(|c| decode_event(&runner::ID, &c.program_id, &c.accounts, &c.data))
        .expect("the positions");
    let committed: Vec<_> = positions.holdings.iter().map(|h| h.position).collect();
    assert_eq!(recorded.positions, committed);
    assert_eq!(recorded.nav_usd, nav);
}

/// N-06: an LP position priced by another pool (one that really is a pool, with its own
/// vaults), or by its own pool with a side's price account swapped for another feed's.
#[tokio::test]
async fn adversary_n6_an_lp_position_priced_by_another_pool_or_feed_is_refused() {
    let (w, owner, positions, at) = lp_owner().await;
    let NavPriceAccounts::Pool { a, b, .. } = positions.holdings[at].accounts.priced_by.clone()
    else {
        panic!("the LP position is priced by its pool");
    };
    let mut other_pool = positions.clone();
    other_pool.holdings[at].accounts.priced_by = NavPriceAccounts::Pool {
        pool: Box::new(PoolRef::new(&w.jup, &w.usdc)),
        a,
        b,
    };
    let mut swapped_side = positions.clone();
    swapped_side.holdings[at].accounts.priced_by = NavPriceAccounts::Pool {
        pool: Box::new(w.pool),
        a: (b.0, a.1),
        b,
    };
    for (label, positions, error) in [
        ("another pool", other_pool, RunnerError::PoolMismatch),
        (
            "a side's feed swapped",
            swapped_side,
            RunnerError::OracleFeedMismatch,
        ),
    ] {
        refused(&w, &owner, label, &positions, error).await;
    }
}
