//! Why a plan is (not) moving, in words: each step's stage (planning, bidding, hiring,
//! executing, done) and, when it waits, what it waits for — bidding closing, an award, the
//! owner's approval, a dependency, the DCA interval, a paused vendor, a missing account, a
//! balance short of the step's input, its oracle condition. Pending steps are judged by the runner's own readiness
//! rule (`Plan::require_ready`), so the reason is the one an execution would meet.
use agent_registry::state::{Agent, AgentStatus};
use anchor_lang::prelude::Pubkey;
use market::state::RfpStatus;
use runner::{
    error::RunnerError,
    state::{Custody, PlanStatus, StepKind, StepStatus},
};

use crate::{
    accounts::decode,
    chain::Chain,
    conditions::{self, Judged},
    deployment::Deployment,
    ix::runner::owner_account,
    units::amount,
    ClientResult,
};

use super::PlanView;

/// Where one step stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepState {
    pub step: u16,
    /// Planning, Bidding, Hiring, Approving, Executing, Done, Failed, Unfunded, Cancelled.
    pub stage: &'static str,
    /// What it waits for or what happened, in words.
    pub reason: String,
}

fn state(step: u16, stage: &'static str, reason: impl Into<String>) -> StepState {
    StepState {
        step,
        stage,
        reason: reason.into(),
    }
}

/// The state of every step of `view` (loaded with offers): one more batched read for the
/// awarded agents, the owner's token accounts and the price accounts the steps' triggers watch.
pub async fn explain<C: Chain>(
    chain: &C,
    deployment: &Deployment,
    view: &PlanView,
) -> ClientResult<Vec<StepState>> {
    let plan = &view.plan;
    let now = view.now();
    let agents: Vec<Pubkey> = view
        .steps
        .iter()
        .filter_map(|s| s.award().map(|a| a.agent))
        .collect();
    let mints: Vec<Pubkey> = plan.mints.iter().map(|m| m.mint).collect();
    let watched: Vec<Option<Pubkey>> = plan
        .steps
        .iter()
        .map(|s| conditions::watched_oracle(deployment, plan, s))
        .collect();
    let mut keys = agents.clone();
    keys.extend(mints.iter().map(|m| owner_account(&plan.owner, m)));
    let oracles_at = keys.len();
    keys.extend(watched.iter().flatten());
    let read = chain.accounts(&keys).await?;
    let agent_of = |key: &Pubkey| -> Option<Agent> {
        let i = agents.iter().position(|a| a == key)?;
        decode(key, &read[i].as_ref()?.data).ok()
    };
    let held = |mint: &Pubkey| -> Option<u64> {
        let i = mints.iter().position(|m| m == mint)?;
        crate::accounts::token_amount(&read[agents.len() + i].as_ref()?.data)
    };
    let symbol = |mint: &Pubkey| {
        deployment
            .token_by_mint(mint)
            .map(|t| (t.symbol.clone(), t.decimals))
            .unwrap_or_else(|_| (mint.to_string(), 0))
    };
    let fee = deployment.token(&deployment.fee_token)?;
    let mut oracle_reads = read[oracles_at..].iter();
    let judged: Vec<Judged> = plan
        .steps
        .iter()
        .zip(&watched)
        .map(|(step, oracle)| {
            let account = oracle.and_then(|_| oracle_reads.next()?.as_ref());
            conditions::judge(deployment, plan, step, account, &view.clock, |m| {
                symbol(m).0
            })
        })
        .collect();
    let mut states = Vec::new();
    for (s, step) in view.steps.iter().zip(&plan.steps) {
        let i = s.index;
        let done = format!("{}/{} executions", step.executions, step.repeat);
        let st = match (step.status, plan.status) {
            (StepStatus::Done, _) => state(i, "Done", done),
            (StepStatus::Failed, _) => state(i, "Failed", format!("the awarded vendor let the execution deadline pass ({done})")),
            (StepStatus::Unfunded, _) => state(i, "Unfunded", format!("the vendor reported the owner's input gone ({done})")),
            (_, PlanStatus::Cancelled { .. }) => state(i, "Cancelled", format!("the owner cancelled the plan ({done}); `settle` closes it")),
            (StepStatus::Pending, PlanStatus::Active) => match s.rfp.as_ref().map(|r| (r, r.status)) {
                None => state(i, "Planning", "its RFP is not open yet: the planner opens it"),
                Some((_, RfpStatus::Cancelled { .. })) => state(i, "Cancelled", "its RFP was cancelled"),
                Some((rfp, RfpStatus::Open)) if now < rfp.bid_deadline => state(
                    i,
                    "Bidding",
                    format!("bidding closes in {} s; {} offer(s) so far", rfp.bid_deadline - now, s.offers.len()),
                ),
                Some((rfp, RfpStatus::Open)) if s.offers.is_empty() => state(
                    i,
                    "Bidding",
                    format!(
                        "no offers: the most this RFP pays is {} {} per execution (the step's {} bps fee cap of its notional); vendors asking more do not bid",
                        amount(rfp.max_price, fee.decimals), fee.symbol, step.guards.fee_cap_bps
                    ),
                ),
                Some((_, RfpStatus::Open)) => state(
                    i,
                    "Hiring",
                    format!("bidding closed with {} offer(s); `offers <plan> --award` awards it", s.offers.len()),
                ),
                Some((_, RfpStatus::Awarded(award))) => {
                    let vendor = agent_of(&award.agent);
                    let name = vendor.as_ref().map_or_else(|| award.agent.to_string(), |a| a.name.clone());
                    if !matches!(plan.custody, Custody::Approved { .. }) {
                        state(i, "Approving", format!(
                            "awarded to {name} at {} {}; waiting for the owner's approval (`approve <plan>`)",
                            amount(award.price, fee.decimals), fee.symbol
                        ))
                    } else if vendor.as_ref().is_some_and(|a| a.status != AgentStatus::Active) {
                        state(i, "Executing", format!("the awarded vendor {name} is {:?}: it cannot execute", vendor.map(|a| a.status)))
                    } else {
                        let reason = pending_reason(view, step, i as u8, now, &held, &symbol)
                            .or_else(|| condition_reason(&judged[usize::from(i)]))
                            .unwrap_or_else(|| format!(
                                "due now: waiting for {name} to execute ({}/{} executions)",
                                step.executions, step.repeat
                            ));
                        state(i, "Executing", reason)
                    }
                }
            },
        };
        states.push(st);
    }
    Ok(states)
}

/// What an approved, awarded, pending, ready step's trigger makes it wait for, if anything.
fn condition_reason(judged: &Judged) -> Option<String> {
    match judged {
        Judged::Holds => None,
        Judged::Waits(why) => Some(format!("waits for its condition: {why}")),
        Judged::Unjudgeable(why) => Some(format!(
            "its condition cannot be judged, so the runner would refuse an execution: {why}"
        )),
    }
}

/// Why an approved, awarded, pending step cannot run yet by its schedule, dependencies or
/// the owner's accounts (`None`: nothing of these holds it back).
fn pending_reason(
    view: &PlanView,
    step: &runner::state::PlanStep,
    index: u8,
    now: i64,
    held: &dyn Fn(&Pubkey) -> Option<u64>,
    symbol: &dyn Fn(&Pubkey) -> (String, u8),
) -> Option<String> {
    let done = format!("{}/{} executions", step.executions, step.repeat);
    if let Err(e) = view.plan.require_ready(index, now) {
        let code = match &e {
            anchor_lang::error::Error::AnchorError(e) => e.error_code_number,
            anchor_lang::error::Error::ProgramError(_) => 0,
        };
        if code == u32::from(RunnerError::TooEarly) {
            let next = step.last_executed_at + i64::from(step.interval_secs);
            return Some(format!(
                "waiting for the interval: next execution in {} s (every {} s; {done})",
                next - now,
                step.interval_secs
            ));
        }
        if code == u32::from(RunnerError::DependencyNotDone) {
            let waits: Vec<String> = (0..view.plan.steps.len())
                .filter(|d| {
                    step.depends_on & (1 << d) != 0
                        && view.plan.steps[*d].status != StepStatus::Done
                })
                .map(|d| format!("step {d}"))
                .collect();
            return Some(format!("waits for {} to finish", waits.join(" and ")));
        }
        return Some(format!("not ready: {e}"));
    }
    if step.kind != StepKind::Service {
        let (sell, decimals) = symbol(&step.mint_in);
        match held(&step.mint_in) {
            None => return Some(format!("the owner's {sell} account is missing")),
            Some(balance) if balance < step.amount_in => {
                return Some(format!(
                    "the owner holds {} {sell}; an execution sells {}",
                    amount(balance, decimals),
                    amount(step.amount_in, decimals)
                ))
            }
            Some(_) => {}
        }
        if held(&step.mint_out).is_none() {
            return Some(format!(
                "the owner's {} account (the output) is missing",
                symbol(&step.mint_out).0
            ));
        }
    }
    None
}
