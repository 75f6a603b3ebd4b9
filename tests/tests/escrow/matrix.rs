//! The account-mutation matrix over every escrow instruction.
use agentrunner_client::{
    ix::escrow as ix,
    ix::escrow::BudgetRef,
    voucher::{ed25519_instruction, Voucher},
};
use agentrunner_tests::{
    fixtures::{grant_args, setup_budget, vendor_account},
    mutation::{run_matrix, run_matrix_after, MatrixReport, SlotKind::*},
    TestContext,
};
use anchor_lang::prelude::Pubkey;
use escrow::{
    error::EscrowError,
    instructions::{OpenBudgetArgs, SettleVoucherArgs},
    state::Grant,
};
use solana_keypair::Keypair;
use solana_signer::Signer as _;

#[tokio::test]
async fn test_escrow_mutation_matrix() {
    let ctx = TestContext::new().await;
    let setup = setup_budget(&ctx).await;
    let vendor = vendor_account(&ctx, &setup).await;
    let payer = setup.payer.pubkey();
    let b = setup.b;
    let mut total = MatrixReport::default();
    let mut add = |r: MatrixReport| {
        total.cases += r.cases;
        total.accounts_compared += r.accounts_compared;
    };
    let budget_slot = |cosplay: Option<Pubkey>| Account {
        mutable: true,
        cosplay,
    };
    let funds = |cosplay: Option<Pubkey>| {
        [
            budget_slot(cosplay),
            Token {
                mutable: true,
                cosplay: Some(b.mint),
            },
            Token {
                mutable: false,
                cosplay: Some(b.vault),
            },
            Program,
        ]
    };
    let signer = Signer { mutable: false };
    let tail = [EventAuthority, EventProgram];

    // open_budget (a second budget of the same payer)
    let id = [77u8; 32];
    let other = BudgetRef::new(&payer, &id, b.mint, b.token_program);
    let base = ix::open_budget(
        &other,
        &payer,
        &setup.payer_token,
        OpenBudgetArgs {
            id,
            amount: 10,
            expires_at: setup.expires_at,
        },
    );
    let slots = [
        Signer { mutable: true },
        Init,
        Init,
        // The payer's grant counter (it exists: this is the payer's second budget).
        Address {
            error: anchor_lang::error::ErrorCode::ConstraintSeeds.into(),
            mutable: true,
        },
        Token {
            mutable: false,
            cosplay: Some(b.vault),
        },
        Token {
            mutable: true,
            cosplay: Some(b.mint),
        },
        Program,
        Program,
        EventAuthority,
        EventProgram,
    ];
    add(run_matrix(&ctx, &base, &[&setup.payer], &slots).await);

    // top_up
    let base = ix::top_up(&b, &payer, &setup.payer_token, 5);
    let slots: Vec<_> = funds(None)
        .into_iter()
        .chain([
            signer,
            Token {
                mutable: true,
                cosplay: Some(b.mint),
            },
        ])
        .chain(tail)
        .collect();
    add(run_matrix(&ctx, &base, &[&setup.payer], &slots).await);

    // set_session_key
    let session = Keypair::new();
    let base = ix::set_session_key(&b.budget, &payer, Some(session.pubkey()));
    add(run_matrix(
        &ctx,
        &base,
        &[&setup.payer],
        &[budget_slot(None), signer, EventAuthority, EventProgram],
    )
    .await);

    // issue_grant (index 0)
    let now = ctx.now().await;
    let base = ix::issue_grant(
        &b.budget,
        &payer,
        0,
        &vendor.token,
        grant_args(vendor.owner.pubkey(), 1_000, now, setup.expires_at),
    );
    let slots = [
        budget_slot(None),
        Init,
        Token {
            mutable: false,
            cosplay: Some(b.mint),
        },
        Signer { mutable: true },
        Program,
        EventAuthority,
        EventProgram,
    ];
    add(run_matrix(&ctx, &base, &[&setup.payer], &slots).await);
    let grant = agentrunner_client::pda::grant(&b.budget, 0).0;
    let grant_slot = Account {
        mutable: true,
        cosplay: Some(b.budget),
    };

    // redeem
    let base = ix::redeem(
        &b,
        &grant,
        &vendor.token,
        &vendor.owner.pubkey(),
        10,
        [1; 32],
    );
    let slots: Vec<_> = funds(Some(grant))
        .into_iter()
        .chain([
            grant_slot,
            Token {
                mutable: true,
                cosplay: Some(b.mint),
            },
            signer,
        ])
        .chain(tail)
        .collect();
    add(run_matrix(&ctx, &base, &[&vendor.owner], &slots).await);

    // settle_voucher (after an Ed25519 proof at index 0)
    let g: Grant = ctx.get(&grant).await;
    let v = Voucher {
        budget: b.budget,
        grant,
        grant_issued_slot: g.issued_slot,
        vendor: vendor.token,
        cumulative: 50,
        expires_at: now + 3_600,
    };
    let proof = ed25519_instruction(&[v.sign(&session)]);
    let base = ix::settle_voucher(
        &b,
        &grant,
        &vendor.token,
        SettleVoucherArgs {
            cumulative: 50,
            expires_at: v.expires_at,
            ed25519_instruction_index: 0,
            signature_index: 0,
        },
    );
    let slots: Vec<_> = funds(Some(grant))
        .into_iter()
        .chain([
            grant_slot,
            Token {
                mutable: true,
                cosplay: Some(b.mint),
            },
            Address {
                error: anchor_lang::error::ErrorCode::ConstraintAddress.into(),
                mutable: false,
            },
        ])
        .chain(tail)
        .collect();
    add(run_matrix_after(&ctx, &[proof], &base, &[], &slots).await);

    // revoke_grant, close_grant
    let base = ix::revoke_grant(&b.budget, &grant, &payer);
    add(run_matrix(
        &ctx,
        &base,
        &[&setup.payer],
        &[
            budget_slot(Some(grant)),
            grant_slot,
            signer,
            EventAuthority,
            EventProgram,
        ],
    )
    .await);
    let base = ix::close_grant(&b.budget, &grant, &payer);
    let slots = [
        budget_slot(Some(grant)),
        grant_slot,
        Address {
            error: EscrowError::PayerMismatch.into(),
            mutable: true,
        },
        EventAuthority,
        EventProgram,
    ];
    add(run_matrix(&ctx, &base, &[], &slots).await);

    // refund everything, then close_budget
    let left = ctx.chain.token_balance(&b.vault).await.unwrap();
    let base = ix::refund(&b, &setup.payer_token, &payer, left);
    let slots: Vec<_> = funds(None)
        .into_iter()
        .chain([
            Token {
                mutable: true,
                cosplay: Some(b.mint),
            },
            signer,
        ])
        .chain(tail)
        .collect();
    add(run_matrix(&ctx, &base, &[&setup.payer], &slots).await);
    let base = ix::close_budget(&b, &payer, &payer);
    let slots: Vec<_> = funds(None)
        .into_iter()
        .chain([
            Address {
                error: EscrowError::PayerMismatch.into(),
                mutable: true,
            },
            signer,
            // The optional sweep destination: the payer's token account of the mint.
            Token {
                mutable: true,
                cosplay: Some(b.mint),
            },
        ])
        .chain(tail)
        .collect();
    add(run_matrix(&ctx, &base, &[&setup.payer], &slots).await);

    println!(
        "escrow mutation matrix: {} cases, {} account comparisons",
        total.cases, total.accounts_compared
    );
    assert!(total.cases >= 120, "matrix shrank: {}", total.cases);
}
