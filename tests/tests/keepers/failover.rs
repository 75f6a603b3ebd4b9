//! Keepers over RPC endpoints that misbehave (docs/SECURITY-TESTPLAN.md K-06, K-07, K-08): the embedded
//! chain served over JSON-RPC by its real server, reached through fault-injecting proxies.
use std::time::Duration;

use agentrunner_client::{
    chain::Chain,
    failover::Failover,
    rpc::RpcChain,
    send::{NoJournal, SendPolicy},
    ClientError,
};
use agentrunner_embedded::rpc_server::{serve, RpcServer};
use agentrunner_keepers::Outcome;
use agentrunner_tests::{
    keeper_world::{awarded, boxed, Awarded},
    rpc_proxy::{Fault, RpcProxy},
};
use runner::state::Plan;

/// Short enough for a hang to cost a test two seconds.
const TIMEOUT: Duration = Duration::from_secs(2);

fn policy() -> SendPolicy {
    SendPolicy {
        poll_interval: Duration::from_millis(20),
        ..SendPolicy::default()
    }
}

/// The awarded deployment served over JSON-RPC, behind `n` proxies, and a failover over them.
async fn behind_proxies(a: &Awarded, n: usize) -> (RpcServer, Vec<RpcProxy>, Failover<RpcChain>) {
    let server = serve(a.chain.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let mut proxies = Vec::new();
    for _ in 0..n {
        proxies.push(RpcProxy::start(&server.url()).await);
    }
    let urls: Vec<String> = proxies.iter().map(|p| p.url.clone()).collect();
    let chain = Failover::rpc(&urls, TIMEOUT).unwrap();
    (server, proxies, chain)
}

/// K-07: a primary that rate-limits (429), is gone (410), reports itself unhealthy (-32005) or
/// hangs hands every call to the secondary, which keeps them; the broker executes the awarded
/// step through the failover exactly once.
#[tokio::test]
async fn test_k07_a_failing_primary_hands_over_to_the_secondary() {
    let a = awarded().await;
    let (_server, proxies, chain) = behind_proxies(&a, 2).await;
    let (primary, secondary) = (&proxies[0], &proxies[1]);
    assert_eq!(chain.genesis_hash().await.unwrap(), a.chain.genesis_hash());
    for fault in [
        Fault::Status(429),
        Fault::Status(410),
        Fault::RpcError(-32005),
        Fault::Hang,
    ] {
        // Calls go to the primary while it answers ...
        primary.set(Fault::Healthy);
        secondary.set(fault);
        chain.clock().await.unwrap();
        assert_eq!(chain.current(), 0, "{fault:?}");
        // ... and to the secondary, for good, once it does not.
        primary.set(fault);
        secondary.set(Fault::Healthy);
        let before = secondary.forwarded();
        chain.clock().await.unwrap();
        assert_eq!(chain.current(), 1, "{fault:?}");
        assert!(secondary.forwarded() > before);
    }
    // Both down: a typed error naming each, nothing guessed.
    secondary.set(Fault::Status(503));
    assert!(matches!(
        chain.clock().await,
        Err(ClientError::Unavailable(why)) if why.contains("#0") && why.contains("#1")
    ));
    // The execution itself, the primary rate-limiting throughout.
    secondary.set(Fault::Healthy);
    let broker = a.broker(&chain, boxed(NoJournal), policy());
    let (outcome, _) = broker.execute(&a.rfp().await).await.unwrap();
    assert!(matches!(outcome, Outcome::Done(_)), "{outcome:?}");
    a.assert_exactly_once().await;
}

/// K-06: once a read answered at slot S, every later read asks for `minContextSlot` >= S. A node
/// stuck below S is refused (-32016) rather than read: the failover reads from the node that
/// caught up, and with none it fails — it never returns older state.
#[tokio::test]
async fn test_k06_reads_never_go_back_to_a_lagging_node() {
    let a = awarded().await;
    let (_server, proxies, chain) = behind_proxies(&a, 2).await;
    let (primary, secondary) = (&proxies[0], &proxies[1]);
    let seen = chain.clock().await.unwrap().slot;
    assert_eq!(chain.endpoints()[0].floor(), Some(seen));
    a.localnet.advance(&a.chain, 10).await.unwrap();
    let plan = a.plan;
    chain.accounts(&[plan]).await.unwrap();
    let newer = chain.endpoints()[0].floor().unwrap();
    assert!(newer > seen);
    // The primary falls behind what was already read.
    primary.set(Fault::LaggingAt(seen));
    let state: Plan = chain.fetch(&plan).await.unwrap();
    assert_eq!(chain.current(), 1, "read from the node that caught up");
    assert_eq!(state.steps[0].executions, 0);
    // Only lagging nodes left: refused, not read.
    secondary.set(Fault::LaggingAt(seen));
    assert!(matches!(
        chain.accounts(&[plan]).await,
        Err(ClientError::Unavailable(why)) if why.contains("-32016")
    ));
    primary.set(Fault::Healthy);
    assert!(chain.accounts(&[plan]).await.unwrap()[0].is_some());
    assert_eq!(chain.current(), 0);
}

/// K-08: whatever woke a round (the interval, or a slot from a subscription, which a keeper
/// makes again when it drops: `keepers/tests/binaries`), the round reads the chain's state. A
/// round during an outage fails as a whole and changes nothing; the next round, once the
/// endpoint is back, catches up, and the awarded step executes once.
#[tokio::test]
async fn test_k08_a_round_lost_to_an_outage_is_caught_up_by_the_next() {
    let a = awarded().await;
    let (_server, proxies, chain) = behind_proxies(&a, 1).await;
    let broker = a.broker(&chain, boxed(NoJournal), policy());
    let before = a.chain.account(&a.plan).await.unwrap();
    proxies[0].set(Fault::Status(503));
    let lost = broker.execute_all().await;
    assert!(
        matches!(&lost, Err(ClientError::Unavailable(why)) if why.contains("503")),
        "{lost:?}"
    );
    assert_eq!(a.chain.account(&a.plan).await.unwrap(), before);
    let plan: Plan = a.chain.fetch(&a.plan).await.unwrap();
    assert_eq!(plan.steps[0].executions, 0);
    proxies[0].set(Fault::Healthy);
    let round = broker.execute_all().await.unwrap();
    assert!(
        matches!(round.as_slice(), [run] if run.step == 0 && run.landed()),
        "{round:?}"
    );
    a.assert_exactly_once().await;
}
