//! `agentrunner cancel <plan>` and `agentrunner settle <plan>`: the owner's way out, at any
//! stage. `cancel` stops the plan at once (`cancel_plan` releases its share of the allowance;
//! every grant that could still pay is revoked). `settle` closes everything: it cancels if the
//! plan can still execute, revokes and closes the grants, refunds what the budget did not pay,
//! and closes the budget and the plan — every rent and unused atom back to the owner.
use agentrunner_client::flows::{Offers, PlanView, Scope, Settlement};
use anchor_lang::prelude::Pubkey;
use anyhow::Result;
use clap::Args;
use serde_json::json;
use solana_signer::Signer;

use crate::{
    opts::{Opts, Output},
    out,
};

#[derive(Args)]
pub struct SettleArgs {
    pub plan: Pubkey,
}

pub async fn run(args: SettleArgs, opts: Opts, scope: Scope) -> Result<()> {
    let chain = opts.connect().await?;
    let deployment = opts.deployment()?;
    let owner = opts.keypair()?;
    let view = PlanView::load(&chain, &deployment, &args.plan, Offers::Skip).await?;
    view.require_owner(&owner.pubkey())?;
    let settlement = Settlement::with_scope(&view, scope)?;
    let verb = match scope {
        Scope::Cancel => "cancel",
        Scope::CloseOut => "settle",
    };
    let landed = if settlement.is_empty() {
        Vec::new()
    } else {
        let tables = deployment.tables();
        crate::sender(&chain)
            .send_all(
                &format!("{verb}:{}", args.plan),
                &owner,
                &settlement.transactions(&tables)?,
                &tables,
            )
            .await?
    };
    let signatures: Vec<String> = landed.iter().map(|l| l.signature.to_string()).collect();
    if opts.output == Output::Json {
        out!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "plan": args.plan.to_string(),
                "cancelled": settlement.cancels,
                "grants_revoked": settlement.revokes.len(),
                "grants_closed": settlement.closes.len(),
                "refunded": settlement.refund,
                "budget_closed": settlement.closes_budget,
                "plan_closed": scope == Scope::CloseOut,
                "signatures": signatures,
            }))?
        );
        return Ok(());
    }
    if settlement.is_empty() {
        out!("plan {} is already cancelled; nothing can pay", args.plan);
        return Ok(());
    }
    let mut done = Vec::new();
    if settlement.cancels {
        done.push("cancelled the plan".to_string());
    }
    if !settlement.revokes.is_empty() {
        done.push(format!("revoked {} grant(s)", settlement.revokes.len()));
    }
    if !settlement.closes.is_empty() {
        done.push(format!("closed {} grant(s)", settlement.closes.len()));
    }
    if settlement.refund > 0 {
        let fee = deployment.token(&deployment.fee_token)?;
        done.push(format!(
            "refunded {} {} to the owner",
            agentrunner_client::units::amount(settlement.refund, fee.decimals),
            fee.symbol
        ));
    }
    if settlement.closes_budget {
        done.push("closed the budget".into());
    }
    if scope == Scope::CloseOut {
        done.push("closed the plan (rent back to the owner)".into());
    }
    out!(
        "{}: {} in {} transaction(s): {}",
        args.plan,
        done.join(", "),
        landed.len(),
        signatures.join(", ")
    );
    Ok(())
}
