//! open_budget, top_up, set_session_key (E-05, E-12, E-13, E-17, E-37).
use agentrunner_client::{ix::escrow as ix, ix::escrow::BudgetRef, pda};
use agentrunner_tests::{
    context::landed,
    fixtures::{setup_budget, BUDGET_DEPOSIT, BUDGET_LIFETIME_SECS},
    TestContext,
};
use anchor_lang::prelude::Pubkey;
use escrow::{
    constants::MAX_BUDGET_DURATION_SECS,
    error::EscrowError,
    instructions::OpenBudgetArgs,
    state::{Budget, BudgetStatus},
};
use solana_signer::Signer;

#[tokio::test]
async fn test_open_budget_ok() {
    let ctx = TestContext::new().await;
    let setup = setup_budget(&ctx).await;
    let budget: Budget = ctx.get(&setup.b.budget).await;
    assert_eq!(budget.payer, setup.payer.pubkey());
    assert_eq!(budget.mint, setup.b.mint);
    assert_eq!(budget.token_program, anchor_spl::token::ID);
    assert_eq!(budget.vault, setup.b.vault);
    assert_eq!(budget.deposited, BUDGET_DEPOSIT);
    assert_eq!(
        (budget.reserved, budget.redeemed, budget.refunded),
        (0, 0, 0)
    );
    assert_eq!(budget.status, BudgetStatus::Open);
    assert_eq!(budget.expires_at, setup.expires_at);
    assert_eq!(budget.bump, pda::budget(&setup.payer.pubkey(), &setup.id).1);
    assert_eq!(budget.vault_bump, pda::vault(&setup.b.budget).1);
    // E-17: the vault was created by the program, owned by the budget PDA, with no delegate or
    // close authority.
    let vault = ctx.chain.token_account(&setup.b.vault).await.unwrap();
    assert_eq!(vault.owner, setup.b.budget);
    assert_eq!(vault.amount, BUDGET_DEPOSIT);
    assert!(vault.delegate.is_none() && vault.close_authority.is_none());
    assert_eq!(
        ctx.chain.token_balance(&setup.payer_token).await.unwrap(),
        9 * BUDGET_DEPOSIT
    );
}

#[tokio::test]
async fn test_open_budget_rejections() {
    let ctx = TestContext::new().await;
    let setup = setup_budget(&ctx).await;
    let payer = setup.payer.pubkey();
    let now = ctx.now().await;
    let fresh = |amount: u64, expires_at: i64| {
        let id = Pubkey::new_unique().to_bytes();
        let b = BudgetRef::new(&payer, &id, setup.b.mint, setup.b.token_program);
        [ix::open_budget(
            &b,
            &payer,
            &setup.payer_token,
            OpenBudgetArgs {
                id,
                amount,
                expires_at,
            },
        )]
    };
    let signers = [&setup.payer];
    ctx.expect_error(&fresh(0, now + 60), &signers, EscrowError::InvalidAmount)
        .await;
    ctx.expect_error(&fresh(1, now), &signers, EscrowError::InvalidExpiry)
        .await;
    ctx.expect_error(
        &fresh(1, now + MAX_BUDGET_DURATION_SECS + 1),
        &signers,
        EscrowError::InvalidExpiry,
    )
    .await;
    landed(
        ctx.send(&fresh(1, now + MAX_BUDGET_DURATION_SECS), &signers)
            .await,
    );
    // More than the payer holds: SPL Token's own InsufficientFunds (1).
    ctx.expect_error(&fresh(10 * BUDGET_DEPOSIT, now + 60), &signers, 1u32)
        .await;
    // E-05: a second budget with the same (payer, id) cannot reset the first.
    let again = [ix::open_budget(
        &setup.b,
        &payer,
        &setup.payer_token,
        OpenBudgetArgs {
            id: setup.id,
            amount: 5,
            expires_at: now + 60,
        },
    )];
    ctx.expect_error(&again, &signers, 0u32).await;
}

#[tokio::test]
async fn test_open_budget_prefunded_addresses() {
    // E-37: a griefer funds the predictable budget and vault addresses first.
    let ctx = TestContext::new().await;
    let setup = setup_budget(&ctx).await;
    let id = [42u8; 32];
    let b = BudgetRef::new(
        &setup.payer.pubkey(),
        &id,
        setup.b.mint,
        setup.b.token_program,
    );
    let lamports = ctx.chain.rent().minimum_balance(0);
    ctx.chain.fund(&b.budget, lamports).await.unwrap();
    ctx.chain.fund(&b.vault, lamports).await.unwrap();
    let args = OpenBudgetArgs {
        id,
        amount: 10,
        expires_at: ctx.now().await + 60,
    };
    landed(
        ctx.escrow()
            .open_budget(&b, &setup.payer, &setup.payer_token, args)
            .await,
    );
    assert_eq!(ctx.chain.token_balance(&b.vault).await.unwrap(), 10);
    let budget: Budget = ctx.get(&b.budget).await;
    assert_eq!(budget.deposited, 10);
}

#[tokio::test]
async fn test_every_budget_gets_its_own_vault() {
    // E-13: vault PDAs include the budget, so no two budgets (same payer and mint) share one.
    let payer = Pubkey::new_unique();
    let mint = Pubkey::new_unique();
    let mut vaults = std::collections::HashSet::new();
    for n in 0u8..200 {
        let b = BudgetRef::new(&payer, &[n; 32], mint, anchor_spl::token::ID);
        assert!(vaults.insert(b.vault));
        assert_ne!(b.vault, b.budget);
    }
}

#[tokio::test]
async fn test_top_up_ok_and_rejections() {
    let ctx = TestContext::new().await;
    let setup = setup_budget(&ctx).await;
    landed(
        ctx.escrow()
            .top_up(&setup.b, &setup.payer, &setup.payer_token, 250)
            .await,
    );
    let budget: Budget = ctx.get(&setup.b.budget).await;
    assert_eq!(budget.deposited, BUDGET_DEPOSIT + 250);
    assert_eq!(
        ctx.chain.token_balance(&setup.b.vault).await.unwrap(),
        BUDGET_DEPOSIT + 250
    );

    let stranger = ctx.wallet().await;
    let stranger_token = ctx
        .chain
        .ata(&stranger.pubkey(), &setup.b.mint)
        .await
        .unwrap();
    ctx.chain
        .mint_to(&setup.b.mint, &stranger_token, 100)
        .await
        .unwrap();
    let ixs = [ix::top_up(
        &setup.b,
        &stranger.pubkey(),
        &stranger_token,
        100,
    )];
    ctx.expect_error(&ixs, &[&stranger], EscrowError::Unauthorized)
        .await;
    let ixs = [ix::top_up(
        &setup.b,
        &setup.payer.pubkey(),
        &setup.payer_token,
        0,
    )];
    ctx.expect_error(&ixs, &[&setup.payer], EscrowError::InvalidAmount)
        .await;
    // A token account of another mint cannot feed the vault.
    let other_mint = ctx.chain.create_mint(6).await.unwrap();
    let other = ctx
        .chain
        .ata(&setup.payer.pubkey(), &other_mint)
        .await
        .unwrap();
    let ixs = [ix::top_up(&setup.b, &setup.payer.pubkey(), &other, 1)];
    ctx.expect_error(&ixs, &[&setup.payer], EscrowError::MintMismatch)
        .await;

    ctx.warp_seconds(BUDGET_LIFETIME_SECS).await;
    let ixs = [ix::top_up(
        &setup.b,
        &setup.payer.pubkey(),
        &setup.payer_token,
        1,
    )];
    ctx.expect_error(&ixs, &[&setup.payer], EscrowError::BudgetExpired)
        .await;
}

#[tokio::test]
async fn test_set_session_key_ok_and_rejections() {
    let ctx = TestContext::new().await;
    let setup = setup_budget(&ctx).await;
    let key = Pubkey::new_unique();
    landed(
        ctx.escrow()
            .set_session_key(&setup.b, &setup.payer, Some(key))
            .await,
    );
    assert_eq!(
        ctx.get::<Budget>(&setup.b.budget).await.session_key,
        Some(key)
    );
    landed(
        ctx.escrow()
            .set_session_key(&setup.b, &setup.payer, None)
            .await,
    );
    assert_eq!(ctx.get::<Budget>(&setup.b.budget).await.session_key, None);

    let stranger = ctx.wallet().await;
    let ixs = [ix::set_session_key(
        &setup.b.budget,
        &stranger.pubkey(),
        Some(stranger.pubkey()),
    )];
    ctx.expect_error(&ixs, &[&stranger], EscrowError::Unauthorized)
        .await;
    let ixs = [ix::set_session_key(
        &setup.b.budget,
        &setup.payer.pubkey(),
        Some(Pubkey::default()),
    )];
    ctx.expect_error(&ixs, &[&setup.payer], EscrowError::InvalidKey)
        .await;
}
