//! Errors raised by the shared math helpers. The offset (7000) is distinct from every program's
//! own range (registry 6000, escrow 6100, market 6200, receipts 6300, runner 6400, sim_venue 6500).
use anchor_lang::prelude::*;

#[error_code(offset = 7000)]
pub enum CommonError {
    /// 7000
    #[msg("Math overflow: the result does not fit the integer type")]
    MathOverflow,
    /// 7001
    #[msg("Division by zero: the divisor must be > 0")]
    DivisionByZero,
    /// 7002
    #[msg("Cast overflow: the value does not fit the target integer type")]
    CastOverflow,
}
