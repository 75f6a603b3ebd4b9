use anchor_lang::prelude::*;
use anchor_spl::token_interface::{self, TokenAccount, TransferChecked};

use crate::{error::EscrowError, events::BudgetToppedUp, vault::check_vault};
// The composite `BudgetVault` brings Anchor-generated companions (bumps, client modules).
use crate::instructions::budget_vault::*;

#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct TopUpArgs {
    /// Atoms to add; > 0.
    pub amount: u64,
}

#[event_cpi]
#[derive(Accounts)]
#[instruction(args: TopUpArgs)]
pub struct TopUp<'info> {
    pub funds: BudgetVault<'info>,
    /// The budget's payer.
    #[account(address = funds.budget.payer @ EscrowError::Unauthorized)]
    pub payer: Signer<'info>,
    /// The payer's token account the atoms come from.
    #[account(
        mut,
        token::authority = payer,
        constraint = payer_token.mint == funds.budget.mint @ EscrowError::MintMismatch
    )]
    pub payer_token: Box<InterfaceAccount<'info, TokenAccount>>,
}

impl TopUp<'_> {
    fn validate(&self, args: &TopUpArgs) -> Result<()> {
        self.funds
            .budget
            .require_live(Clock::get()?.unix_timestamp)?;
        require!(args.amount > 0, EscrowError::InvalidAmount);
        Ok(())
    }
}

#[access_control(ctx.accounts.validate(&args))]
pub fn handler(ctx: Context<TopUp>, args: TopUpArgs) -> Result<()> {
    let clock = Clock::get()?;
    let funds = &mut ctx.accounts.funds;
    token_interface::transfer_checked(
        CpiContext::new(
            funds.token_program.key(),
            TransferChecked {
                from: ctx.accounts.payer_token.to_account_info(),
                mint: funds.mint.to_account_info(),
                to: funds.vault.to_account_info(),
                authority: ctx.accounts.payer.to_account_info(),
            },
        ),
        args.amount,
        funds.budget.decimals,
    )?;
    let deposited_before = funds.budget.deposited;
    funds.budget.deposit(args.amount)?;
    check_vault(&funds.budget, &mut funds.vault)?;
    let seq = funds.budget.next_seq()?;
    funds.budget.invariant()?;
    emit_cpi!(BudgetToppedUp {
        budget: funds.budget.key(),
        amount: args.amount,
        deposited_before,
        deposited_after: funds.budget.deposited,
        seq,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
