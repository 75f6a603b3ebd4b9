//! The owner's approval of a plan, drafted from its [`PlanView`]: a budget exactly covering
//! the awarded price of every execution, one grant per awarded step, the missing output
//! accounts and `approve_plan` ([`Approval`] says what each transaction does).
use crate::{
    accounts::next_grant_base,
    chain::Chain,
    deployment::Deployment,
    ix::approval::{Approval, PlanMints, StepGrant},
    pda, ClientError, ClientResult,
};

use super::PlanView;

/// The approval of `view`'s plan, valid for `lifetime_secs` from the view's clock.
///
/// # Errors
/// A step that is not awarded yet (the approval pays each step's award).
pub async fn approval<C: Chain>(
    chain: &C,
    deployment: &Deployment,
    view: &PlanView,
    lifetime_secs: i64,
) -> ClientResult<Approval> {
    let fee = deployment.token(&deployment.fee_token)?;
    let mut grants = Vec::new();
    for (step, state) in view.steps.iter().zip(&view.plan.steps) {
        let award = step
            .award()
            .ok_or_else(|| ClientError::Build(format!("step {} is not awarded yet", step.index)))?;
        grants.push(StepGrant {
            step: step.index as u8,
            award,
            vendor_token: pda::ata(&award.payout, &fee.mint, &anchor_spl::token::ID),
            executions: state.repeat,
        });
    }
    let owner = view.plan.owner;
    Ok(Approval {
        owner,
        plan: view.key,
        fee_mint: fee.mint,
        fee_token_program: anchor_spl::token::ID,
        owner_fee_token: pda::ata(&owner, &fee.mint, &anchor_spl::token::ID),
        deposit: grants.iter().map(StepGrant::max_amount).sum(),
        not_before: view.now(),
        expires_at: view.now() + lifetime_secs,
        grants,
        mints: PlanMints::of(&view.plan),
        first_grant: next_grant_base(chain, &owner).await?,
    })
}

/// The approval `owner` may sign for `view`'s plan now, valid `lifetime_secs`: refused, saying
/// why, when the plan is another's, cancelled, already approved, or a step is not awarded yet
/// — what the CLI, the explorer and its Solana Action all check before building anything.
pub async fn owner_approval<C: Chain>(
    chain: &C,
    deployment: &Deployment,
    view: &PlanView,
    owner: &anchor_lang::prelude::Pubkey,
    lifetime_secs: i64,
) -> ClientResult<Approval> {
    view.require_owner(owner)?;
    let plan = &view.plan;
    if let runner::state::PlanStatus::Cancelled { .. } = plan.status {
        return Err(ClientError::Build(format!(
            "plan {} is cancelled; it can only be settled",
            view.key
        )));
    }
    if !matches!(plan.custody, runner::state::Custody::Pending) {
        return Err(ClientError::Build(format!(
            "plan {} is already approved",
            view.key
        )));
    }
    approval(chain, deployment, view, lifetime_secs).await
}
