use agent_registry::state::{Agent, AgentVersion};
use anchor_lang::prelude::*;

use crate::{
    error::MarketError,
    events::RfpAwarded,
    instructions::award::apply_award,
    selection::{best, compat_bps, Candidate},
    state::{Offer, Rfp},
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

fn pda_matches(key: &Pubkey, seeds: &[&[u8]], program: &Pubkey) -> bool {
    Pubkey::create_program_address(seeds, program).is_ok_and(|address| address == *key)
}

/// One validated `[offer, agent, version]` triplet.
struct Entry<'info> {
    key: Pubkey,
    offer: Account<'info, Offer>,
    agent: Account<'info, Agent>,
    version: Account<'info, AgentVersion>,
}

fn load<'info>(rfp: &Pubkey, accounts: &'info [AccountInfo<'info>]) -> Result<Entry<'info>> {
    let [offer_info, agent_info, version_info] = accounts else {
        return err!(MarketError::OfferCountMismatch);
    };
    let offer =
        Account::<Offer>::try_from(offer_info).map_err(|_| MarketError::InvalidCandidate)?;
    require_keys_eq!(offer.rfp, *rfp, MarketError::OfferRfpMismatch);
    require!(
        pda_matches(
            &offer_info.key(),
            &[
                Offer::SEED,
                rfp.as_ref(),
                offer.agent.as_ref(),
                &[offer.bump]
            ],
            &crate::ID
        ),
        MarketError::InvalidCandidate
    );
    require_keys_eq!(agent_info.key(), offer.agent, MarketError::AgentMismatch);
    let agent =
        Account::<Agent>::try_from(agent_info).map_err(|_| MarketError::InvalidCandidate)?;
    require!(
        pda_matches(
            &agent_info.key(),
            &[
                Agent::SEED,
                agent.owner.as_ref(),
                &agent.name_hash,
                &[agent.bump]
            ],
            &agent_registry::ID
        ),
        MarketError::InvalidCandidate
    );
    let version = Account::<AgentVersion>::try_from(version_info)
        .map_err(|_| MarketError::InvalidCandidate)?;
    require_keys_eq!(version.agent, agent_info.key(), MarketError::AgentMismatch);
    require!(
        pda_matches(
            &version_info.key(),
            &[
                AgentVersion::SEED,
                agent_info.key.as_ref(),
                &version.index.to_le_bytes(),
                &[version.bump]
            ],
            &agent_registry::ID
        ),
        MarketError::InvalidCandidate
    );
    Ok(Entry {
        key: offer_info.key(),
        offer,
        agent,
        version,
    })
}

/// After the bid deadline anyone awards the RFP to the offer of highest utility among ALL live
/// offers (see [`crate::selection`] for the formula). Every live offer must be passed exactly
/// once; offers that expired or whose agent is no longer Active and certified are skipped.
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
    let mut eligible: Vec<(Entry, Candidate)> = Vec::new();
    for triplet in remaining.chunks(ACCOUNTS_PER_CANDIDATE) {
        let entry = load(&rfp_key, triplet)?;
        require!(!seen.contains(&entry.key), MarketError::DuplicateOffer);
        seen.push(entry.key);
        let certified = agent_registry::require_certified(
            &entry.offer.agent,
            &entry.agent,
            &entry.version,
            rfp.capability,
            rfp.min_stage,
            now,
        );
        if entry.offer.is_expired(now) || certified.is_err() {
            continue;
        }
        let candidate = Candidate {
            agent: entry.offer.agent,
            price: entry.offer.price,
            reliability_bps: entry.agent.reputation.reliability_bps(),
            compat_bps: compat_bps(entry.offer.guard_compat, rfp.guards.required),
            submitted_at: entry.offer.submitted_at,
        };
        eligible.push((entry, candidate));
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
