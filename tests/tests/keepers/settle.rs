//! The owner's way out ([`Settlement`]) at every stage of a plan: stopped before its vendor
//! ran, after its budget expired, and before it was ever approved. Every atom and every rent
//! lamport the owner put in comes back, and nothing is left open.
use agentrunner_client::{
    chain::Chain,
    flows::{self, Offers, OwnerWallet, PlanView, Scope, Settlement},
    pda,
    send::{NoJournal, SendPolicy, Sender},
};
use agentrunner_keepers::Outcome;
use agentrunner_tests::keeper_world::{awarded, boxed, Awarded};
use anchor_lang::prelude::Pubkey;
use runner::state::{Plan, PlanStatus};
use solana_signer::Signer;

/// The plan's fee budget, its vault and its grants.
async fn budget_accounts(a: &Awarded) -> Vec<Pubkey> {
    let view = PlanView::load(&*a.chain, a.deployment(), &a.plan, Offers::Skip)
        .await
        .unwrap();
    let b = view.budget.expect("approved");
    let mut keys = vec![b.budget_ref.budget, b.budget_ref.vault];
    keys.extend(b.grants.iter().map(|(key, _)| *key));
    keys
}

async fn all_closed(a: &Awarded, keys: &[Pubkey]) -> bool {
    a.chain
        .accounts(keys)
        .await
        .unwrap()
        .iter()
        .all(Option::is_none)
}

#[tokio::test]
async fn test_cancel_stops_the_vendor_and_settle_gives_back_the_whole_deposit() {
    let a = awarded().await;
    let chain = &*a.chain;
    let sender = Sender::unjournaled(chain, SendPolicy::immediate());
    let wallet = OwnerWallet::new(chain, &sender, &a.owner, a.deployment());
    let usdc = a.deployment().token("USDC").unwrap().mint;
    let owner_usdc = pda::ata(&a.owner.pubkey(), &usdc, &anchor_spl::token::ID);
    let usdc_before = chain.token_balance(&owner_usdc).await.unwrap();
    let opened = budget_accounts(&a).await;

    let cancel = wallet.settlement(&a.plan, Scope::Cancel).await.unwrap();
    assert!(cancel.cancels);
    assert_eq!(
        (cancel.revokes.len(), cancel.closes.len(), cancel.refund),
        (1, 0, 0)
    );
    wallet.settle(&cancel).await.unwrap();
    let plan: Plan = chain.fetch(&a.plan).await.unwrap();
    assert!(matches!(plan.status, PlanStatus::Cancelled { .. }));

    // The vendor's broker finds nothing to do and nobody is paid.
    let broker = a.broker(chain, boxed(NoJournal), SendPolicy::immediate());
    let (outcome, executed) = broker.execute(&a.rfp().await).await.unwrap();
    assert!(
        executed.is_none() && !matches!(outcome, Outcome::Done(_)),
        "{outcome:?}"
    );
    let vendor_usdc = pda::ata(&a.vendor.pubkey(), &usdc, &anchor_spl::token::ID);
    assert_eq!(chain.token_balance(&vendor_usdc).await.unwrap(), 0);

    // Cancelling again has nothing left to do; settling closes everything.
    assert!(wallet
        .settlement(&a.plan, Scope::Cancel)
        .await
        .unwrap()
        .is_empty());
    let close_out = wallet.settlement(&a.plan, Scope::CloseOut).await.unwrap();
    assert_eq!((close_out.cancels, close_out.refund), (false, a.price));
    assert_eq!(close_out.closes.len(), 1);
    wallet.settle(&close_out).await.unwrap();
    assert_eq!(
        chain.token_balance(&owner_usdc).await.unwrap(),
        usdc_before + a.price
    );
    assert!(all_closed(&a, &opened).await);
    assert!(chain.account(&a.plan).await.unwrap().is_none());
}

#[tokio::test]
async fn test_settle_after_the_budget_expired_sweeps_it_first_then_closes_everything() {
    let a = awarded().await;
    let chain = &*a.chain;
    let sender = Sender::unjournaled(chain, SendPolicy::immediate());
    let wallet = OwnerWallet::new(chain, &sender, &a.owner, a.deployment());
    let usdc = a.deployment().token("USDC").unwrap().mint;
    let owner_usdc = pda::ata(&a.owner.pubkey(), &usdc, &anchor_spl::token::ID);
    let usdc_before = chain.token_balance(&owner_usdc).await.unwrap();
    let opened = budget_accounts(&a).await;
    // The approval was for a day.
    a.localnet.advance(chain, 86_400 + 1).await.unwrap();

    let close_out = wallet.settlement(&a.plan, Scope::CloseOut).await.unwrap();
    assert!(
        close_out.cancels && close_out.revokes.is_empty(),
        "{close_out:?}"
    );
    assert_eq!(close_out.refund, a.price);
    // cancel_plan, then the sweep (refund), before any grant is closed.
    let names: Vec<Pubkey> = close_out
        .instructions()
        .iter()
        .map(|ix| ix.program_id)
        .collect();
    assert_eq!(names[..2], [runner::ID, escrow::ID]);
    wallet.settle(&close_out).await.unwrap();
    assert_eq!(
        chain.token_balance(&owner_usdc).await.unwrap(),
        usdc_before + a.price
    );
    assert!(all_closed(&a, &opened).await);
    assert!(chain.account(&a.plan).await.unwrap().is_none());
}

#[tokio::test]
async fn test_settle_a_plan_never_approved_returns_its_rent() {
    let a = awarded().await;
    let chain = &*a.chain;
    let d = a.deployment();
    let sender = Sender::unjournaled(chain, SendPolicy::immediate());
    let wallet = OwnerWallet::new(chain, &sender, &a.owner, d);
    let lamports_before = chain.balance(&a.owner.pubkey()).await.unwrap();
    let goal = "Swap 1 SOL->USDC <=50 bps";
    let draft = flows::draft(chain, d, goal, &a.owner.pubkey(), &a.owner.pubkey())
        .await
        .unwrap();
    assert_ne!(draft.plan, a.plan, "a new plan id");
    let created = wallet.create(&draft).await.unwrap();

    let view = PlanView::load(chain, d, &draft.plan, Offers::Skip)
        .await
        .unwrap();
    assert!(view.budget.is_none() && view.steps.iter().all(|s| s.rfp.is_none()));
    let close_out = Settlement::of(&view).unwrap();
    assert_eq!(close_out.instructions().len(), 2, "cancel_plan, close_plan");
    let landed = wallet.settle(&close_out).await.unwrap();
    assert!(chain.account(&draft.plan).await.unwrap().is_none());
    let fees = 5_000 * (created.signatures + landed.iter().map(|l| l.signatures).sum::<usize>());
    assert_eq!(
        chain.balance(&a.owner.pubkey()).await.unwrap(),
        lamports_before - fees as u64,
        "only the transaction fees were spent"
    );
    // A closed plan's id is never handed out again.
    let next = flows::draft(chain, d, goal, &a.owner.pubkey(), &a.owner.pubkey())
        .await
        .unwrap();
    assert!(next.plan != draft.plan && next.plan != a.plan);
}
