//! Conditional steps through the keepers: a plan drafted from a goal with a condition waits —
//! the vendor's broker re-checks the condition every round and leaves the step alone, `status`
//! says what it waits for and what the price is — until the price feeder moves the price, and
//! the next round executes it, once.
use agentrunner_client::send::{NoJournal, SendPolicy};
use agentrunner_keepers::Outcome;
use agentrunner_tests::keeper_world::{awarded_with, boxed, Awarded};

/// Runs one broker round on `a` and returns its only outcome's description.
async fn round(a: &Awarded) -> Outcome {
    let broker = a.broker(&*a.chain, boxed(NoJournal), SendPolicy::immediate());
    let mut outcomes = broker.execute_all().await.unwrap();
    assert_eq!(outcomes.len(), 1, "{outcomes:?}");
    outcomes.remove(0).result.unwrap().0
}

#[tokio::test]
async fn test_a_stop_loss_waits_for_its_level_and_executes_once_the_feeder_crosses_it() {
    let a = awarded_with("sell 1 SOL for USDC if SOL drops below $140").await;
    let waits = "waits for its condition: SOL at or below $140; now $150";
    assert!(
        matches!(round(&a).await, Outcome::Skipped(ref why) if why.contains(waits)),
        "the broker leaves it alone"
    );
    assert_eq!(a.first_step_state(&a.plan).await.reason, waits);
    // One cent above the level: still waiting.
    a.localnet.set_price("SOL", 140_01000000);
    a.localnet.advance(&a.chain, 1).await.unwrap();
    assert!(matches!(round(&a).await, Outcome::Skipped(_)));
    a.localnet.set_price("SOL", 139_00000000);
    a.localnet.advance(&a.chain, 1).await.unwrap();
    assert!(a
        .first_step_state(&a.plan)
        .await
        .reason
        .starts_with("due now"));
    assert!(matches!(round(&a).await, Outcome::Done(_)));
    a.assert_exactly_once().await;
}

/// "Exit if volatility spikes": SOL falling 3% in a second leaves it 3% from Pyth's EMA
/// (an hour-long average), past the 2% a spike means; while calm, the step waits.
#[tokio::test]
async fn test_an_exit_on_a_volatility_spike_waits_for_the_spike() {
    let a = awarded_with("sell 1 SOL for USDC if volatility spikes").await;
    assert!(matches!(round(&a).await, Outcome::Skipped(_)));
    assert_eq!(
        a.first_step_state(&a.plan).await.reason,
        "waits for its condition: SOL at least 200 bps away from its EMA price; now $150, 0 bps \
         from its EMA"
    );
    a.localnet.set_price("SOL", 145_50000000);
    a.localnet.advance(&a.chain, 1).await.unwrap();
    let ema = a.localnet.ema_price("SOL").unwrap();
    assert!(
        (149_00000000..150_00000000).contains(&ema),
        "the EMA lags: {ema}"
    );
    assert!(matches!(round(&a).await, Outcome::Done(_)));
    a.assert_exactly_once().await;
}

/// A stale price never satisfies a condition: with the feeder stopped past the guards' age,
/// `status` says the condition cannot be judged and the broker does not send.
#[tokio::test]
async fn test_a_condition_on_a_stale_price_is_not_judged_and_nothing_is_sent() {
    let a = awarded_with("sell 1 SOL for USDC if SOL is below $200").await;
    a.localnet.set_feeding(false);
    a.localnet.advance(&a.chain, 120).await.unwrap();
    assert!(a
        .first_step_state(&a.plan)
        .await
        .reason
        .starts_with("its condition cannot be judged"));
    assert!(matches!(round(&a).await, Outcome::Skipped(ref why) if why.contains("OracleStale")));
    a.localnet.set_feeding(true);
    a.localnet.advance(&a.chain, 1).await.unwrap();
    assert!(matches!(round(&a).await, Outcome::Done(_)));
    a.assert_exactly_once().await;
}
