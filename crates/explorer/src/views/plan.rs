//! A plan as its page shows it: the phase bar, each step's terms, guards, market and receipts,
//! the approval's budget step by step, and what the owner can do next — built from the
//! lifecycle's read model (`flows::PlanView`, `flows::explain`) and the plan's receipts.
use agentrunner_client::{
    chain::Chain,
    flows::{self, Offers, PlanView},
    ClientResult,
};
use anchor_lang::prelude::Pubkey;
use market::state::RfpStatus;
use runner::state::{Custody, PlanStatus};
use serde::Serialize;

use super::{
    offers::{agents_of, MarketCard},
    receipts::ReceiptRow,
    steps::{phase_bar, Phase, PhaseMark, StepTerms},
    tokens::Tokens,
};
use crate::{receipts, state::Explorer};

/// One step: its terms, where it stands, its market, its budget line and its receipts.
#[derive(Clone, Debug, Serialize)]
pub struct StepCard {
    pub terms: StepTerms,
    /// `flows::explain`'s stage ("Bidding", "Executing", ...) and reason in words.
    pub stage: &'static str,
    pub reason: String,
    pub phase: &'static str,
    /// "1/3".
    pub executions: String,
    pub market: Option<MarketCard>,
    /// The awarded vendor's name and fee for the whole step ("0.15 USDC: 0.05 × 3").
    pub budget: Option<String>,
    pub receipts: Vec<ReceiptRow>,
}

/// What the owner's approval commits.
#[derive(Clone, Debug, Serialize)]
pub struct ApprovalSummary {
    /// Vendor fees deposited into the plan's budget, in the fee token (the sum of the steps').
    pub total_fees: String,
    /// Per input token, the most the runner may still sell of the owner's for this plan
    /// (tokens with nothing left are left out).
    pub inputs: Vec<String>,
}

/// What the owner may do now.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Can {
    /// Some step's bidding closed with offers and no award: `award_best` applies.
    pub award_best: bool,
    /// Some step's RFP is open and unawarded: an offer may be awarded by hand.
    pub award: bool,
    pub approve: bool,
    pub cancel: bool,
    pub settle: bool,
}

/// A plan's page.
#[derive(Clone, Debug, Serialize)]
pub struct PlanPage {
    pub key: String,
    pub owner: String,
    /// "Active", "Cancelled" or "Finished".
    pub status: &'static str,
    pub approved: bool,
    /// The slowest step's phase.
    pub phase: &'static str,
    pub bar: Vec<PhaseMark>,
    pub steps: Vec<StepCard>,
    pub approval: Option<ApprovalSummary>,
    pub can: Can,
    /// Chain time when read, unix seconds.
    pub now: i64,
    /// Why the receipts could not be read, if they could not.
    pub receipts_error: Option<String>,
}

/// Whether the plan at `key` exists: `Ok(None)` when it does not (closed, or never created).
pub async fn load(explorer: &Explorer, key: &Pubkey) -> ClientResult<Option<PlanPage>> {
    let chain = &explorer.chain;
    let deployment = &explorer.config.deployment;
    let view = match PlanView::load(chain, deployment, key, Offers::Load).await {
        Ok(view) => view,
        Err(agentrunner_client::ClientError::AccountNotFound(k)) if k == *key => return Ok(None),
        Err(e) => return Err(e),
    };
    let states = flows::explain(chain, deployment, &view).await?;
    let agents = agents_of(chain, &view.steps).await?;
    let tokens = Tokens(deployment);
    let (files, receipts_error) = match receipts::plan_files(explorer, key).await {
        Ok(files) => (files, None),
        Err(e) => (Vec::new(), Some(e.to_string())),
    };
    let plan = &view.plan;
    let now = view.now();
    let mut steps = Vec::new();
    let mut phase = Phase::Completed;
    for ((sv, step), state) in view.steps.iter().zip(&plan.steps).zip(&states) {
        let step_phase = Phase::of(state, sv.offers.len());
        phase = phase.min(step_phase);
        let award = sv.award();
        let vendor = award.and_then(|a| agents.get(&a.agent).map(|v| v.agent.name.clone()));
        steps.push(StepCard {
            terms: StepTerms::of(plan, sv.index, step, tokens),
            stage: state.stage,
            reason: state.reason.clone(),
            phase: step_phase.label(),
            executions: format!("{}/{}", step.executions, step.repeat),
            market: MarketCard::of(chain, sv, &agents, tokens, now).await?,
            budget: award.map(|a| {
                format!(
                    "{}{}: {} × {} execution(s)",
                    vendor.map(|n| format!("{n}, ")).unwrap_or_default(),
                    tokens.fee(a.price.saturating_mul(u64::from(step.repeat))),
                    tokens.fee(a.price),
                    step.repeat
                )
            }),
            receipts: files
                .iter()
                .filter(|f| f.located.receipt.step == sv.index)
                .map(|f| ReceiptRow::of(f, plan, tokens))
                .collect(),
        });
    }
    let cancelled = matches!(plan.status, PlanStatus::Cancelled { .. });
    let approved = matches!(plan.custody, Custody::Approved { .. });
    let open: Vec<_> = view
        .steps
        .iter()
        .filter(|s| {
            s.rfp
                .as_ref()
                .is_some_and(|r| matches!(r.status, RfpStatus::Open))
        })
        .collect();
    let can = Can {
        award_best: !cancelled
            && open.iter().any(|s| {
                !s.offers.is_empty() && s.rfp.as_ref().is_some_and(|r| now >= r.bid_deadline)
            }),
        award: !cancelled && !open.is_empty(),
        approve: !cancelled && matches!(plan.custody, Custody::Pending) && view.fully_awarded(),
        cancel: !cancelled && !plan.is_finished(),
        settle: true,
    };
    let approval = view.fully_awarded().then(|| ApprovalSummary {
        total_fees: tokens.fee(
            view.steps
                .iter()
                .zip(&plan.steps)
                .filter_map(|(s, step)| {
                    Some(s.award()?.price.saturating_mul(u64::from(step.repeat)))
                })
                .sum(),
        ),
        inputs: plan
            .input_mints()
            .filter_map(|m| {
                let left = plan.reserved_input(&m.mint).unwrap_or(0);
                (left > 0).then(|| tokens.amount(&m.mint, left))
            })
            .collect(),
    });
    Ok(Some(PlanPage {
        key: key.to_string(),
        owner: plan.owner.to_string(),
        status: if cancelled {
            "Cancelled"
        } else if plan.is_finished() {
            "Finished"
        } else {
            "Active"
        },
        approved,
        phase: phase.label(),
        bar: phase_bar(phase),
        steps,
        approval,
        can,
        now,
        receipts_error,
    }))
}

/// A plan as its owner's list shows it.
#[derive(Clone, Debug, Serialize)]
pub struct PlanLine {
    pub key: String,
    pub id: u64,
    pub steps: usize,
    pub status: &'static str,
}

/// `owner`'s plans still on-chain, newest first.
pub async fn plans_of<C: Chain>(chain: &C, owner: &Pubkey) -> ClientResult<Vec<PlanLine>> {
    Ok(flows::plans_of(chain, owner)
        .await?
        .into_iter()
        .map(|(key, plan)| PlanLine {
            key: key.to_string(),
            id: plan.plan_id,
            steps: plan.steps.len(),
            status: match (plan.status, plan.custody) {
                (PlanStatus::Cancelled { .. }, _) => "Cancelled",
                _ if plan.is_finished() => "Finished",
                (_, Custody::Approved { .. }) => "Approved",
                _ => "Awaiting approval",
            },
        })
        .collect())
}
