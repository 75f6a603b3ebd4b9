//! Conditional steps (docs/SECURITY-TESTPLAN.md §5.2, T-01..T-04): a step with a trigger
//! executes only while its oracle condition holds at execution time. The awarded vendor trying
//! one unit before the level, a price too close to its EMA, or a stale price that seems to
//! satisfy the condition is refused with the exact error and changes nothing; at the level it
//! lands. Malformed triggers never make it into a plan.
use agentrunner_client::ix::runner as ix;
use agentrunner_embedded::{oracle::pyth_feed, PythPrice};
use agentrunner_tests::{context::landed, runner_world::*};
use pyth_solana_receiver_sdk::price_update::VerificationLevel;
use runner::{
    error::RunnerError,
    instructions::StepArgs,
    state::{OracleSource, StepGuards},
    trigger::{Leg, Trigger},
};
use solana_signer::Signer;

/// `step` with `trigger` among its guards.
fn gated(step: StepArgs, trigger: Trigger) -> StepArgs {
    StepArgs {
        guards: StepGuards { trigger, ..GUARDS },
        ..step
    }
}

/// SOL at `price` (10^-8 USD) with EMA `ema_price`, published now; USDC refreshed.
async fn sol_at(w: &RunnerWorld, price: i64, ema_price: i64) {
    w.refresh_prices().await;
    let now = w.ctx.now().await;
    w.write_pyth(
        &w.sol_price,
        PythPrice {
            feed_id: pyth_feed::SOL_USD,
            price,
            conf: 0,
            exponent: PRICE_EXPONENT,
            ema_price,
            publish_time: now,
            verification: VerificationLevel::Full,
        },
    )
    .await;
}

/// T-01: a stop-loss sells SOL only at or below its level, a breakout buy only at or above;
/// the vendor executing one unit (10^-8 USD) on the wrong side is refused.
#[tokio::test]
async fn adversary_t1_a_vendor_executing_one_unit_before_the_level_is_refused() {
    let w = RunnerWorld::new().await;
    let stop_loss = w
        .plan(vec![gated(
            w.swap_sol_step(SOL),
            Trigger::PriceAtMost {
                leg: Leg::Input,
                micro_usd: 140_000_000,
            },
        )])
        .await;
    for price in [SOL_PRICE, 140_00000001] {
        sol_at(&w, price, price).await;
        w.execution_refused(&stop_loss, 0, RunnerError::TriggerNotMet)
            .await;
    }
    sol_at(&w, 140_00000000, 140_00000000).await;
    landed(w.execute(&stop_loss, 0).await);

    let breakout = w
        .plan(vec![gated(
            w.dca_usdc_step(100 * USDC, 1, 0),
            Trigger::PriceAtLeast {
                leg: Leg::Output,
                micro_usd: 160_000_000,
            },
        )])
        .await;
    sol_at(&w, 159_99999999, 159_99999999).await;
    w.execution_refused(&breakout, 0, RunnerError::TriggerNotMet)
        .await;
    sol_at(&w, 160_00000000, 160_00000000).await;
    landed(w.execute(&breakout, 0).await);
}

/// T-02: "if volatility spikes" (>= 300 bps from Pyth's EMA): at SOL $150 an EMA of
/// 154.63917525 is 299.99 bps away (refused), 154.63917526 is 300 (lands).
#[tokio::test]
async fn adversary_t2_a_vendor_executing_before_the_volatility_spike_is_refused() {
    let w = RunnerWorld::new().await;
    let exit = w
        .plan(vec![gated(
            w.swap_sol_step(SOL),
            Trigger::VolatilityAtLeast {
                leg: Leg::Input,
                bps: 300,
            },
        )])
        .await;
    for ema in [SOL_PRICE, 154_63917525] {
        sol_at(&w, SOL_PRICE, ema).await;
        w.execution_refused(&exit, 0, RunnerError::TriggerNotMet)
            .await;
    }
    sol_at(&w, SOL_PRICE, 154_63917526).await;
    landed(w.execute(&exit, 0).await);
}

/// T-03: a price that satisfies the condition but is one second too old is refused as stale:
/// a trigger is only ever judged on a fresh, verified price.
#[tokio::test]
async fn adversary_t3_a_stale_price_never_satisfies_a_trigger() {
    let w = RunnerWorld::new().await;
    let p = w
        .plan(vec![gated(
            w.swap_sol_step(SOL),
            Trigger::PriceAtMost {
                leg: Leg::Input,
                micro_usd: 200_000_000,
            },
        )])
        .await;
    let max_age = i64::from(GUARDS.oracle_max_age_secs);
    w.ctx.warp_seconds(max_age + 5).await;
    w.refresh_prices().await;
    let now = w.ctx.now().await;
    w.write_price(
        &w.sol_price,
        pyth_feed::SOL_USD,
        SOL_PRICE,
        now - max_age - 1,
    )
    .await;
    w.execution_refused(&p, 0, RunnerError::OracleStale).await;
    w.write_price(&w.sol_price, pyth_feed::SOL_USD, SOL_PRICE, now)
        .await;
    landed(w.execute(&p, 0).await);
}

/// T-04: a level of 0, a volatility threshold of 0 or above 100%, volatility on a
/// Switchboard-priced leg, or any trigger on a service step is refused at creation.
#[tokio::test]
async fn test_t4_malformed_triggers_are_refused_when_the_plan_is_created() {
    let w = RunnerWorld::new().await;
    let owner = w.funded_owner().await;
    let key = owner.keypair.pubkey();
    let with = |step: StepArgs, trigger| w.plan_args(key, vec![gated(step, trigger)]);
    let spike = |bps| Trigger::VolatilityAtLeast {
        leg: Leg::Input,
        bps,
    };
    let mut on_switchboard = with(w.swap_sol_step(SOL), spike(300));
    on_switchboard.mints[usize::from(SOL_INDEX)].oracle = w.sol_switchboard;
    on_switchboard.mints[usize::from(SOL_INDEX)].source = OracleSource::Switchboard;
    let cases = [
        (
            "level 0",
            with(
                w.swap_sol_step(SOL),
                Trigger::PriceAtLeast {
                    leg: Leg::Output,
                    micro_usd: 0,
                },
            ),
        ),
        ("volatility 0", with(w.swap_sol_step(SOL), spike(0))),
        (
            "volatility over 100%",
            with(w.swap_sol_step(SOL), spike(10_001)),
        ),
        ("volatility without an EMA", on_switchboard),
        ("service step", with(w.data_service_step(), spike(300))),
    ];
    w.creations_refused(&owner.keypair, cases, RunnerError::InvalidTrigger)
        .await;
    landed(
        w.ctx
            .send(
                &[ix::create_plan(
                    &key,
                    with(w.swap_sol_step(SOL), spike(10_000)),
                )],
                &[&owner.keypair],
            )
            .await,
    );
}
