//! What every guarded execution of a trading step shares, whatever it trades (a swap through
//! `execute_swap_step`, a pool's LP token through `execute_liquidity_step`): the custody checks
//! on the owner's accounts, the price rule (expected and minimum output from the two legs'
//! guarded readings, notional, daily and fee caps), the venue call that moves exactly the
//! step's input through staging, and the completion (execution recorded, receipt, payment,
//! reputation). Each instruction only reads its legs' prices its own way.
use anchor_lang::{
    prelude::*,
    solana_program::{instruction::Instruction, program::invoke_signed},
};
use receipts::{
    receipt::{ObservedGuards, ReceiptKind, StepExecution, Traded},
    Receipt,
};

use crate::{
    custody::{self, OwnerBalances, Staging},
    error::RunnerError,
    events::StepExecuted,
    instructions::{
        accounts::{ReceiptAccounts, ReputationAccounts, StepCustody, StepPayment},
        create_plan::forbidden_venue,
        settlement,
    },
    math,
    oracle::Reading,
    state::{Plan, PlanStep, StepKind},
};

/// What the guards decided before the venue ran.
#[derive(Clone, Copy, Debug)]
pub struct Quote {
    /// The input leg's guarded reading (the receipt records it).
    pub price_in: Reading,
    pub expected_out: u64,
    pub min_out: u64,
    /// The execution's value, micro-USD (the input at its price).
    pub notional_usd: u64,
}

/// A leg's guarded reading and its mint's decimals.
#[derive(Clone, Copy, Debug)]
pub struct Leg {
    pub reading: Reading,
    pub decimals: u8,
}

/// The price rule every trading step meets: the output expected from the input at the two
/// legs' prices, the least output the slippage cap allows, and the notional within the plan's
/// per-execution and daily caps and the vendor's `fee` (atoms of the fee mint, priced by
/// `fee_leg`) within the step's fee cap.
pub fn quote(
    plan: &mut Plan,
    step: &PlanStep,
    input: Leg,
    output: Leg,
    fee_leg: Leg,
    fee: u64,
    now: i64,
) -> Result<Quote> {
    let guards = &step.guards;
    let expected_out = math::expected_out(
        step.amount_in,
        input.reading.price,
        input.decimals,
        output.reading.price,
        output.decimals,
    )?;
    let min_out = math::min_out(expected_out, guards.max_slippage_bps)?;
    let notional_usd = math::usd_micro(step.amount_in, input.reading.price, input.decimals)?;
    let fee_usd = math::usd_micro_ceil(fee, fee_leg.reading.price, fee_leg.decimals)?;
    require!(
        math::within_fee_cap(fee_usd, notional_usd, guards.fee_cap_bps)?,
        RunnerError::FeeCapExceeded
    );
    plan.spend(notional_usd, now)?;
    Ok(Quote {
        price_in: input.reading,
        expected_out,
        min_out,
        notional_usd,
    })
}

/// What the venue call moved: the input the owner's account lost, the output it gained.
#[derive(Clone, Copy, Debug)]
pub struct Fill {
    pub spent: u64,
    pub received: u64,
}

impl<'info> StepCustody<'info> {
    /// Custody: the owner's own associated accounts of the step's mints, the owner's staging
    /// account pristine, enough delegated, an allowed venue.
    pub fn validate(&self, plan: &Plan, step: &PlanStep, venue: &AccountInfo) -> Result<()> {
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
        let program = venue.key();
        require!(
            venue.executable && plan.venues.contains(&program) && !forbidden_venue(&program),
            RunnerError::VenueNotAllowed
        );
        Ok(())
    }

    /// Moves exactly `amount_in` from the owner's account into staging (the delegate's only
    /// signature), calls the venue with `remaining` and `data` signed by staging alone,
    /// proves no other owner account among them changed and staging ended as it began,
    /// returns what the venue left to the owner, and measures what the owner's two accounts
    /// lost and gained.
    pub fn fill(
        &mut self,
        plan: &Plan,
        step: &PlanStep,
        venue: &AccountInfo<'info>,
        remaining: &[AccountInfo<'info>],
        data: Vec<u8>,
        token_program: &AccountInfo<'info>,
    ) -> Result<Fill> {
        let (in_before, out_before) = (self.user_in.amount, self.user_out.amount);
        let staging_before = self.staging.amount;
        let staging = Staging {
            account: self.staging.to_account_info(),
            owner: plan.owner,
            policy: plan.mint_policy(&step.mint_in)?.1,
            token_program: token_program.clone(),
        };
        let user_in = self.user_in.to_account_info();
        custody::fund_staging(
            &staging,
            &user_in,
            &self.owner_delegate.to_account_info(),
            plan.owner_delegate_bump,
            step.amount_in,
        )?;
        let others = OwnerBalances::snapshot(remaining, &plan.owner, &self.user_out.key())?;
        call_venue(venue, remaining, data, &staging)?;
        others.require_unchanged(remaining, &plan.owner)?;
        let staged =
            custody::token_account(&staging.account)?.ok_or(RunnerError::StagingTampered)?;
        custody::require_pristine(&staging.account.key(), &staged)?;
        // The venue may take at most the step's amount: staging keeps at least what it held
        // before, and whatever the venue left goes back to the owner now.
        let leftover = staged
            .amount
            .checked_sub(staging_before)
            .ok_or(RunnerError::InputOverspent)?;
        if leftover > 0 {
            staging.return_leftover(&user_in, leftover)?;
        }
        self.user_in.reload()?;
        self.user_out.reload()?;
        let spent = in_before.saturating_sub(self.user_in.amount);
        require!(
            self.user_in.amount <= in_before && spent <= step.amount_in,
            RunnerError::InputOverspent
        );
        Ok(Fill {
            spent,
            received: self.user_out.amount.saturating_sub(out_before),
        })
    }
}

/// Calls the venue with the remaining accounts, the staging account alone signing.
fn call_venue<'info>(
    venue: &AccountInfo<'info>,
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
        program_id: venue.key(),
        accounts,
        data,
    };
    let mut infos: Vec<AccountInfo<'info>> = remaining.to_vec();
    infos.push(venue.clone());
    staging.with_signature(|seeds| invoke_signed(&ix, &infos, &[seeds]).map_err(Into::into))
}

/// The accounts a completion pays, receipts and credits through.
pub struct Completion<'a, 'info> {
    pub custody: &'a StepCustody<'info>,
    pub payment: &'a StepPayment<'info>,
    pub receipts: &'a ReceiptAccounts<'info>,
    pub reputation: &'a ReputationAccounts<'info>,
    pub venue: Pubkey,
    /// The runner authority PDA and its bump.
    pub authority: AccountInfo<'info>,
    pub authority_bump: u8,
}

/// What a completed execution reports in its event.
#[derive(Clone, Copy, Debug)]
pub struct Completed {
    pub execution: u16,
    pub realized_slippage_bps: u16,
    pub leaf: [u8; 32],
    pub seq: u64,
}

/// The receipt kind of a trading step.
fn receipt_kind(kind: StepKind) -> ReceiptKind {
    match kind {
        StepKind::Dca => ReceiptKind::Dca,
        StepKind::Rebalance => ReceiptKind::Rebalance,
        StepKind::AddLiquidity | StepKind::RemoveLiquidity => ReceiptKind::Liquidity,
        _ => ReceiptKind::Swap,
    }
}

/// One execution as it went: step `index` (`step`), its quote and fill, the award's `price`
/// and the vendor's receipt hash.
pub struct Executed<'a> {
    pub index: u8,
    pub step: &'a PlanStep,
    pub quote: Quote,
    pub fill: Fill,
    pub price: u64,
    pub vendor_receipt_hash: [u8; 32],
}

impl Completion<'_, '_> {
    /// After the fill met the quote's minimum: records the execution in `plan_state` (for the
    /// caller to write back), pays the award's price through the grant, appends the receipt
    /// and credits the agent.
    pub fn complete(
        &self,
        mut plan_state: Plan,
        executed: Executed,
        clock: &Clock,
    ) -> Result<(Plan, Completed)> {
        let Executed {
            index,
            step,
            quote,
            fill,
            price,
            vendor_receipt_hash,
        } = executed;
        require!(
            fill.received >= quote.min_out,
            RunnerError::SlippageExceeded
        );
        let slippage = math::realized_slippage_bps(quote.expected_out, fill.received)?;
        let now = clock.unix_timestamp;
        let execution = plan_state.record_execution(index, now)?;
        let awarded = &self.custody.step;
        let receipt = Receipt::trade(
            StepExecution {
                plan: awarded.plan.key(),
                step: u16::from(index),
                execution: u32::from(execution),
                agent: awarded.agent.key(),
                agent_version: awarded.agent.version_count.saturating_sub(1),
                payer: plan_state.owner,
                kind: receipt_kind(step.kind),
                inputs_hash: solana_sha256_hasher::hashv(&[
                    &plan_state.plan_hash,
                    &[index],
                    &u32::from(execution).to_le_bytes(),
                    &step.amount_in.to_le_bytes(),
                    &quote.min_out.to_le_bytes(),
                ])
                .to_bytes(),
                vendor_receipt_hash,
            },
            Traded {
                amount_in: fill.spent,
                mint_in: step.mint_in,
                amount_out: fill.received,
                mint_out: step.mint_out,
            },
            ObservedGuards {
                oracle_price: quote.price_in.raw_price,
                oracle_exponent: quote.price_in.raw_exponent,
                oracle_publish_time: quote.price_in.publish_time,
                feed_id: quote.price_in.feed,
                realized_slippage_bps: slippage,
                ..ObservedGuards::default()
            },
            (self.payment.grant.key(), price),
            self.venue,
            clock,
        );
        let leaf = settlement::Settlement {
            step: awarded,
            payment: self.payment,
            receipts: self.receipts,
            reputation: self.reputation,
            authority: self.authority.clone(),
            authority_bump: self.authority_bump,
        }
        .settle(
            receipt,
            price,
            settlement::Outcome {
                success: true,
                capability: step.capability,
                value_micro_usd: quote.notional_usd,
                realized_slippage_bps: slippage,
            },
        )?;
        let seq = plan_state.next_seq()?;
        plan_state.invariant()?;
        Ok((
            plan_state,
            Completed {
                execution,
                realized_slippage_bps: slippage,
                leaf,
                seq,
            },
        ))
    }
}

/// The accounts a trading instruction lends the shared execution path.
pub struct Parts<'a, 'info> {
    pub custody: &'a mut StepCustody<'info>,
    pub payment: &'a StepPayment<'info>,
    pub receipts: &'a ReceiptAccounts<'info>,
    pub reputation: &'a ReputationAccounts<'info>,
    pub venue: AccountInfo<'info>,
    pub authority: AccountInfo<'info>,
    pub token_program: AccountInfo<'info>,
}

/// A trading instruction: its own way to price the step's legs ([`Self::quote`]) over the
/// shared custody, fill and completion ([`execute`]).
pub trait GuardedStep<'info> {
    /// Reads the legs' guarded prices, checks the step's trigger on them and quotes step
    /// `index` for the vendor's `fee` ([`quote`]), recording what it observed in `plan`.
    fn quote(&self, plan: &mut Plan, index: u8, fee: u64, clock: &Clock) -> Result<Quote>;

    /// The shared accounts.
    fn parts(&mut self) -> Parts<'_, 'info>;
}

/// What the vendor asked of one execution.
pub struct Request {
    pub step: u8,
    pub venue_data: Vec<u8>,
    pub vendor_receipt_hash: [u8; 32],
}

/// One guarded execution of a validated trading instruction: quote, fill through the venue
/// (`remaining` are its accounts), completion; the plan written back. Returns the event to
/// emit.
pub fn execute<'info, T: GuardedStep<'info>>(
    accounts: &mut T,
    remaining: &[AccountInfo<'info>],
    authority_bump: u8,
    request: Request,
) -> Result<StepExecuted> {
    let clock = Clock::get()?;
    let award = settlement::award_of(&accounts.parts().custody.step.rfp)?;
    // Work on a copy of the plan while other accounts are borrowed; written back at the end.
    let mut plan_state = Plan::clone(&accounts.parts().custody.step.plan);
    let step = plan_state.step(request.step)?;
    let quote = accounts.quote(&mut plan_state, request.step, award.price, &clock)?;
    let parts = accounts.parts();
    let fill = parts.custody.fill(
        &plan_state,
        &step,
        &parts.venue,
        remaining,
        request.venue_data,
        &parts.token_program,
    )?;
    let (plan_state, done) = Completion {
        custody: parts.custody,
        payment: parts.payment,
        receipts: parts.receipts,
        reputation: parts.reputation,
        venue: parts.venue.key(),
        authority: parts.authority.clone(),
        authority_bump,
    }
    .complete(
        plan_state,
        Executed {
            index: request.step,
            step: &step,
            quote,
            fill,
            price: award.price,
            vendor_receipt_hash: request.vendor_receipt_hash,
        },
        &clock,
    )?;
    let plan = parts.custody.step.plan.key();
    parts.custody.step.plan.set_inner(plan_state);
    Ok(StepExecuted {
        plan,
        step: request.step,
        execution: done.execution,
        vendor: award.vendor,
        agent: award.agent,
        amount_in: fill.spent,
        amount_out: fill.received,
        expected_out: quote.expected_out,
        min_out: quote.min_out,
        realized_slippage_bps: done.realized_slippage_bps,
        fee: award.price,
        notional_usd: quote.notional_usd,
        receipt_leaf: done.leaf,
        seq: done.seq,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    })
}
