//! `agentrunner approve <plan>`: the one owner signature — fee budget, one grant per awarded
//! step, and the trade allowances. `--sign-only` prints the unsigned transaction (base64) for
//! an external wallet instead of signing it here.
use agentrunner_client::{
    chain::Chain,
    send::{sign_transaction, wire_size},
};
use agentrunner_keepers::planner::{Planner, RfpPolicy};
use anchor_lang::prelude::Pubkey;
use anyhow::{bail, Result};
use base64::{engine::general_purpose::STANDARD, Engine};
use clap::Args;
use serde_json::json;
use solana_message::{Message, VersionedMessage};
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;

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
    let planner = Planner {
        chain: &chain,
        sender: crate::sender(&chain),
        planner: owner.insecure_clone(),
        deployment: &deployment,
        policy: RfpPolicy::default(),
    };
    let mut approval = planner.approval(&args.plan, args.days * 86_400).await?;
    if approval.owner != owner.pubkey() {
        bail!(
            "plan {} belongs to {}, not to the keypair {}",
            args.plan,
            approval.owner,
            owner.pubkey()
        );
    }
    if let Some(deposit) = args.deposit {
        let needed: u64 = approval.grants.iter().map(|g| g.max_amount()).sum();
        if deposit < needed {
            bail!("a deposit of {deposit} does not cover the grants ({needed})");
        }
        approval.deposit = deposit;
    }
    let ixs = approval.instructions()?;
    if args.sign_only {
        let (blockhash, _) = chain.latest_blockhash().await?;
        let message = Message::new_with_blockhash(&ixs, Some(&owner.pubkey()), &blockhash);
        let unsigned = VersionedTransaction {
            signatures: vec![
                Default::default();
                usize::from(message.header.num_required_signatures)
            ],
            message: VersionedMessage::Legacy(message),
        };
        let encoded = STANDARD.encode(bincode::serialize(&unsigned)?);
        if opts.output == Output::Json {
            out!(
                "{}",
                serde_json::to_string_pretty(
                    &json!({"transaction": encoded, "signer": owner.pubkey().to_string()})
                )?
            );
        } else {
            out!(
                "unsigned approval ({} instructions, signer {}):",
                ixs.len(),
                owner.pubkey()
            );
            out!("{encoded}");
        }
        return Ok(());
    }
    let (blockhash, _) = chain.latest_blockhash().await?;
    let size = wire_size(&sign_transaction(&owner, &ixs, &[], &[], blockhash)?);
    let landed = planner
        .sender
        .send(&format!("approve:{}", args.plan), &owner, &ixs, &[], &[])
        .await?;
    if opts.output == Output::Json {
        out!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "signature": landed.signature.to_string(),
                "budget": approval.budget().budget.to_string(),
                "deposit": approval.deposit,
                "grants": approval.grants.len(),
                "bytes": size,
            }))?
        );
    } else {
        out!(
            "approved: budget {} with {} atoms, {} grants, {} allowances in one transaction ({} bytes): {}",
            approval.budget().budget,
            approval.deposit,
            approval.grants.len(),
            approval.allowances.len(),
            size,
            landed.signature
        );
    }
    Ok(())
}
