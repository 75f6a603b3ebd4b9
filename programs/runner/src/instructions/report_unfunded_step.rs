use anchor_lang::prelude::*;
use anchor_spl::token::TokenAccount;
use market::state::{Rfp, RfpStatus};

use crate::{
    custody,
    error::RunnerError,
    events::StepUnfunded,
    instructions::settlement,
    state::{Plan, StepKind, StepStatus},
};

#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct ReportUnfundedStepArgs {
    pub step: u8,
}

/// The awarded vendor proves a ready swap step cannot run because the owner took its input
/// away: the owner's account of the input mint holds less than the step's `amount_in`, or no
/// longer delegates that much to the owner's delegate. The step stops as `Unfunded`, which no
/// one can later mark failed, and nobody's reputation changes. Without it an owner could award
/// a rival, empty its account for the execution window and mark the rival failed afterwards.
#[event_cpi]
#[derive(Accounts)]
#[instruction(args: ReportUnfundedStepArgs)]
pub struct ReportUnfundedStep<'info> {
    #[account(
        mut,
        seeds = [Plan::SEED, plan.owner.as_ref(), plan.plan_id.to_le_bytes().as_ref()],
        bump = plan.bump
    )]
    pub plan: Box<Account<'info, Plan>>,
    /// The market RFP for (planner, plan, step), awarded to `vendor`.
    pub rfp: Box<Account<'info, Rfp>>,
    /// The owner's associated token account of the step's input mint (address derived from the
    /// plan's policy); read for its balance and delegation.
    pub owner_account: Box<Account<'info, TokenAccount>>,
    /// The awarded vendor.
    pub vendor: Signer<'info>,
}

pub fn handler(ctx: Context<ReportUnfundedStep>, args: ReportUnfundedStepArgs) -> Result<()> {
    let clock = Clock::get()?;
    let now = clock.unix_timestamp;
    let plan = &ctx.accounts.plan;
    let step = plan.require_ready(args.step, now)?;
    plan.require_approved()?;
    require!(step.kind != StepKind::Service, RunnerError::WrongStepKind);
    let rfp = &ctx.accounts.rfp;
    settlement::require_step_rfp(plan, rfp, args.step)?;
    let RfpStatus::Awarded(award) = rfp.status else {
        return err!(RunnerError::RfpNotAwarded);
    };
    require_keys_eq!(
        award.vendor,
        ctx.accounts.vendor.key(),
        RunnerError::NotAwardedVendor
    );
    require!(
        now < rfp.execution_deadline,
        RunnerError::StepDeadlinePassed
    );
    let (_, policy) = plan.mint_policy(&step.mint_in)?;
    require_keys_eq!(
        ctx.accounts.owner_account.key(),
        custody::owner_account(&plan.owner, &policy)?,
        RunnerError::CustodyAccountsMismatch
    );
    let account = &ctx.accounts.owner_account;
    let delegate = custody::delegate(&plan.owner, plan.owner_delegate_bump)?;
    let funded = account.amount >= step.amount_in
        && custody::allowance(account, &delegate) >= step.amount_in;
    require!(!funded, RunnerError::StepFunded);

    let plan_key = plan.key();
    let plan = &mut ctx.accounts.plan;
    plan.steps[usize::from(args.step)].status = StepStatus::Unfunded;
    let seq = plan.next_seq()?;
    plan.invariant()?;
    emit_cpi!(StepUnfunded {
        plan: plan_key,
        step: args.step,
        vendor: award.vendor,
        balance: account.amount,
        allowance: custody::allowance(account, &delegate),
        seq,
        slot: clock.slot,
        unix_ts: now,
    });
    Ok(())
}
