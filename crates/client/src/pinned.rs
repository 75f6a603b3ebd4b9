//! The price a plan pins for a mint, read as the runner reads it at execution: the plan's
//! policy names the one oracle account, and `runner::oracle::read_account` judges its bytes
//! with the step's guards. The broker's pre-trade quote and the conditions that brokers and
//! `status` judge both read prices through here.
use anchor_lang::prelude::{Clock, Pubkey};
use runner::{
    oracle::{read_account, Reading},
    state::{MintPolicy, Plan, StepGuards},
};
use solana_account::Account;

/// Why a plan's pinned price of a mint cannot be used.
#[derive(Debug)]
pub enum Unpriced {
    /// The mint is not in the plan's policy (the runner's error).
    NotInPlan(anchor_lang::error::Error),
    /// No account lives at the pinned oracle address.
    Missing(Pubkey),
    /// The runner's rule refuses the price (stale, unverified, too uncertain, wrong feed...).
    Refused(anchor_lang::error::Error),
}

/// The policy `plan` pins for `mint` (its `oracle` is the account to read).
pub fn policy(plan: &Plan, mint: &Pubkey) -> Result<MintPolicy, Unpriced> {
    plan.mint_policy(mint)
        .map(|(_, policy)| policy)
        .map_err(Unpriced::NotInPlan)
}

/// The reading of `policy`'s mint from `account` (what lives at `policy.oracle`), judged with
/// `guards` at `clock`.
pub fn reading(
    policy: &MintPolicy,
    guards: &StepGuards,
    account: Option<&Account>,
    clock: &Clock,
) -> Result<Reading, Unpriced> {
    let account = account.ok_or(Unpriced::Missing(policy.oracle))?;
    read_account(
        &policy.oracle,
        &account.owner,
        &account.data,
        policy,
        guards,
        clock,
    )
    .map_err(Unpriced::Refused)
}
