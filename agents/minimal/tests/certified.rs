//! The minimal agents — not AgentRunner's broker, processes of their own — are certified:
//! the trading agent passes stage B (in the certifier's sandboxes it bids, waits out divergence
//! and the stale feed, executes every step without a refusal, replays identically, completes
//! across a daily cap and stays off the RFP above its limit); the service agent passes B in a
//! sandbox and C and D on the target, bought from with every x402 scheme — and fails B when
//! it charges for responses it fails.
use std::{path::Path, process::Command, time::Duration};

use agent_registry::{
    constants::capability,
    state::{AgentVersion, Stage, StageStatus},
};
use agentrunner_client::{
    chain::Chain,
    flows::{Manifest, ServiceClaims, Strategy},
    keys::write_keypair,
    pda,
};
use agentrunner_embedded::rpc_server::serve;
use agentrunner_keepers::certifier::{
    scenario::{run, Timing},
    stages, AgentUnderTest, StageReport,
};
use agentrunner_tests::certifier_world::{certifier_world, certifier_world_for, CertifierWorld};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_the_minimal_agent_passes_stage_b_in_the_certifiers_sandboxes() {
    let w = certifier_world().await;
    let identity = w.identity().await;
    let dir = std::env::temp_dir().join(format!("agentrunner-minimal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let keypair = dir.join("vendor.json");
    write_keypair(&keypair, &w.vendor).unwrap();
    let agent = AgentUnderTest::Command(format!(
        "{} trade --keypair {} --agent {} --round-ms 100",
        env!("CARGO_BIN_EXE_minimal-agent"),
        keypair.display(),
        w.agent
    ));
    let timing = Timing {
        bid_wait: Duration::from_secs(30),
        tick: Duration::from_millis(2_000),
    };
    let (spec, caps) = (stages::b_divergence(7), stages::b_caps(8));
    let (first, replay, caps) = tokio::join!(
        run(&agent, &identity, &spec, timing, dir.join("1")),
        run(&agent, &identity, &spec, timing, dir.join("2")),
        run(&agent, &identity, &caps, timing, dir.join("caps")),
    );
    let (first, replay, caps) = (first.unwrap(), replay.unwrap(), caps.unwrap());
    let report = stages::b(agent.describe(), &first, &replay, &caps);
    let log = std::fs::read_to_string(dir.join("1").join("agent.log")).unwrap_or_default();
    assert!(report.passed, "{:?}\n{log}", report.reasons);
    assert_eq!(first.landed, 6);
    assert!(
        first.abstained > 0,
        "it waited out divergence and the stale feed"
    );
    assert_eq!(report.refusals_by_error.len(), 0);
    assert!(report.subject.contains("minimal-agent"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The minimal service agent certified on `w`'s target cluster (served over JSON-RPC, the
/// agent's live endpoint beside it) up to `up_to`: the certifier's reports, in stage order.
async fn certify_service(
    w: &CertifierWorld,
    dir: &Path,
    serve_flags: &str,
    up_to: Stage,
) -> Vec<StageReport> {
    let server = serve(w.chain.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    std::fs::create_dir_all(dir).unwrap();
    let keypair = dir.join("vendor.json");
    write_keypair(&keypair, &w.vendor).unwrap();
    let deployment = dir.join("deployment.json");
    std::fs::write(
        &deployment,
        serde_json::to_vec(&w.localnet.deployment).unwrap(),
    )
    .unwrap();
    let command = format!(
        "{} serve --keypair {} --price 1000 {serve_flags}",
        env!("CARGO_BIN_EXE_minimal-agent"),
        keypair.display()
    );
    // The agent live on the target, for stages C and D.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut live = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "exec {command} --port {port} --url {} --deployment {}",
            server.url(),
            deployment.display()
        ))
        .spawn()
        .unwrap();
    let mut manifest = Manifest::trading("Certified", Strategy::default(), 2_500);
    manifest.capabilities = vec!["data".into()];
    manifest.permissions.clear();
    manifest.service = Some(ServiceClaims {
        endpoint: format!("http://127.0.0.1:{port}/price?symbol=SOL"),
        price: 1_000,
    });
    let mut certifier = w.certifier(dir.join("reports"));
    certifier.target_url = Some(server.url());
    let under_test = AgentUnderTest::Command(command);
    let results = certifier
        .certify(&w.agent, &manifest, up_to, Some(&under_test))
        .await
        .unwrap();
    let _ = live.kill();
    let _ = live.wait();
    results.into_iter().map(|(report, _)| report).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_a_service_agent_is_certified_b_to_d_by_buying_its_endpoint_every_way() {
    let w = certifier_world_for(capability::DATA).await;
    let dir = std::env::temp_dir().join(format!("agentrunner-service-{}", std::process::id()));
    // Up to E: a service agent's certification ends at D (E soaks a trading agent).
    let reports = certify_service(&w, &dir, "", Stage::E).await;
    let stages: Vec<(&str, bool)> = reports
        .iter()
        .map(|r| (r.stage.as_str(), r.passed))
        .collect();
    assert_eq!(
        stages,
        [("A", true), ("B", true), ("C", true), ("D", true)],
        "{:?}",
        reports.iter().map(|r| &r.reasons).collect::<Vec<_>>()
    );
    for (report, per_scheme) in reports[1..].iter().zip([4, 2, 5]) {
        println!("{}", report.summary());
        let bought = &report.services[0];
        assert_eq!(bought.price, 1_000);
        assert_eq!(bought.offered.len(), 3, "grant, voucher and exact offered");
        for scheme in &bought.schemes {
            assert_eq!((scheme.requests, scheme.valid), (per_scheme, per_scheme));
            assert_eq!(scheme.charged_failures, 0);
            // Grants and exact transfers are paid as served; vouchers when settled.
            assert!(scheme.charged <= scheme.owed, "{scheme:?}");
            if scheme.scheme != "agentrunner-voucher" {
                assert_eq!(scheme.charged, scheme.owed, "{scheme:?}");
            }
        }
        assert_eq!(report.success_rate_bps, 10_000);
        assert!(report.p95_latency_ms > 0);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_a_service_agent_that_charges_for_failed_responses_fails_b() {
    let w = certifier_world_for(capability::DATA).await;
    let dir = std::env::temp_dir().join(format!("agentrunner-dishonest-{}", std::process::id()));
    let reports = certify_service(&w, &dir, "--charge-failures", Stage::D).await;
    let b = &reports[1];
    assert_eq!((b.stage.as_str(), b.passed), ("B", false));
    assert_eq!(reports.len(), 2, "no stage after a failed one");
    let bought = &b.services[0];
    // Every second paid request failed after being charged: grants and exact transfers moved
    // money for them.
    for scheme in &bought.schemes {
        if scheme.scheme != "agentrunner-voucher" {
            assert_eq!(scheme.charged_failures, 2, "{scheme:?}");
            assert_eq!(scheme.charged, 4 * 1_000, "{scheme:?}");
        }
    }
    assert!(
        b.reasons
            .iter()
            .any(|r| r.contains("agentrunner-grant: charged for 2 failed responses")),
        "{:?}",
        b.reasons
    );
    // The attestation on-chain says failed.
    let version: AgentVersion = w
        .chain
        .fetch(&pda::agent_version(&w.agent, 0).0)
        .await
        .unwrap();
    assert!(matches!(
        version.stages[Stage::B.index()].status,
        StageStatus::Failed { .. }
    ));
    let _ = std::fs::remove_dir_all(&dir);
}
