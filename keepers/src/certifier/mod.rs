//! The certifier: runs stages A–D on an agent's current version and writes an attestation per
//! stage with the measured figures and a report (hash on-chain, JSON on disk). A failing stage
//! gets a failing attestation with its reason, and later stages are not attempted.
//!
//! - **A static**: the manifest is well-formed, claims only permitted instructions, honours
//!   every guard family if it trades, and matches the on-chain agent and version (name,
//!   capabilities, semver, manifest hash).
//! - **B sandbox**: the vendor's strategy runs against a fresh embedded chain while oracle and
//!   pool disagree at times; it must never have an attempt refused by the runner, must
//!   complete the plan, every receipt must be in its tree, and a replay with the same seed must
//!   produce identical receipts.
//! - **C constrained**: tight daily caps and an RFP above the vendor's limit: no refused
//!   attempt, the plan completes across days, and no bid above its limits.
//! - **D SLO**: a stale feed is injected; measured p95 latency and success rate must meet the
//!   manifest's claims.
pub mod sandbox;

use std::path::PathBuf;

use agent_registry::{
    instructions::AttestArgs,
    state::{Agent, AgentVersion, SloFigures, Stage},
};
pub use agentrunner_client::flows::manifest::{self, Manifest};
use agentrunner_client::{
    chain::Chain,
    ix, pda,
    send::{Journal, SendError, Sender},
};
use anchor_lang::prelude::Pubkey;
use sandbox::{SandboxReport, SandboxSpec};
use serde::Serialize;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::outcome::{classify, Outcome};

/// How long a passing attestation counts: 30 days.
pub const VALIDITY_SECS: i64 = 30 * 86_400;

/// One stage's verdict and measurements.
#[derive(Clone, Debug, Serialize)]
pub struct StageReport {
    pub stage: String,
    pub passed: bool,
    /// Why it failed (empty when it passed).
    pub reasons: Vec<String>,
    pub p50_latency_ms: u32,
    pub p95_latency_ms: u32,
    pub success_rate_bps: u16,
    pub cases_run: u32,
    /// Sandbox details, when the stage ran one.
    pub landed: u16,
    pub planned: u16,
    pub refused: Vec<String>,
    pub abstained: u32,
}

impl StageReport {
    fn new(stage: Stage) -> Self {
        Self {
            stage: format!("{stage:?}"),
            passed: false,
            reasons: Vec::new(),
            p50_latency_ms: 0,
            p95_latency_ms: 0,
            success_rate_bps: 0,
            cases_run: 0,
            landed: 0,
            planned: 0,
            refused: Vec::new(),
            abstained: 0,
        }
    }

    fn absorb(&mut self, runs: &[&SandboxReport]) {
        let mut latencies: Vec<u32> = runs
            .iter()
            .flat_map(|r| r.latencies_ms.iter().copied())
            .collect();
        latencies.sort_unstable();
        let pick = |pct: usize| {
            latencies
                .get((latencies.len().saturating_sub(1)) * pct / 100)
                .copied()
                .unwrap_or(0)
        };
        self.p50_latency_ms = pick(50);
        self.p95_latency_ms = pick(95);
        self.landed = runs.iter().map(|r| r.landed).sum();
        self.planned = runs.iter().map(|r| r.planned).sum();
        self.refused = runs
            .iter()
            .flat_map(|r| r.refused.iter().cloned())
            .collect();
        self.abstained = runs.iter().map(|r| r.abstained).sum();
        let attempts = u64::from(self.landed) + self.refused.len() as u64;
        self.success_rate_bps = (u64::from(self.landed) * 10_000)
            .checked_div(attempts)
            .map_or(0, |bps| bps as u16);
        self.cases_run = attempts as u32 + self.abstained;
    }

    fn require(&mut self, ok: bool, reason: impl Into<String>) {
        if !ok {
            self.reasons.push(reason.into());
        }
    }

    fn figures(&self) -> SloFigures {
        SloFigures {
            p50_latency_ms: self.p50_latency_ms,
            p95_latency_ms: self.p95_latency_ms,
            success_rate_bps: self.success_rate_bps,
            cases_run: self.cases_run,
        }
    }
}

pub struct Certifier<'a, C: Chain> {
    pub chain: &'a C,
    pub sender: Sender<'a, C, Box<dyn Journal>>,
    /// A member of the registry's certifier set; signs attestations and pays their rent.
    pub certifier: Keypair,
    /// Where stage reports are written.
    pub reports_dir: PathBuf,
    /// Seed of the sandbox price paths.
    pub seed: u64,
}

impl<C: Chain> Certifier<'_, C> {
    /// Runs stages A..=`up_to` on `agent`'s current version against its `manifest`, attesting
    /// each. Stages already passed (and still valid) are not rerun.
    pub async fn certify(
        &self,
        agent_key: &Pubkey,
        manifest: &Manifest,
        up_to: Stage,
    ) -> Result<Vec<(StageReport, Outcome)>, SendError> {
        let agent: Agent = self.chain.fetch(agent_key).await?;
        let index = agent.version_count.saturating_sub(1);
        let version_key = pda::agent_version(agent_key, index).0;
        let mut results = Vec::new();
        for stage in [Stage::A, Stage::B, Stage::C, Stage::D] {
            if stage > up_to {
                break;
            }
            let version: AgentVersion = self.chain.fetch(&version_key).await?;
            let now = self.chain.clock().await?.unix_timestamp;
            if version.stages[stage.index()].is_valid_pass(now) {
                let mut report = StageReport::new(stage);
                report.passed = true;
                results.push((
                    report,
                    Outcome::AlreadyDone(format!("stage {stage:?} passed")),
                ));
                continue;
            }
            let report = match stage {
                Stage::A => self.stage_a(&agent, &version, manifest),
                Stage::B => self.stage_b(manifest, agent.capabilities).await,
                Stage::C => self.stage_c(manifest, agent.capabilities).await,
                _ => self.stage_d(manifest, agent.capabilities).await,
            };
            let passed = report.passed;
            let outcome = self
                .attest(
                    agent_key,
                    &version_key,
                    &version,
                    (stage, manifest.guard_bits()),
                    &report,
                    now,
                )
                .await?;
            results.push((report, outcome));
            if !passed {
                break;
            }
        }
        Ok(results)
    }

    fn stage_a(&self, agent: &Agent, version: &AgentVersion, manifest: &Manifest) -> StageReport {
        let mut report = StageReport::new(Stage::A);
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
        report.passed = report.reasons.is_empty();
        report.success_rate_bps = if report.passed { 10_000 } else { 0 };
        report
    }

    async fn sandbox(
        &self,
        manifest: &Manifest,
        capabilities: u64,
        spec: &SandboxSpec,
    ) -> Result<SandboxReport, String> {
        sandbox::run(&manifest.strategy, capabilities, spec)
            .await
            .map_err(|e| e.to_string())
    }

    async fn stage_b(&self, manifest: &Manifest, capabilities: u64) -> StageReport {
        let mut report = StageReport::new(Stage::B);
        let spec = SandboxSpec {
            seed: self.seed,
            executions: 8,
            interval_secs: 600,
            divergence_pct: 30,
            divergence_bps: 120,
            stale_ticks: vec![],
            daily_cap_executions: None,
            oversize_rfp: false,
        };
        let (first, replay) = (
            self.sandbox(manifest, capabilities, &spec).await,
            self.sandbox(manifest, capabilities, &spec).await,
        );
        let (first, replay) = match (first, replay) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) | (_, Err(e)) => {
                report.reasons.push(e);
                return report;
            }
        };
        report.absorb(&[&first]);
        report.require(
            first.refused.is_empty(),
            format!(
                "{} of {} attempts refused by the runner's guards (the broker executed while the pool and the oracle disagreed): {}",
                first.refused.len(),
                first.refused.len() + usize::from(first.landed),
                first.refused.first().cloned().unwrap_or_default()
            ),
        );
        report.require(
            first.landed == first.planned,
            format!("completed {} of {} executions", first.landed, first.planned),
        );
        report.require(
            first.receipts_complete,
            "a landed execution has no receipt in its tree",
        );
        report.require(
            first.fingerprint == replay.fingerprint,
            "a replay with the same seed produced different receipts",
        );
        report.passed = report.reasons.is_empty();
        report
    }

    async fn stage_c(&self, manifest: &Manifest, capabilities: u64) -> StageReport {
        let mut report = StageReport::new(Stage::C);
        let spec = SandboxSpec {
            seed: self.seed.wrapping_add(1),
            executions: 3,
            interval_secs: 4 * 3_600,
            divergence_pct: 0,
            divergence_bps: 0,
            stale_ticks: vec![],
            daily_cap_executions: Some(2),
            oversize_rfp: true,
        };
        match self.sandbox(manifest, capabilities, &spec).await {
            Ok(run) => {
                report.absorb(&[&run]);
                report.require(
                    run.refused.is_empty(),
                    format!("attempts refused under caps: {}", run.refused.join("; ")),
                );
                report.require(
                    run.landed == run.planned,
                    format!(
                        "completed {} of {} executions across the daily cap",
                        run.landed, run.planned
                    ),
                );
                report.require(
                    !run.bid_on_oversize,
                    "bid on an RFP above its declared notional limit",
                );
            }
            Err(e) => report.reasons.push(e),
        }
        report.passed = report.reasons.is_empty();
        report
    }

    async fn stage_d(&self, manifest: &Manifest, capabilities: u64) -> StageReport {
        let mut report = StageReport::new(Stage::D);
        let spec = SandboxSpec {
            seed: self.seed.wrapping_add(2),
            executions: 6,
            interval_secs: 600,
            divergence_pct: 20,
            divergence_bps: 120,
            stale_ticks: vec![1, 2],
            daily_cap_executions: None,
            oversize_rfp: false,
        };
        match self.sandbox(manifest, capabilities, &spec).await {
            Ok(run) => {
                report.absorb(&[&run]);
                report.require(
                    run.refused.is_empty(),
                    format!(
                        "attempts refused under a stale feed: {}",
                        run.refused.join("; ")
                    ),
                );
                report.require(
                    run.receipts_complete,
                    "a landed execution has no receipt in its tree",
                );
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
            }
            Err(e) => report.reasons.push(e),
        }
        report.passed = report.reasons.is_empty();
        report
    }

    /// Writes the report and attests it.
    async fn attest(
        &self,
        agent: &Pubkey,
        version_key: &Pubkey,
        version: &AgentVersion,
        (stage, guards): (Stage, u8),
        report: &StageReport,
        now: i64,
    ) -> Result<Outcome, SendError> {
        let json = serde_json::to_vec_pretty(report).unwrap_or_default();
        let _ = std::fs::create_dir_all(&self.reports_dir);
        let path = self
            .reports_dir
            .join(format!("{agent}-v{}-{stage:?}.json", version.index));
        let _ = std::fs::write(&path, &json);
        // An absolute URI: whoever serves the report (the explorer) resolves it anywhere.
        let path = std::fs::canonicalize(&path).unwrap_or(path);
        let mut uri = format!("file://{}", path.display());
        uri.truncate(agent_registry::constants::MAX_URI_LEN);
        let record = version.stages[stage.index()];
        let ix = ix::registry::attest(
            agent,
            version_key,
            &self.certifier.pubkey(),
            record.attempts,
            AttestArgs {
                stage,
                passed: report.passed,
                slo: report.figures(),
                report_hash: solana_sha256_hasher::hash(&json).to_bytes(),
                report_uri: uri,
                expires_at: now + VALIDITY_SECS,
                // What the certifier verified: the manifest's guards, checked statically at A
                // and measured in the sandbox from B on.
                guards: if report.passed { guards } else { 0 },
            },
        );
        let intent = format!("attest:{version_key}:{stage:?}:{}", record.attempts);
        let result = self
            .sender
            .send(&intent, &self.certifier, &[ix], &[], &[])
            .await;
        classify(result, &[], "attest")
    }
}
