use anchor_lang::prelude::*;

use crate::constants::{capability, PAYER_SEED};

/// How many of an agent's executions a payer has already been credited for, per capability:
/// the diminishing returns of the reputation rule (`state::reputation`). PDA
/// `["payer", agent, payer]`, created by `record_outcome` at the first credited execution (rent
/// from the executing vendor, which gains the reputation).
#[account]
#[derive(InitSpace, Debug)]
pub struct PayerRecord {
    pub agent: Pubkey,
    /// The plan owner who paid.
    pub payer: Pubkey,
    /// Credited executions of each capability (by bit index), saturating.
    pub credited: [u16; capability::COUNT],
    pub bump: u8,
}

impl PayerRecord {
    pub const SEED: &'static [u8] = PAYER_SEED;
}
