//! Guard math, pure: oracle prices as (mantissa, exponent) in USD per whole token, the expected
//! output at the oracle cross price, the minimum output under a slippage cap (rounded up: against
//! the vendor), realized slippage (rounded up), and USD notionals.
#![deny(clippy::arithmetic_side_effects)]

use anchor_lang::prelude::*;
use onchain_common::{Cast, CommonError, SafeMath, BPS_DENOMINATOR};

use crate::constants::USD_DECIMALS;

/// A positive price: `mantissa * 10^exponent` USD per whole token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UsdPrice {
    pub mantissa: u128,
    pub exponent: i32,
}

/// `value * 10^exp`, exact for exp >= 0, floor for exp < 0.
pub fn scale(value: u128, exp: i32) -> Result<u128> {
    let factor = 10u128
        .checked_pow(exp.unsigned_abs())
        .ok_or(CommonError::MathOverflow)?;
    if exp >= 0 {
        value.safe_mul(factor)
    } else {
        value.safe_div(factor)
    }
}

/// Output atoms `amount_in` is worth at the two prices, rounded down:
/// `amount_in * p_in * 10^(e_in - e_out + d_out - d_in) / p_out`.
pub fn expected_out(
    amount_in: u64,
    price_in: UsdPrice,
    decimals_in: u8,
    price_out: UsdPrice,
    decimals_out: u8,
) -> Result<u64> {
    let exp = price_in
        .exponent
        .safe_sub(price_out.exponent)?
        .safe_add(i32::from(decimals_out))?
        .safe_sub(i32::from(decimals_in))?;
    let numerator = u128::from(amount_in).safe_mul(price_in.mantissa)?;
    let result = if exp >= 0 {
        scale(numerator, exp)?.safe_div(price_out.mantissa)?
    } else {
        numerator.safe_div(scale(price_out.mantissa, exp.safe_neg()?)?)?
    };
    result.cast()
}

/// Fewest output atoms accepted: `ceil(expected * (10_000 - max_slippage_bps) / 10_000)`.
pub fn min_out(expected: u64, max_slippage_bps: u16) -> Result<u64> {
    let keep = BPS_DENOMINATOR.safe_sub(u64::from(max_slippage_bps))?;
    onchain_common::math::mul_div_ceil(expected, keep, BPS_DENOMINATOR)
}

/// Shortfall of `actual` against `expected` in bps, rounded up (0 when at or above expected).
pub fn realized_slippage_bps(expected: u64, actual: u64) -> Result<u16> {
    if actual >= expected || expected == 0 {
        return Ok(0);
    }
    onchain_common::math::mul_div_ceil(expected.safe_sub(actual)?, BPS_DENOMINATOR, expected)?
        .cast()
}

/// USD value of `amount` atoms in micro-USD, rounded down (notionals: caps never see more
/// than was sold).
pub fn usd_micro(amount: u64, price: UsdPrice, decimals: u8) -> Result<u64> {
    usd_micro_rounded(amount, price, decimals, false)
}

/// USD value of `amount` atoms in micro-USD, rounded up (fees: the cap check never favours the
/// vendor).
pub fn usd_micro_ceil(amount: u64, price: UsdPrice, decimals: u8) -> Result<u64> {
    usd_micro_rounded(amount, price, decimals, true)
}

fn usd_micro_rounded(amount: u64, price: UsdPrice, decimals: u8, up: bool) -> Result<u64> {
    let exp = price
        .exponent
        .safe_add(USD_DECIMALS.cast::<i32>()?)?
        .safe_sub(i32::from(decimals))?;
    let value = u128::from(amount).safe_mul(price.mantissa)?;
    let scaled = if exp < 0 && up {
        let divisor = 10u128
            .checked_pow(exp.unsigned_abs())
            .ok_or(CommonError::MathOverflow)?;
        value.div_ceil(divisor)
    } else {
        scale(value, exp)?
    };
    scaled.cast()
}

/// `fee_usd` is within `cap_bps` of `notional_usd`: `fee * 10_000 <= cap * notional`.
pub fn within_fee_cap(fee_usd: u64, notional_usd: u64, cap_bps: u16) -> Result<bool> {
    let fee = u128::from(fee_usd).safe_mul(u128::from(BPS_DENOMINATOR))?;
    let allowed = u128::from(notional_usd).safe_mul(u128::from(cap_bps))?;
    Ok(fee <= allowed)
}

/// The most atoms of a fee token (priced `fee_price`, `fee_decimals`) a fee may be on a
/// `notional_usd` execution under `cap_bps`, as [`within_fee_cap`] judges it (fees valued with
/// [`usd_micro_ceil`]): what a planner offers as an RFP's maximum price.
pub fn max_fee_atoms(
    notional_usd: u64,
    cap_bps: u16,
    fee_price: UsdPrice,
    fee_decimals: u8,
) -> Result<u64> {
    let one_token = 10u64
        .checked_pow(u32::from(fee_decimals))
        .ok_or(CommonError::MathOverflow)?;
    let one_token_usd = usd_micro(one_token, fee_price, fee_decimals)?;
    require!(one_token_usd > 0, CommonError::MathOverflow);
    // cap_usd * one_token / one_token_usd, with cap_usd = notional * cap / 10_000 (floor).
    let cap_usd = u128::from(notional_usd)
        .safe_mul(u128::from(cap_bps))?
        .safe_div(u128::from(BPS_DENOMINATOR))?;
    let mut atoms: u64 = cap_usd
        .safe_mul(u128::from(one_token))?
        .safe_div(u128::from(one_token_usd))?
        .cast()?;
    while atoms > 0
        && !within_fee_cap(
            usd_micro_ceil(atoms, fee_price, fee_decimals)?,
            notional_usd,
            cap_bps,
        )?
    {
        atoms = atoms.safe_sub(1)?;
    }
    Ok(atoms)
}

trait SafeNeg: Sized {
    fn safe_neg(self) -> Result<Self>;
}

impl SafeNeg for i32 {
    fn safe_neg(self) -> Result<Self> {
        self.checked_neg()
            .ok_or_else(|| CommonError::MathOverflow.into())
    }
}

#[cfg(test)]
mod tests;
