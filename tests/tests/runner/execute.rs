//! A guarded swap that succeeds: the trade, the payment, the receipt and the reputation all
//! happen in one transaction, and the receipt records exactly what was observed.
use agent_registry::state::Agent;
use agentrunner_client::{events::decode_event, receipts::TreeMirror};
use agentrunner_embedded::oracle::pyth_feed;
use agentrunner_tests::runner_world::*;
use receipts::{
    events::ReceiptAppended,
    merkle::read_tree,
    receipt::{PaymentMethod, ReceiptKind},
};
use runner::{
    events::StepExecuted,
    state::{Plan, StepStatus},
};
use solana_signer::Signer;

/// `sim_venue`'s constant-product output, computed independently.
fn pool_out(amount_in: u64, reserve_in: u64, reserve_out: u64) -> u64 {
    let after_fee = u128::from(amount_in) * u128::from(10_000 - POOL_FEE_BPS) / 10_000;
    (after_fee * u128::from(reserve_out) / (u128::from(reserve_in) + after_fee)) as u64
}

#[tokio::test]
async fn test_swap_step_trades_pays_and_receipts_exactly_what_it_observed() {
    let w = RunnerWorld::new().await;
    let p = w.plan(vec![w.swap_sol_step(SOL)]).await;
    let chain = &w.ctx.chain;
    let balance = |key| async move { chain.token_balance(&key).await.unwrap() };
    let sol_vault = w.pool.vault(&w.sol);
    let usdc_vault = w.pool.vault(&w.usdc);
    let (sol_before, usdc_before) = (balance(p.owner.sol).await, balance(p.owner.usdc).await);
    let vendor_before = balance(w.vendor_usdc).await;
    let vault_before = balance(p.steps[0].budget.vault).await;
    let expected_pool_out = pool_out(SOL, balance(sol_vault).await, balance(usdc_vault).await);
    let publish_time = w.ctx.now().await;

    let traced = w
        .ctx
        .send_traced(&[w.execute_ix(&p, 0)], &[&w.vendor.owner])
        .await
        .expect("execute");

    // Balances: exactly one step amount out, exactly the pool's output in, the fee paid.
    let spent = sol_before - balance(p.owner.sol).await;
    let received = balance(p.owner.usdc).await - usdc_before;
    assert_eq!((spent, received), (SOL, expected_pool_out));
    assert_eq!(balance(w.vendor_usdc).await - vendor_before, VENDOR_PRICE);
    assert_eq!(
        vault_before - balance(p.steps[0].budget.vault).await,
        VENDOR_PRICE
    );

    // The oracle cross price: 1 SOL at $150 is 150 USDC; 30 bps cap.
    let expected_out = 150 * USDC;
    let min_out = (expected_out * 9_970).div_ceil(10_000);
    let slippage = ((expected_out - received) * 10_000).div_ceil(expected_out) as u16;
    assert!(received >= min_out);

    let appended: Vec<ReceiptAppended> = traced
        .cpis()
        .filter_map(|c| decode_event(&receipts::ID, &c.program_id, &c.accounts, &c.data))
        .collect();
    assert_eq!(appended.len(), 1, "exactly one receipt");
    let r = appended[0].receipt;
    assert_eq!((r.plan, r.step, r.execution), (p.plan, 0, 0));
    assert_eq!(
        (r.agent, r.payer, r.kind),
        (w.vendor.agent, p.owner.keypair.pubkey(), ReceiptKind::Swap)
    );
    assert_eq!((r.amount_in, r.mint_in), (spent, w.sol));
    assert_eq!((r.amount_out, r.mint_out), (received, w.usdc));
    assert_eq!(r.guards.oracle_price, SOL_PRICE);
    assert_eq!(r.guards.oracle_exponent, PRICE_EXPONENT);
    assert_eq!(r.guards.oracle_publish_time, publish_time);
    assert_eq!(r.guards.feed_id, pyth_feed::SOL_USD);
    assert_eq!(r.guards.realized_slippage_bps, slippage);
    assert_eq!(r.guards.fee_paid, VENDOR_PRICE);
    assert_eq!(
        (r.payment.method, r.payment.reference, r.payment.amount),
        (PaymentMethod::Grant, p.steps[0].grant, VENDOR_PRICE)
    );
    assert_eq!(r.venue, sim_venue::ID);

    let executed: Vec<StepExecuted> = traced
        .cpis()
        .filter_map(|c| decode_event(&runner::ID, &c.program_id, &c.accounts, &c.data))
        .collect();
    assert_eq!(executed.len(), 1);
    let e = &executed[0];
    assert_eq!(
        (e.expected_out, e.min_out, e.amount_out),
        (expected_out, min_out, received)
    );
    assert_eq!(e.receipt_leaf, r.leaf());
    assert_eq!(e.notional_usd, 150 * USDC);

    // The receipt is the tree's only leaf: the off-chain mirror reproduces the root.
    let tree = chain
        .account(&p.steps[0].receipts.tree)
        .await
        .unwrap()
        .unwrap();
    let mut mirror = TreeMirror::new(w.tree_depth());
    mirror.append(r.leaf());
    assert_eq!(read_tree(&tree.data).unwrap().root, mirror.root());

    let plan: Plan = w.ctx.get(&p.plan).await;
    assert_eq!(plan.steps[0].status, StepStatus::Done);
    assert_eq!(plan.spent_today_usd, 150 * USDC);
    assert_eq!(plan.mints[0].last_publish_time, publish_time);
    let agent: Agent = w.ctx.get(&w.vendor.agent).await;
    let swap = agent
        .reputation_of(agent_registry::constants::capability::SWAP)
        .unwrap();
    assert_eq!((swap.succeeded, swap.self_dealt), (1, 0));
    assert_eq!(swap.slippage_bps_sum, u64::from(slippage));
    // A $150 swap from a payer the agent never served: a full credit.
    assert_eq!(swap.credit, 100 * agent_registry::state::CREDIT_PER_POINT);
}
