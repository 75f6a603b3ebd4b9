//! `agentrunner verify <file>`: a third party's verification. A receipt file verifies offline
//! from its own bytes (the leaf from its fields, the vendor's signature and quote, the proof to
//! its root); `--on-chain` checks it against the PeriodRoot account with nothing but `-u` (no
//! deployment file) and runs `receipts::verify_receipt` too; a bare receipt, or a file without a
//! proof, has its proof looked up in the tree's history — or, with `--api`, from the receipts
//! indexer, whose answer is then checked against the cluster like any file. Exit codes: 0 verified against an
//! anchored root, 1 rejected, 2 valid but its period is not anchored (yet).
use std::{
    path::PathBuf,
    time::{Duration, Instant},
};

use agentrunner_client::{
    ix,
    receipts::{
        audit::{verify_input, Standing},
        file::{check_offline, check_receipt, ReceiptFile, ReceiptInput, ReceiptProof},
    },
};
use anyhow::{bail, Context, Result};
use clap::Args;
use receipts::instructions::{ReceiptInput as ProgramInput, VerifyReceiptArgs};
use serde_json::json;

use crate::{
    opts::{Opts, Output},
    out,
};

/// Exit code of a receipt that is valid but whose period is not anchored.
pub const NOT_ANCHORED: i32 = 2;

#[derive(Args)]
pub struct VerifyArgs {
    /// A receipt file (`agentrunner receipts`, the demo, a vendor's signed receipt) or a bare
    /// receipt JSON.
    pub file: PathBuf,
    /// Check it on the cluster at `-u`: its PeriodRoot account (found from the file alone) and
    /// `receipts::verify_receipt` (landed when `-k` pays, otherwise simulated: nothing signed).
    #[arg(long)]
    pub on_chain: bool,
    /// Wait up to this many seconds for its period to be anchored (checking the cluster).
    #[arg(long, value_name = "SECS")]
    pub wait: Option<u64>,
    /// Write the completed file (proof, PeriodRoot) here.
    #[arg(long)]
    pub save: Option<PathBuf>,
    /// A receipts API (the indexer's `--listen` address, e.g. `http://127.0.0.1:8900`) to
    /// take a missing proof from instead of the tree's history; its root is then checked
    /// against the cluster at `-u` (a constant few requests, whatever the tree's size).
    #[arg(long, value_name = "URL")]
    pub api: Option<String>,
}

/// What was established.
struct Verdict {
    file: ReceiptFile,
    anchored: bool,
    /// How it was checked: "offline" or "cluster".
    against: &'static str,
    on_chain: Option<String>,
}

pub async fn run(args: VerifyArgs, opts: Opts) -> Result<()> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let input = ReceiptInput::parse(&text)
        .map_err(|e| anyhow::anyhow!("{} is rejected: {e}", args.file.display()))?;
    let (input, from_api) = match &args.api {
        Some(api) => with_api_proof(api, input).await?,
        None => (input, false),
    };
    let offline = match &input {
        ReceiptInput::File(file) if file.proof.is_some() && !args.on_chain && !from_api => {
            Some(file)
        }
        _ => None,
    };
    let verdict = match offline {
        Some(file) if file.period_root.is_some() || args.wait.is_none() => {
            check_offline(file).map_err(|e| anyhow::anyhow!("receipt is rejected: {e}"))?;
            Verdict {
                file: file.as_ref().clone(),
                anchored: file.period_root.is_some(),
                against: "offline",
                on_chain: None,
            }
        }
        _ => until_anchored(&input, &args, &opts).await?,
    };
    if let Some(path) = &args.save {
        std::fs::write(path, serde_json::to_vec_pretty(&verdict.file)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    report(&verdict, &opts)?;
    if !verdict.anchored {
        std::process::exit(NOT_ANCHORED);
    }
    Ok(())
}

/// `input` with the proof the receipts API at `api` has for its leaf, when it has none of its
/// own (the vendor's attestation, if any, is kept); `true` when the proof came from the API.
async fn with_api_proof(api: &str, input: ReceiptInput) -> Result<(ReceiptInput, bool)> {
    let vendor = match &input {
        ReceiptInput::File(file) if file.proof.is_some() => return Ok((input, false)),
        ReceiptInput::File(file) => file.vendor.clone(),
        ReceiptInput::Bare(_) => None,
    };
    let (_, leaf) = check_receipt(input.receipt(), vendor.as_ref())
        .map_err(|e| anyhow::anyhow!("receipt is rejected: {e}"))?;
    let url = format!(
        "{}/v1/leaves/{}/file",
        api.trim_end_matches('/'),
        hex::encode(leaf)
    );
    let response = reqwest::get(&url)
        .await
        .with_context(|| format!("cannot reach the receipts API at {api}"))?;
    let status = response.status();
    let body = response.text().await?;
    if !status.is_success() {
        bail!("receipt is rejected: the receipts API answers {status}: {body}");
    }
    let file: ReceiptFile = serde_json::from_str(&body)
        .with_context(|| format!("the receipts API's answer is not a receipt file: {body}"))?;
    if file.located.leaf != hex::encode(leaf) {
        bail!(
            "receipt is rejected: the receipts API answered for leaf {}",
            file.located.leaf
        );
    }
    Ok((
        ReceiptInput::File(Box::new(ReceiptFile { vendor, ..file })),
        true,
    ))
}

/// [`on_cluster`] until the receipt's period is anchored or `--wait` seconds have passed (one
/// check without `--wait`).
async fn until_anchored(input: &ReceiptInput, args: &VerifyArgs, opts: &Opts) -> Result<Verdict> {
    let deadline = Instant::now() + Duration::from_secs(args.wait.unwrap_or(0));
    loop {
        let verdict = on_cluster(input, args.on_chain, opts).await?;
        if verdict.anchored || Instant::now() >= deadline {
            return Ok(verdict);
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Verifies against the cluster at `-u`; with `run_instruction`, also by `verify_receipt`.
async fn on_cluster(input: &ReceiptInput, run_instruction: bool, opts: &Opts) -> Result<Verdict> {
    let chain = opts.connect().await?;
    let (file, standing) = verify_input(&chain, input)
        .await
        .map_err(|e| anyhow::anyhow!("receipt is rejected: {e}"))?;
    let Standing::Anchored { period_root } = standing else {
        return Ok(Verdict {
            file,
            anchored: false,
            against: "cluster",
            on_chain: None,
        });
    };
    let mut on_chain = None;
    if run_instruction {
        let proof = file
            .proof
            .as_ref()
            .map(ReceiptProof::node_bytes)
            .transpose()?
            .unwrap_or_default();
        let receipt = receipts::Receipt::try_from(&file.located.receipt)?;
        let ix = ix::receipts::verify_receipt(
            &period_root,
            VerifyReceiptArgs {
                input: ProgramInput::Leaf(receipt.leaf()),
                index: file.located.index,
                proof,
            },
        );
        on_chain = Some(match &opts.keypair {
            Some(_) => {
                let payer = opts.keypair()?;
                let intent = format!("verify:{}", file.located.leaf);
                let landed = crate::sender(&chain)
                    .send(&intent, &payer, &[ix], &[], &[])
                    .await?;
                landed.signature.to_string()
            }
            // No key: the cluster runs it for the receipt's payer, a funded wallet.
            None => {
                let simulated = chain.simulate_unsigned(&receipt.payer, &[ix]).await?;
                if let Some(error) = simulated.error {
                    bail!(
                        "receipt is rejected on-chain: {}",
                        agentrunner_client::errors::describe_with_logs(&error, &simulated.logs)
                    );
                }
                "simulated".to_string()
            }
        });
    }
    Ok(Verdict {
        file,
        anchored: true,
        against: "cluster",
        on_chain,
    })
}

fn report(verdict: &Verdict, opts: &Opts) -> Result<()> {
    let file = &verdict.file;
    let located = &file.located;
    let root = file.proof.as_ref().map(|p| (p.root.clone(), p.tree_size));
    if opts.output == Output::Json {
        out!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "leaf": located.leaf,
                "index": located.index,
                "tree": located.tree,
                "root": root.as_ref().map(|r| &r.0),
                "tree_size": root.as_ref().map(|r| r.1),
                "period_root": file.period_root,
                "anchored": verdict.anchored,
                "checked": verdict.against,
                "vendor_signature": file.vendor.as_ref().map(|v| &v.vendor),
                "quote": file.vendor.as_ref().is_some_and(|v| v.quote.is_some()),
                "on_chain": verdict.on_chain,
            }))?
        );
        return Ok(());
    }
    let (root, size) = root.unwrap_or_default();
    out!(
        "✓ receipt leaf {} is leaf {} of tree {}; its proof leads to root {root} ({size} leaves)",
        located.leaf,
        located.index,
        located.tree
    );
    if let Some(vendor) = &file.vendor {
        let quote = if vendor.quote.is_some() {
            ", and its quote hashes to the receipt's vendor_receipt_hash"
        } else {
            ""
        };
        out!("✓ signed by vendor {}{quote}", vendor.vendor);
    }
    match (&file.period_root, verdict.against) {
        (Some(period), "offline") => out!(
            "✓ that root is PeriodRoot {period}'s, as the file states (checked offline; --on-chain reads the account)"
        ),
        (Some(period), _) => out!("✓ verified against PeriodRoot {period} on the cluster"),
        (None, _) => out!("… its period is not anchored yet (exit code {NOT_ANCHORED})"),
    }
    match verdict.on_chain.as_deref() {
        Some("simulated") => out!(
            "✓ verified on-chain by receipts::verify_receipt (simulated by the cluster: nothing signed or paid)"
        ),
        Some(signature) => out!("✓ verified on-chain by receipts::verify_receipt: {signature}"),
        None => {}
    }
    Ok(())
}
