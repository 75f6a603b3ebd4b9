use anchor_lang::prelude::*;

use crate::{
    error::MarketError,
    events::RfpCancelled,
    state::{Rfp, RfpStatus},
};

#[event_cpi]
#[derive(Accounts)]
pub struct CancelRfp<'info> {
    #[account(
        mut,
        seeds = [Rfp::SEED, rfp.requester.as_ref(), rfp.plan.as_ref(), rfp.step.to_le_bytes().as_ref()],
        bump = rfp.bump,
        has_one = requester @ MarketError::Unauthorized
    )]
    pub rfp: Box<Account<'info, Rfp>>,
    pub requester: Signer<'info>,
}

/// Cancels an open RFP (never after award).
pub fn handler(ctx: Context<CancelRfp>) -> Result<()> {
    let clock = Clock::get()?;
    let rfp = &mut ctx.accounts.rfp;
    require!(rfp.is_open(), MarketError::RfpNotOpen);
    let old_version = rfp.version;
    rfp.status = RfpStatus::Cancelled {
        at: clock.unix_timestamp,
    };
    rfp.bump_version()?;
    let seq = rfp.next_seq()?;
    rfp.invariant()?;
    emit_cpi!(RfpCancelled {
        rfp: rfp.key(),
        old_version,
        new_version: rfp.version,
        seq,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
