use anchor_lang::prelude::*;
use anchor_spl::token_interface::TokenAccount;

use crate::{
    error::EscrowError,
    instructions::issue_grant::{issue, IssueGrantArgs},
    state::{Budget, Grant},
};

/// One grant of a batch: what differs between a plan's steps.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug)]
pub struct GrantSpec {
    /// The step of the plan.
    pub step: u16,
    /// Hash of the accepted offer's terms.
    pub offer_hash: [u8; 32],
    /// Most that can ever be paid, atoms; reserved now; > 0.
    pub max_amount: u64,
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct IssueGrantsArgs {
    /// The redeemer of every grant (as in `issue_grant`).
    pub redeemer: Pubkey,
    /// The plan every grant pays for.
    pub plan: Pubkey,
    /// Unix seconds, first redeemable moment of every grant (inclusive).
    pub not_before: i64,
    /// Unix seconds, end of every grant's window (exclusive); > now, <= budget expiry.
    pub expires_at: i64,
    /// One entry per grant, issued at consecutive indices from `budget.next_grant_index()`.
    pub grants: Vec<GrantSpec>,
}

/// Issues one grant per entry of `args.grants` under shared terms, exactly as that many
/// `issue_grant` calls would (same checks, same accounts, same events), in a fraction of the
/// transaction bytes: a plan's approval fits one transaction.
#[event_cpi]
#[derive(Accounts)]
#[instruction(args: IssueGrantsArgs)]
pub struct IssueGrants<'info> {
    #[account(
        mut,
        seeds = [Budget::SEED, budget.payer.as_ref(), budget.id.as_ref()],
        bump = budget.bump,
        has_one = payer @ EscrowError::Unauthorized
    )]
    pub budget: Box<Account<'info, Budget>>,
    /// The budget's payer; pays the grants' rent.
    #[account(mut)]
    pub payer: Signer<'info>,
    pub system_program: Program<'info, System>,
    // remaining_accounts: per grant, [the grant PDA at its index (mut), the vendor's payout
    // account (the budget's mint and token program, not the vault)].
}

impl IssueGrantsArgs {
    /// The terms of entry `spec`.
    fn terms(&self, spec: &GrantSpec) -> IssueGrantArgs {
        IssueGrantArgs {
            redeemer: self.redeemer,
            plan: self.plan,
            step: spec.step,
            offer_hash: spec.offer_hash,
            max_amount: spec.max_amount,
            not_before: self.not_before,
            expires_at: self.expires_at,
        }
    }
}

pub fn handler<'info>(
    ctx: Context<'info, IssueGrants<'info>>,
    args: IssueGrantsArgs,
) -> Result<()> {
    let clock = Clock::get()?;
    let remaining = ctx.remaining_accounts;
    require!(
        !args.grants.is_empty() && args.grants.len().checked_mul(2) == Some(remaining.len()),
        EscrowError::InvalidGrantAccounts
    );
    for (spec, pair) in args.grants.iter().zip(remaining.chunks_exact(2)) {
        let [grant, vendor_token] = pair else {
            return err!(EscrowError::InvalidGrantAccounts);
        };
        let terms = args.terms(spec);
        let budget = &ctx.accounts.budget;
        terms.validate(budget, clock.unix_timestamp)?;
        let (expected, bump) = Pubkey::find_program_address(
            &[
                Grant::SEED,
                budget.key().as_ref(),
                &budget.next_grant_index()?.to_le_bytes(),
            ],
            &crate::ID,
        );
        require!(
            grant.key() == expected && grant.is_writable,
            EscrowError::InvalidGrantAccounts
        );
        let payout = InterfaceAccount::<TokenAccount>::try_from(vendor_token)?;
        require!(
            payout.mint == budget.mint
                && vendor_token.key() != budget.vault
                && *vendor_token.owner == budget.token_program,
            EscrowError::InvalidVendorAccount
        );
        let event = issue(
            &mut ctx.accounts.budget,
            grant,
            bump,
            vendor_token.key(),
            &ctx.accounts.payer.to_account_info(),
            &ctx.accounts.system_program.to_account_info(),
            &terms,
            &clock,
        )?;
        emit_cpi!(event);
    }
    Ok(())
}
