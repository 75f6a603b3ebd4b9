//! `certifier`: certifies the agents in its settings (`[[certify]]` with `agent`, `manifest`
//! and `agent_cmd`, the vendor's own agent for the sandbox) through stages A-D and attests each
//! with the measured figures; passed stages are not rerun. The live stages' canary plans are
//! paid by the certifier's key.
use agent_registry::state::Stage;
use agentrunner_client::{failover::Failover, flows::Manifest, rpc::RpcChain};
use anyhow::Context;

use crate::{
    certifier::{AgentUnderTest, Canaries, Certifier},
    runtime::{Keeper, Operation, Run},
    settings::roles::{CertifierSettings, CertifyJob},
};

struct Certify<'a> {
    certifier: &'a Certifier<'a, Failover<RpcChain>>,
    jobs: &'a [CertifyJob],
}

impl Operation for Certify<'_> {
    fn name(&self) -> &'static str {
        "certify"
    }
    fn process(&self) -> Run<'_> {
        Box::pin(async move {
            let mut report = Vec::new();
            for job in self.jobs {
                let agent = job
                    .agent
                    .parse()
                    .context("certify.agent is not an address")?;
                let text = std::fs::read_to_string(&job.manifest)
                    .with_context(|| format!("cannot read {}", job.manifest.display()))?;
                let manifest = Manifest::read(&text)?;
                let under_test = job.agent_cmd.clone().map(AgentUnderTest::Command);
                let certified = self
                    .certifier
                    .certify(&agent, &manifest, Stage::D, under_test.as_ref())
                    .await?;
                for (stage, outcome) in certified {
                    let verdict = if stage.passed { "passed" } else { "failed" };
                    report.push((format!("{agent} stage {} {verdict}", stage.stage), outcome));
                }
            }
            Ok(report)
        })
    }
}

/// What `certifier --help` says it does.
const ABOUT: &str = "Certifies agents through stages A-D and attests the measured figures";

/// Runs the certifier keeper with `args`.
pub async fn run(args: impl IntoIterator<Item = String>) -> anyhow::Result<()> {
    let keeper = Keeper::<CertifierSettings>::start("certifier", ABOUT, args).await?;
    let own = &keeper.settings.keeper;
    let certifier = Certifier {
        chain: &keeper.chain,
        sender: keeper.sender(),
        certifier: keeper.signer.insecure_clone(),
        deployment: &keeper.deployment,
        reports_dir: own.reports_dir.clone(),
        seed: own.seed,
        canaries: Canaries::default(),
        target_url: Some(keeper.settings.common.url.clone()),
    };
    keeper
        .run(&[&Certify {
            certifier: &certifier,
            jobs: &own.certify,
        }])
        .await
}
