use anchor_lang::{prelude::*, solana_program::bpf_loader_upgradeable};
use onchain_common::pda::init_pda_account;

use crate::{error::ReceiptsError, events::ConfigInitialized, state::ReceiptsConfig};

#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct InitConfigArgs {
    /// Writer PDAs allowed to append (at most 4).
    pub writers: Vec<Pubkey>,
    /// Number of shards, 1..=64.
    pub shard_count: u16,
    /// Seconds per anchoring period (>= 60; one day by default in clients).
    pub period_secs: i64,
}

#[event_cpi]
#[derive(Accounts)]
#[instruction(args: InitConfigArgs)]
pub struct InitConfig<'info> {
    /// CHECK: the config PDA, created by the handler (prefund-safe).
    #[account(mut, seeds = [ReceiptsConfig::SEED], bump)]
    pub config: UncheckedAccount<'info>,
    /// The program's upgrade authority; becomes admin and pays rent.
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(
        address = bpf_loader_upgradeable::get_program_data_address(&crate::ID)
            @ ReceiptsError::NotUpgradeAuthority,
        constraint = program_data.upgrade_authority_address == Some(admin.key())
            @ ReceiptsError::NotUpgradeAuthority
    )]
    pub program_data: Account<'info, ProgramData>,
    pub system_program: Program<'info, System>,
}

impl InitConfig<'_> {
    fn validate(&self, args: &InitConfigArgs) -> Result<()> {
        ReceiptsConfig::validate_writers(&args.writers)?;
        ReceiptsConfig::validate_shape(args.shard_count, args.period_secs)
    }
}

#[access_control(ctx.accounts.validate(&args))]
pub fn handler(ctx: Context<InitConfig>, args: InitConfigArgs) -> Result<()> {
    let clock = Clock::get()?;
    let config = ReceiptsConfig {
        admin: ctx.accounts.admin.key(),
        writers: args.writers,
        shard_count: args.shard_count,
        period_secs: args.period_secs,
        bump: ctx.bumps.config,
        padding: [0; 32],
    };
    config.invariant()?;
    init_pda_account(
        &ctx.accounts.admin,
        &ctx.accounts.config,
        &ctx.accounts.system_program,
        &[ReceiptsConfig::SEED, &[config.bump]],
        &config,
    )?;
    emit_cpi!(ConfigInitialized {
        admin: config.admin,
        writers: config.writers,
        shard_count: config.shard_count,
        period_secs: config.period_secs,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
