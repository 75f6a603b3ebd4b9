//! Portfolio Ops through the CLI, the product description's journey: the owner puts 50 USDC
//! into the SOL/USDC pool ("add 50 USDC of liquidity to SOL/USDC"; all its 100 USDC would
//! leave nothing for the vendor's fee, and the approval says so), then asks for "Rebalance
//! to 60/30/10 using low-slippage routes; cap fees at 5 bps; exit LP if volatility spikes". A
//! vendor certified for rebalancing and liquidity bids on every step; the rebalance executes,
//! the exit waits (`status` says for what) while SOL trades at its EMA, and once
//! `agentrunner feeder set SOL 140` spikes SOL's volatility the vendor's broker exits the whole
//! LP position, once. The NAV prices the LP position from its pool while it is held.
use super::*;

/// `goal` planned by the owner, bid on by `broker` and awarded through the CLI; returns the
/// plan and the graph the goal made.
async fn awarded(s: &Served, broker: &Broker<'_, RpcChain>, goal: &str) -> (String, Value) {
    // 600 s of chain time is 6 s at the served 100x clock: room for a loaded machine's bids.
    let created = s.json("owner", &["goal", goal, "--bid-secs", "600"]);
    let plan = created["plan"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_string();
    bid_on_every_open_rfp(broker).await;
    s.wait_awarded(&plan, 90);
    (plan, created["graph"].clone())
}

/// [`awarded`], then approved by the owner.
async fn approved(s: &Served, broker: &Broker<'_, RpcChain>, goal: &str) -> (String, Value) {
    let (plan, graph) = awarded(s, broker, goal).await;
    let approval = s.json("owner", &["approve", &plan]);
    assert!(approval["grants"].as_u64().unwrap() > 0, "{approval}");
    (plan, graph)
}

/// Broker rounds until `done` holds of the plan's status.
async fn execute_until(
    s: &Served,
    broker: &Broker<'_, RpcChain>,
    plan: &str,
    what: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let started = Instant::now();
    loop {
        broker.execute_all().await.unwrap();
        let status = s.json("owner", &["status", plan]);
        if done(&status) {
            return status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "{what}: {status}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_cli_portfolio_ops_rebalances_and_exits_lp_on_a_volatility_spike() {
    let s = serve();
    let rpc = RpcChain::new(&s.url);
    let deployment = s.deployment();
    let agent = onboard(&s, r#"["swap","dca","rebalance","liquidity"]"#);
    let owner = read_keypair(&s.key("owner")).unwrap().pubkey();
    let (_, pool) = deployment
        .pool_refs()
        .into_iter()
        .find(|(name, _)| name == "SOL-USDC")
        .unwrap();
    let lp_account = agentrunner_client::ix::runner::owner_account(&owner, &pool.lp_mint);
    // A vendor asking 0.01 USDC an execution: within a 5 bps fee cap from $20 of notional.
    let strategy = Strategy {
        price: 10_000,
        ..Strategy::default()
    };
    let broker = s.vendor_broker(&rpc, &deployment, &agent, strategy);

    // All its 100 USDC into the pool leaves nothing for the vendor's fee: the approval is
    // refused before anything is signed, saying why.
    let (short, _) = awarded(&s, &broker, "add 100 USDC of liquidity to SOL/USDC").await;
    let refused = s.run("owner", &["approve", &short]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success()
            && stderr.contains(
                "it takes 100.01 USDC (with 0.01 USDC deposited for the vendors' fees), but you \
                 hold 100 USDC"
            ),
        "{stderr}"
    );
    let pending = s.json("owner", &["status", &short]);
    assert!(pending["budget"].is_null(), "nothing deposited: {pending}");

    // Into the pool: the owner's LP shares land in its own account.
    let (add, graph) = approved(&s, &broker, "add 50 USDC of liquidity to SOL/USDC").await;
    assert_eq!(graph["steps"][0]["kind"], "add_liquidity", "{graph}");
    let status = execute_until(&s, &broker, &add, "the LP add did not execute", |status| {
        status["status"] == "finished"
    })
    .await;
    let lp_held = rpc.token_balance(&lp_account).await.unwrap();
    assert!(lp_held > 0, "the owner holds its LP shares: {status}");

    // Fund Admin sees the position, priced from its pool.
    let nav = s.json("owner", &["nav", "--dry-run"]);
    let positions = nav["positions"].as_array().unwrap();
    let lp = positions
        .iter()
        .find(|p| p["symbol"] == "SOL-USDC-LP")
        .unwrap_or_else(|| panic!("an LP position: {nav}"));
    assert_eq!(lp["feed_id"], hex::encode(pool.pool.to_bytes()));
    let lp_usd = lp["value_usd"].as_u64().unwrap();
    assert!((48_500_000..=50_000_000).contains(&lp_usd), "{lp}");

    // The seed goal: the rebalance executes, the exit waits for its condition.
    let (ops, graph) = approved(
        &s,
        &broker,
        "Rebalance to 60/30/10 using low-slippage routes; cap fees at 5 bps; exit LP if volatility spikes",
    )
    .await;
    let steps = graph["steps"].as_array().unwrap();
    let exit = steps.len() - 1;
    assert_eq!(steps[exit]["kind"], "remove_liquidity", "{graph}");
    assert_eq!(steps[exit]["amount_in"].as_u64(), Some(lp_held), "{graph}");
    let waits = "waits for its condition: SOL at least 200 bps away from its EMA price; now $150, 0 bps from its EMA";
    let status = execute_until(
        &s,
        &broker,
        &ops,
        "the rebalance did not execute",
        |status| {
            let steps = status["steps"].as_array().unwrap();
            steps[..exit].iter().all(|step| step["executions"] == 1)
        },
    )
    .await;
    assert_eq!(status["steps"][exit]["reason"], waits, "{status}");
    broker.execute_all().await.unwrap();
    assert_eq!(
        rpc.token_balance(&lp_account).await.unwrap(),
        lp_held,
        "held while calm"
    );

    // SOL drops 6.7% in a tick: far from its EMA; the broker exits the whole position, once.
    assert!(s
        .run("owner", &["feeder", "set", "SOL", "140"])
        .status
        .success());
    execute_until(&s, &broker, &ops, "the LP exit did not execute", |status| {
        status["status"] == "finished"
    })
    .await;
    assert_eq!(rpc.token_balance(&lp_account).await.unwrap(), 0);
    let out_dir = s.dir.join("portfolio-receipts");
    let receipts = s.json(
        "owner",
        &["receipts", &ops, "--out-dir", out_dir.to_str().unwrap()],
    );
    let kinds: Vec<&str> = receipts
        .as_array()
        .unwrap_or_else(|| panic!("{receipts}"))
        .iter()
        .filter_map(|r| r["receipt"]["receipt"]["kind"].as_str())
        .collect();
    assert_eq!(kinds.last(), Some(&"liquidity"), "{receipts}");
}
