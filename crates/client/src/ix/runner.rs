//! `runner` instruction builders.
use anchor_lang::{
    prelude::{AccountMeta, Pubkey},
    solana_program::instruction::Instruction,
    system_program,
};
use receipts::constants::{COMPRESSION_PROGRAM_ID, NOOP_PROGRAM_ID};
use runner::{
    accounts as acc, instruction as data,
    instructions::*,
    state::{Custody, Plan, PlanStep},
};
use sim_venue::instructions::SwapArgs;

use super::{build, escrow::BudgetRef, sim_venue::PoolRef, with_remaining};
use crate::{pda, ClientError, ClientResult};

fn event_authority() -> Pubkey {
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

    fn awarded(&self) -> acc::AwardedStep {
        acc::AwardedStep {
            plan: self.plan,
            vendor: self.vendor,
            rfp: self.rfp(),
            agent: self.agent,
            agent_version: self.agent_version,
        }
    }

    fn payment(&self) -> acc::StepPayment {
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

    fn receipts(&self) -> acc::ReceiptAccounts {
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

/// One position a NAV prices: the owner's token account, its mint, and the Pyth price account
/// and feed id it is priced by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NavAccounts {
    pub account: Pubkey,
    pub mint: Pubkey,
    pub price_account: Pubkey,
    pub feed_id: [u8; 32],
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
                feeds: positions.iter().map(|p| p.feed_id).collect(),
                max_age_secs,
                max_confidence_bps,
            },
        },
    );
    let remaining: Vec<AccountMeta> = positions
        .iter()
        .flat_map(|p| {
            [
                AccountMeta::new_readonly(p.account, false),
                AccountMeta::new_readonly(p.mint, false),
                AccountMeta::new_readonly(p.price_account, false),
            ]
        })
        .collect();
    with_remaining(ix, remaining)
}

/// Where an outcome of `agent` paid for by `payer` goes.
fn reputation(agent: &Pubkey, payer: &Pubkey) -> acc::ReputationAccounts {
    acc::ReputationAccounts {
        registry_config: pda::registry_config().0,
        payer_record: pda::payer_record(agent, payer).0,
        registry_event_authority: pda::event_authority(&agent_registry::ID).0,
        registry_program: agent_registry::ID,
        system_program: system_program::ID,
    }
}

/// The owner's accounts, staging, the three pinned price accounts and the venue call of one
/// swap execution.
#[derive(Clone, Debug)]
pub struct SwapLeg {
    /// The plan owner (its delegate moves the input into staging).
    pub owner: Pubkey,
    /// The owner's associated token account of the input mint.
    pub user_in: Pubkey,
    /// The owner's associated token account of the output mint.
    pub user_out: Pubkey,
    /// The owner's staging account of the input mint: the venue's source and only signer.
    pub staging: Pubkey,
    /// The oracle accounts the plan pins for the input, output and fee mints.
    pub price_in: Pubkey,
    pub price_out: Pubkey,
    pub price_fee: Pubkey,
    /// The venue instruction the runner invokes, signed by staging.
    pub venue: VenueCall,
}

impl SwapLeg {
    /// The leg of `step` of `plan` exactly as the runner requires it: the owner's associated
    /// accounts, the owner's staging account and the plan's pinned oracle accounts (the fee
    /// priced in `fee_mint`, the budget's).
    ///
    /// # Errors
    /// A mint outside the plan's policy.
    pub fn for_step(
        plan: &Plan,
        step: &PlanStep,
        fee_mint: &Pubkey,
        venue: VenueCall,
    ) -> ClientResult<Self> {
        let oracle = |mint: &Pubkey| -> ClientResult<Pubkey> {
            plan.mint_policy(mint)
                .map(|(_, p)| p.oracle)
                .map_err(|_| ClientError::Build(format!("mint {mint} is not in the plan's policy")))
        };
        Ok(Self {
            owner: plan.owner,
            user_in: owner_account(&plan.owner, &step.mint_in),
            user_out: owner_account(&plan.owner, &step.mint_out),
            staging: pda::staging(&plan.owner, &step.mint_in).0,
            price_in: oracle(&step.mint_in)?,
            price_out: oracle(&step.mint_out)?,
            price_fee: oracle(fee_mint)?,
            venue,
        })
    }
}

/// A venue instruction as the runner forwards it: program, accounts (no signer flags; staging
/// signs inside the CPI) and data.
#[derive(Clone, Debug)]
pub struct VenueCall {
    pub program: Pubkey,
    pub accounts: Vec<AccountMeta>,
    pub data: Vec<u8>,
}

impl VenueCall {
    /// Wraps an instruction built for the venue with staging as its authority.
    pub fn from_instruction(ix: Instruction) -> Self {
        Self {
            program: ix.program_id,
            accounts: ix
                .accounts
                .into_iter()
                .map(|meta| AccountMeta {
                    is_signer: false,
                    ..meta
                })
                .collect(),
            data: ix.data,
        }
    }

    /// A sim_venue `swap` of `args.amount_in` selling `mint_in` from `owner`'s staging account
    /// (its own authority) into `user_out`.
    pub fn sim_venue_swap(
        pool: &PoolRef,
        owner: &Pubkey,
        mint_in: &Pubkey,
        user_out: &Pubkey,
        args: SwapArgs,
    ) -> Self {
        let staging = pda::staging(owner, mint_in).0;
        Self::from_instruction(super::sim_venue::swap(
            pool, mint_in, &staging, user_out, &staging, args,
        ))
    }
}

/// `execute_swap_step` (the awarded vendor signs).
pub fn execute_swap_step(s: &StepRef, leg: &SwapLeg, vendor_receipt_hash: [u8; 32]) -> Instruction {
    let owner_delegate = pda::owner_delegate(&leg.owner).0;
    let ix = build(
        runner::ID,
        acc::ExecuteSwapStep {
            step: s.awarded(),
            owner_delegate,
            user_in: leg.user_in,
            user_out: leg.user_out,
            staging: leg.staging,
            price_in: leg.price_in,
            price_out: leg.price_out,
            price_fee: leg.price_fee,
            venue_program: leg.venue.program,
            payment: s.payment(),
            receipts: s.receipts(),
            reputation: reputation(&s.agent, &s.owner),
            authority: pda::runner_authority().0,
            token_program: anchor_spl::token::ID,
            event_authority: event_authority(),
            program: runner::ID,
        },
        data::ExecuteSwapStep {
            args: ExecuteSwapStepArgs {
                step: s.step,
                venue_data: leg.venue.data.clone(),
                vendor_receipt_hash,
            },
        },
    );
    with_remaining(ix, leg.venue.accounts.iter().cloned())
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
