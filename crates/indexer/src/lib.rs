//! The receipts indexer, a keeper of its own: [`follow`] reads every receipt tree from the
//! chain into a [`store`] (SQLite by default, PostgreSQL for scale) and [`api`] serves what it
//! holds over HTTP. It needs nothing but a cluster URL: trees and periods are found among the
//! receipts program's accounts. `RECEIPT_FORMAT.md` ("The receipts API") documents the routes.
use std::{net::SocketAddr, time::Duration};

use agentrunner_client::{failover::Failover, ClientError};
use anyhow::Context;
use clap::Parser;
use tracing::{info, warn};

pub mod api;
pub mod follow;
pub mod limits;
pub mod store;

/// Why indexing or serving failed.
#[derive(Debug, thiserror::Error)]
pub enum IndexerError {
    #[error("database: {0}")]
    Database(String),
    #[error("cluster: {0}")]
    Chain(String),
    /// What the chain says contradicts what is indexed; indexing that tree stops.
    #[error("inconsistent: {0}")]
    Inconsistent(String),
}

impl From<ClientError> for IndexerError {
    fn from(e: ClientError) -> Self {
        Self::Chain(e.to_string())
    }
}

/// `indexer`'s command line.
#[derive(Parser, Debug, Clone)]
#[command(
    name = "indexer",
    about = "Follows every receipt tree into SQLite or PostgreSQL and serves receipts and proofs over HTTP"
)]
pub struct IndexerArgs {
    /// The cluster's JSON-RPC URL.
    #[arg(
        short = 'u',
        long,
        env = "AGENTRUNNER_URL",
        default_value = "http://127.0.0.1:8899"
    )]
    pub url: String,
    /// The database: `sqlite:PATH` (created if missing) or `postgres://USER@HOST/DB`.
    #[arg(
        long,
        env = "AGENTRUNNER_INDEXER_DB",
        default_value = "sqlite:receipts.db"
    )]
    pub db: String,
    /// Address to serve the receipts API on (no API when absent).
    #[arg(long)]
    pub listen: Option<SocketAddr>,
    /// Milliseconds between rounds.
    #[arg(long, default_value_t = 1000)]
    pub interval_ms: u64,
    /// Transactions per committed batch.
    #[arg(long, default_value_t = 100)]
    pub batch: usize,
    /// API requests per second per client, and the burst allowed.
    #[arg(long, default_value_t = 50.0)]
    pub rate: f64,
    #[arg(long, default_value_t = 100.0)]
    pub burst: f64,
    /// Index once (one round) and exit.
    #[arg(long)]
    pub once: bool,
}

/// Runs the indexer: resumes from the database, serves the API if asked, and follows the
/// chain every `interval_ms` until Ctrl-C (or once).
pub async fn run(args: IndexerArgs) -> anyhow::Result<()> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .try_init();
    let follower = open(&args).await?;
    if let Some(listen) = args.listen {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        info!(%listen, "serving the receipts API");
        serve_api(&args, &follower, listener);
    }
    if args.once {
        follower.round().await?;
        return Ok(());
    }
    tokio::select! {
        _ = follow_forever(follower, Duration::from_millis(args.interval_ms.max(1))) => Ok(()),
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}

/// The follower of a cluster's JSON-RPC endpoint.
type RpcFollower = follow::Follower<Failover<agentrunner_client::rpc::RpcChain>>;

/// Opens the database and resumes following from its cursors.
async fn open(args: &IndexerArgs) -> anyhow::Result<RpcFollower> {
    let store = store::Store::open(&args.db).await?;
    let chain = Failover::rpc(std::slice::from_ref(&args.url), Duration::from_secs(30))?;
    Ok(follow::Follower::resume(chain, store, args.batch).await?)
}

/// Serves the receipts API of `follower`'s store on `listener`, in a task of its own.
fn serve_api(args: &IndexerArgs, follower: &RpcFollower, listener: tokio::net::TcpListener) {
    let state = api::ApiState {
        store: follower.store.clone(),
        mirrors: follower.mirrors.clone(),
    };
    let limiter = limits::Limiter::new(limits::RateLimit {
        per_second: args.rate,
        burst: args.burst,
    });
    api::serve(listener, state, limiter);
}

/// One round every `interval`, for ever; a failed round is retried the next.
async fn follow_forever(follower: RpcFollower, interval: Duration) {
    let mut ticks = tokio::time::interval(interval);
    loop {
        ticks.tick().await;
        match follower.round().await {
            Ok(progress) => {
                for p in progress.iter().filter(|p| p.indexed > 0) {
                    info!(tree = %p.tree, indexed = p.indexed, leaves = p.leaves, root_matches_chain = ?p.root_matches_chain, "indexed");
                }
            }
            Err(e) => warn!(error = %e, "round failed; retrying next round"),
        }
    }
}

/// An indexer beside another program's work (`agentrunner serve` runs one next to its
/// cluster): opens `args.db`, serves the receipts API on `listener` in a task of its own, and
/// returns the following loop for the caller to poll with its own work (it never ends; the
/// follower's futures are not `Send`, so it runs on the caller's task).
pub async fn beside(
    args: &IndexerArgs,
    listener: tokio::net::TcpListener,
) -> anyhow::Result<impl std::future::Future<Output = ()>> {
    let follower = open(args).await?;
    serve_api(args, &follower, listener);
    Ok(follow_forever(
        follower,
        Duration::from_millis(args.interval_ms.max(1)),
    ))
}
