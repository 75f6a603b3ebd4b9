use anchor_lang::prelude::*;
use anchor_spl::token::Token;

use crate::{
    constants::DELEGATE_SEED,
    custody::Release,
    error::RunnerError,
    events::PlanCancelled,
    state::{Custody, Plan, PlanStatus},
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
    /// CHECK: the owner's delegate PDA (seeds checked); its allowance shrinks.
    #[account(seeds = [DELEGATE_SEED, owner.key().as_ref()], bump = plan.owner_delegate_bump)]
    pub owner_delegate: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
    // remaining_accounts: when the plan is approved, the owner's associated token account of
    // each input mint, in policy order (mut).
}

/// Stops every further execution at once and takes the plan's remaining inputs out of the
/// owner's allowance (other plans' shares stay). The escrow grants stop paying with the plan;
/// `settle` revokes them and refunds the budget.
pub fn handler<'info>(ctx: Context<'info, CancelPlan<'info>>) -> Result<()> {
    let clock = Clock::get()?;
    require!(
        ctx.accounts.plan.status == PlanStatus::Active,
        RunnerError::PlanNotActive
    );
    let released = Release {
        owner: &ctx.accounts.owner.to_account_info(),
        delegate: &ctx.accounts.owner_delegate.to_account_info(),
        token_program: &ctx.accounts.token_program.to_account_info(),
    }
    .release(&ctx.accounts.plan, ctx.remaining_accounts)?;
    let plan = &mut ctx.accounts.plan;
    if matches!(plan.custody, Custody::Approved { .. }) {
        plan.custody = Custody::Released {
            at: clock.unix_timestamp,
        };
    }
    plan.status = PlanStatus::Cancelled {
        at: clock.unix_timestamp,
    };
    let seq = plan.next_seq()?;
    plan.invariant()?;
    emit_cpi!(PlanCancelled {
        plan: plan.key(),
        mints: released.iter().map(|c| c.0).collect(),
        allowances_before: released.iter().map(|c| c.1).collect(),
        allowances_after: released.iter().map(|c| c.2).collect(),
        seq,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp
    });
    Ok(())
}
