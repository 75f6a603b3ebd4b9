//! The registry's pages: every agent, and one agent's versions, capabilities, certification
//! stages with the attestations behind them (certifier, verdict, figures, report, expiry) and
//! its reputation per capability.
use agent_registry::state::{AgentStatus, Attestation, SloFigures, StageStatus};
use agentrunner_client::flows::{
    manifest::{capability_names, guard_names},
    registry::{reputation, ReputationLine, STAGES},
    AgentView,
};
use anchor_lang::prelude::Pubkey;
use serde::Serialize;

use super::tokens::span;

/// One attestation.
#[derive(Clone, Debug, Serialize)]
pub struct AttestationLine {
    pub key: String,
    pub stage: String,
    pub attempt: u8,
    pub certifier: String,
    pub passed: bool,
    /// "p50 120 ms, p95 340 ms, 100.00% of 11 cases".
    pub figures: String,
    /// "expires in 6 d", "expired", "revoked by <key>".
    pub validity: String,
    /// This explorer's page of the report.
    pub report: String,
}

/// One stage of one version.
#[derive(Clone, Debug, Serialize)]
pub struct StageLine {
    pub stage: String,
    /// "passed, 6 d left", "failed (attempt 0)", "not attempted", "revoked".
    pub standing: String,
    pub passed: bool,
}

/// One published version.
#[derive(Clone, Debug, Serialize)]
pub struct VersionCard {
    pub key: String,
    pub index: u32,
    pub semver: String,
    pub capabilities: String,
    pub certified_guards: String,
    pub manifest_hash: String,
    pub stages: Vec<StageLine>,
    pub attestations: Vec<AttestationLine>,
}

/// An agent's page.
#[derive(Clone, Debug, Serialize)]
pub struct AgentPage {
    pub key: String,
    pub name: String,
    pub owner: String,
    pub payout: String,
    pub status: String,
    pub active: bool,
    pub capabilities: String,
    /// The highest stage the current version holds now.
    pub certified: String,
    /// Newest first.
    pub versions: Vec<VersionCard>,
    pub reputation: Vec<ReputationLine>,
}

impl AttestationLine {
    /// The line of the attestation at `key`, at `now`.
    pub fn of(key: &Pubkey, at: &Attestation, now: i64) -> Self {
        Self {
            key: key.to_string(),
            stage: format!("{:?}", at.stage),
            attempt: at.attempt,
            certifier: at.certifier.to_string(),
            passed: at.passed,
            figures: figures(&at.slo),
            validity: match at.revoked {
                Some(r) => format!("revoked by {}", r.by),
                None if now < at.expires_at => format!("expires in {}", span(at.expires_at - now)),
                None => "expired".into(),
            },
            report: format!("/reports/{key}"),
        }
    }
}

/// A certifier's measured figures: "p50 120 ms, p95 340 ms, 100.00% of 11 cases".
pub fn figures(slo: &SloFigures) -> String {
    format!(
        "p50 {} ms, p95 {} ms, {:.2}% of {} cases",
        slo.p50_latency_ms,
        slo.p95_latency_ms,
        f64::from(slo.success_rate_bps) / 100.0,
        slo.cases_run
    )
}

fn standing(status: StageStatus, now: i64) -> (String, bool) {
    match status {
        StageStatus::NotAttempted => ("not attempted".into(), false),
        StageStatus::Failed { attempt } => (format!("failed (attempt {attempt})"), false),
        StageStatus::Passed { expires_at, .. } if now < expires_at => {
            (format!("passed, {} left", span(expires_at - now)), true)
        }
        StageStatus::Passed { .. } => ("expired".into(), false),
        StageStatus::Revoked { at, .. } => (format!("revoked {} ago", span(now - at)), false),
    }
}

impl AgentPage {
    pub fn of(view: &AgentView, now: i64) -> Self {
        let agent = &view.agent;
        let versions = view
            .versions
            .iter()
            .rev()
            .map(|v| {
                let version = &v.version;
                VersionCard {
                    key: v.key.to_string(),
                    index: version.index,
                    semver: format!(
                        "{}.{}.{}",
                        version.semver.major, version.semver.minor, version.semver.patch
                    ),
                    capabilities: capability_names(version.capabilities).join(", "),
                    certified_guards: guard_names(version.certified_guards).join(", "),
                    manifest_hash: hex::encode(version.manifest_hash),
                    stages: STAGES
                        .iter()
                        .map(|s| {
                            let (standing, passed) =
                                standing(version.stages[s.index()].status, now);
                            StageLine {
                                stage: format!("{s:?}"),
                                standing,
                                passed,
                            }
                        })
                        .collect(),
                    attestations: v
                        .attestations
                        .iter()
                        .map(|a| AttestationLine::of(&a.key, &a.attestation, now))
                        .collect(),
                }
            })
            .collect();
        Self {
            key: view.key.to_string(),
            name: agent.name.clone(),
            owner: agent.owner.to_string(),
            payout: agent.payout.to_string(),
            status: format!("{:?}", agent.status),
            active: agent.status == AgentStatus::Active,
            capabilities: capability_names(agent.capabilities).join(", "),
            certified: view
                .current()
                .and_then(|v| v.certified_stage(now))
                .map_or_else(|| "none".into(), |s| format!("{s:?}")),
            versions,
            reputation: reputation(agent),
        }
    }
}
