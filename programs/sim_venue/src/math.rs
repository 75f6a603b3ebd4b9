//! Constant-product math, every rounding in the pool's favour. Pure and unit-tested.
#![deny(clippy::arithmetic_side_effects)]

use anchor_lang::prelude::*;
use onchain_common::{Cast, SafeMath, BPS_DENOMINATOR};

/// Output of swapping `amount_in` into a pool holding `reserve_in`/`reserve_out`:
/// `in' = floor(amount_in * (10_000 - fee_bps) / 10_000)`,
/// `out = floor(in' * reserve_out / (reserve_in + in'))`.
pub fn swap_out(amount_in: u64, reserve_in: u64, reserve_out: u64, fee_bps: u16) -> Result<u64> {
    let after_fee = u128::from(amount_in)
        .safe_mul(u128::from(BPS_DENOMINATOR.safe_sub(u64::from(fee_bps))?))?
        .safe_div(u128::from(BPS_DENOMINATOR))?;
    let denominator = u128::from(reserve_in).safe_add(after_fee)?;
    if denominator == 0 {
        return Ok(0);
    }
    after_fee
        .safe_mul(u128::from(reserve_out))?
        .safe_div(denominator)?
        .cast()
}

/// Integer square root (floor), Newton's method.
#[allow(clippy::arithmetic_side_effects)] // x >= 1 throughout and the sum saturates.
pub fn isqrt(value: u128) -> u128 {
    if value < 2 {
        return value;
    }
    let mut x = value;
    let mut y = x.div_ceil(2);
    while y < x {
        x = y;
        y = x.saturating_add(value / x) / 2;
    }
    x
}

/// LP minted for a deposit, and the amounts actually taken (<= the maxima), rounding against the
/// depositor. The first deposit mints `isqrt(a * b)` and takes both maxima.
pub fn deposit(
    max_a: u64,
    max_b: u64,
    reserve_a: u64,
    reserve_b: u64,
    supply: u64,
) -> Result<(u64, u64, u64)> {
    if supply == 0 {
        let lp: u64 = isqrt(u128::from(max_a).safe_mul(u128::from(max_b))?).cast()?;
        return Ok((lp, max_a, max_b));
    }
    let lp_a = u128::from(max_a)
        .safe_mul(u128::from(supply))?
        .safe_div(u128::from(reserve_a))?;
    let lp_b = u128::from(max_b)
        .safe_mul(u128::from(supply))?
        .safe_div(u128::from(reserve_b))?;
    let lp = lp_a.min(lp_b);
    let take_a = lp
        .safe_mul(u128::from(reserve_a))?
        .div_ceil(u128::from(supply));
    let take_b = lp
        .safe_mul(u128::from(reserve_b))?
        .div_ceil(u128::from(supply));
    Ok((lp.cast()?, take_a.cast()?, take_b.cast()?))
}

/// Amounts returned for burning `lp` of `supply`, rounded down.
pub fn withdraw(lp: u64, reserve_a: u64, reserve_b: u64, supply: u64) -> Result<(u64, u64)> {
    let a = u128::from(lp)
        .safe_mul(u128::from(reserve_a))?
        .safe_div(u128::from(supply))?;
    let b = u128::from(lp)
        .safe_mul(u128::from(reserve_b))?
        .safe_div(u128::from(supply))?;
    Ok((a.cast()?, b.cast()?))
}

#[cfg(test)]
mod tests;
