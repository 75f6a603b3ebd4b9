//! Account groups shared by the step instructions. Accounts the called programs validate
//! themselves are forwarded unchecked and say so; every program id is pinned.
use agent_registry::{
    program::AgentRegistry,
    state::{Agent, AgentVersion},
};
use anchor_lang::prelude::*;
use anchor_spl::{token::TokenAccount as SplTokenAccount, token_interface::TokenAccount};
use escrow::{
    program::Escrow,
    state::{Budget, Grant},
};
use market::state::Rfp;
use receipts::program::Receipts;

use crate::{constants::DELEGATE_SEED, state::Plan};

/// The plan, its step's awarded vendor, the RFP that awarded it, and the agent.
#[derive(Accounts)]
pub struct AwardedStep<'info> {
    #[account(
        mut,
        seeds = [Plan::SEED, plan.owner.as_ref(), plan.plan_id.to_le_bytes().as_ref()],
        bump = plan.bump
    )]
    pub plan: Box<Account<'info, Plan>>,
    /// The awarded vendor (checked against the RFP's award); pays the rent of a new payer
    /// record in the registry.
    #[account(mut)]
    pub vendor: Signer<'info>,
    /// The market RFP for (planner, plan, step): owner checked here, PDA and award in
    /// `settlement::authorize`.
    pub rfp: Box<Account<'info, Rfp>>,
    /// The awarded agent (registry account); written by `record_outcome`. Must be Active and
    /// certified now (checked in `settlement::authorize`).
    #[account(mut)]
    pub agent: Box<Account<'info, Agent>>,
    /// The agent's current version (registry PDA; currency and certification checked in
    /// `settlement::authorize`).
    #[account(
        seeds = [AgentVersion::SEED, agent.key().as_ref(), agent_version.index.to_le_bytes().as_ref()],
        bump = agent_version.bump,
        seeds::program = agent_registry::ID
    )]
    pub agent_version: Box<Account<'info, AgentVersion>>,
}

/// The owner's capital path of one execution of a trading step: the awarded step, the owner's
/// delegate, the owner's accounts of the step's two mints and the owner's staging account of
/// its input mint. `guarded` checks them (`StepCustody::validate`) and moves exactly the
/// step's input through them (`StepCustody::fill`); see `crate::custody` for who signs what.
#[derive(Accounts)]
pub struct StepCustody<'info> {
    pub step: AwardedStep<'info>,
    /// CHECK: the owner's delegate PDA (seeds checked); it signs only the runner's own transfer
    /// of the step's `amount_in` from `user_in` into `staging`.
    #[account(seeds = [DELEGATE_SEED, step.plan.owner.as_ref()], bump = step.plan.owner_delegate_bump)]
    pub owner_delegate: UncheckedAccount<'info>,
    /// The owner's associated token account of the step's input mint (address, owner and mint
    /// checked in `validate`), delegating at least `amount_in` to `owner_delegate`.
    #[account(mut)]
    pub user_in: Box<Account<'info, SplTokenAccount>>,
    /// The owner's associated token account of the step's output mint (checked in `validate`);
    /// the approval creates it.
    #[account(mut)]
    pub user_out: Box<Account<'info, SplTokenAccount>>,
    /// The owner's staging account of the input mint (address checked in `validate`): empty of
    /// the owner's funds before and after the instruction, its own authority.
    #[account(mut)]
    pub staging: Box<Account<'info, SplTokenAccount>>,
}

/// How the vendor is paid: the escrow grant bound to this plan step.
#[derive(Accounts)]
pub struct StepPayment<'info> {
    /// The plan owner's budget (escrow account; payer checked in `settlement::check_grant`).
    #[account(mut)]
    pub budget: Box<Account<'info, Budget>>,
    /// CHECK: the budget's vault; escrow checks it against the budget.
    #[account(mut)]
    pub budget_vault: UncheckedAccount<'info>,
    /// CHECK: the budget's mint; escrow checks it against the budget.
    pub fee_mint: UncheckedAccount<'info>,
    /// CHECK: the budget's token program; escrow checks it against the budget.
    pub fee_token_program: UncheckedAccount<'info>,
    /// The grant paying this step (escrow account; binding checked in `settlement::check_grant`).
    #[account(mut)]
    pub grant: Box<Account<'info, Grant>>,
    /// The awarded vendor's payout account (the grant's vendor, owned by the award's payout).
    #[account(mut)]
    pub vendor_token: Box<InterfaceAccount<'info, TokenAccount>>,
    /// CHECK: escrow's event authority; escrow checks it.
    pub escrow_event_authority: UncheckedAccount<'info>,
    pub escrow_program: Program<'info, Escrow>,
}

/// Where the receipt goes: the plan's shard of the receipts program.
#[derive(Accounts)]
pub struct ReceiptAccounts<'info> {
    /// CHECK: receipts config; the receipts program checks it.
    pub receipts_config: UncheckedAccount<'info>,
    /// CHECK: the plan's shard; the receipts program checks the shard rule.
    pub receipt_tree: UncheckedAccount<'info>,
    /// CHECK: the shard's tree; the receipts program and mpl-account-compression check it.
    #[account(mut)]
    pub tree: UncheckedAccount<'info>,
    /// CHECK: the tree's Shard account, which takes the leaf's deposit from the vendor; the
    /// receipts program checks its seeds.
    #[account(mut)]
    pub shard: UncheckedAccount<'info>,
    /// CHECK: the tree authority PDA; the receipts program checks it.
    pub tree_authority: UncheckedAccount<'info>,
    /// CHECK: mpl-noop; the receipts program pins it.
    pub noop: UncheckedAccount<'info>,
    /// CHECK: mpl-account-compression; the receipts program pins it.
    pub compression_program: UncheckedAccount<'info>,
    /// CHECK: the receipts event authority; the receipts program checks it.
    pub receipts_event_authority: UncheckedAccount<'info>,
    pub receipts_program: Program<'info, Receipts>,
}

/// Where the outcome goes: the registry's reputation counters.
#[derive(Accounts)]
pub struct ReputationAccounts<'info> {
    /// CHECK: registry config; the registry checks it (and that our authority is its recorder).
    pub registry_config: UncheckedAccount<'info>,
    /// CHECK: the registry's payer record of (agent, plan owner); the registry checks its seeds
    /// and creates it on the owner's first credited execution.
    #[account(mut)]
    pub payer_record: UncheckedAccount<'info>,
    /// CHECK: the registry's event authority; the registry checks it.
    pub registry_event_authority: UncheckedAccount<'info>,
    pub registry_program: Program<'info, AgentRegistry>,
    pub system_program: Program<'info, System>,
}
