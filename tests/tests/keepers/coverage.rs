//! Keepers against lagging nodes, fee-oracle garbage and vanishing accounts (docs/SECURITY-TESTPLAN.md
//! K-06, K-09, K-13).
use agentrunner_client::{
    chain::Chain,
    ix::escrow::{self as escrow_ix, BudgetRef},
    pda,
    priority::PriorityFee,
    send::{NoJournal, SendPolicy, Sender},
};
use agentrunner_embedded::EmbeddedChain;
use agentrunner_keepers::{anchorer::Anchorer, Outcome};
use agentrunner_tests::{
    faults::FaultyChain,
    keeper_world::{awarded, boxed},
};
use anchor_lang::{prelude::Pubkey, Discriminator};
use escrow::{instructions::OpenBudgetArgs, state::Budget};
use market::state::Offer;
use solana_signer::Signer;

/// K-06: a node lagging behind the cluster still shows the step unexecuted after it ran. The
/// broker's second attempt, built from that stale view, is refused when simulated against the
/// cluster and counted as already done: the step executes and the vendor is paid once.
#[tokio::test]
async fn test_k06_a_lagging_node_never_gets_a_step_executed_twice() {
    let a = awarded().await;
    let lagging = FaultyChain::new(&a.chain);
    lagging.freeze(&[a.plan]).await;
    let broker = a.broker(&lagging, boxed(NoJournal), SendPolicy::immediate());
    let (first, _) = broker.execute(&a.rfp().await).await.unwrap();
    assert!(matches!(first, Outcome::Done(_)), "{first:?}");
    let (second, _) = broker.execute(&a.rfp().await).await.unwrap();
    assert!(
        matches!(&second, Outcome::AlreadyDone(why) if why.contains("StepFinished") || why.contains("6405")),
        "{second:?}"
    );
    a.assert_exactly_once().await;
}

/// K-13: between the anchorer's listing and its transaction an offer is closed by someone else,
/// a budget is refunded and closed by its payer, and another payer closes the token account its
/// sweep would pay into. Each is skipped or counted as done and logged; the rest of the batch —
/// a budget that can be swept — goes on.
#[tokio::test]
async fn test_k13_vanished_accounts_and_closed_destinations_do_not_fail_a_batch() {
    let a = awarded().await;
    let chain = &a.chain;
    let usdc = a.deployment().token("USDC").unwrap().mint;
    // Two more payers with short budgets.
    let now = chain.clock().await.unwrap().unix_timestamp;
    let mut others = Vec::new();
    for _ in 0..2 {
        let payer = chain.funded_keypair(1_000_000_000).await.unwrap();
        let token = a
            .localnet
            .fund_tokens(chain, &payer.pubkey(), "USDC", 1_000)
            .await
            .unwrap();
        let id = Pubkey::new_unique().to_bytes();
        let b = BudgetRef::new(&payer.pubkey(), &id, usdc, anchor_spl::token::ID);
        let args = OpenBudgetArgs {
            id,
            amount: 1_000,
            expires_at: now + 60,
        };
        let open = escrow_ix::open_budget(&b, &payer.pubkey(), &token, args);
        chain.send(&[open], &[&payer]).await.unwrap();
        others.push((payer, token, b));
    }
    let lagging = FaultyChain::new(chain).with_stale_listings();
    // The listings the anchorer will act on, taken now.
    lagging
        .program_accounts(&market::ID, Offer::DISCRIMINATOR)
        .await
        .unwrap();
    lagging
        .program_accounts(&escrow::ID, Budget::DISCRIMINATOR)
        .await
        .unwrap();

    // Meanwhile: the awarded RFP's offer is closed by someone else ...
    let offer = pda::offer(&a.rfp, &a.agent).0;
    let close = agentrunner_client::ix::market::close_offer(&a.rfp, &offer, &a.vendor.pubkey());
    chain.send(&[close], &[]).await.unwrap();
    // ... the first payer refunds and closes its budget ...
    let (payer, token, b) = &others[0];
    let refund = escrow_ix::refund(b, token, &payer.pubkey(), 1_000);
    let close = escrow_ix::close_budget(b, &payer.pubkey(), &payer.pubkey());
    chain.send(&[refund, close], &[payer]).await.unwrap();
    // ... and the plan's owner empties and closes the account its expired budget sweeps into.
    let owner_usdc = pda::ata(&a.owner.pubkey(), &usdc, &anchor_spl::token::ID);
    let elsewhere = a
        .localnet
        .fund_tokens(chain, &Pubkey::new_unique(), "USDC", 0)
        .await
        .unwrap();
    let held = chain.token_balance(&owner_usdc).await.unwrap();
    let owner = a.owner.pubkey();
    let empty = spl_token_interface::instruction::transfer(
        &spl_token_interface::ID,
        &owner_usdc,
        &elsewhere,
        &owner,
        &[],
        held,
    )
    .unwrap();
    let close = spl_token_interface::instruction::close_account(
        &spl_token_interface::ID,
        &owner_usdc,
        &owner,
        &owner,
        &[],
    )
    .unwrap();
    chain.send(&[empty, close], &[&a.owner]).await.unwrap();
    a.localnet.advance(chain, 2 * 86_400).await.unwrap();

    let anchorer = Anchorer {
        chain: &lagging,
        sender: Sender {
            chain: &lagging,
            policy: SendPolicy::immediate(),
            journal: boxed(NoJournal),
        },
        payer: chain.funded_keypair(1_000_000_000).await.unwrap(),
        deployment: a.deployment(),
    };
    let offers = anchorer.close_stale_offers().await.unwrap();
    assert!(
        matches!(offers.as_slice(), [(key, Outcome::AlreadyDone(_))] if *key == offer),
        "{offers:?}"
    );
    let sweeps = anchorer.refund_expired().await.unwrap();
    let outcome = |budget: &Pubkey| {
        sweeps
            .iter()
            .find(|(key, _)| key == budget)
            .map(|(_, o)| o)
            .unwrap()
    };
    assert!(matches!(
        outcome(&others[0].2.budget),
        Outcome::AlreadyDone(_)
    ));
    let plan_budget = BudgetRef::new(&owner, &a.plan.to_bytes(), usdc, anchor_spl::token::ID);
    assert!(
        matches!(outcome(&plan_budget.budget), Outcome::Skipped(why) if why.contains("closed")),
        "{sweeps:?}"
    );
    assert!(matches!(outcome(&others[1].2.budget), Outcome::Done(_)));
    assert_eq!(chain.token_balance(&others[1].1).await.unwrap(), 1_000);
}

/// K-09: the sender bids the 75th percentile of the reported priority fees, capped; a spike of
/// x100 or a garbage report costs exactly the cap, a failed report the default. Checked on the
/// lamports the payer actually paid: 5,000 per signature plus price x compute-unit limit /
/// 10^6, rounded up, the limit being what simulation metered (the transfer and the two
/// compute-budget instructions: 150 units each, builtins) plus 10% and 1,000 units.
#[tokio::test]
async fn test_k09_garbage_or_spiking_fee_reports_never_cost_more_than_the_cap() {
    let chain = EmbeddedChain::start().await.unwrap();
    let payer = chain.funded_keypair(1_000_000_000).await.unwrap();
    let policy = SendPolicy {
        priority: PriorityFee {
            default_micro_lamports: 1_000,
            cap_micro_lamports: 50_000,
            max_compute_units: 1_400_000,
        },
        ..SendPolicy::immediate()
    };
    for (report, price) in [
        (Ok(vec![2_000, 3_000, 4_000, 8_000]), 8_000u64),
        (Ok(vec![4_000 * 100; 8]), 50_000),
        (Ok(vec![u64::MAX, 0, u64::MAX]), 50_000),
        (Err("429 Too Many Requests".to_string()), 1_000),
    ] {
        let node = FaultyChain::new(&chain).with_priority_fees(report.clone());
        let sender = Sender::new(&node, policy);
        let before = chain.balance(&payer.pubkey()).await.unwrap();
        let transfer = solana_system_interface::instruction::transfer(
            &payer.pubkey(),
            &Pubkey::new_unique(),
            1_000_000,
        );
        let landed = sender
            .send(
                &format!("k09:{price}:{report:?}"),
                &payer,
                &[transfer],
                &[],
                &[],
            )
            .await
            .unwrap();
        let paid = before - chain.balance(&payer.pubkey()).await.unwrap() - 1_000_000;
        let limit = agentrunner_client::priority::unit_limit(300, 1_400_000);
        assert_eq!(
            paid,
            5_000 + (price * u64::from(limit)).div_ceil(1_000_000),
            "{report:?}"
        );
        assert_eq!(landed.fee_lamports, paid, "the sender knows what it paid");
    }
}
