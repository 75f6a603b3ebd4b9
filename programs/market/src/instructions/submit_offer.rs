use anchor_lang::prelude::*;
use onchain_common::{pda::init_pda_account, SafeMath};

use std::cmp::Ordering;

use crate::{
    constants::{guard, BPS, MAX_OFFERS_PER_RFP},
    error::MarketError,
    events::{OfferEvicted, OfferSubmitted},
    instructions::certified_agent::{rfp_candidate, CandidateAccounts},
    selection::{compare, Candidate},
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
    // remaining_accounts: only when the RFP is full, the live offer to evict:
    // [offer (mut), its agent, its agent's current version, its vendor (mut, receives the rent)].
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
            terms.guard_compat & !self.bidder.version.certified_guards == 0,
            MarketError::GuardsNotCertified
        );
        Ok(())
    }
}

/// Makes room on a full RFP: the named live offer leaves (rent to its vendor) when it is
/// expired, no longer eligible, or of lower utility than `newcomer`. Returns its event.
fn evict<'info>(
    rfp: &mut Rfp,
    rfp_key: Pubkey,
    newcomer: &Candidate,
    remaining: &'info [AccountInfo<'info>],
    now: i64,
) -> Result<OfferEvicted> {
    require!(remaining.len() == 4, MarketError::RfpFull);
    let victim = CandidateAccounts::load(&rfp_key, &remaining[..3])?;
    let vendor = &remaining[3];
    require_keys_eq!(
        vendor.key(),
        victim.offer.vendor,
        MarketError::RentReceiverMismatch
    );
    let beaten = match victim.candidate(rfp, now) {
        None => true,
        Some(incumbent) => compare(newcomer, &incumbent) == Ordering::Greater,
    };
    require!(beaten, MarketError::NotEvictable);
    let rent_returned = remaining[0].lamports();
    victim.offer.close(vendor.clone())?;
    let before = rfp.offer_count;
    rfp.offer_count = before.safe_sub(1)?;
    Ok(OfferEvicted {
        rfp: rfp_key,
        offer: victim.key,
        agent: victim.offer.agent,
        vendor: victim.offer.vendor,
        by_agent: newcomer.agent,
        rent_returned,
        slot: Clock::get()?.slot,
        unix_ts: now,
    })
}

#[access_control(ctx.accounts.validate(&terms))]
pub fn handler<'info>(ctx: Context<'info, SubmitOffer<'info>>, terms: OfferTerms) -> Result<()> {
    let clock = Clock::get()?;
    let now = clock.unix_timestamp;
    let rfp_key = ctx.accounts.rfp.key();
    let agent = ctx.accounts.bidder.agent.key();
    let mut offer = Offer {
        rfp: rfp_key,
        agent,
        vendor: ctx.accounts.vendor.key(),
        price: terms.price,
        eta_ms: terms.eta_ms,
        success_rate_bps: terms.success_rate_bps,
        guard_compat: terms.guard_compat,
        expires_at: terms.expires_at,
        version: 0,
        submitted_at: now,
        bump: ctx.bumps.offer,
        padding: [0; 16],
    };
    let evicted = if ctx.accounts.rfp.offer_count >= MAX_OFFERS_PER_RFP {
        let newcomer = rfp_candidate(
            &ctx.accounts.rfp,
            &offer,
            &ctx.accounts.bidder.agent,
            &ctx.accounts.bidder.version,
        );
        Some(evict(
            &mut ctx.accounts.rfp,
            rfp_key,
            &newcomer,
            ctx.remaining_accounts,
            now,
        )?)
    } else {
        require!(
            ctx.remaining_accounts.is_empty(),
            MarketError::UnexpectedAccounts
        );
        None
    };
    offer.version = ctx.accounts.rfp.next_offer_version()?;
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
    if let Some(event) = evicted {
        emit_cpi!(event);
    }
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
