#![allow(clippy::arithmetic_side_effects)]

use proptest::prelude::*;

use super::*;

fn code(err: anchor_lang::error::Error) -> u32 {
    match err {
        anchor_lang::error::Error::AnchorError(e) => e.error_code_number,
        other => panic!("unexpected error {other:?}"),
    }
}

#[test]
fn overflow_and_division_by_zero_are_typed() {
    assert_eq!(code(u64::MAX.safe_add(1).unwrap_err()), 7000);
    assert_eq!(code(0u64.safe_sub(1).unwrap_err()), 7000);
    assert_eq!(code(u64::MAX.safe_mul(2).unwrap_err()), 7000);
    assert_eq!(code(1u64.safe_div(0).unwrap_err()), 7001);
    assert_eq!(code(mul_div_ceil(1, 1, 0).unwrap_err()), 7001);
    assert_eq!(code(u64::MAX.cast::<u32>().unwrap_err()), 7002);
    assert_eq!(code((-1i64).cast::<u64>().unwrap_err()), 7002);
}

#[test]
fn bps_rounding_boundaries() {
    assert_eq!(bps_floor(9_999, 1).unwrap(), 0);
    assert_eq!(bps_ceil(9_999, 1).unwrap(), 1);
    assert_eq!(bps_floor(10_000, 1).unwrap(), 1);
    assert_eq!(bps_ceil(10_000, 1).unwrap(), 1);
    assert_eq!(bps_floor(u64::MAX, 10_000).unwrap(), u64::MAX);
    assert_eq!(code(bps_floor(u64::MAX, 10_001).unwrap_err()), 7002);
}

proptest! {
    #[test]
    fn floor_and_ceil_bracket_the_exact_ratio(a in any::<u64>(), b in any::<u64>(), c in 1..=u64::MAX) {
        let exact = u128::from(a) * u128::from(b);
        let floor = mul_div_floor(a, b, c);
        let ceil = mul_div_ceil(a, b, c);
        match (floor, ceil) {
            (Ok(f), Ok(k)) => {
                prop_assert!(u128::from(f) * u128::from(c) <= exact);
                prop_assert!(u128::from(k) * u128::from(c) >= exact);
                prop_assert!(k - f <= 1);
                prop_assert_eq!(k == f, exact % u128::from(c) == 0);
            }
            (Err(_), _) => prop_assert!(exact / u128::from(c) > u128::from(u64::MAX)),
            (Ok(_), Err(_)) => prop_assert!(exact.div_ceil(u128::from(c)) > u128::from(u64::MAX)),
        }
    }

    #[test]
    fn safe_ops_agree_with_checked_ops(a in any::<u64>(), b in any::<u64>()) {
        prop_assert_eq!(a.safe_add(b).ok(), a.checked_add(b));
        prop_assert_eq!(a.safe_sub(b).ok(), a.checked_sub(b));
        prop_assert_eq!(a.safe_mul(b).ok(), a.checked_mul(b));
        prop_assert_eq!(a.safe_div(b).ok(), a.checked_div(b));
    }
}
