//! An agent and its version, read from agent_registry with owner and PDA checks.
use agent_registry::state::{Agent, AgentVersion};
use anchor_lang::prelude::*;

use crate::{
    error::MarketError,
    selection::{compat_bps, priced_at, Candidate},
    state::{Offer, Rfp},
};

/// A registry agent with one of its versions. `Account<..>` checks both are owned by
/// agent_registry with the right discriminators; the seeds check they sit at their PDAs.
#[derive(Accounts)]
pub struct CertifiedAgent<'info> {
    #[account(
        seeds = [Agent::SEED, agent.owner.as_ref(), agent.name_hash.as_ref()],
        bump = agent.bump,
        seeds::program = agent_registry::ID
    )]
    pub agent: Box<Account<'info, Agent>>,
    #[account(
        seeds = [AgentVersion::SEED, agent.key().as_ref(), version.index.to_le_bytes().as_ref()],
        bump = version.bump,
        seeds::program = agent_registry::ID,
        constraint = version.agent == agent.key() @ MarketError::AgentMismatch
    )]
    pub version: Box<Account<'info, AgentVersion>>,
}

/// A live offer as `award_best` and eviction judge it, from an `[offer, agent, version]` triplet
/// of accounts (owners, types and PDAs checked). `version` must be the agent's current version:
/// a caller naming an older one is refused, never skipped.
pub struct CandidateAccounts<'info> {
    pub key: Pubkey,
    pub offer: Account<'info, Offer>,
    pub agent: Account<'info, Agent>,
    pub version: Account<'info, AgentVersion>,
}

fn pda_matches(key: &Pubkey, seeds: &[&[u8]], program: &Pubkey) -> bool {
    Pubkey::create_program_address(seeds, program).is_ok_and(|address| address == *key)
}

impl<'info> CandidateAccounts<'info> {
    /// Loads and checks the triplet for `rfp`.
    pub fn load(rfp: &Pubkey, accounts: &'info [AccountInfo<'info>]) -> Result<Self> {
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
        require!(
            version.index.checked_add(1) == Some(agent.version_count),
            MarketError::StaleCandidateVersion
        );
        Ok(Self {
            key: offer_info.key(),
            offer,
            agent,
            version,
        })
    }

    /// The offer as the award rule sees it, or `None` when it cannot win: expired, or its agent
    /// is no longer Active and certified for the RFP (state the caller cannot choose).
    pub fn candidate(&self, rfp: &Rfp, now: i64) -> Option<Candidate> {
        let certified = agent_registry::require_certified(
            &self.offer.agent,
            &self.agent,
            &self.version,
            rfp.capability,
            rfp.min_stage,
            now,
        );
        if self.offer.is_expired(now) || certified.is_err() {
            return None;
        }
        Some(rfp_candidate(rfp, &self.offer, &self.agent, &self.version))
    }
}

/// An eligible offer's figures for the award rule: its agent's reliability for the RFP's
/// capability, the guard compatibility its certified guards give, and its bounded price.
pub fn rfp_candidate(rfp: &Rfp, offer: &Offer, agent: &Agent, version: &AgentVersion) -> Candidate {
    Candidate {
        agent: offer.agent,
        price: offer.price,
        priced_at: priced_at(offer.price, rfp.max_price),
        reliability_bps: agent.reliability_bps(rfp.capability),
        compat_bps: compat_bps(version.certified_guards, rfp.guards.required),
        submitted_at: offer.submitted_at,
    }
}
