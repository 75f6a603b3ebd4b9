//! The mint policy: Token-2022 extensions that could tax, freeze, seize or strand escrowed funds
//! are rejected at open_budget (E-31..E-35); harmless ones work end to end.
use agentrunner_client::ix::escrow::{self as ix, BudgetRef};
use agentrunner_embedded::token::MintExtension;
use agentrunner_tests::{
    context::landed,
    fixtures::{issue_grant, setup_budget_with, vendor_account, BUDGET_LIFETIME_SECS},
    TestContext,
};
use anchor_lang::prelude::Pubkey;
use escrow::{error::EscrowError, instructions::OpenBudgetArgs};
use solana_signer::Signer;

#[tokio::test]
async fn test_hostile_token_2022_mints_rejected() {
    let ctx = TestContext::new().await;
    let program = anchor_spl::token_2022::ID;
    let hostile = [
        MintExtension::TransferFee {
            bps: 100,
            maximum_fee: u64::MAX,
        },
        MintExtension::TransferHook,
        MintExtension::PermanentDelegate,
        MintExtension::DefaultFrozen,
        MintExtension::Pausable,
        MintExtension::NonTransferable,
        MintExtension::CloseAuthority,
    ];
    for extension in hostile {
        let mint = ctx.chain.create_mint_2022(6, &[extension]).await.unwrap();
        let payer = ctx.wallet().await;
        let payer_token = ctx
            .chain
            .ata_with_program(&payer.pubkey(), &mint, &program)
            .await
            .unwrap();
        let id = Pubkey::new_unique().to_bytes();
        let b = BudgetRef::new(&payer.pubkey(), &id, mint, program);
        let args = OpenBudgetArgs {
            id,
            amount: 1,
            expires_at: ctx.now().await + 60,
        };
        let ixs = [ix::open_budget(&b, &payer.pubkey(), &payer_token, args)];
        let compared = ctx
            .expect_error(&ixs, &[&payer], EscrowError::UnsupportedMint)
            .await;
        assert!(compared >= 4, "{extension:?}");
    }
}

#[tokio::test]
async fn test_admitted_token_2022_mint_full_cycle() {
    let ctx = TestContext::new().await;
    let program = anchor_spl::token_2022::ID;
    let mint = ctx
        .chain
        .create_mint_2022(
            6,
            &[
                MintExtension::MetadataPointer,
                MintExtension::InterestBearing,
            ],
        )
        .await
        .unwrap();
    let setup = setup_budget_with(&ctx, mint, program, 10_000, BUDGET_LIFETIME_SECS).await;
    let vendor = vendor_account(&ctx, &setup).await;
    let grant = issue_grant(&ctx, &setup, &vendor, 4_000).await;
    landed(
        ctx.escrow()
            .redeem(
                &setup.b,
                &grant,
                &vendor.token,
                &vendor.owner,
                4_000,
                [1; 32],
            )
            .await,
    );
    landed(
        ctx.escrow()
            .refund(&setup.b, &setup.payer_token, &setup.payer, 6_000)
            .await,
    );
    assert_eq!(ctx.chain.token_balance(&vendor.token).await.unwrap(), 4_000);
    assert_eq!(
        ctx.chain.token_balance(&setup.payer_token).await.unwrap(),
        96_000
    );
    assert_eq!(ctx.chain.token_balance(&setup.b.vault).await.unwrap(), 0);
}
