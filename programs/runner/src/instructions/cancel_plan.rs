use anchor_lang::prelude::*;

use crate::{
    error::RunnerError,
    events::PlanCancelled,
    state::{Plan, PlanStatus},
};

#[event_cpi]
#[derive(Accounts)]
pub struct CancelPlan<'info> {
    #[account(
        mut,
        seeds = [Plan::SEED, plan.owner.as_ref(), plan.plan_id.to_le_bytes().as_ref()],
        bump = plan.bump,
        has_one = owner @ RunnerError::Unauthorized
    )]
    pub plan: Box<Account<'info, Plan>>,
    pub owner: Signer<'info>,
}

/// Stops every further execution at once. (The owner should also revoke the SPL approval and
/// the escrow grants; the plan alone already blocks every step.)
pub fn handler(ctx: Context<CancelPlan>) -> Result<()> {
    let clock = Clock::get()?;
    let plan = &mut ctx.accounts.plan;
    require!(
        plan.status == PlanStatus::Active,
        RunnerError::PlanNotActive
    );
    plan.status = PlanStatus::Cancelled {
        at: clock.unix_timestamp,
    };
    let seq = plan.next_seq()?;
    plan.invariant()?;
    emit_cpi!(PlanCancelled {
        plan: plan.key(),
        seq,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp
    });
    Ok(())
}
