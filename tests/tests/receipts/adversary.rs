//! H2: a receipts shard cannot be bricked. A full tree is followed by the shard's next
//! generation (anyone opens it once the newest is half full), every append deposits its share
//! of the next tree's rent, and whoever opens a generation is paid back from those deposits.
use agentrunner_client::{
    ix::receipts::{self as ix, TreeRef},
    pda,
    receipts::shards,
};
use agentrunner_tests::{
    context::landed,
    fixtures::{sample_receipt, setup_receipts, ReceiptsSetup, RECEIPTS_PERIOD_SECS},
    TestContext,
};
use receipts::{
    error::ReceiptsError,
    merkle::tree_account_len,
    state::{PeriodRoot, ReceiptTree, Shard},
};
use solana_keypair::Keypair;
use solana_signer::Signer;

/// `ConcurrentMerkleTreeError` of mpl-account-compression: the tree is full.
const COMPRESSION_TREE_ERROR: u32 = 6001;
/// Depth of the test shard: 8 leaves, so half full is 4.
const DEPTH: u32 = 3;
const BUFFER: u32 = 8;

async fn append(ctx: &TestContext, setup: &ReceiptsSetup, tree: &TreeRef, n: u32) {
    let ix = ix::append_receipt(tree, &setup.writer.pubkey(), sample_receipt(plan(), n));
    landed(ctx.send(&[ix], &[&setup.writer]).await);
}

/// Every receipt of this suite belongs to one plan (a single-shard deployment takes them all).
fn plan() -> anchor_lang::prelude::Pubkey {
    anchor_lang::prelude::Pubkey::new_from_array([0x42; 32])
}

/// The allocate + provision pair opening the generation after `newest`, paid by `payer`.
fn provision(
    ctx: &TestContext,
    newest: &TreeRef,
    next: &Keypair,
    payer: &Keypair,
) -> Vec<anchor_lang::solana_program::instruction::Instruction> {
    let rent = ctx
        .chain
        .rent()
        .minimum_balance(tree_account_len(DEPTH, BUFFER, 0).unwrap());
    ix::provision_tree(
        newest,
        (DEPTH, BUFFER),
        &next.pubkey(),
        &payer.pubkey(),
        rent,
    )
    .to_vec()
}

#[tokio::test]
async fn adversary_h2_a_filled_shard_rolls_over_and_the_filler_pays_for_the_next_tree() {
    let ctx = TestContext::new().await;
    let setup = setup_receipts(&ctx, 1, DEPTH, BUFFER).await;
    let gen0 = setup.tree_ref(0);
    let rent = ctx.chain.rent();
    let state: ReceiptTree = ctx.get(&gen0.receipt_tree()).await;
    let deposit = state.leaf_deposit(rent).unwrap();
    let next_cost = rent.minimum_balance(tree_account_len(DEPTH, BUFFER, 0).unwrap())
        + rent.minimum_balance(ReceiptTree::SPACE);
    assert_eq!(deposit, next_cost.div_ceil(8));
    let shard = pda::shard(0).0;
    let shard_rent = rent.minimum_balance(Shard::SPACE);
    assert_eq!(ctx.chain.balance(&shard).await.unwrap(), shard_rent);

    // Each append moves exactly one deposit from its payer into the shard.
    let writer_before = ctx.chain.balance(&setup.writer.pubkey()).await.unwrap();
    for n in 0..3 {
        append(&ctx, &setup, &gen0, n).await;
    }
    assert_eq!(
        ctx.chain.balance(&setup.writer.pubkey()).await.unwrap(),
        writer_before - 3 * deposit
    );
    assert_eq!(
        ctx.chain.balance(&shard).await.unwrap(),
        shard_rent + 3 * deposit
    );

    // Below half full the next generation cannot be opened (nobody can grind rent out of a shard).
    let provisioner = ctx.wallet().await;
    let next = Keypair::new();
    ctx.expect_error(
        &provision(&ctx, &gen0, &next, &provisioner),
        &[&provisioner, &next],
        ReceiptsError::TreeNotHalfFull,
    )
    .await;

    // At half full anyone opens it, and is paid back the shard's deposits.
    append(&ctx, &setup, &gen0, 3).await;
    let before = ctx.chain.balance(&provisioner.pubkey()).await.unwrap();
    let ixs = provision(&ctx, &gen0, &next, &provisioner);
    landed(ctx.send(&ixs, &[&provisioner, &next]).await);
    assert_eq!(
        ctx.chain.balance(&provisioner.pubkey()).await.unwrap(),
        before - next_cost + 4 * deposit
    );
    assert_eq!(ctx.chain.balance(&shard).await.unwrap(), shard_rent);
    let (gen1, gen1_state) = shards::newest(&*ctx.chain, 0).await.unwrap();
    assert_eq!(
        (
            gen1.generation,
            gen1.tree,
            gen1_state.max_depth,
            gen1_state.canopy_depth
        ),
        (1, next.pubkey(), DEPTH, 0)
    );
    let stored: Shard = ctx.get(&shard).await;
    assert_eq!(stored.generations, 2);

    // The old tree fills up and refuses more; the shard goes on in its new generation.
    for n in 4..8 {
        append(&ctx, &setup, &gen0, n).await;
    }
    let overflow = ix::append_receipt(&gen0, &setup.writer.pubkey(), sample_receipt(plan(), 8));
    ctx.expect_error(&[overflow], &[&setup.writer], COMPRESSION_TREE_ERROR)
        .await;
    append(&ctx, &setup, &gen1, 8).await;

    // Opening generation 2 waits for generation 1 to be half full, not the old tree.
    let third = Keypair::new();
    ctx.expect_error(
        &provision(&ctx, &gen1, &third, &provisioner),
        &[&provisioner, &third],
        ReceiptsError::TreeNotHalfFull,
    )
    .await;

    // Both generations anchor their own period roots, each over its own leaf range.
    ctx.warp_seconds(RECEIPTS_PERIOD_SECS).await;
    for tree in [&gen0, &gen1] {
        let anchor = ix::anchor_period(tree, 0, &provisioner.pubkey());
        landed(ctx.send(&[anchor], &[&provisioner]).await);
    }
    let p0: PeriodRoot = ctx.get(&pda::period_root(&gen0.tree, 0).0).await;
    let p1: PeriodRoot = ctx.get(&pda::period_root(&gen1.tree, 0).0).await;
    assert_eq!((p0.tree, p0.first_leaf, p0.leaf_count), (gen0.tree, 0, 8));
    assert_eq!((p1.tree, p1.first_leaf, p1.leaf_count), (gen1.tree, 0, 1));
    // The shard holds the deposits of the four leaves after the provision and of the new one.
    assert_eq!(
        ctx.chain.balance(&shard).await.unwrap(),
        shard_rent + 5 * deposit
    );
}

#[tokio::test]
async fn adversary_h2_a_second_provision_of_the_same_generation_is_refused() {
    let ctx = TestContext::new().await;
    let setup = setup_receipts(&ctx, 1, DEPTH, BUFFER).await;
    let gen0 = setup.tree_ref(0);
    for n in 0..4 {
        append(&ctx, &setup, &gen0, n).await;
    }
    let first = ctx.wallet().await;
    let next = Keypair::new();
    let ixs = provision(&ctx, &gen0, &next, &first);
    landed(ctx.send(&ixs, &[&first, &next]).await);
    // A racing provisioner naming the same (now old) generation is refused by the seeds of the
    // newest generation, and pays nothing but its fee.
    let second = ctx.wallet().await;
    let other = Keypair::new();
    ctx.expect_error(
        &provision(&ctx, &gen0, &other, &second),
        &[&second, &other],
        anchor_lang::error::ErrorCode::ConstraintSeeds,
    )
    .await;
}
