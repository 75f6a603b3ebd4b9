//! register_agent, update_agent, set_status (A-R03, A-R04, A-R06).
use agent_registry::{
    constants::capability,
    error::RegistryError,
    instructions::{TargetStatus, UpdateAgentArgs},
    state::{Agent, AgentStatus, Stage},
};
use agentrunner_client::{ix::registry as ix, pda};
use agentrunner_tests::{
    context::landed,
    fixtures::{register_args, setup_registry, setup_vendor},
    TestContext,
};
use anchor_lang::prelude::Pubkey;
use solana_signer::Signer;

#[tokio::test]
async fn test_register_agent_ok() {
    let ctx = TestContext::new().await;
    let owner = ctx.wallet().await;
    let payout = Pubkey::new_unique();
    landed(
        ctx.registry()
            .register_agent(&owner, register_args("FastRoute", payout, capability::SWAP))
            .await,
    );
    let (address, bump) = pda::agent(&owner.pubkey(), "FastRoute");
    let agent: Agent = ctx.get(&address).await;
    assert_eq!(agent.owner, owner.pubkey());
    assert_eq!(agent.name, "FastRoute");
    assert_eq!(agent.payout, payout);
    assert_eq!(agent.capabilities, capability::SWAP);
    assert_eq!(agent.status, AgentStatus::Active);
    assert_eq!(agent.version_count, 0);
    assert!(agent
        .reputation
        .iter()
        .all(|r| *r == agent_registry::state::Reputation::default()));
    assert_eq!(agent.bump, bump);
    assert_eq!(agent.created_at, ctx.now().await);
}

#[tokio::test]
async fn test_register_agent_twice_rejected() {
    // A-R03: re-registering (owner, name) cannot overwrite the identity.
    let ctx = TestContext::new().await;
    let vendor = setup_vendor(&ctx, "FastRoute").await;
    let ixs = [ix::register_agent(
        &vendor.owner.pubkey(),
        register_args("FastRoute", Pubkey::new_unique(), capability::DATA),
    )];
    ctx.expect_error(&ixs, &[&vendor.owner], 0u32).await;
}

#[tokio::test]
async fn test_register_agent_names_never_collide() {
    // A-R04: the seed is sha256(name): "ab"+"c" and "a"+"bc" style splits, and names that share a
    // prefix, all get distinct PDAs; a >32-byte or empty name is rejected.
    let ctx = TestContext::new().await;
    let owner = ctx.wallet().await;
    for name in ["abc", "ab", "a", "abcd"] {
        landed(
            ctx.registry()
                .register_agent(
                    &owner,
                    register_args(name, owner.pubkey(), capability::SWAP),
                )
                .await,
        );
    }
    let addresses: Vec<Pubkey> = ["abc", "ab", "a", "abcd"]
        .iter()
        .map(|n| pda::agent(&owner.pubkey(), n).0)
        .collect();
    for (i, a) in addresses.iter().enumerate() {
        assert!(!addresses[..i].contains(a));
    }
    let long = "x".repeat(33);
    let ixs = [ix::register_agent(
        &owner.pubkey(),
        register_args(&long, owner.pubkey(), capability::SWAP),
    )];
    ctx.expect_error(&ixs, &[&owner], RegistryError::NameTooLong)
        .await;
    let ixs = [ix::register_agent(
        &owner.pubkey(),
        register_args("", owner.pubkey(), capability::SWAP),
    )];
    ctx.expect_error(&ixs, &[&owner], RegistryError::NameTooLong)
        .await;
}

#[tokio::test]
async fn test_register_agent_invalid_fields() {
    let ctx = TestContext::new().await;
    let owner = ctx.wallet().await;
    let me = owner.pubkey();

    let mut args = register_args("A", me, capability::SWAP);
    args.metadata_uri = "u".repeat(201);
    ctx.expect_error(
        &[ix::register_agent(&me, args)],
        &[&owner],
        RegistryError::UriTooLong,
    )
    .await;

    let args = register_args("B", me, 0);
    ctx.expect_error(
        &[ix::register_agent(&me, args)],
        &[&owner],
        RegistryError::InvalidCapabilities,
    )
    .await;

    let args = register_args("C", me, 1 << 40);
    ctx.expect_error(
        &[ix::register_agent(&me, args)],
        &[&owner],
        RegistryError::InvalidCapabilities,
    )
    .await;

    let args = register_args("D", Pubkey::default(), capability::SWAP);
    ctx.expect_error(
        &[ix::register_agent(&me, args)],
        &[&owner],
        RegistryError::InvalidKey,
    )
    .await;

    // Exactly 200 bytes and exactly 32-byte names are accepted (boundaries).
    let mut args = register_args(&"n".repeat(32), me, capability::ALL);
    args.metadata_uri = "u".repeat(200);
    landed(ctx.registry().register_agent(&owner, args).await);
}

fn update(payout: Option<Pubkey>, capabilities: Option<u64>) -> UpdateAgentArgs {
    UpdateAgentArgs {
        payout,
        capabilities,
        metadata_uri: None,
        manifest_hash: None,
    }
}

#[tokio::test]
async fn test_update_agent_ok() {
    let ctx = TestContext::new().await;
    let vendor = setup_vendor(&ctx, "CheapSwap").await;
    let payout = Pubkey::new_unique();
    let args = UpdateAgentArgs {
        payout: Some(payout),
        capabilities: None,
        metadata_uri: Some("ipfs://cheap".into()),
        manifest_hash: Some([9; 32]),
    };
    landed(
        ctx.registry()
            .update_agent(&vendor.agent, &vendor.owner, args)
            .await,
    );
    let agent: Agent = ctx.get(&vendor.agent).await;
    assert_eq!(agent.payout, payout);
    assert_eq!(agent.capabilities, capability::SWAP | capability::DCA);
    assert_eq!(agent.metadata_uri, "ipfs://cheap");
    assert_eq!(agent.manifest_hash, [9; 32]);
}

#[tokio::test]
async fn test_update_agent_rejections() {
    let ctx = TestContext::new().await;
    setup_registry(&ctx).await;
    let vendor = setup_vendor(&ctx, "CheapSwap").await;
    let owner = vendor.owner.pubkey();
    let stranger = ctx.wallet().await;

    let ixs = [ix::update_agent(
        &vendor.agent,
        &stranger.pubkey(),
        update(Some(stranger.pubkey()), None),
    )];
    ctx.expect_error(&ixs, &[&stranger], RegistryError::Unauthorized)
        .await;
    let ixs = [ix::update_agent(&vendor.agent, &owner, update(None, None))];
    ctx.expect_error(&ixs, &[&vendor.owner], RegistryError::EmptyUpdate)
        .await;
    let ixs = [ix::update_agent(
        &vendor.agent,
        &owner,
        update(None, Some(0)),
    )];
    ctx.expect_error(&ixs, &[&vendor.owner], RegistryError::CapabilitiesPinned)
        .await;
    let ixs = [ix::update_agent(
        &vendor.agent,
        &owner,
        update(Some(Pubkey::default()), None),
    )];
    ctx.expect_error(&ixs, &[&vendor.owner], RegistryError::InvalidKey)
        .await;

    landed(
        ctx.registry()
            .set_status(&vendor.agent, &vendor.owner, TargetStatus::Retired)
            .await,
    );
    let ixs = [ix::update_agent(
        &vendor.agent,
        &owner,
        update(Some(Pubkey::new_unique()), None),
    )];
    ctx.expect_error(&ixs, &[&vendor.owner], RegistryError::AgentRetired)
        .await;
}

/// M3: an agent certified for DATA only cannot add SWAP by updating itself; capabilities come
/// with a new version, which must be certified on its own.
#[tokio::test]
async fn adversary_m3_capabilities_cannot_grow_after_certification() {
    use agentrunner_tests::fixtures::{certify, version_args_for};
    let ctx = TestContext::new().await;
    let setup = setup_registry(&ctx).await;
    let vendor =
        agentrunner_tests::fixtures::setup_vendor_with(&ctx, "DataOnly", capability::DATA).await;
    certify(&ctx, &setup, &vendor, Stage::D).await;
    let ixs = [ix::update_agent(
        &vendor.agent,
        &vendor.owner.pubkey(),
        update(None, Some(capability::DATA | capability::SWAP)),
    )];
    ctx.expect_error(&ixs, &[&vendor.owner], RegistryError::CapabilitiesPinned)
        .await;
    let check = |version: Pubkey, capability: u64| {
        let ctx = &ctx;
        let agent_key = vendor.agent;
        async move {
            let agent: Agent = ctx.get(&agent_key).await;
            let version: agent_registry::state::AgentVersion = ctx.get(&version).await;
            agent_registry::require_certified(
                &agent_key,
                &agent,
                &version,
                capability,
                Stage::C,
                ctx.now().await,
            )
        }
    };
    assert_eq!(
        check(vendor.version, capability::SWAP).await.unwrap_err(),
        RegistryError::CapabilityMissing.into()
    );
    assert!(check(vendor.version, capability::DATA).await.is_ok());
    // A version that may swap is a new version: uncertified until it passes again.
    landed(
        ctx.registry()
            .publish_version(
                &vendor.agent,
                &vendor.owner,
                1,
                version_args_for(capability::DATA | capability::SWAP, 1, 1, 0),
            )
            .await,
    );
    let v1 = agentrunner_client::pda::agent_version(&vendor.agent, 1).0;
    assert_eq!(
        check(v1, capability::SWAP).await.unwrap_err(),
        RegistryError::NotCertified.into()
    );
    let agent: Agent = ctx.get(&vendor.agent).await;
    assert_eq!(agent.capabilities, capability::DATA | capability::SWAP);
}

#[tokio::test]
async fn test_set_status_owner_and_admin_paths() {
    let ctx = TestContext::new().await;
    let setup = setup_registry(&ctx).await;
    let vendor = setup_vendor(&ctx, "BalancedX").await;
    let registry = ctx.registry();
    let read = || async { ctx.get::<Agent>(&vendor.agent).await.status };

    landed(
        registry
            .set_status(&vendor.agent, &vendor.owner, TargetStatus::Paused)
            .await,
    );
    assert_eq!(read().await, AgentStatus::Paused { by_admin: false });
    landed(
        registry
            .set_status(&vendor.agent, &vendor.owner, TargetStatus::Active)
            .await,
    );
    assert_eq!(read().await, AgentStatus::Active);

    // Admin pause cannot be lifted by the owner.
    landed(
        registry
            .set_status(&vendor.agent, &setup.admin, TargetStatus::Paused)
            .await,
    );
    assert_eq!(read().await, AgentStatus::Paused { by_admin: true });
    let ixs = [ix::set_status(
        &vendor.agent,
        &vendor.owner.pubkey(),
        TargetStatus::Active,
    )];
    ctx.expect_error(
        &ixs,
        &[&vendor.owner],
        RegistryError::InvalidStatusTransition,
    )
    .await;
    landed(
        registry
            .set_status(&vendor.agent, &setup.admin, TargetStatus::Active)
            .await,
    );
    assert_eq!(read().await, AgentStatus::Active);

    // The admin cannot retire someone's agent; a stranger cannot touch it.
    let ixs = [ix::set_status(
        &vendor.agent,
        &setup.admin.pubkey(),
        TargetStatus::Retired,
    )];
    ctx.expect_error(
        &ixs,
        &[&setup.admin],
        RegistryError::InvalidStatusTransition,
    )
    .await;
    let stranger = ctx.wallet().await;
    let ixs = [ix::set_status(
        &vendor.agent,
        &stranger.pubkey(),
        TargetStatus::Paused,
    )];
    ctx.expect_error(&ixs, &[&stranger], RegistryError::Unauthorized)
        .await;

    // Retirement is final.
    landed(
        registry
            .set_status(&vendor.agent, &vendor.owner, TargetStatus::Retired)
            .await,
    );
    let now = ctx.now().await;
    assert_eq!(read().await, AgentStatus::Retired { at: now });
    let ixs = [ix::set_status(
        &vendor.agent,
        &vendor.owner.pubkey(),
        TargetStatus::Active,
    )];
    ctx.expect_error(&ixs, &[&vendor.owner], RegistryError::AgentRetired)
        .await;
}

#[tokio::test]
async fn test_retired_identity_cannot_be_reregistered() {
    // A-R06: the retired account is a tombstone; the same (owner, name) cannot be re-created.
    let ctx = TestContext::new().await;
    setup_registry(&ctx).await;
    let vendor = setup_vendor(&ctx, "Ghost").await;
    landed(
        ctx.registry()
            .set_status(&vendor.agent, &vendor.owner, TargetStatus::Retired)
            .await,
    );
    let ixs = [ix::register_agent(
        &vendor.owner.pubkey(),
        register_args("Ghost", vendor.owner.pubkey(), capability::SWAP),
    )];
    ctx.expect_error(&ixs, &[&vendor.owner], 0u32).await;
    // Another owner using the same name gets a different identity, never this one.
    let other = ctx.wallet().await;
    landed(
        ctx.registry()
            .register_agent(
                &other,
                register_args("Ghost", other.pubkey(), capability::SWAP),
            )
            .await,
    );
    assert_ne!(pda::agent(&other.pubkey(), "Ghost").0, vendor.agent);
}

#[tokio::test]
async fn test_register_agent_prefunded_address_still_registers() {
    // E-37 for identities: a griefer sends lamports to the predictable agent PDA first.
    let ctx = TestContext::new().await;
    let owner = ctx.wallet().await;
    let address = pda::agent(&owner.pubkey(), "Prefunded").0;
    ctx.chain
        .fund(&address, ctx.chain.rent().minimum_balance(0))
        .await
        .unwrap();
    landed(
        ctx.registry()
            .register_agent(
                &owner,
                register_args("Prefunded", owner.pubkey(), capability::SWAP),
            )
            .await,
    );
    let agent: Agent = ctx.get(&address).await;
    assert_eq!(agent.name, "Prefunded");
    let account = ctx.chain.account(&address).await.unwrap().unwrap();
    assert_eq!(
        account.lamports,
        ctx.chain.rent().minimum_balance(account.data.len())
    );
}
