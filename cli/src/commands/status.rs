//! `agentrunner status <plan>`: the plan's steps — stage, executions and, in words, what each
//! waits for — its award and its budget.
use agentrunner_client::{
    flows::{self, Offers, PlanView},
    units::amount,
};
use anchor_lang::prelude::Pubkey;
use anyhow::Result;
use clap::Args;
use runner::state::PlanStatus;
use serde_json::json;

use crate::{
    opts::{Opts, Output},
    out,
    output::{section, table},
};

#[derive(Args)]
pub struct StatusArgs {
    pub plan: Pubkey,
    /// First wait until the plan is finished or cancelled (at most this many seconds).
    #[arg(long, value_name = "SECS")]
    pub wait: Option<u64>,
}

pub async fn run(args: StatusArgs, opts: Opts) -> Result<()> {
    let chain = opts.connect().await?;
    let deployment = opts.deployment()?;
    if let Some(limit) = args.wait {
        crate::wait::until(limit, "the plan finishes", || async {
            let view = PlanView::load(&chain, &deployment, &args.plan, Offers::Skip).await?;
            Ok(view.plan.is_finished() || view.plan.status != PlanStatus::Active)
        })
        .await?;
    }
    let view = PlanView::load(&chain, &deployment, &args.plan, Offers::Load).await?;
    let states = flows::explain(&chain, &deployment, &view).await?;
    let plan = &view.plan;
    let status = match plan.status {
        PlanStatus::Active if plan.is_finished() => "finished",
        PlanStatus::Active => "active",
        PlanStatus::Cancelled { .. } => "cancelled",
    };
    let fee = deployment.token(&deployment.fee_token)?;
    if opts.output == Output::Json {
        let steps: Vec<_> = view
            .steps
            .iter()
            .zip(&plan.steps)
            .zip(&states)
            .map(|((s, step), state)| {
                json!({
                    "step": s.index,
                    "kind": format!("{:?}", step.kind),
                    "status": format!("{:?}", step.status),
                    "stage": state.stage,
                    "reason": state.reason,
                    "executions": step.executions,
                    "repeat": step.repeat,
                    "amount_in": step.amount_in,
                    "award": s.award().map(|a| json!({"agent": a.agent.to_string(), "price": a.price})),
                })
            })
            .collect();
        let budget = view.budget.as_ref().map(|b| {
            json!({
                "address": b.budget_ref.budget.to_string(),
                "deposited": b.budget.deposited,
                "reserved": b.budget.reserved,
                "redeemed": b.budget.redeemed,
                "refunded": b.budget.refunded,
                "expires_at": b.budget.expires_at,
            })
        });
        out!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "plan": args.plan.to_string(),
                "owner": plan.owner.to_string(),
                "status": status,
                "spent_today_usd": plan.spent_today_usd,
                "steps": steps,
                "budget": budget,
            }))?
        );
        return Ok(());
    }
    section(&format!("Plan {} ({status})", args.plan));
    let mut rows = vec![vec![
        "step".to_string(),
        "kind".into(),
        "stage".into(),
        "runs".into(),
        "why".into(),
    ]];
    for ((state, step), _) in states.iter().zip(&plan.steps).zip(&view.steps) {
        rows.push(vec![
            state.step.to_string(),
            format!("{:?}", step.kind),
            state.stage.into(),
            format!("{}/{}", step.executions, step.repeat),
            state.reason.clone(),
        ]);
    }
    table(&rows);
    let show = |atoms| format!("{} {}", amount(atoms, fee.decimals), fee.symbol);
    match &view.budget {
        Some(b) => out!(
            "  fee budget {}: deposited {}, reserved {}, paid {}, refunded {}",
            b.budget_ref.budget,
            show(b.budget.deposited),
            show(b.budget.reserved),
            show(b.budget.redeemed),
            show(b.budget.refunded)
        ),
        None => out!(
            "  no fee budget yet (the owner approves with `agentrunner approve {}`)",
            args.plan
        ),
    }
    Ok(())
}
