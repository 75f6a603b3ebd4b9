//! `runner` instruction builders: the plan's lifecycle here, a trading step's executions in
//! [`trade`].
mod trade;

use anchor_lang::{
    prelude::{AccountMeta, Pubkey},
    solana_program::instruction::Instruction,
    system_program,
};
use receipts::constants::{COMPRESSION_PROGRAM_ID, NOOP_PROGRAM_ID};
use runner::{
    accounts as acc, instruction as data,
    instructions::*,
    nav::NavPricing,
    state::{Custody, Plan},
};
pub use trade::*;

use super::{build, escrow::BudgetRef, sim_venue::PoolRef, with_remaining};
use crate::pda;

pub(super) fn event_authority() -> Pubkey {
    pda::event_authority(&runner::ID).0
}

/// The owner's associated token account of `mint` (SPL Token): the only account a plan sells
/// from or buys into.
pub fn owner_account(owner: &Pubkey, mint: &Pubkey) -> Pubkey {
    pda::ata(owner, mint, &anchor_spl::token::ID)
}

/// `create_plan` (the owner signs and pays rent); the policy's Mint accounts ride along so the
/// program checks their decimals.
pub fn create_plan(owner: &Pubkey, args: CreatePlanArgs) -> Instruction {
    let plan = pda::plan(owner, args.plan_id).0;
    let mints: Vec<AccountMeta> = args
        .mints
        .iter()
        .map(|m| AccountMeta::new_readonly(m.mint, false))
        .collect();
    let ix = build(
        runner::ID,
        acc::CreatePlan {
            plan,
            owner_delegate: pda::owner_delegate(owner).0,
            owner: *owner,
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: runner::ID,
        },
        data::CreatePlan { args },
    );
    with_remaining(ix, mints)
}

/// `approve_plan` (owner): raises the owner's delegate's allowance on the owner's account of
/// each of `inputs` (the plan's input mints, in policy order) by the plan's remaining input,
/// creating the owner's staging accounts if missing.
pub fn approve_plan(plan: &Pubkey, owner: &Pubkey, inputs: &[Pubkey]) -> Instruction {
    let ix = build(
        runner::ID,
        acc::ApprovePlan {
            plan: *plan,
            owner: *owner,
            owner_delegate: pda::owner_delegate(owner).0,
            token_program: anchor_spl::token::ID,
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: runner::ID,
        },
        data::ApprovePlan {},
    );
    with_remaining(
        ix,
        inputs.iter().flat_map(|mint| {
            [
                AccountMeta::new_readonly(*mint, false),
                AccountMeta::new(owner_account(owner, mint), false),
                AccountMeta::new(pda::staging(owner, mint).0, false),
            ]
        }),
    )
}

/// The input mints of `plan`, in policy order.
pub fn input_mints(plan: &Plan) -> Vec<Pubkey> {
    plan.input_mints().map(|m| m.mint).collect()
}

/// The accounts `cancel_plan` / `close_plan` release the plan's allowance on: the owner's input
/// accounts while the plan is approved, nothing otherwise.
fn release_accounts(plan: &Plan) -> Vec<AccountMeta> {
    if !matches!(plan.custody, Custody::Approved { .. }) {
        return Vec::new();
    }
    input_mints(plan)
        .iter()
        .map(|mint| AccountMeta::new(owner_account(&plan.owner, mint), false))
        .collect()
}

/// `cancel_plan` (owner): stops the plan and releases its share of the allowance.
pub fn cancel_plan(plan_key: &Pubkey, plan: &Plan) -> Instruction {
    let ix = build(
        runner::ID,
        acc::CancelPlan {
            plan: *plan_key,
            owner: plan.owner,
            owner_delegate: pda::owner_delegate(&plan.owner).0,
            token_program: anchor_spl::token::ID,
            event_authority: event_authority(),
            program: runner::ID,
        },
        data::CancelPlan {},
    );
    with_remaining(ix, release_accounts(plan))
}

/// `close_plan` (owner; receives the rent): releases what failed steps left.
pub fn close_plan(plan_key: &Pubkey, plan: &Plan) -> Instruction {
    let ix = build(
        runner::ID,
        acc::ClosePlan {
            plan: *plan_key,
            owner: plan.owner,
            owner_delegate: pda::owner_delegate(&plan.owner).0,
            token_program: anchor_spl::token::ID,
            event_authority: event_authority(),
            program: runner::ID,
        },
        data::ClosePlan {},
    );
    with_remaining(ix, release_accounts(plan))
}

/// `close_staging` (owner): closes the owner's staging account of `mint` once no approved plan
/// sells it; contents to the owner's account, rent to the owner.
pub fn close_staging(owner: &Pubkey, mint: &Pubkey) -> Instruction {
    build(
        runner::ID,
        acc::CloseStaging {
            owner: *owner,
            owner_delegate: pda::owner_delegate(owner).0,
            mint: *mint,
            owner_account: owner_account(owner, mint),
            staging: pda::staging(owner, mint).0,
            token_program: anchor_spl::token::ID,
            event_authority: event_authority(),
            program: runner::ID,
        },
        data::CloseStaging {},
    )
}

/// Everything that names one awarded step of a plan and how it is paid and receipted.
#[derive(Clone, Copy, Debug)]
pub struct StepRef {
    pub plan: Pubkey,
    /// Who opened the plan's RFPs (the plan's `planner`).
    pub planner: Pubkey,
    pub step: u8,
    /// The awarded vendor (signs).
    pub vendor: Pubkey,
    /// The awarded agent (registry account).
    pub agent: Pubkey,
    /// The agent's current version (registry account; its certification is checked).
    pub agent_version: Pubkey,
    /// The plan owner's budget paying this step.
    pub budget: BudgetRef,
    /// The grant bound to this step (redeemer = the plan PDA).
    pub grant: Pubkey,
    /// The vendor's payout token account.
    pub vendor_token: Pubkey,
    /// The plan owner (the payer whose record the agent's reputation uses).
    pub owner: Pubkey,
    /// The plan's receipts shard (see `receipts::receipt::shard_for`) and the generation of it
    /// the receipt goes to (its newest).
    pub receipts: super::receipts::TreeRef,
}

impl StepRef {
    /// The step's market RFP: `["rfp", planner, plan, step]`.
    pub fn rfp(&self) -> Pubkey {
        pda::rfp(&self.planner, &self.plan, u16::from(self.step)).0
    }

    pub(super) fn awarded(&self) -> acc::AwardedStep {
        acc::AwardedStep {
            plan: self.plan,
            vendor: self.vendor,
            rfp: self.rfp(),
            agent: self.agent,
            agent_version: self.agent_version,
        }
    }

    pub(super) fn payment(&self) -> acc::StepPayment {
        acc::StepPayment {
            budget: self.budget.budget,
            budget_vault: self.budget.vault,
            fee_mint: self.budget.mint,
            fee_token_program: self.budget.token_program,
            grant: self.grant,
            vendor_token: self.vendor_token,
            escrow_event_authority: pda::event_authority(&escrow::ID).0,
            escrow_program: escrow::ID,
        }
    }

    pub(super) fn receipts(&self) -> acc::ReceiptAccounts {
        receipt_accounts(&self.receipts)
    }
}

/// Where a receipt appended to `tree` goes.
fn receipt_accounts(tree: &super::receipts::TreeRef) -> acc::ReceiptAccounts {
    acc::ReceiptAccounts {
        receipts_config: pda::receipts_config().0,
        receipt_tree: tree.receipt_tree(),
        tree: tree.tree,
        shard: pda::shard(tree.shard).0,
        tree_authority: tree.authority(),
        noop: NOOP_PROGRAM_ID,
        compression_program: COMPRESSION_PROGRAM_ID,
        receipts_event_authority: pda::event_authority(&receipts::ID).0,
        receipts_program: receipts::ID,
    }
}

/// One position a NAV prices: the owner's token account, its mint, and what prices it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NavAccounts {
    pub account: Pubkey,
    pub mint: Pubkey,
    pub priced_by: NavPriceAccounts,
}

/// What prices a NAV position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NavPriceAccounts {
    /// A Pyth price account and its feed id.
    Pyth {
        price_account: Pubkey,
        feed_id: [u8; 32],
    },
    /// An LP token's pool, and each side's Pyth price account and feed id.
    Pool {
        pool: Box<PoolRef>,
        a: (Pubkey, [u8; 32]),
        b: (Pubkey, [u8; 32]),
    },
}

impl NavAccounts {
    /// The position's `NavPricing` argument.
    fn pricing(&self) -> NavPricing {
        match &self.priced_by {
            NavPriceAccounts::Pyth { feed_id, .. } => NavPricing::Pyth { feed_id: *feed_id },
            NavPriceAccounts::Pool { a, b, .. } => NavPricing::Pool {
                feed_a: a.1,
                feed_b: b.1,
            },
        }
    }

    /// The position's remaining accounts, in the order its `NavPricing` names them.
    fn metas(&self) -> Vec<AccountMeta> {
        let mut keys = vec![self.account, self.mint];
        match &self.priced_by {
            NavPriceAccounts::Pyth { price_account, .. } => keys.push(*price_account),
            NavPriceAccounts::Pool { pool, a, b } => keys.extend([
                pool.pool,
                pool.vault_a,
                pool.vault_b,
                pool.mint_a,
                pool.mint_b,
                a.0,
                b.0,
            ]),
        }
        keys.into_iter()
            .map(|key| AccountMeta::new_readonly(key, false))
            .collect()
    }
}

/// `record_nav` of `owner`'s positions (`recorder` signs and pays the leaf's deposit) into
/// `tree`, the newest tree of the owner's shard (`receipts::receipt::shard_for(owner)`).
pub fn record_nav(
    recorder: &Pubkey,
    owner: &Pubkey,
    tree: &super::receipts::TreeRef,
    positions: &[NavAccounts],
    max_age_secs: u32,
    max_confidence_bps: u16,
) -> Instruction {
    let ix = build(
        runner::ID,
        acc::RecordNav {
            recorder: *recorder,
            owner: *owner,
            receipts: receipt_accounts(tree),
            authority: pda::runner_authority().0,
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: runner::ID,
        },
        data::RecordNav {
            args: RecordNavArgs {
                positions: positions.iter().map(NavAccounts::pricing).collect(),
                max_age_secs,
                max_confidence_bps,
            },
        },
    );
    let remaining: Vec<AccountMeta> = positions.iter().flat_map(NavAccounts::metas).collect();
    with_remaining(ix, remaining)
}

/// Where an outcome of `agent` paid for by `payer` goes.
pub(super) fn reputation(agent: &Pubkey, payer: &Pubkey) -> acc::ReputationAccounts {
    acc::ReputationAccounts {
        registry_config: pda::registry_config().0,
        payer_record: pda::payer_record(agent, payer).0,
        registry_event_authority: pda::event_authority(&agent_registry::ID).0,
        registry_program: agent_registry::ID,
        system_program: system_program::ID,
    }
}

/// `complete_service_step` (the awarded vendor signs).
pub fn complete_service_step(s: &StepRef, result_hash: [u8; 32]) -> Instruction {
    build(
        runner::ID,
        acc::CompleteServiceStep {
            step: s.awarded(),
            payment: s.payment(),
            receipts: s.receipts(),
            reputation: reputation(&s.agent, &s.owner),
            authority: pda::runner_authority().0,
            event_authority: event_authority(),
            program: runner::ID,
        },
        data::CompleteServiceStep {
            args: CompleteServiceStepArgs {
                step: s.step,
                result_hash,
            },
        },
    )
}

/// `mark_step_failed` (anyone, `caller` signs, after the RFP's execution deadline).
pub fn mark_step_failed(
    plan_key: &Pubkey,
    plan: &Plan,
    step: u8,
    agent: &Pubkey,
    caller: &Pubkey,
) -> Instruction {
    build(
        runner::ID,
        acc::MarkStepFailed {
            plan: *plan_key,
            rfp: pda::rfp(&plan.planner, plan_key, u16::from(step)).0,
            agent: *agent,
            reputation: reputation(agent, &plan.owner),
            authority: pda::runner_authority().0,
            caller: *caller,
            event_authority: event_authority(),
            program: runner::ID,
        },
        data::MarkStepFailed {
            args: MarkStepFailedArgs { step },
        },
    )
}

/// `report_unfunded_step` (the awarded `vendor` signs, before the deadline): stops a ready swap
/// step whose input the owner no longer holds or delegates.
pub fn report_unfunded_step(
    plan_key: &Pubkey,
    plan: &Plan,
    step: u8,
    vendor: &Pubkey,
) -> Instruction {
    let mint_in = plan.steps[usize::from(step)].mint_in;
    build(
        runner::ID,
        acc::ReportUnfundedStep {
            plan: *plan_key,
            rfp: pda::rfp(&plan.planner, plan_key, u16::from(step)).0,
            owner_account: pda::ata(&plan.owner, &mint_in, &anchor_spl::token::ID),
            vendor: *vendor,
            event_authority: event_authority(),
            program: runner::ID,
        },
        data::ReportUnfundedStep {
            args: ReportUnfundedStepArgs { step },
        },
    )
}
