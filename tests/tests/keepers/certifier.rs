//! The certifier's sandbox tells a disciplined broker from a careless one by measurement.
use agent_registry::constants::capability;
use agentrunner_keepers::{
    broker::Strategy,
    certifier::sandbox::{run, SandboxSpec},
};

fn divergent(seed: u64) -> SandboxSpec {
    SandboxSpec {
        seed,
        executions: 6,
        interval_secs: 600,
        divergence_pct: 40,
        divergence_bps: 120,
        stale_ticks: vec![2],
        daily_cap_executions: None,
        oversize_rfp: false,
    }
}

#[tokio::test]
async fn test_sandbox_disciplined_broker_is_never_refused_and_replays_identically() {
    let strategy = Strategy::default();
    let caps = capability::SWAP | capability::DCA;
    let first = run(&strategy, caps, &divergent(7)).await.unwrap();
    assert!(first.refused.is_empty(), "{:?}", first.refused);
    assert_eq!(first.landed, first.planned);
    assert!(
        first.abstained > 0,
        "it waited out divergence and the stale feed"
    );
    assert!(first.receipts_complete);
    let replay = run(&strategy, caps, &divergent(7)).await.unwrap();
    assert_eq!(first.fingerprint, replay.fingerprint);
    assert_eq!(first.fingerprint.len(), 6);
}

#[tokio::test]
async fn test_sandbox_careless_broker_is_refused_by_the_runner_guards() {
    let careless = Strategy {
        respects_guards: false,
        ..Strategy::default()
    };
    let report = run(&careless, capability::SWAP | capability::DCA, &divergent(7))
        .await
        .unwrap();
    assert!(!report.refused.is_empty());
    assert!(
        report
            .refused
            .iter()
            .all(|r| r.contains("runner::SlippageExceeded") || r.contains("runner::OracleStale")),
        "{:?}",
        report.refused
    );
}
