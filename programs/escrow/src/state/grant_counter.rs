use anchor_lang::prelude::*;
use onchain_common::SafeMath;

use crate::constants::{GRANTS_PER_BUDGET, GRANT_COUNTER_SEED};

/// Where a payer's next budget starts its grant indices. PDA `["grants", payer]`, created with
/// the payer's first budget (rent from the payer) and never closed: it is what makes grant
/// addresses unique for ever.
#[account]
#[derive(InitSpace, Debug)]
pub struct GrantCounter {
    pub payer: Pubkey,
    /// First grant index of the payer's next budget; grows by `GRANTS_PER_BUDGET` per budget.
    pub next_base: u32,
    pub bump: u8,
}

impl GrantCounter {
    pub const SEED: &'static [u8] = GRANT_COUNTER_SEED;

    /// Hands out the next block of grant indices; returns its first index.
    pub fn take_block(&mut self) -> Result<u32> {
        let base = self.next_base;
        self.next_base = base.safe_add(GRANTS_PER_BUDGET)?;
        Ok(base)
    }
}
