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

/// The readings of a step's legs: `input`, `output`, and its pool's other token.
fn legs<'a>(
    input: &'a Reading,
    output: &'a Reading,
    other: &'a Reading,
) -> impl FnOnce(Leg) -> Result<Reading> + 'a {
    move |leg| {
        Ok(match leg {
            Leg::Input => *input,
            Leg::Output => *output,
            Leg::PoolOther => *other,
        })
    }
}

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
    assert!(at_least.holds(legs(&at, &other, &other)).unwrap());
    assert!(at_least.holds(legs(&above, &other, &other)).unwrap());
    assert!(!at_least.holds(legs(&below, &other, &other)).unwrap());
    let at_most = Trigger::PriceAtMost {
        leg: Leg::Output,
        micro_usd: 200_000_000,
    };
    assert!(at_most.holds(legs(&other, &at, &other)).unwrap());
    assert!(at_most.holds(legs(&other, &below, &other)).unwrap());
    assert!(!at_most.holds(legs(&other, &above, &other)).unwrap());
    assert_eq!(
        at_most
            .require_holds(legs(&other, &above, &other))
            .unwrap_err(),
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
        assert!(spike
            .holds(legs(&reading(price, Some(ema)), &other, &other))
            .unwrap());
    }
    for price in [ema + 3_00000000 - 1, ema - 3_00000000 + 1, ema] {
        assert!(!spike
            .holds(legs(&reading(price, Some(ema)), &other, &other))
            .unwrap());
    }
    // No EMA (a Switchboard reading): never holds.
    assert!(!spike
        .holds(legs(&reading(ema * 2, None), &other, &other))
        .unwrap());
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
    // An LP token (priced from its pool) has no level or EMA of its own to watch.
    assert!(!level(1).is_valid(Some(OracleSource::Pool)));
    assert!(!spike(200).is_valid(Some(OracleSource::Pool)));
    assert!(spike(200).is_well_formed() && !spike(0).is_well_formed());
}

#[test]
fn test_a_liquidity_step_watches_its_pools_other_token() {
    let spike = Trigger::VolatilityAtLeast {
        leg: Leg::PoolOther,
        bps: 300,
    };
    let flat = reading(SOL_200, Some(SOL_200));
    let moved = reading(SOL_200 + 6_00000000, Some(SOL_200));
    assert!(!spike.holds(legs(&moved, &moved, &flat)).unwrap());
    assert!(spike.holds(legs(&flat, &flat, &moved)).unwrap());
}
