//! The account-mutation matrix over every agent_registry instruction.
use agent_registry::{
    instructions::{RecordOutcomeArgs, TargetStatus, UpdateAgentArgs},
    state::Stage,
};
use agentrunner_client::{ix::registry as ix, pda};
use agentrunner_tests::{
    fixtures::{attest_args, register_args, setup_registry, setup_vendor, version_args},
    mutation::{run_matrix, MatrixReport, SlotKind::*},
    TestContext,
};
use anchor_lang::prelude::Pubkey;
use solana_signer::Signer as _;

const CONFIG: agentrunner_tests::mutation::SlotKind = Account {
    mutable: false,
    cosplay: None,
};

#[tokio::test]
async fn test_registry_mutation_matrix() {
    let mut total = MatrixReport::default();
    let mut add = |r: MatrixReport| {
        total.cases += r.cases;
        total.accounts_compared += r.accounts_compared;
    };

    // init_config
    {
        let ctx = TestContext::new().await;
        let admin = ctx.chain.deployer().insecure_clone();
        let base = ix::init_config(&admin.pubkey(), Pubkey::default());
        let slots = [
            Init,
            Signer { mutable: true },
            Account {
                mutable: false,
                cosplay: None,
            },
            Program,
            EventAuthority,
            EventProgram,
        ];
        add(run_matrix(&ctx, &base, &[&admin], &slots).await);
    }

    let ctx = TestContext::new().await;
    let setup = setup_registry(&ctx).await;
    let admin = &setup.admin;
    let vendor = setup_vendor(&ctx, "FastRoute").await;
    let config = pda::registry_config().0;
    let config_as_agent = Account {
        mutable: true,
        cosplay: Some(config),
    };
    let agent_as_config = Account {
        mutable: true,
        cosplay: Some(vendor.agent),
    };

    // set_certifiers, set_outcome_recorder, set_admin
    let base = ix::set_certifiers(
        &admin.pubkey(),
        setup.certifiers.iter().map(|c| c.pubkey()).collect(),
    );
    add(run_matrix(
        &ctx,
        &base,
        &[admin],
        &[
            agent_as_config,
            Signer { mutable: false },
            EventAuthority,
            EventProgram,
        ],
    )
    .await);
    let base = ix::set_quorum(&admin.pubkey(), [1; 5]);
    add(run_matrix(
        &ctx,
        &base,
        &[admin],
        &[
            agent_as_config,
            Signer { mutable: false },
            EventAuthority,
            EventProgram,
        ],
    )
    .await);
    let base = ix::set_outcome_recorder(&admin.pubkey(), setup.recorder().pubkey());
    add(run_matrix(
        &ctx,
        &base,
        &[admin],
        &[
            agent_as_config,
            Signer { mutable: false },
            EventAuthority,
            EventProgram,
        ],
    )
    .await);

    // register_agent
    let owner = ctx.wallet().await;
    let base = ix::register_agent(
        &owner.pubkey(),
        register_args("CheapSwap", owner.pubkey(), 1),
    );
    add(run_matrix(
        &ctx,
        &base,
        &[&owner],
        &[
            Init,
            Signer { mutable: true },
            Program,
            EventAuthority,
            EventProgram,
        ],
    )
    .await);

    // update_agent, set_status
    let args = || UpdateAgentArgs {
        payout: None,
        capabilities: None,
        metadata_uri: Some("ipfs://matrix".into()),
        manifest_hash: None,
    };
    let base = ix::update_agent(&vendor.agent, &vendor.owner.pubkey(), args());
    add(run_matrix(
        &ctx,
        &base,
        &[&vendor.owner],
        &[
            config_as_agent,
            Signer { mutable: false },
            EventAuthority,
            EventProgram,
        ],
    )
    .await);
    let base = ix::set_status(&vendor.agent, &vendor.owner.pubkey(), TargetStatus::Paused);
    add(run_matrix(
        &ctx,
        &base,
        &[&vendor.owner],
        &[
            CONFIG,
            config_as_agent,
            Signer { mutable: false },
            EventAuthority,
            EventProgram,
        ],
    )
    .await);
    ctx.registry()
        .set_status(&vendor.agent, &vendor.owner, TargetStatus::Active)
        .await
        .unwrap();

    // publish_version (index 1)
    let base = ix::publish_version(
        &vendor.agent,
        &vendor.owner.pubkey(),
        1,
        version_args(1, 1, 0),
    );
    add(run_matrix(
        &ctx,
        &base,
        &[&vendor.owner],
        &[
            config_as_agent,
            Init,
            Signer { mutable: true },
            Program,
            EventAuthority,
            EventProgram,
        ],
    )
    .await);

    // attest (stage A on version 1), revoke it
    let version = pda::agent_version(&vendor.agent, 1).0;
    let certifier = &setup.certifiers[0];
    let base = ix::attest(
        &vendor.agent,
        &version,
        &certifier.pubkey(),
        0,
        attest_args(Stage::A, true, ctx.now().await + 600),
    );
    let slots = [
        Account {
            mutable: false,
            cosplay: Some(vendor.agent),
        },
        config_as_agent,
        Account {
            mutable: true,
            cosplay: Some(vendor.agent),
        },
        Init,
        Signer { mutable: true },
        Program,
        EventAuthority,
        EventProgram,
    ];
    add(run_matrix(&ctx, &base, &[certifier], &slots).await);
    let attestation = pda::attestation(&version, Stage::A, 0).0;
    let base = ix::revoke_attestation(&vendor.agent, &version, &attestation, &certifier.pubkey());
    let slots = [
        Account {
            mutable: false,
            cosplay: Some(vendor.agent),
        },
        config_as_agent,
        Account {
            mutable: true,
            cosplay: Some(vendor.agent),
        },
        Account {
            mutable: true,
            cosplay: Some(version),
        },
        Signer { mutable: false },
        EventAuthority,
        EventProgram,
    ];
    add(run_matrix(&ctx, &base, &[certifier], &slots).await);

    // record_outcome
    let base = ix::record_outcome(
        &vendor.agent,
        &setup.recorder().pubkey(),
        &setup.recorder().pubkey(),
        RecordOutcomeArgs {
            success: true,
            realized_slippage_bps: 3,
            receipt_leaf: [1; 32],
            capability: agent_registry::constants::capability::SWAP,
            payer: Pubkey::new_unique(),
            value_micro_usd: 1_000_000,
        },
    );
    add(run_matrix(
        &ctx,
        &base,
        &[setup.recorder()],
        &[
            CONFIG,
            config_as_agent,
            // The payer record is created here: another address is not its PDA.
            Address {
                error: anchor_lang::error::ErrorCode::ConstraintSeeds.into(),
                mutable: true,
            },
            Signer { mutable: false },
            Signer { mutable: true },
            Program,
            EventAuthority,
            EventProgram,
        ],
    )
    .await);

    // set_admin last (it hands the registry away)
    let next = ctx.wallet().await;
    let base = ix::set_admin(&admin.pubkey(), &next.pubkey());
    let slots = [
        agent_as_config,
        Signer { mutable: false },
        Signer { mutable: false },
        EventAuthority,
        EventProgram,
    ];
    add(run_matrix(&ctx, &base, &[admin, &next], &slots).await);

    println!(
        "registry mutation matrix: {} cases, {} account comparisons",
        total.cases, total.accounts_compared
    );
    assert!(total.cases >= 80, "matrix shrank: {}", total.cases);
}
