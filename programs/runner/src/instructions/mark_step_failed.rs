use agent_registry::{instructions::RecordOutcomeArgs, state::Agent};
use anchor_lang::prelude::*;
use market::state::{Rfp, RfpStatus};

use crate::{
    constants::AUTHORITY_SEED,
    error::RunnerError,
    events::StepFailed,
    instructions::settlement,
    state::{Plan, PlanStatus, StepStatus},
};
// Composite groups bring Anchor-generated companions (bumps, client modules).
use crate::instructions::accounts::*;

#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct MarkStepFailedArgs {
    pub step: u8,
}

/// Anyone marks a step failed once its RFP's execution deadline passed with executions left —
/// but only a step the vendor could have executed: the plan active and approved (its budget
/// and grants exist, its inputs are delegated), every dependency done before the deadline, and
/// the RFP advertising the guards the step enforces. The step stops and the awarded agent's
/// reputation records a failure. Reputation therefore counts both what vendors delivered and
/// what they let lapse, never what they were not given the chance to do.
#[event_cpi]
#[derive(Accounts)]
#[instruction(args: MarkStepFailedArgs)]
pub struct MarkStepFailed<'info> {
    #[account(
        mut,
        seeds = [Plan::SEED, plan.owner.as_ref(), plan.plan_id.to_le_bytes().as_ref()],
        bump = plan.bump
    )]
    pub plan: Box<Account<'info, Plan>>,
    /// The market RFP for (planner, plan, step).
    pub rfp: Box<Account<'info, Rfp>>,
    /// The agent the RFP was awarded to.
    #[account(mut)]
    pub agent: Box<Account<'info, Agent>>,
    pub reputation: ReputationAccounts<'info>,
    /// CHECK: the runner authority PDA (seeds checked).
    #[account(seeds = [AUTHORITY_SEED], bump)]
    pub authority: UncheckedAccount<'info>,
    /// Anyone; signs (a failure creates no registry account, so it pays nothing but the fee).
    #[account(mut)]
    pub caller: Signer<'info>,
}

pub fn handler(ctx: Context<MarkStepFailed>, args: MarkStepFailedArgs) -> Result<()> {
    let clock = Clock::get()?;
    let plan_key = ctx.accounts.plan.key();
    let plan = &ctx.accounts.plan;
    let step = plan.step(args.step)?;
    require!(
        step.status == StepStatus::Pending,
        RunnerError::StepFinished
    );
    require!(
        plan.status == PlanStatus::Active,
        RunnerError::PlanNotActive
    );
    plan.require_approved()?;
    let rfp = &ctx.accounts.rfp;
    settlement::require_step_rfp(plan, rfp, args.step)?;
    settlement::require_advertised_guards(rfp, &step)?;
    require!(
        plan.dependencies_done_before(&step, rfp.execution_deadline),
        RunnerError::StepNotExecutable
    );
    let RfpStatus::Awarded(award) = rfp.status else {
        return err!(RunnerError::RfpNotAwarded);
    };
    require_keys_eq!(
        award.agent,
        ctx.accounts.agent.key(),
        RunnerError::NotAwardedVendor
    );
    require!(
        clock.unix_timestamp >= rfp.execution_deadline,
        RunnerError::StepNotExpired
    );
    settlement::record_outcome(
        &ctx.accounts.reputation,
        &ctx.accounts.authority.to_account_info(),
        ctx.bumps.authority,
        &ctx.accounts.agent.to_account_info(),
        &ctx.accounts.caller.to_account_info(),
        RecordOutcomeArgs {
            success: false,
            realized_slippage_bps: 0,
            receipt_leaf: [0; 32],
            capability: step.capability & step.capability.wrapping_neg(),
            payer: plan.owner,
            value_micro_usd: 0,
        },
    )?;
    let plan = &mut ctx.accounts.plan;
    plan.steps[usize::from(args.step)].status = StepStatus::Failed;
    let seq = plan.next_seq()?;
    plan.invariant()?;
    emit_cpi!(StepFailed {
        plan: plan_key,
        step: args.step,
        agent: award.agent,
        executions: step.executions,
        seq,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
