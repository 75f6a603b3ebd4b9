use anchor_lang::prelude::*;
use anchor_spl::token::Token;

use crate::{
    constants::DELEGATE_SEED,
    custody::Release,
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
    /// CHECK: the owner's delegate PDA (seeds checked); its allowance shrinks.
    #[account(seeds = [DELEGATE_SEED, owner.key().as_ref()], bump = plan.owner_delegate_bump)]
    pub owner_delegate: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
    // remaining_accounts: when the plan is still approved (finished, not cancelled), the owner's
    // associated token account of each input mint, in policy order (mut).
}

/// Closes a cancelled or finished plan: what a failed step left is taken out of the owner's
/// allowance, and the rent goes back to the owner.
pub fn handler<'info>(ctx: Context<'info, ClosePlan<'info>>) -> Result<()> {
    let clock = Clock::get()?;
    let plan = &ctx.accounts.plan;
    require!(
        matches!(plan.status, PlanStatus::Cancelled { .. }) || plan.is_finished(),
        RunnerError::PlanNotFinished
    );
    let released = Release {
        owner: &ctx.accounts.owner.to_account_info(),
        delegate: &ctx.accounts.owner_delegate.to_account_info(),
        token_program: &ctx.accounts.token_program.to_account_info(),
    }
    .release(plan, ctx.remaining_accounts)?;
    emit_cpi!(PlanClosed {
        plan: plan.key(),
        rent_returned: plan.to_account_info().lamports(),
        mints: released.iter().map(|c| c.0).collect(),
        allowances_before: released.iter().map(|c| c.1).collect(),
        allowances_after: released.iter().map(|c| c.2).collect(),
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
