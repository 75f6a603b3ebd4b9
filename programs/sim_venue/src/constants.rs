//! Seeds and limits.
use anchor_lang::prelude::*;

/// Seed of a [`crate::state::Pool`]: `["pool", mint_a, mint_b]` with `mint_a < mint_b`.
#[constant]
pub const POOL_SEED: &[u8] = b"pool";
/// Seed of a pool's token vault: `["vault", pool, mint]`.
#[constant]
pub const POOL_VAULT_SEED: &[u8] = b"vault";
/// Seed of a pool's LP mint: `["lp_mint", pool]`.
#[constant]
pub const LP_MINT_SEED: &[u8] = b"lp_mint";
/// Highest pool fee: 10%, in bps.
#[constant]
pub const MAX_FEE_BPS: u16 = 1_000;
/// Decimals of every LP mint.
#[constant]
pub const LP_DECIMALS: u8 = 9;
/// Size of an SPL token account.
pub const TOKEN_ACCOUNT_LEN: usize = 165;
/// Size of an SPL mint.
pub const MINT_LEN: usize = 82;
