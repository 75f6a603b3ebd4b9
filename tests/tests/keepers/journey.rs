//! The demo's journey end to end: every number the demo prints is asserted here.
use agentrunner_client::receipts::file::{check_offline, ReceiptInput};
use agentrunner_demo::{run, JourneyConfig};

#[tokio::test]
async fn test_demo_journey_executes_pays_receipts_verifies_and_conserves_money() {
    let dir = std::env::temp_dir().join(format!("agentrunner-journey-{}", std::process::id()));
    let config = JourneyConfig {
        goal: "Swap 1 SOL->USDC <=30 bps; then DCA 5 times".into(),
        seed: 42,
        out_dir: dir.clone(),
    };
    let mut phases = 0;
    let report = run(&config, &mut |_| phases += 1).await.unwrap();
    assert_eq!(phases, 11, "every phase was handed to the observer");

    // The deployment as read back from the chain: every pool with its reserves.
    assert_eq!(report.deployment.programs.len(), 6);
    assert!(report
        .deployment
        .pools
        .iter()
        .all(|p| p.reserves.0 > 0 && p.reserves.1 > 0));

    // Certification: the careless vendor fails stage B for a measured reason; the others pass.
    let cheap = report
        .vendors
        .iter()
        .find(|v| v.name == "CheapSwap")
        .unwrap();
    let failed = cheap.failed().unwrap();
    assert_eq!(failed.stage, "B");
    assert!(
        failed.reasons[0].contains("attempts refused by the runner")
            && failed.reasons[0].contains("SlippageExceeded"),
        "{:?}",
        failed.reasons
    );
    for name in ["FastRoute", "BalancedX"] {
        let v = report.vendors.iter().find(|v| v.name == name).unwrap();
        assert_eq!(v.passed(), ["A", "B", "C", "D"], "{name}: {:?}", v.failed());
    }

    // Market data bought over HTTP x402 with vouchers (exact and grants offered too), settled
    // in one transaction.
    let x402 = &report.x402;
    assert_eq!(
        (x402.status, x402.schemes.as_slice()),
        (
            402,
            &[
                "exact".to_string(),
                "agentrunner-grant".to_string(),
                "agentrunner-voucher".to_string()
            ][..]
        )
    );
    assert_eq!(x402.settlements, 1);
    assert_eq!(x402.vendor_received, x402.requests * x402.price);
    assert!(x402.candles >= 1);

    // Two steps; CheapSwap never bids; the award follows the rule: the best utility, the
    // cheaper vendor on equal utility — so on equal reliability the cheaper certified vendor.
    // (Reliability is the vendors' measured reputation: their live canaries' credits depend on
    // the order the canaries landed in, so it may differ.)
    assert_eq!(report.plan.graph.steps.len(), 2);
    assert!(report
        .offers
        .abstained
        .iter()
        .any(|(v, _)| v == "CheapSwap"));
    for step in &report.offers.steps {
        let names: Vec<&str> = step.offers.iter().map(|o| o.vendor.as_str()).collect();
        assert_eq!(names.len(), 2, "{step:?}");
        assert!(!names.contains(&"CheapSwap"), "{step:?}");
        let best = step
            .offers
            .iter()
            .max_by(|a, b| {
                a.utility
                    .total_cmp(&b.utility)
                    .then_with(|| b.price.cmp(&a.price))
            })
            .unwrap();
        assert_eq!(step.winner, best.vendor, "{step:?}");
        if step.offers[0].reliability_bps == step.offers[1].reliability_bps {
            assert_eq!(step.winner, "BalancedX", "{step:?}");
        }
    }
    assert_eq!(report.approval.signatures, 1);
    assert!(report.approval.bytes <= 1_232);

    // 1 swap + 5 DCA executions, each 1 SOL within 30 bps, each executed by its step's winner
    // and paid its price — as the broker saw them land and as the receipts read back from the
    // chain say.
    let winner = |step: u16| {
        let offers = report.offers.steps.iter().find(|s| s.step == step).unwrap();
        let won = offers.offers.iter().find(|o| o.vendor == offers.winner);
        won.map(|o| (o.vendor.clone(), o.price)).unwrap()
    };
    for executions in [&report.execution.landed, &report.verification.executions] {
        assert_eq!(executions.len(), 6);
        for e in executions {
            assert_eq!(e.amount_in, 1_000_000_000);
            assert!(e.slippage_bps <= 30);
            assert_eq!((e.vendor.clone(), e.fee), winner(e.step), "{e:?}");
        }
    }
    let fees_paid: u64 = report.execution.landed.iter().map(|e| e.fee).sum();
    let stale = &report.execution.stale;
    assert!(
        stale.refusal.contains("runner::OracleStale"),
        "{}",
        stale.refusal
    );
    assert!(stale.changed_nothing);
    assert!(report.execution.plan_finished);

    // Every receipt verifies off-chain and on-chain against an anchored PeriodRoot.
    assert_eq!(report.verification.receipts.len(), 6);
    assert!(report
        .verification
        .receipts
        .iter()
        .all(|r| r.verified_off_chain && r.verified_on_chain && r.period_root.is_some()));

    // After the demo (its chain gone), each receipt file verifies offline from its own bytes:
    // leaf, proof to the anchored root, the vendor's signature and quote.
    let mut files = 0;
    for entry in std::fs::read_dir(&report.verification.files_dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let ReceiptInput::File(file) = ReceiptInput::parse(&text).unwrap() else {
            panic!("a receipt file")
        };
        check_offline(&file).unwrap();
        assert!(file.period_root.is_some() && file.proof.is_some());
        let vendor = file.vendor.as_ref().expect("the vendor's attestation");
        assert!(vendor.quote.is_some(), "swap executions carry their quote");
        files += 1;
    }
    assert_eq!(files, 6);

    assert!(report.conservation.holds(), "{:?}", report.conservation);
    assert_eq!(report.conservation.fees_paid, fees_paid);
    assert_eq!(report.refunded, 1_000_000 - fees_paid);
    assert_eq!(report.conservation.fees_refunded, report.refunded);
    let _ = std::fs::remove_dir_all(dir);
}
