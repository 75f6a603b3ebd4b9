use anchor_lang::prelude::*;

use crate::{
    error::MarketError,
    instructions::withdraw_offer::retire_offer,
    state::{Offer, Rfp},
};

#[event_cpi]
#[derive(Accounts)]
pub struct CloseOffer<'info> {
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
        has_one = vendor @ MarketError::RentReceiverMismatch
    )]
    pub offer: Box<Account<'info, Offer>>,
    /// CHECK: the offer's vendor (checked by `has_one`), who paid its rent.
    #[account(mut)]
    pub vendor: UncheckedAccount<'info>,
}

/// Anyone closes an offer that can no longer matter: its RFP is awarded, cancelled or past its
/// execution deadline, or the offer expired. Rent returns to the vendor.
pub fn handler(ctx: Context<CloseOffer>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let rfp = &ctx.accounts.rfp;
    require!(
        !rfp.is_open() || rfp.is_finished(now) || ctx.accounts.offer.is_expired(now),
        MarketError::OfferStillLive
    );
    let rfp_key = rfp.key();
    let event = retire_offer(&mut ctx.accounts.rfp, rfp_key, &ctx.accounts.offer, false)?;
    emit_cpi!(event);
    Ok(())
}
