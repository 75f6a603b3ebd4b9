//! The accounts every token-moving instruction needs, validated once.
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::{error::EscrowError, state::Budget};

/// A budget with its vault, mint and token program, each pinned to what the budget recorded at
/// creation.
#[derive(Accounts)]
pub struct BudgetVault<'info> {
    #[account(
        mut,
        seeds = [Budget::SEED, budget.payer.as_ref(), budget.id.as_ref()],
        bump = budget.bump,
        has_one = vault @ EscrowError::VaultMismatch,
        has_one = mint @ EscrowError::MintMismatch,
        has_one = token_program @ EscrowError::TokenProgramMismatch
    )]
    pub budget: Box<Account<'info, Budget>>,
    /// The budget's vault (token account PDA `["vault", budget]`, authority = budget).
    #[account(mut)]
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    pub token_program: Interface<'info, TokenInterface>,
}
