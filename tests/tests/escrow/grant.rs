//! issue_grant and revoke_grant (E-07, E-10, E-13, E-38 scope).
use agentrunner_client::{ix::escrow as ix, pda};
use agentrunner_tests::{
    context::landed,
    fixtures::{grant_args, issue_grant, setup_budget, vendor_account, BUDGET_DEPOSIT},
    TestContext,
};
use anchor_lang::prelude::Pubkey;
use escrow::{
    error::EscrowError,
    state::{Budget, Grant, GrantStatus},
};
use solana_signer::Signer;

#[tokio::test]
async fn test_issue_grant_ok_many_in_one_transaction() {
    let ctx = TestContext::new().await;
    let setup = setup_budget(&ctx).await;
    let vendors = [
        vendor_account(&ctx, &setup).await,
        vendor_account(&ctx, &setup).await,
        vendor_account(&ctx, &setup).await,
    ];
    let now = ctx.now().await;
    let ixs: Vec<_> = vendors
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let mut args = grant_args(
                v.owner.pubkey(),
                100 * (i as u64 + 1),
                now,
                setup.expires_at,
            );
            args.step = i as u16;
            ix::issue_grant(
                &setup.b.budget,
                &setup.payer.pubkey(),
                i as u32,
                &v.token,
                args,
            )
        })
        .collect();
    landed(ctx.send(&ixs, &[&setup.payer]).await);
    let budget: Budget = ctx.get(&setup.b.budget).await;
    assert_eq!(budget.grant_count, 3);
    assert_eq!(budget.open_grants, 3);
    assert_eq!(budget.reserved, 600);
    let clock = ctx.chain.clock().await.unwrap();
    for (i, vendor) in vendors.iter().enumerate() {
        let (address, bump) = pda::grant(&setup.b.budget, i as u32);
        let grant: Grant = ctx.get(&address).await;
        assert_eq!(grant.budget, setup.b.budget);
        assert_eq!(grant.index, i as u32);
        assert_eq!(grant.vendor, vendor.token);
        assert_eq!(grant.redeemer, vendor.owner.pubkey());
        assert_eq!(grant.step, i as u16);
        assert_eq!(grant.max_amount, 100 * (i as u64 + 1));
        assert_eq!(grant.redeemed, 0);
        assert_eq!(grant.status, GrantStatus::Active);
        assert_eq!(grant.issued_slot, clock.slot);
        assert_eq!(grant.bump, bump);
    }
}

#[tokio::test]
async fn test_issue_grant_rejections() {
    let ctx = TestContext::new().await;
    let setup = setup_budget(&ctx).await;
    let vendor = vendor_account(&ctx, &setup).await;
    let payer = setup.payer.pubkey();
    let now = ctx.now().await;
    let redeemer = vendor.owner.pubkey();
    let issue = |args| {
        [ix::issue_grant(
            &setup.b.budget,
            &payer,
            0,
            &vendor.token,
            args,
        )]
    };
    let s = [&setup.payer];

    ctx.expect_error(
        &issue(grant_args(
            redeemer,
            BUDGET_DEPOSIT + 1,
            now,
            setup.expires_at,
        )),
        &s,
        EscrowError::InsufficientAvailable,
    )
    .await;
    ctx.expect_error(
        &issue(grant_args(redeemer, 0, now, setup.expires_at)),
        &s,
        EscrowError::InvalidAmount,
    )
    .await;
    ctx.expect_error(
        &issue(grant_args(Pubkey::default(), 1, now, setup.expires_at)),
        &s,
        EscrowError::InvalidKey,
    )
    .await;
    ctx.expect_error(
        &issue(grant_args(redeemer, 1, now, now)),
        &s,
        EscrowError::InvalidWindow,
    )
    .await;
    ctx.expect_error(
        &issue(grant_args(redeemer, 1, now + 10, now + 10)),
        &s,
        EscrowError::InvalidWindow,
    )
    .await;
    ctx.expect_error(
        &issue(grant_args(redeemer, 1, now, setup.expires_at + 1)),
        &s,
        EscrowError::InvalidWindow,
    )
    .await;

    // The vendor account must hold the budget's mint and must not be the vault (E-10).
    let other_mint = ctx.chain.create_mint(6).await.unwrap();
    let wrong = ctx
        .chain
        .ata(&vendor.owner.pubkey(), &other_mint)
        .await
        .unwrap();
    let ixs = [ix::issue_grant(
        &setup.b.budget,
        &payer,
        0,
        &wrong,
        grant_args(redeemer, 1, now, setup.expires_at),
    )];
    ctx.expect_error(&ixs, &s, EscrowError::InvalidVendorAccount)
        .await;
    let ixs = [ix::issue_grant(
        &setup.b.budget,
        &payer,
        0,
        &setup.b.vault,
        grant_args(redeemer, 1, now, setup.expires_at),
    )];
    ctx.expect_error(&ixs, &s, EscrowError::InvalidVendorAccount)
        .await;

    // Only the payer issues.
    let stranger = ctx.wallet().await;
    let ixs = [ix::issue_grant(
        &setup.b.budget,
        &stranger.pubkey(),
        0,
        &vendor.token,
        grant_args(redeemer, 1, now, setup.expires_at),
    )];
    ctx.expect_error(&ixs, &[&stranger], EscrowError::Unauthorized)
        .await;
    // An index other than grant_count does not match the PDA seeds.
    let ixs = [ix::issue_grant(
        &setup.b.budget,
        &payer,
        7,
        &vendor.token,
        grant_args(redeemer, 1, now, setup.expires_at),
    )];
    ctx.expect_error(&ixs, &s, anchor_lang::error::ErrorCode::ConstraintSeeds)
        .await;

    // Exactly the available amount is accepted.
    let ixs = issue(grant_args(redeemer, BUDGET_DEPOSIT, now, setup.expires_at));
    landed(ctx.send(&ixs, &s).await);
}

#[tokio::test]
async fn test_revoke_grant_releases_and_is_final() {
    let ctx = TestContext::new().await;
    let setup = setup_budget(&ctx).await;
    let vendor = vendor_account(&ctx, &setup).await;
    let grant = issue_grant(&ctx, &setup, &vendor, 400).await;
    landed(
        ctx.escrow()
            .redeem(&setup.b, &grant, &vendor.token, &vendor.owner, 150, [1; 32])
            .await,
    );
    assert_eq!(ctx.get::<Budget>(&setup.b.budget).await.reserved, 250);

    let stranger = ctx.wallet().await;
    let ixs = [ix::revoke_grant(
        &setup.b.budget,
        &grant,
        &stranger.pubkey(),
    )];
    ctx.expect_error(&ixs, &[&stranger], EscrowError::Unauthorized)
        .await;
    // The vendor cannot revoke its own grant to free the payer's money either.
    let ixs = [ix::revoke_grant(
        &setup.b.budget,
        &grant,
        &vendor.owner.pubkey(),
    )];
    ctx.expect_error(&ixs, &[&vendor.owner], EscrowError::Unauthorized)
        .await;

    landed(
        ctx.escrow()
            .revoke_grant(&setup.b, &grant, &setup.payer)
            .await,
    );
    let budget: Budget = ctx.get(&setup.b.budget).await;
    assert_eq!(budget.reserved, 0);
    assert_eq!(budget.available().unwrap(), BUDGET_DEPOSIT - 150);
    let g: Grant = ctx.get(&grant).await;
    assert_eq!(
        g.status,
        GrantStatus::Revoked {
            at: ctx.now().await
        }
    );
    let ixs = [ix::revoke_grant(
        &setup.b.budget,
        &grant,
        &setup.payer.pubkey(),
    )];
    ctx.expect_error(&ixs, &[&setup.payer], EscrowError::GrantRevoked)
        .await;
}

/// The batch of one plan's grants: the same grants `issue_grant` would make, one by one, and
/// every account slot mutated one way at a time fails with its exact error.
#[tokio::test]
async fn test_issue_grants_batch_equals_single_grants_and_checks_every_account() {
    use agentrunner_tests::mutation::{run_matrix, SlotKind::*};
    use escrow::instructions::{GrantSpec, IssueGrantsArgs};

    let ctx = TestContext::new().await;
    let setup = setup_budget(&ctx).await;
    let vendors = [
        vendor_account(&ctx, &setup).await,
        vendor_account(&ctx, &setup).await,
    ];
    let now = ctx.now().await;
    let payer = setup.payer.pubkey();
    // Grant 0 the single way, grants 1 and 2 in one batch with the same terms as grant 0.
    let single = grant_args(payer, 100, now, setup.expires_at);
    landed(
        ctx.send(
            &[ix::issue_grant(
                &setup.b.budget,
                &payer,
                0,
                &vendors[0].token,
                single,
            )],
            &[&setup.payer],
        )
        .await,
    );
    let batch = |specs: Vec<GrantSpec>| IssueGrantsArgs {
        redeemer: single.redeemer,
        plan: single.plan,
        not_before: single.not_before,
        expires_at: single.expires_at,
        grants: specs,
    };
    let spec = |step: u16, max_amount: u64| GrantSpec {
        step,
        offer_hash: single.offer_hash,
        max_amount,
    };
    let tokens = [vendors[0].token, vendors[1].token];
    let base = ix::issue_grants(
        &setup.b.budget,
        &payer,
        1,
        &tokens,
        batch(vec![spec(0, 100), spec(1, 200)]),
    );
    // A batch naming grant addresses out of order, or too few accounts, changes nothing.
    let mut swapped = base.clone();
    let n = swapped.accounts.len();
    swapped.accounts.swap(n - 4, n - 2);
    ctx.expect_error(
        &[swapped],
        &[&setup.payer],
        EscrowError::InvalidGrantAccounts,
    )
    .await;
    let mut short = base.clone();
    short.accounts.pop();
    ctx.expect_error(&[short], &[&setup.payer], EscrowError::InvalidGrantAccounts)
        .await;
    let slots = [
        Account {
            mutable: true,
            cosplay: None,
        },
        Signer { mutable: true },
        Program,
        EventAuthority,
        EventProgram,
        KeyAsData {
            error: EscrowError::InvalidGrantAccounts.into(),
        },
        Token {
            mutable: false,
            cosplay: Some(setup.b.mint),
        },
        KeyAsData {
            error: EscrowError::InvalidGrantAccounts.into(),
        },
        Token {
            mutable: false,
            cosplay: Some(setup.b.mint),
        },
    ];
    run_matrix(&ctx, &base, &[&setup.payer], &slots).await;
    // The batch's first grant is byte-for-byte the single grant but for its index, address,
    // slot and bump.
    let first: Grant = ctx.get(&pda::grant(&setup.b.budget, 0).0).await;
    let batched: Grant = ctx.get(&pda::grant(&setup.b.budget, 1).0).await;
    let bytes = |g: &Grant| anchor_lang::prelude::borsh::to_vec(g).unwrap();
    assert_eq!(
        bytes(&Grant {
            index: 0,
            issued_slot: first.issued_slot,
            bump: first.bump,
            ..batched
        }),
        bytes(&first)
    );
    let second: Grant = ctx.get(&pda::grant(&setup.b.budget, 2).0).await;
    assert_eq!(
        (second.step, second.max_amount, second.vendor),
        (1, 200, vendors[1].token)
    );
    let budget: Budget = ctx.get(&setup.b.budget).await;
    assert_eq!((budget.grant_count, budget.reserved), (3, 400));
}
