//! redeem (E-14..E-16, E-20..E-25, E-30).
use agentrunner_client::{events::decode_event, ix::escrow as ix, ix::escrow::BudgetRef};
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
    events::GrantRedeemed,
    state::{Budget, Grant},
};
use solana_signer::Signer;

#[tokio::test]
async fn test_redeem_ok_moves_exactly_the_amount() {
    let ctx = TestContext::new().await;
    let setup = setup_budget(&ctx).await;
    let vendor = vendor_account(&ctx, &setup).await;
    let grant = issue_grant(&ctx, &setup, &vendor, 500).await;
    let ixs = [ix::redeem(
        &setup.b,
        &grant,
        &vendor.token,
        &vendor.owner.pubkey(),
        120,
        [9; 32],
    )];
    let traced = ctx.chain.send_traced(&ixs, &[&vendor.owner]).await.unwrap();

    assert_eq!(ctx.chain.token_balance(&vendor.token).await.unwrap(), 120);
    assert_eq!(
        ctx.chain.token_balance(&setup.b.vault).await.unwrap(),
        BUDGET_DEPOSIT - 120
    );
    let g: Grant = ctx.get(&grant).await;
    assert_eq!(
        (g.redeemed, g.redemptions, g.last_receipt_hash),
        (120, 1, [9; 32])
    );
    let budget: Budget = ctx.get(&setup.b.budget).await;
    assert_eq!((budget.redeemed, budget.reserved), (120, 380));
    // E-30: the event reports what the balances show.
    let events: Vec<GrantRedeemed> = traced
        .cpis()
        .filter_map(|c| decode_event(&escrow::ID, &c.program_id, &c.accounts, &c.data))
        .collect();
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(
        (e.amount, e.grant_redeemed_before, e.grant_redeemed_after),
        (120, 0, 120)
    );
    assert_eq!(
        (e.budget_redeemed_before, e.budget_redeemed_after),
        (0, 120)
    );
    assert_eq!(e.receipt_hash, [9; 32]);
}

#[tokio::test]
async fn test_redeem_scope_rejections() {
    let ctx = TestContext::new().await;
    let setup = setup_budget(&ctx).await;
    let a = vendor_account(&ctx, &setup).await;
    let b = vendor_account(&ctx, &setup).await;
    let grant = issue_grant(&ctx, &setup, &a, 500).await;
    let redeem = |token, redeemer: &solana_keypair::Keypair, amount| {
        [ix::redeem(
            &setup.b,
            &grant,
            token,
            &redeemer.pubkey(),
            amount,
            [0; 32],
        )]
    };
    // E-22 over the limit; zero.
    ctx.expect_error(
        &redeem(&a.token, &a.owner, 501),
        &[&a.owner],
        EscrowError::SpendLimitExceeded,
    )
    .await;
    ctx.expect_error(
        &redeem(&a.token, &a.owner, 0),
        &[&a.owner],
        EscrowError::InvalidAmount,
    )
    .await;
    // E-24 vendor B redeems vendor A's grant (to itself, or to A).
    ctx.expect_error(
        &redeem(&b.token, &b.owner, 10),
        &[&b.owner],
        EscrowError::VendorAccountMismatch,
    )
    .await;
    ctx.expect_error(
        &redeem(&a.token, &b.owner, 10),
        &[&b.owner],
        EscrowError::Unauthorized,
    )
    .await;
    // The payer cannot redeem its own grant to a vendor either.
    ctx.expect_error(
        &redeem(&a.token, &setup.payer, 10),
        &[&setup.payer],
        EscrowError::Unauthorized,
    )
    .await;
    // E-16 destination that is not the grant's vendor account (attacker's account of the right mint).
    ctx.expect_error(
        &redeem(&setup.payer_token, &a.owner, 10),
        &[&a.owner],
        EscrowError::VendorAccountMismatch,
    )
    .await;
    // Exactly the limit is accepted, and nothing after it.
    landed(
        ctx.send(&redeem(&a.token, &a.owner, 500), &[&a.owner])
            .await,
    );
    ctx.expect_error(
        &redeem(&a.token, &a.owner, 1),
        &[&a.owner],
        EscrowError::SpendLimitExceeded,
    )
    .await;
}

#[tokio::test]
async fn test_redeem_window_boundary_triplets() {
    // E-20/E-21: valid only in [not_before, expires_at).
    let ctx = TestContext::new().await;
    let setup = setup_budget(&ctx).await;
    let vendor = vendor_account(&ctx, &setup).await;
    let now = ctx.now().await;
    let (not_before, expires_at) = (now + 100, now + 200);
    let args = grant_args(vendor.owner.pubkey(), 1_000, not_before, expires_at);
    landed(
        ctx.escrow()
            .issue_grant(&setup.b, &setup.payer, 0, &vendor.token, args)
            .await,
    );
    let grant = agentrunner_tests::clients::escrow::grant_address(&setup.b, 0);
    let attempt = |n: u8| {
        [ix::redeem(
            &setup.b,
            &grant,
            &vendor.token,
            &vendor.owner.pubkey(),
            1,
            [n; 32],
        )]
    };
    let s = [&vendor.owner];

    ctx.warp_seconds(not_before - 1 - ctx.now().await).await;
    ctx.expect_error(&attempt(1), &s, EscrowError::GrantNotYetValid)
        .await;
    ctx.warp_seconds(1).await;
    landed(ctx.send(&attempt(2), &s).await);
    ctx.warp_seconds(1).await;
    landed(ctx.send(&attempt(3), &s).await);

    ctx.warp_seconds(expires_at - 1 - ctx.now().await).await;
    landed(ctx.send(&attempt(4), &s).await);
    ctx.warp_seconds(1).await;
    ctx.expect_error(&attempt(5), &s, EscrowError::GrantExpired)
        .await;
    ctx.warp_seconds(1).await;
    ctx.expect_error(&attempt(6), &s, EscrowError::GrantExpired)
        .await;
    assert_eq!(ctx.chain.token_balance(&vendor.token).await.unwrap(), 3);
}

#[tokio::test]
async fn test_redeem_after_revoke_and_after_budget_expiry() {
    let ctx = TestContext::new().await;
    let setup = setup_budget(&ctx).await;
    let vendor = vendor_account(&ctx, &setup).await;
    let first = issue_grant(&ctx, &setup, &vendor, 100).await;
    let second = issue_grant(&ctx, &setup, &vendor, 100).await;
    // E-25: revoked, then redeemed in a later transaction.
    landed(
        ctx.escrow()
            .revoke_grant(&setup.b, &first, &setup.payer)
            .await,
    );
    let ixs = [ix::redeem(
        &setup.b,
        &first,
        &vendor.token,
        &vendor.owner.pubkey(),
        1,
        [0; 32],
    )];
    ctx.expect_error(&ixs, &[&vendor.owner], EscrowError::GrantRevoked)
        .await;
    // Revoke and redeem in one transaction: the order decides, with no partial state.
    let both = [
        ix::revoke_grant(&setup.b.budget, &second, &setup.payer.pubkey()),
        ix::redeem(
            &setup.b,
            &second,
            &vendor.token,
            &vendor.owner.pubkey(),
            1,
            [0; 32],
        ),
    ];
    ctx.expect_error(
        &both,
        &[&setup.payer, &vendor.owner],
        EscrowError::GrantRevoked,
    )
    .await;
    // Past the budget's expiry nothing is redeemable.
    ctx.warp_seconds(BUDGET_LIFETIME_SECS).await;
    let ixs = [ix::redeem(
        &setup.b,
        &second,
        &vendor.token,
        &vendor.owner.pubkey(),
        1,
        [0; 32],
    )];
    ctx.expect_error(&ixs, &[&vendor.owner], EscrowError::BudgetExpired)
        .await;
}

#[tokio::test]
async fn test_redeem_cross_budget_and_fake_programs() {
    let ctx = TestContext::new().await;
    let one = setup_budget(&ctx).await;
    let two = setup_budget(&ctx).await;
    let vendor = vendor_account(&ctx, &one).await;
    let grant = issue_grant(&ctx, &one, &vendor, 100).await;
    // A grant of budget one cannot drain budget two's vault (M4).
    let ixs = [ix::redeem(
        &two.b,
        &grant,
        &vendor.token,
        &vendor.owner.pubkey(),
        1,
        [0; 32],
    )];
    ctx.expect_error(&ixs, &[&vendor.owner], EscrowError::GrantBudgetMismatch)
        .await;
    // Budget one with budget two's vault.
    let mixed = BudgetRef {
        vault: two.b.vault,
        ..one.b
    };
    let ixs = [ix::redeem(
        &mixed,
        &grant,
        &vendor.token,
        &vendor.owner.pubkey(),
        1,
        [0; 32],
    )];
    ctx.expect_error(&ixs, &[&vendor.owner], EscrowError::VaultMismatch)
        .await;
    // E-14: Token-2022 in place of the budget's SPL Token program; a non-token program.
    let t22 = BudgetRef {
        token_program: anchor_spl::token_2022::ID,
        ..one.b
    };
    let ixs = [ix::redeem(
        &t22,
        &grant,
        &vendor.token,
        &vendor.owner.pubkey(),
        1,
        [0; 32],
    )];
    ctx.expect_error(&ixs, &[&vendor.owner], EscrowError::TokenProgramMismatch)
        .await;
    let fake = BudgetRef {
        token_program: escrow::ID,
        ..one.b
    };
    let ixs = [ix::redeem(
        &fake,
        &grant,
        &vendor.token,
        &vendor.owner.pubkey(),
        1,
        [0; 32],
    )];
    ctx.expect_error(&ixs, &[&vendor.owner], ErrorCode::InvalidProgramId)
        .await;
}
