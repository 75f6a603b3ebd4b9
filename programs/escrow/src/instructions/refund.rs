use anchor_lang::prelude::*;
use anchor_spl::token_interface::TokenAccount;

use crate::{
    error::EscrowError,
    events::BudgetRefunded,
    vault::{check_vault, pay_out},
};
// The composite `BudgetVault` brings Anchor-generated companions (bumps, client modules).
use crate::instructions::budget_vault::*;

#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct RefundArgs {
    /// Before expiry: the atoms to take back (<= available). Ignored after expiry, when the
    /// whole vault is swept back to the payer.
    pub amount: u64,
}

/// Returns funds to the payer. Before expiry only the payer may refund, and only unreserved
/// funds. From expiry on anyone may crank it: every atom in the vault goes to a token account of
/// the payer, reservations lapse (no grant can pay past the budget's expiry), and the budget is
/// settled. Needs no vendor, oracle or keeper: the payer can always get out (INV-4).
#[event_cpi]
#[derive(Accounts)]
#[instruction(args: RefundArgs)]
pub struct Refund<'info> {
    pub funds: BudgetVault<'info>,
    /// A token account owned by the budget's payer, for the budget's mint.
    #[account(
        mut,
        constraint = destination.owner == funds.budget.payer
            && destination.mint == funds.budget.mint @ EscrowError::RefundDestinationNotPayer,
        constraint = destination.key() != funds.vault.key() @ EscrowError::RefundDestinationNotPayer
    )]
    pub destination: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The payer before expiry; anyone after.
    pub caller: Signer<'info>,
}

impl Refund<'_> {
    fn validate(&self) -> Result<()> {
        let budget = &self.funds.budget;
        require!(!budget.is_settled(), EscrowError::BudgetSettled);
        if !budget.is_expired(Clock::get()?.unix_timestamp) {
            require_keys_eq!(
                self.caller.key(),
                budget.payer,
                EscrowError::BudgetNotExpired
            );
        }
        Ok(())
    }
}

#[access_control(ctx.accounts.validate())]
pub fn handler(ctx: Context<Refund>, args: RefundArgs) -> Result<()> {
    let clock = Clock::get()?;
    let funds = &mut ctx.accounts.funds;
    let refunded_before = funds.budget.refunded;
    let sweep = funds.budget.is_expired(clock.unix_timestamp);
    let amount = if sweep {
        funds
            .budget
            .sweep(funds.vault.amount, clock.unix_timestamp)?
    } else {
        funds.budget.refund(args.amount)?;
        args.amount
    };
    pay_out(
        &funds.budget,
        &funds.vault,
        &ctx.accounts.destination,
        &funds.mint,
        &funds.token_program,
        amount,
    )?;
    check_vault(&funds.budget, &mut funds.vault)?;
    let seq = funds.budget.next_seq()?;
    funds.budget.invariant()?;
    emit_cpi!(BudgetRefunded {
        budget: funds.budget.key(),
        payer: funds.budget.payer,
        amount,
        sweep,
        refunded_before,
        refunded_after: funds.budget.refunded,
        seq,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
