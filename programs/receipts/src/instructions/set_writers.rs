use anchor_lang::prelude::*;

use crate::{error::ReceiptsError, events::WritersSet, state::ReceiptsConfig};

#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct SetWritersArgs {
    /// The complete new writer set (at most 4).
    pub writers: Vec<Pubkey>,
}

#[event_cpi]
#[derive(Accounts)]
#[instruction(args: SetWritersArgs)]
pub struct SetWriters<'info> {
    #[account(
        mut,
        seeds = [ReceiptsConfig::SEED],
        bump = config.bump,
        has_one = admin @ ReceiptsError::Unauthorized
    )]
    pub config: Account<'info, ReceiptsConfig>,
    pub admin: Signer<'info>,
}

#[access_control(ReceiptsConfig::validate_writers(&args.writers))]
pub fn handler(ctx: Context<SetWriters>, args: SetWritersArgs) -> Result<()> {
    let clock = Clock::get()?;
    let config = &mut ctx.accounts.config;
    let old_writers = std::mem::replace(&mut config.writers, args.writers);
    config.invariant()?;
    emit_cpi!(WritersSet {
        old_writers,
        new_writers: config.writers.clone(),
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
