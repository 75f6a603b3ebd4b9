//! An agent and its version, read from agent_registry with owner and PDA checks.
use agent_registry::state::{Agent, AgentVersion};
use anchor_lang::prelude::*;

use crate::error::MarketError;

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
