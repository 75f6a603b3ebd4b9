//! A trading step's executions: the owner's accounts, staging, the pinned price accounts and
//! the venue call of a swap ([`SwapLeg`]) or a liquidity step ([`LiquidityLeg`]), and the
//! awarded vendor's `execute_swap_step` / `execute_liquidity_step`.
use anchor_lang::{
    prelude::{AccountMeta, Pubkey},
    solana_program::instruction::Instruction,
};
use runner::{
    accounts as acc, instruction as data,
    instructions::*,
    state::{Plan, PlanStep, StepKind},
};
use sim_venue::instructions::{SwapArgs, ZapInArgs, ZapOutArgs};

use super::{event_authority, owner_account, reputation, StepRef};
use crate::{
    ix::{build, sim_venue::PoolRef, with_remaining},
    pda, ClientError, ClientResult,
};

/// The oracle account `plan` pins for `mint`.
fn pinned_oracle(plan: &Plan, mint: &Pubkey) -> ClientResult<Pubkey> {
    plan.mint_policy(mint)
        .map(|(_, p)| p.oracle)
        .map_err(|_| ClientError::Build(format!("mint {mint} is not in the plan's policy")))
}

/// The owner's side of one execution: the owner's accounts of the step's two mints and the
/// owner's staging account of its input.
#[derive(Clone, Copy, Debug)]
pub struct OwnerSide {
    /// The plan owner (its delegate moves the input into staging).
    pub owner: Pubkey,
    /// The owner's associated token account of the input mint.
    pub user_in: Pubkey,
    /// The owner's associated token account of the output mint.
    pub user_out: Pubkey,
    /// The owner's staging account of the input mint: the venue's source and only signer.
    pub staging: Pubkey,
}

impl OwnerSide {
    /// The owner's side of `step` of `plan`.
    pub fn of(plan: &Plan, step: &PlanStep) -> Self {
        Self {
            owner: plan.owner,
            user_in: owner_account(&plan.owner, &step.mint_in),
            user_out: owner_account(&plan.owner, &step.mint_out),
            staging: pda::staging(&plan.owner, &step.mint_in).0,
        }
    }

    fn custody(&self, s: &StepRef) -> acc::StepCustody {
        acc::StepCustody {
            step: s.awarded(),
            owner_delegate: pda::owner_delegate(&self.owner).0,
            user_in: self.user_in,
            user_out: self.user_out,
            staging: self.staging,
        }
    }
}

/// The owner's side, the three pinned price accounts and the venue call of one swap
/// execution.
#[derive(Clone, Debug)]
pub struct SwapLeg {
    pub owner: OwnerSide,
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
        Ok(Self {
            owner: OwnerSide::of(plan, step),
            price_in: pinned_oracle(plan, &step.mint_in)?,
            price_out: pinned_oracle(plan, &step.mint_out)?,
            price_fee: pinned_oracle(plan, fee_mint)?,
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
        Self::from_instruction(crate::ix::sim_venue::swap(
            pool, mint_in, &staging, user_out, &staging, args,
        ))
    }
}

/// `execute_swap_step` (the awarded vendor signs).
pub fn execute_swap_step(s: &StepRef, leg: &SwapLeg, vendor_receipt_hash: [u8; 32]) -> Instruction {
    let ix = build(
        runner::ID,
        acc::ExecuteSwapStep {
            custody: leg.owner.custody(s),
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

/// The owner's side, the step's pool with its two sides' pinned price accounts, the fee
/// mint's, and the venue call of one liquidity execution.
#[derive(Clone, Debug)]
pub struct LiquidityLeg {
    pub owner: OwnerSide,
    pub pool: PoolRef,
    /// The oracle accounts the plan pins for the pool's two mints and the fee mint.
    pub price_a: Pubkey,
    pub price_b: Pubkey,
    pub price_fee: Pubkey,
    pub venue: VenueCall,
}

impl LiquidityLeg {
    /// The leg of liquidity `step` of `plan` through `pool` (the one the plan pins for the
    /// step's LP mint), exactly as the runner requires it.
    ///
    /// # Errors
    /// A mint outside the plan's policy.
    pub fn for_step(
        plan: &Plan,
        step: &PlanStep,
        pool: &PoolRef,
        fee_mint: &Pubkey,
        venue: VenueCall,
    ) -> ClientResult<Self> {
        Ok(Self {
            owner: OwnerSide::of(plan, step),
            pool: *pool,
            price_a: pinned_oracle(plan, &pool.mint_a)?,
            price_b: pinned_oracle(plan, &pool.mint_b)?,
            price_fee: pinned_oracle(plan, fee_mint)?,
            venue,
        })
    }

    /// The sim_venue call of liquidity `step` of `plan` through `pool`: `zap_in` of the step's
    /// input (from staging) for LP into the owner's LP account, or `zap_out` of the step's LP
    /// (from staging) for its output into the owner's account; `min` the least it takes (LP
    /// atoms, or output atoms).
    pub fn sim_venue_call(plan: &Plan, step: &PlanStep, pool: &PoolRef, min: u64) -> VenueCall {
        let side = OwnerSide::of(plan, step);
        let ix = match step.kind {
            StepKind::AddLiquidity => crate::ix::sim_venue::zap_in(
                pool,
                &step.mint_in,
                &side.staging,
                &side.user_out,
                &side.staging,
                ZapInArgs {
                    amount: step.amount_in,
                    min_lp: min,
                },
            ),
            _ => crate::ix::sim_venue::zap_out(
                pool,
                &step.mint_out,
                &side.staging,
                &side.user_out,
                &side.staging,
                ZapOutArgs {
                    lp: step.amount_in,
                    min_out: min,
                },
            ),
        };
        VenueCall::from_instruction(ix)
    }
}

/// `execute_liquidity_step` (the awarded vendor signs).
pub fn execute_liquidity_step(
    s: &StepRef,
    leg: &LiquidityLeg,
    vendor_receipt_hash: [u8; 32],
) -> Instruction {
    let ix = build(
        runner::ID,
        acc::ExecuteLiquidityStep {
            custody: leg.owner.custody(s),
            pool: leg.pool.pool,
            vault_a: leg.pool.vault_a,
            vault_b: leg.pool.vault_b,
            lp_mint: leg.pool.lp_mint,
            price_a: leg.price_a,
            price_b: leg.price_b,
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
        data::ExecuteLiquidityStep {
            args: ExecuteLiquidityStepArgs {
                step: s.step,
                venue_data: leg.venue.data.clone(),
                vendor_receipt_hash,
            },
        },
    );
    with_remaining(ix, leg.venue.accounts.iter().cloned())
}
