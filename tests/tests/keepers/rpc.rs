//! The keepers over Solana JSON-RPC: the embedded chain served on loopback, read and driven
//! through `RpcChain` exactly as a cluster would be — plan, bid, award, approve, execute, read
//! the receipt back from `getTransaction`, and rebuild the tree from `getSignaturesForAddress`.
use std::sync::Arc;

use agent_registry::{constants::capability, state::Stage};
use agentrunner_client::{
    chain::Chain,
    flows::{self, OwnerWallet, RfpPolicy},
    pda,
    receipts::index::{mirror_of, plan_receipts},
    rpc::RpcChain,
    send::{SendPolicy, Sender},
};
use agentrunner_embedded::{
    localnet::{Localnet, LocalnetSpec},
    rpc_server::serve,
    EmbeddedChain,
};
use agentrunner_keepers::{
    broker::{Broker, Strategy},
    planner::Planner,
    Outcome,
};
use agentrunner_tests::fixtures::onboarding_ixs;
use anchor_lang::Discriminator;
use market::state::Rfp;
use solana_signer::Signer;

#[tokio::test]
async fn test_rpc_chain_reads_match_the_bank_and_drive_a_full_execution() {
    let chain = Arc::new(EmbeddedChain::start().await.unwrap());
    let certifier = chain.funded_keypair(1_000_000_000).await.unwrap();
    let localnet = Localnet::bootstrap(&chain, &LocalnetSpec::default(), &[certifier.pubkey()])
        .await
        .unwrap();
    let server = serve(chain.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let rpc = RpcChain::new(&server.url());
    let d = &localnet.deployment;

    // Reads agree with the bank.
    let keys = d.static_accounts();
    assert_eq!(
        rpc.accounts(&keys).await.unwrap(),
        chain.accounts(&keys).await.unwrap()
    );
    assert_eq!(
        Chain::clock(&rpc).await.unwrap(),
        Chain::clock(&*chain).await.unwrap()
    );
    assert_eq!(rpc.genesis_hash().await.unwrap(), chain.genesis_hash());

    // A vendor registered over RPC.
    let policy = SendPolicy {
        poll_interval: std::time::Duration::ZERO,
        ..SendPolicy::default()
    };
    let sender = || Sender::unjournaled(&rpc, policy);
    let vendor = chain.funded_keypair(10_000_000_000).await.unwrap();
    let now = Chain::clock(&rpc).await.unwrap().unix_timestamp;
    let (agent, register, attest) = onboarding_ixs(
        &vendor.pubkey(),
        "Remote",
        capability::SWAP,
        &certifier.pubkey(),
        now,
    );
    sender()
        .send("register", &vendor, &register, &[], &[])
        .await
        .unwrap();
    sender()
        .send("attest", &certifier, &[attest], &[], &[])
        .await
        .unwrap();
    localnet
        .fund_tokens(&chain, &vendor.pubkey(), "USDC", 0)
        .await
        .unwrap();

    // Plan, bid, award, approve, execute — all over RPC.
    let holdings = [("SOL", 5_000_000_000), ("USDC", 10_000_000)];
    let owner = localnet
        .funded_wallet(&chain, 10_000_000_000, &holdings)
        .await
        .unwrap();
    let planner = Planner::new(
        &rpc,
        sender(),
        chain.funded_keypair(1_000_000_000).await.unwrap(),
        d,
        RfpPolicy {
            min_stage: Stage::A,
            ..RfpPolicy::default()
        },
    );
    let owner_sender = sender();
    let wallet = OwnerWallet::new(&rpc, &owner_sender, &owner, d);
    let goal = "Swap 2 SOL->USDC <=40 bps";
    let draft = flows::draft(&rpc, d, goal, &owner.pubkey(), &planner.planner.pubkey())
        .await
        .unwrap();
    wallet.create(&draft).await.unwrap();
    planner.open_rfps(&draft.plan).await.unwrap();
    let broker = Broker::new(
        &rpc,
        sender(),
        vendor.insecure_clone(),
        agent,
        d,
        Strategy::default(),
    );
    let bids = broker.bid_all().await.unwrap();
    assert!(matches!(bids[0].1, Ok(Outcome::Done(_))), "{:?}", bids[0].1);
    assert_eq!(
        rpc.program_accounts(&market::ID, Rfp::DISCRIMINATOR)
            .await
            .unwrap()
            .len(),
        1
    );
    localnet.advance(&chain, 61).await.unwrap();
    planner.award_all(&draft.plan).await.unwrap();
    let approval = wallet.approval(&draft.plan, 86_400).await.unwrap();
    wallet.approve(&approval).await.unwrap();
    let rfp: Rfp = rpc
        .fetch(&pda::rfp(&planner.planner.pubkey(), &draft.plan, 0).0)
        .await
        .unwrap();
    let (outcome, executed) = broker.execute(&rfp).await.unwrap();
    assert!(matches!(outcome, Outcome::Done(_)), "{outcome:?}");

    // The receipt came back through getTransaction; the tree rebuilds from history.
    let signed = executed
        .unwrap()
        .receipt
        .expect("receipt from getTransaction");
    assert_eq!(signed.located.receipt.amount_in, 2_000_000_000);
    let found = plan_receipts(&rpc, &draft.plan).await.unwrap();
    assert_eq!(found.len(), 1);
    let mirror = mirror_of(&rpc, &found[0].tree, d.receipt_depth)
        .await
        .unwrap();
    assert_eq!(mirror.leaf(found[0].index), Some(found[0].receipt.leaf()));
    server.stop();
}
