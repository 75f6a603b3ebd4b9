//! sim_venue events (`emit_cpi!`). Amounts are token atoms.
use anchor_lang::prelude::*;

#[event]
pub struct PoolCreated {
    pub pool: Pubkey,
    pub mint_a: Pubkey,
    pub mint_b: Pubkey,
    pub fee_bps: u16,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

#[event]
pub struct LiquidityChanged {
    pub pool: Pubkey,
    pub owner: Pubkey,
    /// True for a deposit, false for a withdrawal.
    pub deposit: bool,
    pub amount_a: u64,
    pub amount_b: u64,
    pub lp: u64,
    pub reserve_a_after: u64,
    pub reserve_b_after: u64,
    pub lp_supply_after: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

#[event]
pub struct Swapped {
    pub pool: Pubkey,
    pub mint_in: Pubkey,
    pub amount_in: u64,
    pub amount_out: u64,
    pub reserve_in_before: u64,
    pub reserve_out_before: u64,
    /// The signer that authorized the input transfer (owner or delegate).
    pub authority: Pubkey,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

#[event]
pub struct Zapped {
    pub pool: Pubkey,
    /// The signer that authorized the source (owner or delegate).
    pub authority: Pubkey,
    /// True for a single-sided deposit, false for a single-sided withdrawal.
    pub deposit: bool,
    /// The single side's mint.
    pub mint: Pubkey,
    /// Atoms of `mint` deposited (deposit) or paid out (withdrawal).
    pub amount: u64,
    /// LP atoms minted (deposit) or burned (withdrawal).
    pub lp: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}
