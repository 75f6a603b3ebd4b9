use anchor_lang::prelude::*;

use super::*;
use crate::error::RunnerError;
use crate::trigger::Trigger;

fn step(depends_on: u8, repeat: u16, interval_secs: u32) -> PlanStep {
    PlanStep {
        kind: StepKind::Dca,
        capability: 1,
        depends_on,
        mint_in: Pubkey::new_from_array([1; 32]),
        mint_out: Pubkey::new_from_array([2; 32]),
        amount_in: 10,
        guards: StepGuards {
            max_slippage_bps: 30,
            oracle_max_age_secs: 60,
            min_verification_signatures: 0,
            max_confidence_bps: 100,
            fee_cap_bps: 10,
            min_samples: 1,
            trigger: Trigger::Always,
        },
        repeat,
        interval_secs,
        status: StepStatus::Pending,
        executions: 0,
        last_executed_at: 0,
    }
}

fn plan(steps: Vec<PlanStep>) -> Plan {
    let mint = |b: u8| MintPolicy {
        mint: Pubkey::new_from_array([b; 32]),
        decimals: 6,
        oracle: Pubkey::new_from_array([b.wrapping_add(100); 32]),
        source: OracleSource::Pyth { feed_id: [b; 32] },
        last_publish_time: 0,
        owner_account_bump: 255,
        staging_bump: 255,
    };
    Plan {
        owner: Pubkey::new_unique(),
        plan_id: 1,
        plan_hash: [0; 32],
        planner: Pubkey::new_unique(),
        mints: vec![mint(1), mint(2)],
        venues: vec![],
        notional_cap_usd: 100,
        daily_cap_usd: 250,
        day_start: 0,
        spent_today_usd: 0,
        steps,
        status: PlanStatus::Active,
        created_at: 0,
        seq: 0,
        bump: 255,
        owner_delegate_bump: 255,
        custody: Custody::Pending,
        padding: [0; 32],
    }
}

fn code<T: std::fmt::Debug>(result: Result<T>) -> u32 {
    match result {
        Err(anchor_lang::error::Error::AnchorError(e)) => e.error_code_number,
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn readiness_dependencies_and_dca_interval() {
    let mut p = plan(vec![step(0, 1, 0), step(0b01, 3, 3_600)]);
    assert_eq!(
        code(p.require_ready(1, 0)),
        u32::from(RunnerError::DependencyNotDone)
    );
    p.record_execution(0, 10).unwrap();
    assert_eq!(p.steps[0].status, StepStatus::Done);
    assert_eq!(
        code(p.require_ready(0, 10)),
        u32::from(RunnerError::StepFinished)
    );
    p.require_ready(1, 10).unwrap();
    p.record_execution(1, 100).unwrap();
    // DCA interval boundary: t-1 too early, t fine.
    assert_eq!(
        code(p.require_ready(1, 3_699)),
        u32::from(RunnerError::TooEarly)
    );
    p.require_ready(1, 3_700).unwrap();
    p.record_execution(1, 3_700).unwrap();
    p.record_execution(1, 7_300).unwrap();
    assert_eq!(p.steps[1].status, StepStatus::Done);
    assert!(p.is_finished());
    assert_eq!(
        code(p.require_ready(7, 0)),
        u32::from(RunnerError::StepOutOfRange)
    );
    p.status = PlanStatus::Cancelled { at: 1 };
    assert_eq!(
        code(p.require_ready(0, 0)),
        u32::from(RunnerError::PlanNotActive)
    );
}

#[test]
fn caps_and_monotonic_prices() {
    let mut p = plan(vec![step(0, 1, 0)]);
    assert_eq!(
        code(p.spend(101, 0)),
        u32::from(RunnerError::NotionalCapExceeded)
    );
    p.spend(100, 0).unwrap();
    p.spend(100, 10).unwrap();
    assert_eq!(
        code(p.spend(51, 20)),
        u32::from(RunnerError::DailyCapExceeded)
    );
    p.spend(50, 20).unwrap();
    // The window rolls over after a day.
    p.spend(100, 86_400).unwrap();
    assert_eq!(p.spent_today_usd, 100);
    p.observe_price(0, 50).unwrap();
    p.observe_price(0, 50).unwrap();
    assert_eq!(
        code(p.observe_price(0, 49)),
        u32::from(RunnerError::OracleNotMonotonic)
    );
}

#[test]
fn invariant_rejects_bad_graphs() {
    assert!(plan(vec![step(0, 1, 0)]).invariant().is_ok());
    // A dependency on itself or a later step.
    assert!(plan(vec![step(0b1, 1, 0)]).invariant().is_err());
    assert!(plan(vec![step(0b10, 1, 0), step(0, 1, 0)])
        .invariant()
        .is_err());
    // Unknown mint, zero repeat, too many steps, none.
    let mut unknown = step(0, 1, 0);
    unknown.mint_out = Pubkey::new_unique();
    assert!(plan(vec![unknown]).invariant().is_err());
    assert!(plan(vec![step(0, 0, 0)]).invariant().is_err());
    assert!(plan(vec![step(0, 1, 0); 7]).invariant().is_err());
    assert!(plan(vec![]).invariant().is_err());
}

#[test]
fn reserved_input_counts_every_remaining_execution_of_each_input_mint() {
    let sol = Pubkey::new_from_array([1; 32]);
    let usdc = Pubkey::new_from_array([2; 32]);
    let mut buy_back = step(0b1, 2, 0);
    buy_back.mint_in = usdc;
    buy_back.mint_out = sol;
    buy_back.amount_in = 7;
    let mut service = step(0, 1, 0);
    service.kind = StepKind::Service;
    service.mint_in = sol;
    let mut p = plan(vec![step(0, 3, 0), buy_back, service]);
    assert_eq!(p.reserved_input(&sol).unwrap(), 30);
    assert_eq!(p.reserved_input(&usdc).unwrap(), 14);
    let inputs: Vec<Pubkey> = p.input_mints().map(|m| m.mint).collect();
    assert_eq!(inputs, vec![sol, usdc]);
    // Each execution consumes one step's amount; a finished step reserves nothing.
    p.record_execution(0, 10).unwrap();
    assert_eq!(p.reserved_input(&sol).unwrap(), 20);
    p.record_execution(0, 20).unwrap();
    p.record_execution(0, 30).unwrap();
    assert_eq!(p.reserved_input(&sol).unwrap(), 0);
    // A failed step's remainder stays reserved until the plan releases it.
    p.steps[1].status = StepStatus::Failed;
    assert_eq!(p.reserved_input(&usdc).unwrap(), 14);
    assert_eq!(
        code(p.require_approved()),
        u32::from(RunnerError::PlanNotApproved)
    );
    p.custody = Custody::Approved { at: 1 };
    assert!(p.require_approved().is_ok());
}
