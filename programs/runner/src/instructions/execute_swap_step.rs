use anchor_lang::{
    prelude::*,
    solana_program::{instruction::Instruction, program::invoke_signed},
};
use anchor_spl::token::{Token, TokenAccount};
use receipts::{
    receipt::{ObservedGuards, Payment, PaymentMethod, ReceiptKind},
    Receipt,
};

use crate::{
    constants::{AUTHORITY_SEED, DELEGATE_SEED},
    custody::{self, OwnerBalances, Staging},
    error::RunnerError,
    events::StepExecuted,
    instructions::{create_plan::forbidden_venue, settlement},
    math, oracle,
    state::{Plan, PlanStep, StepKind},
};
// Composite groups bring Anchor-generated companions (bumps, client modules).
use crate::instructions::accounts::*;

#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct ExecuteSwapStepArgs {
    /// Index of the step in the plan.
    pub step: u8,
    /// The venue instruction's data (e.g. sim_venue `swap(amount_in, min_out)`), built by the
    /// vendor. Its effect is checked by balances, not trusted.
    pub venue_data: Vec<u8>,
    /// sha256 of the vendor's signed off-chain receipt JSON (zero if none).
    pub vendor_receipt_hash: [u8; 32],
}

/// One guarded execution of a Swap, Dca or Rebalance step, by its awarded vendor, in one
/// transaction: oracle checks on both legs (one pinned account per mint), the step's trigger
/// on those prices, min-out from the
/// oracle cross price and the slippage cap, exactly `amount_in` moved from the owner's account
/// into the owner's staging account by the runner itself, the venue CPI signed by staging only,
/// leftovers returned, balance-delta checks on the owner's accounts, notional, daily and fee
/// caps, the vendor's fee through escrow, the receipt, and the agent's reputation. Any failure
/// reverts all of it. See `crate::custody` for who signs what.
#[event_cpi]
#[derive(Accounts)]
#[instruction(args: ExecuteSwapStepArgs)]
pub struct ExecuteSwapStep<'info> {
    pub step: AwardedStep<'info>,
    /// CHECK: the owner's delegate PDA (seeds checked); it signs only the runner's own transfer
    /// of the step's `amount_in` from `user_in` into `staging`.
    #[account(seeds = [DELEGATE_SEED, step.plan.owner.as_ref()], bump = step.plan.owner_delegate_bump)]
    pub owner_delegate: UncheckedAccount<'info>,
    /// The owner's associated token account of the step's input mint (address, owner and mint
    /// checked in `validate`), delegating at least `amount_in` to `owner_delegate`.
    #[account(mut)]
    pub user_in: Box<Account<'info, TokenAccount>>,
    /// The owner's associated token account of the step's output mint (checked in `validate`);
    /// the approval creates it.
    #[account(mut)]
    pub user_out: Box<Account<'info, TokenAccount>>,
    /// The owner's staging account of the input mint (address checked in `validate`): empty of
    /// the owner's funds before and after the instruction, its own authority.
    #[account(mut)]
    pub staging: Box<Account<'info, TokenAccount>>,
    /// CHECK: the oracle account the plan pins for the input mint; `oracle::read` checks it.
    pub price_in: UncheckedAccount<'info>,
    /// CHECK: the pinned oracle account of the output mint; checked like `price_in`.
    pub price_out: UncheckedAccount<'info>,
    /// CHECK: the pinned oracle account of the fee (budget) mint; checked like `price_in`. The
    /// same account as another leg's when the mints are the same, read once.
    pub price_fee: UncheckedAccount<'info>,
    /// CHECK: executable and in the plan's venue allowlist (checked in `validate`).
    pub venue_program: UncheckedAccount<'info>,
    pub payment: StepPayment<'info>,
    pub receipts: ReceiptAccounts<'info>,
    pub reputation: ReputationAccounts<'info>,
    /// CHECK: the runner authority PDA (seeds checked); signs receipts and reputation.
    #[account(seeds = [AUTHORITY_SEED], bump)]
    pub authority: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
    // remaining_accounts: the venue instruction's accounts, in order.
}

/// What the guards decided before the venue ran.
struct Quote {
    price_in: oracle::Reading,
    expected_out: u64,
    min_out: u64,
    notional_usd: u64,
}

impl<'info> ExecuteSwapStep<'info> {
    /// Custody: the owner's own associated accounts of the step's mints, the owner's staging
    /// account pristine, enough delegated, an allowed venue.
    fn validate(&self, plan: &Plan, step: &PlanStep) -> Result<()> {
        let (user_in, user_out) = (&self.user_in, &self.user_out);
        let (_, in_policy) = plan.mint_policy(&step.mint_in)?;
        let (_, out_policy) = plan.mint_policy(&step.mint_out)?;
        require!(
            user_in.key() == custody::owner_account(&plan.owner, &in_policy)?
                && user_in.owner == plan.owner
                && user_in.mint == step.mint_in,
            RunnerError::InvalidInputAccount
        );
        require!(
            user_out.key() == custody::owner_account(&plan.owner, &out_policy)?
                && user_out.owner == plan.owner
                && user_out.mint == step.mint_out,
            RunnerError::OutputNotOwners
        );
        require_keys_eq!(
            self.staging.key(),
            custody::staging_account(&plan.owner, &in_policy)?,
            RunnerError::StagingMismatch
        );
        custody::require_pristine(&self.staging.key(), &self.staging)?;
        require!(
            custody::allowance(user_in, &self.owner_delegate.key()) >= step.amount_in,
            RunnerError::AllowanceTooLow
        );
        let venue = self.venue_program.key();
        require!(
            self.venue_program.executable
                && plan.venues.contains(&venue)
                && !forbidden_venue(&venue),
            RunnerError::VenueNotAllowed
        );
        Ok(())
    }

    /// Reads one pinned oracle account per distinct mint, checks the step's trigger on those
    /// readings, derives expected and minimum output, and checks the caps.
    fn quote(&self, plan: &mut Plan, step: &PlanStep, fee: u64, clock: &Clock) -> Result<Quote> {
        let guards = &step.guards;
        let (in_index, in_policy) = plan.mint_policy(&step.mint_in)?;
        let (out_index, out_policy) = plan.mint_policy(&step.mint_out)?;
        let (fee_index, fee_policy) = plan.mint_policy(&self.payment.budget.mint)?;
        let mut readings: Vec<(usize, oracle::Reading)> = Vec::with_capacity(3);
        for (index, policy, account) in [
            (in_index, in_policy, &self.price_in),
            (out_index, out_policy, &self.price_out),
            (fee_index, fee_policy, &self.price_fee),
        ] {
            if readings.iter().any(|(read, _)| *read == index) {
                // One reading per mint: a second leg on the mint names the same account.
                require_keys_eq!(
                    account.key(),
                    policy.oracle,
                    RunnerError::OracleAccountMismatch
                );
                continue;
            }
            let reading = oracle::read(account, &policy, guards, clock)?;
            plan.observe_price(index, reading.publish_time)?;
            readings.push((index, reading));
        }
        let reading = |index: usize| {
            readings
                .iter()
                .find(|(read, _)| *read == index)
                .map(|(_, r)| *r)
                .ok_or(RunnerError::MintNotAllowed)
        };
        let (price_in, price_out, price_fee) =
            (reading(in_index)?, reading(out_index)?, reading(fee_index)?);
        guards.trigger.require_holds(&price_in, &price_out)?;
        let expected_out = math::expected_out(
            step.amount_in,
            price_in.price,
            in_policy.decimals,
            price_out.price,
            out_policy.decimals,
        )?;
        let min_out = math::min_out(expected_out, guards.max_slippage_bps)?;
        let notional_usd = math::usd_micro(step.amount_in, price_in.price, in_policy.decimals)?;
        let fee_usd = math::usd_micro_ceil(fee, price_fee.price, fee_policy.decimals)?;
        require!(
            math::within_fee_cap(fee_usd, notional_usd, guards.fee_cap_bps)?,
            RunnerError::FeeCapExceeded
        );
        plan.spend(notional_usd, clock.unix_timestamp)?;
        Ok(Quote {
            price_in,
            expected_out,
            min_out,
            notional_usd,
        })
    }

    /// The owner's staging account of the step's input mint.
    fn staging(&self, plan: &Plan, step: &PlanStep) -> Result<Staging<'info>> {
        Ok(Staging {
            account: self.staging.to_account_info(),
            owner: plan.owner,
            policy: plan.mint_policy(&step.mint_in)?.1,
            token_program: self.token_program.to_account_info(),
        })
    }

    /// Calls the venue with the remaining accounts, the staging account alone signing.
    fn call_venue(
        &self,
        remaining: &[AccountInfo<'info>],
        data: Vec<u8>,
        staging: &Staging<'info>,
    ) -> Result<()> {
        let signer = staging.account.key();
        let accounts = remaining
            .iter()
            .map(|info| AccountMeta {
                pubkey: info.key(),
                is_signer: info.key() == signer,
                is_writable: info.is_writable,
            })
            .collect();
        let ix = Instruction {
            program_id: self.venue_program.key(),
            accounts,
            data,
        };
        let mut infos: Vec<AccountInfo<'info>> = remaining.to_vec();
        infos.push(self.venue_program.to_account_info());
        staging.with_signature(|seeds| invoke_signed(&ix, &infos, &[seeds]).map_err(Into::into))
    }
}

pub fn handler<'info>(
    ctx: Context<'info, ExecuteSwapStep<'info>>,
    args: ExecuteSwapStepArgs,
) -> Result<()> {
    let clock = Clock::get()?;
    let now = clock.unix_timestamp;
    let plan_key = ctx.accounts.step.plan.key();
    let step = ctx.accounts.step.plan.require_ready(args.step, now)?;
    require!(step.kind != StepKind::Service, RunnerError::WrongStepKind);
    let award = settlement::authorize(&ctx.accounts.step, args.step, &step, now)?;
    settlement::check_grant(&ctx.accounts.payment, &ctx.accounts.step, args.step, &award)?;
    ctx.accounts.validate(&ctx.accounts.step.plan, &step)?;

    // Work on a copy of the plan while other accounts are borrowed; written back at the end.
    let mut plan_state = Plan::clone(&ctx.accounts.step.plan);
    let quote = ctx
        .accounts
        .quote(&mut plan_state, &step, award.price, &clock)?;
    let accounts = &ctx.accounts;
    let (in_before, out_before) = (accounts.user_in.amount, accounts.user_out.amount);
    let staging_before = accounts.staging.amount;
    let staging = accounts.staging(&plan_state, &step)?;
    let user_in = accounts.user_in.to_account_info();
    custody::fund_staging(
        &staging,
        &user_in,
        &accounts.owner_delegate.to_account_info(),
        plan_state.owner_delegate_bump,
        step.amount_in,
    )?;
    let owner = plan_state.owner;
    let output = accounts.user_out.key();
    let others = OwnerBalances::snapshot(ctx.remaining_accounts, &owner, &output)?;
    accounts.call_venue(ctx.remaining_accounts, args.venue_data, &staging)?;
    others.require_unchanged(ctx.remaining_accounts, &owner)?;
    let staged = custody::token_account(&staging.account)?.ok_or(RunnerError::StagingTampered)?;
    custody::require_pristine(&staging.account.key(), &staged)?;
    // The venue may take at most the step's amount: staging keeps at least what it held before,
    // and whatever the venue left goes back to the owner now.
    let leftover = staged
        .amount
        .checked_sub(staging_before)
        .ok_or(RunnerError::InputOverspent)?;
    if leftover > 0 {
        staging.return_leftover(&user_in, leftover)?;
    }

    ctx.accounts.user_in.reload()?;
    ctx.accounts.user_out.reload()?;
    let spent = in_before.saturating_sub(ctx.accounts.user_in.amount);
    let received = ctx.accounts.user_out.amount.saturating_sub(out_before);
    require!(
        ctx.accounts.user_in.amount <= in_before && spent <= step.amount_in,
        RunnerError::InputOverspent
    );
    require!(received >= quote.min_out, RunnerError::SlippageExceeded);
    let slippage = math::realized_slippage_bps(quote.expected_out, received)?;

    let execution = plan_state.record_execution(args.step, now)?;
    let agent = &ctx.accounts.step.agent;
    let receipt = Receipt {
        plan: plan_key,
        step: u16::from(args.step),
        execution: u32::from(execution),
        agent: agent.key(),
        agent_version: agent.version_count.saturating_sub(1),
        payer: plan_state.owner,
        kind: match step.kind {
            StepKind::Dca => ReceiptKind::Dca,
            StepKind::Rebalance => ReceiptKind::Rebalance,
            _ => ReceiptKind::Swap,
        },
        inputs_hash: solana_sha256_hasher::hashv(&[
            &plan_state.plan_hash,
            &[args.step],
            &u32::from(execution).to_le_bytes(),
            &step.amount_in.to_le_bytes(),
            &quote.min_out.to_le_bytes(),
        ])
        .to_bytes(),
        amount_in: spent,
        mint_in: step.mint_in,
        amount_out: received,
        mint_out: step.mint_out,
        guards: ObservedGuards {
            oracle_price: quote.price_in.raw_price,
            oracle_exponent: quote.price_in.raw_exponent,
            oracle_publish_time: quote.price_in.publish_time,
            feed_id: quote.price_in.feed,
            realized_slippage_bps: slippage,
            fee_paid: award.price,
        },
        payment: Payment {
            method: PaymentMethod::Grant,
            reference: ctx.accounts.payment.grant.key(),
            amount: award.price,
        },
        venue: ctx.accounts.venue_program.key(),
        slot: clock.slot,
        unix_time: now,
        vendor_receipt_hash: args.vendor_receipt_hash,
    };
    let leaf = settlement::Settlement {
        step: &ctx.accounts.step,
        payment: &ctx.accounts.payment,
        receipts: &ctx.accounts.receipts,
        reputation: &ctx.accounts.reputation,
        authority: ctx.accounts.authority.to_account_info(),
        authority_bump: ctx.bumps.authority,
    }
    .settle(
        receipt,
        award.price,
        settlement::Outcome {
            success: true,
            capability: step.capability,
            value_micro_usd: quote.notional_usd,
            realized_slippage_bps: slippage,
        },
    )?;

    let seq = plan_state.next_seq()?;
    plan_state.invariant()?;
    ctx.accounts.step.plan.set_inner(plan_state);
    emit_cpi!(StepExecuted {
        plan: plan_key,
        step: args.step,
        execution,
        vendor: award.vendor,
        agent: award.agent,
        amount_in: spent,
        amount_out: received,
        expected_out: quote.expected_out,
        min_out: quote.min_out,
        realized_slippage_bps: slippage,
        fee: award.price,
        notional_usd: quote.notional_usd,
        receipt_leaf: leaf,
        seq,
        slot: clock.slot,
        unix_ts: now,
    });
    Ok(())
}
