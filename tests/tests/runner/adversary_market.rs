//! Findings of the market and receipts review that the runner closes: M2 (a griefer cannot get
//! a rival marked failed for a step it could never execute, and an RFP must advertise the
//! step's own guards) and H2 (one plan cannot claim a receipts tree, and every receipt's
//! vendor pays its share of the next tree).
use agent_registry::{constants::capability, state::Agent};
use agentrunner_client::{ix::runner as ix, pda};
use agentrunner_tests::{
    context::landed,
    runner_world::{RunnerWorld, SOL},
};
use market::state::Rfp;
use receipts::state::ReceiptTree;
use runner::{
    error::RunnerError,
    state::{Plan, StepKind, StepStatus},
};
use solana_keypair::Keypair;
use solana_signer::Signer;
use spl_token_interface::error::TokenError;

/// Warps to `rfp`'s execution deadline and republishes prices.
async fn warp_to_deadline(w: &RunnerWorld, rfp: &anchor_lang::prelude::Pubkey) {
    let rfp: Rfp = w.ctx.get(rfp).await;
    let now = w.ctx.now().await;
    w.ctx.warp_seconds(rfp.execution_deadline - now).await;
    w.refresh_prices().await;
}

fn mark(
    plan: &anchor_lang::prelude::Pubkey,
    stored: &Plan,
    step: u8,
    w: &RunnerWorld,
    caller: &Keypair,
) -> anchor_lang::solana_program::instruction::Instruction {
    ix::mark_step_failed(plan, stored, step, &w.vendor.agent, &caller.pubkey())
}

#[tokio::test]
async fn adversary_m2_a_plan_never_approved_or_cancelled_cannot_fail_its_vendor() {
    let w = RunnerWorld::new().await;
    let griefer = w.funded_owner().await;
    let args = w.plan_args(griefer.keypair.pubkey(), vec![w.swap_sol_step(SOL)]);
    let awarded = w
        .awarded_plan(
            griefer,
            args,
            w.usdc,
            std::slice::from_ref(&w.vendor),
            |_, _| {},
        )
        .await;
    let plan = awarded.plan;
    let griefer = &awarded.owner.keypair;
    let stored: Plan = w.ctx.get(&plan).await;
    warp_to_deadline(&w, &pda::rfp(&griefer.pubkey(), &plan, 0).0).await;
    // Awarded, never approved: the vendor was never given the inputs or the grant.
    w.ctx
        .expect_error(
            &[mark(&plan, &stored, 0, &w, griefer)],
            &[griefer],
            RunnerError::PlanNotApproved,
        )
        .await;
    // Cancelled: nothing is owed to anyone any more.
    landed(
        w.ctx
            .send(&[ix::cancel_plan(&plan, &stored)], &[griefer])
            .await,
    );
    w.ctx
        .expect_error(
            &[mark(&plan, &stored, 0, &w, griefer)],
            &[griefer],
            RunnerError::PlanNotActive,
        )
        .await;
}

#[tokio::test]
async fn adversary_m2_a_step_behind_a_lapsed_dependency_cannot_fail_its_vendor() {
    let w = RunnerWorld::new().await;
    let mut second = w.swap_sol_step(SOL);
    second.depends_on = 0b1;
    let p = w.plan(vec![w.swap_sol_step(SOL), second]).await;
    let caller = w.ctx.wallet().await;
    warp_to_deadline(&w, &p.steps[1].rfp()).await;
    let stored = w.stored(&p).await;
    // Step 1 could not run before step 0 was done, so its vendor missed nothing.
    w.ctx
        .expect_error(
            &[mark(&p.plan, &stored, 1, &w, &caller)],
            &[&caller],
            RunnerError::StepNotExecutable,
        )
        .await;
    // Step 0's vendor had a funded, executable step and let it lapse.
    landed(
        w.ctx
            .send(&[mark(&p.plan, &stored, 0, &w, &caller)], &[&caller])
            .await,
    );
    let plan = w.stored(&p).await;
    assert_eq!(
        (plan.steps[0].status, plan.steps[1].status),
        (StepStatus::Failed, StepStatus::Pending)
    );
}

#[tokio::test]
async fn adversary_m2_an_owner_who_takes_the_input_away_cannot_fail_its_vendor() {
    let w = RunnerWorld::new().await;
    let p = w.plan(vec![w.swap_sol_step(SOL)]).await;
    let owner = &p.owner.keypair;
    let report = ix::report_unfunded_step(&p.plan, &p.stored, 0, &w.vendor.owner.pubkey());
    // While the owner holds and delegates the input, the vendor can execute: no excuse.
    w.ctx
        .expect_error(
            std::slice::from_ref(&report),
            &[&w.vendor.owner],
            RunnerError::StepFunded,
        )
        .await;

    // The owner moves its SOL away for the execution window.
    let stash = w
        .ctx
        .chain
        .ata(&Keypair::new().pubkey(), &w.sol)
        .await
        .unwrap();
    let balance = w.ctx.chain.token_balance(&p.owner.sol).await.unwrap();
    let away = spl_token_interface::instruction::transfer(
        &spl_token_interface::ID,
        &p.owner.sol,
        &stash,
        &owner.pubkey(),
        &[],
        balance,
    )
    .unwrap();
    landed(w.ctx.send(&[away], &[owner]).await);
    w.ctx
        .expect_error(
            &[w.execute_ix(&p, 0)],
            &[&w.vendor.owner],
            TokenError::InsufficientFunds as u32,
        )
        .await;
    // Only the awarded vendor may report it.
    let impostor = w.ctx.wallet().await;
    let forged = ix::report_unfunded_step(&p.plan, &p.stored, 0, &impostor.pubkey());
    w.ctx
        .expect_error(&[forged], &[&impostor], RunnerError::NotAwardedVendor)
        .await;
    let agent_before: Agent = w.ctx.get(&w.vendor.agent).await;
    landed(w.ctx.send(&[report], &[&w.vendor.owner]).await);
    let plan = w.stored(&p).await;
    assert_eq!(plan.steps[0].status, StepStatus::Unfunded);
    assert!(plan.is_finished());

    // Refilling and waiting for the deadline gets the griefer nothing.
    w.ctx
        .chain
        .mint_to(&w.sol, &p.owner.sol, balance)
        .await
        .unwrap();
    warp_to_deadline(&w, &p.steps[0].rfp()).await;
    w.ctx
        .expect_error(
            &[mark(&p.plan, &plan, 0, &w, owner)],
            &[owner],
            RunnerError::StepFinished,
        )
        .await;
    let agent_after: Agent = w.ctx.get(&w.vendor.agent).await;
    assert_eq!(
        agent_after.reputation_of(capability::SWAP),
        agent_before.reputation_of(capability::SWAP)
    );
    // The plan closes and releases what the unfunded step had reserved.
    landed(
        w.ctx
            .send(&[ix::close_plan(&p.plan, &plan)], &[owner])
            .await,
    );
    let held: anchor_spl::token::TokenAccount = w.ctx.get(&p.owner.sol).await;
    assert_eq!((held.delegate, held.delegated_amount), (None.into(), 0));
}

#[tokio::test]
async fn adversary_m2_an_rfp_advertising_other_guards_cannot_pay_or_fail_its_vendor() {
    let w = RunnerWorld::new().await;
    let owner = w.funded_owner().await;
    let args = w.plan_args(owner.keypair.pubkey(), vec![w.swap_sol_step(SOL)]);
    // The planner advertises a looser slippage cap than the step enforces.
    let awarded = w
        .awarded_plan(
            owner,
            args,
            w.usdc,
            std::slice::from_ref(&w.vendor),
            |_, rfp| {
                rfp.guards.max_slippage_bps = 300;
            },
        )
        .await;
    let p = w.approve(awarded).await;
    w.ctx
        .expect_error(
            &[w.execute_ix(&p, 0)],
            &[&w.vendor.owner],
            RunnerError::RfpGuardsMismatch,
        )
        .await;
    warp_to_deadline(&w, &p.steps[0].rfp()).await;
    let caller = w.ctx.wallet().await;
    w.ctx
        .expect_error(
            &[mark(&p.plan, &p.stored, 0, &w, &caller)],
            &[&caller],
            RunnerError::RfpGuardsMismatch,
        )
        .await;
}

#[tokio::test]
async fn adversary_h2_one_plan_cannot_claim_a_receipt_tree() {
    let w = RunnerWorld::new().await;
    let owner = w.funded_owner().await;
    let service = |repeat: u16, interval_secs: u32| runner::instructions::StepArgs {
        repeat,
        interval_secs,
        ..w.data_service_step()
    };
    // The finding's plan: 16,384 receipts back to back. Also just past each bound.
    for (label, step) in [
        ("16,384 at interval 0", service(16_384, 0)),
        ("17 at interval 0", service(17, 0)),
        ("17 at 59 s", service(17, 59)),
        ("1,001 at an hour", service(1_001, 3_600)),
    ] {
        let args = w.plan_args(owner.keypair.pubkey(), vec![step]);
        let create = ix::create_plan(&owner.keypair.pubkey(), args);
        w.ctx
            .expect_error_labeled(
                label,
                &[create],
                &[&owner.keypair],
                RunnerError::InvalidPlan,
            )
            .await;
    }
    // At the bounds plans are accepted: 16 fast receipts, or 1,000 at least a minute apart.
    let p = w.plan(vec![service(16, 0), service(1_000, 60)]).await;
    assert_eq!(p.plan_steps[0].kind, StepKind::Service);

    // Each receipt's vendor pays the leaf deposit toward the shard's next tree (measured on the
    // second execution: the first also pays the rent of the owner's payer record).
    let deliver = || ix::complete_service_step(&p.steps[0], [1; 32]);
    landed(w.ctx.send(&[deliver()], &[&w.vendor.owner]).await);
    let tree: ReceiptTree = w.ctx.get(&p.steps[0].receipts.receipt_tree()).await;
    let deposit = tree.leaf_deposit(w.ctx.chain.rent()).unwrap();
    let shard = pda::shard(p.steps[0].receipts.shard).0;
    let vendor = w.vendor.owner.pubkey();
    let (vendor_before, shard_before) = (
        w.ctx.chain.balance(&vendor).await.unwrap(),
        w.ctx.chain.balance(&shard).await.unwrap(),
    );
    landed(w.ctx.send(&[deliver()], &[&w.vendor.owner]).await);
    assert_eq!(
        (
            w.ctx.chain.balance(&vendor).await.unwrap(),
            w.ctx.chain.balance(&shard).await.unwrap()
        ),
        (vendor_before - deposit, shard_before + deposit)
    );
    // A depth-14 tree: a leaf costs its vendor this much of the next tree's rent.
    assert_eq!(tree.max_depth, 14);
    println!("leaf deposit at depth 14, buffer 64: {deposit} lamports");
}
