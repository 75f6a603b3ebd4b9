//! `agentrunner approve <plan>`: the owner's one approval — fee budget, one grant per awarded
//! step, missing output accounts and the plan's inputs added to the owner's delegation; one
//! transaction (two for the largest plans). `--sign-only` prints the unsigned transactions
//! (base64) for an external wallet instead of signing them here.
use agentrunner_client::{
    chain::Chain,
    flows::{self, Offers, PlanView},
    send::unsigned_transaction,
};
use anchor_lang::prelude::Pubkey;
use anyhow::{bail, Result};
use base64::{engine::general_purpose::STANDARD, Engine};
use clap::Args;
use serde_json::json;
use solana_signer::Signer;

use crate::{
    opts::{Opts, Output},
    out,
};

#[derive(Args)]
pub struct ApproveArgs {
    pub plan: Pubkey,
    /// Print the unsigned transaction for an external wallet; send nothing.
    #[arg(long)]
    pub sign_only: bool,
    /// Fee budget to deposit, atoms of the fee token (default: exactly the awarded grants).
    #[arg(long)]
    pub deposit: Option<u64>,
    /// Days the budget and grants stay valid.
    #[arg(long, default_value_t = 7)]
    pub days: i64,
}

pub async fn run(args: ApproveArgs, opts: Opts) -> Result<()> {
    let chain = opts.connect().await?;
    let deployment = opts.deployment()?;
    let owner = opts.keypair()?;
    let view = PlanView::load(&chain, &deployment, &args.plan, Offers::Skip).await?;
    let mut approval = flows::approve::owner_approval(
        &chain,
        &deployment,
        &view,
        &owner.pubkey(),
        args.days * 86_400,
    )
    .await?;
    if let Some(deposit) = args.deposit {
        let needed: u64 = approval.grants.iter().map(|g| g.max_amount()).sum();
        if deposit < needed {
            bail!("a deposit of {deposit} does not cover the grants ({needed})");
        }
        approval.deposit = deposit;
    }
    let tables = deployment.tables();
    let transactions = approval.transactions(&tables)?;
    if args.sign_only {
        let (blockhash, _) = chain.latest_blockhash().await?;
        let mut encoded = Vec::new();
        for ixs in &transactions {
            let unsigned = unsigned_transaction(&owner.pubkey(), ixs, &tables, blockhash)?;
            encoded.push(STANDARD.encode(bincode::serialize(&unsigned)?));
        }
        if opts.output == Output::Json {
            out!(
                "{}",
                serde_json::to_string_pretty(
                    &json!({"transactions": encoded, "signer": owner.pubkey().to_string()})
                )?
            );
        } else {
            out!(
                "unsigned approval ({} transaction(s), sign them together, in order; signer {}):",
                encoded.len(),
                owner.pubkey()
            );
            for tx in &encoded {
                out!("{tx}");
            }
        }
        return Ok(());
    }
    let landed = crate::sender(&chain)
        .send_all(
            &format!("approve:{}", args.plan),
            &owner,
            &transactions,
            &tables,
        )
        .await?;
    let bytes: Vec<usize> = landed.iter().map(|l| l.wire_bytes).collect();
    if opts.output == Output::Json {
        out!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "signatures": landed.iter().map(|l| l.signature.to_string()).collect::<Vec<_>>(),
                "budget": approval.budget().budget.to_string(),
                "deposit": approval.deposit,
                "grants": approval.grants.len(),
                "bytes": bytes,
            }))?
        );
    } else {
        out!(
            "approved: budget {} with {} atoms, {} grants, inputs of {} mints in {} transaction(s) ({:?} bytes): {}",
            approval.budget().budget,
            approval.deposit,
            approval.grants.len(),
            approval.mints.inputs.len(),
            landed.len(),
            bytes,
            landed
                .iter()
                .map(|l| l.signature.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(())
}
