//! Executions and attacks in the model run: predicting an execution's outcome, checking what a
//! landed one paid and receipted, a rival vendor executing, owners draining and refilling their
//! input, donations, failure marks and unfunded reports, prices, clock warps and anchoring.
use agent_registry::constants::capability;
use agentrunner_client::{
    chain::Chain,
    events::decode_event,
    ix::{self, runner::StepRef},
    receipts::shards,
};
use agentrunner_embedded::oracle::pyth_feed;
use anchor_lang::prelude::Pubkey;
use rand::Rng;
use receipts::{events::ReceiptAppended, receipt::ReceiptKind, state::ReceiptTree};
use runner::{
    error::RunnerError,
    math::{self, UsdPrice},
    state::{StepKind, StepStatus},
};
use solana_signer::Signer;
use spl_token_interface::error::TokenError;

use super::{plans::LivePlan, World};
use crate::{
    context::landed,
    runner_world::{PRICE_EXPONENT, SOL, USDC, USDC_PRICE},
};

/// A transaction's predicted outcome: landed, or refused with this custom code.
type Expect = Result<(), u32>;

fn refused(e: RunnerError) -> Expect {
    Err(e.into())
}

/// Publishes SOL at the pool's spot price and USDC at $1, both at the current time (oracle
/// fresh, swaps within every slippage guard).
pub(crate) async fn publish_prices(world: &mut World) {
    let pool = &world.w.pool;
    let balances = world
        .w
        .ctx
        .chain
        .accounts(&[pool.vault(&world.w.sol), pool.vault(&world.w.usdc)])
        .await
        .unwrap();
    let amount = |i: usize| {
        let data = &balances[i].as_ref().unwrap().data;
        u128::from(u64::from_le_bytes(data[64..72].try_into().unwrap()))
    };
    // USD per SOL at exponent -8: (usdc / 10^6) / (sol / 10^9) * 10^8.
    world.sol_price = (amount(1) * 100_000_000_000 / amount(0)) as i64;
    let now = world.w.ctx.now().await;
    let w = &world.w;
    w.write_price(&w.sol_price, pyth_feed::SOL_USD, world.sol_price, now)
        .await;
    w.write_price(&w.usdc_price, pyth_feed::USDC_USD, USDC_PRICE, now)
        .await;
}

/// Warps `seconds` and republishes prices.
pub(crate) async fn warp_by(world: &mut World, seconds: i64) {
    world.w.ctx.warp_seconds(seconds).await;
    publish_prices(world).await;
}

/// Mostly a minute or a few, sometimes a day or two (deadlines pass, budgets expire).
pub(crate) async fn warp(world: &mut World) {
    let seconds = if world.rng.gen_bool(0.02) {
        world.rng.gen_range(86_400..=2 * 86_400)
    } else {
        world.rng.gen_range(30..=600)
    };
    warp_by(world, seconds).await;
}

fn usd(price: i64) -> UsdPrice {
    UsdPrice {
        mantissa: price as u128,
        exponent: PRICE_EXPONENT,
    }
}

/// What every instruction of step `j`'s awarded vendor meets first, in the order the runner
/// checks: the RFP still there, the plan active, the step pending and ready, the plan
/// approved, the deadline ahead.
fn predict_awarded(world: &World, plan: &LivePlan, j: usize, now: i64) -> Expect {
    let s = &plan.steps[j];
    if world.closed_rfps.contains(&s.rfp) {
        // Closed after its deadline: the account no longer deserializes.
        return Err(anchor_lang::error::ErrorCode::AccountNotInitialized.into());
    }
    if plan.cancelled {
        return refused(RunnerError::PlanNotActive);
    }
    if s.status != StepStatus::Pending || s.executions >= s.step.repeat {
        return refused(RunnerError::StepFinished);
    }
    for (i, dependency) in plan.steps.iter().enumerate() {
        if s.step.depends_on & (1 << i) != 0 && dependency.status != StepStatus::Done {
            return refused(RunnerError::DependencyNotDone);
        }
    }
    if s.executions > 0 && now < s.last_executed_at + i64::from(s.step.interval_secs) {
        return refused(RunnerError::TooEarly);
    }
    if plan.setup().is_none() {
        return refused(RunnerError::PlanNotApproved);
    }
    if now >= s.deadline {
        return refused(RunnerError::StepDeadlinePassed);
    }
    Ok(())
}

/// The owner's input account holds one execution of swap step `j`.
async fn funded(world: &World, plan: &LivePlan, j: usize) -> bool {
    let s = &plan.steps[j];
    let owner = &world.owners[plan.owner].owner;
    let input = if s.step.mint_in == world.w.sol {
        owner.sol
    } else {
        owner.usdc
    };
    world.w.ctx.chain.token_balance(&input).await.unwrap() >= s.step.amount_in
}

/// What `execute_swap_step` / `complete_service_step` of step `j` by its awarded vendor does
/// now: [`predict_awarded`], then for a swap the fee cap at the model's prices and the owner's
/// balance.
async fn predict(world: &World, plan: &LivePlan, j: usize, now: i64) -> Expect {
    predict_awarded(world, plan, j, now)?;
    let s = &plan.steps[j];
    if now >= world.vendors[s.vendor].certified_until {
        return Err(agent_registry::error::RegistryError::NotCertified.into());
    }
    if s.step.kind == StepKind::Service {
        return Ok(());
    }
    let (price_in, decimals_in) = if s.step.mint_in == world.w.sol {
        (world.sol_price, 9)
    } else {
        (USDC_PRICE, 6)
    };
    let notional = math::usd_micro(s.step.amount_in, usd(price_in), decimals_in).unwrap();
    let fee = math::usd_micro_ceil(s.price, usd(USDC_PRICE), 6).unwrap();
    if !math::within_fee_cap(fee, notional, s.step.guards.fee_cap_bps).unwrap() {
        return refused(RunnerError::FeeCapExceeded);
    }
    if !funded(world, plan, j).await {
        return Err(TokenError::InsufficientFunds as u32);
    }
    Ok(())
}

/// The step reference with the shard's newest tree generation.
async fn current(world: &World, step: &StepRef) -> StepRef {
    let (receipts, _) = shards::newest(&*world.w.ctx.chain, step.receipts.shard)
        .await
        .unwrap();
    StepRef { receipts, ..*step }
}

/// The awarded vendor executes a step: mostly one the model expects to run, otherwise any.
pub(crate) async fn execute_one(world: &mut World) {
    let now = world.w.ctx.now().await;
    let ready: Vec<(usize, usize)> = (0..world.plans.len())
        .flat_map(|i| (0..world.plans[i].steps.len()).map(move |j| (i, j)))
        .filter(|&(i, j)| predict_awarded(world, &world.plans[i], j, now).is_ok())
        .collect();
    let chosen = if !ready.is_empty() && world.rng.gen_bool(0.8) {
        Some(ready[world.pick(ready.len())])
    } else {
        world.random_step()
    };
    let Some((i, j)) = chosen else {
        return;
    };
    let Some(setup) = world.plans[i].setup() else {
        return;
    };
    let step = current(world, &setup.steps[j]).await;
    let expect = predict(world, &world.plans[i], j, now).await;
    let s = world.plans[i].steps[j].clone();
    let vendor = world.vendors[s.vendor].root.owner.insecure_clone();
    let ix = if s.step.kind == StepKind::Service {
        ix::runner::complete_service_step(&step, [j as u8; 32])
    } else {
        ix::runner::execute_swap_step(&step, &world.w.swap_leg(setup, j as u8), [0; 32])
    };
    if let Err(code) = expect {
        world.w.ctx.expect_error(&[ix], &[&vendor], code).await;
        world.count(true);
        return;
    }
    let (vault, payout) = (step.budget.vault, world.vendors[s.vendor].payout);
    let before = balances(world, vault, payout).await;
    let traced = landed(world.w.ctx.send_traced(&[ix], &[&vendor]).await);
    world.count(false);
    let receipt = traced
        .cpis()
        .find_map(|c| {
            decode_event::<ReceiptAppended>(&receipts::ID, &c.program_id, &c.accounts, &c.data)
        })
        .expect("every paid execution appends a receipt")
        .receipt;
    // The receipt names the plan, step, execution, agent and payer, and the price paid; the
    // vault paid exactly that price to exactly that vendor.
    let root = &world.vendors[s.vendor].root;
    assert_eq!(
        (
            receipt.plan,
            receipt.step,
            receipt.execution,
            receipt.agent,
            receipt.payer
        ),
        (
            step.plan,
            j as u16,
            u32::from(s.executions),
            root.agent,
            step.owner
        )
    );
    assert_eq!(receipt.payment.amount, s.price);
    let after = balances(world, vault, payout).await;
    assert_eq!(after.0, before.0 - s.price, "vault paid the price");
    let owner = &world.owners[world.plans[i].owner].owner;
    if payout != owner.sol && payout != owner.usdc {
        assert_eq!(after.1, before.1 + s.price, "vendor received the price");
    }
    let value = match receipt.kind {
        ReceiptKind::Service => s.price,
        _ => {
            let sells_sol = s.step.mint_in == world.w.sol;
            let decimals = if sells_sol { 9 } else { 6 };
            let price = UsdPrice {
                mantissa: receipt.guards.oracle_price as u128,
                exponent: receipt.guards.oracle_exponent,
            };
            math::usd_micro(receipt.amount_in, price, decimals).unwrap()
        }
    };
    credit_success(
        world,
        i,
        j,
        value,
        receipt.guards.realized_slippage_bps,
        now,
    );
    let model = &mut world.plans[i].steps[j];
    model.executions += 1;
    model.last_executed_at = now;
    if model.executions == model.step.repeat {
        model.status = StepStatus::Done;
    }
    world.report.executions += 1;
    if s.step.kind != StepKind::Service {
        publish_prices(world).await;
    }
}

/// The token balances of `a` and `b`.
async fn balances(world: &World, a: Pubkey, b: Pubkey) -> (u64, u64) {
    let chain = &world.w.ctx.chain;
    (
        chain.token_balance(&a).await.unwrap(),
        chain.token_balance(&b).await.unwrap(),
    )
}

/// The registry's rule applied to the model's copy: the capability's lowest bit, nothing for
/// the agent's own owner or payout, halved per earlier execution of the same payer.
fn credit_success(world: &mut World, i: usize, j: usize, value: u64, slippage: u16, now: i64) {
    let plan = &world.plans[i];
    let s = &plan.steps[j];
    let vendor = &world.vendors[s.vendor];
    let payer = world.owners[plan.owner].owner.keypair.pubkey();
    let index = capability::index(s.step.capability & s.step.capability.wrapping_neg()).unwrap();
    let self_dealt = payer == vendor.root.owner.pubkey() || payer == vendor.payout_wallet;
    let earlier = if self_dealt {
        None
    } else {
        let counts = world
            .payer_counts
            .entry((vendor.root.agent, payer))
            .or_default();
        let earlier = counts[index];
        counts[index] = earlier.saturating_add(1);
        Some(earlier)
    };
    let reputation = world.reputation.get_mut(&vendor.root.agent).unwrap();
    reputation[index]
        .record_success(value, earlier, slippage, now)
        .unwrap();
}

/// Another vendor signs a ready step's execution as if awarded: refused.
pub(crate) async fn rival_executes(world: &mut World) {
    let Some((i, j)) = world.random_step() else {
        return;
    };
    let Some(setup) = world.plans[i].setup() else {
        return;
    };
    let now = world.w.ctx.now().await;
    let expect = predict(world, &world.plans[i], j, now).await;
    let s = &world.plans[i].steps[j];
    let rival = (s.vendor + 1) % world.vendors.len();
    let root = &world.vendors[rival].root;
    let step = StepRef {
        vendor: root.owner.pubkey(),
        agent: root.agent,
        agent_version: root.version,
        vendor_token: world.vendors[rival].payout,
        ..current(world, &setup.steps[j]).await
    };
    // Up to the award check the outcome is the awarded vendor's; from there on, refused.
    let expect = match expect {
        Err(code)
            if code != u32::from(RunnerError::StepDeadlinePassed)
                && code != u32::from(RunnerError::FeeCapExceeded)
                && code != TokenError::InsufficientFunds as u32 =>
        {
            code
        }
        _ => RunnerError::NotAwardedVendor.into(),
    };
    let ix = if s.step.kind == StepKind::Service {
        ix::runner::complete_service_step(&step, [0; 32])
    } else {
        ix::runner::execute_swap_step(&step, &world.w.swap_leg(setup, j as u8), [0; 32])
    };
    let signer = root.owner.insecure_clone();
    world.w.ctx.expect_error(&[ix], &[&signer], expect).await;
    world.count(true);
}

/// An owner moves all its SOL to its stash (its plans' SOL steps can no longer run), or back.
pub(crate) async fn drain_or_refill(world: &mut World) {
    let o = world.rng.gen_range(0..world.owners.len());
    let owner = &world.owners[o];
    let chain = &world.w.ctx.chain;
    let (held, stashed) = (
        chain.token_balance(&owner.owner.sol).await.unwrap(),
        chain.token_balance(&owner.stash).await.unwrap(),
    );
    let (from, to, authority, amount) = if stashed > 0 {
        (
            owner.stash,
            owner.owner.sol,
            &owner.stash_authority,
            stashed,
        )
    } else if held > 0 {
        (owner.owner.sol, owner.stash, &owner.owner.keypair, held)
    } else {
        return;
    };
    let transfer = spl_token_interface::instruction::transfer(
        &spl_token_interface::ID,
        &from,
        &to,
        &authority.pubkey(),
        &[],
        amount,
    )
    .unwrap();
    let signer = authority.insecure_clone();
    landed(world.w.ctx.send(&[transfer], &[&signer]).await);
    world.count(false);
}

/// One atom sent straight to a random approved plan's budget vault.
pub(crate) async fn donate(world: &mut World) {
    let approved: Vec<usize> = (0..world.plans.len())
        .filter(|&i| world.plans[i].setup().is_some())
        .collect();
    if approved.is_empty() {
        return;
    }
    let i = approved[world.pick(approved.len())];
    let vault = world.plans[i].setup().unwrap().steps[0].budget.vault;
    world
        .w
        .ctx
        .chain
        .mint_to(&world.w.usdc, &vault, 1)
        .await
        .unwrap();
    world.plans[i].donated += 1;
}

/// Anyone marks a random step failed: landed only for a pending, executable step of an
/// active, approved plan past its deadline.
pub(crate) async fn mark_failed(world: &mut World) {
    let Some((i, j)) = world.random_step() else {
        return;
    };
    let plan = &world.plans[i];
    let s = plan.steps[j].clone();
    let now = world.w.ctx.now().await;
    let dependencies_done = plan.steps.iter().enumerate().all(|(d, dependency)| {
        s.step.depends_on & (1 << d) == 0
            || (dependency.status == StepStatus::Done && dependency.last_executed_at < s.deadline)
    });
    let expect: Expect = if world.closed_rfps.contains(&s.rfp) {
        Err(anchor_lang::error::ErrorCode::AccountNotInitialized.into())
    } else if s.status != StepStatus::Pending {
        refused(RunnerError::StepFinished)
    } else if plan.cancelled {
        refused(RunnerError::PlanNotActive)
    } else if plan.setup().is_none() {
        refused(RunnerError::PlanNotApproved)
    } else if !dependencies_done {
        refused(RunnerError::StepNotExecutable)
    } else if now < s.deadline {
        refused(RunnerError::StepNotExpired)
    } else {
        Ok(())
    };
    let stored: runner::state::Plan = world.w.ctx.get(&plan.key).await;
    let agent = world.vendors[s.vendor].root.agent;
    let caller = world.w.ctx.chain.payer().insecure_clone();
    let mark = ix::runner::mark_step_failed(&plan.key, &stored, j as u8, &agent, &caller.pubkey());
    match expect {
        Err(code) => {
            world.w.ctx.expect_error(&[mark], &[], code).await;
            world.count(true);
        }
        Ok(()) => {
            landed(world.w.ctx.send(&[mark], &[]).await);
            world.count(false);
            let index =
                capability::index(s.step.capability & s.step.capability.wrapping_neg()).unwrap();
            world.reputation.get_mut(&agent).unwrap()[index]
                .record_failure(now)
                .unwrap();
            world.plans[i].steps[j].status = StepStatus::Failed;
        }
    }
}

/// The awarded vendor reports a random swap step unfunded: landed only when it is ready and the
/// owner's input account no longer holds one execution's amount.
pub(crate) async fn report_unfunded(world: &mut World) {
    let Some((i, j)) = world.random_step() else {
        return;
    };
    let plan = &world.plans[i];
    let s = plan.steps[j].clone();
    if s.step.kind == StepKind::Service {
        return;
    }
    let now = world.w.ctx.now().await;
    let expect = match predict_awarded(world, plan, j, now) {
        Err(code) => Err(code),
        Ok(()) if funded(world, plan, j).await => refused(RunnerError::StepFunded),
        Ok(()) => Ok(()),
    };
    let stored: runner::state::Plan = world.w.ctx.get(&plan.key).await;
    let vendor = world.vendors[s.vendor].root.owner.insecure_clone();
    let report = ix::runner::report_unfunded_step(&plan.key, &stored, j as u8, &vendor.pubkey());
    match expect {
        Err(code) => {
            world.w.ctx.expect_error(&[report], &[&vendor], code).await;
            world.count(true);
        }
        Ok(()) => {
            landed(world.w.ctx.send(&[report], &[&vendor]).await);
            world.count(false);
            world.plans[i].steps[j].status = StepStatus::Unfunded;
        }
    }
}

/// After a period, anyone anchors every tree generation whose period ended and opens the next
/// generation of any shard whose newest tree is half full.
pub(crate) async fn anchor(world: &mut World) {
    warp_by(world, crate::fixtures::RECEIPTS_PERIOD_SECS).await;
    let cranker = world.w.ctx.chain.payer().insecure_clone();
    for shard in 0..world.w.shard_count() {
        for tree in shards::generations(&*world.w.ctx.chain, shard)
            .await
            .unwrap()
        {
            let state: ReceiptTree = world.w.ctx.get(&tree.receipt_tree()).await;
            if state.period_first_leaf >= state.capacity() {
                // Full and anchored to its last leaf: nothing more to anchor, ever.
                continue;
            }
            let anchor = ix::receipts::anchor_period(&tree, state.period_index, &cranker.pubkey());
            landed(world.w.ctx.send(&[anchor], &[]).await);
            world.count(false);
            world.report.anchored += 1;
        }
    }
    provision(world).await;
}

/// Anyone opens the next generation of every shard whose newest tree is half full (what the
/// anchorer keeper does each round), paid back from the shard's deposits.
pub(crate) async fn provision(world: &mut World) {
    let cranker = world.w.ctx.chain.payer().insecure_clone();
    for shard in 0..world.w.shard_count() {
        let (newest, state) = shards::newest(&*world.w.ctx.chain, shard).await.unwrap();
        let leaves = super::checks::leaf_count(world, &newest.tree).await;
        if leaves * 2 < state.capacity() {
            continue;
        }
        let next = solana_keypair::Keypair::new();
        let size =
            receipts::merkle::tree_account_len(state.max_depth, state.max_buffer_size, 0).unwrap();
        let rent = world.w.ctx.chain.rent().minimum_balance(size);
        let ixs = ix::receipts::provision_tree(
            &newest,
            (state.max_depth, state.max_buffer_size),
            &next.pubkey(),
            &cranker.pubkey(),
            rent,
        );
        landed(world.w.ctx.send(&ixs, &[&next]).await);
        world.count(false);
        world.report.provisioned += 1;
    }
}

/// Owners running low get more SOL and USDC minted to them.
pub(crate) async fn fund_owners(world: &mut World) {
    for o in 0..world.owners.len() {
        let owner = &world.owners[o].owner;
        let chain = &world.w.ctx.chain;
        for (account, mint, floor) in [
            (owner.sol, world.w.sol, 5 * SOL),
            (owner.usdc, world.w.usdc, 500 * USDC),
        ] {
            if chain.token_balance(&account).await.unwrap() < floor {
                chain.mint_to(&mint, &account, 10 * floor).await.unwrap();
            }
        }
    }
}
