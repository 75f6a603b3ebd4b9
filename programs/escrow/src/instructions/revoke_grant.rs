use anchor_lang::prelude::*;

use crate::{
    error::EscrowError,
    events::GrantRevoked,
    state::{Budget, Grant, GrantStatus},
};

#[event_cpi]
#[derive(Accounts)]
pub struct RevokeGrant<'info> {
    #[account(
        mut,
        seeds = [Budget::SEED, budget.payer.as_ref(), budget.id.as_ref()],
        bump = budget.bump,
        has_one = payer @ EscrowError::Unauthorized
    )]
    pub budget: Box<Account<'info, Budget>>,
    #[account(
        mut,
        seeds = [Grant::SEED, budget.key().as_ref(), grant.index.to_le_bytes().as_ref()],
        bump = grant.bump,
        has_one = budget @ EscrowError::GrantBudgetMismatch
    )]
    pub grant: Box<Account<'info, Grant>>,
    /// The budget's payer.
    pub payer: Signer<'info>,
}

impl RevokeGrant<'_> {
    fn validate(&self) -> Result<()> {
        require!(
            self.grant.status == GrantStatus::Active,
            EscrowError::GrantRevoked
        );
        Ok(())
    }
}

/// Revokes a grant at once; its unredeemed amount becomes available (or refundable) again.
#[access_control(ctx.accounts.validate())]
pub fn handler(ctx: Context<RevokeGrant>) -> Result<()> {
    let clock = Clock::get()?;
    let budget = &mut ctx.accounts.budget;
    let grant = &mut ctx.accounts.grant;
    let reserved_before = budget.reserved;
    let released = grant.reservation(budget.is_settled())?;
    budget.release(released)?;
    grant.status = GrantStatus::Revoked {
        at: clock.unix_timestamp,
    };
    let seq = budget.next_seq()?;
    grant.invariant()?;
    budget.invariant()?;
    emit_cpi!(GrantRevoked {
        budget: budget.key(),
        grant: grant.key(),
        released,
        reserved_before,
        reserved_after: budget.reserved,
        seq,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
