//! init_config and create_tree: the tree account is a standard mpl-account-compression / SPL
//! concurrent Merkle tree that standard tooling can parse.
use agentrunner_client::{ix::receipts as ix, pda, receipts::mirror::empty_node};
use agentrunner_tests::{context::landed, fixtures::setup_receipts, TestContext};
use receipts::{
    error::ReceiptsError,
    instructions::{CreateTreeArgs, InitConfigArgs},
    state::{ReceiptTree, ReceiptsConfig},
};
use solana_keypair::Keypair;
use solana_signer::Signer;
use spl_concurrent_merkle_tree::concurrent_merkle_tree::ConcurrentMerkleTree;

#[tokio::test]
async fn test_create_tree_ok_and_spl_layout() {
    let ctx = TestContext::new().await;
    let setup = setup_receipts(&ctx, 2, 5, 8).await;
    let config: ReceiptsConfig = ctx.get(&pda::receipts_config().0).await;
    assert_eq!(
        (config.admin, config.shard_count),
        (setup.admin.pubkey(), 2)
    );
    assert_eq!(config.writers, vec![setup.writer.pubkey()]);
    for (shard, tree) in setup.trees.iter().enumerate() {
        let state: ReceiptTree = ctx.get(&pda::receipt_tree(shard as u16, 0).0).await;
        assert_eq!(
            (
                state.tree,
                state.shard,
                state.max_depth,
                state.max_buffer_size
            ),
            (*tree, shard as u16, 5, 8)
        );
        assert_eq!((state.period_index, state.period_first_leaf), (0, 0));
        let account = ctx.chain.account(tree).await.unwrap().unwrap();
        assert_eq!(account.owner, receipts::constants::COMPRESSION_PROGRAM_ID);
        // Header: initialized tree, V1, buffer 8, depth 5, authority = the tree-authority PDA.
        assert_eq!((account.data[0], account.data[1]), (1, 0));
        assert_eq!(
            u32::from_le_bytes(account.data[2..6].try_into().unwrap()),
            8
        );
        assert_eq!(
            u32::from_le_bytes(account.data[6..10].try_into().unwrap()),
            5
        );
        assert_eq!(&account.data[10..42], pda::tree_authority(tree).0.as_ref());
        // The body is the SPL ConcurrentMerkleTree<5, 8>, byte for byte.
        let body = &account.data[56..56 + std::mem::size_of::<ConcurrentMerkleTree<5, 8>>()];
        let spl: &ConcurrentMerkleTree<5, 8> = bytemuck::from_bytes(body);
        assert_eq!(spl.get_root(), empty_node(5));
        assert_eq!(spl.rightmost_proof.index, 0);
    }
}

#[tokio::test]
async fn test_init_config_rejections() {
    let ctx = TestContext::new().await;
    let admin = ctx.chain.deployer().insecure_clone();
    let impostor = ctx.wallet().await;
    let args = || InitConfigArgs {
        writers: vec![],
        shard_count: 1,
        period_secs: 3_600,
    };
    ctx.expect_error(
        &[ix::init_config(&impostor.pubkey(), args())],
        &[&impostor],
        ReceiptsError::NotUpgradeAuthority,
    )
    .await;
    let bad = InitConfigArgs {
        shard_count: 0,
        ..args()
    };
    ctx.expect_error(
        &[ix::init_config(&admin.pubkey(), bad)],
        &[&admin],
        ReceiptsError::InvalidConfig,
    )
    .await;
    let bad = InitConfigArgs {
        period_secs: 59,
        ..args()
    };
    ctx.expect_error(
        &[ix::init_config(&admin.pubkey(), bad)],
        &[&admin],
        ReceiptsError::InvalidConfig,
    )
    .await;
    let key = admin.pubkey();
    let bad = InitConfigArgs {
        writers: vec![key, key],
        ..args()
    };
    ctx.expect_error(
        &[ix::init_config(&admin.pubkey(), bad)],
        &[&admin],
        ReceiptsError::InvalidWriters,
    )
    .await;
    landed(
        ctx.send(&[ix::init_config(&admin.pubkey(), args())], &[&admin])
            .await,
    );
}

#[tokio::test]
async fn test_create_tree_rejections() {
    let ctx = TestContext::new().await;
    let setup = setup_receipts(&ctx, 2, 3, 8).await;
    let admin = &setup.admin;
    let attempt = |signer: &Keypair, tree: &Keypair, args: CreateTreeArgs, extra: usize| {
        let size = ix::tree_size(&args) + extra;
        let rent = ctx.chain.rent().minimum_balance(size);
        let mut ixs = ix::create_tree(&signer.pubkey(), &tree.pubkey(), rent, args);
        ixs[0] = solana_system_interface::instruction::create_account(
            &signer.pubkey(),
            &tree.pubkey(),
            rent,
            size as u64,
            &receipts::constants::COMPRESSION_PROGRAM_ID,
        );
        ixs
    };
    let args = |shard| CreateTreeArgs {
        shard,
        max_depth: 3,
        max_buffer_size: 8,
        canopy_depth: 0,
    };
    let tree = Keypair::new();
    // Shard 0 exists already.
    ctx.expect_error(&attempt(admin, &tree, args(0), 0), &[admin, &tree], 0u32)
        .await;
    ctx.expect_error(
        &attempt(admin, &tree, args(2), 0),
        &[admin, &tree],
        ReceiptsError::ShardOutOfRange,
    )
    .await;
    let stranger = ctx.wallet().await;
    ctx.expect_error(
        &attempt(&stranger, &tree, args(1), 0),
        &[&stranger, &tree],
        ReceiptsError::Unauthorized,
    )
    .await;
    ctx.expect_error(
        &attempt(admin, &tree, args(1), 32),
        &[admin, &tree],
        ReceiptsError::MalformedTree,
    )
    .await;
    // (4, 8) is not a shape mpl-account-compression supports.
    let rent = ctx.chain.rent().minimum_balance(ix::tree_size(&args(1)));
    let mut ixs = ix::create_tree(&admin.pubkey(), &tree.pubkey(), rent, args(1));
    ixs[1].data = anchor_lang::InstructionData::data(&receipts::instruction::CreateTree {
        args: CreateTreeArgs {
            max_depth: 4,
            ..args(1)
        },
    });
    ctx.expect_error(&ixs, &[admin, &tree], ReceiptsError::UnsupportedTreeShape)
        .await;
}
