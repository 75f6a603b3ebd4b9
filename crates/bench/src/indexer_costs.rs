//! Section: the receipts indexer. (1) Following a served chain: 1,000 real appends to a depth-20
//! tree on the embedded chain, indexed over JSON-RPC into SQLite and PostgreSQL (when
//! `AGENTRUNNER_TEST_POSTGRES` names a server): receipts per second and RPC requests per receipt,
//! counted at the server. (2) What `verify` costs a third party as the tree grows: RPC requests
//! to verify a bare receipt from the tree's history vs a receipt file from the indexer's API.
//! (3) Scale: 10^4, 10^5 and 10^6 synthetic receipts (distinct plans, every field varied, leaves
//! appended to the indexer's mirror and committed through its store in batches of 1,000, as the
//! follower commits) — ingest rate, database bytes per receipt, and proof latency p50/p95 over
//! 500 HTTP requests for random leaves against the API.
use std::{
    collections::HashMap,
    sync::{atomic::Ordering, Arc},
    time::{Duration, Instant},
};

use agentrunner_client::{
    ix::receipts as ix,
    receipts::{
        audit::verify_input,
        file::{ReceiptFile, ReceiptInput},
        TreeMirror,
    },
    rpc::RpcChain,
};
use agentrunner_embedded::{rpc_server, EmbeddedChain};
use agentrunner_indexer::{
    api::{serve, ApiState},
    follow::Follower,
    limits::{Limiter, RateLimit},
    store::{PeriodRow, ReceiptRow, Store, TreeRow},
};
use anchor_lang::prelude::Pubkey;
use anyhow::Result;
use rand::{rngs::StdRng, Rng, SeedableRng};
use receipts::{state::PeriodRoot, Receipt};
use solana_keypair::Keypair;
use solana_signature::Signature;
use solana_signer::Signer;
use tokio::sync::RwLock;

use crate::{
    receipts_costs::{one_tree, receipt},
    table,
};

/// The databases to measure: SQLite in a scratch file, and PostgreSQL when configured.
fn databases(label: &str) -> Vec<(&'static str, String)> {
    let dir =
        std::env::temp_dir().join(format!("agentrunner-bench-{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    let mut found = vec![(
        "SQLite",
        format!("sqlite:{}", dir.join("receipts.db").display()),
    )];
    if let Ok(server) = std::env::var("AGENTRUNNER_TEST_POSTGRES") {
        let (base, _) = server.rsplit_once('/').expect("a database URL");
        found.push((
            "PostgreSQL",
            format!("{base}/bench_{label}_{}", std::process::id()),
        ));
    }
    found
}

/// A receipts deployment with one depth-20 tree and a writer, served over JSON-RPC.
struct Served {
    chain: Arc<EmbeddedChain>,
    server: rpc_server::RpcServer,
    writer: Keypair,
    tree: Pubkey,
    mirror: TreeMirror,
    periods: u64,
}

impl Served {
    async fn new() -> Result<Self> {
        let chain = Arc::new(EmbeddedChain::start().await?);
        let (writer, tree) = one_tree(&chain).await?;
        let server = rpc_server::serve(chain.clone(), "127.0.0.1:0".parse()?).await?;
        Ok(Self {
            chain,
            server,
            writer,
            tree,
            mirror: TreeMirror::new(20),
            periods: 0,
        })
    }

    /// Appends receipts until the tree holds `size`, traced as the served cluster processes
    /// what it is sent.
    async fn grow_to(&mut self, size: u64) -> Result<()> {
        while self.mirror.len() < size {
            let n = self.mirror.len() as u32;
            let r = receipt(Pubkey::new_from_array([(n % 250) as u8 + 1; 32]), n);
            let append =
                ix::append_receipt(&ix::TreeRef::first(0, &self.tree), &self.writer.pubkey(), r);
            self.chain.send_traced(&[append], &[&self.writer]).await?;
            self.mirror.append(r.leaf());
        }
        Ok(())
    }

    async fn anchor(&mut self) -> Result<()> {
        self.chain.warp_seconds(60).await?;
        let anchor = ix::anchor_period(
            &ix::TreeRef::first(0, &self.tree),
            self.periods,
            &self.writer.pubkey(),
        );
        self.chain.send(&[anchor], &[&self.writer]).await?;
        self.periods += 1;
        Ok(())
    }

    fn requests(&self) -> u64 {
        self.server.served.requests.load(Ordering::Relaxed)
    }
}

/// Serves the receipts API of `state` on loopback without a rate limit worth hitting.
async fn serve_api(state: ApiState) -> Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let limit = RateLimit {
        per_second: 1e9,
        burst: 1e9,
    };
    serve(listener, state, Limiter::new(limit));
    Ok(base)
}

fn rate(count: u64, elapsed: Duration) -> String {
    format!("{:.0}", count as f64 / elapsed.as_secs_f64())
}

/// (1) and (2).
async fn following() -> Result<()> {
    let mut served = Served::new().await?;
    served.grow_to(1_000).await?;
    let mut rows = vec![vec![
        "database".to_string(),
        "receipts".into(),
        "receipts/s (over JSON-RPC, batch 100)".into(),
        "RPC requests / receipt".into(),
        "root = chain's".into(),
    ]];
    for (name, db) in databases("follow") {
        let store = Store::open(&db).await?;
        let follower = Follower::resume(RpcChain::new(&served.server.url()), store, 100).await?;
        let before = served.requests();
        let started = Instant::now();
        let progress = follower.round().await?;
        let elapsed = started.elapsed();
        let requests = served.requests() - before;
        rows.push(vec![
            name.into(),
            progress[0].indexed.to_string(),
            rate(progress[0].indexed, elapsed),
            format!("{:.2}", requests as f64 / progress[0].indexed as f64),
            format!("{:?}", progress[0].root_matches_chain == Some(true)),
        ]);
    }
    table::print(
        "Indexer: following a served chain (1,000 real appends, depth-20 tree)",
        &rows,
    );

    // verify's cost to a third party as the tree grows.
    let mut rows = vec![vec![
        "tree size".to_string(),
        "file without proof (history rebuilt): RPC requests".into(),
        "receipt file from the API: RPC requests".into(),
    ]];
    for size in [10u64, 100, 1_000] {
        let mut sized = Served::new().await?;
        sized.grow_to(size).await?;
        sized.anchor().await?;
        let sized_rpc = RpcChain::new(&sized.server.url());
        let sized_store = Store::open(&databases(&format!("verify{size}"))[0].1).await?;
        let sized_follower =
            Follower::resume(RpcChain::new(&sized.server.url()), sized_store, 100).await?;
        sized_follower.round().await?;
        let sized_api = serve_api(ApiState {
            store: sized_follower.store.clone(),
            mirrors: sized_follower.mirrors.clone(),
        })
        .await?;
        let first = receipt(Pubkey::new_from_array([1; 32]), 0);
        let url = format!("{sized_api}/v1/leaves/{}/file", hex::encode(first.leaf()));
        let file: ReceiptFile = reqwest::get(&url).await?.json().await?;
        let unproven = ReceiptFile {
            proof: None,
            period_root: None,
            ..file.clone()
        };
        let mut requests = Vec::new();
        for input in [unproven, file] {
            let before = sized.requests();
            verify_input(&sized_rpc, &ReceiptInput::File(Box::new(input)))
                .await
                .map_err(anyhow::Error::msg)?;
            requests.push(sized.requests() - before);
        }
        let (from_history, from_api) = (requests[0], requests[1]);
        rows.push(vec![
            size.to_string(),
            from_history.to_string(),
            from_api.to_string(),
        ]);
    }
    table::print(
        "Indexer: RPC requests to verify one anchored receipt, by tree size",
        &rows,
    );
    Ok(())
}

/// A synthetic receipt: every field varied by `n`.
fn synthetic(rng: &mut StdRng, n: u64) -> Receipt {
    let mut r = receipt(Pubkey::new_from_array(rng.gen()), n as u32);
    r.agent = Pubkey::new_from_array([(n % 7) as u8 + 1; 32]);
    r.payer = Pubkey::new_from_array(rng.gen());
    r.amount_in = rng.gen_range(1..1_000_000_000);
    r.amount_out = rng.gen_range(1..1_000_000_000);
    r.inputs_hash = rng.gen();
    r.slot = n;
    r.unix_time = 1_700_000_000 + n as i64;
    r
}

/// (3) for one database and size.
async fn at_scale(db: &str, size: u64) -> Result<Vec<String>> {
    let store = Store::open(db).await?;
    let tree = Pubkey::new_from_array([0xEE; 32]);
    let mut mirror = TreeMirror::new(20);
    store
        .add_tree(&TreeRow {
            tree,
            shard: 0,
            generation: 0,
            depth: 20,
            leaves: 0,
            root: mirror.root(),
            cursor: None,
        })
        .await?;
    let mut rng = StdRng::seed_from_u64(size);
    let started = Instant::now();
    for batch_start in (0..size).step_by(1_000) {
        let rows: Vec<ReceiptRow> = (batch_start..(batch_start + 1_000).min(size))
            .map(|index| {
                let receipt = synthetic(&mut rng, index);
                mirror.append(receipt.leaf());
                ReceiptRow {
                    tree,
                    index,
                    receipt,
                    signature: {
                        let mut bytes = [0u8; 64];
                        rng.fill(&mut bytes[..]);
                        Signature::from(bytes)
                    },
                }
            })
            .collect();
        let cursor = rows.last().map(|r| r.signature).unwrap_or_default();
        store
            .commit(&tree, &rows, mirror.len(), mirror.root(), &cursor)
            .await?;
    }
    let ingest = started.elapsed();
    let period = PeriodRoot {
        tree,
        shard: 0,
        index: 0,
        start: 0,
        end: 60,
        root: mirror.root(),
        first_leaf: 0,
        leaf_count: size,
        max_depth: 20,
        slot: 1,
        bump: 0,
    };
    store
        .put_periods(&[PeriodRow {
            address: Pubkey::new_from_array([0xEF; 32]),
            period,
        }])
        .await?;
    let bytes = store.size_bytes().await?;
    let api = serve_api(ApiState {
        store,
        mirrors: Arc::new(RwLock::new(HashMap::from([(tree, mirror)]))),
    })
    .await?;
    let client = reqwest::Client::new();
    let mut latencies = Vec::new();
    for _ in 0..500 {
        let index = rng.gen_range(0..size);
        let started = Instant::now();
        let proof: serde_json::Value = client
            .get(format!("{api}/v1/receipts/{tree}/{index}/proof"))
            .send()
            .await?
            .json()
            .await?;
        latencies.push(started.elapsed());
        anyhow::ensure!(proof["anchored"]["tree_size"] == size, "{proof}");
    }
    Ok(vec![
        size.to_string(),
        rate(size, ingest),
        format!("{:.0}", bytes as f64 / size as f64),
        table::percentile_ms(&mut latencies, 50, 2),
        table::percentile_ms(&mut latencies, 95, 2),
    ])
}

/// (3).
async fn scale() -> Result<()> {
    let mut rows = vec![vec![
        "database".to_string(),
        "receipts".into(),
        "ingest receipts/s".into(),
        "DB bytes / receipt".into(),
        "proof p50 ms".into(),
        "proof p95 ms".into(),
    ]];
    for size in [10_000u64, 100_000, 1_000_000] {
        for (name, db) in databases(&format!("scale{size}")) {
            let mut row = vec![name.to_string()];
            row.extend(at_scale(&db, size).await?);
            rows.push(row);
        }
    }
    table::print(
        "Indexer: synthetic receipts in one depth-20 tree (ingest, size, proofs over HTTP)",
        &rows,
    );
    Ok(())
}

pub async fn run() -> Result<()> {
    following().await?;
    scale().await
}
