//! record_outcome and the certification helper other programs use.
use agent_registry::{
    constants::capability,
    error::RegistryError,
    instructions::RecordOutcomeArgs,
    state::{Agent, AgentVersion, PayerRecord, Reputation, Stage, CREDIT_PER_POINT},
};
use agentrunner_client::ix::registry as ix;
use agentrunner_tests::{
    context::landed,
    fixtures::{certify, setup_registry, setup_vendor},
    TestContext,
};
use anchor_lang::prelude::Pubkey;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// A swap outcome worth $150 paid by `payer`.
fn outcome(success: bool, slippage: u16, payer: Pubkey) -> RecordOutcomeArgs {
    RecordOutcomeArgs {
        success,
        realized_slippage_bps: slippage,
        receipt_leaf: [success as u8 + 1; 32],
        capability: capability::SWAP,
        payer,
        value_micro_usd: 150_000_000,
    }
}

#[tokio::test]
async fn test_record_outcome_ok() {
    let ctx = TestContext::new().await;
    let setup = setup_registry(&ctx).await;
    let vendor = setup_vendor(&ctx, "FastRoute").await;
    let registry = ctx.registry();
    // Three successes from three payers and a failure: each success a full credit.
    for (success, slippage) in [(true, 12), (true, 20), (false, 0), (true, 4)] {
        let payer = Keypair::new().pubkey();
        landed(
            registry
                .record_outcome(
                    &vendor.agent,
                    setup.recorder(),
                    outcome(success, slippage, payer),
                )
                .await,
        );
    }
    let agent: Agent = ctx.get(&vendor.agent).await;
    let swap = agent.reputation_of(capability::SWAP).unwrap();
    assert_eq!((swap.succeeded, swap.failed, swap.self_dealt), (3, 1, 0));
    assert_eq!(swap.slippage_bps_sum, 36);
    assert_eq!(swap.last_outcome_at, ctx.now().await);
    assert_eq!(swap.credit, 3 * 100 * CREDIT_PER_POINT);
    // (credit + prior) * 10_000 / (credit + failure weight + 2 * prior)
    assert_eq!(
        swap.reliability_bps(),
        (3 * 102_400 + 1_024) * 10_000 / (3 * 102_400 + 102_400 + 2_048)
    );
    // Other capabilities are untouched.
    assert_eq!(
        agent.reputation_of(capability::DCA).unwrap(),
        &Reputation::default()
    );
}

#[tokio::test]
async fn adversary_h3_self_dealing_and_repeat_payers_earn_little() {
    let ctx = TestContext::new().await;
    let setup = setup_registry(&ctx).await;
    let vendor = setup_vendor(&ctx, "Farmer").await;
    let registry = ctx.registry();
    // Paid by its own owner key and its payout wallet: counted, never credited.
    for payer in [vendor.owner.pubkey(), vendor.owner.pubkey()] {
        landed(
            registry
                .record_outcome(&vendor.agent, setup.recorder(), outcome(true, 0, payer))
                .await,
        );
    }
    let agent: Agent = ctx.get(&vendor.agent).await;
    let swap = *agent.reputation_of(capability::SWAP).unwrap();
    assert_eq!((swap.succeeded, swap.self_dealt, swap.credit), (2, 2, 0));
    // One Sybil payer, twenty times: halved each time, never twice the first credit.
    let sybil = Keypair::new().pubkey();
    for _ in 0..20 {
        landed(
            registry
                .record_outcome(&vendor.agent, setup.recorder(), outcome(true, 0, sybil))
                .await,
        );
    }
    let agent: Agent = ctx.get(&vendor.agent).await;
    let swap = agent.reputation_of(capability::SWAP).unwrap();
    let first = 100 * CREDIT_PER_POINT;
    assert!(
        swap.credit < 2 * first && swap.credit > first,
        "{}",
        swap.credit
    );
    let record: PayerRecord = ctx
        .get(&agentrunner_client::pda::payer_record(&vendor.agent, &sybil).0)
        .await;
    assert_eq!(record.credited[0], 20);
}

#[tokio::test]
async fn test_record_outcome_only_from_recorder() {
    let ctx = TestContext::new().await;
    let setup = setup_registry(&ctx).await;
    let vendor = setup_vendor(&ctx, "FastRoute").await;
    // The vendor cannot pump its own reputation.
    let payer = Keypair::new().pubkey();
    let ixs = [ix::record_outcome(
        &vendor.agent,
        &vendor.owner.pubkey(),
        &vendor.owner.pubkey(),
        outcome(true, 0, payer),
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
        &setup.recorder().pubkey(),
        &setup.recorder().pubkey(),
        outcome(true, 0, payer),
    )];
    ctx.expect_error(
        &ixs,
        &[setup.recorder()],
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
