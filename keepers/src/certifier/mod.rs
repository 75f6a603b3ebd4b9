//! The certifier: runs stages A–E on an agent's current version and writes an attestation per
//! stage with the measured figures and a report (hash on-chain; JSON and a readable summary on
//! disk). A failing stage gets a failing attestation with its reasons, and later stages are
//! not attempted. What each stage runs is in [`stages`]; the sandbox stages (B, E) run the
//! vendor's own agent ([`agent`]) against a served sandbox ([`sandbox`], [`scenario`]); the
//! live stages (C, D) run canary plans on the target cluster the agent serves ([`live`]). A
//! service (`data`) agent is bought from over x402 instead ([`service`]): in a sandbox at B, on
//! the target at C and D.
pub mod agent;
pub mod live;
pub mod report;
pub mod sandbox;
pub mod scenario;
pub mod service;
pub mod stages;

use std::{path::PathBuf, time::Duration};

use agent_registry::{
    instructions::AttestArgs,
    state::{Agent, AgentVersion, Stage},
};
pub use agentrunner_client::flows::manifest::{self, Manifest};
use agentrunner_client::{
    chain::Chain,
    deployment::Deployment,
    ix, pda,
    send::{Journal, SendError, Sender},
};
use anchor_lang::prelude::Pubkey;
use solana_keypair::Keypair;
use solana_signer::Signer;

pub use self::{agent::AgentUnderTest, report::StageReport};
use self::{live::LiveTiming, sandbox::AgentIdentity, scenario::Timing};
use crate::outcome::{classify, Outcome};

/// How long a passing attestation counts: 30 days.
pub const VALIDITY_SECS: i64 = 30 * 86_400;

/// What the live stages put out on the target cluster, paid by the certifier.
#[derive(Clone, Debug)]
pub struct Canaries {
    /// Stage C's canary plans, one goal each.
    pub c: Vec<String>,
    /// Stage D's: a schedule spread over the window the SLO is measured on.
    pub d: Vec<String>,
    pub timing: LiveTiming,
}

impl Default for Canaries {
    /// Two $10 swaps for C, a $10 DCA of four executions a minute apart for D; fees capped at
    /// 5% so a vendor asking up to $0.50 an execution can take them. Bidding stays open 15
    /// minutes of cluster time: 15 s on a local cluster's 60x clock, still several rounds of
    /// an agent polling every second or two on a loaded machine.
    fn default() -> Self {
        Self {
            c: vec![
                "swap $10 of SOL to USDC; cap fees at 5%".into(),
                "swap 10 USDC to SOL; cap fees at 5%".into(),
            ],
            d: vec!["DCA $10 of SOL to USDC 4 times every 60s; cap fees at 5%".into()],
            timing: LiveTiming {
                bid_secs: 900,
                bid_wait: Duration::from_secs(60),
                execution_wait: Duration::from_secs(30),
            },
        }
    }
}

pub struct Certifier<'a, C: Chain, J: Journal = Box<dyn Journal>> {
    pub chain: &'a C,
    pub sender: Sender<'a, C, J>,
    /// A member of the registry's certifier set; signs attestations and pays their rent, and
    /// owns (and pays for) the live stages' canary plans.
    pub certifier: Keypair,
    pub deployment: &'a Deployment,
    /// Where stage reports (and each sandbox run's files) are written.
    pub reports_dir: PathBuf,
    /// Seed of the sandbox price paths.
    pub seed: u64,
    pub canaries: Canaries,
    /// The target cluster's JSON-RPC URL: a service agent's live stages pay its endpoint
    /// through it (`None`: they cannot run).
    pub target_url: Option<String>,
}

/// Whether `manifest`'s agent trades (and so runs the trading scenarios and canaries).
fn trades(manifest: &Manifest) -> bool {
    use agent_registry::constants::capability;
    manifest.capability_bits()
        & (capability::SWAP | capability::DCA | capability::REBALANCE | capability::LIQUIDITY)
        != 0
}

/// The sandbox's patience with an agent claiming `p95_ms`: a tick lasts the claim plus a
/// second (1.5 s to 30 s), and it has a minute to bid.
fn sandbox_timing(p95_ms: u32) -> Timing {
    Timing {
        bid_wait: Duration::from_secs(60),
        tick: Duration::from_millis(u64::from(p95_ms).saturating_add(1_000).clamp(1_500, 30_000)),
    }
}

impl<C: Chain, J: Journal> Certifier<'_, C, J> {
    /// Runs stages A..=`up_to` on `agent`'s current version against its `manifest`, attesting
    /// each; the sandbox stages run `under_test` (the vendor's own agent), the live stages
    /// expect the agent to be running on the target cluster. Stages already passed (and still
    /// valid) are not rerun.
    pub async fn certify(
        &self,
        agent_key: &Pubkey,
        manifest: &Manifest,
        up_to: Stage,
        under_test: Option<&AgentUnderTest>,
    ) -> Result<Vec<(StageReport, Outcome)>, SendError> {
        let agent: Agent = self.chain.fetch(agent_key).await?;
        let index = agent.version_count.saturating_sub(1);
        let version_key = pda::agent_version(agent_key, index).0;
        let mut results = Vec::new();
        for stage in [Stage::A, Stage::B, Stage::C, Stage::D, Stage::E] {
            if stage > up_to || (stage == Stage::E && !trades(manifest)) {
                break;
            }
            let version: AgentVersion = self.chain.fetch(&version_key).await?;
            let now = self.chain.clock().await?.unix_timestamp;
            if version.stages[stage.index()].is_valid_pass(now) {
                let mut report = StageReport::new(stage, "already certified");
                report.passed = true;
                results.push((
                    report,
                    Outcome::AlreadyDone(format!("stage {stage:?} passed")),
                ));
                continue;
            }
            let report = match stage {
                Stage::A => stages::a(&agent, &version, manifest),
                _ => self
                    .run_stage(stage, agent_key, &version, manifest, under_test)
                    .await
                    .unwrap_or_else(|e| {
                        let mut report = StageReport::new(stage, "");
                        report.reasons.push(e.to_string());
                        report.conclude()
                    }),
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

    /// Runs stage B, C, D or E.
    async fn run_stage(
        &self,
        stage: Stage,
        agent: &Pubkey,
        version: &AgentVersion,
        manifest: &Manifest,
        under_test: Option<&AgentUnderTest>,
    ) -> anyhow::Result<StageReport> {
        let identity = AgentIdentity::read(self.chain, agent).await?;
        let sandboxed = |what: &str| -> anyhow::Result<&AgentUnderTest> {
            under_test.ok_or_else(|| {
                anyhow::anyhow!(
                    "stage {what} runs the vendor's own agent in a sandbox: name it (certify --agent-cmd)"
                )
            })
        };
        let timing = sandbox_timing(manifest.slo.p95_latency_ms);
        let dir = |run: &str| {
            self.reports_dir
                .join("sandbox")
                .join(format!("{agent}-v{}-{stage:?}-{run}", version.index))
        };
        let trading = if trades(manifest) {
            Some(match stage {
                Stage::B => {
                    let under_test = sandboxed("B")?;
                    let spec = stages::b_divergence(self.seed);
                    let caps = stages::b_caps(self.seed.wrapping_add(1));
                    // Three sandboxes of their own, side by side.
                    let (first, replay, caps) = tokio::join!(
                        scenario::run(under_test, &identity, &spec, timing, dir("1")),
                        scenario::run(under_test, &identity, &spec, timing, dir("2")),
                        scenario::run(under_test, &identity, &caps, timing, dir("caps")),
                    );
                    stages::b(under_test.describe(), &first?, &replay?, &caps?)
                }
                Stage::E => {
                    let under_test = sandboxed("E")?;
                    let spec = stages::e_soak(self.seed.wrapping_add(2));
                    let run =
                        scenario::run(under_test, &identity, &spec, timing, dir("soak")).await?;
                    stages::e(under_test.describe(), &run, manifest)
                }
                _ => {
                    let goals = if stage == Stage::C {
                        &self.canaries.c
                    } else {
                        &self.canaries.d
                    };
                    let canaries = live::canaries(
                        self.chain,
                        &self.sender,
                        &self.certifier,
                        self.deployment,
                        agent,
                        goals,
                        self.canaries.timing,
                    )
                    .await?;
                    stages::live(
                        stage,
                        "the agent on this cluster".into(),
                        &canaries,
                        manifest,
                    )
                }
            })
        } else {
            None
        };
        let selling = match &manifest.service {
            Some(claims) if stage != Stage::E => {
                let requests = stages::service_requests(stage);
                let (subject, bought) = if stage == Stage::B {
                    let under_test = sandboxed("B")?;
                    let bought = service::in_sandbox(
                        under_test,
                        &identity,
                        claims.path(),
                        requests,
                        timing.bid_wait,
                        dir("service"),
                    )
                    .await?;
                    (under_test.describe(), bought)
                } else {
                    let url = self.target_url.as_deref().ok_or_else(|| {
                        anyhow::anyhow!("stage {stage:?} buys the service on the target cluster: its URL is not known")
                    })?;
                    let buyer = service::Buyer {
                        url,
                        keypair: &self.certifier,
                        vendor: identity.authority,
                    };
                    let bought = service::buy(&buyer, &claims.endpoint, requests).await?;
                    (format!("the service at {}", claims.endpoint), bought)
                };
                Some(stages::service(stage, subject, &bought, manifest))
            }
            _ => None,
        };
        match (trading, selling) {
            (Some(trading), Some(selling)) => Ok(trading.merge(selling)),
            (Some(one), None) | (None, Some(one)) => Ok(one),
            (None, None) => Err(anyhow::anyhow!(
                "the manifest neither trades nor declares a service: nothing to measure"
            )),
        }
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
        let _ = std::fs::write(path.with_extension("txt"), report.summary());
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
