//! JSON-RPC over HTTP: POST a request or a batch to `/`; `GET /health` answers `ok`. Bodies over
//! 50 KiB are refused with 413 (the validator's limit); every response carries CORS headers so
//! a web page may call the cluster.
use std::sync::{
    atomic::{AtomicU64, Ordering},
    Arc,
};

use axum::{
    body::Bytes,
    extract::{DefaultBodyLimit, State},
    http::{header, HeaderValue, Method, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use serde_json::Value;

use super::{errors::RpcError, methods::dispatch};
use crate::EmbeddedChain;

/// Largest request body, in bytes (the validator's `MAX_REQUEST_BODY_SIZE`).
pub const MAX_REQUEST_BODY: usize = 50 * 1024;
/// Largest batch, in requests.
pub const MAX_BATCH: usize = 1_024;

/// What the server has answered: JSON-RPC requests (each request of a batch counts) and the
/// bytes of their responses — and, for a certifier's chaos runs, how often it fails on purpose.
#[derive(Debug, Default)]
pub struct Served {
    pub requests: AtomicU64,
    pub response_bytes: AtomicU64,
    /// Answer every n-th HTTP request with 503 Service Unavailable instead (0: never), as an
    /// overloaded RPC node does.
    pub fail_every: AtomicU64,
    /// HTTP requests received (faults included).
    pub received: AtomicU64,
}

#[derive(Clone)]
struct Shared {
    chain: Arc<EmbeddedChain>,
    served: Arc<Served>,
}

/// The HTTP side of the server, counting into `served`.
pub fn router(chain: Arc<EmbeddedChain>, served: Arc<Served>) -> Router {
    Router::new()
        .route("/", axum::routing::post(rpc).options(preflight))
        .route("/health", get(|| async { "ok" }))
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BODY))
        .layer(middleware::from_fn(cors))
        .with_state(Shared { chain, served })
}

async fn cors(request: axum::extract::Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("POST, GET, OPTIONS"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("content-type, solana-client"),
    );
    response
}

async fn preflight(method: Method) -> StatusCode {
    if method == Method::OPTIONS {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::METHOD_NOT_ALLOWED
    }
}

/// A request is answered on a task of its own: once received it runs to completion even if the
/// client goes away (as on a validator, a transaction that reached the cluster lands, and its
/// status is recorded, whether or not its sender is still listening).
async fn rpc(State(state): State<Shared>, body: Bytes) -> Response {
    let received = state.served.received.fetch_add(1, Ordering::Relaxed) + 1;
    let every = state.served.fail_every.load(Ordering::Relaxed);
    if every > 0 && received % every == 0 {
        return (StatusCode::SERVICE_UNAVAILABLE, "injected fault").into_response();
    }
    tokio::spawn(respond(state, body))
        .await
        .unwrap_or_else(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response())
}

async fn respond(state: Shared, body: Bytes) -> Response {
    let chain = &state.chain;
    let response = match serde_json::from_slice::<Value>(&body) {
        Err(e) => RpcError::parse(e).response(Value::Null),
        Ok(Value::Array(batch)) if batch.is_empty() || batch.len() > MAX_BATCH => {
            RpcError::invalid_request().response(Value::Null)
        }
        Ok(Value::Array(batch)) => {
            let mut answers = Vec::with_capacity(batch.len());
            state
                .served
                .requests
                .fetch_add(batch.len() as u64, Ordering::Relaxed);
            for request in batch {
                answers.push(answer(chain, request).await);
            }
            Value::Array(answers)
        }
        Ok(request) => {
            state.served.requests.fetch_add(1, Ordering::Relaxed);
            answer(chain, request).await
        }
    };
    let body = serde_json::to_vec(&response).unwrap_or_default();
    state
        .served
        .response_bytes
        .fetch_add(body.len() as u64, Ordering::Relaxed);
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// One request's response object.
pub async fn answer(chain: &EmbeddedChain, request: Value) -> Value {
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    let Some(method) = request.get("method").and_then(Value::as_str) else {
        return RpcError::invalid_request().response(id);
    };
    let params = request
        .get("params")
        .cloned()
        .unwrap_or(Value::Array(Vec::new()));
    match dispatch(chain, method, &params).await {
        Ok(result) => serde_json::json!({"jsonrpc": "2.0", "id": id, "result": result}),
        Err(error) => error.response(id),
    }
}
