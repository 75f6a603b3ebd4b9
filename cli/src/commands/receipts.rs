//! `agentrunner receipts <plan>`: every receipt of a plan, rebuilt from chain history alone,
//! written as JSON files a third party can verify.
use std::path::PathBuf;

use agentrunner_client::receipts::{index::plan_receipts, LocatedReceipt, ReceiptJson};
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
    let found = plan_receipts(&chain, &args.plan).await?;
    std::fs::create_dir_all(&args.out_dir)?;
    let mut files = Vec::new();
    for r in &found {
        let located = LocatedReceipt {
            receipt: ReceiptJson::from(&r.receipt),
            leaf: hex::encode(r.receipt.leaf()),
            tree: r.tree.to_string(),
            index: r.index,
            transaction: r.signature.to_string(),
        };
        let path = args.out_dir.join(format!(
            "{}-step{}-{}.json",
            args.plan, r.receipt.step, r.receipt.execution
        ));
        std::fs::write(&path, serde_json::to_vec_pretty(&located)?)?;
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
