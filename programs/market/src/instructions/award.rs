use agent_registry::state::Agent;
use anchor_lang::prelude::*;

use crate::{
    error::MarketError,
    events::RfpAwarded,
    state::{Award, Offer, Rfp, RfpStatus},
};
// The composite `CertifiedAgent` brings Anchor-generated companions (bumps, client modules).
use crate::instructions::certified_agent::*;

/// Freezes `offer`'s terms into the RFP; returns (old version, new version).
pub(crate) fn apply_award(
    rfp: &mut Rfp,
    offer_key: Pubkey,
    offer: &Offer,
    agent: &Agent,
    now: i64,
) -> Result<(u32, u32)> {
    let old = rfp.version;
    rfp.status = RfpStatus::Awarded(Award {
        offer: offer_key,
        agent: offer.agent,
        vendor: offer.vendor,
        payout: agent.payout,
        price: offer.price,
        offer_version: offer.version,
        at: now,
    });
    rfp.bump_version()?;
    rfp.invariant()?;
    Ok((old, rfp.version))
}

#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct AwardArgs {
    /// The price the requester accepted, atoms.
    pub expected_price: u64,
    /// The offer version the requester looked at.
    pub expected_version: u32,
}

#[event_cpi]
#[derive(Accounts)]
#[instruction(args: AwardArgs)]
pub struct AwardOffer<'info> {
    #[account(
        mut,
        seeds = [Rfp::SEED, rfp.requester.as_ref(), rfp.plan.as_ref(), rfp.step.to_le_bytes().as_ref()],
        bump = rfp.bump,
        has_one = requester @ MarketError::Unauthorized
    )]
    pub rfp: Box<Account<'info, Rfp>>,
    #[account(
        seeds = [Offer::SEED, offer.rfp.as_ref(), offer.agent.as_ref()],
        bump = offer.bump,
        constraint = offer.rfp == rfp.key() @ MarketError::OfferRfpMismatch
    )]
    pub offer: Box<Account<'info, Offer>>,
    /// The offer's agent and its current version, re-checked for certification now.
    #[account(constraint = bidder.agent.key() == offer.agent @ MarketError::AgentMismatch)]
    pub bidder: CertifiedAgent<'info>,
    pub requester: Signer<'info>,
}

impl AwardOffer<'_> {
    fn validate(&self, args: &AwardArgs) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let (rfp, offer) = (&self.rfp, &self.offer);
        rfp.require_awardable(now)?;
        require!(
            offer.price == args.expected_price && offer.version == args.expected_version,
            MarketError::OfferChanged
        );
        require!(!offer.is_expired(now), MarketError::OfferExpired);
        agent_registry::require_certified(
            &self.bidder.agent.key(),
            &self.bidder.agent,
            &self.bidder.version,
            rfp.capability,
            rfp.min_stage,
            now,
        )
    }
}

/// The requester awards a specific offer, naming the price and version it accepted.
#[access_control(ctx.accounts.validate(&args))]
pub fn handler(ctx: Context<AwardOffer>, args: AwardArgs) -> Result<()> {
    let clock = Clock::get()?;
    let offer_key = ctx.accounts.offer.key();
    let rfp = &mut ctx.accounts.rfp;
    let (old_version, new_version) = apply_award(
        rfp,
        offer_key,
        &ctx.accounts.offer,
        &ctx.accounts.bidder.agent,
        clock.unix_timestamp,
    )?;
    let seq = rfp.next_seq()?;
    emit_cpi!(RfpAwarded {
        rfp: rfp.key(),
        offer: offer_key,
        agent: ctx.accounts.offer.agent,
        vendor: ctx.accounts.offer.vendor,
        price: args.expected_price,
        offer_version: args.expected_version,
        by: ctx.accounts.requester.key(),
        best_utility: false,
        eligible: 1,
        reliability_bps: 0,
        compat_bps: 0,
        old_version,
        new_version,
        seq,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
