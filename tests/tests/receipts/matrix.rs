//! The account-mutation matrix over every receipts instruction (M-01: fake compression and noop
//! programs are refused by address).
use agentrunner_client::ix::receipts::TreeRef;
use agentrunner_client::{ix::receipts as ix, pda, receipts::TreeMirror};
use agentrunner_tests::{
    fixtures::{random_plan, sample_receipt, setup_receipts, RECEIPTS_PERIOD_SECS},
    mutation::{run_matrix, run_matrix_after, MatrixReport, SlotKind::*},
    TestContext,
};
use anchor_lang::error::ErrorCode;
use receipts::{
    error::ReceiptsError,
    instructions::{
        CreateTreeArgs, InitConfigArgs, ReceiptInput, VerifyReceiptArgs, VerifyReceiptLiveArgs,
    },
};
use solana_keypair::Keypair;
use solana_signer::Signer as _;

#[tokio::test]
async fn test_receipts_mutation_matrix() {
    let mut total = MatrixReport::default();
    let mut add = |r: MatrixReport| {
        total.cases += r.cases;
        total.accounts_compared += r.accounts_compared;
    };
    let address = |e: ErrorCode| Address {
        error: e.into(),
        mutable: false,
    };
    let tail = [EventAuthority, EventProgram];

    // init_config on a fresh chain.
    {
        let ctx = TestContext::new().await;
        let admin = ctx.chain.deployer().insecure_clone();
        let base = ix::init_config(
            &admin.pubkey(),
            InitConfigArgs {
                writers: vec![],
                shard_count: 2,
                period_secs: 3_600,
            },
        );
        add(run_matrix(
            &ctx,
            &base,
            &[&admin],
            &[
                Init,
                Signer { mutable: true },
                Account {
                    mutable: false,
                    cosplay: None,
                },
                Program,
                EventAuthority,
                EventProgram,
            ],
        )
        .await);
    }

    let ctx = TestContext::new().await;
    let setup = setup_receipts(&ctx, 2, 5, 8).await;
    let admin = &setup.admin;
    let config = pda::receipts_config().0;
    let shard0 = pda::receipt_tree(0, 0).0;
    let plan = (0..)
        .map(|_| random_plan())
        .find(|p| setup.shard_of(p).0 == 0)
        .unwrap();
    let tree = setup.trees[0];

    // set_writers
    let base = ix::set_writers(&admin.pubkey(), vec![setup.writer.pubkey()]);
    add(run_matrix(
        &ctx,
        &base,
        &[admin],
        &[
            Account {
                mutable: true,
                cosplay: Some(shard0),
            },
            Signer { mutable: false },
            EventAuthority,
            EventProgram,
        ],
    )
    .await);

    // create_tree, on a fresh deployment with no tree yet.
    {
        let fresh = TestContext::new().await;
        let admin = fresh.chain.deployer().insecure_clone();
        let init = ix::init_config(
            &admin.pubkey(),
            InitConfigArgs {
                writers: vec![],
                shard_count: 1,
                period_secs: 3_600,
            },
        );
        agentrunner_tests::context::landed(fresh.send(&[init], &[&admin]).await);
        let tree_kp = Keypair::new();
        let args = CreateTreeArgs {
            shard: 0,
            max_depth: 5,
            max_buffer_size: 8,
            canopy_depth: 0,
        };
        let rent = fresh.chain.rent().minimum_balance(ix::tree_size(&args));
        let [allocate, base] = ix::create_tree(&admin.pubkey(), &tree_kp.pubkey(), rent, args);
        let slots = [
            Account {
                mutable: false,
                cosplay: None,
            },
            // The Shard, then its generation-0 ReceiptTree.
            Init,
            Init,
            Address {
                error: ReceiptsError::MalformedTree.into(),
                mutable: true,
            },
            address(ErrorCode::ConstraintSeeds),
            Signer { mutable: true },
            address(ErrorCode::ConstraintAddress),
            address(ErrorCode::ConstraintAddress),
            Program,
            EventAuthority,
            EventProgram,
        ];
        add(run_matrix_after(&fresh, &[allocate], &base, &[&admin, &tree_kp], &slots).await);
    }

    // append_receipt
    let base = ix::append_receipt(
        &TreeRef::first(0, &tree),
        &setup.writer.pubkey(),
        sample_receipt(plan, 0),
    );
    let slots = [
        Account {
            mutable: false,
            cosplay: Some(shard0),
        },
        Account {
            mutable: false,
            cosplay: Some(config),
        },
        Address {
            error: ReceiptsError::TreeMismatch.into(),
            mutable: true,
        },
        // The Shard taking the leaf's deposit.
        Account {
            mutable: true,
            cosplay: Some(config),
        },
        address(ErrorCode::ConstraintSeeds),
        Signer { mutable: false },
        // The deposit's payer (the writer itself here).
        Signer { mutable: true },
        address(ErrorCode::ConstraintAddress),
        address(ErrorCode::ConstraintAddress),
        Program,
        EventAuthority,
        EventProgram,
    ];
    add(run_matrix(&ctx, &base, &[&setup.writer], &slots).await);

    // anchor_period
    ctx.warp_seconds(RECEIPTS_PERIOD_SECS).await;
    let cranker = ctx.wallet().await;
    let base = ix::anchor_period(&TreeRef::first(0, &tree), 0, &cranker.pubkey());
    let slots = [
        Account {
            mutable: false,
            cosplay: Some(shard0),
        },
        Account {
            mutable: true,
            cosplay: Some(config),
        },
        Address {
            error: ReceiptsError::TreeMismatch.into(),
            mutable: false,
        },
        Init,
        Signer { mutable: true },
        Program,
        EventAuthority,
        EventProgram,
    ];
    add(run_matrix(&ctx, &base, &[&cranker], &slots).await);

    // verify_receipt, verify_receipt_live
    let mut mirror = TreeMirror::new(5);
    mirror.append(sample_receipt(plan, 0).leaf());
    let period = pda::period_root(&tree, 0).0;
    let base = ix::verify_receipt(
        &period,
        VerifyReceiptArgs {
            input: ReceiptInput::Receipt(Box::new(sample_receipt(plan, 0))),
            index: 0,
            proof: mirror.proof(0, 1),
        },
    );
    add(run_matrix(
        &ctx,
        &base,
        &[],
        &[
            Account {
                mutable: false,
                cosplay: Some(shard0),
            },
            EventAuthority,
            EventProgram,
        ],
    )
    .await);
    let proof = mirror.proof(0, 1);
    let base = ix::verify_receipt_live(
        &TreeRef::first(0, &tree),
        &proof,
        VerifyReceiptLiveArgs {
            input: ReceiptInput::Leaf(mirror.leaf(0).unwrap()),
            index: 0,
            root: mirror.root(),
        },
    );
    let slots: Vec<_> = [
        Account {
            mutable: false,
            cosplay: Some(config),
        },
        Address {
            error: ReceiptsError::TreeMismatch.into(),
            mutable: false,
        },
        address(ErrorCode::ConstraintAddress),
    ]
    .into_iter()
    .chain(tail)
    .chain(proof.iter().map(|_| KeyAsData { error: 6001 }))
    .collect();
    add(run_matrix(&ctx, &base, &[], &slots).await);

    // provision_tree, once shard 0's tree is half full.
    for n in 1..16 {
        let ix = ix::append_receipt(
            &TreeRef::first(0, &tree),
            &setup.writer.pubkey(),
            sample_receipt(plan, n),
        );
        agentrunner_tests::context::landed(ctx.send(&[ix], &[&setup.writer]).await);
    }
    let provisioner = ctx.wallet().await;
    let next = Keypair::new();
    let size = receipts::merkle::tree_account_len(5, 8, 0).unwrap();
    let rent = ctx.chain.rent().minimum_balance(size);
    let [allocate, base] = ix::provision_tree(
        &TreeRef::first(0, &tree),
        (5, 8),
        &next.pubkey(),
        &provisioner.pubkey(),
        rent,
    );
    let slots = [
        Account {
            mutable: true,
            cosplay: Some(config),
        },
        Account {
            mutable: false,
            cosplay: Some(config),
        },
        Address {
            error: ReceiptsError::TreeMismatch.into(),
            mutable: false,
        },
        Address {
            error: ErrorCode::ConstraintSeeds.into(),
            mutable: true,
        },
        Address {
            error: ReceiptsError::MalformedTree.into(),
            mutable: true,
        },
        address(ErrorCode::ConstraintSeeds),
        Signer { mutable: true },
        address(ErrorCode::ConstraintAddress),
        address(ErrorCode::ConstraintAddress),
        Program,
        EventAuthority,
        EventProgram,
    ];
    add(run_matrix_after(&ctx, &[allocate], &base, &[&provisioner, &next], &slots).await);

    println!(
        "receipts mutation matrix: {} cases, {} account comparisons",
        total.cases, total.accounts_compared
    );
    assert!(total.cases >= 70, "matrix shrank: {}", total.cases);
}
