//! `agentrunner status <plan>`: the plan's steps, their awards and executions, its budget.
use agentrunner_client::{chain::Chain, ix::escrow::BudgetRef, pda};
use anchor_lang::prelude::Pubkey;
use anyhow::Result;
use clap::Args;
use escrow::state::Budget;
use market::state::{Rfp, RfpStatus};
use runner::state::{Plan, PlanStatus};
use serde_json::json;

use crate::{
    opts::{Opts, Output},
    out,
    output::{section, table},
};

#[derive(Args)]
pub struct StatusArgs {
    pub plan: Pubkey,
}

pub async fn run(args: StatusArgs, opts: Opts) -> Result<()> {
    let chain = opts.connect().await?;
    let deployment = opts.deployment()?;
    let plan: Plan = chain.fetch(&args.plan).await?;
    let fee = deployment.token(&deployment.fee_token)?;
    let budget_key = BudgetRef::new(
        &plan.owner,
        &args.plan.to_bytes(),
        fee.mint,
        anchor_spl::token::ID,
    )
    .budget;
    let budget: Option<Budget> = chain.fetch(&budget_key).await.ok();
    let mut steps = Vec::new();
    for (index, step) in plan.steps.iter().enumerate() {
        let rfp = chain
            .fetch::<Rfp>(&pda::rfp(&plan.planner, &args.plan, index as u16).0)
            .await
            .ok();
        let award = match rfp.map(|r| r.status) {
            Some(RfpStatus::Awarded(award)) => {
                json!({"agent": award.agent.to_string(), "price": award.price})
            }
            Some(RfpStatus::Open) => json!("bidding"),
            Some(RfpStatus::Cancelled { .. }) => json!("cancelled"),
            None => json!(null),
        };
        steps.push(json!({
            "step": index,
            "kind": format!("{:?}", step.kind),
            "status": format!("{:?}", step.status),
            "executions": step.executions,
            "repeat": step.repeat,
            "amount_in": step.amount_in,
            "award": award,
        }));
    }
    let status = match plan.status {
        PlanStatus::Active if plan.is_finished() => "finished",
        PlanStatus::Active => "active",
        PlanStatus::Cancelled { .. } => "cancelled",
    };
    let budget_json = budget.as_ref().map(|b| {
        json!({
            "address": budget_key.to_string(),
            "deposited": b.deposited,
            "reserved": b.reserved,
            "redeemed": b.redeemed,
            "refunded": b.refunded,
            "expires_at": b.expires_at,
        })
    });
    if opts.output == Output::Json {
        out!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "plan": args.plan.to_string(),
                "owner": plan.owner.to_string(),
                "status": status,
                "spent_today_usd": plan.spent_today_usd,
                "steps": steps,
                "budget": budget_json,
            }))?
        );
        return Ok(());
    }
    section(&format!("Plan {} ({status})", args.plan));
    let mut rows = vec![vec![
        "step".to_string(),
        "kind".into(),
        "status".into(),
        "executions".into(),
        "award".into(),
    ]];
    for s in &steps {
        rows.push(vec![
            s["step"].to_string(),
            s["kind"].as_str().unwrap_or("").into(),
            s["status"].as_str().unwrap_or("").into(),
            format!("{}/{}", s["executions"], s["repeat"]),
            s["award"].to_string(),
        ]);
    }
    table(&rows);
    match budget {
        Some(b) => out!(
            "  budget {budget_key}: deposited {}, reserved {}, redeemed {}, refunded {}",
            b.deposited,
            b.reserved,
            b.redeemed,
            b.refunded
        ),
        None => out!("  no budget yet (run `agentrunner approve {}`)", args.plan),
    }
    Ok(())
}
