//! Keeper idempotency under an unreliable network and crashes (docs/SECURITY-TESTPLAN.md §6, K-01..K-05):
//! the broker executes an awarded swap through [`FaultyChain`]; whatever goes wrong, the step
//! executes and the vendor is paid exactly once.
use std::time::Duration;

use agentrunner_client::flows::vendor::Next;
use agentrunner_client::{
    chain::Chain,
    pda,
    receipts::file::{check_offline, ReceiptFile},
    send::{Journal, NoJournal, SendPolicy},
};
use agentrunner_keepers::{journal::FileJournal, outcome::classify, Outcome};
use agentrunner_tests::{
    faults::{BroadcastFault, FaultyChain},
    keeper_world::{awarded, awarded_with, boxed},
};
use anchor_lang::prelude::Pubkey;
use runner::{error::RunnerError, state::Plan};
use solana_keypair::Keypair;
use solana_signer::Signer;

fn journal_path(name: &str) -> std::path::PathBuf {
    let path =
        std::env::temp_dir().join(format!("agentrunner-{name}-{}.journal", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

/// Runs `op` until it finishes or the process "dies" (the future is dropped).
async fn until_crash<T>(op: impl std::future::Future<Output = T>) -> Option<T> {
    tokio::time::timeout(Duration::from_millis(300), op)
        .await
        .ok()
}

#[tokio::test]
async fn test_k01_lost_response_is_tracked_by_signature_not_resent() {
    let a = awarded().await;
    let faulty = FaultyChain::new(&a.chain).with_faults(&[BroadcastFault::ResponseLost]);
    let broker = a.broker(&faulty, boxed(NoJournal), SendPolicy::immediate());
    let (outcome, _) = broker.execute(&a.rfp().await).await.unwrap();
    assert!(matches!(outcome, Outcome::Done(_)), "{outcome:?}");
    assert_eq!(
        faulty.broadcasts.lock().unwrap().len(),
        1,
        "one send: its status showed it landed"
    );
    // The keeper's retry finds the step done.
    let retry = a.broker(&*a.chain, boxed(NoJournal), SendPolicy::immediate());
    let (again, _) = retry.execute(&a.rfp().await).await.unwrap();
    assert!(matches!(again, Outcome::AlreadyDone(_)), "{again:?}");
    a.assert_exactly_once().await;
}

#[tokio::test]
async fn test_k02_same_bytes_are_rebroadcast_until_expiry_and_only_then_resigned() {
    let a = awarded().await;
    let faulty = FaultyChain::new(&a.chain)
        .with_faults(&[BroadcastFault::Dropped; 160])
        .with_blocks_per_broadcast(1);
    let policy = SendPolicy {
        max_broadcasts: 400,
        ..SendPolicy::immediate()
    };
    let broker = a.broker(&faulty, boxed(NoJournal), policy);
    let (outcome, _) = broker.execute(&a.rfp().await).await.unwrap();
    let Outcome::Done(landed) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(
        landed.blockhashes, 2,
        "re-signed once, after the first blockhash expired"
    );
    let records = faulty.broadcasts.lock().unwrap().clone();
    let first = records[0].signature;
    let resigned = records.iter().position(|r| r.signature != first).unwrap();
    assert!(resigned > 1, "the same bytes were rebroadcast first");
    // 150 blocks is a blockhash's lifetime: no new signature before it passed.
    assert!(records[resigned].block_height > records[0].block_height + 150);
    assert!(records[resigned..]
        .iter()
        .all(|r| r.signature == records[resigned].signature));
    a.assert_exactly_once().await;
}

#[tokio::test]
async fn test_k03_blockhash_not_found_at_preflight_keeps_tracking_the_same_signature() {
    let a = awarded().await;
    let faulty = FaultyChain::new(&a.chain).with_faults(&[BroadcastFault::BlockhashNotFound]);
    let broker = a.broker(&faulty, boxed(NoJournal), SendPolicy::immediate());
    let (outcome, _) = broker.execute(&a.rfp().await).await.unwrap();
    assert!(matches!(outcome, Outcome::Done(_)), "{outcome:?}");
    let signatures = faulty.signatures();
    assert_eq!(signatures.len(), 2);
    assert_eq!(signatures[0], signatures[1], "not re-signed");
    a.assert_exactly_once().await;
}

#[tokio::test]
async fn test_k04_a_crash_at_any_point_then_restart_executes_exactly_once() {
    type Setup = fn(FaultyChain<'_>) -> FaultyChain<'_>;
    let failpoints: [(&str, Setup); 4] = [
        ("before sign", |c| c.crashing_before_sign()),
        ("after sign", |c| {
            c.with_faults(&[BroadcastFault::CrashBeforeSend])
        }),
        ("after send", |c| {
            c.with_faults(&[BroadcastFault::CrashAfterSend])
        }),
        ("after confirm", |c| c.crashing_after_confirm()),
    ];
    for (label, setup) in failpoints {
        let a = awarded().await;
        let path = journal_path(&label.replace(' ', "-"));
        let receipts = path.with_extension("receipts");
        let _ = std::fs::remove_dir_all(&receipts);
        {
            let faulty = setup(FaultyChain::new(&a.chain));
            let broker = a
                .broker(
                    &faulty,
                    boxed(FileJournal::new(&path)),
                    SendPolicy::immediate(),
                )
                .with_receipts_dir(receipts.clone());
            let rfp = a.rfp().await;
            assert!(
                until_crash(broker.execute(&rfp)).await.is_none(),
                "{label}: the process died"
            );
        }
        let signed_before_crash =
            FileJournal::new(&path).in_flight(&format!("execute:{}:0:0", a.plan));
        // Restart with the same journal and receipts: what the dead run left is settled first.
        let broker = a
            .broker(
                &*a.chain,
                boxed(FileJournal::new(&path)),
                SendPolicy::immediate(),
            )
            .with_receipts_dir(receipts.clone());
        let reconciled = broker.reconcile().await.unwrap();
        assert_eq!(reconciled.len(), 1, "{label}: one pending receipt");
        let (outcome, _) = broker.execute(&a.rfp().await).await.unwrap();
        match (label, &outcome) {
            ("before sign", Outcome::Done(_)) => assert!(signed_before_crash.is_none()),
            // The journaled bytes are the ones that land: nothing is signed twice.
            ("after sign", Outcome::Done(landed)) => {
                assert_eq!(
                    landed.signature,
                    signed_before_crash.unwrap().0.signatures[0]
                )
            }
            // It landed before the crash: the restart sees the step done on-chain.
            ("after send" | "after confirm", Outcome::AlreadyDone(_)) => {}
            _ => panic!("{label}: {outcome:?}"),
        }
        // After the local write, a further restart changes nothing.
        let (again, _) = broker.execute(&a.rfp().await).await.unwrap();
        assert!(
            matches!(again, Outcome::AlreadyDone(_)),
            "{label}: {again:?}"
        );
        a.assert_exactly_once().await;
        // Exactly one signed receipt file, nothing pending, nothing in flight.
        let files: Vec<String> = std::fs::read_dir(&receipts)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        assert_eq!(files, [format!("receipt-{}-0-0.json", a.plan)], "{label}");
        let signed: ReceiptFile =
            serde_json::from_slice(&std::fs::read(receipts.join(&files[0])).unwrap()).unwrap();
        check_offline(&signed).unwrap();
        assert!(signed.vendor.is_some(), "{label}: signed by the vendor");
        let intent = format!("execute:{}:0:0", a.plan);
        assert!(
            FileJournal::new(&path).in_flight(&intent).is_none(),
            "{label}"
        );
        let _ = std::fs::remove_file(path);
        let _ = std::fs::remove_dir_all(receipts);
    }
}

#[tokio::test]
async fn test_k04_a_broker_killed_at_random_instants_leaves_one_signed_receipt_per_execution() {
    const EXECUTIONS: u16 = 40;
    // 60 restarts in CI; AGENTRUNNER_CRASH_CYCLES=500 for a longer run.
    let cycles: u32 = std::env::var("AGENTRUNNER_CRASH_CYCLES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(60);
    let a = awarded_with(&format!("DCA 10 USDC->SOL {EXECUTIONS} times every 1m")).await;
    let path = journal_path("random-crashes");
    let receipts = path.with_extension("receipts");
    let _ = std::fs::remove_dir_all(&receipts);
    // Over JSON-RPC, as a vendor runs it: a dying broker abandons its requests; what reached
    // the cluster still lands.
    let server =
        agentrunner_embedded::rpc_server::serve(a.chain.clone(), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
    let rpc = agentrunner_client::rpc::RpcChain::new(&server.url());
    let broker = || {
        a.broker(
            &rpc,
            boxed(FileJournal::new(&path)),
            SendPolicy::immediate(),
        )
        .with_receipts_dir(receipts.clone())
    };
    // How long one uninterrupted run with an execution takes on this machine, now: lives drawn
    // from 0 to 1.5 times that end before, during and after landings whatever the load.
    let started = std::time::Instant::now();
    let first = broker();
    first.reconcile().await.unwrap();
    first.execute_all().await.unwrap();
    let span = (started.elapsed().as_millis() as u64 * 3 / 2).max(5);
    a.localnet.advance(&a.chain, 61).await.unwrap();
    // A restart settles what the last run left, then works; the "process" dies after a
    // pseudo-random lifetime (a fixed seed).
    let mut seed: u64 = 0x5eed;
    let mut crashes = 0;
    for cycle in 0..cycles {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let life = Duration::from_millis((seed >> 33) % span);
        let b = broker();
        let run = async {
            b.reconcile().await.unwrap();
            b.execute_all().await.unwrap()
        };
        if tokio::time::timeout(life, run).await.is_err() {
            crashes += 1;
        }
        // The next execution comes due every other cycle.
        if cycle % 2 == 1 {
            a.localnet.advance(&a.chain, 61).await.unwrap();
        }
    }
    let during: Plan = a.chain.fetch(&a.plan).await.unwrap();
    assert!(
        crashes >= 12 && during.steps[0].executions >= 5,
        "runs died around landings: {crashes} crashes, {} landed ({span} ms lives)",
        during.steps[0].executions
    );
    // The last run lives: every execution happens.
    let b = broker();
    for _ in 0..=EXECUTIONS {
        b.reconcile().await.unwrap();
        b.execute_all().await.unwrap();
        a.localnet.advance(&a.chain, 61).await.unwrap();
    }
    let plan: Plan = a.chain.fetch(&a.plan).await.unwrap();
    assert_eq!(plan.steps[0].executions, EXECUTIONS, "every execution once");
    // One signed receipt file per execution, each the receipt on chain; nothing pending.
    let mut files: Vec<String> = std::fs::read_dir(&receipts)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    files.sort();
    let mut expected: Vec<String> = (0..EXECUTIONS)
        .map(|e| format!("receipt-{}-0-{e}.json", a.plan))
        .collect();
    expected.sort();
    assert_eq!(files, expected);
    let on_chain = agentrunner_client::receipts::index::plan_receipts(&*a.chain, &a.plan)
        .await
        .unwrap();
    assert_eq!(on_chain.len(), usize::from(EXECUTIONS));
    for found in &on_chain {
        let name = format!("receipt-{}-0-{}.json", a.plan, found.receipt.execution);
        let signed: ReceiptFile =
            serde_json::from_slice(&std::fs::read(receipts.join(name)).unwrap()).unwrap();
        check_offline(&signed).unwrap();
        assert_eq!(signed.located.leaf, hex::encode(found.receipt.leaf()));
        let vendor = signed.vendor.expect("signed by the vendor");
        assert!(vendor.quote.is_some(), "the quote the receipt committed to");
    }
    // No journal entry stays open.
    let open = FileJournal::new(&path).in_flight_intents();
    assert!(open.is_empty(), "left in flight: {open:?}");
    let _ = std::fs::remove_file(path);
    let _ = std::fs::remove_dir_all(receipts);
}

#[tokio::test]
async fn test_k05_two_racing_keepers_pay_once() {
    let a = awarded().await;
    let first = a.broker(
        &*a.chain,
        boxed(FileJournal::new(journal_path("race-1"))),
        SendPolicy::immediate(),
    );
    let second = a.broker(
        &*a.chain,
        boxed(FileJournal::new(journal_path("race-2"))),
        SendPolicy::immediate(),
    );
    let rfp = a.rfp().await;
    let (x, y) = tokio::join!(first.execute(&rfp), second.execute(&rfp));
    let outcomes = [x.unwrap().0, y.unwrap().0];
    // Either one lands and the other finds it done, or both built the same bytes (same
    // blockhash) and the network deduplicated them: one signature landed either way.
    let mut landed: Vec<_> = outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::Done(l) => Some(l.signature),
            _ => None,
        })
        .collect();
    landed.dedup();
    assert_eq!(landed.len(), 1, "{outcomes:?}");
    assert!(outcomes.iter().all(|o| o.holds()), "{outcomes:?}");
    a.assert_exactly_once().await;
}

#[tokio::test]
async fn test_k05_the_keeper_that_loses_a_race_is_refused_and_pays_nothing() {
    let a = awarded().await;
    let slow = a.broker(&*a.chain, boxed(NoJournal), SendPolicy::immediate());
    let Next::Ready(prepared) = slow.next(&a.rfp().await).await.unwrap() else {
        panic!("ready")
    };
    // Another instance executes first, under a later blockhash (different bytes).
    a.chain.warp_slots(1).await.unwrap();
    let fast = a.broker(&*a.chain, boxed(NoJournal), SendPolicy::immediate());
    let (won, _) = fast.execute(&a.rfp().await).await.unwrap();
    assert!(matches!(won, Outcome::Done(_)), "{won:?}");
    let table = a.deployment().lookup_table_account();
    let lost = slow
        .sender
        .send(
            &prepared.intent,
            &slow.vendor,
            &[prepared.ix],
            &[],
            &[table],
        )
        .await;
    let outcome = classify(lost, &[u32::from(RunnerError::StepFinished)], "execution").unwrap();
    assert!(matches!(outcome, Outcome::AlreadyDone(_)), "{outcome:?}");
    a.assert_exactly_once().await;
}

#[tokio::test]
async fn test_a_broker_leaves_steps_awarded_to_other_agents_alone() {
    let a = awarded().await;
    let mut other = a.broker(&*a.chain, boxed(NoJournal), SendPolicy::immediate());
    other.agent = Pubkey::new_unique();
    let (outcome, executed) = other.execute(&a.rfp().await).await.unwrap();
    assert!(
        matches!(&outcome, Outcome::Skipped(why) if why.contains("another agent")),
        "{outcome:?}"
    );
    assert!(executed.is_none());
    let plan: Plan = a.chain.fetch(&a.plan).await.unwrap();
    assert_eq!(plan.steps[0].executions, 0);
}

/// M2 from the vendor's side: when the owner empties its input account, the broker does not let
/// the step lapse into a failure on its record; it reports the step unfunded, once.
#[tokio::test]
async fn test_a_broker_reports_a_step_whose_input_the_owner_took_away() {
    let a = awarded().await;
    let sol = a.deployment().token("SOL").unwrap().mint;
    let input = pda::ata(&a.owner.pubkey(), &sol, &anchor_spl::token::ID);
    let stash = a.chain.ata(&Keypair::new().pubkey(), &sol).await.unwrap();
    let away = spl_token_interface::instruction::transfer(
        &spl_token_interface::ID,
        &input,
        &stash,
        &a.owner.pubkey(),
        &[],
        a.chain.token_balance(&input).await.unwrap(),
    )
    .unwrap();
    a.chain.send(&[away], &[&a.owner]).await.unwrap();
    let broker = a.broker(&*a.chain, boxed(NoJournal), SendPolicy::immediate());
    let (outcome, executed) = broker.execute(&a.rfp().await).await.unwrap();
    assert!(matches!(outcome, Outcome::Done(_)), "{outcome:?}");
    assert!(executed.is_none());
    let plan: Plan = a.chain.fetch(&a.plan).await.unwrap();
    assert_eq!(plan.steps[0].status, runner::state::StepStatus::Unfunded);
    let (again, _) = broker.execute(&a.rfp().await).await.unwrap();
    assert!(matches!(again, Outcome::AlreadyDone(_)), "{again:?}");
}
