//! The embedded chain served as a local cluster, the way solana-test-validator serves one:
//! Solana JSON-RPC over HTTP on the given port ([`http`], methods in [`methods::METHODS`]) and
//! PubSub over a websocket on the next port ([`pubsub`]). Shapes come from the agave crates that
//! define them (`solana-rpc-client-types`, `solana-transaction-status-client-types`,
//! `solana-account-decoder`); errors carry the validator's codes ([`errors`]).
use std::{net::SocketAddr, sync::Arc};

use serde_json::{json, Value};
use tokio::{net::TcpListener, sync::watch, task::JoinHandle};

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
    /// Moved on to drop every open PubSub connection.
    pubsub_drops: watch::Sender<u64>,
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

    /// Drops every open PubSub connection without a close frame, as a node that restarts or a
    /// broken network does (their subscriptions end; new connections are accepted).
    pub fn drop_pubsub_connections(&self) {
        self.pubsub_drops.send_modify(|drops| *drops += 1);
    }

    /// Stops accepting connections.
    pub fn stop(self) {
        for handle in self.handles {
            handle.abort();
        }
    }
}

/// Serves `chain` with JSON-RPC on `addr` and PubSub on the next port until stopped. Port 0
/// picks a free pair (the next port too, so clients that derive the websocket from the HTTP
/// port, as web3.js does, find it), or a free PubSub port anywhere if no pair is found.
pub async fn serve(chain: Arc<EmbeddedChain>, addr: SocketAddr) -> std::io::Result<RpcServer> {
    let (listener, pubsub_listener) = listeners(addr).await?;
    let addr = listener.local_addr()?;
    let pubsub_addr = pubsub_listener.local_addr()?;
    let served = Arc::new(http::Served::default());
    let app = http::router(chain.clone(), served.clone());
    let http = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let (pubsub_drops, drops) = watch::channel(0);
    let pubsub = tokio::spawn(async move {
        while let Ok((stream, _)) = pubsub_listener.accept().await {
            let _ = stream.set_nodelay(true);
            // Only drops after it connected concern it.
            let mut dropped = drops.clone();
            dropped.borrow_and_update();
            tokio::spawn(pubsub::connection(chain.clone(), stream, dropped));
        }
    });
    Ok(RpcServer {
        addr,
        pubsub_addr,
        served,
        pubsub_drops,
        handles: vec![http, pubsub],
    })
}

/// How many free ports are tried for a pair whose next port is free too.
const PAIR_ATTEMPTS: usize = 16;

/// The HTTP and PubSub listeners: `addr` and the port after it; for port 0, a free pair (a
/// free HTTP port's successor is often an outgoing connection's, so a few are tried).
async fn listeners(addr: SocketAddr) -> std::io::Result<(TcpListener, TcpListener)> {
    let next = |http: &TcpListener| -> std::io::Result<SocketAddr> {
        let port = http.local_addr()?.port().checked_add(1).ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::AddrNotAvailable, "no port after 65535")
        })?;
        Ok(SocketAddr::new(addr.ip(), port))
    };
    if addr.port() != 0 {
        let http = TcpListener::bind(addr).await?;
        let pubsub = TcpListener::bind(next(&http)?).await?;
        return Ok((http, pubsub));
    }
    for _ in 0..PAIR_ATTEMPTS {
        let http = TcpListener::bind(addr).await?;
        if let Ok(pubsub) = TcpListener::bind(next(&http)?).await {
            return Ok((http, pubsub));
        }
    }
    Ok((
        TcpListener::bind(addr).await?,
        TcpListener::bind(addr).await?,
    ))
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
