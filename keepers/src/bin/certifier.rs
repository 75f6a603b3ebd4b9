//! `certifier`: certifies the agents in its settings (`certify = [{ agent, manifest }]`)
//! through stages A-D and attests each with the measured figures; passed stages are not rerun.
use agent_registry::state::Stage;
use agentrunner_keepers::{
    certifier::{Certifier, Manifest},
    runtime::{count_done, Keeper},
};
use anyhow::Context;
use tracing::info;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let keeper = Keeper::start("certifier").await?;
    let certifier = Certifier {
        chain: &keeper.chain,
        sender: keeper.sender(),
        certifier: keeper.signer.insecure_clone(),
        reports_dir: keeper.settings.reports_dir.clone(),
        seed: keeper.settings.seed,
    };
    keeper
        .rounds(|| async {
            let mut done = 0;
            for job in &keeper.settings.certify {
                let agent = job.agent.parse().context("certify.agent is not an address")?;
                let manifest: Manifest = serde_json::from_str(
                    &std::fs::read_to_string(&job.manifest)
                        .with_context(|| format!("cannot read {}", job.manifest.display()))?,
                )?;
                let results = certifier.certify(&agent, &manifest, Stage::D).await?;
                for (report, outcome) in &results {
                    info!(%agent, stage = %report.stage, passed = report.passed, reasons = ?report.reasons, outcome = %outcome.describe(), "stage");
                }
                done += count_done(results.iter().map(|(_, o)| o));
            }
            Ok(done)
        })
        .await
}
