//! init_config, set_certifiers, set_outcome_recorder, set_admin.
use agent_registry::{error::RegistryError, events::CertifiersSet, state::RegistryConfig};
use agentrunner_client::{events::decode_event, ix::registry as ix, pda};
use agentrunner_tests::{context::landed, fixtures::setup_registry, TestContext};
use anchor_lang::prelude::Pubkey;
use solana_signer::Signer;

#[tokio::test]
async fn test_init_config_ok() {
    let ctx = TestContext::new().await;
    let admin = ctx.chain.deployer().insecure_clone();
    let recorder = Pubkey::new_unique();
    landed(ctx.registry().init_config(&admin, recorder).await);
    let config: RegistryConfig = ctx.get(&pda::registry_config().0).await;
    assert_eq!(config.admin, admin.pubkey());
    assert_eq!(config.outcome_recorder, recorder);
    assert!(config.certifiers.is_empty());
    assert_eq!(config.bump, pda::registry_config().1);
    assert_eq!(config.seq, 1);
}

#[tokio::test]
async fn test_init_config_not_upgrade_authority() {
    let ctx = TestContext::new().await;
    let impostor = ctx.wallet().await;
    let ixs = [ix::init_config(&impostor.pubkey(), Pubkey::default())];
    ctx.expect_error(&ixs, &[&impostor], RegistryError::NotUpgradeAuthority)
        .await;
}

#[tokio::test]
async fn test_init_config_twice_rejected() {
    let ctx = TestContext::new().await;
    let admin = ctx.chain.deployer().insecure_clone();
    landed(ctx.registry().init_config(&admin, Pubkey::default()).await);
    ctx.warp_seconds(1).await;
    // The system program refuses to create an account that exists: AccountAlreadyInUse (0).
    let ixs = [ix::init_config(&admin.pubkey(), Pubkey::new_unique())];
    ctx.expect_error(&ixs, &[&admin], 0u32).await;
}

#[tokio::test]
async fn test_set_certifiers_ok_and_event() {
    let ctx = TestContext::new().await;
    let setup = setup_registry(&ctx).await;
    let next: Vec<Pubkey> = (0..16).map(|_| Pubkey::new_unique()).collect();
    let traced = ctx
        .chain
        .send_traced(
            &[ix::set_certifiers(&setup.admin.pubkey(), next.clone())],
            &[&setup.admin],
        )
        .await
        .expect("set certifiers");
    let config: RegistryConfig = ctx.get(&pda::registry_config().0).await;
    assert_eq!(config.certifiers, next);
    let events: Vec<CertifiersSet> = traced
        .cpis()
        .filter_map(|c| decode_event(&agent_registry::ID, &c.program_id, &c.accounts, &c.data))
        .collect();
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].old_certifiers,
        setup
            .certifiers
            .iter()
            .map(|c| c.pubkey())
            .collect::<Vec<_>>()
    );
    assert_eq!(events[0].new_certifiers, next);
    assert_eq!(events[0].seq, config.seq);
}

#[tokio::test]
async fn test_set_certifiers_rejections() {
    let ctx = TestContext::new().await;
    let setup = setup_registry(&ctx).await;
    let admin = setup.admin.pubkey();
    let stranger = ctx.wallet().await;
    let key = Pubkey::new_unique();

    let ixs = [ix::set_certifiers(&stranger.pubkey(), vec![key])];
    ctx.expect_error(&ixs, &[&stranger], RegistryError::Unauthorized)
        .await;

    let too_many: Vec<Pubkey> = (0..17).map(|_| Pubkey::new_unique()).collect();
    ctx.expect_error(
        &[ix::set_certifiers(&admin, too_many)],
        &[&setup.admin],
        RegistryError::TooManyCertifiers,
    )
    .await;
    ctx.expect_error(
        &[ix::set_certifiers(&admin, vec![key, key])],
        &[&setup.admin],
        RegistryError::DuplicateCertifier,
    )
    .await;
    ctx.expect_error(
        &[ix::set_certifiers(&admin, vec![Pubkey::default()])],
        &[&setup.admin],
        RegistryError::InvalidKey,
    )
    .await;
}

#[tokio::test]
async fn test_set_outcome_recorder_ok_and_unauthorized() {
    let ctx = TestContext::new().await;
    let setup = setup_registry(&ctx).await;
    let next = Pubkey::new_unique();
    landed(
        ctx.registry()
            .set_outcome_recorder(&setup.admin, next)
            .await,
    );
    let config: RegistryConfig = ctx.get(&pda::registry_config().0).await;
    assert_eq!(config.outcome_recorder, next);

    let stranger = ctx.wallet().await;
    let ixs = [ix::set_outcome_recorder(
        &stranger.pubkey(),
        stranger.pubkey(),
    )];
    ctx.expect_error(&ixs, &[&stranger], RegistryError::Unauthorized)
        .await;
}

#[tokio::test]
async fn test_set_admin_ok_then_old_admin_locked_out() {
    let ctx = TestContext::new().await;
    let setup = setup_registry(&ctx).await;
    let next = ctx.wallet().await;
    landed(ctx.registry().set_admin(&setup.admin, &next).await);
    let config: RegistryConfig = ctx.get(&pda::registry_config().0).await;
    assert_eq!(config.admin, next.pubkey());

    let ixs = [ix::set_certifiers(&setup.admin.pubkey(), vec![])];
    ctx.expect_error(&ixs, &[&setup.admin], RegistryError::Unauthorized)
        .await;
    landed(ctx.registry().set_certifiers(&next, vec![]).await);
}

#[tokio::test]
async fn test_init_config_prefunded_config_still_initializes() {
    // E-37: a griefer funds the predictable config PDA before deployment finishes.
    let ctx = TestContext::new().await;
    let config = pda::registry_config().0;
    ctx.chain
        .fund(&config, ctx.chain.rent().minimum_balance(0))
        .await
        .unwrap();
    let admin = ctx.chain.deployer().insecure_clone();
    landed(ctx.registry().init_config(&admin, Pubkey::default()).await);
    let state: RegistryConfig = ctx.get(&config).await;
    assert_eq!(state.admin, admin.pubkey());
}
