//! Concurrent plans of one owner through the CLI.
use super::*;

/// Three plans of one owner selling SOL from the same account — a swap, a DCA and a rebalance
/// into JUP, a token the owner never held — approved one after another through the CLI and
/// executed interleaved by the vendor's broker: every plan finishes, the rebalance's JUP account
/// was created by its approval, and nothing stays delegated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_cli_three_concurrent_plans_on_one_account_all_finish() {
    let s = serve();
    let rpc = RpcChain::new(&s.url);
    let deployment = s.deployment();
    let agent = onboard(&s, r#"["swap","dca","rebalance"]"#);
    let owner = read_keypair(&s.key("owner")).unwrap().pubkey();
    let jup = deployment.token("JUP").unwrap().mint;
    let owner_jup = agentrunner_client::ix::runner::owner_account(&owner, &jup);
    assert!(
        rpc.account(&owner_jup).await.unwrap().is_none(),
        "the owner holds no JUP"
    );

    let goals = [
        "Swap 1 SOL->USDC <=50 bps",
        "DCA 0.5 SOL->USDC 3 times every 60s",
        "Rebalance to 80/10/10 [SOL/USDC/JUP]",
    ];
    // The vendor bids as each plan comes out: under load, three CLI runs take longer than the
    // served clock's bidding window (600 s of chain time is 6 s at 100x).
    let broker = s.vendor_broker(&rpc, &deployment, &agent, Strategy::default());
    let mut plans = Vec::new();
    for goal in goals {
        let created = s.json("owner", &["goal", goal, "--bid-secs", "600"]);
        plans.push(created["plan"].as_str().unwrap().to_string());
        bid_on_every_open_rfp(&broker).await;
    }
    for plan in &plans {
        s.wait_awarded(plan, 90);
    }
    for plan in &plans {
        let approved = s.json("owner", &["approve", plan]);
        assert_eq!(
            approved["signatures"].as_array().unwrap().len(),
            1,
            "{plan}"
        );
    }
    assert!(
        rpc.account(&owner_jup).await.unwrap().is_some(),
        "created by the approval"
    );

    let started = Instant::now();
    loop {
        broker.execute_all().await.unwrap();
        let finished = plans
            .iter()
            .filter(|plan| s.json("owner", &["status", plan])["status"] == "finished")
            .count();
        if finished == plans.len() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{finished} of {} plans finished",
            plans.len()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(
        rpc.token_balance(&owner_jup).await.unwrap() > 0,
        "the rebalance bought JUP"
    );
    let sol = deployment.token("SOL").unwrap().mint;
    let owner_sol = agentrunner_client::ix::runner::owner_account(&owner, &sol);
    let held = rpc.account(&owner_sol).await.unwrap().unwrap();
    let held = spl_token_interface::state::Account::unpack(&held.data).unwrap();
    assert!(held.delegate.is_none(), "nothing stays delegated: {held:?}");
}
