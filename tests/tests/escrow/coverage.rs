//! docs/SECURITY-TESTPLAN.md rows the other escrow suites did not name: E-19 (rounding extraction by
//! many tiny redemptions), E-29 (malformed remaining accounts), E-36 (Token vs Token-2022
//! mismatches) and R-06 (the payer's escrow as the provider's account).
use agentrunner_client::{ix::escrow as ix, pda};
use agentrunner_tests::{
    context::landed,
    fixtures::{grant_args, issue_grant, setup_budget, vendor_account, BUDGET_DEPOSIT},
    TestContext,
};
use anchor_lang::{error::ErrorCode, prelude::Pubkey};
use escrow::{
    error::EscrowError,
    instructions::{GrantSpec, IssueGrantsArgs, OpenBudgetArgs},
    state::{Budget, Grant},
};
use solana_signer::Signer;

/// Redemptions per transaction in the E-19 run.
const PER_TX: usize = 10;

/// E-19: 2,000 redemptions of one atom each. Redemption moves exactly the amount asked (no
/// fee, no pro-rata share, nothing to round), so the vendor receives exactly what the vault
/// loses, the grant and budget books move by the same amounts, and the payer's refund is the
/// rest to the atom: an adversarial sequence of small operations extracts nothing.
#[tokio::test]
async fn test_e19_two_thousand_one_atom_redemptions_extract_nothing() {
    let ctx = TestContext::new().await;
    let setup = setup_budget(&ctx).await;
    let vendor = vendor_account(&ctx, &setup).await;
    let grant = issue_grant(&ctx, &setup, &vendor, 5_000).await;
    let mut done = 0u32;
    for _ in 0..200 {
        let ixs: Vec<_> = (0..PER_TX)
            .map(|_| {
                done += 1;
                let mut hash = [0u8; 32];
                hash[..4].copy_from_slice(&done.to_le_bytes());
                ix::redeem(
                    &setup.b,
                    &grant,
                    &vendor.token,
                    &vendor.owner.pubkey(),
                    1,
                    hash,
                )
            })
            .collect();
        landed(ctx.send(&ixs, &[&vendor.owner]).await);
    }
    assert_eq!(done, 2_000);
    assert_eq!(ctx.chain.token_balance(&vendor.token).await.unwrap(), 2_000);
    assert_eq!(
        ctx.chain.token_balance(&setup.b.vault).await.unwrap(),
        BUDGET_DEPOSIT - 2_000
    );
    let g: Grant = ctx.get(&grant).await;
    let budget: Budget = ctx.get(&setup.b.budget).await;
    assert_eq!(g.redeemed, 2_000);
    assert_eq!(budget.reserved, 5_000 - 2_000);
    // Everything not paid goes back to the payer, to the atom.
    landed(
        ctx.escrow()
            .revoke_grant(&setup.b, &grant, &setup.payer)
            .await,
    );
    landed(
        ctx.escrow()
            .refund(
                &setup.b,
                &setup.payer_token,
                &setup.payer,
                BUDGET_DEPOSIT - 2_000,
            )
            .await,
    );
    assert_eq!(
        ctx.chain.token_balance(&setup.payer_token).await.unwrap()
            + ctx.chain.token_balance(&vendor.token).await.unwrap(),
        10 * BUDGET_DEPOSIT
    );
    assert_eq!(ctx.chain.token_balance(&setup.b.vault).await.unwrap(), 0);
}

/// E-29: `issue_grants` takes its grant and payout accounts as remaining accounts. A payout
/// account owned by another program, an address holding nothing, the same grant address twice
/// and the same pair twice are each refused with a typed error, changing nothing.
#[tokio::test]
async fn test_e29_malformed_remaining_accounts_are_refused() {
    let ctx = TestContext::new().await;
    let setup = setup_budget(&ctx).await;
    let vendor = vendor_account(&ctx, &setup).await;
    let payer = setup.payer.pubkey();
    let now = ctx.now().await;
    let terms = grant_args(payer, 100, now, setup.expires_at);
    let args = |n: u16| IssueGrantsArgs {
        redeemer: terms.redeemer,
        plan: terms.plan,
        not_before: terms.not_before,
        expires_at: terms.expires_at,
        grants: (0..n)
            .map(|step| GrantSpec {
                step,
                offer_hash: terms.offer_hash,
                max_amount: 100,
            })
            .collect(),
    };
    let base = ix::issue_grants(&setup.b.budget, &payer, 0, &[vendor.token], args(1));
    let payout_slot = base.accounts.len() - 1;
    let with = |slot: usize, key: Pubkey| {
        let mut ix = base.clone();
        ix.accounts[slot].pubkey = key;
        ix
    };
    // Wrong owner: a system account (the vendor's wallet) as the payout account.
    ctx.expect_error(
        &[with(payout_slot, vendor.owner.pubkey())],
        &[&setup.payer],
        ErrorCode::AccountOwnedByWrongProgram,
    )
    .await;
    // Zero bytes: an address with no account.
    ctx.expect_error(
        &[with(payout_slot, Pubkey::new_unique())],
        &[&setup.payer],
        ErrorCode::AccountNotInitialized,
    )
    .await;
    // Wrong discriminator for the slot: the budget itself as the payout account.
    ctx.expect_error(
        &[with(payout_slot, setup.b.budget)],
        &[&setup.payer],
        ErrorCode::AccountOwnedByWrongProgram,
    )
    .await;
    // Duplicates: two grants naming the first grant's address twice.
    let two = ix::issue_grants(
        &setup.b.budget,
        &payer,
        0,
        &[vendor.token, vendor.token],
        args(2),
    );
    let mut duplicated = two.clone();
    let n = duplicated.accounts.len();
    duplicated.accounts[n - 2].pubkey = duplicated.accounts[n - 4].pubkey;
    ctx.expect_error(
        &[duplicated],
        &[&setup.payer],
        EscrowError::InvalidGrantAccounts,
    )
    .await;
    // One pair for two grants.
    let mut short = two.clone();
    short.accounts.truncate(n - 2);
    ctx.expect_error(&[short], &[&setup.payer], EscrowError::InvalidGrantAccounts)
        .await;
    // The well-formed batch lands.
    landed(ctx.send(&[two], &[&setup.payer]).await);
    let budget: Budget = ctx.get(&setup.b.budget).await;
    assert_eq!(budget.grant_count, 2);
}

/// E-36: the token program named for a budget must be its mint's, and every token account the
/// mint's program's: a Token-2022 mint opened as SPL Token, an SPL Token mint opened as
/// Token-2022, and an SPL Token account offered for a Token-2022 budget are refused.
#[tokio::test]
async fn test_e36_token_and_token_2022_mismatches_are_refused() {
    let ctx = TestContext::new().await;
    let token = anchor_spl::token::ID;
    let token_2022 = anchor_spl::token_2022::ID;
    let payer = ctx.wallet().await;
    let mint_2022 = ctx.chain.create_mint_2022(6, &[]).await.unwrap();
    let mint = ctx.chain.create_mint(6).await.unwrap();
    let account_2022 = ctx
        .chain
        .ata_with_program(&payer.pubkey(), &mint_2022, &token_2022)
        .await
        .unwrap();
    let account = ctx.chain.ata(&payer.pubkey(), &mint).await.unwrap();
    ctx.chain
        .mint_to_with_program(&mint_2022, &account_2022, 1_000, &token_2022)
        .await
        .unwrap();
    ctx.chain.mint_to(&mint, &account, 1_000).await.unwrap();
    let now = ctx.now().await;
    let open = |mint: Pubkey, program: Pubkey, payer_token: Pubkey| {
        let id = Pubkey::new_unique().to_bytes();
        let b = ix::BudgetRef::new(&payer.pubkey(), &id, mint, program);
        ix::open_budget(
            &b,
            &payer.pubkey(),
            &payer_token,
            OpenBudgetArgs {
                id,
                amount: 100,
                expires_at: now + 3_600,
            },
        )
    };
    ctx.expect_error(
        &[open(mint_2022, token, account_2022)],
        &[&payer],
        ErrorCode::ConstraintMintTokenProgram,
    )
    .await;
    ctx.expect_error(
        &[open(mint, token_2022, account)],
        &[&payer],
        ErrorCode::ConstraintMintTokenProgram,
    )
    .await;
    // A payer account of another mint's program (the SPL Token account for the 2022 budget).
    ctx.expect_error(
        &[open(mint_2022, token_2022, account)],
        &[&payer],
        ErrorCode::ConstraintTokenMint,
    )
    .await;
    landed(
        ctx.send(&[open(mint_2022, token_2022, account_2022)], &[&payer])
            .await,
    );
}

/// the buyer's escrow can never be the provider's account. A grant paying the budget's
/// own vault is refused, singly and in a batch, so no redemption can move funds from the vault
/// to itself and count them as paid.
#[tokio::test]
async fn test_r06_the_budget_vault_is_never_a_payout_account() {
    let ctx = TestContext::new().await;
    let setup = setup_budget(&ctx).await;
    let payer = setup.payer.pubkey();
    let now = ctx.now().await;
    let terms = grant_args(payer, 100, now, setup.expires_at);
    ctx.expect_error(
        &[ix::issue_grant(
            &setup.b.budget,
            &payer,
            0,
            &setup.b.vault,
            terms,
        )],
        &[&setup.payer],
        EscrowError::InvalidVendorAccount,
    )
    .await;
    let batch = IssueGrantsArgs {
        redeemer: terms.redeemer,
        plan: terms.plan,
        not_before: terms.not_before,
        expires_at: terms.expires_at,
        grants: vec![GrantSpec {
            step: 0,
            offer_hash: terms.offer_hash,
            max_amount: 100,
        }],
    };
    ctx.expect_error(
        &[ix::issue_grants(
            &setup.b.budget,
            &payer,
            0,
            &[setup.b.vault],
            batch,
        )],
        &[&setup.payer],
        EscrowError::InvalidVendorAccount,
    )
    .await;
    assert!(ctx
        .chain
        .account(&pda::grant(&setup.b.budget, 0).0)
        .await
        .unwrap()
        .is_none());
}
