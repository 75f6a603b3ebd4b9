//! The trust check other programs run against registry accounts before they accept an agent.
use anchor_lang::prelude::*;

use crate::{
    error::RegistryError,
    state::{Agent, AgentStatus, AgentVersion, Stage},
};

/// Requires that the agent is Active, that `version` is the agent's latest published version and
/// was published with every bit of `capability`, and that every stage from A up to `min_stage`
/// holds an unexpired, unrevoked pass at `now`.
///
/// The caller must already have checked that both accounts are owned by this program and sit
/// at their PDAs (Anchor `Account<..>` plus `seeds::program = agent_registry::ID`).
pub fn require_certified(
    agent_key: &Pubkey,
    agent: &Agent,
    version: &AgentVersion,
    capability: u64,
    min_stage: Stage,
    now: i64,
) -> Result<()> {
    require!(
        agent.status == AgentStatus::Active,
        RegistryError::AgentNotActive
    );
    require_keys_eq!(version.agent, *agent_key, RegistryError::VersionMismatch);
    require!(
        version.capabilities & capability == capability,
        RegistryError::CapabilityMissing
    );
    require!(
        version.index.checked_add(1) == Some(agent.version_count),
        RegistryError::NotCurrentVersion
    );
    require!(
        version.certified_at_least(min_stage, now),
        RegistryError::NotCertified
    );
    Ok(())
}
