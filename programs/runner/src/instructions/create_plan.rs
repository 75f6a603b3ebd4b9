use anchor_lang::prelude::*;
use onchain_common::pda::init_pda_account;

use crate::{
    constants::DELEGATE_SEED,
    error::RunnerError,
    events::PlanCreated,
    state::{MintPolicy, Plan, PlanStatus, PlanStep, StepGuards, StepKind, StepStatus},
};

/// A mint of the policy, as given at creation.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug)]
pub struct MintPolicyArgs {
    pub mint: Pubkey,
    pub decimals: u8,
    /// Pyth feed id, or all zero.
    pub pyth_feed: [u8; 32],
    /// Switchboard pull feed account, or the default key.
    pub switchboard_feed: Pubkey,
}

/// A step, as given at creation. Mints are named by their index in the plan's `mints` (one
/// byte instead of 32: a six-step plan with four mints fits one transaction).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug)]
pub struct StepArgs {
    pub kind: StepKind,
    pub capability: u64,
    /// Bitmask of earlier steps this one waits for.
    pub depends_on: u8,
    /// Index of the input mint in `mints` (ignored for Service steps).
    pub mint_in: u8,
    /// Index of the output mint in `mints` (ignored for Service steps).
    pub mint_out: u8,
    /// Input atoms per execution.
    pub amount_in: u64,
    pub guards: StepGuards,
    pub repeat: u16,
    pub interval_secs: u32,
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct CreatePlanArgs {
    /// Distinguishes the owner's plans (PDA seed).
    pub plan_id: u64,
    /// sha256 of the canonical PlanGraph JSON.
    pub plan_hash: [u8; 32],
    /// Who opens the plan's RFPs (the owner or its planner keeper).
    pub planner: Pubkey,
    /// At most 4.
    pub mints: Vec<MintPolicyArgs>,
    /// Allowed venue programs, at most 4.
    pub venues: Vec<Pubkey>,
    /// Micro-USD per execution.
    pub notional_cap_usd: u64,
    /// Micro-USD per day.
    pub daily_cap_usd: u64,
    /// 1..=6 steps; dependencies only on earlier steps.
    pub steps: Vec<StepArgs>,
}

#[event_cpi]
#[derive(Accounts)]
#[instruction(args: CreatePlanArgs)]
pub struct CreatePlan<'info> {
    /// CHECK: the plan PDA, created by the handler (prefund-safe).
    #[account(mut, seeds = [Plan::SEED, owner.key().as_ref(), args.plan_id.to_le_bytes().as_ref()], bump)]
    pub plan: UncheckedAccount<'info>,
    /// CHECK: the plan's delegate PDA (holds nothing; its bump is recorded).
    #[account(seeds = [DELEGATE_SEED, plan.key().as_ref()], bump)]
    pub delegate: UncheckedAccount<'info>,
    /// The plan's owner; pays rent.
    #[account(mut)]
    pub owner: Signer<'info>,
    pub system_program: Program<'info, System>,
}

impl CreatePlan<'_> {
    fn validate(&self, args: &CreatePlanArgs) -> Result<()> {
        require!(
            args.notional_cap_usd > 0 && args.daily_cap_usd >= args.notional_cap_usd,
            RunnerError::InvalidPlan
        );
        require!(args.planner != Pubkey::default(), RunnerError::InvalidPlan);
        let duplicate_mint = args
            .mints
            .iter()
            .enumerate()
            .any(|(i, m)| args.mints[..i].iter().any(|o| o.mint == m.mint));
        require!(!duplicate_mint, RunnerError::InvalidPlan);
        Ok(())
    }
}

/// The mint at `index` of the policy; Service steps trade nothing (default key).
fn resolve_mint(mints: &[MintPolicyArgs], kind: StepKind, index: u8) -> Result<Pubkey> {
    if kind == StepKind::Service {
        return Ok(Pubkey::default());
    }
    mints
        .get(usize::from(index))
        .map(|m| m.mint)
        .ok_or_else(|| error!(RunnerError::InvalidPlan))
}

#[access_control(ctx.accounts.validate(&args))]
pub fn handler(ctx: Context<CreatePlan>, args: CreatePlanArgs) -> Result<()> {
    let clock = Clock::get()?;
    let owner = ctx.accounts.owner.key();
    let mut plan = Plan {
        owner,
        plan_id: args.plan_id,
        plan_hash: args.plan_hash,
        planner: args.planner,
        mints: args
            .mints
            .iter()
            .map(|m| MintPolicy {
                mint: m.mint,
                decimals: m.decimals,
                pyth_feed: m.pyth_feed,
                switchboard_feed: m.switchboard_feed,
                last_publish_time: 0,
            })
            .collect(),
        venues: args.venues,
        notional_cap_usd: args.notional_cap_usd,
        daily_cap_usd: args.daily_cap_usd,
        day_start: clock.unix_timestamp,
        spent_today_usd: 0,
        steps: args
            .steps
            .iter()
            .map(|s| -> Result<PlanStep> {
                Ok(PlanStep {
                    kind: s.kind,
                    capability: s.capability,
                    depends_on: s.depends_on,
                    mint_in: resolve_mint(&args.mints, s.kind, s.mint_in)?,
                    mint_out: resolve_mint(&args.mints, s.kind, s.mint_out)?,
                    amount_in: s.amount_in,
                    guards: s.guards,
                    repeat: s.repeat,
                    interval_secs: s.interval_secs,
                    status: StepStatus::Pending,
                    executions: 0,
                    last_executed_at: 0,
                })
            })
            .collect::<Result<_>>()?,
        status: PlanStatus::Active,
        created_at: clock.unix_timestamp,
        seq: 0,
        bump: ctx.bumps.plan,
        delegate_bump: ctx.bumps.delegate,
        padding: [0; 32],
    };
    plan.invariant()?;
    let seq = plan.next_seq()?;
    init_pda_account(
        &ctx.accounts.owner,
        &ctx.accounts.plan,
        &ctx.accounts.system_program,
        &[
            Plan::SEED,
            owner.as_ref(),
            &args.plan_id.to_le_bytes(),
            &[plan.bump],
        ],
        &plan,
    )?;
    emit_cpi!(PlanCreated {
        plan: ctx.accounts.plan.key(),
        owner,
        planner: plan.planner,
        plan_hash: plan.plan_hash,
        steps: plan.steps.len() as u8,
        seq,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
