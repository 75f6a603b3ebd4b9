//! `agentrunner certify <agent> --manifest <file>`: runs the certifier's stages A..D on the
//! agent's current version (the -k keypair must be a registered certifier) and attests each.
use std::path::PathBuf;

use agent_registry::state::Stage;
use agentrunner_keepers::certifier::{Certifier, Manifest};
use anchor_lang::prelude::Pubkey;
use anyhow::{Context, Result};
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
    #[arg(long, default_value = "D")]
    pub up_to: String,
    /// Where stage reports are written.
    #[arg(long, default_value = "certification")]
    pub reports_dir: PathBuf,
    /// Seed of the sandbox price paths.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

pub async fn run(args: CertifyArgs, opts: Opts) -> Result<()> {
    let chain = opts.connect().await?;
    let manifest: Manifest = serde_json::from_str(&std::fs::read_to_string(&args.manifest)?)
        .with_context(|| format!("{} is not a manifest", args.manifest.display()))?;
    let up_to = match args.up_to.as_str() {
        "A" => Stage::A,
        "B" => Stage::B,
        "C" => Stage::C,
        _ => Stage::D,
    };
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
        return Ok(());
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
            if report.passed {
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
    Ok(())
}
