//! What keeping receipts costs: rent per 1,000,000 receipts for tree shapes, against one account
//! per receipt; proof size; and whether `verify_receipt` fits one transaction, measured by
//! landing it against a real depth-20 tree on the embedded chain.
use agentrunner_client::{ix::receipts as ix, pda, receipts::TreeMirror};
use agentrunner_embedded::EmbeddedChain;
use anchor_lang::prelude::Pubkey;
use anyhow::Result;
use receipts::{
    instructions::{CreateTreeArgs, InitConfigArgs, ReceiptInput, VerifyReceiptArgs},
    merkle::tree_account_len,
    receipt::{ObservedGuards, ReceiptKind, StepExecution, Traded},
    Receipt,
};
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::table;

const RECEIPTS: u64 = 1_000_000;
const LAMPORTS_PER_SOL: f64 = 1_000_000_000.0;

/// A sample DCA receipt of `plan`, execution `n`.
pub(crate) fn receipt(plan: Pubkey, n: u32) -> Receipt {
    let k = |b: u8| Pubkey::new_from_array([b; 32]);
    let execution = StepExecution {
        plan,
        step: 1,
        execution: n,
        agent: k(2),
        agent_version: 0,
        payer: k(3),
        kind: ReceiptKind::Dca,
        inputs_hash: [5; 32],
        vendor_receipt_hash: [0; 32],
    };
    let traded = Traded {
        amount_in: 200_000_000,
        mint_in: k(4),
        amount_out: 30_000_000,
        mint_out: k(5),
    };
    let guards = ObservedGuards {
        oracle_price: 150_000,
        oracle_exponent: -3,
        oracle_publish_time: 1,
        feed_id: [7; 32],
        realized_slippage_bps: 9,
        fee_paid: 0,
    };
    let clock = anchor_lang::prelude::Clock {
        slot: 1,
        unix_timestamp: 2,
        ..Default::default()
    };
    Receipt::trade(execution, traded, guards, (k(6), 25_000), k(8), &clock)
}

/// A receipts deployment on `chain`: one shard whose depth-20 tree (buffer 64, no canopy)
/// `writer` may append to, with 60-second periods. Returns the writer and the tree account.
pub(crate) async fn one_tree(chain: &EmbeddedChain) -> Result<(Keypair, Pubkey)> {
    let admin = chain.deployer().insecure_clone();
    let writer = chain.funded_keypair(100_000_000_000).await?;
    let init = ix::init_config(
        &admin.pubkey(),
        InitConfigArgs {
            writers: vec![writer.pubkey()],
            shard_count: 1,
            period_secs: 60,
        },
    );
    chain.send(&[init], &[&admin]).await?;
    let tree = Keypair::new();
    let args = CreateTreeArgs {
        shard: 0,
        max_depth: 20,
        max_buffer_size: 64,
        canopy_depth: 0,
    };
    let rent = chain.rent().minimum_balance(ix::tree_size(&args));
    let create = ix::create_tree(&admin.pubkey(), &tree.pubkey(), rent, args);
    chain.send(&create, &[&admin, &tree]).await?;
    Ok((writer, tree.pubkey()))
}

pub async fn run() -> Result<()> {
    let chain = EmbeddedChain::start().await?;
    let rent = chain.rent().clone();

    // Rent per 1,000,000 receipts.
    let per_account = rent.minimum_balance(8 + Receipt::ENCODED_LEN);
    let baseline_total = per_account as f64 * RECEIPTS as f64;
    let mut rows = vec![vec![
        "storage".to_string(),
        "accounts".into(),
        "bytes".into(),
        "rent (SOL)".into(),
        "lamports / receipt".into(),
        "x cheaper".into(),
    ]];
    rows.push(vec![
        "one account per receipt".into(),
        RECEIPTS.to_string(),
        format!("{} each", 8 + Receipt::ENCODED_LEN),
        format!("{:.1}", baseline_total / LAMPORTS_PER_SOL),
        per_account.to_string(),
        "1".into(),
    ]);
    for (depth, buffer, canopy) in [(20u32, 64u32, 0u32), (20, 64, 10), (20, 256, 0)] {
        let bytes = tree_account_len(depth, buffer, canopy).expect("supported");
        let lamports = rent.minimum_balance(bytes);
        let per_receipt = lamports as f64 / RECEIPTS as f64;
        rows.push(vec![
            format!("tree depth {depth}, buffer {buffer}, canopy {canopy}"),
            "1".into(),
            bytes.to_string(),
            format!("{:.3}", lamports as f64 / LAMPORTS_PER_SOL),
            format!("{per_receipt:.2}"),
            format!("{:.0}", baseline_total / lamports as f64),
        ]);
    }
    table::print("Receipts: rent per 1,000,000 receipts", &rows);

    // A real depth-20 tree: append, anchor, verify.
    let (writer, tree) = one_tree(&chain).await?;
    let plan = Pubkey::new_from_array([1; 32]);
    let mut mirror = TreeMirror::new(20);
    let mut append_bytes = 0;
    for n in 0..4 {
        let r = receipt(plan, n);
        let outcome = chain
            .send(
                &[ix::append_receipt(
                    &ix::TreeRef::first(0, &tree),
                    &writer.pubkey(),
                    r,
                )],
                &[&writer],
            )
            .await?;
        append_bytes = outcome.wire_bytes;
        mirror.append(r.leaf());
    }
    chain.warp_seconds(60).await?;
    chain
        .send(
            &[ix::anchor_period(
                &ix::TreeRef::first(0, &tree),
                0,
                &writer.pubkey(),
            )],
            &[&writer],
        )
        .await?;
    let period = pda::period_root(&tree, 0).0;
    let proof = mirror.proof(2, 4);
    let by_leaf = ix::verify_receipt(
        &period,
        VerifyReceiptArgs {
            input: ReceiptInput::Leaf(mirror.leaf(2).expect("leaf")),
            index: 2,
            proof: proof.clone(),
        },
    );
    let by_receipt = ix::verify_receipt(
        &period,
        VerifyReceiptArgs {
            input: ReceiptInput::Receipt(Box::new(receipt(plan, 2))),
            index: 2,
            proof: proof.clone(),
        },
    );
    let leaf_tx = chain.send(&[by_leaf], &[]).await?;
    let receipt_outcome = chain.send(&[by_receipt], &[]).await;
    let mut sizes = vec![vec!["measure".to_string(), "value".into()]];
    sizes.push(vec![
        "proof size (depth 20)".into(),
        format!("{} bytes ({} nodes)", proof.len() * 32, proof.len()),
    ]);
    sizes.push(vec![
        "append_receipt tx (writer signs, full receipt as data)".into(),
        format!("{append_bytes} bytes"),
    ]);
    sizes.push(vec![
        "verify_receipt tx, by leaf".into(),
        format!("{} bytes: fits 1,232", leaf_tx.wire_bytes),
    ]);
    sizes.push(vec![
        "verify_receipt tx, by full receipt".into(),
        match receipt_outcome {
            Ok(outcome) => format!("{} bytes: fits 1,232", outcome.wire_bytes),
            Err(err) => {
                format!("does not fit one transaction ({err}); verify by leaf, or off-chain")
            }
        },
    ]);
    table::print(
        "Receipts: proof and verification (real depth-20 tree on the embedded chain)",
        &sizes,
    );
    Ok(())
}
