#![allow(clippy::arithmetic_side_effects)]

use proptest::prelude::*;

use super::*;

#[test]
fn swap_examples() {
    // 1,000 in, 0.3% fee, 1,000,000 / 1,000,000 pool: in' = 997, out = 997 * 1e6 / 1_000_997.
    assert_eq!(swap_out(1_000, 1_000_000, 1_000_000, 30).unwrap(), 996);
    assert_eq!(swap_out(0, 1_000_000, 1_000_000, 30).unwrap(), 0);
    assert_eq!(swap_out(1, 1_000_000, 1_000_000, 30).unwrap(), 0);
    assert_eq!(isqrt(0), 0);
    assert_eq!(isqrt(15), 3);
    assert_eq!(isqrt(16), 4);
    assert_eq!(
        isqrt(u128::from(u64::MAX) * u128::from(u64::MAX)),
        u128::from(u64::MAX)
    );
}

#[test]
fn zap_examples() {
    // A 1,000 SOL / 150,000 USDC pool (6 decimals both here), 0.3% fee, 1,000,000 LP.
    let (ra, rb, supply) = (1_000_000_000u64, 150_000_000_000u64, 1_000_000_000u64);
    // 150 USDC in: about half is swapped, and the LP minted is worth a little under 150 USDC.
    let (lp, swapped) = zap_in(150_000_000, rb, ra, supply, 30).unwrap();
    assert!(swapped > 74_000_000 && swapped < 75_100_000, "{swapped}");
    // The pool's value per LP is 2 * 150,000 / 1,000 = 300 atoms of USDC per LP atom.
    let worth = lp as u128 * 300;
    assert!(worth <= 150_000_000 && worth > 149_700_000, "{worth}");
    // Withdrawing that LP to USDC pays back a little under what went in (fees both ways).
    let back = zap_out(lp, rb + 150_000_000, ra, supply + lp, 30).unwrap();
    assert!(back < 150_000_000 && back > 149_500_000, "{back}");
    assert_eq!(zap_swap_amount(0, rb, 30).unwrap(), 0);
}

proptest! {
    /// A single-sided deposit never mints more LP than its value at the pool's prices, and
    /// withdrawing it single-sided never pays back more than went in.
    #[test]
    fn zaps_favour_the_pool(amount in 1_000u64..1_000_000_000, r_in in 1_000_000u64..1_000_000_000_000, r_out in 1_000_000u64..1_000_000_000_000, supply in 1_000_000u64..1_000_000_000_000, fee in 0u16..=1_000) {
        let (lp, swapped) = zap_in(amount, r_in, r_out, supply, fee).unwrap();
        prop_assert!(swapped <= amount);
        // At most the share of the pool its value buys, both sides priced as before the zap.
        prop_assert!(u128::from(lp) * 2 * u128::from(r_in) <= u128::from(amount) * u128::from(supply));
        let back = zap_out(lp, r_in + amount, r_out, supply + lp, fee).unwrap();
        prop_assert!(back <= amount);
    }


    /// The pool never loses: k = reserve_in * reserve_out never decreases after a swap.
    #[test]
    fn swaps_never_decrease_k(amount_in in 1u64..1_000_000_000_000, r_in in 1u64..1_000_000_000_000, r_out in 1u64..1_000_000_000_000, fee in 0u16..=1_000) {
        let out = swap_out(amount_in, r_in, r_out, fee).unwrap();
        prop_assert!(out < r_out);
        let before = u128::from(r_in) * u128::from(r_out);
        let after = (u128::from(r_in) + u128::from(amount_in)) * (u128::from(r_out) - u128::from(out));
        prop_assert!(after >= before);
    }

    /// Deposit then withdraw never returns more than was put in.
    #[test]
    fn deposit_withdraw_round_trip_favours_the_pool(a in 1u64..1_000_000_000, b in 1u64..1_000_000_000, ra in 1u64..1_000_000_000, rb in 1u64..1_000_000_000, supply in 1u64..1_000_000_000) {
        let (lp, take_a, take_b) = deposit(a, b, ra, rb, supply).unwrap();
        prop_assert!(take_a <= a && take_b <= b);
        let (back_a, back_b) = withdraw(lp, ra + take_a, rb + take_b, supply + lp).unwrap();
        prop_assert!(back_a <= take_a && back_b <= take_b);
    }

    #[test]
    fn isqrt_is_floor_sqrt(v in any::<u128>()) {
        let r = isqrt(v);
        prop_assert!(r * r <= v);
        prop_assert!((r + 1).checked_mul(r + 1).is_none_or(|sq| sq > v));
    }
}
