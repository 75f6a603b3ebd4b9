//! Runner events (`emit_cpi!`). Amounts are token atoms; USD amounts are micro-USD.
use anchor_lang::prelude::*;

#[event]
pub struct PlanCreated {
    pub plan: Pubkey,
    pub owner: Pubkey,
    pub planner: Pubkey,
    pub plan_hash: [u8; 32],
    pub steps: u8,
    pub seq: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

/// The owner approved the plan's inputs: for each mint it sells, the owner's delegate's allowance
/// on the owner's account grew by the plan's remaining input.
#[event]
pub struct PlanApproved {
    pub plan: Pubkey,
    pub owner: Pubkey,
    /// The input mints, in policy order.
    pub mints: Vec<Pubkey>,
    /// Allowance of the owner's delegate on the owner's account of each mint, atoms.
    pub allowances_before: Vec<u64>,
    pub allowances_after: Vec<u64>,
    pub seq: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

#[event]
pub struct PlanCancelled {
    pub plan: Pubkey,
    /// Input mints whose allowance shrank by what the plan had left.
    pub mints: Vec<Pubkey>,
    /// Allowance of the owner's delegate on the owner's account of each mint, atoms.
    pub allowances_before: Vec<u64>,
    pub allowances_after: Vec<u64>,
    pub seq: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

#[event]
pub struct PlanClosed {
    pub plan: Pubkey,
    /// Lamports returned to the owner.
    pub rent_returned: u64,
    /// Input mints whose allowance shrank by what the plan had left (failed steps).
    pub mints: Vec<Pubkey>,
    /// Allowance of the owner's delegate on the owner's account of each mint, atoms.
    pub allowances_before: Vec<u64>,
    pub allowances_after: Vec<u64>,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

#[event]
pub struct StepExecuted {
    pub plan: Pubkey,
    pub step: u8,
    /// Execution number within the step, from 0.
    pub execution: u16,
    pub vendor: Pubkey,
    pub agent: Pubkey,
    /// Input atoms the venue took.
    pub amount_in: u64,
    /// Output atoms the owner received.
    pub amount_out: u64,
    /// Output atoms at the oracle cross price.
    pub expected_out: u64,
    /// Fewest output atoms accepted.
    pub min_out: u64,
    pub realized_slippage_bps: u16,
    /// Vendor fee paid through the grant, atoms of the budget mint.
    pub fee: u64,
    /// Micro-USD.
    pub notional_usd: u64,
    /// The receipt leaf appended.
    pub receipt_leaf: [u8; 32],
    pub seq: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

#[event]
pub struct StepFailed {
    pub plan: Pubkey,
    pub step: u8,
    pub agent: Pubkey,
    /// Executions done before the deadline passed.
    pub executions: u16,
    pub seq: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

/// The awarded vendor showed a ready swap step's input is gone; the step stopped, no
/// reputation changed.
#[event]
pub struct StepUnfunded {
    pub plan: Pubkey,
    pub step: u8,
    pub vendor: Pubkey,
    /// The owner's input account balance, atoms.
    pub balance: u64,
    /// What it delegated to the owner's delegate, atoms.
    pub allowance: u64,
    pub seq: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

/// The owner closed its staging account of a mint.
#[event]
pub struct StagingClosed {
    pub owner: Pubkey,
    pub mint: Pubkey,
    /// Atoms it still held (donations), moved to the owner's account.
    pub swept: u64,
    /// Lamports returned to the owner.
    pub rent_returned: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

/// The owner's NAV was recorded (`record_nav`): the positions exactly as priced on-chain, which
/// the `Nav` receipt's `inputs_hash` commits to.
#[event]
pub struct NavRecorded {
    pub owner: Pubkey,
    /// The NAV, micro-USD.
    pub nav_usd: u64,
    pub positions: Vec<crate::nav::NavPosition>,
    /// The receipt's leaf.
    pub leaf: [u8; 32],
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}
