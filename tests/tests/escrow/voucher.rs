//! settle_voucher: x402 "upto" cumulative vouchers (E-26..E-28).
use agentrunner_client::{
    ix::escrow as ix,
    voucher::{ed25519_instruction, SignedVoucher, Voucher},
};
use agentrunner_tests::{
    clients::escrow::settle_vouchers_ixs,
    context::landed,
    fixtures::{
        issue_grant, setup_budget, vendor_account, BudgetSetup, VendorAccount, BUDGET_DEPOSIT,
    },
    TestContext,
};
use anchor_lang::{error::ErrorCode, prelude::Pubkey};
use escrow::{
    error::EscrowError,
    instructions::SettleVoucherArgs,
    state::{Budget, Grant},
};
use solana_keypair::Keypair;
use solana_signer::Signer;

struct Channel {
    setup: BudgetSetup,
    vendor: VendorAccount,
    grant: Pubkey,
    session: Keypair,
}

async fn channel(ctx: &TestContext, max: u64) -> Channel {
    let setup = setup_budget(ctx).await;
    let vendor = vendor_account(ctx, &setup).await;
    let grant = issue_grant(ctx, &setup, &vendor, max).await;
    let session = Keypair::new();
    landed(
        ctx.escrow()
            .set_session_key(&setup.b, &setup.payer, Some(session.pubkey()))
            .await,
    );
    Channel {
        setup,
        vendor,
        grant,
        session,
    }
}

async fn voucher(ctx: &TestContext, budget: &Pubkey, grant: &Pubkey, cumulative: u64) -> Voucher {
    let g: Grant = ctx.get(grant).await;
    Voucher {
        budget: *budget,
        grant: *grant,
        grant_issued_slot: g.issued_slot,
        vendor: g.vendor,
        cumulative,
        expires_at: ctx.now().await + 3_600,
    }
}

#[tokio::test]
async fn test_settle_voucher_pays_only_the_increase() {
    let ctx = TestContext::new().await;
    let ch = channel(&ctx, 10_000).await;
    // 1,000 requests at 1 atom each: the vendor only needs the last cumulative voucher.
    let mut last = None;
    for cumulative in 1..=1_000u64 {
        last = Some(
            voucher(&ctx, &ch.setup.b.budget, &ch.grant, cumulative)
                .await
                .sign(&ch.session),
        );
    }
    landed(
        ctx.escrow()
            .settle_vouchers(&ch.setup.b, &[last.unwrap()])
            .await,
    );
    assert_eq!(
        ctx.chain.token_balance(&ch.vendor.token).await.unwrap(),
        1_000
    );
    let later = voucher(&ctx, &ch.setup.b.budget, &ch.grant, 1_500)
        .await
        .sign(&ch.session);
    landed(ctx.escrow().settle_vouchers(&ch.setup.b, &[later]).await);
    assert_eq!(
        ctx.chain.token_balance(&ch.vendor.token).await.unwrap(),
        1_500
    );
    let g: Grant = ctx.get(&ch.grant).await;
    assert_eq!((g.redeemed, g.redemptions), (1_500, 2));
    let budget: Budget = ctx.get(&ch.setup.b.budget).await;
    assert_eq!((budget.redeemed, budget.reserved), (1_500, 8_500));
    assert_eq!(
        ctx.chain.token_balance(&ch.setup.b.vault).await.unwrap(),
        BUDGET_DEPOSIT - 1_500
    );
}

#[tokio::test]
async fn test_settle_several_vouchers_in_one_transaction() {
    let ctx = TestContext::new().await;
    let setup = setup_budget(&ctx).await;
    let session = Keypair::new();
    landed(
        ctx.escrow()
            .set_session_key(&setup.b, &setup.payer, Some(session.pubkey()))
            .await,
    );
    let mut vendors = Vec::new();
    let mut signed = Vec::new();
    // Three vouchers fit one legacy transaction (1,232 bytes); see the bench for the sizes.
    for i in 0..3u64 {
        let vendor = vendor_account(&ctx, &setup).await;
        let grant = issue_grant(&ctx, &setup, &vendor, 1_000).await;
        signed.push(
            voucher(&ctx, &setup.b.budget, &grant, 100 * (i + 1))
                .await
                .sign(&session),
        );
        vendors.push(vendor);
    }
    let outcome = landed(ctx.escrow().settle_vouchers(&setup.b, &signed).await);
    assert!(
        outcome.wire_bytes <= 1_232,
        "one transaction: {} bytes",
        outcome.wire_bytes
    );
    for (i, vendor) in vendors.iter().enumerate() {
        assert_eq!(
            ctx.chain.token_balance(&vendor.token).await.unwrap(),
            100 * (i as u64 + 1)
        );
    }
    assert_eq!(ctx.get::<Budget>(&setup.b.budget).await.redeemed, 600);
}

#[tokio::test]
async fn test_voucher_replays_and_bounds() {
    let ctx = TestContext::new().await;
    let ch = channel(&ctx, 5_000).await;
    let b = &ch.setup.b;
    let v = voucher(&ctx, &b.budget, &ch.grant, 2_000).await;
    landed(
        ctx.escrow()
            .settle_vouchers(b, &[v.sign(&ch.session)])
            .await,
    );
    // E-28(a): the same voucher again; a lower one; both pay nothing.
    ctx.expect_error(
        &settle_vouchers_ixs(b, &[v.sign(&ch.session)]),
        &[],
        EscrowError::VoucherNotIncreasing,
    )
    .await;
    let lower = Voucher {
        cumulative: 1_999,
        ..v
    };
    ctx.expect_error(
        &settle_vouchers_ixs(b, &[lower.sign(&ch.session)]),
        &[],
        EscrowError::VoucherNotIncreasing,
    )
    .await;
    let above = Voucher {
        cumulative: 5_001,
        ..v
    };
    ctx.expect_error(
        &settle_vouchers_ixs(b, &[above.sign(&ch.session)]),
        &[],
        EscrowError::VoucherAboveGrant,
    )
    .await;
    let now = ctx.now().await;
    let expired = Voucher {
        cumulative: 2_500,
        expires_at: now,
        ..v
    };
    ctx.expect_error(
        &settle_vouchers_ixs(b, &[expired.sign(&ch.session)]),
        &[],
        EscrowError::VoucherExpired,
    )
    .await;
    // Exactly the grant's maximum is accepted.
    let full = Voucher {
        cumulative: 5_000,
        ..v
    };
    landed(
        ctx.send(&settle_vouchers_ixs(b, &[full.sign(&ch.session)]), &[])
            .await,
    );
    assert_eq!(
        ctx.chain.token_balance(&ch.vendor.token).await.unwrap(),
        5_000
    );
}

#[tokio::test]
async fn test_voucher_binding_rejections() {
    let ctx = TestContext::new().await;
    let ch = channel(&ctx, 5_000).await;
    let other = channel(&ctx, 5_000).await;
    let b = &ch.setup.b;
    let v = voucher(&ctx, &b.budget, &ch.grant, 100).await;

    // Signed by a key that is not the session key (a vendor forging its own voucher).
    ctx.expect_error(
        &settle_vouchers_ixs(b, &[v.sign(&ch.vendor.owner)]),
        &[],
        EscrowError::VoucherSignerMismatch,
    )
    .await;
    // E-28(b): a voucher of another budget presented on this one (its session key differs too,
    // so sign with this budget's key to reach the message check).
    let foreign = voucher(&ctx, &other.setup.b.budget, &other.grant, 100).await;
    let mut ixs = settle_vouchers_ixs(b, &[foreign.sign(&ch.session)]);
    ixs[1] = ix::settle_voucher(
        b,
        &ch.grant,
        &ch.vendor.token,
        SettleVoucherArgs {
            cumulative: 100,
            expires_at: foreign.expires_at,
            ed25519_instruction_index: 0,
            signature_index: 0,
        },
    );
    ctx.expect_error(&ixs, &[], EscrowError::VoucherMessageMismatch)
        .await;
    // A voucher whose expiry differs from the settled arguments.
    let mut ixs = settle_vouchers_ixs(b, &[v.sign(&ch.session)]);
    ixs[1] = ix::settle_voucher(
        b,
        &ch.grant,
        &ch.vendor.token,
        SettleVoucherArgs {
            cumulative: 100,
            expires_at: v.expires_at + 1,
            ed25519_instruction_index: 0,
            signature_index: 0,
        },
    );
    ctx.expect_error(&ixs, &[], EscrowError::VoucherMessageMismatch)
        .await;
    // No session key registered.
    landed(ctx.escrow().set_session_key(b, &ch.setup.payer, None).await);
    ctx.expect_error(
        &settle_vouchers_ixs(b, &[v.sign(&ch.session)]),
        &[],
        EscrowError::SessionKeyNotSet,
    )
    .await;
    landed(
        ctx.escrow()
            .set_session_key(b, &ch.setup.payer, Some(ch.session.pubkey()))
            .await,
    );
    // Revoked grant.
    landed(
        ctx.escrow()
            .revoke_grant(b, &ch.grant, &ch.setup.payer)
            .await,
    );
    ctx.expect_error(
        &settle_vouchers_ixs(b, &[v.sign(&ch.session)]),
        &[],
        EscrowError::GrantRevoked,
    )
    .await;
}

#[tokio::test]
async fn test_ed25519_instruction_tampering() {
    // E-26/E-27: the proof must be the precompile, inline, at the index given, read through the
    // real Instructions sysvar.
    let ctx = TestContext::new().await;
    let ch = channel(&ctx, 5_000).await;
    let b = &ch.setup.b;
    let signed: SignedVoucher = voucher(&ctx, &b.budget, &ch.grant, 100)
        .await
        .sign(&ch.session);
    let settle = |index: u16| {
        ix::settle_voucher(
            b,
            &ch.grant,
            &ch.vendor.token,
            SettleVoucherArgs {
                cumulative: 100,
                expires_at: signed.voucher.expires_at,
                ed25519_instruction_index: index,
                signature_index: 0,
            },
        )
    };
    // The index points at the settle instruction itself.
    ctx.expect_error(
        &[ed25519_instruction(&[signed]), settle(1)],
        &[],
        EscrowError::NotEd25519Instruction,
    )
    .await;
    // The index is past the end of the transaction.
    ctx.expect_error(
        &[ed25519_instruction(&[signed]), settle(9)],
        &[],
        EscrowError::Ed25519IndexOutOfRange,
    )
    .await;
    // Offsets that name an instruction index instead of u16::MAX (the precompile still verifies,
    // reading itself as instruction 0; the program refuses non-inline data).
    let mut proof = ed25519_instruction(&[signed]);
    for field in [3usize, 7, 13] {
        proof.data[2 + field - 1..2 + field + 1].copy_from_slice(&0u16.to_le_bytes());
    }
    ctx.expect_error(&[proof, settle(0)], &[], EscrowError::Ed25519DataNotInline)
        .await;
    // A fake Instructions sysvar.
    let mut fake = settle(0);
    fake.accounts[6].pubkey = Pubkey::new_unique();
    ctx.expect_error(
        &[ed25519_instruction(&[signed]), fake],
        &[],
        ErrorCode::ConstraintAddress,
    )
    .await;
    // A corrupted signature fails the runtime's precompile check before the program runs.
    let mut bad = signed;
    bad.signature[0] ^= 1;
    // PrecompileError::InvalidSignature (2), raised by instruction 0, the precompile.
    ctx.expect_error(&[ed25519_instruction(&[bad]), settle(0)], &[], 2u32)
        .await;
    assert_eq!(ctx.chain.token_balance(&ch.vendor.token).await.unwrap(), 0);
    landed(
        ctx.send(&[ed25519_instruction(&[signed]), settle(0)], &[])
            .await,
    );
}
