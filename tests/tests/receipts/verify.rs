//! verify_receipt (PeriodRoot) and verify_receipt_live (live tree): forged receipts, tampered
//! proofs, wrong indices, inner nodes as leaves, roots of other trees, unknown periods (M-04..M-06).
use agentrunner_client::ix::receipts::TreeRef;
use agentrunner_client::{events::decode_event, ix::receipts as ix, pda, receipts::TreeMirror};
use agentrunner_tests::{
    context::landed,
    fixtures::{random_plan, sample_receipt, setup_receipts, ReceiptsSetup, RECEIPTS_PERIOD_SECS},
    TestContext,
};
use anchor_lang::error::ErrorCode;
use receipts::{
    error::ReceiptsError,
    events::ReceiptVerified,
    instructions::{ReceiptInput, VerifyReceiptArgs, VerifyReceiptLiveArgs},
    Receipt,
};
use solana_signer::Signer;

const DEPTH: u32 = 6;

struct Anchored {
    ctx: TestContext,
    setup: ReceiptsSetup,
    /// Per shard: the mirror and the receipts appended.
    shards: Vec<(TreeMirror, Vec<Receipt>)>,
}

/// Two shards, 12 receipts each, anchored once.
async fn anchored() -> Anchored {
    let ctx = TestContext::new().await;
    let setup = setup_receipts(&ctx, 2, DEPTH, 16).await;
    let mut shards = vec![
        (TreeMirror::new(DEPTH), Vec::new()),
        (TreeMirror::new(DEPTH), Vec::new()),
    ];
    let mut n = 0;
    while shards.iter().any(|(_, r)| r.len() < 12) {
        let plan = random_plan();
        let (shard, tree) = setup.shard_of(&plan);
        let (mirror, list) = &mut shards[shard as usize];
        if list.len() < 12 {
            let receipt = sample_receipt(plan, n);
            landed(
                ctx.send(
                    &[ix::append_receipt(
                        &TreeRef::first(shard, &tree),
                        &setup.writer.pubkey(),
                        receipt,
                    )],
                    &[&setup.writer],
                )
                .await,
            );
            mirror.append(receipt.leaf());
            list.push(receipt);
            n += 1;
        }
    }
    ctx.warp_seconds(RECEIPTS_PERIOD_SECS).await;
    let cranker = ctx.wallet().await;
    for (shard, tree) in setup.trees.iter().enumerate() {
        landed(
            ctx.send(
                &[ix::anchor_period(
                    &TreeRef::first(shard as u16, tree),
                    0,
                    &cranker.pubkey(),
                )],
                &[&cranker],
            )
            .await,
        );
    }
    Anchored { ctx, setup, shards }
}

fn args(input: ReceiptInput, index: u64, proof: Vec<[u8; 32]>) -> VerifyReceiptArgs {
    VerifyReceiptArgs {
        input,
        index,
        proof,
    }
}

#[tokio::test]
async fn test_verify_receipt_against_period_root() {
    let a = anchored().await;
    let (mirror, list) = &a.shards[0];
    let period = pda::period_root(&a.setup.trees[0], 0).0;
    for index in [0u64, 5, 11] {
        let proof = mirror.proof(index, 12);
        let receipt = list[index as usize];
        // By receipt (leaf computed on-chain) and by leaf.
        let traced = a
            .ctx
            .chain
            .send_traced(
                &[ix::verify_receipt(
                    &period,
                    args(
                        ReceiptInput::Receipt(Box::new(receipt)),
                        index,
                        proof.clone(),
                    ),
                )],
                &[],
            )
            .await
            .unwrap();
        let events: Vec<ReceiptVerified> = traced
            .cpis()
            .filter_map(|c| decode_event(&receipts::ID, &c.program_id, &c.accounts, &c.data))
            .collect();
        assert_eq!(
            (
                events.len(),
                events[0].leaf,
                events[0].index,
                events[0].live
            ),
            (1, receipt.leaf(), index, false)
        );
        landed(
            a.ctx
                .send(
                    &[ix::verify_receipt(
                        &period,
                        args(ReceiptInput::Leaf(receipt.leaf()), index, proof),
                    )],
                    &[],
                )
                .await,
        );
    }
}

#[tokio::test]
async fn test_verify_receipt_rejections() {
    let a = anchored().await;
    let (mirror, list) = &a.shards[0];
    let period = pda::period_root(&a.setup.trees[0], 0).0;
    let proof = mirror.proof(4, 12);
    let verify = |input, index, proof| [ix::verify_receipt(&period, args(input, index, proof))];

    // A forged receipt: one field changed.
    let mut forged = list[4];
    forged.amount_out += 1;
    a.ctx
        .expect_error(
            &verify(ReceiptInput::Receipt(Box::new(forged)), 4, proof.clone()),
            &[],
            ReceiptsError::InvalidProof,
        )
        .await;
    // A tampered sibling.
    let mut tampered = proof.clone();
    tampered[2][0] ^= 0x80;
    a.ctx
        .expect_error(
            &verify(ReceiptInput::Receipt(Box::new(list[4])), 4, tampered),
            &[],
            ReceiptsError::InvalidProof,
        )
        .await;
    // The right proof at the wrong index (inside the period), and an index outside it.
    a.ctx
        .expect_error(
            &verify(ReceiptInput::Receipt(Box::new(list[4])), 5, proof.clone()),
            &[],
            ReceiptsError::InvalidProof,
        )
        .await;
    a.ctx
        .expect_error(
            &verify(ReceiptInput::Receipt(Box::new(list[4])), 12, proof.clone()),
            &[],
            ReceiptsError::IndexOutsidePeriod,
        )
        .await;
    // An inner node presented as a leaf with the shorter proof above it (second-preimage shape).
    let inner = {
        let left = mirror.leaf(4).unwrap();
        let right = mirror.leaf(5).unwrap();
        solana_keccak_hasher::hashv(&[&left, &right]).to_bytes()
    };
    a.ctx
        .expect_error(
            &verify(ReceiptInput::Leaf(inner), 2, proof[1..].to_vec()),
            &[],
            ReceiptsError::InvalidProofLength,
        )
        .await;
    // A valid receipt and proof of the other shard against this shard's root.
    let (other_mirror, other_list) = &a.shards[1];
    let foreign = verify(
        ReceiptInput::Receipt(Box::new(other_list[4])),
        4,
        other_mirror.proof(4, 12),
    );
    a.ctx
        .expect_error(&foreign, &[], ReceiptsError::InvalidProof)
        .await;
    // An unknown period.
    let unknown = [ix::verify_receipt(
        &pda::period_root(&a.setup.trees[0], 7).0,
        args(ReceiptInput::Receipt(Box::new(list[4])), 4, proof),
    )];
    a.ctx
        .expect_error(&unknown, &[], ErrorCode::AccountNotInitialized)
        .await;
}

#[tokio::test]
async fn test_verify_receipt_live_through_compression() {
    let a = anchored().await;
    let (mirror, list) = &a.shards[1];
    let tree = a.setup.trees[1];
    let live = |index: u32, leaf: [u8; 32], proof: &[[u8; 32]]| {
        [ix::verify_receipt_live(
            &TreeRef::first(1, &tree),
            proof,
            VerifyReceiptLiveArgs {
                input: ReceiptInput::Leaf(leaf),
                index,
                root: mirror.root(),
            },
        )]
    };
    landed(
        a.ctx
            .send(&live(3, list[3].leaf(), &mirror.proof(3, 12)), &[])
            .await,
    );
    let mut wrong = mirror.proof(3, 12);
    wrong[0][0] ^= 1;
    // mpl-account-compression's ConcurrentMerkleTreeError.
    a.ctx
        .expect_error(&live(3, list[3].leaf(), &wrong), &[], 6001u32)
        .await;
}
