use anchor_lang::prelude::*;
use receipts::{
    receipt::{ReceiptKind, StepExecution},
    Receipt,
};

use crate::{
    constants::AUTHORITY_SEED,
    error::RunnerError,
    events::StepExecuted,
    instructions::settlement,
    state::{Plan, StepKind},
};
// Composite groups bring Anchor-generated companions (bumps, client modules).
use crate::instructions::accounts::*;

#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct CompleteServiceStepArgs {
    /// Index of the step in the plan.
    pub step: u8,
    /// sha256 of the vendor's signed result (data, analytics report).
    pub result_hash: [u8; 32],
}

/// The awarded vendor of a Service step delivers: its result hash is recorded in a receipt and
/// it is paid through the step's grant, in one transaction.
#[event_cpi]
#[derive(Accounts)]
#[instruction(args: CompleteServiceStepArgs)]
pub struct CompleteServiceStep<'info> {
    pub step: AwardedStep<'info>,
    pub payment: StepPayment<'info>,
    pub receipts: ReceiptAccounts<'info>,
    pub reputation: ReputationAccounts<'info>,
    /// CHECK: the runner authority PDA (seeds checked); signs receipts and reputation.
    #[account(seeds = [AUTHORITY_SEED], bump)]
    pub authority: UncheckedAccount<'info>,
}

pub fn handler(ctx: Context<CompleteServiceStep>, args: CompleteServiceStepArgs) -> Result<()> {
    let clock = Clock::get()?;
    let now = clock.unix_timestamp;
    let plan_key = ctx.accounts.step.plan.key();
    let step = ctx.accounts.step.plan.require_ready(args.step, now)?;
    require!(step.kind == StepKind::Service, RunnerError::WrongStepKind);
    let award = settlement::authorize(&ctx.accounts.step, args.step, &step, now)?;
    settlement::check_grant(&ctx.accounts.payment, &ctx.accounts.step, args.step, &award)?;

    let mut plan_state = Plan::clone(&ctx.accounts.step.plan);
    let execution = plan_state.record_execution(args.step, now)?;
    let agent = &ctx.accounts.step.agent;
    let receipt = Receipt::service(
        StepExecution {
            plan: plan_key,
            step: u16::from(args.step),
            execution: u32::from(execution),
            agent: agent.key(),
            agent_version: agent.version_count.saturating_sub(1),
            payer: plan_state.owner,
            kind: ReceiptKind::Service,
            inputs_hash: solana_sha256_hasher::hashv(&[
                &plan_state.plan_hash,
                &[args.step],
                &u32::from(execution).to_le_bytes(),
            ])
            .to_bytes(),
            vendor_receipt_hash: args.result_hash,
        },
        (ctx.accounts.payment.grant.key(), award.price),
        &clock,
    );
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
            value_micro_usd: award.price,
            realized_slippage_bps: 0,
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
        amount_in: 0,
        amount_out: 0,
        expected_out: 0,
        min_out: 0,
        realized_slippage_bps: 0,
        fee: award.price,
        notional_usd: 0,
        receipt_leaf: leaf,
        seq,
        slot: clock.slot,
        unix_ts: now,
    });
    Ok(())
}
