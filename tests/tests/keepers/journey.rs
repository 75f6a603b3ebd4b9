//! The demo's journey end to end: every number the demo prints is asserted here.
use agentrunner_keepers::journey::{run, JourneyConfig, Silent};

#[tokio::test]
async fn test_demo_journey_executes_pays_receipts_verifies_and_conserves_money() {
    let dir = std::env::temp_dir().join(format!("agentrunner-journey-{}", std::process::id()));
    let config = JourneyConfig {
        goal: "Swap 1 SOL->USDC <=30 bps; then DCA 5 times".into(),
        seed: 42,
        out_dir: dir.clone(),
    };
    let report = run(&config, &mut Silent).await.unwrap();

    // Certification: the careless vendor fails stage B for a measured reason; the others pass.
    let cheap = report
        .vendors
        .iter()
        .find(|v| v.name == "CheapSwap")
        .unwrap();
    let (stage, reasons) = cheap.failed.clone().unwrap();
    assert_eq!(stage, "B");
    assert!(
        reasons[0].contains("refused by the runner's guards"),
        "{reasons:?}"
    );
    for name in ["FastRoute", "BalancedX"] {
        let v = report.vendors.iter().find(|v| v.name == name).unwrap();
        assert_eq!(v.passed, ["A", "B", "C", "D"], "{name}: {:?}", v.failed);
    }

    // Market data bought over HTTP x402 with vouchers, settled in one transaction.
    assert_eq!(
        report.x402.schemes,
        ["agentrunner-grant", "agentrunner-voucher"]
    );
    assert_eq!(report.x402.settlements, 1);
    assert_eq!(
        report.x402.vendor_received,
        report.x402.requests * report.x402.price
    );
    assert!(report.x402.candles >= 1);

    // Two steps; CheapSwap never bids; the cheaper certified vendor wins on equal reliability.
    assert_eq!(report.graph.steps.len(), 2);
    for step in &report.offers {
        assert!(step.offers.iter().all(|(v, _)| v != "CheapSwap"));
        assert_eq!(step.offers.len(), 2);
        assert_eq!(step.winner, "BalancedX");
    }
    assert_eq!(report.approval_signatures, 1);
    assert!(report.approval_bytes <= 1_232);

    // 1 swap + 5 DCA executions, each 1 SOL within 30 bps, each paid 0.05 USDC.
    assert_eq!(report.executions.len(), 6);
    for e in &report.executions {
        assert_eq!(e.amount_in, 1_000_000_000);
        assert!(e.slippage_bps <= 30);
        assert_eq!(e.fee, 50_000);
    }
    assert!(
        report.stale_refusal.contains("runner::OracleStale"),
        "{}",
        report.stale_refusal
    );
    assert!(report.stale_changed_nothing);

    // Every receipt verifies off-chain and on-chain against an anchored PeriodRoot.
    assert_eq!(report.receipts.len(), 6);
    assert!(report
        .receipts
        .iter()
        .all(|r| r.verified_off_chain && r.verified_on_chain && r.period_root.is_some()));

    assert!(report.conservation.holds(), "{:?}", report.conservation);
    assert_eq!(report.conservation.fees_paid, 6 * 50_000);
    assert_eq!(report.conservation.fees_refunded, 1_000_000 - 6 * 50_000);
    let _ = std::fs::remove_dir_all(dir);
}
