//! The broker binary SIGKILLed at random instants around its executions (see the test).
use std::{
    process::Command,
    time::{Duration, Instant},
};

use agentrunner_client::{
    chain::Chain,
    flows::{self, OwnerWallet},
    pda,
};
use market::state::{Rfp, RfpStatus};
use runner::state::Plan;
use solana_signer::Signer;

use super::{keeper, sender, wait_for, Market};

/// The broker binary SIGKILLed at random instants (a fixed seed; lives from 0 to 1.5 times an
/// uninterrupted round) while a DCA plan's executions come due (30, or one per two kills), then restarted: every
/// execution lands once and ends with exactly one vendor-signed receipt file, and no journal
/// entry stays open. `AGENTRUNNER_BROKER_KILL_CYCLES` kills (50 by default, which CI runs).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_broker_binary_killed_at_random_instants_leaves_one_signed_receipt_per_execution() {
    let cycles: u32 = std::env::var("AGENTRUNNER_BROKER_KILL_CYCLES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(50);
    // Enough executions that kills keep meeting them: about one per two cycles.
    let executions_due = (cycles / 2).clamp(30, 250) as u16;
    let m = Market::start("kill").await;
    let rpc = m.rpc();
    let owner_sender = sender(&rpc);
    let owner = m.key("owner");
    let wallet = OwnerWallet::new(&rpc, &owner_sender, &owner, &m.deployment);
    let goal = format!("DCA 10 USDC->SOL {executions_due} times every 1m");
    let planner = m.key("planner").pubkey();
    let draft = flows::draft(&rpc, &m.deployment, &goal, &owner.pubkey(), &planner)
        .await
        .unwrap();
    wallet.create(&draft).await.unwrap();
    keeper(
        "planner",
        &m.url,
        &m.keys,
        "planner",
        &["--set", "bid_secs=1200"],
        &[],
    );
    let broker_env = [("AGENTRUNNER_BROKER__AGENT", m.agent.to_string())];
    keeper("broker", &m.url, &m.keys, "vendor", &[], &broker_env);
    let rfp_key = pda::rfp(&planner, &draft.plan, 0).0;
    wait_for("the step is awarded", || async {
        keeper("planner", &m.url, &m.keys, "planner", &[], &[]);
        let rfp: Rfp = rpc.fetch(&rfp_key).await.unwrap();
        matches!(rfp.status, RfpStatus::Awarded(_))
    })
    .await;
    let approval = wallet.approval(&draft.plan, 86_400).await.unwrap();
    wallet.approve(&approval).await.unwrap();

    let receipts = m.dir.join("signed");
    let journal = m.dir.join("broker.journal");
    let broker = |once: bool| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_broker"));
        command
            .env("RUST_LOG", "warn")
            .args(["--agent", &m.agent.to_string()])
            .args(["-u", &m.url, "-k", m.keys.path("vendor").to_str().unwrap()])
            .args([
                "--deployment",
                m.dir.join("deployment.json").to_str().unwrap(),
            ])
            .args(["--journal", journal.to_str().unwrap()])
            .args(["--set", &format!("receipts_dir={}", receipts.display())])
            .args(["--set", "interval_secs=1"])
            .stdout(std::process::Stdio::null());
        if once {
            command.arg("--once");
        }
        command
    };
    // An uninterrupted round with an execution, timed on this machine now.
    let started = Instant::now();
    assert!(broker(true).status().unwrap().success());
    let span = (started.elapsed().as_millis() as u64 * 3 / 2).max(20);
    let executions = || async {
        let plan: Plan = rpc.fetch(&draft.plan).await.unwrap();
        plan.steps[0].executions
    };
    let mut seed: u64 = 0xdead_5eed;
    let mut mid_run = 0;
    for _ in 0..cycles {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let before = executions().await;
        let mut child = broker(false).spawn().unwrap();
        tokio::time::sleep(Duration::from_millis((seed >> 33) % span)).await;
        child.kill().unwrap();
        child.wait().unwrap();
        if executions().await > before {
            mid_run += 1;
        }
    }
    let during = executions().await;
    // The last runs live: every execution happens (each round executes what is due).
    let deadline =
        Instant::now() + Duration::from_secs(60 + 2 * u64::from(executions_due - during));
    while executions().await < executions_due {
        assert!(
            Instant::now() < deadline,
            "{} of {executions_due} executions after {cycles} kills ({during} during them)",
            executions().await
        );
        assert!(broker(true).status().unwrap().success());
    }
    // Exactly one signed file per execution: nothing pending, nothing else.
    let mut files: Vec<String> = std::fs::read_dir(&receipts)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    files.sort();
    let mut expected: Vec<String> = (0..executions_due)
        .map(|e| format!("receipt-{}-0-{e}.json", draft.plan))
        .collect();
    expected.sort();
    let on_chain = agentrunner_client::receipts::index::plan_receipts(&rpc, &draft.plan)
        .await
        .unwrap();
    assert_eq!(on_chain.len(), usize::from(executions_due));
    assert_eq!(files, expected);
    for found in &on_chain {
        let name = format!("receipt-{}-0-{}.json", draft.plan, found.receipt.execution);
        let text = std::fs::read(receipts.join(&name)).unwrap();
        let signed: agentrunner_client::receipts::file::ReceiptFile =
            serde_json::from_slice(&text).unwrap();
        agentrunner_client::receipts::file::check_offline(&signed).unwrap();
        assert_eq!(
            signed.located.leaf,
            hex::encode(found.receipt.leaf()),
            "{name}"
        );
        assert!(signed.vendor.is_some_and(|v| v.quote.is_some()), "{name}");
    }
    let open = agentrunner_keepers::journal::FileJournal::new(&journal).in_flight_intents();
    assert!(open.is_empty(), "left in flight: {open:?}");
    eprintln!(
        "{cycles} kills ({span} ms lives): {mid_run} after an execution landed, {during} of \
         {executions_due} executions during the kills; one signed receipt each, nothing in flight"
    );
    assert!(mid_run > 0 && during > 0, "the kills hit running brokers");
    m.stop();
}
