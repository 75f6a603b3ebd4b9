//! The approval transaction's size: one owner signature for the whole plan, measured for a plan
//! alone, for a third concurrent plan of one owner, and for the largest plan (six steps over
//! four mints, each step awarded to a different vendor).
use agent_registry::constants::capability;
use agentrunner_embedded::{oracle::pyth_feed, PACKET_DATA_SIZE};
use agentrunner_tests::{
    context::landed,
    fixtures::{certify, setup_vendor_with},
    runner_world::*,
};
use runner::{instructions::StepArgs, state::StepKind};
use solana_signer::Signer;

#[tokio::test]
async fn test_approval_fits_one_transaction_for_every_plan_size() {
    let w = RunnerWorld::new().await;
    let owner = w.funded_owner().await;
    let key = owner.keypair.pubkey();
    // The demo's plan: a swap, then a DCA.
    let mut args = w.plan_args(key, vec![w.swap_sol_step(SOL), w.dca_sol_step(SOL, 5, 0)]);
    args.plan_id = 1;
    let alone = w.plan_from(owner.again(), args, w.usdc).await;
    // Two more plans of the same owner on the same SOL account; the third's approval.
    let mut third = Vec::new();
    for id in [2, 3] {
        let mut args = w.plan_args(key, vec![w.dca_sol_step(SOL, 2, 0)]);
        args.plan_id = id;
        third = w
            .plan_from(owner.again(), args, w.usdc)
            .await
            .approval_bytes;
    }
    // The largest plan: six steps over four mints (three sells into USDC, three buys out of
    // it), six vendors.
    let mut vendors = Vec::new();
    for name in ["V1", "V2", "V3", "V4", "V5", "V6"] {
        let vendor = setup_vendor_with(&w.ctx, name, VENDOR_CAPABILITIES).await;
        certify(
            &w.ctx,
            &w.registry,
            &vendor,
            agent_registry::state::Stage::D,
        )
        .await;
        vendors.push(vendor);
    }
    let rebalance = |mint_in: u8, mint_out: u8, amount_in: u64| StepArgs {
        kind: StepKind::Rebalance,
        capability: capability::REBALANCE,
        mint_in,
        mint_out,
        amount_in,
        ..w.swap_sol_step(SOL)
    };
    let mut args = w.plan_args(
        key,
        vec![
            rebalance(SOL_INDEX, USDC_INDEX, SOL),
            rebalance(2, USDC_INDEX, 100 * USDC),
            rebalance(3, USDC_INDEX, 50 * USDC),
            rebalance(USDC_INDEX, SOL_INDEX, 100 * USDC),
            rebalance(USDC_INDEX, 2, 100 * USDC),
            rebalance(USDC_INDEX, 3, 100 * USDC),
        ],
    );
    args.plan_id = 4;
    args.mints
        .push(w.pyth_policy(w.jup, USDC_DECIMALS, pyth_feed::JUP_USD));
    args.mints
        .push(w.pyth_policy(w.wif, USDC_DECIMALS, pyth_feed::WIF_USD));
    let largest = w.plan_per_step(owner.again(), args, w.usdc, &vendors).await;
    // One transaction for the usual plans; the largest takes two (payments, then custody).
    let sizes = [
        ("plan alone (swap + DCA)", alone.approval_bytes, 1),
        ("third concurrent plan of one owner (DCA)", third, 1),
        (
            "largest plan (6 steps, 4 mints, 6 vendors)",
            largest.approval_bytes.clone(),
            2,
        ),
    ];
    for (label, bytes, transactions) in sizes {
        println!("approval, {label}: {bytes:?} bytes, one signature each");
        assert_eq!(bytes.len(), transactions, "{label}");
        assert!(bytes.iter().all(|b| *b <= PACKET_DATA_SIZE), "{label}");
    }
    // The split approval still runs end to end: every step executes.
    for step in 0..6 {
        landed(
            w.ctx
                .send(
                    &[w.execute_ix(&largest, step)],
                    &[&vendors[usize::from(step)].owner],
                )
                .await,
        );
    }
}
