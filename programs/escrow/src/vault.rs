//! Moving tokens in and out of a budget's vault.
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{self, Mint, TokenAccount, TokenInterface, TransferChecked};

use crate::state::Budget;

/// Transfers `amount` atoms from the vault to `to`, signed by the budget PDA.
pub fn pay_out<'info>(
    budget: &Account<'info, Budget>,
    vault: &InterfaceAccount<'info, TokenAccount>,
    to: &InterfaceAccount<'info, TokenAccount>,
    mint: &InterfaceAccount<'info, Mint>,
    token_program: &Interface<'info, TokenInterface>,
    amount: u64,
) -> Result<()> {
    let seeds: &[&[u8]] = &[
        Budget::SEED,
        budget.payer.as_ref(),
        &budget.id,
        &[budget.bump],
    ];
    let accounts = TransferChecked {
        from: vault.to_account_info(),
        mint: mint.to_account_info(),
        to: to.to_account_info(),
        authority: budget.to_account_info(),
    };
    token_interface::transfer_checked(
        CpiContext::new_with_signer(token_program.key(), accounts, &[seeds]),
        amount,
        budget.decimals,
    )
}

/// Re-reads the vault after a transfer and checks it still covers the budget's books.
pub fn check_vault<'info>(
    budget: &Budget,
    vault: &mut InterfaceAccount<'info, TokenAccount>,
) -> Result<()> {
    vault.reload()?;
    budget.require_vault_covers(vault.amount)
}
