//! # runner
//!
//! The heart of "execute safely": a vendor can move a user's capital only through a guarded
//! venue call whose result is checked on-chain, and everything fails closed.
//!
//! **Lifecycle.** The owner creates a [`state::Plan`] (`create_plan`): the PlanGraph's hash, a
//! policy (allowed mints with their Pyth/Switchboard feeds, allowed venue programs, per-execution
//! and daily USD caps) and up to 6 steps (kind, capability, earlier-only dependencies, guards,
//! repeats and interval). The planner opens one market RFP per step; at approval the owner, in
//! one transaction, creates any missing output accounts, opens an escrow budget, issues one
//! grant per step with the plan PDA as redeemer, and calls `approve_plan`, which adds the plan's
//! remaining inputs to the owner's single delegation (see [`custody`]). The awarded vendor then
//! calls `execute_swap_step` (Swap, Dca, Rebalance) or `complete_service_step` (Service); each is
//! one atomic transaction: readiness, award, the agent still Active and certified, grant binding,
//! oracle guards on both legs (pinned accounts), min-out from the oracle cross price, exactly the
//! step's input staged by the runner, the venue CPI signed by staging only, balance-delta checks
//! on the owner's accounts, notional/daily/fee caps, payment through escrow (signed by the plan
//! PDA), the receipt (signed by the runner authority) and the agent's outcome.
//! `mark_step_failed` (anyone, after the RFP's deadline) records a failure. `cancel_plan` stops
//! everything and releases the plan's allowance; `close_plan` releases what failed steps left
//! and returns rent.
//!
//! **Authorities.** owner: the plan and its approval. Awarded vendor: its step's executions.
//! Plan PDA: redeems its own grants. Owner's delegate `["delegate", owner]`: the SPL delegate of
//! the owner's input accounts; signs only the runner's own staging transfer. Staging
//! `["staging", owner, mint]`: its own authority; the only signature a venue call carries.
//! Runner authority `["authority"]`: receipts writer and registry outcome recorder.
//!
//! **Bounds.** 6 steps, 4 mints, 4 venues per plan.
#![deny(arithmetic_overflow, unused_must_use)]
#![allow(clippy::result_large_err)]

pub mod constants;
pub mod custody;
pub mod error;
pub mod events;
pub mod instructions;
pub mod math;
pub mod nav;
pub mod oracle;
pub mod state;
pub mod trigger;

use anchor_lang::prelude::*;
use instructions::*;

declare_id!("7WPUEr6KmUgLdL7xN9x1D4fAHfRiRC8zsphSKszqjqhZ");

#[cfg(not(feature = "no-entrypoint"))]
solana_security_txt::security_txt! {
    name: "AgentRunner runner",
    project_url: "https://github.com/agentrunner/agentrunner",
    contacts: "email:security@agentrunner.dev",
    policy: "https://github.com/agentrunner/agentrunner/blob/main/SECURITY.md",
    source_code: "https://github.com/agentrunner/agentrunner",
    source_revision: default_env::default_env!("GITHUB_SHA", ""),
    auditors: "None"
}

#[program]
pub mod runner {
    use super::*;

    /// Creates a plan: hash, policy (mints checked against their Mint accounts, oracle accounts
    /// pinned) and steps (owner).
    pub fn create_plan<'info>(
        ctx: Context<'info, CreatePlan<'info>>,
        args: CreatePlanArgs,
    ) -> Result<()> {
        instructions::create_plan::handler(ctx, args)
    }

    /// Stops every further execution and releases the plan's share of the owner's allowance
    /// (owner).
    pub fn cancel_plan<'info>(ctx: Context<'info, CancelPlan<'info>>) -> Result<()> {
        instructions::cancel_plan::handler(ctx)
    }

    /// Closes a cancelled or finished plan, releasing what failed steps left; rent to the owner
    /// (owner).
    pub fn close_plan<'info>(ctx: Context<'info, ClosePlan<'info>>) -> Result<()> {
        instructions::close_plan::handler(ctx)
    }

    /// Adds the plan's remaining inputs to the owner's delegate's allowance and creates the
    /// owner's staging accounts (owner, once).
    pub fn approve_plan<'info>(ctx: Context<'info, ApprovePlan<'info>>) -> Result<()> {
        instructions::approve_plan::handler(ctx)
    }

    /// One guarded, paid, receipted swap execution (the step's awarded vendor).
    pub fn execute_swap_step<'info>(
        ctx: Context<'info, ExecuteSwapStep<'info>>,
        args: ExecuteSwapStepArgs,
    ) -> Result<()> {
        instructions::execute_swap_step::handler(ctx, args)
    }

    /// One guarded, paid, receipted liquidity execution: one pool token into the pool's LP
    /// token or back, the LP token priced fairly from its pool (the step's awarded vendor).
    pub fn execute_liquidity_step<'info>(
        ctx: Context<'info, ExecuteLiquidityStep<'info>>,
        args: ExecuteLiquidityStepArgs,
    ) -> Result<()> {
        instructions::execute_liquidity_step::handler(ctx, args)
    }

    /// Fund Admin: an owner's positions priced by their oracles, recorded as a NAV receipt
    /// (anyone records; the recorder signs and pays).
    pub fn record_nav<'info>(
        ctx: Context<'info, RecordNav<'info>>,
        args: RecordNavArgs,
    ) -> Result<()> {
        instructions::record_nav::handler(ctx, args)
    }

    /// A Service step's delivery: result hash, payment and receipt (the awarded vendor).
    pub fn complete_service_step(
        ctx: Context<CompleteServiceStep>,
        args: CompleteServiceStepArgs,
    ) -> Result<()> {
        instructions::complete_service_step::handler(ctx, args)
    }

    /// Marks a lapsed step failed and records the failure (anyone, after the deadline).
    pub fn mark_step_failed(ctx: Context<MarkStepFailed>, args: MarkStepFailedArgs) -> Result<()> {
        instructions::mark_step_failed::handler(ctx, args)
    }

    /// Stops a ready swap step whose input the owner took away; no reputation changes (the
    /// awarded vendor, before the deadline).
    pub fn report_unfunded_step(
        ctx: Context<ReportUnfundedStep>,
        args: ReportUnfundedStepArgs,
    ) -> Result<()> {
        instructions::report_unfunded_step::handler(ctx, args)
    }

    /// Closes the owner's staging account of a mint no approved plan sells any more; contents
    /// to the owner's account, rent to the owner (owner).
    pub fn close_staging(ctx: Context<CloseStaging>) -> Result<()> {
        instructions::close_staging::handler(ctx)
    }
}
