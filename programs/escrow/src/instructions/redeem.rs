use anchor_lang::prelude::*;
use anchor_spl::token_interface::TokenAccount;

use crate::{
    error::EscrowError,
    events::GrantRedeemed,
    state::Grant,
    vault::{check_vault, pay_out},
};
// The composite `BudgetVault` brings Anchor-generated companions (bumps, client modules).
use crate::instructions::budget_vault::*;

#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct RedeemArgs {
    /// Atoms to pay; > 0 and <= the grant's remaining amount.
    pub amount: u64,
    /// Hash of the receipt for the work paid for (the runner passes the receipt leaf).
    pub receipt_hash: [u8; 32],
}

/// Pays a grant's vendor. Signed by the grant's redeemer: the vendor itself, or a program PDA
/// signing by CPI (the runner's plan PDA, so a step's fee is paid only inside its guarded
/// execution).
#[event_cpi]
#[derive(Accounts)]
#[instruction(args: RedeemArgs)]
pub struct Redeem<'info> {
    pub funds: BudgetVault<'info>,
    #[account(
        mut,
        seeds = [Grant::SEED, grant.budget.as_ref(), grant.index.to_le_bytes().as_ref()],
        bump = grant.bump,
        constraint = grant.budget == funds.budget.key() @ EscrowError::GrantBudgetMismatch
    )]
    pub grant: Box<Account<'info, Grant>>,
    /// The grant's vendor payout account.
    #[account(mut, address = grant.vendor @ EscrowError::VendorAccountMismatch)]
    pub vendor_token: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The grant's redeemer.
    #[account(address = grant.redeemer @ EscrowError::Unauthorized)]
    pub redeemer: Signer<'info>,
}

impl Redeem<'_> {
    fn validate(&self, args: &RedeemArgs) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        self.funds.budget.require_live(now)?;
        self.grant.require_redeemable(args.amount, now)
    }
}

#[access_control(ctx.accounts.validate(&args))]
pub fn handler(ctx: Context<Redeem>, args: RedeemArgs) -> Result<()> {
    let clock = Clock::get()?;
    let funds = &mut ctx.accounts.funds;
    let grant = &mut ctx.accounts.grant;
    pay_out(
        &funds.budget,
        &funds.vault,
        &ctx.accounts.vendor_token,
        &funds.mint,
        &funds.token_program,
        args.amount,
    )?;
    let (grant_before, budget_before) = (grant.redeemed, funds.budget.redeemed);
    grant.pay(args.amount, args.receipt_hash)?;
    funds.budget.pay(args.amount)?;
    check_vault(&funds.budget, &mut funds.vault)?;
    let seq = funds.budget.next_seq()?;
    grant.invariant()?;
    funds.budget.invariant()?;
    emit_cpi!(GrantRedeemed {
        budget: funds.budget.key(),
        grant: grant.key(),
        vendor: grant.vendor,
        redeemer: grant.redeemer,
        amount: args.amount,
        grant_redeemed_before: grant_before,
        grant_redeemed_after: grant.redeemed,
        budget_redeemed_before: budget_before,
        budget_redeemed_after: funds.budget.redeemed,
        receipt_hash: args.receipt_hash,
        seq,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
