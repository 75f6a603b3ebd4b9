//! A stage's verdict with the figures behind it: what ran, what was measured (latencies,
//! success rate, the runner's refusals counted by error), each run's record, and the reasons
//! it failed. Written as JSON (its sha256 is the attestation's `report_hash`) and as a readable
//! summary beside it.
use std::collections::BTreeMap;

use agent_registry::state::{SloFigures, Stage};
use serde::Serialize;

use super::{live::CanaryReport, scenario::SandboxReport, service::ServiceReport};

/// One stage's verdict and measurements.
#[derive(Clone, Debug, Serialize)]
pub struct StageReport {
    pub stage: String,
    pub passed: bool,
    /// Why it failed (empty when it passed).
    pub reasons: Vec<String>,
    /// What was measured: the agent under test, or the manifest for stage A.
    pub subject: String,
    pub p50_latency_ms: u32,
    pub p95_latency_ms: u32,
    pub success_rate_bps: u16,
    pub cases_run: u32,
    pub landed: u16,
    pub planned: u16,
    /// Every attempt the runner refused, by error, in order.
    pub refused: Vec<String>,
    /// The same, counted by error.
    pub refusals_by_error: BTreeMap<String, u32>,
    pub abstained: u32,
    /// Each sandbox run's record: seed, measurements, the agent's landed transactions.
    pub runs: Vec<SandboxReport>,
    /// Each live canary plan's record.
    pub canaries: Vec<CanaryReport>,
    /// What buying a service agent's endpoint showed, per run.
    pub services: Vec<ServiceReport>,
}

impl StageReport {
    pub fn new(stage: Stage, subject: impl Into<String>) -> Self {
        Self {
            stage: format!("{stage:?}"),
            passed: false,
            reasons: Vec::new(),
            subject: subject.into(),
            p50_latency_ms: 0,
            p95_latency_ms: 0,
            success_rate_bps: 0,
            cases_run: 0,
            landed: 0,
            planned: 0,
            refused: Vec::new(),
            refusals_by_error: BTreeMap::new(),
            abstained: 0,
            runs: Vec::new(),
            canaries: Vec::new(),
            services: Vec::new(),
        }
    }

    /// Joins `other` (the same stage measured another way: a trading agent's service) into
    /// this verdict: its reasons, cases and service runs; passed only if both passed.
    pub fn merge(mut self, other: StageReport) -> Self {
        self.reasons.extend(other.reasons);
        self.cases_run += other.cases_run;
        self.services.extend(other.services);
        self.p95_latency_ms = self.p95_latency_ms.max(other.p95_latency_ms);
        self.success_rate_bps = self.success_rate_bps.min(other.success_rate_bps);
        self.passed = self.passed && other.passed && self.reasons.is_empty();
        self
    }

    /// Takes in the measurements of `runs` (kept in the report).
    pub fn absorb(&mut self, runs: &[&SandboxReport]) {
        let latencies: Vec<u32> = runs
            .iter()
            .flat_map(|r| r.latencies_ms.iter().copied())
            .collect();
        self.set_latencies(latencies);
        self.landed = runs.iter().map(|r| r.landed).sum();
        self.planned = runs.iter().map(|r| r.planned).sum();
        self.refused = runs
            .iter()
            .flat_map(|r| r.refused.iter().cloned())
            .collect();
        self.refusals_by_error = count(&self.refused);
        self.abstained = runs.iter().map(|r| r.abstained).sum();
        let attempts = u64::from(self.landed) + self.refused.len() as u64;
        self.success_rate_bps = rate_bps(u64::from(self.landed), attempts);
        self.cases_run = attempts as u32 + self.abstained;
        self.runs = runs.iter().map(|r| (*r).clone()).collect();
    }

    /// The p50 and p95 of `latencies` (milliseconds).
    pub fn set_latencies(&mut self, mut latencies: Vec<u32>) {
        latencies.sort_unstable();
        let pick = |pct: usize| {
            latencies
                .get((latencies.len().saturating_sub(1)) * pct / 100)
                .copied()
                .unwrap_or(0)
        };
        self.p50_latency_ms = pick(50);
        self.p95_latency_ms = pick(95);
    }

    /// Fails the stage with `reason` unless `ok`.
    pub fn require(&mut self, ok: bool, reason: impl Into<String>) {
        if !ok {
            self.reasons.push(reason.into());
        }
    }

    /// Decides the verdict: passed when no requirement failed and at least one case ran.
    pub fn conclude(mut self) -> Self {
        self.require(self.cases_run > 0, "no case ran");
        self.passed = self.reasons.is_empty();
        self
    }

    /// The figures the attestation carries.
    pub fn figures(&self) -> SloFigures {
        SloFigures {
            p50_latency_ms: self.p50_latency_ms,
            p95_latency_ms: self.p95_latency_ms,
            success_rate_bps: self.success_rate_bps,
            cases_run: self.cases_run,
        }
    }

    /// The report in a few lines, for people.
    pub fn summary(&self) -> String {
        let mut text = format!(
            "Stage {}: {}\nSubject: {}\nCases: {} ({} of {} planned executions landed, {} ticks abstained)\nLatency: p50 {} ms, p95 {} ms\nSuccess rate: {} bps\n",
            self.stage,
            if self.passed { "passed" } else { "FAILED" },
            self.subject,
            self.cases_run,
            self.landed,
            self.planned,
            self.abstained,
            self.p50_latency_ms,
            self.p95_latency_ms,
            self.success_rate_bps,
        );
        if !self.refusals_by_error.is_empty() {
            text.push_str("Refused by the runner:\n");
            for (error, times) in &self.refusals_by_error {
                text.push_str(&format!("  {times} x {error}\n"));
            }
        }
        for reason in &self.reasons {
            text.push_str(&format!("Reason: {reason}\n"));
        }
        for run in &self.runs {
            text.push_str(&format!(
                "Run with seed {}: bid {}, {} landed, {} refused, {} transactions\n",
                run.seed,
                run.bid,
                run.landed,
                run.refused.len(),
                run.transactions.len()
            ));
        }
        for canary in &self.canaries {
            text.push_str(&format!(
                "Canary {:?} ({}): offered {}, {} of {} executed, {} missed, settled {}\n",
                canary.goal,
                canary.plan,
                canary.offered,
                canary.executed,
                canary.due,
                canary.missed,
                canary.settled
            ));
        }
        for service in &self.services {
            text.push_str(&format!(
                "Service {} at {} atoms: {} of {} paid requests valid, {} failed responses charged\n",
                service.endpoint,
                service.price,
                service.valid(),
                service.requests(),
                service.charged_failures()
            ));
            for scheme in &service.schemes {
                text.push_str(&format!(
                    "  {}: {} of {} valid, charged {} atoms for {} owed\n",
                    scheme.scheme, scheme.valid, scheme.requests, scheme.charged, scheme.owed
                ));
            }
        }
        text
    }
}

/// `part` of `whole` in bps (0 of nothing).
pub fn rate_bps(part: u64, whole: u64) -> u16 {
    (part * 10_000)
        .checked_div(whole)
        .map_or(0, |bps| bps.min(10_000) as u16)
}

/// How many times each of `items` occurs.
fn count(items: &[String]) -> BTreeMap<String, u32> {
    let mut counts = BTreeMap::new();
    for item in items {
        *counts.entry(item.clone()).or_insert(0) += 1;
    }
    counts
}
