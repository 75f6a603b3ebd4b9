use proptest::prelude::*;

use super::*;

/// An independent implementation: utilities as exact rationals reduced by their gcd, sorted
/// with a stable sort on a key tuple.
fn reference_best(candidates: &[Candidate]) -> Option<usize> {
    fn gcd(a: u128, b: u128) -> u128 {
        if b == 0 {
            a
        } else {
            gcd(b, a % b)
        }
    }
    let mut keyed: Vec<(usize, u128, u128)> = candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let num = u128::from(c.reliability_bps) * u128::from(c.compat_bps);
            let den = u128::from(c.priced_at);
            let g = gcd(num, den).max(1);
            (i, num / g, den / g)
        })
        .collect();
    keyed.sort_by(|x, y| {
        let (cx, cy) = (&candidates[x.0], &candidates[y.0]);
        (y.1 * x.2)
            .cmp(&(x.1 * y.2))
            .then(cx.price.cmp(&cy.price))
            .then(cx.submitted_at.cmp(&cy.submitted_at))
            .then(cx.agent.to_bytes().cmp(&cy.agent.to_bytes()))
    });
    keyed.first().map(|k| k.0)
}

fn candidate() -> impl Strategy<Value = Candidate> {
    (
        any::<[u8; 32]>(),
        1..2_000u64,
        0..=10_000u64,
        0..=4u8,
        0..4u8,
        0..5i64,
    )
        .prop_map(
            |(agent, price, reliability_bps, offered, required_extra, submitted_at)| Candidate {
                agent: Pubkey::new_from_array(agent),
                price,
                priced_at: priced_at(price, 1_500),
                reliability_bps,
                compat_bps: compat_bps(offered, offered | required_extra),
                submitted_at,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]
    #[test]
    fn best_matches_reference(candidates in proptest::collection::vec(candidate(), 0..9)) {
        prop_assert_eq!(best(&candidates), reference_best(&candidates));
    }
}

#[test]
fn compat_is_a_fraction_of_required_guards() {
    assert_eq!(compat_bps(0, 0), 10_000);
    assert_eq!(compat_bps(0b0011, 0b0011), 10_000);
    assert_eq!(compat_bps(0b0001, 0b0011), 5_000);
    assert_eq!(compat_bps(0b0100, 0b0111), 3_333);
    assert_eq!(compat_bps(0b1111, 0b0000), 10_000);
}

#[test]
fn cheaper_wins_at_equal_reliability_and_ties_are_deterministic() {
    let a = Candidate {
        agent: Pubkey::new_from_array([1; 32]),
        price: 100,
        priced_at: 100,
        reliability_bps: 5_000,
        compat_bps: 10_000,
        submitted_at: 5,
    };
    let b = Candidate {
        price: 90,
        priced_at: 90,
        agent: Pubkey::new_from_array([2; 32]),
        ..a
    };
    assert_eq!(best(&[a, b]), Some(1));
    // A more reliable vendor wins despite a higher price when the ratio favours it.
    let c = Candidate {
        price: 100,
        priced_at: 100,
        reliability_bps: 9_000,
        agent: Pubkey::new_from_array([3; 32]),
        ..a
    };
    assert_eq!(best(&[b, c]), Some(1));
    // Full tie: earlier submission, then lower address.
    let d = Candidate {
        submitted_at: 4,
        agent: Pubkey::new_from_array([9; 32]),
        ..a
    };
    assert_eq!(best(&[a, d]), Some(1));
    let e = Candidate {
        agent: Pubkey::new_from_array([0; 32]),
        ..a
    };
    assert_eq!(best(&[a, e]), Some(1));
    assert_eq!(best(&[]), None);
}

#[test]
fn undercutting_buys_at_most_a_factor_of_two() {
    // The README's worked example: an RFP with max price 100,000 atoms.
    let max = 100_000;
    let established = Candidate {
        agent: Pubkey::new_from_array([1; 32]),
        price: 90_000,
        priced_at: priced_at(90_000, max),
        reliability_bps: 9_900,
        compat_bps: 10_000,
        submitted_at: 1,
    };
    // A new agent bidding one atom is priced at half the maximum: 5,000 / 50,000 < 9,900 / 90,000.
    let newcomer = Candidate {
        agent: Pubkey::new_from_array([2; 32]),
        price: 1,
        priced_at: priced_at(1, max),
        reliability_bps: 5_000,
        ..established
    };
    assert_eq!(newcomer.priced_at, 50_000);
    assert_eq!(best(&[established, newcomer]), Some(0));
    // Below half the maximum the price no longer matters, only reliability and compatibility.
    let cheap = Candidate {
        price: 10_000,
        priced_at: priced_at(10_000, max),
        ..newcomer
    };
    assert_eq!(compare(&cheap, &newcomer), std::cmp::Ordering::Less);
    assert_eq!(priced_at(0, 0), 1);
}
