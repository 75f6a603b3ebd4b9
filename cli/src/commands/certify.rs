//! `agentrunner certify <agent> --manifest <file> --agent-cmd "<command>"`: runs the
//! certifier's stages A..D (or E) on the agent's current version (the -k keypair must be a
//! registered certifier) and attests each. Stages B and E start the vendor's own agent with
//! the command against a sandbox cluster of their own; stages C and D put canary plans, paid
//! by the certifier's key, on the cluster at `-u`, where the vendor's agent must be running.
use std::path::PathBuf;

use agent_registry::state::Stage;
use agentrunner_client::flows::Manifest;
use agentrunner_keepers::certifier::{AgentUnderTest, Canaries, Certifier};
use anchor_lang::prelude::Pubkey;
use anyhow::{bail, Context, Result};
use clap::Args;

use crate::{
    opts::{Opts, Output},
    out,
    output::{section, table},
};

#[derive(Args)]
pub struct CertifyArgs {
    pub agent: Pubkey,
    /// The agent's manifest (its hash must match the published version's).
    #[arg(long)]
    pub manifest: PathBuf,
    /// The vendor's own agent, started against the sandbox for stages B and E: a shell
    /// command; `{url}`, `{ws_url}`, `{deployment}` and `{dir}` are replaced by the sandbox's
    /// (also in the environment, with the settings that point `agentrunner keeper broker` there),
    /// e.g. "agentrunner keeper broker -k vendor --agent AGENT --manifest manifest.json".
    #[arg(long, value_name = "COMMAND")]
    pub agent_cmd: Option<String>,
    /// Last stage to run: A, B, C, D or E.
    #[arg(long, default_value = "D", value_parser = parse_stage)]
    pub up_to: Stage,
    /// Where stage reports are written.
    #[arg(long, default_value = "certification")]
    pub reports_dir: PathBuf,
    /// Seed of the sandbox price paths.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

fn parse_stage(text: &str) -> Result<Stage, String> {
    match text.to_ascii_uppercase().as_str() {
        "A" => Ok(Stage::A),
        "B" => Ok(Stage::B),
        "C" => Ok(Stage::C),
        "D" => Ok(Stage::D),
        "E" => Ok(Stage::E),
        _ => Err(format!(
            "{text:?} is not a stage this certifier runs (A, B, C, D or E)"
        )),
    }
}

pub async fn run(args: CertifyArgs, opts: Opts) -> Result<()> {
    let chain = opts.connect().await?;
    let text = std::fs::read_to_string(&args.manifest)
        .with_context(|| format!("cannot read {}", args.manifest.display()))?;
    let manifest =
        Manifest::read(&text).with_context(|| format!("manifest {}", args.manifest.display()))?;
    let up_to = args.up_to;
    let deployment = opts.deployment()?;
    let certifier = Certifier {
        chain: &chain,
        sender: crate::sender(&chain),
        certifier: opts.keypair()?,
        deployment: &deployment,
        reports_dir: args.reports_dir,
        seed: args.seed,
        canaries: Canaries::default(),
        target_url: Some(opts.rpc_url()),
    };
    if opts.output == Output::Display {
        out!(
            "  certifying {}: the sandbox stages run your agent on clusters of their own, the live stages run canary plans here (a few minutes)",
            args.agent
        );
    }
    let under_test = args.agent_cmd.clone().map(AgentUnderTest::Command);
    let results = certifier
        .certify(&args.agent, &manifest, up_to, under_test.as_ref())
        .await?;
    if opts.output == Output::Json {
        let reports: Vec<_> = results
            .iter()
            .map(|(r, o)| serde_json::json!({"report": r, "outcome": o.describe()}))
            .collect();
        out!("{}", serde_json::to_string_pretty(&reports)?);
        return verdict(&results);
    }
    section(&format!("Certification of {}", args.agent));
    let mut rows = vec![vec![
        "stage".to_string(),
        "verdict".into(),
        "p95 ms".into(),
        "success".into(),
        "cases".into(),
        "reasons".into(),
    ]];
    for (report, _) in &results {
        rows.push(vec![
            report.stage.clone(),
            if report.passed && report.cases_run > 0 {
                "pass".into()
            } else {
                "FAIL".into()
            },
            report.p95_latency_ms.to_string(),
            format!("{} bps", report.success_rate_bps),
            report.cases_run.to_string(),
            report.reasons.join("; "),
        ]);
    }
    table(&rows);
    verdict(&results)
}

/// Fails the command unless every stage run passed, each on at least one case.
fn verdict<O>(results: &[(agentrunner_keepers::certifier::StageReport, O)]) -> Result<()> {
    let failed: Vec<&str> = results
        .iter()
        .filter(|(r, _)| !r.passed || r.cases_run == 0)
        .map(|(r, _)| r.stage.as_str())
        .collect();
    if !failed.is_empty() {
        bail!("stage(s) {} did not pass", failed.join(", "));
    }
    Ok(())
}
