use anchor_lang::prelude::*;
use anchor_spl::token_interface::TokenAccount;
use onchain_common::SafeMath;

use crate::{
    error::EscrowError,
    events::VoucherSettled,
    state::Grant,
    vault::{check_vault, pay_out},
    voucher::{parse_ed25519_signature, voucher_message},
};
// The composite `BudgetVault` brings Anchor-generated companions (bumps, client modules).
use crate::instructions::budget_vault::*;

#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct SettleVoucherArgs {
    /// The voucher's cumulative total for this grant, atoms; > grant.redeemed, <= max_amount.
    pub cumulative: u64,
    /// The voucher's expiry, unix seconds (exclusive).
    pub expires_at: i64,
    /// Index, within this transaction, of the Ed25519 precompile instruction that carries the
    /// session key's signature over the voucher message.
    pub ed25519_instruction_index: u16,
    /// Which signature of that instruction (one precompile instruction may verify many
    /// vouchers).
    pub signature_index: u8,
}

/// Settles the latest cumulative voucher of a grant: pays `cumulative - grant.redeemed` to the
/// grant's vendor. Permissionless (anyone may submit a valid voucher; funds only ever reach the
/// grant's vendor). Several vouchers may settle in one transaction. Only grants redeemable by a
/// wallet settle this way: a program-redeemed grant (the runner's plan grants) pays only inside
/// that program's own guarded call.
#[event_cpi]
#[derive(Accounts)]
#[instruction(args: SettleVoucherArgs)]
pub struct SettleVoucher<'info> {
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
    /// CHECK: the Instructions sysvar, pinned by address; read with `load_instruction_at_checked`.
    #[account(address = solana_instructions_sysvar::ID)]
    pub instructions: UncheckedAccount<'info>,
}

impl SettleVoucher<'_> {
    /// Returns the voucher message after checking the voucher and its Ed25519 proof.
    fn verify(&self, args: &SettleVoucherArgs, now: i64) -> Result<[u8; 32]> {
        let budget = &self.funds.budget;
        let grant = &self.grant;
        budget.require_live(now)?;
        require!(
            grant.redeemer.is_on_curve(),
            EscrowError::ProgramRedeemedGrant
        );
        let session_key = budget.session_key.ok_or(EscrowError::SessionKeyNotSet)?;
        require!(now < args.expires_at, EscrowError::VoucherExpired);
        require!(
            args.cumulative > grant.redeemed,
            EscrowError::VoucherNotIncreasing
        );
        require!(
            args.cumulative <= grant.max_amount,
            EscrowError::VoucherAboveGrant
        );
        grant.require_redeemable(args.cumulative.safe_sub(grant.redeemed)?, now)?;

        let ix = solana_instructions_sysvar::load_instruction_at_checked(
            usize::from(args.ed25519_instruction_index),
            &self.instructions.to_account_info(),
        )
        .map_err(|_| EscrowError::Ed25519IndexOutOfRange)?;
        require!(
            ix.program_id == solana_sdk_ids::ed25519_program::ID && ix.accounts.is_empty(),
            EscrowError::NotEd25519Instruction
        );
        let signature = parse_ed25519_signature(&ix.data, args.signature_index)?;
        require_keys_eq!(
            signature.pubkey,
            session_key,
            EscrowError::VoucherSignerMismatch
        );
        let expected = voucher_message(
            &crate::ID,
            &budget.key(),
            &grant.key(),
            grant.issued_slot,
            &grant.vendor,
            args.cumulative,
            args.expires_at,
        );
        require!(
            signature.message == expected,
            EscrowError::VoucherMessageMismatch
        );
        Ok(expected)
    }
}

pub fn handler(ctx: Context<SettleVoucher>, args: SettleVoucherArgs) -> Result<()> {
    let clock = Clock::get()?;
    let message = ctx.accounts.verify(&args, clock.unix_timestamp)?;
    let funds = &mut ctx.accounts.funds;
    let grant = &mut ctx.accounts.grant;
    let before = grant.redeemed;
    let amount = args.cumulative.safe_sub(before)?;
    pay_out(
        &funds.budget,
        &funds.vault,
        &ctx.accounts.vendor_token,
        &funds.mint,
        &funds.token_program,
        amount,
    )?;
    grant.pay(amount, message)?;
    funds.budget.pay(amount)?;
    check_vault(&funds.budget, &mut funds.vault)?;
    let seq = funds.budget.next_seq()?;
    grant.invariant()?;
    funds.budget.invariant()?;
    emit_cpi!(VoucherSettled {
        budget: funds.budget.key(),
        grant: grant.key(),
        vendor: grant.vendor,
        cumulative: args.cumulative,
        amount,
        grant_redeemed_before: before,
        grant_redeemed_after: grant.redeemed,
        voucher_message: message,
        seq,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
