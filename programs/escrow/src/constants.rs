//! Seeds, limits and the voucher domain tag.
use anchor_lang::prelude::*;

/// Seed of a [`crate::state::Budget`]: `["budget", payer, id (32 bytes)]`.
#[constant]
pub const BUDGET_SEED: &[u8] = b"budget";
/// Seed of a budget's token vault: `["vault", budget]`.
#[constant]
pub const VAULT_SEED: &[u8] = b"vault";
/// Seed of a [`crate::state::Grant`]: `["grant", budget, index (u32 LE)]`. Indices are unique
/// per payer for ever: each budget draws a block of [`GRANTS_PER_BUDGET`] from the payer's
/// [`crate::state::GrantCounter`], so no grant address is issued twice, not even after its
/// budget is closed and reopened under the same id.
#[constant]
pub const GRANT_SEED: &[u8] = b"grant";
/// Seed of a payer's [`crate::state::GrantCounter`]: `["grants", payer]`.
#[constant]
pub const GRANT_COUNTER_SEED: &[u8] = b"grants";
/// Grant indices one budget may use (its block of the payer's index space).
#[constant]
pub const GRANTS_PER_BUDGET: u32 = 1_024;

/// Longest budget lifetime: 366 days, in seconds.
#[constant]
pub const MAX_BUDGET_DURATION_SECS: i64 = 366 * 24 * 60 * 60;

/// Domain tag that starts every voucher preimage (see [`crate::voucher::voucher_message`]).
#[constant]
pub const VOUCHER_DOMAIN_TAG: &[u8] = b"agentrunner/escrow/voucher/v1";

/// Size of an SPL token account without extensions. The mint policy admits no mint extension
/// that requires an account extension, so every vault has this size under both token programs.
pub const VAULT_ACCOUNT_LEN: usize = 165;
