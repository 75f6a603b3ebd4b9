use anchor_lang::prelude::*;

use crate::{
    error::MarketError,
    events::OfferUpdated,
    instructions::OfferTerms,
    state::{Offer, Rfp},
};

#[event_cpi]
#[derive(Accounts)]
#[instruction(terms: OfferTerms)]
pub struct UpdateOffer<'info> {
    #[account(
        mut,
        seeds = [Rfp::SEED, rfp.requester.as_ref(), rfp.plan.as_ref(), rfp.step.to_le_bytes().as_ref()],
        bump = rfp.bump
    )]
    pub rfp: Box<Account<'info, Rfp>>,
    #[account(
        mut,
        seeds = [Offer::SEED, rfp.key().as_ref(), offer.agent.as_ref()],
        bump = offer.bump,
        has_one = rfp @ MarketError::OfferRfpMismatch,
        has_one = vendor @ MarketError::NotVendor
    )]
    pub offer: Box<Account<'info, Offer>>,
    /// The offer's vendor.
    pub vendor: Signer<'info>,
}

impl UpdateOffer<'_> {
    fn validate(&self, terms: &OfferTerms) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        self.rfp.require_accepting_bids(now)?;
        terms.validate(&self.rfp, now)?;
        // Guard claims were checked against the certified version at submission; an update may
        // drop claims, never add them.
        require!(
            terms.guard_compat & !self.offer.guard_compat == 0,
            MarketError::GuardsNotCertified
        );
        Ok(())
    }
}

/// Changes an offer's terms before the bid deadline; bumps its version so an award prepared on
/// the old terms fails (front-running protection).
#[access_control(ctx.accounts.validate(&terms))]
pub fn handler(ctx: Context<UpdateOffer>, terms: OfferTerms) -> Result<()> {
    let clock = Clock::get()?;
    let offer = &mut ctx.accounts.offer;
    let (old_price, old_version) = (offer.price, offer.version);
    offer.price = terms.price;
    offer.eta_ms = terms.eta_ms;
    offer.success_rate_bps = terms.success_rate_bps;
    offer.guard_compat = terms.guard_compat;
    offer.expires_at = terms.expires_at;
    let rfp = &mut ctx.accounts.rfp;
    offer.version = rfp.next_offer_version()?;
    let seq = rfp.next_seq()?;
    emit_cpi!(OfferUpdated {
        rfp: rfp.key(),
        offer: offer.key(),
        old_price,
        new_price: offer.price,
        old_version,
        new_version: offer.version,
        seq,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
