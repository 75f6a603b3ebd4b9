use anchor_lang::prelude::*;
use onchain_common::SafeMath;

use crate::{
    error::MarketError,
    events::OfferClosed,
    state::{Offer, Rfp},
};

/// Removes an offer from its RFP's live count and reports it; the account itself is closed to
/// its vendor by the instruction's `close` constraint.
pub(crate) fn retire_offer(
    rfp: &mut Rfp,
    rfp_key: Pubkey,
    offer: &Account<Offer>,
    withdrawn: bool,
) -> Result<OfferClosed> {
    let clock = Clock::get()?;
    let before = rfp.offer_count;
    rfp.offer_count = before.safe_sub(1)?;
    let seq = rfp.next_seq()?;
    rfp.invariant()?;
    Ok(OfferClosed {
        rfp: rfp_key,
        offer: offer.key(),
        vendor: offer.vendor,
        withdrawn,
        rent_returned: offer.to_account_info().lamports(),
        offer_count_before: before,
        offer_count_after: rfp.offer_count,
        seq,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    })
}

#[event_cpi]
#[derive(Accounts)]
pub struct WithdrawOffer<'info> {
    #[account(
        mut,
        seeds = [Rfp::SEED, rfp.requester.as_ref(), rfp.plan.as_ref(), rfp.step.to_le_bytes().as_ref()],
        bump = rfp.bump
    )]
    pub rfp: Box<Account<'info, Rfp>>,
    #[account(
        mut,
        close = vendor,
        seeds = [Offer::SEED, rfp.key().as_ref(), offer.agent.as_ref()],
        bump = offer.bump,
        has_one = rfp @ MarketError::OfferRfpMismatch,
        has_one = vendor @ MarketError::NotVendor
    )]
    pub offer: Box<Account<'info, Offer>>,
    /// The offer's vendor; receives the rent.
    #[account(mut)]
    pub vendor: Signer<'info>,
}

/// The vendor takes its offer back at any time (an award already made keeps its frozen terms).
pub fn handler(ctx: Context<WithdrawOffer>) -> Result<()> {
    let rfp_key = ctx.accounts.rfp.key();
    let event = retire_offer(&mut ctx.accounts.rfp, rfp_key, &ctx.accounts.offer, true)?;
    emit_cpi!(event);
    Ok(())
}
