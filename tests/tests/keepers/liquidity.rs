//! Portfolio Ops through the keepers: an LP position added by a goal ("add 150 USDC of
//! liquidity to SOL/USDC") and its exit ("exit LP if volatility spikes") — the vendor's broker
//! executes the add, leaves the exit while SOL trades at its EMA (`status` says what it waits
//! for), and exits the whole position, once, after the feeder moves SOL 3% off its EMA.
use agentrunner_client::{
    pda,
    send::{NoJournal, SendPolicy},
};
use agentrunner_keepers::broker::StepRun;
use agentrunner_tests::keeper_world::{awarded_with, boxed};
use solana_signer::Signer;

/// How many of a round's outcomes executed something.
fn executed(round: &[StepRun]) -> usize {
    round.iter().filter(|run| run.landed()).count()
}

#[tokio::test]
async fn test_an_lp_position_added_by_a_goal_is_exited_once_sols_volatility_spikes() {
    let a = awarded_with("add 150 USDC of liquidity to SOL/USDC").await;
    let chain = &*a.chain;
    let d = a.deployment();
    let (_, pool) = d
        .pool_refs()
        .into_iter()
        .find(|(name, _)| name == "SOL-USDC")
        .unwrap();
    let owner = a.owner.pubkey();
    let lp_account = pda::ata(&owner, &pool.lp_mint, &anchor_spl::token::ID);
    let usdc = pda::ata(
        &owner,
        &d.token("USDC").unwrap().mint,
        &anchor_spl::token::ID,
    );
    let broker = a.broker(chain, boxed(NoJournal), SendPolicy::immediate());

    let usdc_before = chain.token_balance(&usdc).await.unwrap();
    assert_eq!(executed(&broker.execute_all().await.unwrap()), 1);
    a.assert_exactly_once().await;
    assert_eq!(
        usdc_before - chain.token_balance(&usdc).await.unwrap(),
        150_000_000
    );
    assert!(
        chain.token_balance(&lp_account).await.unwrap() > 0,
        "the owner holds the LP tokens in its own account"
    );

    let exit = a.approved_goal("exit LP if volatility spikes").await;
    let waits = "waits for its condition: SOL at least 200 bps away from its EMA price; now \
                 $150, 0 bps from its EMA";
    assert_eq!(executed(&broker.execute_all().await.unwrap()), 0);
    assert_eq!(a.first_step_state(&exit).await.reason, waits);
    a.localnet.set_price("SOL", 145_50000000);
    a.localnet.advance(chain, 1).await.unwrap();
    let usdc_before = chain.token_balance(&usdc).await.unwrap();
    assert_eq!(executed(&broker.execute_all().await.unwrap()), 1);
    assert_eq!(
        chain.token_balance(&lp_account).await.unwrap(),
        0,
        "the whole position"
    );
    // About $150 at the oracle (the pool still prices SOL at $150, so a little more).
    let received = chain.token_balance(&usdc).await.unwrap() - usdc_before;
    assert!((147_000_000..156_000_000).contains(&received), "{received}");
    assert_eq!(executed(&broker.execute_all().await.unwrap()), 0, "once");
}
