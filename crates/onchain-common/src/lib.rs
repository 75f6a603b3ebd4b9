//! Checked arithmetic, value units and the error enum that every AgentRunner program shares for
//! them.
//!
//! Programs never write raw `+ - * /` on amounts: they call [`SafeMath`] and [`Cast`], which fail
//! with a [`CommonError`] (codes 7000+) that names the call site in the program log. Basis-point
//! and ratio helpers compute in `u128` and round explicitly, so every caller states which side a
//! remainder goes to.
#![deny(arithmetic_overflow, unused_must_use)]

pub mod error;
pub mod math;
pub mod pda;

pub use error::CommonError;
pub use math::{isqrt, Cast, SafeMath};

/// 100% in basis points.
pub const BPS_DENOMINATOR: u64 = 10_000;
