//! `agentrunner keeper indexer` as a third party runs it — a cluster URL, a database, an API
//! address — following the served cluster through the journey on SQLite and, when the test
//! PostgreSQL server is configured (`AGENTRUNNER_TEST_POSTGRES`; `.ci/run` requires it), on
//! PostgreSQL: both hold the plan's receipts, and `verify --api` takes a bare receipt's proof
//! from the API and checks its root on the cluster.
use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::Value;

use super::{free_port, Served, BIN};

/// A running indexer, killed when dropped.
pub struct Indexer {
    child: Child,
    /// Its receipts API.
    pub api: String,
}

impl Drop for Indexer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Indexer {
    pub fn start(s: &Served, db: &str) -> Self {
        let port = free_port();
        let child = Command::new(BIN)
            .env("RUST_LOG", "warn")
            .args(["-u", &s.url, "keeper", "indexer", "--db", db])
            .args([
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--interval-ms",
                "200",
            ])
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        Self {
            child,
            api: format!("http://127.0.0.1:{port}"),
        }
    }

    async fn get(&self, path: &str) -> Option<Value> {
        let response = reqwest::get(format!("{}{path}", self.api)).await.ok()?;
        response.status().is_success().then_some(())?;
        response.json().await.ok()
    }

    /// Waits until the API serves `leaf`'s file with a PeriodRoot (indexed and anchored).
    pub async fn anchored(&self, leaf: &str) -> Value {
        let started = Instant::now();
        loop {
            if let Some(file) = self.get(&format!("/v1/leaves/{leaf}/file")).await {
                if file["period_root"].is_string() {
                    return file;
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{}: {leaf} not indexed with its period",
                self.api
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The plan's receipts the API lists.
    pub async fn receipts_of(&self, plan: &str) -> Vec<Value> {
        let page = self
            .get(&format!("/v1/receipts?plan={plan}"))
            .await
            .unwrap();
        page["receipts"].as_array().unwrap().clone()
    }
}

/// The indexers a journey runs: SQLite, and PostgreSQL when configured.
pub fn start_all(s: &Served) -> Vec<Indexer> {
    let mut indexers = vec![Indexer::start(
        s,
        &format!("sqlite:{}", s.dir.join("receipts.db").display()),
    )];
    match std::env::var("AGENTRUNNER_TEST_POSTGRES") {
        Ok(server) => {
            let (base, _) = server.rsplit_once('/').unwrap();
            let db = format!("{base}/cli_journey_{}_{}", std::process::id(), free_port());
            indexers.push(Indexer::start(s, &db));
        }
        Err(_) => assert!(
            std::env::var("AGENTRUNNER_REQUIRE_POSTGRES").is_err(),
            "AGENTRUNNER_REQUIRE_POSTGRES is set but AGENTRUNNER_TEST_POSTGRES is not"
        ),
    }
    indexers
}

/// Every indexer holds exactly the exported receipt files' receipts of `plan` (same leaves,
/// trees, indexes, transactions), and serves the anchored file of each.
pub async fn hold_the_plan(indexers: &[Indexer], plan: &str, exported: &[Value]) {
    let key = |r: &Value| {
        (
            r["leaf"].as_str().unwrap().to_string(),
            r["tree"].as_str().unwrap().to_string(),
            r["index"].as_u64().unwrap(),
            r["transaction"].as_str().unwrap().to_string(),
        )
    };
    let mut expected: Vec<_> = exported.iter().map(key).collect();
    expected.sort();
    for indexer in indexers {
        for file in exported {
            let served = indexer.anchored(file["leaf"].as_str().unwrap()).await;
            assert_eq!(served["proof"], file["proof"], "{}", indexer.api);
            assert_eq!(
                served["period_root"], file["period_root"],
                "{}",
                indexer.api
            );
        }
        let mut listed: Vec<_> = indexer.receipts_of(plan).await.iter().map(key).collect();
        listed.sort();
        assert_eq!(listed, expected, "{}", indexer.api);
    }
}
