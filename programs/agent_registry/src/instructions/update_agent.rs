use anchor_lang::prelude::*;

use crate::{error::RegistryError, events::AgentUpdated, state::Agent};

#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct UpdateAgentArgs {
    /// New payout wallet, if changing.
    pub payout: Option<Pubkey>,
    /// Must be `None`: capabilities belong to a published version (`publish_version`), so
    /// they cannot grow after certification.
    pub capabilities: Option<u64>,
    /// New metadata URI (<= 200 bytes), if changing.
    pub metadata_uri: Option<String>,
    /// New manifest hash, if changing.
    pub manifest_hash: Option<[u8; 32]>,
}

#[event_cpi]
#[derive(Accounts)]
#[instruction(args: UpdateAgentArgs)]
pub struct UpdateAgent<'info> {
    #[account(
        mut,
        seeds = [Agent::SEED, agent.owner.as_ref(), agent.name_hash.as_ref()],
        bump = agent.bump,
        has_one = owner @ RegistryError::Unauthorized
    )]
    pub agent: Account<'info, Agent>,
    /// The agent's owner.
    pub owner: Signer<'info>,
}

impl UpdateAgent<'_> {
    fn validate(&self, args: &UpdateAgentArgs) -> Result<()> {
        self.agent.require_not_retired()?;
        require!(
            args.payout.is_some()
                || args.capabilities.is_some()
                || args.metadata_uri.is_some()
                || args.manifest_hash.is_some(),
            RegistryError::EmptyUpdate
        );
        if let Some(payout) = args.payout {
            require_keys_neq!(payout, Pubkey::default(), RegistryError::InvalidKey);
        }
        require!(
            args.capabilities.is_none(),
            RegistryError::CapabilitiesPinned
        );
        if let Some(uri) = &args.metadata_uri {
            Agent::validate_uri(uri)?;
        }
        Ok(())
    }
}

#[access_control(ctx.accounts.validate(&args))]
pub fn handler(ctx: Context<UpdateAgent>, args: UpdateAgentArgs) -> Result<()> {
    let clock = Clock::get()?;
    let agent = &mut ctx.accounts.agent;
    let (old_payout, old_capabilities, old_manifest_hash) =
        (agent.payout, agent.capabilities, agent.manifest_hash);
    if let Some(payout) = args.payout {
        agent.payout = payout;
    }
    if let Some(uri) = args.metadata_uri {
        agent.metadata_uri = uri;
    }
    if let Some(hash) = args.manifest_hash {
        agent.manifest_hash = hash;
    }
    let seq = agent.next_seq()?;
    agent.invariant()?;
    emit_cpi!(AgentUpdated {
        agent: agent.key(),
        old_payout,
        new_payout: agent.payout,
        old_capabilities,
        new_capabilities: agent.capabilities,
        old_manifest_hash,
        new_manifest_hash: agent.manifest_hash,
        new_metadata_uri: agent.metadata_uri.clone(),
        seq,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
