//! `agentrunner certify <agent> --manifest <file>`: runs the certifier's stages A..D on the
//! agent's current version (the -k keypair must be a registered certifier) and attests each.
use std::path::PathBuf;

use agent_registry::state::Stage;
use agentrunner_client::flows::Manifest;
use agentrunner_keepers::certifier::Certifier;
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
    /// Last stage to run: A, B, C or D.
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
        _ => Err(format!(
            "{text:?} is not a stage this certifier runs (A, B, C or D)"
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
    let certifier = Certifier {
        chain: &chain,
        sender: crate::sender(&chain),
        certifier: opts.keypair()?,
        reports_dir: args.reports_dir,
        seed: args.seed,
    };
    if opts.output == Output::Display {
        out!(
            "  certifying {} (sandbox runs on fresh embedded chains; this takes a few seconds)",
            args.agent
        );
    }
    let results = certifier.certify(&args.agent, &manifest, up_to).await?;
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
