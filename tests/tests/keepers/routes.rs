//! A pair no pool trades, routed through the hub as two dependent steps of one plan: the vendor
//! executes the first leg, then the second, each guarded, paid and receipted; the owner ends
//! with the token asked, and the first leg's surplus stays in the owner's hub account.
use agentrunner_client::{
    chain::Chain,
    ix::runner::owner_account,
    receipts::index::plan_receipts,
    send::{NoJournal, SendPolicy},
};
use agentrunner_tests::keeper_world::{awarded_with, boxed};
use receipts::receipt::ReceiptKind;
use runner::state::{Plan, StepStatus};
use solana_signer::Signer;

#[tokio::test]
async fn test_a_routed_swap_executes_both_legs_in_order_and_the_owner_gets_the_token_asked() {
    let a = awarded_with("Swap 0.2 SOL to JUP").await;
    let d = a.deployment();
    let owner = a.owner.pubkey();
    let (usdc, jup) = (d.token("USDC").unwrap().mint, d.token("JUP").unwrap().mint);
    let balance = |mint| {
        let chain = a.chain.clone();
        async move {
            chain
                .token_balance(&owner_account(&owner, &mint))
                .await
                .unwrap_or(0)
        }
    };
    let usdc_before = balance(usdc).await;
    let plan: Plan = a.chain.fetch(&a.plan).await.unwrap();
    assert_eq!(plan.steps.len(), 2);
    assert_eq!(
        plan.steps[1].depends_on, 0b1,
        "the second leg waits for the first"
    );
    // 0.2 SOL ($30) less 50 bps slippage and the 1% buffer: 29.55 USDC into JUP.
    assert_eq!(plan.steps[1].amount_in, 29_550_000);

    let broker = a.broker(&*a.chain, boxed(NoJournal), SendPolicy::immediate());
    for _ in 0..4 {
        broker.execute_all().await.unwrap();
        let plan: Plan = a.chain.fetch(&a.plan).await.unwrap();
        if plan.steps.iter().all(|s| s.status == StepStatus::Done) {
            break;
        }
    }
    let plan: Plan = a.chain.fetch(&a.plan).await.unwrap();
    assert!(
        plan.steps.iter().all(|s| s.executions == 1),
        "{:?}",
        plan.steps
    );
    // 29.55 USDC at $0.80 is 36.9375 JUP; the runner's minimum is 50 bps under it.
    let got_jup = balance(jup).await;
    assert!(got_jup >= 36_752_813, "{got_jup}");
    let surplus = balance(usdc).await - usdc_before;
    assert!(surplus > 0, "the first leg's surplus stays with the owner");
    let receipts = plan_receipts(&*a.chain, &a.plan).await.unwrap();
    let legs: Vec<(u16, ReceiptKind)> = receipts
        .iter()
        .map(|r| (r.receipt.step, r.receipt.kind))
        .collect();
    assert_eq!(legs, [(0, ReceiptKind::Swap), (1, ReceiptKind::Swap)]);
}
