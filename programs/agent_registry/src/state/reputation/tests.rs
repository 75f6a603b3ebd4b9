use super::*;

#[test]
fn a_new_agent_scores_half_and_failures_weigh_a_full_credit() {
    let mut r = Reputation::default();
    assert_eq!(r.reliability_bps(), 5_000);
    r.record_failure(1).unwrap();
    assert_eq!(
        r.reliability_bps(),
        PRIOR * 10_000 / (FAILURE_WEIGHT + 2 * PRIOR)
    );
}

#[test]
fn credit_is_value_points_halved_per_earlier_execution_of_the_payer() {
    // $150 is capped at 100 points; $0.05 rounds up to one point; $0.009 earns nothing.
    assert_eq!(credit(150_000_000, 0), 100 * CREDIT_PER_POINT);
    assert_eq!(credit(50_000, 0), CREDIT_PER_POINT);
    assert_eq!(credit(9_999, 0), 0);
    assert_eq!(credit(5_000_000, 1), 5 * CREDIT_PER_POINT / 2);
    assert_eq!(credit(100_000_000, MAX_CREDITED_PER_PAYER), 0);
    // Every payer's total is bounded by twice its first execution.
    let total: u64 = (0..1_000).map(|n| credit(100_000_000, n)).sum();
    assert!(total < 2 * credit(100_000_000, 0));
}

#[test]
fn ten_thousand_self_dealt_executions_lose_to_twenty_independent_payers() {
    // The farmer: 10,000 paid executions from one payer that is not its own key (a Sybil
    // wallet), and as many again from its own owner key.
    let mut farmer = Reputation::default();
    for n in 0..10_000u64 {
        let earlier = u16::try_from(n)
            .unwrap_or(u16::MAX)
            .min(MAX_CREDITED_PER_PAYER);
        farmer
            .record_success(150_000_000, Some(earlier), 0, 1)
            .unwrap();
        farmer.record_success(150_000_000, None, 0, 1).unwrap();
    }
    // The honest vendor: 20 executions, each from a payer it never served.
    let mut honest = Reputation::default();
    for _ in 0..20 {
        honest.record_success(150_000_000, Some(0), 0, 1).unwrap();
    }
    assert_eq!(farmer.succeeded, 20_000);
    assert_eq!(farmer.self_dealt, 10_000);
    assert!(honest.reliability_bps() > farmer.reliability_bps());
    assert!(honest.credit >= 10 * farmer.credit);
}
