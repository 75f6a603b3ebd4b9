use anchor_lang::prelude::*;

use crate::{
    error::RunnerError,
    events::PlanClosed,
    state::{Plan, PlanStatus},
};

#[event_cpi]
#[derive(Accounts)]
pub struct ClosePlan<'info> {
    #[account(
        mut,
        close = owner,
        seeds = [Plan::SEED, plan.owner.as_ref(), plan.plan_id.to_le_bytes().as_ref()],
        bump = plan.bump,
        has_one = owner @ RunnerError::Unauthorized
    )]
    pub plan: Box<Account<'info, Plan>>,
    /// The owner; receives the rent.
    #[account(mut)]
    pub owner: Signer<'info>,
}

/// Closes a cancelled or finished plan; rent back to the owner.
pub fn handler(ctx: Context<ClosePlan>) -> Result<()> {
    let clock = Clock::get()?;
    let plan = &ctx.accounts.plan;
    require!(
        matches!(plan.status, PlanStatus::Cancelled { .. }) || plan.is_finished(),
        RunnerError::PlanNotFinished
    );
    emit_cpi!(PlanClosed {
        plan: plan.key(),
        rent_returned: plan.to_account_info().lamports(),
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
