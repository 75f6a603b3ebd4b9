//! Constant-product math, every rounding in the pool's favour. Pure and unit-tested.
#![deny(clippy::arithmetic_side_effects)]

use anchor_lang::prelude::*;
pub use onchain_common::isqrt;
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

/// How much of a single-sided deposit of `amount` (into the side holding `reserve_in`, the
/// other holding `reserve_out`) to swap so that the rest and the swap's output are in the
/// pool's new ratio (the deposit that mints the most LP):
/// with the fee as `F = 10_000 - fee_bps`,
/// `s = floor((isqrt(R² (10_000 + F)² + 4 F 10_000 R x) - R (10_000 + F)) / (2 F))`.
pub fn zap_swap_amount(amount: u64, reserve_in: u64, fee_bps: u16) -> Result<u64> {
    let denominator = u128::from(BPS_DENOMINATOR);
    let f = denominator.safe_sub(u128::from(fee_bps))?;
    let r = u128::from(reserve_in);
    let sum = denominator.safe_add(f)?;
    let r_sum = r.safe_mul(sum)?;
    let radicand = r_sum.safe_mul(r_sum)?.safe_add(
        f.safe_mul(denominator)?
            .safe_mul(4)?
            .safe_mul(r)?
            .safe_mul(u128::from(amount))?,
    )?;
    isqrt(radicand)
        .saturating_sub(r_sum)
        .safe_div(f.safe_mul(2)?)?
        .cast()
}

/// A single-sided deposit of `amount` into the side holding `reserve_in`: the part swapped to
/// the other side (`swapped`, which yields `swapped_out` at the pool's price and fee) and the
/// LP minted for depositing the rest with that output at the reserves after the swap. Every
/// rounding favours the pool (the dust stays in it).
pub fn zap_in(
    amount: u64,
    reserve_in: u64,
    reserve_out: u64,
    supply: u64,
    fee_bps: u16,
) -> Result<(u64, u64)> {
    let swapped = zap_swap_amount(amount, reserve_in, fee_bps)?.min(amount);
    let swapped_out = swap_out(swapped, reserve_in, reserve_out, fee_bps)?;
    let rest = amount.safe_sub(swapped)?;
    let (lp, _, _) = deposit(
        rest,
        swapped_out,
        reserve_in.safe_add(swapped)?,
        reserve_out.safe_sub(swapped_out)?,
        supply,
    )?;
    Ok((lp, swapped))
}

/// A single-sided withdrawal of `lp` to the side holding `reserve_to`: both sides' share
/// withdrawn, the other side's share swapped into this side at the reserves left. Returns the
/// atoms paid out.
pub fn zap_out(
    lp: u64,
    reserve_to: u64,
    reserve_other: u64,
    supply: u64,
    fee_bps: u16,
) -> Result<u64> {
    let (to, other) = withdraw(lp, reserve_to, reserve_other, supply)?;
    let swapped = swap_out(
        other,
        reserve_other.safe_sub(other)?,
        reserve_to.safe_sub(to)?,
        fee_bps,
    )?;
    to.safe_add(swapped)
}

#[cfg(test)]
mod tests;
