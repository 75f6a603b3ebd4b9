//! `agentrunner receipts <plan>`: every receipt of a plan, rebuilt from chain history alone,
//! written as self-contained receipt files (proof, root, PeriodRoot once anchored) that a third
//! party verifies offline with `agentrunner verify`.
use std::path::PathBuf;

use agentrunner_client::receipts::audit::plan_receipt_files;
use anchor_lang::prelude::Pubkey;
use anyhow::Result;
use clap::Args;

use crate::{
    opts::{Opts, Output},
    out,
    output::{section, table},
};

#[derive(Args)]
pub struct ReceiptsArgs {
    pub plan: Pubkey,
    /// Directory the receipt files go to.
    #[arg(long, default_value = "receipts")]
    pub out_dir: PathBuf,
}

pub async fn run(args: ReceiptsArgs, opts: Opts) -> Result<()> {
    let chain = opts.connect().await?;
    let found = plan_receipt_files(&chain, &args.plan).await?;
    std::fs::create_dir_all(&args.out_dir)?;
    let mut files = Vec::new();
    for file in &found {
        let located = file.located.clone();
        let path = args.out_dir.join(format!(
            "{}-step{}-{}.json",
            args.plan, located.receipt.step, located.receipt.execution
        ));
        std::fs::write(&path, serde_json::to_vec_pretty(file)?)?;
        files.push((located, path));
    }
    if opts.output == Output::Json {
        let list: Vec<_> = files
            .iter()
            .map(|(l, p)| serde_json::json!({"file": p, "receipt": l}))
            .collect();
        out!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    section(&format!("{} receipts of plan {}", found.len(), args.plan));
    let mut rows = vec![vec![
        "step".to_string(),
        "#".into(),
        "in".into(),
        "out".into(),
        "fee".into(),
        "leaf".into(),
        "file".into(),
    ]];
    for (l, path) in &files {
        rows.push(vec![
            l.receipt.step.to_string(),
            l.receipt.execution.to_string(),
            l.receipt.amount_in.to_string(),
            l.receipt.amount_out.to_string(),
            l.receipt.payment.amount.to_string(),
            format!("{}…", &l.leaf[..12]),
            path.display().to_string(),
        ]);
    }
    table(&rows);
    Ok(())
}
