use anchor_lang::prelude::*;

use crate::{
    error::MarketError,
    events::RfpAwarded,
    instructions::{award::apply_award, certified_agent::CandidateAccounts},
    selection::{best, Candidate},
    state::Rfp,
};

/// Accounts per live offer in `remaining_accounts`: the offer, its agent, the agent's version.
pub const ACCOUNTS_PER_CANDIDATE: usize = 3;

#[event_cpi]
#[derive(Accounts)]
pub struct AwardBest<'info> {
    #[account(
        mut,
        seeds = [Rfp::SEED, rfp.requester.as_ref(), rfp.plan.as_ref(), rfp.step.to_le_bytes().as_ref()],
        bump = rfp.bump
    )]
    pub rfp: Box<Account<'info, Rfp>>,
    /// Anyone; pays the fee.
    pub caller: Signer<'info>,
    // remaining_accounts: for each live offer, [offer, agent, version] (see module docs).
}

/// After the bid deadline anyone awards the RFP to the offer of highest utility among ALL live
/// offers (see [`crate::selection`] for the formula). Every live offer must be passed exactly
/// once with its agent's current version (an older version is an error, not a skip); offers that
/// expired or whose agent is no longer Active and certified are skipped.
pub fn handler<'info>(ctx: Context<'info, AwardBest<'info>>) -> Result<()> {
    let clock = Clock::get()?;
    let now = clock.unix_timestamp;
    let rfp_key = ctx.accounts.rfp.key();
    let rfp = &ctx.accounts.rfp;
    rfp.require_awardable(now)?;
    require!(now >= rfp.bid_deadline, MarketError::BiddingStillOpen);
    let remaining = ctx.remaining_accounts;
    require!(
        remaining.len().is_multiple_of(ACCOUNTS_PER_CANDIDATE)
            && remaining.len() / ACCOUNTS_PER_CANDIDATE == usize::from(rfp.offer_count),
        MarketError::OfferCountMismatch
    );

    let mut seen: Vec<Pubkey> = Vec::with_capacity(usize::from(rfp.offer_count));
    let mut eligible: Vec<(CandidateAccounts, Candidate)> = Vec::new();
    for triplet in remaining.chunks(ACCOUNTS_PER_CANDIDATE) {
        let entry = CandidateAccounts::load(&rfp_key, triplet)?;
        require!(!seen.contains(&entry.key), MarketError::DuplicateOffer);
        seen.push(entry.key);
        if let Some(candidate) = entry.candidate(rfp, now) {
            eligible.push((entry, candidate));
        }
    }
    let candidates: Vec<Candidate> = eligible.iter().map(|(_, c)| *c).collect();
    let winner = best(&candidates).ok_or(MarketError::NoEligibleOffer)?;
    let (entry, candidate) = &eligible[winner];

    let rfp = &mut ctx.accounts.rfp;
    let (old_version, new_version) = apply_award(rfp, entry.key, &entry.offer, &entry.agent, now)?;
    let seq = rfp.next_seq()?;
    emit_cpi!(RfpAwarded {
        rfp: rfp_key,
        offer: entry.key,
        agent: entry.offer.agent,
        vendor: entry.offer.vendor,
        price: entry.offer.price,
        offer_version: entry.offer.version,
        by: ctx.accounts.caller.key(),
        best_utility: true,
        eligible: u8::try_from(eligible.len()).unwrap_or(u8::MAX),
        reliability_bps: candidate.reliability_bps,
        compat_bps: candidate.compat_bps,
        old_version,
        new_version,
        seq,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
