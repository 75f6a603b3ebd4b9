//! The embedded chain served as a local cluster, the way solana-test-validator serves one:
//! Solana JSON-RPC over HTTP on the given port ([`http`], methods in [`methods::METHODS`]) and
//! PubSub over a websocket on the next port ([`pubsub`]). Shapes come from the agave crates that
//! define them (`solana-rpc-client-types`, `solana-transaction-status-client-types`,
//! `solana-account-decoder`); errors carry the validator's codes ([`errors`]).
use std::{net::SocketAddr, sync::Arc};

use serde_json::{json, Value};
use tokio::{net::TcpListener, task::JoinHandle};

use crate::EmbeddedChain;

mod accounts;
mod blocks;
pub mod errors;
mod history;
pub mod http;
pub mod methods;
mod params;
pub mod pubsub;
mod transactions;

use errors::RpcError;

/// A running server: JSON-RPC on `addr`, PubSub on `pubsub_addr`.
pub struct RpcServer {
    pub addr: SocketAddr,
    pub pubsub_addr: SocketAddr,
    /// What it has answered over HTTP.
    pub served: Arc<http::Served>,
    handles: Vec<JoinHandle<()>>,
}

impl RpcServer {
    /// `http://<addr>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `ws://<pubsub addr>`.
    pub fn pubsub_url(&self) -> String {
        format!("ws://{}", self.pubsub_addr)
    }

    /// Stops accepting connections.
    pub fn stop(self) {
        for handle in self.handles {
            handle.abort();
        }
    }
}

/// Serves `chain` with JSON-RPC on `addr` and PubSub on the next port (port 0 picks free ports
/// for both) until stopped.
pub async fn serve(chain: Arc<EmbeddedChain>, addr: SocketAddr) -> std::io::Result<RpcServer> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let mut pubsub_addr = addr;
    pubsub_addr.set_port(if addr.port() == 0 { 0 } else { addr.port() + 1 });
    let pubsub_listener = if addr.port() != 0 && pubsub_addr.port() != 0 {
        TcpListener::bind(pubsub_addr).await?
    } else {
        TcpListener::bind(SocketAddr::new(addr.ip(), 0)).await?
    };
    let pubsub_addr = pubsub_listener.local_addr()?;
    let served = Arc::new(http::Served::default());
    let app = http::router(chain.clone(), served.clone());
    let http = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let pubsub = tokio::spawn(async move {
        while let Ok((stream, _)) = pubsub_listener.accept().await {
            let _ = stream.set_nodelay(true);
            tokio::spawn(pubsub::connection(chain.clone(), stream));
        }
    });
    Ok(RpcServer {
        addr,
        pubsub_addr,
        served,
        handles: vec![http, pubsub],
    })
}

/// What every method sees: the chain and the slot the request is answered at.
pub(crate) struct Ctx<'a> {
    pub chain: &'a EmbeddedChain,
    pub slot: u64,
}

impl Ctx<'_> {
    /// `value` in the `{context, value}` envelope.
    pub fn with_context(&self, value: Value) -> Value {
        json!({"context": {"apiVersion": methods::SOLANA_CORE, "slot": self.slot}, "value": value})
    }

    /// Refuses a read whose `minContextSlot` the chain has not reached.
    pub fn min_context_slot(&self, min: Option<u64>) -> Result<(), RpcError> {
        match min {
            Some(min) if min > self.slot => Err(RpcError::min_context_slot_not_reached(self.slot)),
            _ => Ok(()),
        }
    }
}
