//! The oracle, slippage, fee and allowlist guards (docs/SECURITY-TESTPLAN.md §5.2, G-01..G-11). Every
//! rejection asserts the exact error and that every account the transaction names — plan,
//! budget, vault, grant, receipt tree, the owner's and the pool's token accounts — is
//! byte-identical afterwards; where a guard has a boundary, the value at the cap lands.
use agentrunner_client::events::decode_event;
use agentrunner_embedded::{oracle::pyth_feed, PythPrice, SwitchboardFeed};
use agentrunner_tests::{context::landed, runner_world::*};
use onchain_common::CommonError;
use pyth_solana_receiver_sdk::price_update::VerificationLevel;
use receipts::events::ReceiptAppended;
use runner::{
    error::RunnerError,
    instructions::StepArgs,
    state::{OracleSource, StepGuards},
};
use solana_account::Account;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// A plan of one `repeat`-times DCA of 1 SOL with `guards`, no interval, a $50,000 daily cap.
async fn dca_plan(w: &RunnerWorld, repeat: u16, guards: StepGuards) -> PlanSetup {
    dca_plan_every(w, repeat, 0, guards).await
}

/// [`dca_plan`] with `interval_secs` between executions (repeats beyond 16 need a minute).
async fn dca_plan_every(
    w: &RunnerWorld,
    repeat: u16,
    interval_secs: u32,
    guards: StepGuards,
) -> PlanSetup {
    let step = StepArgs {
        guards,
        ..w.dca_sol_step(SOL, repeat, interval_secs)
    };
    let owner = w.funded_owner().await;
    let mut args = w.plan_args(owner.keypair.pubkey(), vec![step]);
    args.daily_cap_usd = 50_000 * USDC;
    w.plan_from(owner, args, w.usdc).await
}

fn sol_price(price: i64, publish_time: i64) -> PythPrice {
    PythPrice {
        feed_id: pyth_feed::SOL_USD,
        price,
        conf: 0,
        exponent: PRICE_EXPONENT,
        ema_price: price,
        publish_time,
        verification: VerificationLevel::Full,
    }
}

#[tokio::test]
async fn test_g01_g11_price_older_than_max_age_is_stale_and_exactly_max_age_is_fresh() {
    let w = RunnerWorld::new().await;
    let p = dca_plan(&w, 2, GUARDS).await;
    let max_age = i64::from(GUARDS.oracle_max_age_secs);
    w.ctx.warp_seconds(max_age + 5).await;
    let now = w.ctx.now().await;
    // Input leg one second too old.
    w.write_pyth(&w.sol_price, sol_price(SOL_PRICE, now - max_age - 1))
        .await;
    w.write_price(&w.usdc_price, pyth_feed::USDC_USD, USDC_PRICE, now)
        .await;
    w.execution_refused(&p, 0, RunnerError::OracleStale).await;
    // Output (and fee) leg one second too old.
    w.write_pyth(&w.sol_price, sol_price(SOL_PRICE, now)).await;
    w.write_price(
        &w.usdc_price,
        pyth_feed::USDC_USD,
        USDC_PRICE,
        now - max_age - 1,
    )
    .await;
    w.execution_refused(&p, 0, RunnerError::OracleStale).await;
    // Both exactly max_age old: accepted.
    w.write_pyth(&w.sol_price, sol_price(SOL_PRICE, now - max_age))
        .await;
    w.write_price(
        &w.usdc_price,
        pyth_feed::USDC_USD,
        USDC_PRICE,
        now - max_age,
    )
    .await;
    landed(w.execute(&p, 0).await);
}

#[tokio::test]
async fn test_g02_fresh_price_of_another_asset_is_refused() {
    let w = RunnerWorld::new().await;
    let p = w.plan(vec![w.swap_sol_step(SOL)]).await;
    // The SOL account carrying the USDC feed.
    let now = w.ctx.now().await;
    w.write_pyth(
        &w.sol_price,
        PythPrice {
            feed_id: pyth_feed::USDC_USD,
            ..sol_price(SOL_PRICE, now)
        },
    )
    .await;
    w.execution_refused(&p, 0, RunnerError::OracleFeedMismatch)
        .await;
    // The genuine USDC account passed as the SOL price: not the account the plan pins.
    w.refresh_prices().await;
    let mut ix = w.execute_ix(&p, 0);
    let slot = ix
        .accounts
        .iter()
        .position(|m| m.pubkey == w.sol_price)
        .unwrap();
    ix.accounts[slot].pubkey = w.usdc_price;
    w.ctx
        .expect_error(
            &[ix],
            &[&w.vendor.owner],
            RunnerError::OracleAccountMismatch,
        )
        .await;
    landed(w.execute(&p, 0).await);
}

#[tokio::test]
async fn test_g03_partially_verified_update_needs_the_plans_signature_threshold() {
    let w = RunnerWorld::new().await;
    let strict = w.plan(vec![w.swap_sol_step(SOL)]).await;
    let lenient = dca_plan(
        &w,
        1,
        StepGuards {
            min_verification_signatures: 3,
            ..GUARDS
        },
    )
    .await;
    let now = w.ctx.now().await;
    let partial = |num_signatures| PythPrice {
        verification: VerificationLevel::Partial { num_signatures },
        ..sol_price(SOL_PRICE, now)
    };
    w.write_pyth(&w.sol_price, partial(12)).await;
    w.execution_refused(&strict, 0, RunnerError::OracleInsufficientVerification)
        .await;
    w.write_pyth(&w.sol_price, partial(2)).await;
    w.execution_refused(&lenient, 0, RunnerError::OracleInsufficientVerification)
        .await;
    w.write_pyth(&w.sol_price, partial(3)).await;
    landed(w.execute(&lenient, 0).await);
}

#[tokio::test]
async fn test_g04_price_bytes_owned_by_another_program_are_refused() {
    let w = RunnerWorld::new().await;
    let p = w.plan(vec![w.swap_sol_step(SOL)]).await;
    let genuine = w.ctx.chain.account(&w.sol_price).await.unwrap().unwrap();
    w.ctx
        .chain
        .set_account(
            &w.sol_price,
            Account {
                owner: Keypair::new().pubkey(),
                ..genuine.clone()
            },
        )
        .await;
    w.execution_refused(&p, 0, RunnerError::OracleOwnerInvalid)
        .await;
    w.ctx.chain.set_account(&w.sol_price, genuine).await;
    landed(w.execute(&p, 0).await);
}

#[tokio::test]
async fn test_g05_older_update_after_a_newer_one_is_refused() {
    let w = RunnerWorld::new().await;
    let p = dca_plan(&w, 2, GUARDS).await;
    let first = w.ctx.now().await;
    landed(w.execute(&p, 0).await);
    w.ctx.warp_seconds(5).await;
    // Still fresh, but older than the update the first execution used.
    w.write_pyth(&w.sol_price, sol_price(SOL_PRICE, first - 1))
        .await;
    w.execution_refused(&p, 0, RunnerError::OracleNotMonotonic)
        .await;
    // The same publish time again is not older: accepted.
    w.write_pyth(&w.sol_price, sol_price(SOL_PRICE, first))
        .await;
    landed(w.execute(&p, 0).await);
}

#[tokio::test]
async fn test_g06_wide_confidence_non_positive_price_and_extreme_exponents_fail_closed() {
    let w = RunnerWorld::new().await;
    let p = dca_plan(&w, 1, GUARDS).await;
    let now = w.ctx.now().await;
    let max_conf = SOL_PRICE as u64 * u64::from(GUARDS.max_confidence_bps) / 10_000;
    let with = |f: fn(&mut PythPrice, u64)| {
        let mut price = sol_price(SOL_PRICE, now);
        f(&mut price, max_conf);
        price
    };
    let cases: [(PythPrice, u32); 5] = [
        (
            with(|p, max| p.conf = max + 1),
            RunnerError::OracleConfidenceTooWide.into(),
        ),
        (
            with(|p, _| p.price = 0),
            RunnerError::OracleInvalidPrice.into(),
        ),
        (
            with(|p, _| p.price = -SOL_PRICE),
            RunnerError::OracleInvalidPrice.into(),
        ),
        (
            with(|p, _| p.exponent = 40),
            CommonError::MathOverflow.into(),
        ),
        (
            with(|p, _| p.exponent = -40),
            CommonError::MathOverflow.into(),
        ),
    ];
    for (price, error) in cases {
        w.write_pyth(&w.sol_price, price).await;
        w.execution_refused(&p, 0, error).await;
    }
    // Confidence exactly at the cap.
    w.write_pyth(&w.sol_price, with(|p, max| p.conf = max))
        .await;
    landed(w.execute(&p, 0).await);
}

#[tokio::test]
async fn test_g07_switchboard_feed_checks_staleness_samples_and_sign() {
    let w = RunnerWorld::new().await;
    // SOL priced by its Switchboard feed, pinned at creation.
    let owner = w.funded_owner().await;
    let guards = StepGuards {
        min_samples: 3,
        ..GUARDS
    };
    let mut args = w.plan_args(
        owner.keypair.pubkey(),
        vec![StepArgs {
            guards,
            ..w.dca_sol_step(SOL, 1, 0)
        }],
    );
    args.mints[usize::from(SOL_INDEX)].oracle = w.sol_switchboard;
    args.mints[usize::from(SOL_INDEX)].source = OracleSource::Switchboard;
    let p = w.plan_from(owner, args, w.usdc).await;
    w.ctx.chain.warp_slots(1_000).await.unwrap();
    w.refresh_prices().await;
    let slot = w.ctx.chain.clock().await.unwrap().slot;
    // 60 s at 400 ms per slot.
    let max_stale_slots = 150;
    let feed = |value: i128, slot: u64, samples: u8| SwitchboardFeed {
        value,
        slot,
        samples,
    };
    let sol_value = 150 * 10i128.pow(18);
    let mut ix = w.execute_ix(&p, 0);
    for (written, error) in [
        (
            feed(sol_value, slot - max_stale_slots - 1, 3),
            RunnerError::OracleStale,
        ),
        (
            feed(sol_value, slot, 2),
            RunnerError::OracleInsufficientSamples,
        ),
        (feed(-sol_value, slot, 3), RunnerError::OracleInvalidPrice),
    ] {
        w.ctx
            .chain
            .write_switchboard_feed(&w.sol_switchboard, &written)
            .await
            .unwrap();
        w.ctx
            .expect_error(&[ix.clone()], &[&w.vendor.owner], error)
            .await;
    }
    // Exactly max_stale_slots old, three samples: accepted, and the receipt records the
    // Switchboard price at 10^-8 and the feed account as its feed id. (A new vendor receipt
    // hash makes this transaction distinct from the refused ones, so signing it moves no slot.)
    let args_at = ix.data.len() - 32;
    ix.data[args_at..].copy_from_slice(&[1; 32]);
    let slot = w.ctx.chain.clock().await.unwrap().slot;
    w.ctx
        .chain
        .write_switchboard_feed(
            &w.sol_switchboard,
            &feed(sol_value, slot - max_stale_slots, 3),
        )
        .await
        .unwrap();
    let traced = w.ctx.send_traced(&[ix], &[&w.vendor.owner]).await.unwrap();
    let receipt = traced
        .cpis()
        .find_map(|c| {
            decode_event::<ReceiptAppended>(&receipts::ID, &c.program_id, &c.accounts, &c.data)
        })
        .unwrap()
        .receipt;
    assert_eq!(
        (receipt.guards.oracle_price, receipt.guards.oracle_exponent),
        (SOL_PRICE, PRICE_EXPONENT)
    );
    assert_eq!(receipt.guards.feed_id, w.sol_switchboard.to_bytes());
}

#[tokio::test]
async fn test_g08_sandwich_that_moves_the_pool_before_execution_is_refused() {
    let w = RunnerWorld::new().await;
    let p = w.plan(vec![w.swap_sol_step(SOL)]).await;
    // A front-runner dumps 300 SOL: the pool now pays ~6% under the oracle price.
    w.move_pool(&w.sol, 300 * SOL).await;
    w.execution_refused(&p, 0, RunnerError::SlippageExceeded)
        .await;
    // The back-run restores the price; the same step now lands.
    w.move_pool(&w.usdc, 44_000 * USDC).await;
    landed(w.execute(&p, 0).await);
}

#[tokio::test]
async fn test_g09_g11_fee_above_the_cap_is_refused_and_exactly_at_the_cap_lands() {
    let w = RunnerWorld::new().await;
    // The fee is $0.05 against a 10 bps cap: the notional must be at least $50, i.e. one third
    // of a SOL at $150, rounded up to 333,333,334 atoms ($50.0000001, floored to $50.000000).
    let p = w
        .plan(vec![
            w.swap_sol_step(333_333_333),
            w.swap_sol_step(333_333_334),
        ])
        .await;
    w.execution_refused(&p, 0, RunnerError::FeeCapExceeded)
        .await;
    landed(w.execute(&p, 1).await);
    // A 3 bps cap refuses the $0.05 fee on $150.
    let tight = w
        .plan(vec![StepArgs {
            guards: StepGuards {
                fee_cap_bps: 3,
                ..GUARDS
            },
            ..w.swap_sol_step(SOL)
        }])
        .await;
    w.execution_refused(&tight, 0, RunnerError::FeeCapExceeded)
        .await;
}

#[tokio::test]
async fn test_g10_venue_and_fee_mint_outside_the_plans_allowlists_are_refused() {
    let w = RunnerWorld::new().await;
    // A plan whose venue allowlist does not hold the sim_venue.
    let owner = w.funded_owner().await;
    let mut args = w.plan_args(owner.keypair.pubkey(), vec![w.swap_sol_step(SOL)]);
    args.venues = vec![Keypair::new().pubkey()];
    let p = w.plan_from(owner, args, w.usdc).await;
    w.execution_refused(&p, 0, RunnerError::VenueNotAllowed)
        .await;
    // A plan whose fee budget is in JUP, a mint outside its policy.
    let owner = w.funded_owner().await;
    let args = w.plan_args(owner.keypair.pubkey(), vec![w.swap_sol_step(SOL)]);
    let p = w.plan_from(owner, args, w.jup).await;
    w.execution_refused(&p, 0, RunnerError::MintNotAllowed)
        .await;
}

/// `sim_venue`'s output for `amount_in`, computed independently from the reserves.
async fn pool_out(w: &RunnerWorld, amount_in: u64) -> u64 {
    let reserve_in = w
        .ctx
        .chain
        .token_balance(&w.pool.vault(&w.sol))
        .await
        .unwrap();
    let reserve_out = w
        .ctx
        .chain
        .token_balance(&w.pool.vault(&w.usdc))
        .await
        .unwrap();
    let after_fee = u128::from(amount_in) * u128::from(10_000 - POOL_FEE_BPS) / 10_000;
    (after_fee * u128::from(reserve_out) / (u128::from(reserve_in) + after_fee)) as u64
}

/// The fewest USDC atoms the guard accepts for 1 SOL at `price` (mantissa at 10^-8) under the
/// 30 bps cap: 1 SOL is worth `price / 100` USDC atoms; the minimum is rounded up.
fn min_out_at(price: i64) -> u64 {
    let expected = price as u64 / 100;
    (expected * u64::from(10_000 - GUARDS.max_slippage_bps)).div_ceil(10_000)
}

#[tokio::test]
async fn test_g11_slippage_exactly_at_the_cap_lands_and_one_atom_beyond_is_refused() {
    let w = RunnerWorld::new().await;
    let p = dca_plan(&w, 1, GUARDS).await;
    let out = pool_out(&w, SOL).await;
    // The oracle price whose minimum is exactly the pool's output, and the next one up.
    let at_cap = (SOL_PRICE / 2..SOL_PRICE * 2)
        .step_by(100)
        .find(|price| min_out_at(*price) == out)
        .expect("some price puts the minimum exactly at the output");
    let beyond = (at_cap..)
        .step_by(100)
        .find(|price| min_out_at(*price) == out + 1)
        .unwrap();
    let now = w.ctx.now().await;
    w.write_pyth(&w.sol_price, sol_price(beyond, now)).await;
    w.execution_refused(&p, 0, RunnerError::SlippageExceeded)
        .await;
    w.write_pyth(&w.sol_price, sol_price(at_cap, now)).await;
    landed(w.execute(&p, 0).await);
    // The owner's USDC: the start, less the fee deposit, plus exactly the pool's output.
    assert_eq!(
        w.ctx.chain.token_balance(&p.owner.usdc).await.unwrap(),
        OWNER_USDC - VENDOR_PRICE + out
    );
}

#[tokio::test]
async fn test_g11_random_prices_around_the_pool_accept_exactly_when_the_output_meets_the_minimum() {
    use rand::{rngs::StdRng, Rng, SeedableRng};
    let w = RunnerWorld::new().await;
    let executions = 40;
    let p = dca_plan_every(&w, executions, 60, GUARDS).await;
    let mut rng = StdRng::seed_from_u64(0x5eed_6011);
    let (mut accepted, mut refused) = (0, 0);
    while accepted < executions {
        w.refresh_prices().await;
        let now = w.ctx.now().await;
        // Within ±1% of the pool price, on the 10^-6 USD grid.
        let price = SOL_PRICE + rng.gen_range(-150..=150) * 1_000_000;
        w.write_pyth(&w.sol_price, sol_price(price, now)).await;
        let out = pool_out(&w, SOL).await;
        if out >= min_out_at(price) {
            landed(w.execute(&p, 0).await);
            accepted += 1;
        } else {
            w.execution_refused(&p, 0, RunnerError::SlippageExceeded)
                .await;
            refused += 1;
        }
        w.ctx.warp_seconds(60).await;
    }
    assert!(
        refused > 0,
        "the sample crossed the boundary ({refused} refused)"
    );
}
