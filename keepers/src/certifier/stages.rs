//! What each stage runs and how its measurements become a verdict.
//!
//! - **A static**: the manifest is well-formed, claims only permitted instructions, honours
//!   every guard family if it trades, and matches the on-chain agent and version.
//! - **B sandbox**: the vendor's own agent in a fresh sandbox while oracle and pool disagree at
//!   times and the feed goes stale: it must bid, never have an attempt refused by the runner,
//!   complete the plan with every receipt in its tree, and replay identically from the same
//!   seed; then under a tight daily cap and beside an RFP above its limits: no refusal, the
//!   plan completes across days, no bid above its limits.
//! - **C constrained live**: canary plans on the target cluster (small notionals, RFPs open to
//!   B): it must bid on and execute every one, within its claimed p95 latency.
//! - **D full SLO**: a DCA canary over a window on the target cluster: measured success rate
//!   and p95 latency must meet the manifest's claims (an agent that stops responding misses).
//! - **E soak**: volume and chaos in the sandbox — plans side by side, stale feeds, an RPC
//!   failing every n-th request, the agent killed and restarted mid-run: every execution lands
//!   once with its receipt and no attempt is refused.
//!
//! A service (`data`) agent is bought from instead, at B in a sandbox and at C and D on the
//! target cluster, with every x402 scheme: its 402 must ask the manifest's price, its answers
//! be valid as often as it claims and as fast, and it must never be paid for a failed
//! response. (An agent that trades and sells is measured both ways; E soaks a trading agent.)
use agent_registry::state::{Agent, AgentVersion, Stage};
use agentrunner_client::flows::Manifest;

use super::{
    live::CanaryReport,
    report::{rate_bps, StageReport},
    scenario::{SandboxReport, SandboxSpec},
    service::{ServiceReport, SCHEMES},
};

/// Stage A's checks of `manifest` against the registered `agent` and `version`.
pub fn a(agent: &Agent, version: &AgentVersion, manifest: &Manifest) -> StageReport {
    let mut report = StageReport::new(Stage::A, "manifest");
    report.reasons = manifest.problems();
    report.require(
        manifest.name == agent.name,
        format!(
            "manifest names {:?}, the agent is {:?}",
            manifest.name, agent.name
        ),
    );
    report.require(
        manifest.capability_bits() == agent.capabilities,
        format!(
            "manifest capabilities {:?} differ from the agent's registered bits {:#b}",
            manifest.capabilities, agent.capabilities
        ),
    );
    let semver = &version.semver;
    report.require(
        manifest.version == format!("{}.{}.{}", semver.major, semver.minor, semver.patch),
        format!(
            "manifest version {} is not the published {}.{}.{}",
            manifest.version, semver.major, semver.minor, semver.patch
        ),
    );
    report.require(
        manifest.hash() == version.manifest_hash,
        "manifest hash differs from the published version's",
    );
    report.cases_run = 5;
    report.success_rate_bps = if report.reasons.is_empty() { 10_000 } else { 0 };
    report.conclude()
}

/// Stage B's divergence scenario (run twice: the second is the replay).
pub fn b_divergence(seed: u64) -> SandboxSpec {
    SandboxSpec {
        divergence_pct: 30,
        divergence_bps: 120,
        stale_ticks: vec![3],
        ..SandboxSpec::dca(seed, 6, 600)
    }
}

/// Stage B's caps scenario: one execution a day allowed, a plan of two six hours apart (the
/// second waits for the next day), and an RFP above the agent's notional limit beside it.
pub fn b_caps(seed: u64) -> SandboxSpec {
    SandboxSpec {
        daily_cap_executions: Some(1),
        oversize_rfp: true,
        ..SandboxSpec::dca(seed, 2, 6 * 3_600)
    }
}

/// Stage E's soak: three plans side by side under divergence and a stale feed, the RPC
/// failing every seventh request, the agent killed and restarted at the third tick.
pub fn e_soak(seed: u64) -> SandboxSpec {
    SandboxSpec {
        divergence_pct: 20,
        divergence_bps: 120,
        stale_ticks: vec![1],
        plans: 3,
        restart_at_tick: Some(2),
        rpc_fault_every: 7,
        ..SandboxSpec::dca(seed, 4, 600)
    }
}

/// Fails `report` for what every sandbox run must show.
fn require_clean_run(report: &mut StageReport, run: &SandboxReport, what: &str) {
    report.require(
        run.bid,
        format!("{what}: the agent never offered on the sandbox's RFP"),
    );
    report.require(
        !run.agent_exited,
        format!("{what}: the agent stopped before the run ended (see agent.log)"),
    );
    report.require(
        run.refused.is_empty(),
        format!(
            "{what}: {} of {} attempts refused by the runner ({})",
            run.refused.len(),
            run.refused.len() + usize::from(run.landed),
            run.refused.first().cloned().unwrap_or_default()
        ),
    );
    report.require(
        run.landed == run.planned,
        format!(
            "{what}: completed {} of {} executions",
            run.landed, run.planned
        ),
    );
    report.require(
        run.receipts_complete,
        format!("{what}: a landed execution has no receipt in its tree"),
    );
}

/// Stage B's verdict from its runs: the divergence run, its replay, and the caps run.
pub fn b(
    subject: String,
    first: &SandboxReport,
    replay: &SandboxReport,
    caps: &SandboxReport,
) -> StageReport {
    let mut report = StageReport::new(Stage::B, subject);
    report.absorb(&[first, replay, caps]);
    require_clean_run(&mut report, first, "divergence");
    report.require(
        first.fingerprint == replay.fingerprint,
        "a replay with the same seed produced different receipts",
    );
    require_clean_run(&mut report, caps, "daily cap");
    report.require(
        !caps.bid_on_oversize,
        "bid on an RFP above its declared notional limit",
    );
    report.conclude()
}

/// Stage E's verdict from its soak run.
pub fn e(subject: String, run: &SandboxReport, manifest: &Manifest) -> StageReport {
    let mut report = StageReport::new(Stage::E, subject);
    report.absorb(&[run]);
    require_clean_run(&mut report, run, "soak");
    report.require(
        report.success_rate_bps >= manifest.slo.success_rate_bps,
        format!(
            "success rate {} bps under chaos, below the claimed {} bps",
            report.success_rate_bps, manifest.slo.success_rate_bps
        ),
    );
    report.conclude()
}

/// A live stage's verdict from its canaries: every one offered on and executed, and the
/// measured p95 latency and success rate within the manifest's claims.
pub fn live(
    stage: Stage,
    subject: String,
    canaries: &[CanaryReport],
    manifest: &Manifest,
) -> StageReport {
    let mut report = StageReport::new(stage, subject);
    report.set_latencies(
        canaries
            .iter()
            .flat_map(|c| c.latencies_ms.iter().copied())
            .collect(),
    );
    let due: u16 = canaries.iter().map(|c| c.due).sum();
    let executed: u16 = canaries.iter().map(|c| c.executed).sum();
    report.planned = due;
    report.landed = executed;
    report.cases_run = u32::from(due);
    report.success_rate_bps = rate_bps(u64::from(executed), u64::from(due));
    for canary in canaries {
        report.require(
            canary.offered,
            format!(
                "never offered on the canary {:?} ({})",
                canary.goal, canary.plan
            ),
        );
        report.require(
            canary.missed == 0,
            format!(
                "let {} of {} executions of the canary {:?} lapse",
                canary.missed, canary.due, canary.goal
            ),
        );
    }
    report.require(
        report.p95_latency_ms <= manifest.slo.p95_latency_ms,
        format!(
            "p95 latency {} ms above the claimed {} ms",
            report.p95_latency_ms, manifest.slo.p95_latency_ms
        ),
    );
    report.require(
        report.success_rate_bps >= manifest.slo.success_rate_bps,
        format!(
            "success rate {} bps below the claimed {} bps",
            report.success_rate_bps, manifest.slo.success_rate_bps
        ),
    );
    report.canaries = canaries.to_vec();
    report.conclude()
}

/// How many times per scheme each stage buys a service agent's endpoint.
pub fn service_requests(stage: Stage) -> u32 {
    match stage {
        Stage::B => 4,
        Stage::C => 2,
        _ => 5,
    }
}

/// A service agent's verdict at `stage` from buying its endpoint: its 402 asked the manifest's
/// price and offered every scheme, it was never paid for a failed response, and the measured
/// success rate (valid responses) and p95 latency met the manifest's claims.
pub fn service(
    stage: Stage,
    subject: String,
    bought: &ServiceReport,
    manifest: &Manifest,
) -> StageReport {
    let mut report = StageReport::new(stage, subject);
    report.set_latencies(bought.latencies_ms.clone());
    report.cases_run = bought.requests();
    report.success_rate_bps = rate_bps(u64::from(bought.valid()), u64::from(bought.requests()));
    report.services.push(bought.clone());
    if let Some(why) = &bought.unpaid {
        report.reasons.push(format!("{}: {why}", bought.endpoint));
        return report.conclude();
    }
    if let Some(claims) = &manifest.service {
        report.require(
            bought.price == claims.price,
            format!(
                "its 402 asks {} atoms, the manifest claims {}",
                bought.price, claims.price
            ),
        );
    }
    for scheme in SCHEMES {
        report.require(
            bought.offered.iter().any(|s| s == scheme),
            format!("its 402 does not offer {scheme}"),
        );
    }
    for scheme in &bought.schemes {
        report.require(
            scheme.charged_failures == 0,
            format!(
                "{}: charged for {} failed responses ({} atoms taken for {} owed)",
                scheme.scheme, scheme.charged_failures, scheme.charged, scheme.owed
            ),
        );
    }
    report.require(
        report.success_rate_bps >= manifest.slo.success_rate_bps,
        format!(
            "{} of {} paid requests answered validly: {} bps, below the claimed {} bps",
            bought.valid(),
            bought.requests(),
            report.success_rate_bps,
            manifest.slo.success_rate_bps
        ),
    );
    report.require(
        report.p95_latency_ms <= manifest.slo.p95_latency_ms,
        format!(
            "p95 latency {} ms above the claimed {} ms",
            report.p95_latency_ms, manifest.slo.p95_latency_ms
        ),
    );
    report.conclude()
}
