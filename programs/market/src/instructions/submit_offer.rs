use anchor_lang::prelude::*;
use onchain_common::{pda::init_pda_account, SafeMath};

use crate::{
    constants::{guard, BPS, MAX_OFFERS_PER_RFP},
    error::MarketError,
    events::OfferSubmitted,
    state::{Offer, Rfp},
};
// The composite `CertifiedAgent` brings Anchor-generated companions (bumps, client modules).
use crate::instructions::certified_agent::*;

/// Terms of an offer (also used by `update_offer`).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug)]
pub struct OfferTerms {
    /// Price, atoms of the RFP's mint; 0 < price <= max_price.
    pub price: u64,
    /// Promised latency, milliseconds.
    pub eta_ms: u32,
    /// Promised success rate, bps (<= 10_000).
    pub success_rate_bps: u16,
    /// Guard families honoured (see `constants::guard`).
    pub guard_compat: u8,
    /// Unix seconds; > now.
    pub expires_at: i64,
}

impl OfferTerms {
    pub fn validate(&self, rfp: &Rfp, now: i64) -> Result<()> {
        require!(
            self.price > 0 && self.price <= rfp.max_price,
            MarketError::InvalidPrice
        );
        require!(
            self.success_rate_bps <= BPS
                && self.guard_compat & !guard::ALL == 0
                && self.expires_at > now,
            MarketError::InvalidOfferTerms
        );
        Ok(())
    }
}

#[event_cpi]
#[derive(Accounts)]
#[instruction(terms: OfferTerms)]
pub struct SubmitOffer<'info> {
    #[account(
        mut,
        seeds = [Rfp::SEED, rfp.requester.as_ref(), rfp.plan.as_ref(), rfp.step.to_le_bytes().as_ref()],
        bump = rfp.bump
    )]
    pub rfp: Box<Account<'info, Rfp>>,
    /// The bidding agent and its version; checked against the RFP's capability and stage.
    pub bidder: CertifiedAgent<'info>,
    /// CHECK: the offer PDA `["offer", rfp, agent]`, created by the handler (prefund-safe); a
    /// second offer by the same agent fails with AccountAlreadyInUse.
    #[account(
        mut,
        seeds = [Offer::SEED, rfp.key().as_ref(), bidder.agent.key().as_ref()],
        bump
    )]
    pub offer: UncheckedAccount<'info>,
    /// The agent's owner; pays the offer's rent.
    #[account(mut, address = bidder.agent.owner @ MarketError::NotVendor)]
    pub vendor: Signer<'info>,
    pub system_program: Program<'info, System>,
}

impl SubmitOffer<'_> {
    fn validate(&self, terms: &OfferTerms) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let rfp = &self.rfp;
        rfp.require_accepting_bids(now)?;
        agent_registry::require_certified(
            &self.bidder.agent.key(),
            &self.bidder.agent,
            &self.bidder.version,
            rfp.capability,
            rfp.min_stage,
            now,
        )?;
        terms.validate(rfp, now)?;
        require!(
            rfp.offer_count < MAX_OFFERS_PER_RFP,
            MarketError::TooManyOffers
        );
        Ok(())
    }
}

#[access_control(ctx.accounts.validate(&terms))]
pub fn handler(ctx: Context<SubmitOffer>, terms: OfferTerms) -> Result<()> {
    let clock = Clock::get()?;
    let rfp_key = ctx.accounts.rfp.key();
    let agent = ctx.accounts.bidder.agent.key();
    let offer = Offer {
        rfp: rfp_key,
        agent,
        vendor: ctx.accounts.vendor.key(),
        price: terms.price,
        eta_ms: terms.eta_ms,
        success_rate_bps: terms.success_rate_bps,
        guard_compat: terms.guard_compat,
        expires_at: terms.expires_at,
        version: 0,
        submitted_at: clock.unix_timestamp,
        bump: ctx.bumps.offer,
        padding: [0; 16],
    };
    init_pda_account(
        &ctx.accounts.vendor,
        &ctx.accounts.offer,
        &ctx.accounts.system_program,
        &[Offer::SEED, rfp_key.as_ref(), agent.as_ref(), &[offer.bump]],
        &offer,
    )?;
    let rfp = &mut ctx.accounts.rfp;
    let before = rfp.offer_count;
    rfp.offer_count = before.safe_add(1)?;
    let seq = rfp.next_seq()?;
    rfp.invariant()?;
    emit_cpi!(OfferSubmitted {
        rfp: rfp_key,
        offer: ctx.accounts.offer.key(),
        agent,
        vendor: offer.vendor,
        price: offer.price,
        offer_count_before: before,
        offer_count_after: rfp.offer_count,
        seq,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
