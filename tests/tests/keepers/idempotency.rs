//! Keeper idempotency under an unreliable network and crashes (docs/SECURITY-TESTPLAN.md §6, K-01..K-05):
//! the broker executes an awarded swap through [`FaultyChain`]; whatever goes wrong, the step
//! executes and the vendor is paid exactly once.
use std::time::Duration;

use agentrunner_client::{
    chain::Chain,
    pda,
    send::{Journal, NoJournal, SendPolicy},
};
use agentrunner_keepers::{broker::Preparation, journal::FileJournal, outcome::classify, Outcome};
use agentrunner_tests::{
    faults::{BroadcastFault, FaultyChain},
    keeper_world::{awarded, boxed},
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
        {
            let faulty = setup(FaultyChain::new(&a.chain));
            let broker = a.broker(
                &faulty,
                boxed(FileJournal::new(&path)),
                SendPolicy::immediate(),
            );
            let rfp = a.rfp().await;
            assert!(
                until_crash(broker.execute(&rfp)).await.is_none(),
                "{label}: the process died"
            );
        }
        let signed_before_crash =
            FileJournal::new(&path).in_flight(&format!("execute:{}:0:0", a.plan));
        // Restart with the same journal.
        let broker = a.broker(
            &*a.chain,
            boxed(FileJournal::new(&path)),
            SendPolicy::immediate(),
        );
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
        let _ = std::fs::remove_file(path);
    }
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
    let Preparation::Ready(prepared) = slow.prepare(&a.rfp().await).await.unwrap() else {
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
