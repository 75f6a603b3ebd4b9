//! Checked integer math. Every helper fails closed with a [`CommonError`] and logs the caller's
//! file and line, so an overflow deep inside a handler is traceable from the transaction log.
#![deny(clippy::arithmetic_side_effects)]

use std::panic::Location;

use anchor_lang::prelude::*;

use crate::{error::CommonError, BPS_DENOMINATOR};

#[track_caller]
fn fail(error: CommonError) -> anchor_lang::error::Error {
    let at = Location::caller();
    msg!("{} at {}:{}", error, at.file(), at.line());
    error.into()
}

/// Checked arithmetic that returns [`CommonError`] instead of wrapping or panicking.
pub trait SafeMath: Sized {
    fn safe_add(self, rhs: Self) -> Result<Self>;
    fn safe_sub(self, rhs: Self) -> Result<Self>;
    fn safe_mul(self, rhs: Self) -> Result<Self>;
    /// Integer division rounding toward zero.
    fn safe_div(self, rhs: Self) -> Result<Self>;
}

macro_rules! impl_safe_math {
    ($($t:ty),*) => {$(
        impl SafeMath for $t {
            #[track_caller]
            #[inline]
            fn safe_add(self, rhs: Self) -> Result<Self> {
                self.checked_add(rhs).ok_or_else(|| fail(CommonError::MathOverflow))
            }
            #[track_caller]
            #[inline]
            fn safe_sub(self, rhs: Self) -> Result<Self> {
                self.checked_sub(rhs).ok_or_else(|| fail(CommonError::MathOverflow))
            }
            #[track_caller]
            #[inline]
            fn safe_mul(self, rhs: Self) -> Result<Self> {
                self.checked_mul(rhs).ok_or_else(|| fail(CommonError::MathOverflow))
            }
            #[track_caller]
            #[inline]
            fn safe_div(self, rhs: Self) -> Result<Self> {
                if rhs == 0 {
                    return Err(fail(CommonError::DivisionByZero));
                }
                self.checked_div(rhs).ok_or_else(|| fail(CommonError::MathOverflow))
            }
        }
    )*};
}
impl_safe_math!(u8, u16, u32, u64, u128, i32, i64, i128);

/// Checked conversion between integer types.
pub trait Cast: Sized {
    #[track_caller]
    fn cast<T: TryFrom<Self>>(self) -> Result<T> {
        T::try_from(self).map_err(|_| fail(CommonError::CastOverflow))
    }
}
impl Cast for u8 {}
impl Cast for u16 {}
impl Cast for u32 {}
impl Cast for u64 {}
impl Cast for u128 {}
impl Cast for i32 {}
impl Cast for i64 {}
impl Cast for i128 {}
impl Cast for usize {}

/// `a * b / c` computed in u128, remainder dropped (rounds toward zero).
#[track_caller]
pub fn mul_div_floor(a: u64, b: u64, c: u64) -> Result<u64> {
    u128::from(a)
        .safe_mul(u128::from(b))?
        .safe_div(u128::from(c))?
        .cast()
}

/// `a * b / c` computed in u128, any remainder rounds the result up.
#[track_caller]
pub fn mul_div_ceil(a: u64, b: u64, c: u64) -> Result<u64> {
    if c == 0 {
        return Err(fail(CommonError::DivisionByZero));
    }
    u128::from(a)
        .safe_mul(u128::from(b))?
        .div_ceil(u128::from(c))
        .cast()
}

/// `amount * bps / 10_000`, rounded down (use when the result is paid out).
#[track_caller]
pub fn bps_floor(amount: u64, bps: u64) -> Result<u64> {
    mul_div_floor(amount, bps, BPS_DENOMINATOR)
}

/// `amount * bps / 10_000`, rounded up (use when the result is charged or is a bound to meet).
#[track_caller]
pub fn bps_ceil(amount: u64, bps: u64) -> Result<u64> {
    mul_div_ceil(amount, bps, BPS_DENOMINATOR)
}

/// Integer square root (floor), Newton's method: constant-product pools' first LP supply and
/// their fair valuation.
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

#[cfg(test)]
mod tests;
