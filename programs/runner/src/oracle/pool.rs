//! The fair price of a constant-product pool's LP token, for liquidity steps: the pool's value
//! is `2 * sqrt(value_a * value_b)`, each side's reserve at its own pinned, guarded oracle
//! price, so a swap that skews the reserves within the transaction cannot move it (the
//! product of the reserves only grows by fees), and a donation only makes the pool richer.
//! Never the pool's spot ratio.
#![deny(clippy::arithmetic_side_effects)]

use anchor_lang::prelude::*;
use onchain_common::{isqrt, Cast, SafeMath};

use crate::{
    constants::USD_DECIMALS,
    error::RunnerError,
    math::{self, UsdPrice},
    oracle::Reading,
};

/// One side of a pool: its reserve (atoms), its mint's decimals and its guarded reading.
#[derive(Clone, Copy, Debug)]
pub struct Side<'a> {
    pub reserve: u64,
    pub decimals: u8,
    pub reading: &'a Reading,
}

/// The LP token of `pool` (`supply` atoms of `lp_decimals`) as a reading: micro-USD per whole
/// LP token (exponent -6), published when the older of its two sides was, with the pool's
/// address as its feed and no EMA of its own.
pub fn lp_reading(
    pool: &Pubkey,
    a: Side,
    b: Side,
    supply: u64,
    lp_decimals: u8,
) -> Result<Reading> {
    require!(supply > 0, RunnerError::PoolEmpty);
    let value_a = math::usd_micro(a.reserve, a.reading.price, a.decimals)?;
    let value_b = math::usd_micro(b.reserve, b.reading.price, b.decimals)?;
    let pool_value = isqrt(u128::from(value_a).safe_mul(u128::from(value_b))?).safe_mul(2)?;
    let per_lp = math::scale(pool_value, i32::from(lp_decimals))?.safe_div(u128::from(supply))?;
    require!(per_lp > 0, RunnerError::PoolEmpty);
    let exponent = 0i32.safe_sub(USD_DECIMALS.cast::<i32>()?)?;
    Ok(Reading {
        price: UsdPrice {
            mantissa: per_lp,
            exponent,
        },
        ema: None,
        publish_time: a.reading.publish_time.min(b.reading.publish_time),
        feed: pool.to_bytes(),
        raw_price: per_lp.cast()?,
        raw_exponent: exponent,
    })
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    fn reading(dollars: u128, publish_time: i64) -> Reading {
        Reading {
            price: UsdPrice {
                mantissa: dollars * 100_000_000,
                exponent: -8,
            },
            ema: None,
            publish_time,
            feed: [0; 32],
            raw_price: 0,
            raw_exponent: -8,
        }
    }

    #[test]
    fn test_lp_is_priced_from_oracles_not_the_pools_ratio() {
        // 1,000 SOL ($150) and 150,000 USDC ($1): $300,000 for 1,000 LP (6 decimals).
        let (sol, usdc) = (reading(150, 100), reading(1, 90));
        let side = |reserve, decimals, reading| Side {
            reserve,
            decimals,
            reading,
        };
        let priced = |sol_reserve: u64, usdc_reserve: u64| {
            lp_reading(
                &Pubkey::default(),
                side(sol_reserve, 9, &sol),
                side(usdc_reserve, 6, &usdc),
                1_000_000_000,
                6,
            )
            .unwrap()
        };
        let fair = priced(1_000_000_000_000, 150_000_000_000);
        assert_eq!(fair.price.mantissa, 300_000_000);
        assert_eq!(fair.price.exponent, -6);
        assert_eq!(fair.publish_time, 90);
        // Skewed by a swap (same product of reserves): the same price, to the micro-dollar.
        let skewed = priced(2_000_000_000_000, 75_000_000_000);
        assert_eq!(skewed.price.mantissa, fair.price.mantissa);
        // A donation only adds value.
        assert!(priced(1_000_000_000_000, 300_000_000_000).price.mantissa > fair.price.mantissa);
        let empty = lp_reading(
            &Pubkey::default(),
            side(1, 9, &sol),
            side(1, 6, &usdc),
            0,
            6,
        );
        assert_eq!(empty.unwrap_err(), error!(RunnerError::PoolEmpty));
    }
}
