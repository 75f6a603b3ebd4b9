use anchor_lang::prelude::*;
use onchain_common::{pda::init_pda_account, SafeMath};

use crate::{
    error::RegistryError,
    events::VersionPublished,
    state::{Agent, AgentVersion, SemVer, Stage, StageRecord},
};

#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct PublishVersionArgs {
    /// Must be strictly greater than the agent's latest version.
    pub semver: SemVer,
    /// sha256 of this version's manifest; also becomes the agent's manifest hash.
    pub manifest_hash: [u8; 32],
    /// Hash of the code certifiers will test.
    pub code_hash: [u8; 32],
    /// What this version may do (capability bits): at least one known bit; certification and
    /// every market and execution check cover exactly these. Becomes the agent's capabilities.
    pub capabilities: u64,
}

#[event_cpi]
#[derive(Accounts)]
#[instruction(args: PublishVersionArgs)]
pub struct PublishVersion<'info> {
    #[account(
        mut,
        seeds = [Agent::SEED, agent.owner.as_ref(), agent.name_hash.as_ref()],
        bump = agent.bump,
        has_one = owner @ RegistryError::Unauthorized
    )]
    pub agent: Account<'info, Agent>,
    /// CHECK: the new version PDA at index `agent.version_count`, created by the handler
    /// (prefund-safe).
    #[account(
        mut,
        seeds = [AgentVersion::SEED, agent.key().as_ref(), agent.version_count.to_le_bytes().as_ref()],
        bump
    )]
    pub version: UncheckedAccount<'info>,
    /// The agent's owner; pays rent.
    #[account(mut)]
    pub owner: Signer<'info>,
    pub system_program: Program<'info, System>,
}

impl PublishVersion<'_> {
    fn validate(&self, args: &PublishVersionArgs) -> Result<()> {
        self.agent.require_not_retired()?;
        Agent::validate_capabilities(args.capabilities)?;
        require!(
            self.agent.version_count == 0 || args.semver > self.agent.latest_version,
            RegistryError::VersionNotIncreasing
        );
        Ok(())
    }
}

#[access_control(ctx.accounts.validate(&args))]
pub fn handler(ctx: Context<PublishVersion>, args: PublishVersionArgs) -> Result<()> {
    let clock = Clock::get()?;
    let agent = &mut ctx.accounts.agent;
    let version = AgentVersion {
        agent: agent.key(),
        index: agent.version_count,
        semver: args.semver,
        manifest_hash: args.manifest_hash,
        code_hash: args.code_hash,
        capabilities: args.capabilities,
        certified_guards: 0,
        published_slot: clock.slot,
        published_at: clock.unix_timestamp,
        stages: [StageRecord::default(); Stage::COUNT],
        bump: ctx.bumps.version,
        reserved: [0; 32],
    };
    let agent_key = agent.key();
    init_pda_account(
        &ctx.accounts.owner,
        &ctx.accounts.version,
        &ctx.accounts.system_program,
        &[
            AgentVersion::SEED,
            agent_key.as_ref(),
            &version.index.to_le_bytes(),
            &[version.bump],
        ],
        &version,
    )?;
    agent.version_count = agent.version_count.safe_add(1)?;
    agent.latest_version = args.semver;
    agent.manifest_hash = args.manifest_hash;
    agent.capabilities = args.capabilities;
    let seq = agent.next_seq()?;
    agent.invariant()?;
    emit_cpi!(VersionPublished {
        agent: agent_key,
        version: ctx.accounts.version.key(),
        index: version.index,
        semver: version.semver,
        manifest_hash: version.manifest_hash,
        code_hash: version.code_hash,
        seq,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
