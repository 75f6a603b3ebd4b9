use anchor_lang::prelude::*;
use onchain_common::pda::init_pda_account;

use crate::{
    constants::capability,
    error::RegistryError,
    events::AgentRegistered,
    state::{Agent, AgentStatus, Reputation, SemVer},
};

#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct RegisterAgentArgs {
    /// 1..=32 bytes; with the owner it forms the agent's permanent identity.
    pub name: String,
    /// Wallet that receives payments.
    pub payout: Pubkey,
    /// Capability bits (see `constants::capability`); at least one, no unknown bits. Shown until
    /// the first version is published, which fixes the capabilities it is certified for.
    pub capabilities: u64,
    /// Off-chain metadata, at most 200 bytes.
    pub metadata_uri: String,
    /// sha256 of the manifest.
    pub manifest_hash: [u8; 32],
}

#[event_cpi]
#[derive(Accounts)]
#[instruction(args: RegisterAgentArgs)]
pub struct RegisterAgent<'info> {
    /// CHECK: the new agent PDA, created by the handler (prefund-safe); a second registration of
    /// the same (owner, name) fails with the system program's AccountAlreadyInUse.
    #[account(
        mut,
        seeds = [Agent::SEED, owner.key().as_ref(), onchain_common::unresolved_seed!(Agent::name_hash(&args.name).as_ref())],
        bump
    )]
    pub agent: UncheckedAccount<'info>,
    /// The agent's owner; pays rent.
    #[account(mut)]
    pub owner: Signer<'info>,
    pub system_program: Program<'info, System>,
}

impl RegisterAgent<'_> {
    fn validate(&self, args: &RegisterAgentArgs) -> Result<()> {
        Agent::validate_name(&args.name)?;
        Agent::validate_uri(&args.metadata_uri)?;
        Agent::validate_capabilities(args.capabilities)?;
        require_keys_neq!(args.payout, Pubkey::default(), RegistryError::InvalidKey);
        Ok(())
    }
}

#[access_control(ctx.accounts.validate(&args))]
pub fn handler(ctx: Context<RegisterAgent>, args: RegisterAgentArgs) -> Result<()> {
    let clock = Clock::get()?;
    let name_hash = Agent::name_hash(&args.name);
    let mut agent = Agent {
        owner: ctx.accounts.owner.key(),
        name_hash,
        name: args.name,
        payout: args.payout,
        capabilities: args.capabilities,
        metadata_uri: args.metadata_uri,
        manifest_hash: args.manifest_hash,
        status: AgentStatus::Active,
        version_count: 0,
        latest_version: SemVer::default(),
        reputation: [Reputation::default(); capability::COUNT],
        created_at: clock.unix_timestamp,
        seq: 0,
        bump: ctx.bumps.agent,
        reserved: [0; 64],
    };
    let seq = agent.next_seq()?;
    agent.invariant()?;
    let owner = ctx.accounts.owner.key();
    init_pda_account(
        &ctx.accounts.owner,
        &ctx.accounts.agent,
        &ctx.accounts.system_program,
        &[Agent::SEED, owner.as_ref(), &name_hash, &[agent.bump]],
        &agent,
    )?;
    emit_cpi!(AgentRegistered {
        agent: ctx.accounts.agent.key(),
        owner: agent.owner,
        name: agent.name,
        payout: agent.payout,
        capabilities: agent.capabilities,
        seq,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
