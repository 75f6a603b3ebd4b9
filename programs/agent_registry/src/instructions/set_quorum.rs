use anchor_lang::prelude::*;

use crate::{
    error::RegistryError,
    events::QuorumSet,
    state::{RegistryConfig, Stage},
};

#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct SetQuorumArgs {
    /// Distinct certifiers each stage needs (indexed A..=E): 1..=4, at most the certifier set.
    pub quorum: [u8; Stage::COUNT],
}

/// Sets how many distinct certifiers must pass each stage (admin). Passes already recorded keep
/// counting until they expire; stages gathering approvals need the new quorum.
#[event_cpi]
#[derive(Accounts)]
#[instruction(args: SetQuorumArgs)]
pub struct SetQuorum<'info> {
    #[account(
        mut,
        seeds = [RegistryConfig::SEED],
        bump = config.bump,
        has_one = admin @ RegistryError::Unauthorized
    )]
    pub config: Account<'info, RegistryConfig>,
    /// The registry admin.
    pub admin: Signer<'info>,
}

impl SetQuorum<'_> {
    fn validate(&self, args: &SetQuorumArgs) -> Result<()> {
        RegistryConfig::validate_quorum(&args.quorum, self.config.certifiers.len())
    }
}

#[access_control(ctx.accounts.validate(&args))]
pub fn handler(ctx: Context<SetQuorum>, args: SetQuorumArgs) -> Result<()> {
    let clock = Clock::get()?;
    let config = &mut ctx.accounts.config;
    let old_quorum = std::mem::replace(&mut config.quorum, args.quorum);
    let seq = config.next_seq()?;
    config.invariant()?;
    emit_cpi!(QuorumSet {
        old_quorum,
        new_quorum: config.quorum,
        seq,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
