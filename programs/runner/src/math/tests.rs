#![allow(clippy::arithmetic_side_effects)]

use proptest::prelude::*;

use super::*;

const SOL: UsdPrice = UsdPrice {
    mantissa: 15_000_000_000,
    exponent: -8,
}; // $150
const USDC: UsdPrice = UsdPrice {
    mantissa: 100_000_000,
    exponent: -8,
}; // $1

#[test]
fn sol_to_usdc_at_oracle_prices() {
    assert_eq!(
        expected_out(1_000_000_000, SOL, 9, USDC, 6).unwrap(),
        150_000_000
    );
    assert_eq!(
        expected_out(150_000_000, USDC, 6, SOL, 9).unwrap(),
        1_000_000_000
    );
    // Switchboard's 18-decimal fixed point against Pyth's 8.
    let sol_sb = UsdPrice {
        mantissa: 150 * 10u128.pow(18),
        exponent: -18,
    };
    assert_eq!(
        expected_out(1_000_000_000, sol_sb, 9, USDC, 6).unwrap(),
        150_000_000
    );
    assert_eq!(usd_micro(1_000_000_000, SOL, 9).unwrap(), 150_000_000);
    assert_eq!(usd_micro(25_000, USDC, 6).unwrap(), 25_000);
}

#[test]
fn min_out_and_slippage_round_against_the_vendor() {
    assert_eq!(min_out(150_000_000, 30).unwrap(), 149_550_000);
    assert_eq!(min_out(1_001, 30).unwrap(), 998); // 997.997 -> 998
    assert_eq!(realized_slippage_bps(150_000_000, 149_550_000).unwrap(), 30);
    assert_eq!(realized_slippage_bps(150_000_000, 149_549_999).unwrap(), 31);
    assert_eq!(realized_slippage_bps(150_000_000, 151_000_000).unwrap(), 0);
    assert!(within_fee_cap(75_000, 150_000_000, 5).unwrap());
    assert!(!within_fee_cap(75_001, 150_000_000, 5).unwrap());
}

/// Review (informational): `fee_usd` once rounded down, in the vendor's favour. A fee of one
/// atom of a 9-decimal token at $150 is 0.15 micro-USD: rounded up it is 1, so a fee that is a
/// fraction of a micro-dollar over the cap no longer passes as within it.
#[test]
fn fee_value_rounds_up_notional_down() {
    assert_eq!(usd_micro(1, SOL, 9).unwrap(), 0);
    assert_eq!(usd_micro_ceil(1, SOL, 9).unwrap(), 1);
    assert_eq!(usd_micro_ceil(1_000_000_000, SOL, 9).unwrap(), 150_000_000);
    assert_eq!(usd_micro_ceil(25_000, USDC, 6).unwrap(), 25_000);
    // Three atoms of a 6-decimal token at $0.99999999: 2.99999997 micro-USD.
    let odd = UsdPrice {
        mantissa: 99_999_999,
        exponent: -8,
    };
    assert_eq!(usd_micro(3, odd, 6).unwrap(), 2);
    assert_eq!(usd_micro_ceil(3, odd, 6).unwrap(), 3);
    // A fee of 500,002 atoms of a 10-decimal token at $150 is 7,500.03 micro-USD; the 5 bps
    // cap on a $15 notional is 7,500. Rounded down the fee passed; rounded up it does not.
    let fee_atoms = 500_002;
    let fee = usd_micro_ceil(fee_atoms, SOL, 10).unwrap();
    assert_eq!(fee, 7_501);
    assert_eq!(usd_micro(fee_atoms, SOL, 10).unwrap(), 7_500);
    assert!(within_fee_cap(7_500, 15_000_000, 5).unwrap());
    assert!(!within_fee_cap(fee, 15_000_000, 5).unwrap());
}

#[test]
fn extreme_exponents_fail_closed() {
    let huge = UsdPrice {
        mantissa: u128::from(u64::MAX),
        exponent: 30,
    };
    assert!(expected_out(u64::MAX, huge, 0, USDC, 18).is_err());
    let tiny = UsdPrice {
        mantissa: 1,
        exponent: -60,
    };
    assert!(expected_out(1, USDC, 6, tiny, 6).is_err());
}

#[test]
fn max_fee_is_the_cap_of_the_notional() {
    // $100 notional, 100 bps: at most $1 of USDC.
    assert_eq!(max_fee_atoms(100_000_000, 100, USDC, 6).unwrap(), 1_000_000);
    // In SOL at $150: 1/150 SOL, rounded down.
    assert_eq!(max_fee_atoms(100_000_000, 100, SOL, 9).unwrap(), 6_666_666);
    assert_eq!(max_fee_atoms(100_000_000, 0, USDC, 6).unwrap(), 0);
}

proptest! {
    /// The planner's maximum price is exactly what the runner's fee cap check accepts: that many
    /// atoms pass, one more does not.
    #[test]
    fn max_fee_matches_the_cap_check(notional in 1u64..1_000_000_000_000, cap in 1u16..=10_000, p in 1_000_000u128..1_000_000_000_000) {
        let price = UsdPrice { mantissa: p, exponent: -8 };
        let atoms = max_fee_atoms(notional, cap, price, 6).unwrap();
        prop_assert!(within_fee_cap(usd_micro_ceil(atoms, price, 6).unwrap(), notional, cap).unwrap());
        prop_assert!(!within_fee_cap(usd_micro_ceil(atoms + 1, price, 6).unwrap(), notional, cap).unwrap());
    }

    /// G-11: at exactly min_out the realized slippage is within the cap; one atom less is what
    /// the program refuses (received < min_out).
    #[test]
    fn cap_boundary(expected in 1u64..u64::MAX / 2, cap in 0u16..=10_000) {
        let floor = min_out(expected, cap).unwrap();
        prop_assert!(realized_slippage_bps(expected, floor).unwrap() <= cap);
        prop_assert!(u128::from(floor) * 10_000 >= u128::from(expected) * u128::from(10_000 - cap));
        if floor > 0 {
            prop_assert!(u128::from(floor - 1) * 10_000 < u128::from(expected) * u128::from(10_000 - cap));
        }
    }

    /// Swapping there and back at the same prices never yields more than was put in.
    #[test]
    fn round_trip_never_gains(amount in 1u64..1_000_000_000_000, p in 1u128..1_000_000_000_000, q in 1u128..1_000_000_000_000) {
        let a = UsdPrice { mantissa: p, exponent: -8 };
        let b = UsdPrice { mantissa: q, exponent: -8 };
        let out = expected_out(amount, a, 9, b, 6).unwrap();
        let back = expected_out(out, b, 6, a, 9).unwrap();
        prop_assert!(back <= amount);
    }
}
