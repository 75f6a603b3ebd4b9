//! Seeds, limits and the voucher domain tag.
use anchor_lang::prelude::*;

/// Seed of a [`crate::state::Budget`]: `["budget", payer, id (32 bytes)]`.
#[constant]
pub const BUDGET_SEED: &[u8] = b"budget";
/// Seed of a budget's token vault: `["vault", budget]`.
#[constant]
pub const VAULT_SEED: &[u8] = b"vault";
/// Seed of a [`crate::state::Grant`]: `["grant", budget, index (u32 LE)]`. The index is the
/// budget's monotonic grant counter, so a closed grant's address is never issued again.
#[constant]
pub const GRANT_SEED: &[u8] = b"grant";

/// Longest budget lifetime: 366 days, in seconds.
#[constant]
pub const MAX_BUDGET_DURATION_SECS: i64 = 366 * 24 * 60 * 60;

/// Domain tag that starts every voucher preimage (see [`crate::voucher::voucher_message`]).
#[constant]
pub const VOUCHER_DOMAIN_TAG: &[u8] = b"agentrunner/escrow/voucher/v1";

/// Size of an SPL token account without extensions. The mint policy admits no mint extension
/// that requires an account extension, so every vault has this size under both token programs.
pub const VAULT_ACCOUNT_LEN: usize = 165;
