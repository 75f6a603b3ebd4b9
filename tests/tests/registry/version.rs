//! publish_version (A-R05).
use agent_registry::{
    error::RegistryError,
    instructions::TargetStatus,
    state::{Agent, AgentVersion, SemVer, StageStatus},
};
use agentrunner_client::{ix::registry as ix, pda};
use agentrunner_tests::{
    context::landed,
    fixtures::{setup_vendor, version_args},
    TestContext,
};
use solana_signer::Signer;

#[tokio::test]
async fn test_publish_version_ok() {
    let ctx = TestContext::new().await;
    let vendor = setup_vendor(&ctx, "FastRoute").await;
    let registry = ctx.registry();
    landed(
        registry
            .publish_version(&vendor.agent, &vendor.owner, 1, version_args(1, 1, 0))
            .await,
    );
    landed(
        registry
            .publish_version(&vendor.agent, &vendor.owner, 2, version_args(2, 0, 0))
            .await,
    );
    let agent: Agent = ctx.get(&vendor.agent).await;
    assert_eq!(agent.version_count, 3);
    assert_eq!(
        agent.latest_version,
        SemVer {
            major: 2,
            minor: 0,
            patch: 0
        }
    );
    assert_eq!(agent.manifest_hash, version_args(2, 0, 0).manifest_hash);
    let (address, bump) = pda::agent_version(&vendor.agent, 2);
    let version: AgentVersion = ctx.get(&address).await;
    assert_eq!(version.agent, vendor.agent);
    assert_eq!(version.index, 2);
    assert_eq!(
        version.semver,
        SemVer {
            major: 2,
            minor: 0,
            patch: 0
        }
    );
    assert_eq!(version.bump, bump);
    assert!(version
        .stages
        .iter()
        .all(|s| s.status == StageStatus::NotAttempted && s.attempts == 0));
}

#[tokio::test]
async fn test_publish_version_not_increasing() {
    let ctx = TestContext::new().await;
    let vendor = setup_vendor(&ctx, "FastRoute").await; // 1.0.0 published
    let owner = vendor.owner.pubkey();
    for (major, minor, patch) in [(1, 0, 0), (0, 9, 9), (0, 0, 1)] {
        let ixs = [ix::publish_version(
            &vendor.agent,
            &owner,
            1,
            version_args(major, minor, patch),
        )];
        ctx.expect_error(&ixs, &[&vendor.owner], RegistryError::VersionNotIncreasing)
            .await;
    }
    // The smallest strictly greater version is accepted.
    landed(
        ctx.registry()
            .publish_version(&vendor.agent, &vendor.owner, 1, version_args(1, 0, 1))
            .await,
    );
}

#[tokio::test]
async fn test_publish_version_wrong_index_rejected() {
    let ctx = TestContext::new().await;
    let vendor = setup_vendor(&ctx, "FastRoute").await;
    // Index 5 is not version_count (1): the init seeds do not match.
    let ixs = [ix::publish_version(
        &vendor.agent,
        &vendor.owner.pubkey(),
        5,
        version_args(2, 0, 0),
    )];
    ctx.expect_error(
        &ixs,
        &[&vendor.owner],
        anchor_lang::error::ErrorCode::ConstraintSeeds,
    )
    .await;
}

#[tokio::test]
async fn test_publish_version_rejections() {
    let ctx = TestContext::new().await;
    agentrunner_tests::fixtures::setup_registry(&ctx).await;
    let vendor = setup_vendor(&ctx, "FastRoute").await;
    let stranger = ctx.wallet().await;
    let ixs = [ix::publish_version(
        &vendor.agent,
        &stranger.pubkey(),
        1,
        version_args(2, 0, 0),
    )];
    ctx.expect_error(&ixs, &[&stranger], RegistryError::Unauthorized)
        .await;

    landed(
        ctx.registry()
            .set_status(&vendor.agent, &vendor.owner, TargetStatus::Retired)
            .await,
    );
    let ixs = [ix::publish_version(
        &vendor.agent,
        &vendor.owner.pubkey(),
        1,
        version_args(2, 0, 0),
    )];
    ctx.expect_error(&ixs, &[&vendor.owner], RegistryError::AgentRetired)
        .await;
}
