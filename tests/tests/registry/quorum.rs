//! Certification quorum (review, informational): the admin sets how many distinct certifiers
//! each stage needs, so one certifier key cannot pass stages A-D alone — and the market takes
//! no offer on a stage one of two required certifiers signed.
use agent_registry::{
    error::RegistryError,
    state::{AgentVersion, RegistryConfig, Stage},
};
use agentrunner_client::{
    ix::{market as market_ix, registry as ix},
    pda,
};
use agentrunner_tests::{
    context::landed,
    fixtures::{
        attest_args, bidder, offer_terms, open_rfp, rfp_args, setup_registry, setup_vendor,
        ATTESTATION_VALIDITY_SECS,
    },
    TestContext,
};
use anchor_lang::prelude::Pubkey;
use solana_keypair::Keypair;
use solana_signer::Signer;

async fn attest(
    ctx: &TestContext,
    vendor: &agentrunner_tests::fixtures::VendorRoot,
    certifier: &Keypair,
    stage: Stage,
    expires_at: i64,
) -> anchor_lang::solana_program::instruction::Instruction {
    let version: AgentVersion = ctx.get(&vendor.version).await;
    let attempt = version.stages[stage.index()].attempts;
    ix::attest(
        &vendor.agent,
        &vendor.version,
        &certifier.pubkey(),
        attempt,
        attest_args(stage, true, expires_at),
    )
}

#[tokio::test]
async fn adversary_quorum_one_certifier_cannot_pass_a_stage_alone() {
    let ctx = TestContext::new().await;
    let setup = setup_registry(&ctx).await;
    let admin = &setup.admin;
    let [first, second, _third] = &setup.certifiers[..] else {
        panic!("three certifiers");
    };
    // Bad quorums change nothing: zero, more than the certifier set, not the admin.
    for quorum in [[0, 1, 1, 1, 1], [4, 1, 1, 1, 1]] {
        ctx.expect_error(
            &[ix::set_quorum(&admin.pubkey(), quorum)],
            &[admin],
            RegistryError::InvalidQuorum,
        )
        .await;
    }
    ctx.expect_error(
        &[ix::set_quorum(&first.pubkey(), [2; 5])],
        &[first],
        RegistryError::Unauthorized,
    )
    .await;
    landed(
        ctx.send(
            &[ix::set_quorum(&admin.pubkey(), [2, 2, 2, 2, 1])],
            &[admin],
        )
        .await,
    );
    let config: RegistryConfig = ctx.get(&pda::registry_config().0).await;
    assert_eq!(config.quorum, [2, 2, 2, 2, 1]);
    // The certifier set cannot shrink below the quorum.
    ctx.expect_error(
        &[ix::set_certifiers(&admin.pubkey(), vec![first.pubkey()])],
        &[admin],
        RegistryError::InvalidQuorum,
    )
    .await;

    let vendor = setup_vendor(&ctx, "FastRoute").await;
    let now = ctx.now().await;
    let expires_at = now + ATTESTATION_VALIDITY_SECS;
    let ix = attest(&ctx, &vendor, first, Stage::A, expires_at).await;
    landed(ctx.send(&[ix], &[first]).await);
    let version: AgentVersion = ctx.get(&vendor.version).await;
    assert!(!version.certified_at_least(Stage::A, now));
    assert_eq!(version.stages[Stage::A.index()].approvals, 1);
    // The market does not take an offer on 1 of 2 approvals.
    let requester = ctx.wallet().await;
    let mut terms = rfp_args(Pubkey::new_unique(), 0, Pubkey::new_unique(), now, 3_600);
    terms.min_stage = Stage::A;
    let rfp = open_rfp(&ctx, &requester, terms).await;
    let offer = market_ix::submit_offer(
        &rfp,
        bidder(&vendor),
        &vendor.owner.pubkey(),
        offer_terms(50_000, now),
    );
    ctx.expect_error(
        std::slice::from_ref(&offer),
        &[&vendor.owner],
        RegistryError::NotCertified,
    )
    .await;
    // The same certifier approving twice is still one approval.
    let again = attest(&ctx, &vendor, first, Stage::A, expires_at).await;
    ctx.expect_error(&[again], &[first], RegistryError::DuplicateApproval)
        .await;
    // Stage B cannot be started on half a stage A.
    let early = attest(&ctx, &vendor, second, Stage::B, expires_at).await;
    ctx.expect_error(&[early], &[second], RegistryError::InvalidStageTransition)
        .await;
    // A second, distinct certifier passes it; the pass expires with the earlier approval.
    let ix = attest(&ctx, &vendor, second, Stage::A, expires_at + 10).await;
    landed(ctx.send(&[ix], &[second]).await);
    let version: AgentVersion = ctx.get(&vendor.version).await;
    assert!(version.certified_at_least(Stage::A, now));
    assert_eq!(
        version.stages[Stage::A.index()].approvals_expire_at,
        expires_at
    );
    landed(ctx.send(&[offer], &[&vendor.owner]).await);
}
