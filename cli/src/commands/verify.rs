//! `agentrunner verify <receipt.json>`: third-party verification from the file and chain data
//! only — recompute the leaf, rebuild the tree from history, take the proof at the anchored
//! period's size, and check it against the PeriodRoot (off-chain; `--on-chain` also runs
//! `receipts::verify_receipt`).
use std::path::PathBuf;

use agentrunner_client::{
    ix,
    receipts::{index::verify_receipt, LocatedReceipt},
};
use anchor_lang::prelude::Pubkey;
use anyhow::{bail, Context, Result};
use clap::Args;
use receipts::instructions::{ReceiptInput, VerifyReceiptArgs};
use serde_json::json;

use crate::{
    opts::{Opts, Output},
    out,
};

#[derive(Args)]
pub struct VerifyArgs {
    /// A receipt file (`agentrunner receipts` or a vendor's signed receipt).
    pub file: PathBuf,
    /// Also verify with the on-chain instruction: landed when a -k keypair pays its fee,
    /// otherwise simulated by the cluster with nothing signed or paid (no key needed).
    #[arg(long)]
    pub on_chain: bool,
}

pub async fn run(args: VerifyArgs, opts: Opts) -> Result<()> {
    let chain = opts.connect().await?;
    let deployment = opts.deployment()?;
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let located: LocatedReceipt = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a receipt file", args.file.display()))?;
    let receipt = receipts::Receipt::try_from(&located.receipt)?;
    let leaf = receipt.leaf();
    if hex::encode(leaf) != located.leaf {
        bail!(
            "the file's leaf {} is not the receipt's leaf {}",
            located.leaf,
            hex::encode(leaf)
        );
    }
    let tree: Pubkey = located.tree.parse().context("bad tree")?;
    let verification = verify_receipt(
        &chain,
        &receipt,
        &tree,
        located.index,
        deployment.receipt_depth,
    )
    .await?;
    let verification = match verification {
        Ok(v) => v,
        Err(e) => bail!("receipt does NOT verify: {e}"),
    };
    let mut on_chain = None;
    if args.on_chain {
        let Some(period) = verification.period_root else {
            bail!("its period is not anchored yet; on-chain verification needs a PeriodRoot");
        };
        let ix = ix::receipts::verify_receipt(
            &period,
            VerifyReceiptArgs {
                input: ReceiptInput::Leaf(leaf),
                index: located.index,
                proof: verification.proof.clone(),
            },
        );
        on_chain = Some(match &opts.keypair {
            Some(_) => {
                let payer = opts.keypair()?;
                let intent = format!("verify:{}", located.leaf);
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
                        "receipt does NOT verify on-chain: {}",
                        agentrunner_client::errors::describe_with_logs(&error, &simulated.logs)
                    );
                }
                "simulated".to_string()
            }
        });
    }
    if opts.output == Output::Json {
        out!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "leaf": located.leaf,
                "index": located.index,
                "tree": located.tree,
                "period_root": verification.period_root.map(|p| p.to_string()),
                "anchored": verification.period_root.is_some(),
                "on_chain": on_chain,
            }))?
        );
        return Ok(());
    }
    match verification.period_root {
        Some(period) => out!(
            "✓ receipt leaf {} at index {} verifies against PeriodRoot {period}",
            located.leaf,
            located.index
        ),
        None => out!(
            "✓ receipt leaf {} is in tree {} at index {} (its period is not anchored yet)",
            located.leaf,
            located.tree,
            located.index
        ),
    }
    match on_chain.as_deref() {
        Some("simulated") => out!(
            "✓ verified on-chain by receipts::verify_receipt (simulated by the cluster: nothing signed or paid)"
        ),
        Some(signature) => out!("✓ verified on-chain by receipts::verify_receipt: {signature}"),
        None => {}
    }
    Ok(())
}
