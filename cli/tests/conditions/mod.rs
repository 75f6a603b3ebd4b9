//! A conditional goal through the CLI: "sell 1 SOL for USDC if SOL drops below $140" is
//! planned, bid on, awarded and approved; while SOL is $150 the vendor's broker leaves it and
//! `status` says what it waits for; `agentrunner feeder set SOL 139` moves the served
//! cluster's price and the next broker round executes it, once.
use std::time::{Duration, Instant};

use agentrunner_client::rpc::RpcChain;
use agentrunner_keepers::broker::Broker;

use super::{wait_until, Served};

pub async fn a_stop_loss_executes_once_the_feeder_crosses_its_level(
    s: &Served,
    broker: &Broker<'_, RpcChain>,
) {
    let goal = s.json(
        "owner",
        &[
            "goal",
            "sell 1 SOL for USDC if SOL drops below $140",
            "--bid-secs",
            "600",
        ],
    );
    let plan = goal["plan"].as_str().unwrap().to_string();
    assert_eq!(
        goal["graph"]["steps"][0]["when"]["condition"],
        "price_at_most"
    );
    broker.bid_all().await.unwrap();
    wait_until("bidding closes and the stop-loss is awarded", 60, || {
        let offers = s.json("owner", &["offers", &plan, "--award"]);
        offers["steps"][0]["status"]
            .as_str()
            .unwrap()
            .starts_with("awarded")
    });
    s.json("owner", &["approve", &plan]);

    let round = broker.execute_all().await.unwrap();
    assert!(
        round.iter().all(|run| !run.landed()),
        "nothing executes at $150: {round:?}"
    );
    let status = s.json("owner", &["status", &plan]);
    let reason = status["steps"][0]["reason"].as_str().unwrap().to_string();
    assert!(
        reason.starts_with("waits for its condition: SOL at or below $140; now $150"),
        "{status}"
    );

    assert!(s
        .run("owner", &["feeder", "set", "SOL", "139"])
        .status
        .success());
    let started = Instant::now();
    loop {
        broker.execute_all().await.unwrap();
        let status = s.json("owner", &["status", &plan]);
        if status["status"] == "finished" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the stop-loss did not execute: {status}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(s
        .run("owner", &["feeder", "set", "SOL", "150"])
        .status
        .success());
}
