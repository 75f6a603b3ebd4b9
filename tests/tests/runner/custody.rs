//! Whose capital moves, to where, by whom: the owner's accounts only, output to the owner only,
//! the awarded vendor only, through the step's own grant, within the plan's caps. Every
//! rejection changes nothing.
use agentrunner_client::ix::runner::{self as ix, StepRef};
use agentrunner_tests::{context::landed, fixtures::certified_vendor, runner_world::*};
use runner::{error::RunnerError, instructions::StepArgs};
use solana_signer::Signer;
use spl_token_interface::error::TokenError;

#[tokio::test]
async fn test_output_to_an_account_that_is_not_the_owners_is_refused() {
    let w = RunnerWorld::new().await;
    let p = w.plan(vec![w.swap_sol_step(SOL)]).await;
    let accomplice = w.ctx.wallet().await;
    let vendor_usdc = w
        .ctx
        .chain
        .ata(&accomplice.pubkey(), &w.usdc)
        .await
        .unwrap();
    // The vendor names an account of its own as the output.
    let routed_to = |output| {
        let mut leg = w.swap_leg(&p, 0);
        leg.owner.user_out = output;
        leg.venue = w.venue_swap(&p, &w.sol, &w.usdc, &output, SOL);
        ix::execute_swap_step(&p.steps[0], &leg, [0; 32])
    };
    w.ctx
        .expect_error(
            &[routed_to(vendor_usdc)],
            &[&w.vendor.owner],
            RunnerError::OutputNotOwners,
        )
        .await;
    // Its payout account, also named as the fee destination, is refused as an alias.
    w.ctx
        .expect_error(
            &[routed_to(w.vendor_usdc)],
            &[&w.vendor.owner],
            anchor_lang::error::ErrorCode::ConstraintDuplicateMutableAccount,
        )
        .await;
    // It names the owner's account to the runner but routes the venue's output to itself: the
    // owner's balance does not move, so the minimum is not met.
    let mut leg = w.swap_leg(&p, 0);
    leg.venue = w.venue_swap(&p, &w.sol, &w.usdc, &vendor_usdc, SOL);
    let ix = ix::execute_swap_step(&p.steps[0], &leg, [0; 32]);
    w.ctx
        .expect_error(&[ix], &[&w.vendor.owner], RunnerError::SlippageExceeded)
        .await;
    landed(w.execute(&p, 0).await);
}

#[tokio::test]
async fn test_a_plan_cannot_spend_another_owners_tokens() {
    let w = RunnerWorld::new().await;
    let victim = w.plan(vec![w.swap_sol_step(SOL)]).await;
    // The attacker writes its own plan (any guards it likes) and is awarded its step...
    let attacker = w
        .plan(vec![StepArgs {
            guards: runner::state::StepGuards {
                max_slippage_bps: 10_000,
                ..GUARDS
            },
            ..w.swap_sol_step(SOL)
        }])
        .await;
    // ...but the victim's SOL account is not its owner's.
    let mut leg = w.swap_leg(&attacker, 0);
    leg.owner.user_in = victim.owner.sol;
    leg.venue = w.venue_swap(&attacker, &w.sol, &w.usdc, &attacker.owner.usdc, SOL);
    let ix = ix::execute_swap_step(&attacker.steps[0], &leg, [0; 32]);
    w.ctx
        .expect_error(&[ix], &[&w.vendor.owner], RunnerError::InvalidInputAccount)
        .await;
    // Nor can the victim's plan sell more than its approval or pay out to the attacker.
    landed(w.execute(&victim, 0).await);
}

#[tokio::test]
async fn test_a_vendor_that_was_not_awarded_the_step_is_refused() {
    let w = RunnerWorld::new().await;
    let p = w.plan(vec![w.swap_sol_step(SOL)]).await;
    let rival = certified_vendor(&w.ctx, &w.registry, "CheapSwap").await;
    let rival_usdc = w
        .ctx
        .chain
        .ata(&rival.owner.pubkey(), &w.usdc)
        .await
        .unwrap();
    let step = StepRef {
        vendor: rival.owner.pubkey(),
        agent: rival.agent,
        agent_version: rival.version,
        vendor_token: rival_usdc,
        ..p.steps[0]
    };
    let ix = ix::execute_swap_step(&step, &w.swap_leg(&p, 0), [0; 32]);
    w.ctx
        .expect_error(&[ix], &[&rival.owner], RunnerError::NotAwardedVendor)
        .await;
    // The rival signing with the awarded agent's accounts is no better.
    let step = StepRef {
        vendor: rival.owner.pubkey(),
        ..p.steps[0]
    };
    let ix = ix::execute_swap_step(&step, &w.swap_leg(&p, 0), [0; 32]);
    w.ctx
        .expect_error(&[ix], &[&rival.owner], RunnerError::NotAwardedVendor)
        .await;
    landed(w.execute(&p, 0).await);
}

#[tokio::test]
async fn test_a_grant_for_another_step_does_not_pay_this_one() {
    let w = RunnerWorld::new().await;
    let p = w
        .plan(vec![w.swap_sol_step(SOL), w.swap_sol_step(2 * SOL)])
        .await;
    let step = StepRef {
        grant: p.steps[1].grant,
        ..p.steps[0]
    };
    let ix = ix::execute_swap_step(&step, &w.swap_leg(&p, 0), [0; 32]);
    w.ctx
        .expect_error(&[ix], &[&w.vendor.owner], RunnerError::GrantMismatch)
        .await;
    landed(w.execute(&p, 0).await);
}

#[tokio::test]
async fn test_the_venue_may_not_sell_more_than_the_step_amount() {
    let w = RunnerWorld::new().await;
    // Three executions approved (3 SOL delegated); one execution tries to sell two of them.
    let p = w.plan(vec![w.dca_sol_step(SOL, 3, 0)]).await;
    let mut leg = w.swap_leg(&p, 0);
    leg.venue = w.venue_swap(&p, &w.sol, &w.usdc, &p.owner.usdc, 2 * SOL);
    let ix = ix::execute_swap_step(&p.steps[0], &leg, [0; 32]);
    // Staging holds exactly one step's input: the token program refuses the second SOL.
    w.ctx
        .expect_error(
            std::slice::from_ref(&ix),
            &[&w.vendor.owner],
            TokenError::InsufficientFunds as u32,
        )
        .await;
    // With a stranger's SOL donated to staging the venue can take two, but the runner refuses
    // a staging account that lost more than the step's amount.
    let staging = leg.owner.staging;
    w.ctx.chain.mint_to(&w.sol, &staging, SOL).await.unwrap();
    w.ctx
        .expect_error(&[ix], &[&w.vendor.owner], RunnerError::InputOverspent)
        .await;
    landed(w.execute(&p, 0).await);
    // The donation stays where it was; the owner sold exactly one step's SOL.
    assert_eq!(w.ctx.chain.token_balance(&staging).await.unwrap(), SOL);
    assert_eq!(
        w.ctx.chain.token_balance(&p.owner.sol).await.unwrap(),
        OWNER_SOL - SOL
    );
}

#[tokio::test]
async fn test_notional_and_daily_caps_bound_every_execution() {
    let w = RunnerWorld::new().await;
    // $100 per execution: a $150 swap is refused.
    let owner = w.funded_owner().await;
    let mut args = w.plan_args(owner.keypair.pubkey(), vec![w.swap_sol_step(SOL)]);
    args.notional_cap_usd = 100 * USDC;
    args.daily_cap_usd = 100 * USDC;
    let small = w.plan_from(owner, args, w.usdc).await;
    w.ctx
        .expect_error(
            &[w.execute_ix(&small, 0)],
            &[&w.vendor.owner],
            RunnerError::NotionalCapExceeded,
        )
        .await;
    // $200 a day: the second $150 execution waits for the next day.
    let owner = w.funded_owner().await;
    let mut args = w.plan_args(owner.keypair.pubkey(), vec![w.dca_sol_step(SOL, 2, 0)]);
    args.notional_cap_usd = 200 * USDC;
    args.daily_cap_usd = 200 * USDC;
    let daily = w.plan_from(owner, args, w.usdc).await;
    landed(w.execute(&daily, 0).await);
    w.ctx
        .expect_error(
            &[w.execute_ix(&daily, 0)],
            &[&w.vendor.owner],
            RunnerError::DailyCapExceeded,
        )
        .await;
    w.ctx.warp_seconds(86_400).await;
    w.refresh_prices().await;
    landed(w.execute(&daily, 0).await);
}
