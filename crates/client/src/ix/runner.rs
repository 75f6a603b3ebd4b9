//! `runner` instruction builders.
use anchor_lang::{
    prelude::{AccountMeta, Pubkey},
    solana_program::instruction::Instruction,
    system_program,
};
use receipts::constants::{COMPRESSION_PROGRAM_ID, NOOP_PROGRAM_ID};
use runner::{accounts as acc, instruction as data, instructions::*};
use sim_venue::instructions::SwapArgs;

use super::{build, escrow::BudgetRef, sim_venue::PoolRef, with_remaining};
use crate::pda;

fn event_authority() -> Pubkey {
    pda::event_authority(&runner::ID).0
}

/// `create_plan` (the owner signs and pays rent).
pub fn create_plan(owner: &Pubkey, args: CreatePlanArgs) -> Instruction {
    let plan = pda::plan(owner, args.plan_id).0;
    build(
        runner::ID,
        acc::CreatePlan {
            plan,
            delegate: pda::plan_delegate(&plan).0,
            owner: *owner,
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: runner::ID,
        },
        data::CreatePlan { args },
    )
}

/// `cancel_plan` (owner).
pub fn cancel_plan(plan: &Pubkey, owner: &Pubkey) -> Instruction {
    build(
        runner::ID,
        acc::CancelPlan {
            plan: *plan,
            owner: *owner,
            event_authority: event_authority(),
            program: runner::ID,
        },
        data::CancelPlan {},
    )
}

/// `close_plan` (owner; receives the rent).
pub fn close_plan(plan: &Pubkey, owner: &Pubkey) -> Instruction {
    build(
        runner::ID,
        acc::ClosePlan {
            plan: *plan,
            owner: *owner,
            event_authority: event_authority(),
            program: runner::ID,
        },
        data::ClosePlan {},
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
    /// The plan owner's budget paying this step.
    pub budget: BudgetRef,
    /// The grant bound to this step (redeemer = the plan PDA).
    pub grant: Pubkey,
    /// The vendor's payout token account.
    pub vendor_token: Pubkey,
    /// The receipts shard of this plan (see `receipts::receipt::shard_for`).
    pub shard: u16,
    /// That shard's concurrent Merkle tree account.
    pub tree: Pubkey,
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
        acc::ReceiptAccounts {
            receipts_config: pda::receipts_config().0,
            receipt_tree: pda::receipt_tree(self.shard).0,
            tree: self.tree,
            tree_authority: pda::tree_authority(&self.tree).0,
            noop: NOOP_PROGRAM_ID,
            compression_program: COMPRESSION_PROGRAM_ID,
            receipts_event_authority: pda::event_authority(&receipts::ID).0,
            receipts_program: receipts::ID,
        }
    }
}

fn reputation() -> acc::ReputationAccounts {
    acc::ReputationAccounts {
        registry_config: pda::registry_config().0,
        registry_event_authority: pda::event_authority(&agent_registry::ID).0,
        registry_program: agent_registry::ID,
    }
}

/// The owner's token accounts, the three price accounts and the venue call of one swap
/// execution.
#[derive(Clone, Debug)]
pub struct SwapLeg {
    /// The owner's account of the input mint, delegated to the plan's delegate.
    pub user_in: Pubkey,
    /// The owner's account of the output mint.
    pub user_out: Pubkey,
    /// Price accounts (Pyth `PriceUpdateV2` or Switchboard pull feed) of the input, output and
    /// fee mints.
    pub price_in: Pubkey,
    pub price_out: Pubkey,
    pub price_fee: Pubkey,
    /// The venue instruction the runner invokes, signed by the plan's delegate.
    pub venue: VenueCall,
}

/// A venue instruction as the runner forwards it: program, accounts (no signer flags; the
/// delegate signs inside the CPI) and data.
#[derive(Clone, Debug)]
pub struct VenueCall {
    pub program: Pubkey,
    pub accounts: Vec<AccountMeta>,
    pub data: Vec<u8>,
}

impl VenueCall {
    /// Wraps an instruction built for the venue with the delegate as its authority.
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

    /// A sim_venue `swap` of `amount_in` selling `mint_in` from `user_in` into `user_out`,
    /// with the plan's delegate as authority.
    pub fn sim_venue_swap(
        pool: &PoolRef,
        plan: &Pubkey,
        mint_in: &Pubkey,
        user_in: &Pubkey,
        user_out: &Pubkey,
        args: SwapArgs,
    ) -> Self {
        let delegate = pda::plan_delegate(plan).0;
        Self::from_instruction(super::sim_venue::swap(
            pool, mint_in, user_in, user_out, &delegate, args,
        ))
    }
}

/// `execute_swap_step` (the awarded vendor signs).
pub fn execute_swap_step(s: &StepRef, leg: &SwapLeg, vendor_receipt_hash: [u8; 32]) -> Instruction {
    let ix = build(
        runner::ID,
        acc::ExecuteSwapStep {
            step: s.awarded(),
            delegate: pda::plan_delegate(&s.plan).0,
            user_in: leg.user_in,
            user_out: leg.user_out,
            price_in: leg.price_in,
            price_out: leg.price_out,
            price_fee: leg.price_fee,
            venue_program: leg.venue.program,
            payment: s.payment(),
            receipts: s.receipts(),
            reputation: reputation(),
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
            reputation: reputation(),
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

/// `mark_step_failed` (anyone, after the RFP's execution deadline).
pub fn mark_step_failed(plan: &Pubkey, planner: &Pubkey, step: u8, agent: &Pubkey) -> Instruction {
    build(
        runner::ID,
        acc::MarkStepFailed {
            plan: *plan,
            rfp: pda::rfp(planner, plan, u16::from(step)).0,
            agent: *agent,
            reputation: reputation(),
            authority: pda::runner_authority().0,
            event_authority: event_authority(),
            program: runner::ID,
        },
        data::MarkStepFailed {
            args: MarkStepFailedArgs { step },
        },
    )
}
