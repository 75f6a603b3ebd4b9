//! A receipts deployment served over JSON-RPC: real appends by an authorized writer (standing in
//! for the runner), a forger program that plants look-alike events in a tree's history, and
//! period anchoring; plus the databases the indexer is tested on.
use std::path::PathBuf;

use agentrunner_client::{events::event_cpi_data, ix::receipts as ix, pda, receipts::TreeMirror};
use agentrunner_embedded::{
    programs::{native, NativeProgram},
    rpc_server::{serve, RpcServer},
};
use agentrunner_tests::{
    context::landed,
    fixtures::{random_plan, sample_receipt, setup_receipts, ReceiptsSetup, RECEIPTS_PERIOD_SECS},
    TestContext,
};
use anchor_lang::{
    prelude::{AccountInfo, AccountMeta, Pubkey},
    solana_program::{entrypoint::ProgramResult, instruction::Instruction, program::invoke},
};
use receipts::{
    constants::NOOP_PROGRAM_ID, events::ReceiptAppended, merkle::read_tree, receipt::ReceiptKind,
    Receipt,
};
#[allow(deprecated)]
use solana_program_test::processor;
use solana_signer::Signer;

/// The forger's program id.
pub const FORGER: Pubkey = Pubkey::new_from_array([0xF0; 32]);

/// Relays its instruction data to mpl-noop as an inner instruction naming the receipts
/// program's event authority: byte for byte what a genuine `emit_cpi!` looks like, but invoked
/// on another program.
fn forge(_program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let relay = Instruction {
        program_id: NOOP_PROGRAM_ID,
        accounts: vec![AccountMeta::new_readonly(*accounts[0].key, false)],
        data: data.to_vec(),
    };
    invoke(&relay, accounts)
}

#[allow(deprecated)] // solana-program-test 3.1 marks its API unstable; see crates/embedded.
fn forger() -> NativeProgram {
    native("forger", FORGER, processor!(forge), false)
}

/// The deployment and what was appended to it.
pub struct World {
    pub ctx: TestContext,
    pub setup: ReceiptsSetup,
    pub server: RpcServer,
    /// Every receipt appended, with its tree, in append order.
    pub appended: Vec<(Pubkey, Receipt)>,
}

impl World {
    /// `shards` trees of depth 10 served over JSON-RPC.
    pub async fn new(shards: u16) -> Self {
        let ctx = TestContext::with_programs(vec![forger()]).await;
        let setup = setup_receipts(&ctx, shards, 10, 32).await;
        let server = serve(ctx.chain.clone(), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        Self {
            ctx,
            setup,
            server,
            appended: Vec::new(),
        }
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    /// Appends `n` receipts of fresh plans (kinds and agents vary with the count).
    pub async fn append(&mut self, n: u32) {
        for _ in 0..n {
            let count = self.appended.len() as u32;
            let plan = random_plan();
            let mut receipt = sample_receipt(plan, count);
            receipt.kind =
                [ReceiptKind::Swap, ReceiptKind::Dca, ReceiptKind::Service][count as usize % 3];
            receipt.agent = Pubkey::new_from_array([10 + (count % 2) as u8; 32]);
            let (shard, tree) = self.setup.shard_of(&plan);
            let append = ix::append_receipt(
                &self.setup.tree_ref(shard),
                &self.setup.writer.pubkey(),
                receipt,
            );
            // Traced, as the served cluster processes what it is sent: its inner instructions
            // are on record for getTransaction.
            let traced = self
                .ctx
                .chain
                .send_traced(&[append], &[&self.setup.writer])
                .await;
            landed(traced.map(|t| t.outcome));
            self.appended.push((tree, receipt));
        }
    }

    /// The receipts appended to `tree`, in leaf order.
    pub fn leaves_of(&self, tree: &Pubkey) -> Vec<Receipt> {
        self.appended
            .iter()
            .filter(|(t, _)| t == tree)
            .map(|(_, r)| *r)
            .collect()
    }

    /// A transaction naming `tree` whose inner instruction is a perfect look-alike of the
    /// receipts program's `ReceiptAppended` for the tree's next leaf — from the forger.
    /// Returns the forged leaf.
    pub async fn forge(&self, tree: &Pubkey) -> [u8; 32] {
        let mut mirror = TreeMirror::new(self.setup.depth);
        for receipt in self.leaves_of(tree) {
            mirror.append(receipt.leaf());
        }
        let receipt = sample_receipt(random_plan(), 9_999);
        mirror.append(receipt.leaf());
        let event = ReceiptAppended {
            tree: *tree,
            shard: 0,
            index: mirror.len() - 1,
            leaf: receipt.leaf(),
            root: mirror.root(),
            receipt,
            writer: self.setup.writer.pubkey(),
            deposit: 0,
            slot: 0,
            unix_ts: 0,
        };
        let data = event_cpi_data(&event);
        let forged = Instruction {
            program_id: FORGER,
            accounts: vec![
                AccountMeta::new_readonly(pda::event_authority(&receipts::ID).0, false),
                AccountMeta::new_readonly(*tree, false),
                AccountMeta::new_readonly(NOOP_PROGRAM_ID, false),
            ],
            data,
        };
        let payer = self.ctx.chain.payer().insecure_clone();
        landed(
            self.ctx
                .chain
                .send_traced(&[forged], &[&payer])
                .await
                .map(|t| t.outcome),
        );
        receipt.leaf()
    }

    /// Ends shard `shard`'s open period and anchors it as period `index`.
    pub async fn anchor(&self, shard: u16, index: u64) {
        self.ctx.warp_seconds(RECEIPTS_PERIOD_SECS).await;
        let payer = self.ctx.chain.payer().insecure_clone();
        let anchor = ix::anchor_period(&self.setup.tree_ref(shard), index, &payer.pubkey());
        landed(self.ctx.send(&[anchor], &[&payer]).await);
    }

    /// The chain's root and leaf count of `tree`.
    pub async fn on_chain(&self, tree: &Pubkey) -> ([u8; 32], u64) {
        let account = self.ctx.chain.account(tree).await.unwrap().unwrap();
        let state = read_tree(&account.data).unwrap();
        (state.root, state.leaf_count)
    }
}

/// A scratch directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("agentrunner-indexer-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A fresh SQLite database URL.
pub fn sqlite(name: &str) -> String {
    format!("sqlite:{}", scratch(name).join("receipts.db").display())
}

/// The PostgreSQL server tests run against (`AGENTRUNNER_TEST_POSTGRES`, an admin URL such as
/// `postgres://postgres:postgres@127.0.0.1:5432/postgres`); `.ci/run` starts one and sets
/// `AGENTRUNNER_REQUIRE_POSTGRES=1`, so CI fails rather than skipping.
pub fn postgres_server() -> Option<String> {
    let url = std::env::var("AGENTRUNNER_TEST_POSTGRES").ok();
    if url.is_none() {
        assert!(
            std::env::var("AGENTRUNNER_REQUIRE_POSTGRES").is_err(),
            "AGENTRUNNER_REQUIRE_POSTGRES is set but AGENTRUNNER_TEST_POSTGRES is not"
        );
        eprintln!("PostgreSQL: AGENTRUNNER_TEST_POSTGRES is not set; its half is skipped");
    }
    url
}

/// A fresh database named `name` on the test PostgreSQL server.
pub async fn postgres(server: &str, name: &str) -> String {
    use sqlx::Connection;
    let mut admin = sqlx::PgConnection::connect(server).await.unwrap();
    let database = format!("indexer_{name}_{}", std::process::id());
    for statement in [
        format!("DROP DATABASE IF EXISTS {database}"),
        format!("CREATE DATABASE {database}"),
    ] {
        sqlx::query(&statement).execute(&mut admin).await.unwrap();
    }
    let (base, _) = server.rsplit_once('/').unwrap();
    format!("{base}/{database}")
}
