use anchor_lang::prelude::Pubkey;
use proptest::prelude::*;
use receipts::{
    merkle::root_from_proof,
    receipt::{ObservedGuards, Receipt, ReceiptKind, StepExecution, Traded},
    state::PeriodRoot,
};
use spl_concurrent_merkle_tree::concurrent_merkle_tree::ConcurrentMerkleTree;

use super::*;

fn receipt(n: u8) -> Receipt {
    let k = |b: u8| Pubkey::new_from_array([b; 32]);
    let execution = StepExecution {
        plan: k(1),
        step: 1,
        execution: u32::from(n),
        agent: k(2),
        agent_version: 0,
        payer: k(3),
        kind: ReceiptKind::Dca,
        inputs_hash: [n; 32],
        vendor_receipt_hash: [0; 32],
    };
    let traded = Traded {
        amount_in: 1_000_000_000,
        mint_in: k(4),
        amount_out: 150_000_000,
        mint_out: k(5),
    };
    let guards = ObservedGuards {
        oracle_price: 150_000,
        oracle_exponent: -3,
        oracle_publish_time: 1_700_000_000,
        feed_id: [7; 32],
        realized_slippage_bps: 12,
        fee_paid: 0,
    };
    let clock = anchor_lang::prelude::Clock {
        slot: 42,
        unix_timestamp: 1_700_000_001,
        ..Default::default()
    };
    Receipt::trade(execution, traded, guards, (k(6), 25_000), k(8), &clock)
}

#[test]
fn json_round_trip_preserves_the_leaf() {
    for n in 0..5 {
        let r = receipt(n);
        let json = ReceiptJson::from(&r);
        let text = serde_json::to_string_pretty(&json).unwrap();
        let back: ReceiptJson = serde_json::from_str(&text).unwrap();
        let parsed = Receipt::try_from(&back).unwrap();
        assert_eq!(parsed, r);
        assert_eq!(parsed.leaf(), r.leaf());
        assert_eq!(r.encode().len(), Receipt::ENCODED_LEN);
    }
}

#[test]
fn json_rejects_tampering_and_unknown_fields() {
    let mut json = ReceiptJson::from(&receipt(1));
    json.kind = "loan".into();
    assert!(Receipt::try_from(&json).is_err());
    let mut json = ReceiptJson::from(&receipt(1));
    json.version = 2;
    assert!(Receipt::try_from(&json).is_err());
    let text = serde_json::to_string(&ReceiptJson::from(&receipt(1)))
        .unwrap()
        .replacen('{', "{\"extra\":1,", 1);
    assert!(serde_json::from_str::<ReceiptJson>(&text).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn mirror_matches_spl_tree_at_every_size(count in 1usize..=40) {
        let mut spl = Box::new(ConcurrentMerkleTree::<6, 16>::new());
        spl.initialize().unwrap();
        let mut mirror = TreeMirror::new(6);
        let mut roots = Vec::new();
        for n in 0..count {
            let leaf = receipt(n as u8).leaf();
            spl.append(leaf).unwrap();
            mirror.append(leaf);
            prop_assert_eq!(mirror.root(), spl.get_root());
            roots.push(spl.get_root());
        }
        // Proofs against every historical size verify with the on-chain hashing.
        for size in 1..=count as u64 {
            prop_assert_eq!(mirror.root_at(size), roots[size as usize - 1]);
            for index in 0..size {
                let proof = mirror.proof(index, size);
                prop_assert_eq!(root_from_proof(mirror.leaf(index).unwrap(), index, &proof), roots[size as usize - 1]);
            }
        }
    }
}

#[test]
fn offline_verifier_gives_reasons() {
    let mut mirror = TreeMirror::new(4);
    for n in 0..6 {
        mirror.append(receipt(n).leaf());
    }
    let period = PeriodRoot {
        tree: Pubkey::new_unique(),
        shard: 0,
        index: 1,
        start: 0,
        end: 1,
        root: mirror.root_at(6),
        first_leaf: 2,
        leaf_count: 4,
        max_depth: 4,
        slot: 1,
        bump: 255,
    };
    let proof = mirror.proof(3, 6);
    assert_eq!(
        verify_against_period(&receipt(3), 3, &proof, &period),
        Ok(())
    );
    assert_eq!(
        verify_against_period(&receipt(4), 3, &proof, &period),
        Err(VerifyError::RootMismatch)
    );
    assert_eq!(
        verify_against_period(&receipt(1), 1, &mirror.proof(1, 6), &period),
        Err(VerifyError::IndexOutsidePeriod {
            index: 1,
            first: 2,
            end: 6
        })
    );
    assert_eq!(
        verify_against_period(&receipt(3), 3, &proof[1..], &period),
        Err(VerifyError::ProofLength {
            got: 3,
            expected: 4
        })
    );
    let mut tampered = proof.clone();
    tampered[2][5] ^= 0x10;
    assert_eq!(
        verify_against_period(&receipt(3), 3, &tampered, &period),
        Err(VerifyError::RootMismatch)
    );
}
