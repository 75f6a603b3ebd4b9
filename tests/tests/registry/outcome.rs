//! record_outcome and the certification helper other programs use.
use agent_registry::{
    error::RegistryError,
    instructions::RecordOutcomeArgs,
    state::{Agent, AgentVersion, Stage},
};
use agentrunner_client::ix::registry as ix;
use agentrunner_tests::{
    context::landed,
    fixtures::{certify, setup_registry, setup_vendor},
    TestContext,
};
use anchor_lang::prelude::Pubkey;
use solana_signer::Signer;

fn outcome(success: bool, slippage: u16) -> RecordOutcomeArgs {
    RecordOutcomeArgs {
        success,
        realized_slippage_bps: slippage,
        receipt_leaf: [success as u8 + 1; 32],
    }
}

#[tokio::test]
async fn test_record_outcome_ok() {
    let ctx = TestContext::new().await;
    let setup = setup_registry(&ctx).await;
    let vendor = setup_vendor(&ctx, "FastRoute").await;
    let registry = ctx.registry();
    for (success, slippage) in [(true, 12), (true, 20), (false, 0), (true, 4)] {
        landed(
            registry
                .record_outcome(&vendor.agent, &setup.recorder, outcome(success, slippage))
                .await,
        );
    }
    let agent: Agent = ctx.get(&vendor.agent).await;
    assert_eq!(agent.reputation.succeeded, 3);
    assert_eq!(agent.reputation.failed, 1);
    assert_eq!(agent.reputation.slippage_bps_sum, 36);
    assert_eq!(agent.reputation.last_outcome_at, ctx.now().await);
    // (3 + 1) * 10_000 / (4 + 2)
    assert_eq!(agent.reputation.reliability_bps(), 6_666);
}

#[tokio::test]
async fn test_record_outcome_only_from_recorder() {
    let ctx = TestContext::new().await;
    let setup = setup_registry(&ctx).await;
    let vendor = setup_vendor(&ctx, "FastRoute").await;
    // The vendor cannot pump its own reputation.
    let ixs = [ix::record_outcome(
        &vendor.agent,
        &vendor.owner.pubkey(),
        outcome(true, 0),
    )];
    ctx.expect_error(&ixs, &[&vendor.owner], RegistryError::Unauthorized)
        .await;
    // With the recorder unset, nobody can.
    landed(
        ctx.registry()
            .set_outcome_recorder(&setup.admin, Pubkey::default())
            .await,
    );
    let ixs = [ix::record_outcome(
        &vendor.agent,
        &setup.recorder.pubkey(),
        outcome(true, 0),
    )];
    ctx.expect_error(
        &ixs,
        &[&setup.recorder],
        RegistryError::OutcomeRecorderNotSet,
    )
    .await;
}

#[tokio::test]
async fn test_require_certified_reads_live_accounts() {
    let ctx = TestContext::new().await;
    let setup = setup_registry(&ctx).await;
    let vendor = setup_vendor(&ctx, "FastRoute").await;
    let check = |stage: Stage, capability: u64| {
        let ctx = &ctx;
        let vendor = &vendor;
        async move {
            let agent: Agent = ctx.get(&vendor.agent).await;
            let version: AgentVersion = ctx.get(&vendor.version).await;
            agent_registry::require_certified(
                &vendor.agent,
                &agent,
                &version,
                capability,
                stage,
                ctx.now().await,
            )
        }
    };
    let swap = agent_registry::constants::capability::SWAP;
    let data = agent_registry::constants::capability::DATA;
    assert!(check(Stage::A, swap).await.is_err());
    certify(&ctx, &setup, &vendor, Stage::C).await;
    assert!(check(Stage::C, swap).await.is_ok());
    assert_eq!(
        check(Stage::D, swap).await.unwrap_err(),
        RegistryError::NotCertified.into()
    );
    assert_eq!(
        check(Stage::A, data).await.unwrap_err(),
        RegistryError::CapabilityMissing.into()
    );
    // A newer version must be certified on its own.
    landed(
        ctx.registry()
            .publish_version(
                &vendor.agent,
                &vendor.owner,
                1,
                agentrunner_tests::fixtures::version_args(1, 1, 0),
            )
            .await,
    );
    assert_eq!(
        check(Stage::A, swap).await.unwrap_err(),
        RegistryError::NotCurrentVersion.into()
    );
}
