use anchor_lang::prelude::*;

use crate::{error::RegistryError, events::OutcomeRecorderSet, state::RegistryConfig};

#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct SetOutcomeRecorderArgs {
    /// The runner's reputation PDA, or the default key to close `record_outcome`.
    pub outcome_recorder: Pubkey,
}

#[event_cpi]
#[derive(Accounts)]
#[instruction(args: SetOutcomeRecorderArgs)]
pub struct SetOutcomeRecorder<'info> {
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

pub fn handler(ctx: Context<SetOutcomeRecorder>, args: SetOutcomeRecorderArgs) -> Result<()> {
    let clock = Clock::get()?;
    let config = &mut ctx.accounts.config;
    let old_outcome_recorder =
        std::mem::replace(&mut config.outcome_recorder, args.outcome_recorder);
    let seq = config.next_seq()?;
    config.invariant()?;
    emit_cpi!(OutcomeRecorderSet {
        old_outcome_recorder,
        new_outcome_recorder: config.outcome_recorder,
        seq,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
