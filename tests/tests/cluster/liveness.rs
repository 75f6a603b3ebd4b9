//! The served cluster stays live when its clock moves as fast as it can while several clients
//! send, simulate, read and subscribe at once. Before the bank gate, a warp (which replaces the working
//! bank under the bank forks' write lock) could start while a simulation held the program
//! cache, and every later request hung for good.
use std::{
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

use agentrunner_client::{chain::Chain, rpc::RpcChain, send::sign_transaction};
use futures_util::StreamExt;
use solana_pubsub_client::nonblocking::pubsub_client::PubsubClient;
use solana_signer::Signer;

use super::{cluster, Cluster};

/// Wall-clock time the load runs for.
const LOAD: Duration = Duration::from_secs(6);
/// Longest any single request may take before the cluster counts as stalled.
const ANSWER_BOUND: Duration = Duration::from_secs(20);

async fn answered<T>(what: &str, request: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(ANSWER_BOUND, request)
        .await
        .unwrap_or_else(|_| panic!("{what} unanswered after {ANSWER_BOUND:?}: the cluster stalled"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_served_cluster_answers_every_request_while_the_clock_races() {
    let Cluster {
        chain,
        localnet,
        server,
        ..
    } = cluster().await;
    let url = server.url();
    let stop = Arc::new(AtomicBool::new(false));
    let requests = Arc::new(AtomicU64::new(0));

    // The clock, as fast as it goes (serve's fastest tick is 10 ms; this has none).
    let ticker = {
        let (chain, stop) = (chain.clone(), stop.clone());
        tokio::spawn(async move {
            let mut ticks = 0u64;
            while !stop.load(Ordering::Relaxed) {
                answered("a clock tick", localnet.advance(&chain, 15))
                    .await
                    .unwrap();
                ticks += 1;
            }
            ticks
        })
    };

    let mut clients = Vec::new();
    for client in 0..4u64 {
        let (chain, stop, requests, url) =
            (chain.clone(), stop.clone(), requests.clone(), url.clone());
        let payer = chain.funded_keypair(10_000_000_000).await.unwrap();
        clients.push(tokio::spawn(async move {
            let rpc = RpcChain::new(&url);
            let keys = [payer.pubkey(), chain.payer().pubkey()];
            while !stop.load(Ordering::Relaxed) {
                let (blockhash, _) = answered("getLatestBlockhash", rpc.latest_blockhash())
                    .await
                    .unwrap();
                let transfer = solana_system_interface::instruction::transfer(
                    &payer.pubkey(),
                    &chain.payer().pubkey(),
                    1 + requests.load(Ordering::Relaxed),
                );
                let tx = sign_transaction(&payer, &[transfer], &[], &[], blockhash).unwrap();
                match client {
                    0 => {
                        answered("sendTransaction", rpc.broadcast(&tx))
                            .await
                            .unwrap();
                    }
                    1 => {
                        answered("simulateTransaction", rpc.simulate(&tx))
                            .await
                            .unwrap();
                    }
                    2 => {
                        answered("getMultipleAccounts", rpc.accounts(&keys))
                            .await
                            .unwrap();
                    }
                    _ => {
                        answered("getProgramAccounts", rpc.program_accounts(&market::ID, &[]))
                            .await
                            .unwrap();
                    }
                }
                requests.fetch_add(2, Ordering::Relaxed);
            }
        }));
    }

    // A subscriber: slot and account notifications while all of that goes on.
    let subscriber = {
        let (stop, url, watched) = (stop.clone(), server.pubsub_url(), chain.payer().pubkey());
        tokio::spawn(async move {
            let pubsub = PubsubClient::new(&url).await.unwrap();
            let (mut slots, _) = answered("slotSubscribe", pubsub.slot_subscribe())
                .await
                .unwrap();
            let (_accounts, _) =
                answered("accountSubscribe", pubsub.account_subscribe(&watched, None))
                    .await
                    .unwrap();
            let (mut notified, mut last) = (0u64, std::time::Instant::now());
            while !stop.load(Ordering::Relaxed) {
                match tokio::time::timeout(Duration::from_millis(200), slots.next()).await {
                    Ok(Some(_)) => (notified, last) = (notified + 1, std::time::Instant::now()),
                    Ok(None) => panic!("the slot subscription ended"),
                    Err(_) => assert!(
                        last.elapsed() < ANSWER_BOUND,
                        "no slot notification for {ANSWER_BOUND:?}: the cluster stalled"
                    ),
                }
            }
            notified
        })
    };

    tokio::time::sleep(LOAD).await;
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        answered("a client's last request", client).await.unwrap();
    }
    let notified = answered("the subscriber's last notification", subscriber)
        .await
        .unwrap();
    assert!(notified > 0, "no slot notification arrived");
    let ticks = answered("the last tick", ticker).await.unwrap();
    eprintln!(
        "liveness: {ticks} ticks, {} requests, {notified} slot notifications in {LOAD:?}",
        requests.load(Ordering::Relaxed)
    );
    assert!(ticks > 0, "the clock never moved");
    assert!(
        requests.load(Ordering::Relaxed) > 0,
        "no request was answered"
    );
    // And the cluster still answers afterwards.
    let rpc = RpcChain::new(&url);
    answered("a read after the load", Chain::clock(&rpc))
        .await
        .unwrap();
}
