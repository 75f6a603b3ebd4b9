use anchor_lang::prelude::*;

use crate::{error::MarketError, events::RfpClosed, state::Rfp};

#[event_cpi]
#[derive(Accounts)]
pub struct CloseRfp<'info> {
    #[account(
        mut,
        close = requester,
        seeds = [Rfp::SEED, rfp.requester.as_ref(), rfp.plan.as_ref(), rfp.step.to_le_bytes().as_ref()],
        bump = rfp.bump,
        has_one = requester @ MarketError::RentReceiverMismatch
    )]
    pub rfp: Box<Account<'info, Rfp>>,
    /// CHECK: the RFP's requester (checked by `has_one`), who paid its rent.
    #[account(mut)]
    pub requester: UncheckedAccount<'info>,
}

/// Anyone closes an RFP that is cancelled or past its execution deadline once all its offers
/// are closed; rent returns to the requester.
pub fn handler(ctx: Context<CloseRfp>) -> Result<()> {
    let clock = Clock::get()?;
    let rfp = &ctx.accounts.rfp;
    require!(
        rfp.is_finished(clock.unix_timestamp) && rfp.offer_count == 0,
        MarketError::RfpStillLive
    );
    emit_cpi!(RfpClosed {
        rfp: rfp.key(),
        requester: rfp.requester,
        rent_returned: rfp.to_account_info().lamports(),
        seq: rfp.seq.saturating_add(1),
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
