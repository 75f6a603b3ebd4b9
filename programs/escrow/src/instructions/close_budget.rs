use anchor_lang::prelude::*;
use anchor_spl::token_interface::{self, CloseAccount, TokenAccount, TransferChecked};

use crate::{error::EscrowError, events::BudgetClosed, state::Budget};
// The composite `BudgetVault` brings Anchor-generated companions (bumps, client modules).
use crate::instructions::budget_vault::*;

/// Closes a budget that owes nothing and its vault; all rent returns to the payer. The payer may
/// close at any time once every grant is closed and every deposited atom was redeemed or
/// refunded; after expiry anyone may. Tokens nobody deposited (a donation to the vault) are
/// swept to the payer's token account first, so no dust can keep a budget open.
#[event_cpi]
#[derive(Accounts)]
pub struct CloseBudget<'info> {
    pub funds: BudgetVault<'info>,
    /// CHECK: the budget's payer (pinned by address); receives the budget's and the vault's rent.
    #[account(mut, address = funds.budget.payer @ EscrowError::PayerMismatch)]
    pub payer: UncheckedAccount<'info>,
    /// The payer before expiry; anyone after.
    pub caller: Signer<'info>,
    /// The payer's token account of the budget's mint: receives a surplus in the vault. Needed
    /// only when the vault holds one.
    #[account(
        mut,
        token::mint = funds.mint,
        token::authority = payer,
        token::token_program = funds.token_program
    )]
    pub payer_token: Option<Box<InterfaceAccount<'info, TokenAccount>>>,
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
        require!(budget.balance()? == 0, EscrowError::BudgetHoldsFunds);
        require!(
            self.funds.vault.amount == 0 || self.payer_token.is_some(),
            EscrowError::SurplusDestinationMissing
        );
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
    let surplus = funds.vault.amount;
    if let Some(payer_token) = &ctx.accounts.payer_token {
        if surplus > 0 {
            token_interface::transfer_checked(
                CpiContext::new_with_signer(
                    funds.token_program.key(),
                    TransferChecked {
                        from: funds.vault.to_account_info(),
                        mint: funds.mint.to_account_info(),
                        to: payer_token.to_account_info(),
                        authority: funds.budget.to_account_info(),
                    },
                    &[seeds],
                ),
                surplus,
                budget.decimals,
            )?;
        }
    }
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
        surplus_swept: surplus,
        seq: budget.seq.saturating_add(1),
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    };
    funds.budget.close(ctx.accounts.payer.to_account_info())?;
    emit_cpi!(event);
    Ok(())
}
