//! Account types.
use anchor_lang::prelude::*;

use crate::constants::POOL_SEED;

/// A constant-product pool for one mint pair. PDA `["pool", mint_a, mint_b]`, `mint_a < mint_b`.
/// Reserves are the vaults' real balances (no shadow accounting to drift).
#[account]
#[derive(InitSpace, Debug)]
pub struct Pool {
    pub mint_a: Pubkey,
    pub mint_b: Pubkey,
    /// Token account PDA `["vault", pool, mint_a]`, authority = the pool.
    pub vault_a: Pubkey,
    /// Token account PDA `["vault", pool, mint_b]`, authority = the pool.
    pub vault_b: Pubkey,
    /// LP mint PDA `["lp_mint", pool]`, mint authority = the pool.
    pub lp_mint: Pubkey,
    /// Swap fee, bps of the input, kept by the pool.
    pub fee_bps: u16,
    pub bump: u8,
}

impl Pool {
    pub const SEED: &'static [u8] = POOL_SEED;

    /// The pool's vault for `mint`, or `None` if the mint is not in the pair.
    pub fn vault_for(&self, mint: &Pubkey) -> Option<Pubkey> {
        if *mint == self.mint_a {
            Some(self.vault_a)
        } else if *mint == self.mint_b {
            Some(self.vault_b)
        } else {
            None
        }
    }
}
