//! The certifier measures the vendor's own agent: in a served sandbox (stages B and E) and live
//! on the cluster with canary plans (C and D). A disciplined broker is never refused and
//! replays identically; a careless one is refused, counted by error; an agent that stops
//! responding mid-window fails D; a soak with RPC faults and a restart still lands every
//! execution once.
use std::time::Duration;

use agent_registry::state::Stage;
use agentrunner_keepers::{
    broker::Strategy,
    certifier::{
        live::{self, LiveTiming},
        scenario::{run, Timing},
        stages, AgentUnderTest,
    },
};
use agentrunner_tests::certifier_world::{certifier_world, CertifierWorld};

/// Sandbox patience for an in-process broker running a round every 50 ms.
const TIMING: Timing = Timing {
    bid_wait: Duration::from_secs(30),
    tick: Duration::from_millis(1_500),
};

fn broker(w: &CertifierWorld, strategy: Strategy) -> AgentUnderTest {
    AgentUnderTest::broker(&w.vendor, strategy, Duration::from_millis(50))
}

fn scratch(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "agentrunner-certifier-{}-{name}",
        std::process::id()
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_sandbox_disciplined_broker_is_never_refused_and_replays_identically() {
    let w = certifier_world().await;
    let identity = w.identity().await;
    let agent = broker(&w, Strategy::default());
    let spec = stages::b_divergence(7);
    let (first, replay) = tokio::join!(
        run(&agent, &identity, &spec, TIMING, scratch("replay-1")),
        run(&agent, &identity, &spec, TIMING, scratch("replay-2")),
    );
    let (first, replay) = (first.unwrap(), replay.unwrap());
    assert!(first.bid);
    assert!(first.refused.is_empty(), "{:?}", first.refused);
    assert_eq!(first.landed, first.planned);
    assert!(
        first.abstained > 0,
        "it waited out divergence and the stale feed"
    );
    assert!(first.receipts_complete);
    assert_eq!(first.fingerprint, replay.fingerprint);
    assert_eq!(first.fingerprint.len(), 6);
    assert_eq!(first.transactions.len(), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_sandbox_careless_broker_fails_b_with_the_runners_refusals_counted() {
    let w = certifier_world().await;
    let identity = w.identity().await;
    let careless = broker(
        &w,
        Strategy {
            respects_guards: false,
            ..Strategy::default()
        },
    );
    let run = run(
        &careless,
        &identity,
        &stages::b_divergence(7),
        TIMING,
        scratch("careless"),
    )
    .await
    .unwrap();
    let report = stages::b(careless.describe(), &run, &run, &run);
    assert!(!report.passed);
    assert!(!run.refused.is_empty());
    let counted: u32 = report.refusals_by_error.values().sum();
    assert_eq!(counted as usize, 3 * run.refused.len());
    assert!(
        report
            .refusals_by_error
            .keys()
            .all(|e| e.contains("runner::SlippageExceeded") || e.contains("runner::OracleStale")),
        "{:?}",
        report.refusals_by_error
    );
    assert!(
        report.reasons[0].contains("attempts refused by the runner"),
        "{:?}",
        report.reasons
    );
}

/// Live canaries on the cluster: C passes with the broker running; D's DCA canary fails once
/// the agent stops responding after two of its four executions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_live_stages_pass_a_running_agent_and_fail_one_that_stops_responding() {
    let w = certifier_world().await;
    w.pass(Stage::B).await;
    let certifier = w.certifier(scratch("live"));
    let manifest =
        agentrunner_client::flows::Manifest::trading("Certified", Strategy::default(), 5_000);
    let timing = LiveTiming {
        execution_wait: Duration::from_secs(3),
        ..certifier.canaries.timing
    };
    let canaries = |goals| {
        live::canaries(
            &*w.chain,
            &certifier.sender,
            &certifier.certifier,
            &w.localnet.deployment,
            &w.agent,
            goals,
            timing,
        )
    };
    let c = tokio::select! {
        c = canaries(&certifier.canaries.c) => c.unwrap(),
        () = w.live_broker(None) => unreachable!(),
        never = w.clock() => match never {},
    };
    let verdict = stages::live(Stage::C, "live".into(), &c, &manifest);
    assert!(verdict.passed, "{:?}", verdict.reasons);
    assert_eq!((verdict.landed, verdict.planned), (2, 2));
    assert!(c.iter().all(|canary| canary.settled));

    let d = tokio::select! {
        (d, ()) = async { tokio::join!(canaries(&certifier.canaries.d), w.live_broker(Some(2))) } => d.unwrap(),
        never = w.clock() => match never {},
    };
    let verdict = stages::live(Stage::D, "live".into(), &d, &manifest);
    assert!(!verdict.passed);
    assert_eq!((verdict.landed, verdict.planned), (2, 4), "{:?}", d);
    assert_eq!(verdict.success_rate_bps, 5_000);
    assert!(
        verdict
            .reasons
            .iter()
            .any(|r| r.contains("let 2 of 4 executions")),
        "{:?}",
        verdict.reasons
    );
    assert!(d[0].settled, "the lapsed canary is closed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_soak_lands_every_execution_once_through_rpc_faults_and_a_restart() {
    let w = certifier_world().await;
    let identity = w.identity().await;
    let agent = broker(&w, Strategy::default());
    let soak = run(
        &agent,
        &identity,
        &stages::e_soak(11),
        TIMING,
        scratch("soak"),
    )
    .await
    .unwrap();
    let manifest =
        agentrunner_client::flows::Manifest::trading("Certified", Strategy::default(), 5_000);
    let verdict = stages::e(agent.describe(), &soak, &manifest);
    assert!(verdict.passed, "{:?} {soak:?}", verdict.reasons);
    assert_eq!(soak.landed, 12);
    assert_eq!(soak.transactions.len(), 12, "once each");
}
