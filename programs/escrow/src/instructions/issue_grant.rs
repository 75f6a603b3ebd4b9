use anchor_lang::prelude::*;
use anchor_spl::token_interface::TokenAccount;
use onchain_common::{pda::init_pda_account, SafeMath};

use crate::{
    error::EscrowError,
    events::GrantIssued,
    state::{Budget, Grant, GrantStatus},
};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug)]
pub struct IssueGrantArgs {
    /// The key that must sign `redeem`: the vendor's wallet, or a program PDA (the runner's plan
    /// PDA for guarded steps). Must not be the default key.
    pub redeemer: Pubkey,
    /// The plan the grant pays for.
    pub plan: Pubkey,
    /// The step of that plan.
    pub step: u16,
    /// Hash of the accepted offer's terms.
    pub offer_hash: [u8; 32],
    /// Most that can ever be paid, atoms; reserved now; > 0 and <= available.
    pub max_amount: u64,
    /// Unix seconds, first redeemable moment (inclusive).
    pub not_before: i64,
    /// Unix seconds, end of the window (exclusive); > now, > not_before, <= budget expiry.
    pub expires_at: i64,
}

/// Issues the budget's next grant (PDA index `budget.next_grant_index()`). Several may be issued
/// in one transaction; the client uses consecutive indices.
#[event_cpi]
#[derive(Accounts)]
#[instruction(args: IssueGrantArgs)]
pub struct IssueGrant<'info> {
    #[account(
        mut,
        seeds = [Budget::SEED, budget.payer.as_ref(), budget.id.as_ref()],
        bump = budget.bump,
        has_one = payer @ EscrowError::Unauthorized
    )]
    pub budget: Box<Account<'info, Budget>>,
    /// CHECK: the grant PDA at the budget's next index, created by the handler (prefund-safe).
    #[account(
        mut,
        seeds = [Grant::SEED, budget.key().as_ref(), budget.next_grant_index()?.to_le_bytes().as_ref()],
        bump
    )]
    pub grant: UncheckedAccount<'info>,
    /// The vendor's payout account: holds the budget's mint under the budget's token program and
    /// is not the vault.
    #[account(
        constraint = vendor_token.mint == budget.mint @ EscrowError::InvalidVendorAccount,
        constraint = vendor_token.key() != budget.vault @ EscrowError::InvalidVendorAccount,
        constraint = *vendor_token.to_account_info().owner == budget.token_program
            @ EscrowError::TokenProgramMismatch
    )]
    pub vendor_token: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The budget's payer; pays the grant's rent.
    #[account(mut)]
    pub payer: Signer<'info>,
    pub system_program: Program<'info, System>,
}

impl IssueGrantArgs {
    /// The rules every grant's terms obey: a live budget, a positive amount, a real redeemer,
    /// and a window inside the budget's life.
    pub fn validate(&self, budget: &Budget, now: i64) -> Result<()> {
        budget.require_live(now)?;
        require!(self.max_amount > 0, EscrowError::InvalidAmount);
        require_keys_neq!(self.redeemer, Pubkey::default(), EscrowError::InvalidKey);
        require!(
            self.expires_at > now
                && self.not_before < self.expires_at
                && self.expires_at <= budget.expires_at,
            EscrowError::InvalidWindow
        );
        Ok(())
    }
}

impl IssueGrant<'_> {
    fn validate(&self, args: &IssueGrantArgs) -> Result<()> {
        args.validate(&self.budget, Clock::get()?.unix_timestamp)
    }
}

#[access_control(ctx.accounts.validate(&args))]
pub fn handler(ctx: Context<IssueGrant>, args: IssueGrantArgs) -> Result<()> {
    let clock = Clock::get()?;
    let accounts = &mut *ctx.accounts;
    let event = issue(
        &mut accounts.budget,
        &accounts.grant.to_account_info(),
        ctx.bumps.grant,
        accounts.vendor_token.key(),
        &accounts.payer.to_account_info(),
        &accounts.system_program.to_account_info(),
        &args,
        &clock,
    )?;
    emit_cpi!(event);
    Ok(())
}

/// Creates the budget's next grant at `grant` (its PDA, `bump`) paying `vendor`
/// under `args`, reserving its amount; rent from `payer`. Returns the event to emit.
#[allow(clippy::too_many_arguments)]
pub(crate) fn issue<'info>(
    budget: &mut Account<'info, Budget>,
    grant: &AccountInfo<'info>,
    bump: u8,
    vendor: Pubkey,
    payer: &AccountInfo<'info>,
    system_program: &AccountInfo<'info>,
    args: &IssueGrantArgs,
    clock: &Clock,
) -> Result<GrantIssued> {
    let reserved_before = budget.reserved;
    budget.reserve(args.max_amount)?;
    let index = budget.next_grant_index()?;
    budget.grant_count = budget.grant_count.safe_add(1)?;
    budget.open_grants = budget.open_grants.safe_add(1)?;

    let state = Grant {
        budget: budget.key(),
        index,
        vendor,
        redeemer: args.redeemer,
        plan: args.plan,
        step: args.step,
        offer_hash: args.offer_hash,
        max_amount: args.max_amount,
        redeemed: 0,
        not_before: args.not_before,
        expires_at: args.expires_at,
        issued_slot: clock.slot,
        status: GrantStatus::Active,
        redemptions: 0,
        last_receipt_hash: [0; 32],
        bump,
        padding: [0; 32],
    };
    state.invariant()?;
    let budget_key = budget.key();
    init_pda_account(
        payer,
        grant,
        system_program,
        &[
            Grant::SEED,
            budget_key.as_ref(),
            &index.to_le_bytes(),
            &[bump],
        ],
        &state,
    )?;
    let seq = budget.next_seq()?;
    budget.invariant()?;
    Ok(GrantIssued {
        budget: budget_key,
        grant: grant.key(),
        index,
        vendor: state.vendor,
        redeemer: state.redeemer,
        plan: state.plan,
        step: state.step,
        max_amount: state.max_amount,
        not_before: state.not_before,
        expires_at: state.expires_at,
        reserved_before,
        reserved_after: budget.reserved,
        seq,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    })
}
