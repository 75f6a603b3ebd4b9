//! anchor_period: permissionless, once per period, empty periods anchored, never overwritten.
use agentrunner_client::ix::receipts::TreeRef;
use agentrunner_client::{ix::receipts as ix, pda, receipts::TreeMirror};
use agentrunner_tests::{
    context::landed,
    fixtures::{random_plan, sample_receipt, setup_receipts, RECEIPTS_PERIOD_SECS},
    TestContext,
};
use receipts::{
    error::ReceiptsError,
    state::{PeriodRoot, ReceiptTree},
};
use solana_signer::Signer;

#[tokio::test]
async fn test_anchor_periods_including_empty_ones() {
    let ctx = TestContext::new().await;
    let setup = setup_receipts(&ctx, 1, 5, 8).await;
    let tree = setup.trees[0];
    let plan = random_plan();
    let mut mirror = TreeMirror::new(5);
    let start = ctx.now().await;
    for n in 0..5 {
        let receipt = sample_receipt(plan, n);
        landed(
            ctx.send(
                &[ix::append_receipt(
                    &TreeRef::first(0, &tree),
                    &setup.writer.pubkey(),
                    receipt,
                )],
                &[&setup.writer],
            )
            .await,
        );
        mirror.append(receipt.leaf());
    }
    let cranker = ctx.wallet().await;
    let anchor = |index| {
        [ix::anchor_period(
            &TreeRef::first(0, &tree),
            index,
            &cranker.pubkey(),
        )]
    };
    // Boundary: one second before the end, refused; at the end, accepted.
    ctx.warp_seconds(RECEIPTS_PERIOD_SECS - 1).await;
    ctx.expect_error(&anchor(0), &[&cranker], ReceiptsError::PeriodNotOver)
        .await;
    ctx.warp_seconds(1).await;
    landed(ctx.send(&anchor(0), &[&cranker]).await);
    let (address, bump) = pda::period_root(&tree, 0);
    let p0: PeriodRoot = ctx.get(&address).await;
    assert_eq!(
        (p0.tree, p0.index, p0.start, p0.end),
        (tree, 0, start, start + RECEIPTS_PERIOD_SECS)
    );
    assert_eq!(
        (p0.root, p0.first_leaf, p0.leaf_count, p0.max_depth, p0.bump),
        (mirror.root(), 0, 5, 5, bump)
    );

    // Three more receipts, then an empty period.
    for n in 5..8 {
        let receipt = sample_receipt(plan, n);
        landed(
            ctx.send(
                &[ix::append_receipt(
                    &TreeRef::first(0, &tree),
                    &setup.writer.pubkey(),
                    receipt,
                )],
                &[&setup.writer],
            )
            .await,
        );
        mirror.append(receipt.leaf());
    }
    ctx.expect_error(&anchor(1), &[&cranker], ReceiptsError::PeriodNotOver)
        .await;
    ctx.warp_seconds(RECEIPTS_PERIOD_SECS).await;
    landed(ctx.send(&anchor(1), &[&cranker]).await);
    ctx.warp_seconds(RECEIPTS_PERIOD_SECS).await;
    landed(ctx.send(&anchor(2), &[&cranker]).await);
    let p1: PeriodRoot = ctx.get(&pda::period_root(&tree, 1).0).await;
    let p2: PeriodRoot = ctx.get(&pda::period_root(&tree, 2).0).await;
    assert_eq!(
        (p1.first_leaf, p1.leaf_count, p1.root),
        (5, 3, mirror.root())
    );
    assert_eq!(
        (p2.first_leaf, p2.leaf_count, p2.root),
        (8, 0, mirror.root())
    );
    assert_eq!((p1.end, p2.start), (p2.start, p1.end));
    let state: ReceiptTree = ctx.get(&pda::receipt_tree(0, 0).0).await;
    assert_eq!((state.period_index, state.period_first_leaf), (3, 8));

    // A period root is never written again: an old index no longer matches the next PDA.
    ctx.warp_seconds(RECEIPTS_PERIOD_SECS).await;
    let before = ctx.chain.account(&address).await.unwrap();
    ctx.expect_error(
        &anchor(0),
        &[&cranker],
        anchor_lang::error::ErrorCode::ConstraintSeeds,
    )
    .await;
    assert_eq!(ctx.chain.account(&address).await.unwrap(), before);
}
