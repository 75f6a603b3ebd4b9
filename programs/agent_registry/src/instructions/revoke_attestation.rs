use anchor_lang::prelude::*;

use crate::{
    error::RegistryError,
    events::AttestationRevoked,
    state::{Agent, AgentVersion, Attestation, RegistryConfig, Revocation},
};

#[event_cpi]
#[derive(Accounts)]
pub struct RevokeAttestation<'info> {
    #[account(seeds = [RegistryConfig::SEED], bump = config.bump)]
    pub config: Account<'info, RegistryConfig>,
    #[account(
        mut,
        seeds = [Agent::SEED, agent.owner.as_ref(), agent.name_hash.as_ref()],
        bump = agent.bump
    )]
    pub agent: Account<'info, Agent>,
    #[account(
        mut,
        seeds = [AgentVersion::SEED, agent.key().as_ref(), version.index.to_le_bytes().as_ref()],
        bump = version.bump,
        has_one = agent @ RegistryError::VersionMismatch
    )]
    pub version: Account<'info, AgentVersion>,
    #[account(
        mut,
        seeds = [
            Attestation::SEED,
            version.key().as_ref(),
            onchain_common::unresolved_seed!([attestation.stage as u8].as_ref()),
            onchain_common::unresolved_seed!([attestation.attempt].as_ref())
        ],
        bump = attestation.bump,
        has_one = version @ RegistryError::VersionMismatch
    )]
    pub attestation: Account<'info, Attestation>,
    /// The certifier that issued the attestation, or the registry admin.
    pub authority: Signer<'info>,
}

impl RevokeAttestation<'_> {
    fn validate(&self) -> Result<()> {
        let authority = self.authority.key();
        require!(
            authority == self.attestation.certifier || authority == self.config.admin,
            RegistryError::Unauthorized
        );
        require!(
            self.attestation.revoked.is_none(),
            RegistryError::AlreadyRevoked
        );
        Ok(())
    }
}

/// Marks the attestation revoked. When it is (one of the approvals of) the pass recorded for its
/// stage, that stage and every higher stage holding a pass are revoked on the version (final
/// for the version).
#[access_control(ctx.accounts.validate())]
pub fn handler(ctx: Context<RevokeAttestation>) -> Result<()> {
    let clock = Clock::get()?;
    let authority = ctx.accounts.authority.key();
    let attestation = &mut ctx.accounts.attestation;
    attestation.revoked = Some(Revocation {
        at: clock.unix_timestamp,
        by: authority,
    });

    let version = &mut ctx.accounts.version;
    let part_of_pass = attestation.passed
        && version.is_part_of_pass(
            attestation.stage,
            attestation.attempt,
            &attestation.certifier,
        );
    let stages_revoked = if part_of_pass {
        version.revoke_from(attestation.stage, clock.unix_timestamp)
    } else {
        0
    };

    let agent = &mut ctx.accounts.agent;
    let seq = agent.next_seq()?;
    agent.invariant()?;
    emit_cpi!(AttestationRevoked {
        agent: agent.key(),
        version: version.key(),
        attestation: attestation.key(),
        stage: attestation.stage,
        by: authority,
        stages_revoked,
        seq,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
