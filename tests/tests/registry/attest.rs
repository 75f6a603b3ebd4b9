//! attest and revoke_attestation (A-R01, A-R02, stage order, expiry boundaries).
use agent_registry::{
    constants::MAX_ATTESTATION_VALIDITY_SECS,
    error::RegistryError,
    instructions::TargetStatus,
    state::{AgentVersion, Attestation, Stage, StageStatus},
};
use agentrunner_client::{ix::registry as ix, pda};
use agentrunner_tests::{
    context::landed,
    fixtures::{attest_args, certify, setup_registry, setup_vendor, ATTESTATION_VALIDITY_SECS},
    TestContext,
};
use solana_signer::Signer;

async fn version(ctx: &TestContext, address: &anchor_lang::prelude::Pubkey) -> AgentVersion {
    ctx.get(address).await
}

#[tokio::test]
async fn test_attest_stages_in_order_ok() {
    let ctx = TestContext::new().await;
    let setup = setup_registry(&ctx).await;
    let vendor = setup_vendor(&ctx, "FastRoute").await;
    certify(&ctx, &setup, &vendor, Stage::E).await;
    let now = ctx.now().await;
    let v = version(&ctx, &vendor.version).await;
    assert_eq!(v.stages_passed(now), 0b1_1111);
    assert!(v.certified_at_least(Stage::E, now));

    let (address, bump) = pda::attestation(&vendor.version, Stage::C, 0);
    let attestation: Attestation = ctx.get(&address).await;
    assert_eq!(attestation.stage, Stage::C);
    assert_eq!(attestation.attempt, 0);
    assert_eq!(attestation.agent, vendor.agent);
    assert_eq!(attestation.certifier, setup.certifiers[0].pubkey());
    assert!(attestation.passed);
    assert_eq!(attestation.issued_at, now);
    assert_eq!(attestation.expires_at, now + ATTESTATION_VALIDITY_SECS);
    assert_eq!(attestation.bump, bump);
}

#[tokio::test]
async fn test_attest_unauthorized_certifiers() {
    // A-R01: a key outside the certifier set, and an owner who is a certifier attesting its own
    // agent, are both refused.
    let ctx = TestContext::new().await;
    let setup = setup_registry(&ctx).await;
    let vendor = setup_vendor(&ctx, "FastRoute").await;
    let expires = ctx.now().await + 3_600;

    let outsider = ctx.wallet().await;
    let ixs = [ix::attest(
        &vendor.agent,
        &vendor.version,
        &outsider.pubkey(),
        0,
        attest_args(Stage::A, true, expires),
    )];
    ctx.expect_error(&ixs, &[&outsider], RegistryError::NotCertifier)
        .await;

    let mut keys: Vec<_> = setup.certifiers.iter().map(|c| c.pubkey()).collect();
    keys.push(vendor.owner.pubkey());
    landed(ctx.registry().set_certifiers(&setup.admin, keys).await);
    let ixs = [ix::attest(
        &vendor.agent,
        &vendor.version,
        &vendor.owner.pubkey(),
        0,
        attest_args(Stage::A, true, expires),
    )];
    ctx.expect_error(&ixs, &[&vendor.owner], RegistryError::SelfCertification)
        .await;
}

#[tokio::test]
async fn test_attest_stage_skip_rejected() {
    // A-R02: B before A, and D after only A..B, are refused.
    let ctx = TestContext::new().await;
    let setup = setup_registry(&ctx).await;
    let vendor = setup_vendor(&ctx, "FastRoute").await;
    let certifier = &setup.certifiers[1];
    let expires = ctx.now().await + 3_600;
    let ixs = [ix::attest(
        &vendor.agent,
        &vendor.version,
        &certifier.pubkey(),
        0,
        attest_args(Stage::B, true, expires),
    )];
    ctx.expect_error(&ixs, &[certifier], RegistryError::InvalidStageTransition)
        .await;

    certify(&ctx, &setup, &vendor, Stage::B).await;
    let ixs = [ix::attest(
        &vendor.agent,
        &vendor.version,
        &certifier.pubkey(),
        0,
        attest_args(Stage::D, true, expires),
    )];
    ctx.expect_error(&ixs, &[certifier], RegistryError::InvalidStageTransition)
        .await;
}

#[tokio::test]
async fn test_attest_failed_then_retry_passes() {
    let ctx = TestContext::new().await;
    let setup = setup_registry(&ctx).await;
    let vendor = setup_vendor(&ctx, "CheapSwap").await;
    certify(&ctx, &setup, &vendor, Stage::A).await;
    let expires = ctx.now().await + 3_600;
    let certifier = &setup.certifiers[2];
    let registry = ctx.registry();
    landed(
        registry
            .attest(
                &vendor.agent,
                &vendor.version,
                certifier,
                0,
                attest_args(Stage::B, false, expires),
            )
            .await,
    );
    let v = version(&ctx, &vendor.version).await;
    assert_eq!(
        v.stages[Stage::B.index()].status,
        StageStatus::Failed { attempt: 0 }
    );
    // A failed B does not open C.
    let ixs = [ix::attest(
        &vendor.agent,
        &vendor.version,
        &certifier.pubkey(),
        0,
        attest_args(Stage::C, true, expires),
    )];
    ctx.expect_error(&ixs, &[certifier], RegistryError::InvalidStageTransition)
        .await;
    // The retry is a new account (attempt 1); the failure stays on record.
    landed(
        registry
            .attest(
                &vendor.agent,
                &vendor.version,
                certifier,
                1,
                attest_args(Stage::B, true, expires),
            )
            .await,
    );
    let failed: Attestation = ctx
        .get(&pda::attestation(&vendor.version, Stage::B, 0).0)
        .await;
    assert!(!failed.passed);
    let v = version(&ctx, &vendor.version).await;
    assert_eq!(
        v.stages[Stage::B.index()].status,
        StageStatus::Passed {
            attempt: 1,
            expires_at: expires
        }
    );
    assert_eq!(v.stages[Stage::B.index()].attempts, 2);
}

#[tokio::test]
async fn test_attest_already_passed_and_renewal_after_expiry() {
    let ctx = TestContext::new().await;
    let setup = setup_registry(&ctx).await;
    let vendor = setup_vendor(&ctx, "FastRoute").await;
    let certifier = &setup.certifiers[0];
    let expires = ctx.now().await + 100;
    landed(
        ctx.registry()
            .attest(
                &vendor.agent,
                &vendor.version,
                certifier,
                0,
                attest_args(Stage::A, true, expires),
            )
            .await,
    );
    let ixs = [ix::attest(
        &vendor.agent,
        &vendor.version,
        &certifier.pubkey(),
        1,
        attest_args(Stage::A, true, expires + 100),
    )];
    ctx.expect_error(&ixs, &[certifier], RegistryError::StageAlreadyPassed)
        .await;

    // Boundary triplet on expiry (valid while now < expires_at).
    let now = ctx.now().await;
    ctx.warp_seconds(expires - now - 1).await; // now = expires - 1
    assert!(version(&ctx, &vendor.version)
        .await
        .certified_at_least(Stage::A, ctx.now().await));
    ctx.warp_seconds(1).await; // now = expires
    assert_eq!(ctx.now().await, expires);
    let v = version(&ctx, &vendor.version).await;
    assert!(!v.certified_at_least(Stage::A, ctx.now().await));
    // B cannot build on an expired A.
    let ixs = [ix::attest(
        &vendor.agent,
        &vendor.version,
        &certifier.pubkey(),
        0,
        attest_args(Stage::B, true, expires + 100),
    )];
    ctx.expect_error(&ixs, &[certifier], RegistryError::InvalidStageTransition)
        .await;
    // Renewal of A is allowed once expired.
    landed(
        ctx.registry()
            .attest(
                &vendor.agent,
                &vendor.version,
                certifier,
                1,
                attest_args(Stage::A, true, expires + 100),
            )
            .await,
    );
}

#[tokio::test]
async fn test_attest_invalid_args() {
    let ctx = TestContext::new().await;
    let setup = setup_registry(&ctx).await;
    let vendor = setup_vendor(&ctx, "FastRoute").await;
    let c = &setup.certifiers[0];
    let now = ctx.now().await;
    let attest = |args| {
        [ix::attest(
            &vendor.agent,
            &vendor.version,
            &c.pubkey(),
            0,
            args,
        )]
    };

    ctx.expect_error(
        &attest(attest_args(Stage::A, true, now)),
        &[c],
        RegistryError::InvalidExpiry,
    )
    .await;
    let too_far = now + MAX_ATTESTATION_VALIDITY_SECS + 1;
    ctx.expect_error(
        &attest(attest_args(Stage::A, true, too_far)),
        &[c],
        RegistryError::InvalidExpiry,
    )
    .await;
    let mut args = attest_args(Stage::A, true, now + 60);
    args.slo.success_rate_bps = 10_001;
    ctx.expect_error(&attest(args), &[c], RegistryError::InvalidSlo)
        .await;
    let mut args = attest_args(Stage::A, true, now + 60);
    args.slo.p50_latency_ms = args.slo.p95_latency_ms + 1;
    ctx.expect_error(&attest(args), &[c], RegistryError::InvalidSlo)
        .await;
    let mut args = attest_args(Stage::A, true, now + 60);
    args.report_uri = "r".repeat(201);
    ctx.expect_error(&attest(args), &[c], RegistryError::UriTooLong)
        .await;
    // Exactly the maximum validity is accepted.
    landed(
        ctx.registry()
            .attest(
                &vendor.agent,
                &vendor.version,
                c,
                0,
                attest_args(Stage::A, true, now + MAX_ATTESTATION_VALIDITY_SECS),
            )
            .await,
    );
}

#[tokio::test]
async fn test_attest_retired_agent_rejected() {
    let ctx = TestContext::new().await;
    let setup = setup_registry(&ctx).await;
    let vendor = setup_vendor(&ctx, "FastRoute").await;
    landed(
        ctx.registry()
            .set_status(&vendor.agent, &vendor.owner, TargetStatus::Retired)
            .await,
    );
    let c = &setup.certifiers[0];
    let ixs = [ix::attest(
        &vendor.agent,
        &vendor.version,
        &c.pubkey(),
        0,
        attest_args(Stage::A, true, ctx.now().await + 60),
    )];
    ctx.expect_error(&ixs, &[c], RegistryError::AgentRetired)
        .await;
}

#[tokio::test]
async fn test_revoke_cascades_and_blocks_recertification() {
    // A-R02 "certify revoked version": revoking B revokes C and D too; B cannot be re-attested
    // on this version, but a new version starts clean.
    let ctx = TestContext::new().await;
    let setup = setup_registry(&ctx).await;
    let vendor = setup_vendor(&ctx, "FastRoute").await;
    certify(&ctx, &setup, &vendor, Stage::D).await;
    landed(
        ctx.registry()
            .revoke_attestation(
                &vendor.agent,
                &vendor.version,
                Stage::B,
                0,
                &setup.certifiers[0],
            )
            .await,
    );
    let now = ctx.now().await;
    let v = version(&ctx, &vendor.version).await;
    assert_eq!(v.stages_passed(now), 0b0001);
    assert_eq!(
        v.stages[Stage::C.index()].status,
        StageStatus::Revoked {
            attempt: 0,
            at: now
        }
    );
    let revoked: Attestation = ctx
        .get(&pda::attestation(&vendor.version, Stage::B, 0).0)
        .await;
    assert_eq!(
        revoked.revoked.map(|r| r.by),
        Some(setup.certifiers[0].pubkey())
    );

    let c = &setup.certifiers[1];
    let ixs = [ix::attest(
        &vendor.agent,
        &vendor.version,
        &c.pubkey(),
        1,
        attest_args(Stage::B, true, now + 60),
    )];
    ctx.expect_error(&ixs, &[c], RegistryError::InvalidStageTransition)
        .await;
}

#[tokio::test]
async fn test_revoke_authorities() {
    let ctx = TestContext::new().await;
    let setup = setup_registry(&ctx).await;
    let vendor = setup_vendor(&ctx, "FastRoute").await;
    certify(&ctx, &setup, &vendor, Stage::B).await;
    let attestation = pda::attestation(&vendor.version, Stage::B, 0).0;

    // Another certifier (not the issuer) and the agent owner may not revoke.
    for who in [&setup.certifiers[1], &vendor.owner] {
        let ixs = [ix::revoke_attestation(
            &vendor.agent,
            &vendor.version,
            &attestation,
            &who.pubkey(),
        )];
        ctx.expect_error(&ixs, &[who], RegistryError::Unauthorized)
            .await;
    }
    // The admin may; a second revocation is refused.
    landed(
        ctx.registry()
            .revoke_attestation(&vendor.agent, &vendor.version, Stage::B, 0, &setup.admin)
            .await,
    );
    let ixs = [ix::revoke_attestation(
        &vendor.agent,
        &vendor.version,
        &attestation,
        &setup.admin.pubkey(),
    )];
    ctx.expect_error(&ixs, &[&setup.admin], RegistryError::AlreadyRevoked)
        .await;
}
