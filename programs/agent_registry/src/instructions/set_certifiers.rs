use anchor_lang::prelude::*;

use crate::{error::RegistryError, events::CertifiersSet, state::RegistryConfig};

#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct SetCertifiersArgs {
    /// The complete new certifier set (replaces the old one); at most 16, no duplicates.
    pub certifiers: Vec<Pubkey>,
}

#[event_cpi]
#[derive(Accounts)]
#[instruction(args: SetCertifiersArgs)]
pub struct SetCertifiers<'info> {
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

impl SetCertifiers<'_> {
    fn validate(&self, args: &SetCertifiersArgs) -> Result<()> {
        RegistryConfig::validate_certifiers(&args.certifiers)
    }
}

#[access_control(ctx.accounts.validate(&args))]
pub fn handler(ctx: Context<SetCertifiers>, args: SetCertifiersArgs) -> Result<()> {
    let clock = Clock::get()?;
    let config = &mut ctx.accounts.config;
    let old_certifiers = std::mem::replace(&mut config.certifiers, args.certifiers);
    let seq = config.next_seq()?;
    config.invariant()?;
    emit_cpi!(CertifiersSet {
        old_certifiers,
        new_certifiers: config.certifiers.clone(),
        seq,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
