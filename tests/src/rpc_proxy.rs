//! [`RpcProxy`]: a JSON-RPC endpoint in front of a real one (the embedded chain's RPC server)
//! that misbehaves on cue — rate limits, gone nodes, unhealthy or lagging nodes, hangs, outages —
//! for the keeper tests of RPC failover and stale reads (docs/SECURITY-TESTPLAN.md K-06..K-08). Healthy,
//! it forwards every request byte for byte.
use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
};

use axum::{
    body::Bytes,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::post,
    Router,
};
use serde_json::{json, Value};

/// How the proxy answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Forwards everything.
    Healthy,
    /// Answers every request with this HTTP status (429 rate limited, 410 gone, 503 ...).
    Status(u16),
    /// Answers every request with this JSON-RPC error code (-32005 node unhealthy ...).
    RpcError(i64),
    /// A node stuck at `slot`: reads asking for a later `minContextSlot` get -32016, others
    /// are forwarded.
    LaggingAt(u64),
    /// Never answers (the client's timeout decides).
    Hang,
}

#[derive(Clone)]
struct Shared {
    upstream: String,
    client: reqwest::Client,
    fault: Arc<Mutex<Fault>>,
    answered: Arc<AtomicUsize>,
}

/// A running proxy; stops when dropped.
pub struct RpcProxy {
    pub url: String,
    fault: Arc<Mutex<Fault>>,
    answered: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl RpcProxy {
    /// Listens on a free loopback port, forwarding to `upstream`.
    pub async fn start(upstream: &str) -> Self {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let shared = Shared {
            upstream: upstream.to_string(),
            client: reqwest::Client::new(),
            fault: Arc::new(Mutex::new(Fault::Healthy)),
            answered: Arc::default(),
        };
        let (fault, answered) = (shared.fault.clone(), shared.answered.clone());
        let app = Router::new().route("/", post(handle)).with_state(shared);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            url,
            fault,
            answered,
            task,
        }
    }

    /// From now on, answers as `fault` says.
    pub fn set(&self, fault: Fault) {
        *self.fault.lock().expect("fault") = fault;
    }

    /// Requests forwarded and answered by the upstream so far.
    pub fn forwarded(&self) -> usize {
        self.answered.load(Ordering::Acquire)
    }
}

impl Drop for RpcProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn rpc_error(request: &Value, code: i64, message: &str) -> Response {
    let body = json!({
        "jsonrpc": "2.0",
        "error": {"code": code, "message": message},
        "id": request.get("id").cloned().unwrap_or(Value::Null),
    });
    (StatusCode::OK, axum::Json(body)).into_response()
}

/// The `minContextSlot` a request asks for, if any.
fn min_context_slot(request: &Value) -> Option<u64> {
    request
        .get("params")?
        .as_array()?
        .iter()
        .find_map(|p| p.get("minContextSlot"))?
        .as_u64()
}

async fn handle(State(shared): State<Shared>, body: Bytes) -> Response {
    let fault = *shared.fault.lock().expect("fault");
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    match fault {
        Fault::Status(status) => {
            return StatusCode::from_u16(status)
                .unwrap_or(StatusCode::SERVICE_UNAVAILABLE)
                .into_response()
        }
        Fault::RpcError(code) => return rpc_error(&request, code, "Node is unhealthy"),
        Fault::LaggingAt(slot) if min_context_slot(&request).is_some_and(|min| min > slot) => {
            return rpc_error(
                &request,
                -32016,
                "Minimum context slot has not been reached",
            )
        }
        Fault::Hang => return std::future::pending().await,
        Fault::Healthy | Fault::LaggingAt(_) => {}
    }
    let forwarded = shared
        .client
        .post(&shared.upstream)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await;
    match forwarded {
        Ok(response) => {
            let status = response.status().as_u16();
            let bytes = response.bytes().await.unwrap_or_default();
            shared.answered.fetch_add(1, Ordering::AcqRel);
            (
                StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY),
                [("content-type", "application/json")],
                bytes,
            )
                .into_response()
        }
        Err(_) => StatusCode::BAD_GATEWAY.into_response(),
    }
}
