use anchor_lang::prelude::*;
use anchor_spl::token::{self, Mint};
use onchain_common::pda::init_pda_account;

use crate::{
    constants::{DELEGATE_SEED, MAX_MINTS, STAGING_SEED},
    error::RunnerError,
    events::PlanCreated,
    state::{
        Custody, MintPolicy, OracleSource, Plan, PlanStatus, PlanStep, StepGuards, StepKind,
        StepStatus,
    },
};

/// A mint of the policy, as given at creation.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug)]
pub struct MintPolicyArgs {
    /// An SPL Token mint; its account is passed (in policy order) as a remaining account.
    pub mint: Pubkey,
    /// Must equal the Mint account's decimals.
    pub decimals: u8,
    /// The one oracle account executions may read this mint's price from.
    pub oracle: Pubkey,
    /// Its program and, for Pyth, the feed id it must carry.
    pub source: OracleSource,
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
    /// CHECK: the owner's delegate PDA (holds nothing; its bump is recorded).
    #[account(seeds = [DELEGATE_SEED, owner.key().as_ref()], bump)]
    pub owner_delegate: UncheckedAccount<'info>,
    /// The plan's owner; pays rent.
    #[account(mut)]
    pub owner: Signer<'info>,
    pub system_program: Program<'info, System>,
    // remaining_accounts: the policy's Mint accounts, in policy order.
}

/// Programs that are never venues: AgentRunner's own (a venue call must not re-enter them with
/// the staging signature) and the system, token and associated-token programs (a venue call
/// is a trade, not a transfer).
pub fn forbidden_venue(program: &Pubkey) -> bool {
    [
        crate::ID,
        escrow::ID,
        market::ID,
        agent_registry::ID,
        receipts::ID,
        receipts::constants::COMPRESSION_PROGRAM_ID,
        receipts::constants::NOOP_PROGRAM_ID,
        token::ID,
        anchor_spl::token_2022::ID,
        anchor_spl::associated_token::ID,
        anchor_lang::system_program::ID,
    ]
    .contains(program)
}

impl CreatePlan<'_> {
    fn validate(&self, args: &CreatePlanArgs) -> Result<()> {
        validate_args(args)
    }
}

/// What `create_plan` checks of its arguments before reading any account: positive caps, a
/// planner, at most [`MAX_MINTS`] distinct mints and no forbidden venue. Planners check their
/// drafts with this (and [`new_plan`]) before asking the owner to sign.
pub fn validate_args(args: &CreatePlanArgs) -> Result<()> {
    require!(
        args.notional_cap_usd > 0 && args.daily_cap_usd >= args.notional_cap_usd,
        RunnerError::InvalidPlan
    );
    require!(args.planner != Pubkey::default(), RunnerError::InvalidPlan);
    require!(args.mints.len() <= MAX_MINTS, RunnerError::InvalidPlan);
    let duplicate_mint = args
        .mints
        .iter()
        .enumerate()
        .any(|(i, m)| args.mints[..i].iter().any(|o| o.mint == m.mint));
    require!(!duplicate_mint, RunnerError::InvalidPlan);
    require!(
        !args.venues.iter().any(forbidden_venue),
        RunnerError::VenueForbidden
    );
    Ok(())
}

/// The policy entry of `args`, after checking `account` is its SPL Token mint with the same
/// decimals; records the bumps of the owner's account and staging account of the mint.
fn mint_policy(owner: &Pubkey, args: &MintPolicyArgs, account: &AccountInfo) -> Result<MintPolicy> {
    require_keys_eq!(account.key(), args.mint, RunnerError::MintMismatch);
    require_keys_eq!(*account.owner, token::ID, RunnerError::MintMismatch);
    let data = account.try_borrow_data()?;
    let mint = Mint::try_deserialize(&mut &data[..]).map_err(|_| RunnerError::MintMismatch)?;
    require!(mint.decimals == args.decimals, RunnerError::MintMismatch);
    Ok(policy_of(owner, args))
}

/// The policy entry of `args` for `owner`, with the bumps of the owner's account and staging
/// account of the mint.
pub fn policy_of(owner: &Pubkey, args: &MintPolicyArgs) -> MintPolicy {
    let (_, owner_account_bump) = Pubkey::find_program_address(
        &[owner.as_ref(), token::ID.as_ref(), args.mint.as_ref()],
        &anchor_spl::associated_token::ID,
    );
    let (_, staging_bump) = Pubkey::find_program_address(
        &[STAGING_SEED, owner.as_ref(), args.mint.as_ref()],
        &crate::ID,
    );
    MintPolicy {
        mint: args.mint,
        decimals: args.decimals,
        oracle: args.oracle,
        source: args.source,
        last_publish_time: 0,
        owner_account_bump,
        staging_bump,
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

/// The plan `args` create for `owner` at `now` from its checked mint policies `mints`, required to
/// hold [`Plan::invariant`] (steps, mints, guards, repeats). `bump` and `owner_delegate_bump`
/// are the plan's and the owner's delegate's.
pub fn new_plan(
    owner: Pubkey,
    args: &CreatePlanArgs,
    mints: Vec<MintPolicy>,
    now: i64,
    bump: u8,
    owner_delegate_bump: u8,
) -> Result<Plan> {
    let plan = Plan {
        owner,
        plan_id: args.plan_id,
        plan_hash: args.plan_hash,
        planner: args.planner,
        mints,
        venues: args.venues.clone(),
        notional_cap_usd: args.notional_cap_usd,
        daily_cap_usd: args.daily_cap_usd,
        day_start: now,
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
        created_at: now,
        seq: 0,
        bump,
        owner_delegate_bump,
        custody: Custody::Pending,
        padding: [0; 32],
    };
    plan.invariant()?;
    Ok(plan)
}

#[access_control(ctx.accounts.validate(&args))]
pub fn handler<'info>(ctx: Context<'info, CreatePlan<'info>>, args: CreatePlanArgs) -> Result<()> {
    let clock = Clock::get()?;
    let owner = ctx.accounts.owner.key();
    require!(
        ctx.remaining_accounts.len() == args.mints.len(),
        RunnerError::MintMismatch
    );
    let mints = args
        .mints
        .iter()
        .zip(ctx.remaining_accounts)
        .map(|(m, account)| mint_policy(&owner, m, account))
        .collect::<Result<Vec<_>>>()?;
    let mut plan = new_plan(
        owner,
        &args,
        mints,
        clock.unix_timestamp,
        ctx.bumps.plan,
        ctx.bumps.owner_delegate,
    )?;
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
