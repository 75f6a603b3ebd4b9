//! Conditional steps: a [`Trigger`] lets a step execute only while an oracle condition holds.
//! It is judged at execution time on the same guarded reading the swap itself uses (pinned
//! account, fresh, verified, confident), so a stale or uncertain price never satisfies a
//! trigger, and anything that cannot be judged fails closed. Brokers judge it off-chain with
//! this same code before they send.
#![deny(clippy::arithmetic_side_effects)]

use std::cmp::Ordering;

use anchor_lang::prelude::*;
use onchain_common::{Cast, CommonError, SafeMath, BPS_DENOMINATOR};

use crate::{
    constants::{BPS, USD_DECIMALS},
    error::RunnerError,
    math::{self, UsdPrice},
    oracle::Reading,
    state::{OracleSource, PlanStep},
};

/// Which mint a trigger watches.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum Leg {
    /// The mint the step sells.
    Input,
    /// The mint the step buys.
    Output,
    /// A liquidity step's pool token that is neither the step's input nor its output (exiting
    /// a SOL/USDC pool to USDC "if SOL's volatility spikes" watches SOL); the pool names it
    /// when the step executes.
    PoolOther,
}

/// When a step may execute, besides being ready. Thresholds are inclusive: a price exactly at
/// the level satisfies it.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum Trigger {
    /// Whenever the step is ready.
    Always,
    /// While the watched mint's oracle price is at or above `micro_usd` per whole token
    /// (take-profit, breakout).
    PriceAtLeast { leg: Leg, micro_usd: u64 },
    /// While the watched mint's oracle price is at or below `micro_usd` per whole token
    /// (stop-loss, buying a dip).
    PriceAtMost { leg: Leg, micro_usd: u64 },
    /// While the watched mint's Pyth price is at least `bps` away from Pyth's EMA price,
    /// `|price - ema| * 10_000 >= bps * ema` (a volatility spike). Pyth-priced mints only.
    VolatilityAtLeast { leg: Leg, bps: u16 },
}

impl Trigger {
    /// The leg it watches (`None` for [`Trigger::Always`]).
    pub fn leg(&self) -> Option<Leg> {
        match *self {
            Trigger::Always => None,
            Trigger::PriceAtLeast { leg, .. }
            | Trigger::PriceAtMost { leg, .. }
            | Trigger::VolatilityAtLeast { leg, .. } => Some(leg),
        }
    }

    /// Well formed for a step whose watched leg is priced from `source`: a positive level, a
    /// volatility threshold within 1..=10_000 bps on a Pyth-priced mint.
    pub fn is_valid(&self, source: Option<OracleSource>) -> bool {
        self.is_well_formed()
            && match *self {
                Trigger::Always => true,
                Trigger::PriceAtLeast { .. } | Trigger::PriceAtMost { .. } => {
                    matches!(
                        source,
                        Some(OracleSource::Pyth { .. } | OracleSource::Switchboard)
                    )
                }
                Trigger::VolatilityAtLeast { .. } => {
                    matches!(source, Some(OracleSource::Pyth { .. }))
                }
            }
    }

    /// Its own figures are sound: a positive level, a volatility threshold within
    /// 1..=10_000 bps.
    pub fn is_well_formed(&self) -> bool {
        match *self {
            Trigger::Always => true,
            Trigger::PriceAtLeast { micro_usd, .. } | Trigger::PriceAtMost { micro_usd, .. } => {
                micro_usd > 0
            }
            Trigger::VolatilityAtLeast { bps, .. } => (1..=BPS).contains(&bps),
        }
    }

    /// The mint it watches on `step` (`None` for [`Trigger::Always`], and for
    /// [`Leg::PoolOther`], which the step's pool names).
    pub fn watched_mint(&self, step: &PlanStep) -> Option<Pubkey> {
        self.leg().and_then(|leg| match leg {
            Leg::Input => Some(step.mint_in),
            Leg::Output => Some(step.mint_out),
            Leg::PoolOther => None,
        })
    }

    /// Whether it holds given the guarded reading of each leg it may watch (`reading_of`).
    pub fn holds(&self, reading_of: impl FnOnce(Leg) -> Result<Reading>) -> Result<bool> {
        match self.leg() {
            None => Ok(true),
            Some(leg) => self.holds_at(&reading_of(leg)?),
        }
    }

    /// Whether it holds at `watched`, the guarded reading of the mint it watches.
    pub fn holds_at(&self, watched: &Reading) -> Result<bool> {
        match *self {
            Trigger::Always => Ok(true),
            Trigger::PriceAtLeast { micro_usd, .. } => {
                Ok(compare_micro_usd(watched.price, micro_usd)? != Ordering::Less)
            }
            Trigger::PriceAtMost { micro_usd, .. } => {
                Ok(compare_micro_usd(watched.price, micro_usd)? != Ordering::Greater)
            }
            Trigger::VolatilityAtLeast { bps, .. } => match watched.ema {
                Some(ema) => deviation_at_least(watched.price.mantissa, ema, bps),
                None => Ok(false),
            },
        }
    }

    /// [`Self::holds`], or `TriggerNotMet`.
    pub fn require_holds(&self, reading_of: impl FnOnce(Leg) -> Result<Reading>) -> Result<()> {
        require!(self.holds(reading_of)?, RunnerError::TriggerNotMet);
        Ok(())
    }
}

/// `price` (USD per whole token) against `micro_usd` (micro-USD per whole token), exactly.
pub fn compare_micro_usd(price: UsdPrice, micro_usd: u64) -> Result<Ordering> {
    let exp = price.exponent.safe_add(USD_DECIMALS.cast::<i32>()?)?;
    Ok(if exp >= 0 {
        math::scale(price.mantissa, exp)?.cmp(&u128::from(micro_usd))
    } else {
        let factor = 10u128
            .checked_pow(exp.unsigned_abs())
            .ok_or(CommonError::MathOverflow)?;
        price.mantissa.cmp(&u128::from(micro_usd).safe_mul(factor)?)
    })
}

/// `|price - ema| * 10_000 >= bps * ema` (both mantissas at one exponent, as Pyth publishes).
pub fn deviation_at_least(price: u128, ema: u128, bps: u16) -> Result<bool> {
    let deviation = price.abs_diff(ema);
    let lhs = deviation.safe_mul(u128::from(BPS_DENOMINATOR))?;
    let rhs = ema.safe_mul(u128::from(bps))?;
    Ok(ema > 0 && lhs >= rhs)
}

#[cfg(test)]
mod tests;
