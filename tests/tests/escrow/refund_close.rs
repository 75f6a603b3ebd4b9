//! refund, close_grant, close_budget (E-06..E-11, E-38, E-39, INV-4, L3, L7).
use agentrunner_client::{ix::escrow as ix, pda};
use agentrunner_tests::{
    context::landed,
    fixtures::{
        grant_args, issue_grant, setup_budget, vendor_account, BUDGET_DEPOSIT, BUDGET_LIFETIME_SECS,
    },
    TestContext,
};
use anchor_lang::error::ErrorCode;
use escrow::{
    error::EscrowError,
    state::{Budget, BudgetStatus},
};
use solana_signer::Signer;

#[tokio::test]
async fn test_refund_before_expiry_only_unreserved_by_payer() {
    let ctx = TestContext::new().await;
    let setup = setup_budget(&ctx).await;
    let vendor = vendor_account(&ctx, &setup).await;
    issue_grant(&ctx, &setup, &vendor, 600).await;
    let available = BUDGET_DEPOSIT - 600;
    let s = [&setup.payer];
    let refund = |amount| {
        [ix::refund(
            &setup.b,
            &setup.payer_token,
            &setup.payer.pubkey(),
            amount,
        )]
    };
    ctx.expect_error(
        &refund(available + 1),
        &s,
        EscrowError::InsufficientAvailable,
    )
    .await;
    ctx.expect_error(&refund(0), &s, EscrowError::InvalidAmount)
        .await;
    landed(ctx.send(&refund(available), &s).await);
    assert_eq!(
        ctx.chain.token_balance(&setup.payer_token).await.unwrap(),
        9 * BUDGET_DEPOSIT + available
    );
    assert_eq!(ctx.chain.token_balance(&setup.b.vault).await.unwrap(), 600);

    // A stranger cannot refund before expiry, even to the payer.
    let stranger = ctx.wallet().await;
    let ixs = [ix::refund(
        &setup.b,
        &setup.payer_token,
        &stranger.pubkey(),
        1,
    )];
    ctx.expect_error(&ixs, &[&stranger], EscrowError::BudgetNotExpired)
        .await;
    // The destination must be the payer's: E-11, the vault itself is refused as a duplicate
    // mutable account; a vendor's account is not the payer's.
    let ixs = [ix::refund(
        &setup.b,
        &setup.b.vault,
        &setup.payer.pubkey(),
        1,
    )];
    ctx.expect_error(&ixs, &s, ErrorCode::ConstraintDuplicateMutableAccount)
        .await;
    let ixs = [ix::refund(
        &setup.b,
        &vendor.token,
        &setup.payer.pubkey(),
        1,
    )];
    ctx.expect_error(&ixs, &s, EscrowError::RefundDestinationNotPayer)
        .await;
}

#[tokio::test]
async fn test_expired_budget_swept_by_third_party_reaches_only_payer() {
    // INV-4 / E-39: no vendor, oracle or keeper needed; any cranker can only send to the payer.
    let ctx = TestContext::new().await;
    let setup = setup_budget(&ctx).await;
    let vendor = vendor_account(&ctx, &setup).await;
    let grant = issue_grant(&ctx, &setup, &vendor, 700).await;
    landed(
        ctx.escrow()
            .redeem(&setup.b, &grant, &vendor.token, &vendor.owner, 200, [0; 32])
            .await,
    );
    // Someone sends 5 atoms straight to the vault: they go back to the payer too.
    ctx.chain
        .mint_to(&setup.b.mint, &setup.b.vault, 5)
        .await
        .unwrap();
    ctx.warp_seconds(BUDGET_LIFETIME_SECS).await;

    let cranker = ctx.wallet().await;
    let cranker_token = ctx
        .chain
        .ata(&cranker.pubkey(), &setup.b.mint)
        .await
        .unwrap();
    let ixs = [ix::refund(&setup.b, &cranker_token, &cranker.pubkey(), 0)];
    ctx.expect_error(&ixs, &[&cranker], EscrowError::RefundDestinationNotPayer)
        .await;
    landed(
        ctx.escrow()
            .refund(&setup.b, &setup.payer_token, &cranker, 0)
            .await,
    );

    let back = BUDGET_DEPOSIT - 200 + 5;
    assert_eq!(
        ctx.chain.token_balance(&setup.payer_token).await.unwrap(),
        9 * BUDGET_DEPOSIT + back
    );
    assert_eq!(ctx.chain.token_balance(&setup.b.vault).await.unwrap(), 0);
    assert_eq!(ctx.chain.token_balance(&vendor.token).await.unwrap(), 200);
    let budget: Budget = ctx.get(&setup.b.budget).await;
    assert_eq!(
        budget.status,
        BudgetStatus::Settled {
            at: ctx.now().await
        }
    );
    assert_eq!(
        (budget.reserved, budget.refunded, budget.deposited),
        (0, back, BUDGET_DEPOSIT + 5)
    );
    let ixs = [ix::refund(
        &setup.b,
        &setup.payer_token,
        &cranker.pubkey(),
        0,
    )];
    ctx.expect_error(&ixs, &[&cranker], EscrowError::BudgetSettled)
        .await;
}

#[tokio::test]
async fn test_close_grant_rules_and_no_resurrection() {
    let ctx = TestContext::new().await;
    let setup = setup_budget(&ctx).await;
    let vendor = vendor_account(&ctx, &setup).await;
    let grant = issue_grant(&ctx, &setup, &vendor, 300).await;
    let payer = setup.payer.pubkey();
    let close = [ix::close_grant(&setup.b.budget, &grant, &payer)];
    ctx.expect_error(&close, &[], EscrowError::GrantStillLive)
        .await;
    // E-38: rent can only go to the payer.
    let thief = ctx.wallet().await;
    ctx.expect_error(
        &[ix::close_grant(&setup.b.budget, &grant, &thief.pubkey())],
        &[],
        EscrowError::PayerMismatch,
    )
    .await;

    landed(
        ctx.escrow()
            .revoke_grant(&setup.b, &grant, &setup.payer)
            .await,
    );
    let rent = ctx.chain.balance(&grant).await.unwrap();
    let before = ctx.chain.balance(&payer).await.unwrap();
    landed(ctx.send(&close, &[]).await);
    assert_eq!(ctx.chain.balance(&payer).await.unwrap(), before + rent);
    assert!(ctx.chain.account(&grant).await.unwrap().is_none());
    let budget: Budget = ctx.get(&setup.b.budget).await;
    assert_eq!(
        (budget.open_grants, budget.grant_count, budget.reserved),
        (0, 1, 0)
    );

    // E-06/E-07: the closed index is never issued again; redeeming it finds no account.
    let now = ctx.now().await;
    let reissue = [ix::issue_grant(
        &setup.b.budget,
        &payer,
        0,
        &vendor.token,
        grant_args(vendor.owner.pubkey(), 1, now, setup.expires_at),
    )];
    ctx.expect_error(&reissue, &[&setup.payer], ErrorCode::ConstraintSeeds)
        .await;
    let redeem = [ix::redeem(
        &setup.b,
        &grant,
        &vendor.token,
        &vendor.owner.pubkey(),
        1,
        [0; 32],
    )];
    ctx.expect_error(&redeem, &[&vendor.owner], ErrorCode::AccountNotInitialized)
        .await;
    let next = issue_grant(&ctx, &setup, &vendor, 10).await;
    assert_eq!(next, pda::grant(&setup.b.budget, 1).0);
}

#[tokio::test]
async fn test_close_expired_grant_releases_reservation() {
    let ctx = TestContext::new().await;
    let setup = setup_budget(&ctx).await;
    let vendor = vendor_account(&ctx, &setup).await;
    let now = ctx.now().await;
    let args = grant_args(vendor.owner.pubkey(), 300, now, now + 60);
    landed(
        ctx.escrow()
            .issue_grant(&setup.b, &setup.payer, 0, &vendor.token, args)
            .await,
    );
    let grant = pda::grant(&setup.b.budget, 0).0;
    landed(
        ctx.escrow()
            .redeem(&setup.b, &grant, &vendor.token, &vendor.owner, 100, [0; 32])
            .await,
    );
    ctx.warp_seconds(60).await;
    landed(
        ctx.escrow()
            .close_grant(&setup.b, &grant, &setup.payer.pubkey())
            .await,
    );
    let budget: Budget = ctx.get(&setup.b.budget).await;
    assert_eq!(budget.reserved, 0);
    assert_eq!(budget.available().unwrap(), BUDGET_DEPOSIT - 100);
}

#[tokio::test]
async fn test_close_budget_rules_and_rent_return() {
    let ctx = TestContext::new().await;
    let setup = setup_budget(&ctx).await;
    let vendor = vendor_account(&ctx, &setup).await;
    let grant = issue_grant(&ctx, &setup, &vendor, 100).await;
    let payer = setup.payer.pubkey();
    let close = [ix::close_budget(&setup.b, &payer, &payer)];
    ctx.expect_error(&close, &[&setup.payer], EscrowError::GrantsStillOpen)
        .await;
    landed(
        ctx.escrow()
            .revoke_grant(&setup.b, &grant, &setup.payer)
            .await,
    );
    landed(ctx.escrow().close_grant(&setup.b, &grant, &payer).await);
    ctx.expect_error(&close, &[&setup.payer], EscrowError::BudgetHoldsFunds)
        .await;
    landed(
        ctx.escrow()
            .refund(&setup.b, &setup.payer_token, &setup.payer, BUDGET_DEPOSIT)
            .await,
    );
    let stranger = ctx.wallet().await;
    ctx.expect_error(
        &[ix::close_budget(&setup.b, &payer, &stranger.pubkey())],
        &[&stranger],
        EscrowError::BudgetNotExpired,
    )
    .await;
    // Rent and any surplus to the stranger instead (its account named as the destination).
    let mut redirected = ix::close_budget(&setup.b, &stranger.pubkey(), &payer);
    let destination = redirected.accounts.len() - 3;
    redirected.accounts[destination].pubkey = setup.payer_token;
    ctx.expect_error(&[redirected], &[&setup.payer], EscrowError::PayerMismatch)
        .await;

    let rent = ctx.chain.balance(&setup.b.budget).await.unwrap()
        + ctx.chain.balance(&setup.b.vault).await.unwrap();
    let before = ctx.chain.balance(&payer).await.unwrap();
    landed(ctx.send(&close, &[&setup.payer]).await);
    // The payer signed but the chain payer paid the fee: the payer gets back exactly the rent.
    assert_eq!(ctx.chain.balance(&payer).await.unwrap(), before + rent);
    assert!(ctx.chain.account(&setup.b.budget).await.unwrap().is_none());
    assert!(ctx.chain.account(&setup.b.vault).await.unwrap().is_none());
    // E-09: a closed budget cannot be used.
    let ixs = [ix::top_up(&setup.b, &payer, &setup.payer_token, 1)];
    ctx.expect_error(&ixs, &[&setup.payer], ErrorCode::AccountNotInitialized)
        .await;
}

#[tokio::test]
async fn test_anyone_closes_after_expiry_and_rent_goes_to_payer() {
    let ctx = TestContext::new().await;
    let setup = setup_budget(&ctx).await;
    let vendor = vendor_account(&ctx, &setup).await;
    let grant = issue_grant(&ctx, &setup, &vendor, 100).await;
    ctx.warp_seconds(BUDGET_LIFETIME_SECS).await;
    let cranker = ctx.wallet().await;
    let payer = setup.payer.pubkey();
    let before = ctx.chain.balance(&payer).await.unwrap();
    let rent = ctx.chain.balance(&setup.b.budget).await.unwrap()
        + ctx.chain.balance(&setup.b.vault).await.unwrap()
        + ctx.chain.balance(&grant).await.unwrap();
    landed(
        ctx.escrow()
            .refund(&setup.b, &setup.payer_token, &cranker, 0)
            .await,
    );
    landed(ctx.escrow().close_grant(&setup.b, &grant, &payer).await);
    landed(ctx.escrow().close_budget(&setup.b, &payer, &cranker).await);
    assert_eq!(ctx.chain.balance(&payer).await.unwrap(), before + rent);
    assert_eq!(
        ctx.chain.token_balance(&setup.payer_token).await.unwrap(),
        10 * BUDGET_DEPOSIT
    );
}

/// L3: a one-atom donation to a settled budget's vault once blocked closing it for ever; now the
/// close sweeps it to the payer, and refuses only when there is nowhere to sweep it.
#[tokio::test]
async fn adversary_l3_donation_cannot_keep_a_budget_open() {
    let ctx = TestContext::new().await;
    let setup = setup_budget(&ctx).await;
    let payer = setup.payer.pubkey();
    landed(
        ctx.escrow()
            .refund(&setup.b, &setup.payer_token, &setup.payer, BUDGET_DEPOSIT)
            .await,
    );
    // The attack: an atom sent straight to the vault.
    ctx.chain
        .mint_to(&setup.b.mint, &setup.b.vault, 1)
        .await
        .unwrap();
    let mut without_destination = ix::close_budget(&setup.b, &payer, &payer);
    // An absent optional account is named by the program id.
    let slot = without_destination.accounts.len() - 3;
    without_destination.accounts[slot].pubkey = escrow::ID;
    without_destination.accounts[slot].is_writable = false;
    ctx.expect_error(
        &[without_destination],
        &[&setup.payer],
        EscrowError::SurplusDestinationMissing,
    )
    .await;
    let before = ctx.chain.token_balance(&setup.payer_token).await.unwrap();
    landed(
        ctx.send(
            &[ix::close_budget(&setup.b, &payer, &payer)],
            &[&setup.payer],
        )
        .await,
    );
    assert!(ctx.chain.account(&setup.b.budget).await.unwrap().is_none());
    assert_eq!(
        ctx.chain.token_balance(&setup.payer_token).await.unwrap(),
        before + 1
    );
}

/// L7: a budget closed and reopened under the same id once reissued grant index 0 at the same
/// address. Each budget now takes a fresh block of indexes from the payer's grant counter, so
/// a grant address is never used twice and an old grant's state can never be confused with a
/// new one's.
#[tokio::test]
async fn adversary_l7_reopened_budget_never_reuses_a_grant_address() {
    let ctx = TestContext::new().await;
    let setup = setup_budget(&ctx).await;
    let vendor = vendor_account(&ctx, &setup).await;
    let payer = setup.payer.pubkey();
    let first = issue_grant(&ctx, &setup, &vendor, 100).await;
    assert_eq!(first, pda::grant(&setup.b.budget, 0).0);
    landed(
        ctx.escrow()
            .revoke_grant(&setup.b, &first, &setup.payer)
            .await,
    );
    landed(ctx.escrow().close_grant(&setup.b, &first, &payer).await);
    landed(
        ctx.escrow()
            .refund(&setup.b, &setup.payer_token, &setup.payer, BUDGET_DEPOSIT)
            .await,
    );
    landed(
        ctx.escrow()
            .close_budget(&setup.b, &payer, &setup.payer)
            .await,
    );

    // Reopened under the same id: same budget address, a new block of grant indexes.
    let args = escrow::instructions::OpenBudgetArgs {
        id: setup.id,
        amount: BUDGET_DEPOSIT,
        expires_at: setup.expires_at,
    };
    landed(
        ctx.escrow()
            .open_budget(&setup.b, &setup.payer, &setup.payer_token, args)
            .await,
    );
    let budget: Budget = ctx.get(&setup.b.budget).await;
    assert_eq!(
        (budget.grant_base, budget.grant_count),
        (escrow::constants::GRANTS_PER_BUDGET, 0)
    );
    // Index 0 is refused (the seeds the budget expects are its own block's).
    let now = ctx.now().await;
    let stale = [ix::issue_grant(
        &setup.b.budget,
        &payer,
        0,
        &vendor.token,
        grant_args(vendor.owner.pubkey(), 1, now, setup.expires_at),
    )];
    ctx.expect_error(&stale, &[&setup.payer], ErrorCode::ConstraintSeeds)
        .await;
    let second = issue_grant(&ctx, &setup, &vendor, 100).await;
    assert_ne!(second, first);
    assert_eq!(
        second,
        pda::grant(&setup.b.budget, escrow::constants::GRANTS_PER_BUDGET).0
    );
    let counter: escrow::state::GrantCounter = ctx.get(&pda::grant_counter(&payer).0).await;
    assert_eq!(counter.next_base, 2 * escrow::constants::GRANTS_PER_BUDGET);
}
