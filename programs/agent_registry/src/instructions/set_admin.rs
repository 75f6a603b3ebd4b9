use anchor_lang::prelude::*;

use crate::{error::RegistryError, events::AdminSet, state::RegistryConfig};

#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct SetAdminArgs {
    /// The next admin; must not be the default key.
    pub new_admin: Pubkey,
}

/// Hands the registry to a new admin. The new admin co-signs, so a typo cannot lock the
/// registry.
#[event_cpi]
#[derive(Accounts)]
#[instruction(args: SetAdminArgs)]
pub struct SetAdmin<'info> {
    #[account(
        mut,
        seeds = [RegistryConfig::SEED],
        bump = config.bump,
        has_one = admin @ RegistryError::Unauthorized
    )]
    pub config: Account<'info, RegistryConfig>,
    /// The current admin.
    pub admin: Signer<'info>,
    /// The next admin, proving it holds the key.
    #[account(address = args.new_admin @ RegistryError::Unauthorized)]
    pub new_admin: Signer<'info>,
}

pub fn handler(ctx: Context<SetAdmin>, args: SetAdminArgs) -> Result<()> {
    let clock = Clock::get()?;
    let config = &mut ctx.accounts.config;
    let old_admin = std::mem::replace(&mut config.admin, args.new_admin);
    let seq = config.next_seq()?;
    config.invariant()?;
    emit_cpi!(AdminSet {
        old_admin,
        new_admin: config.admin,
        seq,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
