//! `flows::explain` says in words why each step of a plan is (not) moving, at every stage: no
//! RFP yet, bidding open, no offers (and the most the RFP pays), due for its vendor, done,
//! cancelled.
use agentrunner_client::{
    flows::{self, OwnerWallet, RfpPolicy, Scope},
    send::{NoJournal, SendPolicy, Sender},
};
use agentrunner_keepers::planner::Planner;
use agentrunner_tests::keeper_world::{awarded, boxed};
use solana_signer::Signer;

#[tokio::test]
async fn test_status_explains_every_stage_in_words() {
    let a = awarded().await;
    let chain = &*a.chain;
    let d = a.deployment();

    // The approved swap is due for its vendor; once executed it is done.
    let due = a.first_step_state(&a.plan).await;
    assert_eq!(due.stage, "Executing");
    assert!(
        due.reason.starts_with("due now: waiting for Keeper"),
        "{due:?}"
    );
    let broker = a.broker(chain, boxed(NoJournal), SendPolicy::immediate());
    broker.execute(&a.rfp().await).await.unwrap();
    let done = a.first_step_state(&a.plan).await;
    assert_eq!(
        (done.stage, done.reason.as_str()),
        ("Done", "1/1 executions")
    );

    // A new plan of the owner (who plans for itself): no RFP, then bidding, then no offers.
    let sender = Sender::unjournaled(chain, SendPolicy::immediate());
    let wallet = OwnerWallet::new(chain, &sender, &a.owner, d);
    let owner = a.owner.pubkey();
    let draft = flows::draft(chain, d, "Swap 1 SOL->USDC <=50 bps", &owner, &owner)
        .await
        .unwrap();
    wallet.create(&draft).await.unwrap();
    let planning = a.first_step_state(&draft.plan).await;
    assert_eq!(planning.stage, "Planning", "{planning:?}");
    let planner = Planner::new(
        chain,
        Sender::unjournaled(chain, SendPolicy::immediate()),
        a.owner.insecure_clone(),
        d,
        RfpPolicy::default(),
    );
    planner.open_rfps(&draft.plan).await.unwrap();
    let bidding = a.first_step_state(&draft.plan).await;
    assert_eq!(bidding.stage, "Bidding");
    assert!(
        bidding
            .reason
            .starts_with("bidding closes in 60 s; 0 offer(s)"),
        "{bidding:?}"
    );
    a.localnet.advance(chain, 61).await.unwrap();
    let unwanted = a.first_step_state(&draft.plan).await;
    assert!(
        unwanted
            .reason
            .starts_with("no offers: the most this RFP pays is 1.5 USDC"),
        "{unwanted:?}"
    );

    // Cancelled by its owner.
    let cancel = wallet.settlement(&draft.plan, Scope::Cancel).await.unwrap();
    wallet.settle(&cancel).await.unwrap();
    let cancelled = a.first_step_state(&draft.plan).await;
    assert_eq!(cancelled.stage, "Cancelled", "{cancelled:?}");
}

/// Planning knows what vendors ask (the market's live offers): a fee cap that pays less than
/// the cheapest ask is refused before anything is created, with the cap that would do.
#[tokio::test]
async fn test_planning_refuses_a_fee_cap_below_what_vendors_ask() {
    let a = awarded().await;
    let owner = a.owner.pubkey();
    let draft = |goal: &'static str| flows::draft(&*a.chain, a.deployment(), goal, &owner, &owner);
    let refused = draft("swap 2 USDC to SOL").await.unwrap_err().to_string();
    assert!(
        refused.contains(
            "pay a vendor at most 0.02 USDC, and the cheapest vendor for a Swap step asks 0.05 \
             USDC: write \"cap fees at 250 bps\""
        ),
        "{refused}"
    );
    assert!(draft("swap 2 USDC to SOL; cap fees at 2.5%").await.is_ok());
}
