//! A goal's preview: the PlanGraph the runner would store (steps, dependencies, guards), each
//! step's RFP ceiling and the plan's caps — or, for a goal that cannot become a plan, the
//! clause and the word that were not understood and what to write instead. Drafted and checked
//! exactly as `agentrunner goal` does (`flows::draft`, `flows::checked_rfps`).
use agentrunner_client::{
    chain::Chain,
    flows::{self, Draft, DraftError},
    plan::{goal::GoalError, PlanError},
};
use anchor_lang::prelude::Pubkey;
use market::instructions::OpenRfpArgs;
use serde::Serialize;

use super::{
    steps::StepTerms,
    tokens::{span, usd, Tokens},
};
use crate::state::Explorer;

/// One step of the preview and the most its RFP pays per execution.
#[derive(Clone, Debug, Serialize)]
pub struct PreviewStep {
    pub terms: StepTerms,
    pub max_fee: String,
}

/// A plan ready to sign.
#[derive(Clone, Debug, Serialize)]
pub struct Preview {
    pub plan: String,
    pub hash: String,
    pub steps: Vec<PreviewStep>,
    pub notional_cap: String,
    pub daily_cap: String,
    /// Per input token, the most the plan may ever sell.
    pub inputs: Vec<String>,
    pub bidding: String,
}

/// Why a goal is not a plan.
#[derive(Clone, Debug, Serialize)]
pub struct Refusal {
    /// The clause not understood or refused, if the parser named one.
    pub clause: Option<String>,
    /// The word it stopped at.
    pub word: Option<String>,
    /// What to write instead, or why it cannot be.
    pub hint: String,
}

impl Refusal {
    fn of(error: &DraftError) -> Self {
        let plain = |hint: String| Self {
            clause: None,
            word: None,
            hint,
        };
        match error {
            DraftError::Plan(PlanError::Goal(GoalError::NotUnderstood { clause, word, hint })) => {
                Self {
                    clause: Some(clause.clone()),
                    word: Some(word.clone()),
                    hint: hint.clone(),
                }
            }
            DraftError::Plan(PlanError::Goal(
                GoalError::Unsupported { clause, reason } | GoalError::Invalid { clause, reason },
            )) => Self {
                clause: Some(clause.clone()),
                word: None,
                hint: reason.clone(),
            },
            other => plain(other.to_string()),
        }
    }
}

/// A goal's outcome.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "outcome", rename_all = "lowercase")]
pub enum DraftView {
    Planned(Preview),
    Refused(Refusal),
}

/// The draft of `goal` for `owner` (the planner too) with the RFPs it would open, each checked
/// by the programs' own rules at the chain's clock.
pub async fn draft(
    explorer: &Explorer,
    goal: &str,
    owner: &Pubkey,
) -> Result<(Draft, Vec<OpenRfpArgs>), DraftError> {
    let chain = &explorer.chain;
    let deployment = &explorer.config.deployment;
    let draft = flows::draft(chain, deployment, goal, owner, owner).await?;
    let now = chain.clock().await?.unix_timestamp;
    let rfps = flows::checked_rfps(
        chain,
        deployment,
        &draft,
        owner,
        &explorer.config.rfp_policy,
        now,
    )
    .await?;
    Ok((draft, rfps))
}

impl DraftView {
    /// The preview of `goal` for `owner`.
    pub async fn of(explorer: &Explorer, goal: &str, owner: &Pubkey) -> Self {
        let (draft, rfps) = match draft(explorer, goal, owner).await {
            Ok(found) => found,
            Err(e) => return Self::Refused(Refusal::of(&e)),
        };
        let now = explorer.chain.clock().await.map_or(0, |c| c.unix_timestamp);
        let plan = match draft.plan(owner, now) {
            Ok(plan) => plan,
            Err(e) => return Self::Refused(Refusal::of(&e)),
        };
        let tokens = Tokens(&explorer.config.deployment);
        let steps = plan
            .steps
            .iter()
            .enumerate()
            .map(|(i, step)| PreviewStep {
                terms: StepTerms::of(&plan, i as u16, step, tokens),
                max_fee: rfps
                    .get(i)
                    .map_or_else(String::new, |r| tokens.fee(r.max_price)),
            })
            .collect();
        Self::Planned(Preview {
            plan: draft.plan.to_string(),
            hash: hex::encode(draft.graph.hash()),
            steps,
            notional_cap: usd(plan.notional_cap_usd),
            daily_cap: usd(plan.daily_cap_usd),
            inputs: plan
                .input_mints()
                .map(|m| tokens.amount(&m.mint, plan.reserved_input(&m.mint).unwrap_or(0)))
                .collect(),
            bidding: span(explorer.config.rfp_policy.bid_secs),
        })
    }
}
