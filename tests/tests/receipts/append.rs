//! append_receipt: the mirror equals the chain after every append, a full tree fails the whole
//! step, only writers append, and shards do not share write locks (M-02, M-03, M-08).
use agentrunner_client::ix::receipts::TreeRef;
use agentrunner_client::{events::decode_event, ix::receipts as ix, pda, receipts::TreeMirror};
use agentrunner_tests::{
    context::landed,
    fixtures::{random_plan, sample_receipt, setup_budget, setup_receipts, vendor_account},
    TestContext,
};
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};
use receipts::{error::ReceiptsError, events::ReceiptAppended, merkle::read_tree};
use solana_signer::Signer;

/// `ConcurrentMerkleTreeError` of mpl-account-compression (its first error is 6000).
const COMPRESSION_TREE_ERROR: u32 = 6001;
/// `IncorrectAuthority` of mpl-account-compression.
const COMPRESSION_INCORRECT_AUTHORITY: u32 = 6005;

async fn on_chain_root(ctx: &TestContext, tree: &Pubkey) -> ([u8; 32], u64) {
    let account = ctx.chain.account(tree).await.unwrap().unwrap();
    let state = read_tree(&account.data).unwrap();
    (state.root, state.leaf_count)
}

#[tokio::test]
async fn test_mirror_tracks_1024_appends_until_the_tree_is_full() {
    let ctx = TestContext::new().await;
    let setup = setup_receipts(&ctx, 1, 10, 32).await;
    let plan = random_plan();
    let tree = setup.trees[0];
    let mut mirror = TreeMirror::new(10);
    for n in 0..1_024u32 {
        let receipt = sample_receipt(plan, n);
        let ix = ix::append_receipt(&TreeRef::first(0, &tree), &setup.writer.pubkey(), receipt);
        if n % 128 == 0 {
            // Every 128th append is traced: the event carries the whole receipt and its index.
            let traced = ctx
                .chain
                .send_traced(&[ix], &[&setup.writer])
                .await
                .unwrap();
            let events: Vec<ReceiptAppended> = traced
                .cpis()
                .filter_map(|c| decode_event(&receipts::ID, &c.program_id, &c.accounts, &c.data))
                .collect();
            assert_eq!(events.len(), 1);
            assert_eq!(
                (events[0].receipt, events[0].index, events[0].leaf),
                (receipt, u64::from(n), receipt.leaf())
            );
            // The change log went through mpl-noop.
            assert!(traced
                .cpis()
                .any(|c| c.program_id == receipts::constants::NOOP_PROGRAM_ID));
        } else {
            landed(ctx.send(&[ix], &[&setup.writer]).await);
        }
        mirror.append(receipt.leaf());
        assert_eq!(
            on_chain_root(&ctx, &tree).await,
            (mirror.root(), u64::from(n) + 1),
            "after append {n}"
        );
    }
    // The 1,025th append fails and changes nothing.
    let ix = ix::append_receipt(
        &TreeRef::first(0, &tree),
        &setup.writer.pubkey(),
        sample_receipt(plan, 1_024),
    );
    ctx.expect_error(&[ix], &[&setup.writer], COMPRESSION_TREE_ERROR)
        .await;
    assert_eq!(on_chain_root(&ctx, &tree).await, (mirror.root(), 1_024));
}

#[tokio::test]
async fn test_full_tree_fails_the_whole_step_never_paid_without_receipt() {
    let ctx = TestContext::new().await;
    let setup = setup_receipts(&ctx, 1, 3, 8).await;
    let plan = random_plan();
    for n in 0..8 {
        landed(
            ctx.send(
                &[ix::append_receipt(
                    &TreeRef::first(0, &setup.trees[0]),
                    &setup.writer.pubkey(),
                    sample_receipt(plan, n),
                )],
                &[&setup.writer],
            )
            .await,
        );
    }
    // The step pays the vendor and records the receipt in one transaction.
    let budget = setup_budget(&ctx).await;
    let vendor = vendor_account(&ctx, &budget).await;
    let pay = anchor_spl::token::spl_token::instruction::transfer(
        &anchor_spl::token::ID,
        &budget.payer_token,
        &vendor.token,
        &budget.payer.pubkey(),
        &[],
        100,
    )
    .unwrap();
    let step: [Instruction; 2] = [
        pay,
        ix::append_receipt(
            &TreeRef::first(0, &setup.trees[0]),
            &setup.writer.pubkey(),
            sample_receipt(plan, 8),
        ),
    ];
    ctx.expect_error(
        &step,
        &[&budget.payer, &setup.writer],
        COMPRESSION_TREE_ERROR,
    )
    .await;
    assert_eq!(ctx.chain.token_balance(&vendor.token).await.unwrap(), 0);
}

#[tokio::test]
async fn test_only_authorized_writers_append() {
    let ctx = TestContext::new().await;
    let setup = setup_receipts(&ctx, 1, 3, 8).await;
    let stranger = ctx.wallet().await;
    let ix = ix::append_receipt(
        &TreeRef::first(0, &setup.trees[0]),
        &stranger.pubkey(),
        sample_receipt(random_plan(), 0),
    );
    ctx.expect_error(&[ix], &[&stranger], ReceiptsError::NotWriter)
        .await;
    // M-02: calling mpl-account-compression directly with any authority but the tree's PDA.
    let mut data = vec![149, 120, 18, 222, 236, 225, 88, 203];
    data.extend_from_slice(&[9; 32]);
    let direct = Instruction {
        program_id: receipts::constants::COMPRESSION_PROGRAM_ID,
        accounts: vec![
            anchor_lang::prelude::AccountMeta::new(setup.trees[0], false),
            anchor_lang::prelude::AccountMeta::new_readonly(stranger.pubkey(), true),
            anchor_lang::prelude::AccountMeta::new_readonly(
                receipts::constants::NOOP_PROGRAM_ID,
                false,
            ),
        ],
        data,
    };
    ctx.expect_error(&[direct], &[&stranger], COMPRESSION_INCORRECT_AUTHORITY)
        .await;
    // A writer removed by the admin can no longer append.
    landed(
        ctx.send(
            &[ix::set_writers(&setup.admin.pubkey(), vec![])],
            &[&setup.admin],
        )
        .await,
    );
    let ix = ix::append_receipt(
        &TreeRef::first(0, &setup.trees[0]),
        &setup.writer.pubkey(),
        sample_receipt(random_plan(), 0),
    );
    ctx.expect_error(&[ix], &[&setup.writer], ReceiptsError::NotWriter)
        .await;
    let ixs = [ix::set_writers(&stranger.pubkey(), vec![stranger.pubkey()])];
    ctx.expect_error(&ixs, &[&stranger], ReceiptsError::Unauthorized)
        .await;
}

#[tokio::test]
async fn test_shard_rule_and_disjoint_write_locks() {
    let ctx = TestContext::new().await;
    let setup = setup_receipts(&ctx, 4, 3, 8).await;
    // Find plans for two different shards.
    let plans: Vec<Pubkey> = (0..64).map(|_| random_plan()).collect();
    let a = plans[0];
    let b = *plans
        .iter()
        .find(|p| setup.shard_of(p).0 != setup.shard_of(&a).0)
        .unwrap();
    let (shard_a, tree_a) = setup.shard_of(&a);
    let (shard_b, tree_b) = setup.shard_of(&b);
    // A receipt may only go to its plan's shard.
    let wrong = ix::append_receipt(
        &TreeRef::first(shard_b, &tree_b),
        &setup.writer.pubkey(),
        sample_receipt(a, 0),
    );
    ctx.expect_error(&[wrong], &[&setup.writer], ReceiptsError::WrongShard)
        .await;
    let ix_a = ix::append_receipt(
        &TreeRef::first(shard_a, &tree_a),
        &setup.writer.pubkey(),
        sample_receipt(a, 0),
    );
    let ix_b = ix::append_receipt(
        &TreeRef::first(shard_b, &tree_b),
        &setup.writer.pubkey(),
        sample_receipt(b, 0),
    );
    // Appends to different shards write-lock nothing in common (config and the ReceiptTree are
    // read-only; the tree and its Shard, which takes the deposit, are per shard; the writer
    // pays the deposit).
    let writable = |ix: &Instruction| {
        ix.accounts
            .iter()
            .filter(|m| m.is_writable)
            .map(|m| m.pubkey)
            .collect::<Vec<_>>()
    };
    let writer = setup.writer.pubkey();
    assert_eq!(writable(&ix_a), vec![tree_a, pda::shard(shard_a).0, writer]);
    assert_eq!(writable(&ix_b), vec![tree_b, pda::shard(shard_b).0, writer]);
    landed(ctx.send(&[ix_a], &[&setup.writer]).await);
    landed(ctx.send(&[ix_b], &[&setup.writer]).await);
}
