use super::*;

/// A reading of `mantissa * 10^-8` USD with EMA `ema` (same exponent).
fn reading(mantissa: u128, ema: Option<u128>) -> Reading {
    Reading {
        price: UsdPrice {
            mantissa,
            exponent: -8,
        },
        ema,
        publish_time: 0,
        feed: [0; 32],
        raw_price: mantissa as i64,
        raw_exponent: -8,
    }
}

const SOL_200: u128 = 200_00000000;

#[test]
fn test_price_levels_hold_exactly_at_the_level_and_not_one_unit_past_it() {
    let at = reading(SOL_200, None);
    let below = reading(SOL_200 - 1, None);
    let above = reading(SOL_200 + 1, None);
    let other = reading(1, None);
    let at_least = Trigger::PriceAtLeast {
        leg: Leg::Input,
        micro_usd: 200_000_000,
    };
    assert!(at_least.holds(&at, &other).unwrap());
    assert!(at_least.holds(&above, &other).unwrap());
    assert!(!at_least.holds(&below, &other).unwrap());
    let at_most = Trigger::PriceAtMost {
        leg: Leg::Output,
        micro_usd: 200_000_000,
    };
    assert!(at_most.holds(&other, &at).unwrap());
    assert!(at_most.holds(&other, &below).unwrap());
    assert!(!at_most.holds(&other, &above).unwrap());
    assert_eq!(
        at_most.require_holds(&other, &above).unwrap_err(),
        error!(RunnerError::TriggerNotMet)
    );
}

#[test]
fn test_prices_compare_exactly_at_any_exponent() {
    let price = |mantissa, exponent| UsdPrice { mantissa, exponent };
    // $1.5 at exponent -1, $2,000 at exponent 3.
    assert_eq!(
        compare_micro_usd(price(15, -1), 1_500_000).unwrap(),
        Ordering::Equal
    );
    assert_eq!(
        compare_micro_usd(price(15, -1), 1_500_001).unwrap(),
        Ordering::Less
    );
    assert_eq!(
        compare_micro_usd(price(2, 3), 2_000_000_000).unwrap(),
        Ordering::Equal
    );
    // Below a micro-USD: 1.5e-7 USD is above 0 micro-USD and below 1.
    assert_eq!(
        compare_micro_usd(price(15, -8), 0).unwrap(),
        Ordering::Greater
    );
    assert_eq!(compare_micro_usd(price(15, -8), 1).unwrap(), Ordering::Less);
}

#[test]
fn test_volatility_is_the_distance_from_the_ema_in_bps_on_either_side() {
    let spike = Trigger::VolatilityAtLeast {
        leg: Leg::Input,
        bps: 300,
    };
    let other = reading(1, None);
    let ema = 100_00000000u128;
    // 3% above and below the EMA hold; one unit closer does not.
    for price in [ema + 3_00000000, ema - 3_00000000] {
        assert!(spike.holds(&reading(price, Some(ema)), &other).unwrap());
    }
    for price in [ema + 3_00000000 - 1, ema - 3_00000000 + 1, ema] {
        assert!(!spike.holds(&reading(price, Some(ema)), &other).unwrap());
    }
    // No EMA (a Switchboard reading): never holds.
    assert!(!spike.holds(&reading(ema * 2, None), &other).unwrap());
}

#[test]
fn test_well_formed_triggers() {
    let pyth = Some(OracleSource::Pyth { feed_id: [1; 32] });
    let switchboard = Some(OracleSource::Switchboard);
    let level = |micro_usd| Trigger::PriceAtMost {
        leg: Leg::Input,
        micro_usd,
    };
    let spike = |bps| Trigger::VolatilityAtLeast {
        leg: Leg::Output,
        bps,
    };
    assert!(Trigger::Always.is_valid(None));
    assert!(level(1).is_valid(switchboard));
    assert!(!level(0).is_valid(pyth));
    assert!(!level(1).is_valid(None));
    assert!(spike(1).is_valid(pyth) && spike(10_000).is_valid(pyth));
    assert!(!spike(0).is_valid(pyth) && !spike(10_001).is_valid(pyth));
    assert!(!spike(200).is_valid(switchboard));
}
