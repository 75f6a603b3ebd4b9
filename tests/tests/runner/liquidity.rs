//! Liquidity steps (docs/SECURITY-TESTPLAN.md §5.2, L-01..L-06): one pool token into the pool's
//! LP token and back, through the same custody, caps, payment and receipt as a swap, with the
//! LP token priced fairly from its pool — both reserves at their own oracle prices — never from
//! the pool's ratio. Every refusal asserts the exact error and byte-identical accounts.
use agentrunner_client::events::decode_event;
use agentrunner_embedded::{oracle::pyth_feed, PythPrice};
use agentrunner_tests::runner_world::*;
use onchain_common::isqrt;
use pyth_solana_receiver_sdk::price_update::VerificationLevel;
use receipts::{events::ReceiptAppended, receipt::ReceiptKind};
use runner::{
    error::RunnerError,
    events::StepExecuted,
    instructions::StepArgs,
    state::{Plan, StepGuards, StepStatus},
    trigger::{Leg, Trigger},
};
use solana_signer::Signer;

/// The pool's fair value in micro-USD — `2 * sqrt(SOL side * USDC side)` at the oracle prices
/// — and its LP supply, read from the chain and computed here independently of the runner.
async fn fair_pool(w: &RunnerWorld) -> (u128, u64) {
    let chain = &w.ctx.chain;
    let sol = u128::from(chain.token_balance(&w.pool.vault(&w.sol)).await.unwrap());
    let usdc = u128::from(chain.token_balance(&w.pool.vault(&w.usdc)).await.unwrap());
    let mint = chain.account(&w.lp_mint()).await.unwrap().unwrap();
    let supply =
        <spl_token_interface::state::Mint as solana_program_pack::Pack>::unpack(&mint.data)
            .unwrap()
            .supply;
    // SOL atoms have 9 decimals at $150: 150 micro-USD per 1,000 atoms.
    let sol_side = sol * 150 / 1_000;
    (2 * isqrt(sol_side * usdc), supply)
}

/// The executions of a traced transaction: the runner's event and the appended receipt.
fn executed(traced: &agentrunner_embedded::TracedOutcome) -> (StepExecuted, receipts::Receipt) {
    let event = traced
        .cpis()
        .find_map(|c| {
            decode_event::<StepExecuted>(&runner::ID, &c.program_id, &c.accounts, &c.data)
        })
        .expect("StepExecuted");
    let receipt = traced
        .cpis()
        .find_map(|c| {
            decode_event::<ReceiptAppended>(&receipts::ID, &c.program_id, &c.accounts, &c.data)
        })
        .expect("ReceiptAppended")
        .receipt;
    (event, receipt)
}

/// Asserts the vendor's execution of `p`'s liquidity step `step` is refused with `error` and
/// changes nothing.
async fn refused(w: &RunnerWorld, p: &PlanSetup, step: u8, error: impl Into<u32>) {
    let compared = w
        .ctx
        .expect_error(
            &[w.execute_liquidity_ix(p, step)],
            &[&w.vendor.owner],
            error,
        )
        .await;
    assert!(compared >= 25, "the snapshot covers every named account");
}

#[tokio::test]
async fn test_l01_adding_usdc_mints_lp_worth_it_at_the_fair_price_into_the_owners_account() {
    let w = RunnerWorld::new().await;
    let amount = 150 * USDC;
    let p = w.liquidity_plan(vec![w.add_liquidity_step(amount)]).await;
    let chain = &w.ctx.chain;
    let lp_account = agentrunner_client::pda::ata(
        &p.owner.keypair.pubkey(),
        &w.lp_mint(),
        &anchor_spl::token::ID,
    );
    let (usdc_before, lp_before) = (
        chain.token_balance(&p.owner.usdc).await.unwrap(),
        chain.token_balance(&lp_account).await.unwrap(),
    );
    let (pool_value, supply) = fair_pool(&w).await;

    let traced = w
        .ctx
        .send_traced(&[w.execute_liquidity_ix(&p, 0)], &[&w.vendor.owner])
        .await
        .expect("execute");

    let spent = usdc_before - chain.token_balance(&p.owner.usdc).await.unwrap();
    let minted = chain.token_balance(&lp_account).await.unwrap() - lp_before;
    assert_eq!(spent, amount, "exactly the step's input");
    // The fair LP amount for $150: 150e6 micro-USD of a pool worth `pool_value` over `supply`.
    let fair = (u128::from(amount) * u128::from(supply) / pool_value) as u64;
    let (event, receipt) = executed(&traced);
    assert!(
        event.expected_out.abs_diff(fair) <= 1,
        "{} vs {fair}",
        event.expected_out
    );
    assert_eq!(event.min_out, (event.expected_out * 9_970).div_ceil(10_000));
    assert!(
        minted >= event.min_out && minted <= event.expected_out,
        "{minted}"
    );
    assert_eq!(event.notional_usd, 150 * USDC);
    assert_eq!(receipt.kind, ReceiptKind::Liquidity);
    assert_eq!((receipt.amount_in, receipt.mint_in), (spent, w.usdc));
    assert_eq!(
        (receipt.amount_out, receipt.mint_out),
        (minted, w.lp_mint())
    );
    assert_eq!(
        receipt.guards.feed_id,
        pyth_feed::USDC_USD,
        "the input leg's price"
    );
    let staging = agentrunner_client::pda::staging(&p.owner.keypair.pubkey(), &w.usdc).0;
    assert_eq!(chain.token_balance(&staging).await.unwrap(), 0);
    let plan: Plan = w.ctx.get(&p.plan).await;
    assert_eq!(plan.steps[0].status, StepStatus::Done);
}

#[tokio::test]
async fn test_l02_exiting_lp_pays_usdc_worth_its_fair_price_and_receipts_the_lp_price() {
    let w = RunnerWorld::new().await;
    let lp = 1_000_000_000; // one whole LP token
    let p = w.liquidity_plan(vec![w.remove_liquidity_step(lp)]).await;
    let chain = &w.ctx.chain;
    let lp_account = agentrunner_client::pda::ata(
        &p.owner.keypair.pubkey(),
        &w.lp_mint(),
        &anchor_spl::token::ID,
    );
    let (usdc_before, lp_before) = (
        chain.token_balance(&p.owner.usdc).await.unwrap(),
        chain.token_balance(&lp_account).await.unwrap(),
    );
    let (pool_value, supply) = fair_pool(&w).await;
    let traced = w
        .ctx
        .send_traced(&[w.execute_liquidity_ix(&p, 0)], &[&w.vendor.owner])
        .await
        .expect("execute");
    let received = chain.token_balance(&p.owner.usdc).await.unwrap() - usdc_before;
    assert_eq!(
        lp_before - chain.token_balance(&lp_account).await.unwrap(),
        lp
    );
    // One LP token's fair value in USDC atoms (micro-USD at $1).
    let fair = (u128::from(lp) * pool_value / u128::from(supply)) as u64;
    let (event, receipt) = executed(&traced);
    assert!(
        event.expected_out.abs_diff(fair) <= 1,
        "{} vs {fair}",
        event.expected_out
    );
    assert!(received >= event.min_out && received <= event.expected_out);
    assert_eq!(receipt.kind, ReceiptKind::Liquidity);
    assert_eq!((receipt.mint_in, receipt.mint_out), (w.lp_mint(), w.usdc));
    // The input leg is the LP token: its fair price in micro-USD per whole token, the pool's
    // address as its feed.
    assert_eq!(receipt.guards.oracle_exponent, -6);
    assert!(receipt.guards.oracle_price.abs_diff(fair as i64) <= 1);
    assert_eq!(receipt.guards.feed_id, w.pool.pool.to_bytes());
}

#[tokio::test]
async fn test_l03_a_pool_skewed_from_the_oracle_cannot_mint_or_pay_below_the_slippage_cap() {
    let w = RunnerWorld::new().await;
    let add = w.add_liquidity_step(150 * USDC);
    let remove = w.remove_liquidity_step(1_000_000_000);
    let p = w.liquidity_plan(vec![add, remove]).await;
    // Sandwiches against each step: the fair price does not move (the reserves' product only
    // grows), but a zap then trades about half its value at a pool price 5% off the oracle's.
    // USDC sold in first makes adding USDC (which buys SOL) too expensive...
    w.move_pool(&w.usdc, 75_000 * USDC).await;
    refused(&w, &p, 0, RunnerError::SlippageExceeded).await;
    // ...and SOL sold in first makes exiting to USDC (which sells SOL) pay too little.
    w.move_pool(&w.sol, 1_000 * SOL).await;
    refused(&w, &p, 1, RunnerError::SlippageExceeded).await;
}

#[tokio::test]
async fn test_l04_only_the_pool_the_plan_pins_with_its_own_vaults_prices_the_lp_token() {
    let w = RunnerWorld::new().await;
    let p = w
        .liquidity_plan(vec![w.add_liquidity_step(150 * USDC)])
        .await;
    let jup_pool = agentrunner_client::ix::sim_venue::PoolRef::new(&w.jup, &w.usdc);
    let base = w.liquidity_leg(&p, 0);
    let execute = |leg: &agentrunner_client::ix::runner::LiquidityLeg| {
        agentrunner_client::ix::runner::execute_liquidity_step(&p.steps[0], leg, [0; 32])
    };
    // Another pool entirely (its own vaults and LP mint): not the one the plan pins.
    let mut other = base.clone();
    other.pool = jup_pool;
    w.ctx
        .expect_error(
            &[execute(&other)],
            &[&w.vendor.owner],
            RunnerError::PoolMismatch,
        )
        .await;
    // The pinned pool with another pool's vault or LP mint: the pool's own accounts only.
    for swapped in [
        |leg: &mut agentrunner_client::ix::runner::LiquidityLeg,
         o: &agentrunner_client::ix::sim_venue::PoolRef| leg.pool.vault_a = o.vault_a,
        |leg: &mut agentrunner_client::ix::runner::LiquidityLeg,
         o: &agentrunner_client::ix::sim_venue::PoolRef| leg.pool.vault_b = o.vault_b,
        |leg: &mut agentrunner_client::ix::runner::LiquidityLeg,
         o: &agentrunner_client::ix::sim_venue::PoolRef| leg.pool.lp_mint = o.lp_mint,
    ] {
        let mut leg = base.clone();
        swapped(&mut leg, &jup_pool);
        w.ctx
            .expect_error(
                &[execute(&leg)],
                &[&w.vendor.owner],
                RunnerError::PoolMismatch,
            )
            .await;
    }
    // A swap instruction cannot execute a liquidity step, nor the reverse.
    w.ctx
        .expect_error(
            &[w.execute_ix(&p, 0)],
            &[&w.vendor.owner],
            RunnerError::WrongStepKind,
        )
        .await;
    let swap = w.plan(vec![w.swap_sol_step(SOL)]).await;
    let leg = agentrunner_client::ix::runner::LiquidityLeg {
        owner: agentrunner_client::ix::runner::OwnerSide::of(&swap.stored, &swap.plan_steps[0]),
        ..base.clone()
    };
    w.ctx
        .expect_error(
            &[agentrunner_client::ix::runner::execute_liquidity_step(
                &swap.steps[0],
                &leg,
                [0; 32],
            )],
            &[&w.vendor.owner],
            RunnerError::WrongStepKind,
        )
        .await;
}

#[tokio::test]
async fn test_l05_an_lp_exit_gated_by_sols_volatility_waits_until_sol_moves_from_its_ema() {
    let w = RunnerWorld::new().await;
    let gated = StepArgs {
        guards: StepGuards {
            trigger: Trigger::VolatilityAtLeast {
                leg: Leg::PoolOther,
                bps: 300,
            },
            ..GUARDS
        },
        ..w.remove_liquidity_step(1_000_000_000)
    };
    let p = w.liquidity_plan(vec![gated]).await;
    // SOL at its EMA: the exit waits.
    refused(&w, &p, 0, RunnerError::TriggerNotMet).await;
    // SOL 2.99% under its EMA: still waits; at 3%, the exit lands. The pool follows the move
    // (as arbitrage would), so the fair price and the zap agree.
    let now = w.ctx.now().await;
    let spike = |price| PythPrice {
        feed_id: pyth_feed::SOL_USD,
        price,
        conf: 0,
        exponent: PRICE_EXPONENT,
        ema_price: SOL_PRICE,
        publish_time: now,
        verification: VerificationLevel::Full,
    };
    w.write_pyth(&w.sol_price, spike(SOL_PRICE - SOL_PRICE * 299 / 10_000))
        .await;
    refused(&w, &p, 0, RunnerError::TriggerNotMet).await;
    w.write_pyth(&w.sol_price, spike(SOL_PRICE - SOL_PRICE * 3 / 100))
        .await;
    w.move_pool(&w.sol, 152 * SOL).await;
    w.as_vendor(w.execute_liquidity_ix(&p, 0))
        .await
        .expect("the exit lands once SOL moved 3% from its EMA");
}

#[tokio::test]
async fn test_l06_lp_tokens_only_ever_are_the_pooled_leg_of_a_liquidity_step() {
    let w = RunnerWorld::new().await;
    let owner = w.funded_owner().await;
    let planner = owner.keypair.pubkey();
    let lp_swap = StepArgs {
        mint_in: LP_INDEX,
        ..w.swap_sol_step(SOL)
    };
    let add_into_usdc = StepArgs {
        mint_out: USDC_INDEX,
        mint_in: SOL_INDEX,
        ..w.add_liquidity_step(SOL)
    };
    let remove_from_usdc = StepArgs {
        mint_in: USDC_INDEX,
        mint_out: SOL_INDEX,
        ..w.remove_liquidity_step(SOL)
    };
    w.creations_refused(
        &owner.keypair,
        [
            (
                "a swap of an LP token",
                w.liquidity_plan_args(planner, vec![lp_swap]),
            ),
            (
                "adding into a priced token",
                w.liquidity_plan_args(planner, vec![add_into_usdc]),
            ),
            (
                "removing from a priced token",
                w.liquidity_plan_args(planner, vec![remove_from_usdc]),
            ),
        ],
        RunnerError::InvalidPlan,
    )
    .await;
    let pool_other_on_a_swap = StepArgs {
        guards: StepGuards {
            trigger: Trigger::VolatilityAtLeast {
                leg: Leg::PoolOther,
                bps: 300,
            },
            ..GUARDS
        },
        ..w.swap_sol_step(SOL)
    };
    w.creations_refused(
        &owner.keypair,
        [(
            "a pool's other token watched by a swap",
            w.liquidity_plan_args(planner, vec![pool_other_on_a_swap]),
        )],
        RunnerError::InvalidTrigger,
    )
    .await;
}
