//! Plan lifecycle and step readiness: creation rules, dependencies, DCA intervals and repeats,
//! Service steps, deadlines and failure, cancellation and closing.
use agent_registry::state::Agent;
use agentrunner_client::{
    events::decode_event,
    ix::runner::{self as ix, OwnerSide, SwapLeg},
};
use agentrunner_tests::{assert_error, context::landed, runner_world::*};
use receipts::{events::ReceiptAppended, receipt::ReceiptKind};
use runner::{
    error::RunnerError,
    instructions::StepArgs,
    state::{Plan, PlanStatus, StepStatus},
};
use solana_signer::Signer;

#[tokio::test]
async fn test_create_plan_refuses_malformed_plans() {
    let w = RunnerWorld::new().await;
    let owner = w.funded_owner().await;
    let key = owner.keypair.pubkey();
    let base = || w.plan_args(key, vec![w.swap_sol_step(SOL)]);
    let cases: Vec<(&str, runner::instructions::CreatePlanArgs)> = vec![
        ("no steps", {
            let mut a = base();
            a.steps.clear();
            a
        }),
        ("seven steps", {
            let mut a = base();
            a.steps = vec![w.swap_sol_step(SOL); 7];
            a
        }),
        ("dependency on a later step", {
            let mut a = base();
            a.steps = vec![
                StepArgs {
                    depends_on: 0b10,
                    ..w.swap_sol_step(SOL)
                },
                w.swap_sol_step(SOL),
            ];
            a
        }),
        ("self dependency", {
            let mut a = base();
            a.steps[0].depends_on = 0b1;
            a
        }),
        ("mint outside the policy", {
            let mut a = base();
            a.steps[0].mint_out = 2;
            a
        }),
        ("same mint in and out", {
            let mut a = base();
            a.steps[0].mint_out = SOL_INDEX;
            a
        }),
        ("zero amount", {
            let mut a = base();
            a.steps[0].amount_in = 0;
            a
        }),
        ("zero repeat", {
            let mut a = base();
            a.steps[0].repeat = 0;
            a
        }),
        ("slippage above 100%", {
            let mut a = base();
            a.steps[0].guards.max_slippage_bps = 10_001;
            a
        }),
        ("zero oracle age", {
            let mut a = base();
            a.steps[0].guards.oracle_max_age_secs = 0;
            a
        }),
        ("daily cap below the per-execution cap", {
            let mut a = base();
            a.daily_cap_usd = a.notional_cap_usd - 1;
            a
        }),
        ("duplicate mint", {
            let mut a = base();
            a.mints.push(a.mints[0]);
            a
        }),
        ("five mints", {
            let mut a = base();
            for _ in 0..3 {
                let mut m = a.mints[0];
                m.mint = solana_keypair::Keypair::new().pubkey();
                a.mints.push(m);
            }
            a
        }),
        ("default planner", {
            let mut a = base();
            a.planner = Default::default();
            a
        }),
        ("oracle not pinned", {
            let mut a = base();
            a.mints[0].oracle = Default::default();
            a
        }),
        ("Pyth source without a feed id", {
            let mut a = base();
            a.mints[0].source = runner::state::OracleSource::Pyth { feed_id: [0; 32] };
            a
        }),
    ];
    w.creations_refused(&owner.keypair, cases, RunnerError::InvalidPlan)
        .await;
    landed(
        w.ctx
            .send(&[ix::create_plan(&key, base())], &[&owner.keypair])
            .await,
    );
}

#[tokio::test]
async fn test_a_step_waits_for_its_dependencies() {
    let w = RunnerWorld::new().await;
    let p = w
        .plan(vec![
            w.swap_sol_step(SOL),
            StepArgs {
                depends_on: 0b1,
                ..w.dca_usdc_step(100 * USDC, 1, 0)
            },
        ])
        .await;
    w.ctx
        .expect_error(
            &[w.execute_ix(&p, 1)],
            &[&w.vendor.owner],
            RunnerError::DependencyNotDone,
        )
        .await;
    landed(w.execute(&p, 0).await);
    landed(w.execute(&p, 1).await);
    let plan: Plan = w.ctx.get(&p.plan).await;
    assert!(plan.is_finished());
}

#[tokio::test]
async fn test_dca_runs_exactly_repeat_times_at_least_interval_apart() {
    let w = RunnerWorld::new().await;
    let interval = 3_600;
    let p = w.plan(vec![w.dca_sol_step(SOL, 3, interval)]).await;
    landed(w.execute(&p, 0).await);
    for _ in 0..2 {
        w.ctx
            .expect_error(
                &[w.execute_ix(&p, 0)],
                &[&w.vendor.owner],
                RunnerError::TooEarly,
            )
            .await;
        w.ctx.warp_seconds(i64::from(interval) - 1).await;
        w.refresh_prices().await;
        w.ctx
            .expect_error(
                &[w.execute_ix(&p, 0)],
                &[&w.vendor.owner],
                RunnerError::TooEarly,
            )
            .await;
        w.ctx.warp_seconds(1).await;
        w.refresh_prices().await;
        landed(w.execute(&p, 0).await);
    }
    let plan: Plan = w.ctx.get(&p.plan).await;
    assert_eq!(
        (plan.steps[0].executions, plan.steps[0].status),
        (3, StepStatus::Done)
    );
    w.ctx.warp_seconds(i64::from(interval)).await;
    w.refresh_prices().await;
    w.ctx
        .expect_error(
            &[w.execute_ix(&p, 0)],
            &[&w.vendor.owner],
            RunnerError::StepFinished,
        )
        .await;
    // Exactly three step amounts left the owner's account.
    assert_eq!(
        w.ctx.chain.token_balance(&p.owner.sol).await.unwrap(),
        OWNER_SOL - 3 * SOL
    );
}

#[tokio::test]
async fn test_service_step_pays_and_receipts_the_result_hash() {
    let w = RunnerWorld::new().await;
    let p = w.plan(vec![w.data_service_step()]).await;
    let result_hash = [0xda; 32];
    let vendor_before = w.ctx.chain.token_balance(&w.vendor_usdc).await.unwrap();
    // Swaps are not how a Service step is delivered, and vice versa.
    let leg = SwapLeg {
        owner: OwnerSide {
            owner: p.owner.keypair.pubkey(),
            user_in: p.owner.sol,
            user_out: p.owner.usdc,
            // A Service plan has no staging account; any initialized token account reaches
            // the kind check.
            staging: p.owner.jup,
        },
        price_in: w.sol_price,
        price_out: w.usdc_price,
        price_fee: w.usdc_price,
        venue: w.venue_swap(&p, &w.sol, &w.usdc, &p.owner.usdc, SOL),
    };
    w.ctx
        .expect_error(
            &[ix::execute_swap_step(&p.steps[0], &leg, [0; 32])],
            &[&w.vendor.owner],
            RunnerError::WrongStepKind,
        )
        .await;
    let swap = w.plan(vec![w.swap_sol_step(SOL)]).await;
    w.ctx
        .expect_error(
            &[ix::complete_service_step(&swap.steps[0], result_hash)],
            &[&w.vendor.owner],
            RunnerError::WrongStepKind,
        )
        .await;

    let traced = w
        .ctx
        .send_traced(
            &[ix::complete_service_step(&p.steps[0], result_hash)],
            &[&w.vendor.owner],
        )
        .await
        .unwrap();
    let receipt = traced
        .cpis()
        .find_map(|c| {
            decode_event::<ReceiptAppended>(&receipts::ID, &c.program_id, &c.accounts, &c.data)
        })
        .unwrap()
        .receipt;
    assert_eq!(receipt.kind, ReceiptKind::Service);
    assert_eq!(receipt.vendor_receipt_hash, result_hash);
    assert_eq!((receipt.amount_in, receipt.amount_out), (0, 0));
    assert_eq!(receipt.payment.amount, VENDOR_PRICE);
    assert_eq!(
        w.ctx.chain.token_balance(&w.vendor_usdc).await.unwrap() - vendor_before,
        VENDOR_PRICE
    );
    w.ctx
        .expect_error(
            &[ix::complete_service_step(&p.steps[0], result_hash)],
            &[&w.vendor.owner],
            RunnerError::StepFinished,
        )
        .await;
}

#[tokio::test]
async fn test_a_lapsed_step_is_marked_failed_by_anyone_after_its_deadline() {
    let w = RunnerWorld::new().await;
    let p = w.plan(vec![w.swap_sol_step(SOL)]).await;
    let rfp: market::state::Rfp = w.ctx.get(&p.steps[0].rfp()).await;
    let anyone = w.ctx.wallet().await;
    let mark = ix::mark_step_failed(
        &p.plan,
        &w.stored(&p).await,
        0,
        &w.vendor.agent,
        &anyone.pubkey(),
    );
    w.ctx
        .expect_error(
            std::slice::from_ref(&mark),
            &[&anyone],
            RunnerError::StepNotExpired,
        )
        .await;
    let now = w.ctx.now().await;
    w.ctx.warp_seconds(rfp.execution_deadline - now).await;
    w.refresh_prices().await;
    w.ctx
        .expect_error(
            &[w.execute_ix(&p, 0)],
            &[&w.vendor.owner],
            RunnerError::StepDeadlinePassed,
        )
        .await;
    let before: Agent = w.ctx.get(&w.vendor.agent).await;
    landed(w.ctx.send(std::slice::from_ref(&mark), &[&anyone]).await);
    let after: Agent = w.ctx.get(&w.vendor.agent).await;
    let swap = agent_registry::constants::capability::SWAP;
    assert_eq!(
        after.reputation_of(swap).unwrap().failed,
        before.reputation_of(swap).unwrap().failed + 1
    );
    let plan: Plan = w.ctx.get(&p.plan).await;
    assert_eq!(plan.steps[0].status, StepStatus::Failed);
    assert!(plan.is_finished());
    // Once.
    w.ctx
        .expect_error(&[mark], &[&anyone], RunnerError::StepFinished)
        .await;
    // The finished plan closes; rent goes back to the owner.
    let owner = p.owner.keypair.pubkey();
    let rent = w.ctx.chain.balance(&p.plan).await.unwrap();
    let before = w.ctx.chain.balance(&owner).await.unwrap();
    landed(
        w.ctx
            .send(
                &[ix::close_plan(&p.plan, &w.stored(&p).await)],
                &[&p.owner.keypair],
            )
            .await,
    );
    assert_eq!(w.ctx.chain.balance(&owner).await.unwrap(), before + rent);
    assert!(w.ctx.chain.account(&p.plan).await.unwrap().is_none());
}

#[tokio::test]
async fn test_cancel_stops_every_step_and_only_the_owner_cancels_or_closes() {
    let w = RunnerWorld::new().await;
    let p = w
        .plan(vec![w.swap_sol_step(SOL), w.dca_sol_step(SOL, 2, 0)])
        .await;
    let stranger = w.ctx.wallet().await;
    let as_stranger = |plan: Plan| Plan {
        owner: stranger.pubkey(),
        ..plan
    };
    w.ctx
        .expect_error(
            &[ix::cancel_plan(&p.plan, &as_stranger(w.stored(&p).await))],
            &[&stranger],
            RunnerError::Unauthorized,
        )
        .await;
    w.ctx
        .expect_error(
            &[ix::close_plan(&p.plan, &w.stored(&p).await)],
            &[&p.owner.keypair],
            RunnerError::PlanNotFinished,
        )
        .await;
    landed(w.execute(&p, 0).await);
    landed(
        w.ctx
            .send(
                &[ix::cancel_plan(&p.plan, &w.stored(&p).await)],
                &[&p.owner.keypair],
            )
            .await,
    );
    let plan: Plan = w.ctx.get(&p.plan).await;
    assert!(matches!(plan.status, PlanStatus::Cancelled { .. }));
    w.ctx
        .expect_error(
            &[w.execute_ix(&p, 1)],
            &[&w.vendor.owner],
            RunnerError::PlanNotActive,
        )
        .await;
    assert_error(
        w.ctx
            .send(
                &[ix::cancel_plan(&p.plan, &w.stored(&p).await)],
                &[&p.owner.keypair],
            )
            .await,
        RunnerError::PlanNotActive,
    );
    w.ctx
        .expect_error(
            &[ix::close_plan(&p.plan, &as_stranger(w.stored(&p).await))],
            &[&stranger],
            RunnerError::Unauthorized,
        )
        .await;
    landed(
        w.ctx
            .send(
                &[ix::close_plan(&p.plan, &w.stored(&p).await)],
                &[&p.owner.keypair],
            )
            .await,
    );
}
