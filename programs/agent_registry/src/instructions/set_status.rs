use anchor_lang::prelude::*;

use crate::{
    error::RegistryError,
    events::AgentStatusChanged,
    state::{Agent, AgentStatus, RegistryConfig, StatusActor},
};

/// The status a caller asks for; the program fills in who paused and when an agent retired.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetStatus {
    Active,
    Paused,
    Retired,
}

#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct SetStatusArgs {
    pub target: TargetStatus,
}

#[event_cpi]
#[derive(Accounts)]
#[instruction(args: SetStatusArgs)]
pub struct SetStatus<'info> {
    #[account(seeds = [RegistryConfig::SEED], bump = config.bump)]
    pub config: Account<'info, RegistryConfig>,
    #[account(
        mut,
        seeds = [Agent::SEED, agent.owner.as_ref(), agent.name_hash.as_ref()],
        bump = agent.bump
    )]
    pub agent: Account<'info, Agent>,
    /// The agent's owner (pause, resume, retire) or the registry admin (pause, lift its pause).
    pub authority: Signer<'info>,
}

fn target(target: TargetStatus, actor: StatusActor, now: i64) -> AgentStatus {
    match target {
        TargetStatus::Active => AgentStatus::Active,
        TargetStatus::Paused => AgentStatus::Paused {
            by_admin: actor == StatusActor::Admin,
        },
        TargetStatus::Retired => AgentStatus::Retired { at: now },
    }
}

/// Tries the transition as owner first, then as admin; fails with the last role's error.
fn resolve(
    old: AgentStatus,
    requested: TargetStatus,
    is_owner: bool,
    is_admin: bool,
    now: i64,
) -> Result<AgentStatus> {
    let mut result = err!(RegistryError::Unauthorized);
    for actor in [
        (is_owner, StatusActor::Owner),
        (is_admin, StatusActor::Admin),
    ]
    .into_iter()
    .filter_map(|(allowed, actor)| allowed.then_some(actor))
    {
        result = old.transition(target(requested, actor, now), actor);
        if result.is_ok() {
            break;
        }
    }
    result
}

pub fn handler(ctx: Context<SetStatus>, args: SetStatusArgs) -> Result<()> {
    let clock = Clock::get()?;
    let authority = ctx.accounts.authority.key();
    let is_owner = authority == ctx.accounts.agent.owner;
    let is_admin = authority == ctx.accounts.config.admin;

    let agent = &mut ctx.accounts.agent;
    let old_status = agent.status;
    let new_status = resolve(
        old_status,
        args.target,
        is_owner,
        is_admin,
        clock.unix_timestamp,
    )?;
    agent.status = new_status;
    let seq = agent.next_seq()?;
    agent.invariant()?;
    emit_cpi!(AgentStatusChanged {
        agent: agent.key(),
        old_status,
        new_status,
        by: authority,
        seq,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
