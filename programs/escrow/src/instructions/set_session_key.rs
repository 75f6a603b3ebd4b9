use anchor_lang::prelude::*;

use crate::{error::EscrowError, events::SessionKeySet, state::Budget};

#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct SetSessionKeyArgs {
    /// The Ed25519 key that signs vouchers, or `None` to stop voucher settlement.
    pub session_key: Option<Pubkey>,
}

#[event_cpi]
#[derive(Accounts)]
#[instruction(args: SetSessionKeyArgs)]
pub struct SetSessionKey<'info> {
    #[account(
        mut,
        seeds = [Budget::SEED, budget.payer.as_ref(), budget.id.as_ref()],
        bump = budget.bump,
        has_one = payer @ EscrowError::Unauthorized
    )]
    pub budget: Box<Account<'info, Budget>>,
    /// The budget's payer.
    pub payer: Signer<'info>,
}

impl SetSessionKey<'_> {
    fn validate(&self, args: &SetSessionKeyArgs) -> Result<()> {
        self.budget.require_live(Clock::get()?.unix_timestamp)?;
        if let Some(key) = args.session_key {
            require_keys_neq!(key, Pubkey::default(), EscrowError::InvalidKey);
        }
        Ok(())
    }
}

#[access_control(ctx.accounts.validate(&args))]
pub fn handler(ctx: Context<SetSessionKey>, args: SetSessionKeyArgs) -> Result<()> {
    let clock = Clock::get()?;
    let budget = &mut ctx.accounts.budget;
    let old_session_key = std::mem::replace(&mut budget.session_key, args.session_key);
    let seq = budget.next_seq()?;
    budget.invariant()?;
    emit_cpi!(SessionKeySet {
        budget: budget.key(),
        old_session_key,
        new_session_key: budget.session_key,
        seq,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
