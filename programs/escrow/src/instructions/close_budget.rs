use anchor_lang::prelude::*;
use anchor_spl::token_interface::{self, CloseAccount};

use crate::{error::EscrowError, events::BudgetClosed, state::Budget};
// The composite `BudgetVault` brings Anchor-generated companions (bumps, client modules).
use crate::instructions::budget_vault::*;

/// Closes an empty budget and its vault; all rent returns to the payer. The payer may close at
/// any time once every grant is closed and the vault is empty; after expiry anyone may.
#[event_cpi]
#[derive(Accounts)]
pub struct CloseBudget<'info> {
    pub funds: BudgetVault<'info>,
    /// CHECK: the budget's payer (pinned by address); receives the budget's and the vault's rent.
    #[account(mut, address = funds.budget.payer @ EscrowError::PayerMismatch)]
    pub payer: UncheckedAccount<'info>,
    /// The payer before expiry; anyone after.
    pub caller: Signer<'info>,
}

impl CloseBudget<'_> {
    fn validate(&self) -> Result<()> {
        let budget = &self.funds.budget;
        if !budget.is_expired(Clock::get()?.unix_timestamp) {
            require_keys_eq!(
                self.caller.key(),
                budget.payer,
                EscrowError::BudgetNotExpired
            );
        }
        require!(budget.open_grants == 0, EscrowError::GrantsStillOpen);
        require!(self.funds.vault.amount == 0, EscrowError::VaultNotEmpty);
        Ok(())
    }
}

#[access_control(ctx.accounts.validate())]
pub fn handler(ctx: Context<CloseBudget>) -> Result<()> {
    let clock = Clock::get()?;
    let funds = &ctx.accounts.funds;
    let budget: &Budget = &funds.budget;
    let seeds: &[&[u8]] = &[
        Budget::SEED,
        budget.payer.as_ref(),
        &budget.id,
        &[budget.bump],
    ];
    token_interface::close_account(CpiContext::new_with_signer(
        funds.token_program.key(),
        CloseAccount {
            account: funds.vault.to_account_info(),
            destination: ctx.accounts.payer.to_account_info(),
            authority: funds.budget.to_account_info(),
        },
        &[seeds],
    ))?;
    let event = BudgetClosed {
        budget: funds.budget.key(),
        payer: budget.payer,
        deposited: budget.deposited,
        redeemed: budget.redeemed,
        refunded: budget.refunded,
        seq: budget.seq.saturating_add(1),
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    };
    funds.budget.close(ctx.accounts.payer.to_account_info())?;
    emit_cpi!(event);
    Ok(())
}
