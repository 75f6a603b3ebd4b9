use anchor_lang::prelude::*;
use onchain_common::SafeMath;

use crate::{
    error::EscrowError,
    events::GrantClosed,
    state::{Budget, Grant},
};

/// Closes a grant that can no longer pay (revoked, fully redeemed, expired, or its budget
/// settled) and returns its rent to the payer. Permissionless: the rent can only go to the
/// payer, and a closed grant's index is never issued again.
#[event_cpi]
#[derive(Accounts)]
pub struct CloseGrant<'info> {
    #[account(
        mut,
        seeds = [Budget::SEED, budget.payer.as_ref(), budget.id.as_ref()],
        bump = budget.bump,
        has_one = payer @ EscrowError::PayerMismatch
    )]
    pub budget: Box<Account<'info, Budget>>,
    #[account(
        mut,
        close = payer,
        seeds = [Grant::SEED, budget.key().as_ref(), grant.index.to_le_bytes().as_ref()],
        bump = grant.bump,
        has_one = budget @ EscrowError::GrantBudgetMismatch
    )]
    pub grant: Box<Account<'info, Grant>>,
    /// CHECK: the budget's payer (checked by `has_one`), who paid the grant's rent.
    #[account(mut)]
    pub payer: UncheckedAccount<'info>,
}

pub fn handler(ctx: Context<CloseGrant>) -> Result<()> {
    let clock = Clock::get()?;
    let budget = &mut ctx.accounts.budget;
    let grant = &ctx.accounts.grant;
    let released = grant.release_on_close(clock.unix_timestamp, budget.is_settled())?;
    budget.release(released)?;
    budget.open_grants = budget.open_grants.safe_sub(1)?;
    let seq = budget.next_seq()?;
    budget.invariant()?;
    emit_cpi!(GrantClosed {
        budget: budget.key(),
        grant: grant.key(),
        released,
        rent_returned: grant.to_account_info().lamports(),
        seq,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
