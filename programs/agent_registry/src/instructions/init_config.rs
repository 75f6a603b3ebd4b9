use anchor_lang::{prelude::*, solana_program::bpf_loader_upgradeable};

use onchain_common::pda::init_pda_account;

use crate::{error::RegistryError, events::ConfigInitialized, state::RegistryConfig, state::Stage};

#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct InitConfigArgs {
    /// The only key `record_outcome` will accept (the runner's reputation PDA), or the default
    /// key to keep `record_outcome` closed until it is set.
    pub outcome_recorder: Pubkey,
}

#[event_cpi]
#[derive(Accounts)]
#[instruction(args: InitConfigArgs)]
pub struct InitConfig<'info> {
    /// CHECK: the singleton config PDA, created by the handler (prefund-safe, see
    /// `onchain_common::pda`); a second call fails with the system program's AccountAlreadyInUse.
    #[account(mut, seeds = [RegistryConfig::SEED], bump)]
    pub config: UncheckedAccount<'info>,
    /// Becomes the registry admin; must be the program's upgrade authority, so nobody can
    /// front-run the deployment and seize the registry. Pays rent.
    #[account(mut)]
    pub admin: Signer<'info>,
    /// This program's ProgramData account (owned by the upgradeable loader at its canonical
    /// address); its upgrade authority must be `admin`.
    #[account(
        address = bpf_loader_upgradeable::get_program_data_address(&crate::ID)
            @ RegistryError::NotUpgradeAuthority,
        constraint = program_data.upgrade_authority_address == Some(admin.key())
            @ RegistryError::NotUpgradeAuthority
    )]
    pub program_data: Account<'info, ProgramData>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<InitConfig>, args: InitConfigArgs) -> Result<()> {
    let clock = Clock::get()?;
    let mut config = RegistryConfig {
        admin: ctx.accounts.admin.key(),
        certifiers: Vec::new(),
        outcome_recorder: args.outcome_recorder,
        quorum: [1; Stage::COUNT],
        seq: 0,
        bump: ctx.bumps.config,
        reserved: [0; 64],
    };
    let seq = config.next_seq()?;
    config.invariant()?;
    init_pda_account(
        &ctx.accounts.admin,
        &ctx.accounts.config,
        &ctx.accounts.system_program,
        &[RegistryConfig::SEED, &[config.bump]],
        &config,
    )?;
    emit_cpi!(ConfigInitialized {
        admin: config.admin,
        outcome_recorder: config.outcome_recorder,
        seq,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
