//! # runner
//!
//! The heart of "execute safely": a vendor can move a user's capital only through a guarded
//! venue call whose result is checked on-chain, and everything fails closed.
//!
//! **Lifecycle.** The owner creates a [`state::Plan`] (`create_plan`): the PlanGraph's hash, a
//! policy (allowed mints with their Pyth/Switchboard feeds, allowed venue programs, per-execution
//! and daily USD caps) and up to 6 steps (kind, capability, earlier-only dependencies, guards,
//! repeats and interval). The planner opens one market RFP per step; at approval the owner opens
//! an escrow budget, issues one grant per step with the plan PDA as redeemer, and SPL-approves
//! the trade amount to the plan's delegate PDA. The awarded vendor then calls
//! `execute_swap_step` (Swap, Dca, Rebalance) or `complete_service_step` (Service); each is one
//! atomic transaction: readiness, award, grant binding, oracle guards on both legs, min-out from
//! the oracle cross price, the venue CPI signed by the delegate, balance-delta checks on the
//! owner's own accounts, notional/daily/fee caps, payment through escrow (signed by the plan PDA),
//! the receipt (signed by the runner authority) and the agent's outcome. `mark_step_failed`
//! (anyone, after the RFP's deadline) records a failure. `cancel_plan` stops everything;
//! `close_plan` returns rent.
//!
//! **Authorities.** owner: the plan. Awarded vendor: its step's executions. Plan PDA: redeems
//! its own grants. Delegate PDA `["delegate", plan]`: the SPL delegate, signs venue CPIs only.
//! Runner authority `["authority"]`: receipts writer and registry outcome recorder.
//!
//! **Bounds.** 6 steps, 4 mints, 4 venues per plan.
#![deny(arithmetic_overflow, unused_must_use)]
#![allow(clippy::result_large_err)]

pub mod constants;
pub mod error;
pub mod events;
pub mod instructions;
pub mod math;
pub mod oracle;
pub mod state;

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

    /// Creates a plan: hash, policy and steps (owner).
    pub fn create_plan(ctx: Context<CreatePlan>, args: CreatePlanArgs) -> Result<()> {
        instructions::create_plan::handler(ctx, args)
    }

    /// Stops every further execution (owner).
    pub fn cancel_plan(ctx: Context<CancelPlan>) -> Result<()> {
        instructions::cancel_plan::handler(ctx)
    }

    /// Closes a cancelled or finished plan; rent to the owner (owner).
    pub fn close_plan(ctx: Context<ClosePlan>) -> Result<()> {
        instructions::close_plan::handler(ctx)
    }

    /// One guarded, paid, receipted swap execution (the step's awarded vendor).
    pub fn execute_swap_step<'info>(
        ctx: Context<'info, ExecuteSwapStep<'info>>,
        args: ExecuteSwapStepArgs,
    ) -> Result<()> {
        instructions::execute_swap_step::handler(ctx, args)
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
}
