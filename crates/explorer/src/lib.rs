//! The explorer: AgentRunner's web surface for the people it serves first — wallet holders who
//! state goals and approve plans, and auditors who check receipts. A goal box with a live
//! preview of the PlanGraph (or the clause that was not understood), each step's RFP and offers
//! side by side with the award rule's scores, the approval signed in the page through the
//! Wallet Standard (and offered as a Solana Action), live status over server-sent events with
//! the same reasons as `agentrunner status`, a receipts drawer whose Verify button checks the
//! leaf, the vendor's signature and the proof in the browser against a PeriodRoot the browser
//! reads itself, the registry's agents and certification reports, and cancel / settle.
//!
//! Everything it shows is read through the lifecycle's read models (`agentrunner_client::
//! flows`) and the receipts API; everything it asks a wallet to sign is built by the same
//! builders as the CLI's. It holds no key. `agentrunner serve` serves it beside the local
//! cluster; `agentrunner explorer -u <url>` serves it against any cluster.
use std::net::SocketAddr;

use agentrunner_indexer::limits::{guard, Limiter};
use axum::{http::StatusCode, middleware, response::IntoResponse, Router};

pub mod actions;
pub mod api;
pub mod assets;
pub mod live;
pub mod pages;
pub mod receipts;
pub mod reports;
pub mod state;
pub mod txs;
pub mod views;

pub use state::{Explorer, ExplorerConfig, ReceiptsSource};

/// Longest request body accepted, bytes: a goal, or a few signed transactions in base64.
pub const MAX_BODY_BYTES: u64 = 32 * 1024;

/// Every route, behind the per-client limits.
pub fn app(explorer: Explorer) -> Router {
    let limiter = Limiter::with_max_body(explorer.config.rate, MAX_BODY_BYTES);
    Router::new()
        .merge(pages::router())
        .merge(api::router())
        .merge(actions::router())
        .merge(assets::router())
        .fallback(|| async { (StatusCode::NOT_FOUND, "no such page").into_response() })
        .with_state(explorer)
        .layer(middleware::from_fn_with_state(limiter, guard))
}

/// A running explorer.
pub struct Served {
    /// `http://host:port`.
    pub url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Served {
    /// Stops serving.
    pub fn stop(&self) {
        self.task.abort();
    }
}

/// Serves [`app`] on `listener` in a task of its own.
pub fn serve(explorer: Explorer, listener: tokio::net::TcpListener) -> std::io::Result<Served> {
    let url = format!("http://{}", listener.local_addr()?);
    let app = app(explorer).into_make_service_with_connect_info::<SocketAddr>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(Served { url, task })
}
