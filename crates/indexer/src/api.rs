//! The receipts API (`openapi.json` documents every route): receipts listed and filtered with
//! keyset pagination, one receipt by tree and leaf index or by leaf hash, its proof against the
//! live root and against the covering `PeriodRoot` (in the spirit of DAS `getAssetProof`), the
//! complete receipt file `agentrunner verify` reads, trees and periods. Every refusal is JSON
//! `{"error": code, "reason": text}`.
use std::{collections::HashMap, str::FromStr};

use agentrunner_client::receipts::{
    audit::receipt_file, file::hex_nodes, index::IndexedReceipt, json::KINDS, LocatedReceipt,
    ReceiptJson, TreeMirror,
};
use anchor_lang::prelude::Pubkey;
use axum::{
    extract::{Path, Query, State},
    http::{header, StatusCode},
    middleware,
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use serde_json::{json, Value};

use crate::{
    follow::Mirrors,
    limits::{guard, Limiter},
    store::{PeriodRow, ReceiptFilter, ReceiptRow, Store},
};

/// The OpenAPI 3.1 document of this API.
pub const OPENAPI: &str = include_str!("openapi.json");
/// Receipts per page unless `limit` says otherwise, and the most a page holds.
pub const DEFAULT_PAGE: u32 = 100;
pub const MAX_PAGE: u32 = 1000;

/// What the handlers share.
#[derive(Clone)]
pub struct ApiState {
    pub store: Store,
    pub mirrors: Mirrors,
}

/// A refusal: `status` with `{"error", "reason"}`.
pub fn refusal(status: StatusCode, code: &str, reason: String) -> Response {
    (status, Json(json!({ "error": code, "reason": reason }))).into_response()
}

type Answer = Result<Json<Value>, Response>;

fn bad(reason: String) -> Response {
    refusal(StatusCode::BAD_REQUEST, "bad_parameter", reason)
}

fn missing(reason: String) -> Response {
    refusal(StatusCode::NOT_FOUND, "not_found", reason)
}

fn internal(e: impl std::fmt::Display) -> Response {
    refusal(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
}

fn pubkey(name: &str, text: &str) -> Result<Pubkey, Response> {
    Pubkey::from_str(text).map_err(|_| bad(format!("{name}: {text:?} is not a base58 public key")))
}

fn number(name: &str, text: &str) -> Result<u64, Response> {
    text.parse()
        .map_err(|_| bad(format!("{name}: {text:?} is not a non-negative integer")))
}

/// The API's routes behind the client limits.
pub fn router(state: ApiState, limiter: Limiter) -> Router {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/v1/trees", get(trees))
        .route("/v1/periods", get(periods))
        .route("/v1/receipts", get(list))
        .route("/v1/receipts/{tree}/{index}", get(one))
        .route("/v1/receipts/{tree}/{index}/proof", get(proof))
        .route("/v1/receipts/{tree}/{index}/file", get(file))
        .route("/v1/leaves/{leaf}/file", get(file_by_leaf))
        .fallback(|| async { missing("no such route; see /openapi.json".into()) })
        .with_state(state)
        .layer(middleware::from_fn_with_state(limiter, guard))
}

/// Serves [`router`] on `listener` in a task of its own (client addresses feed the limits).
pub fn serve(listener: tokio::net::TcpListener, state: ApiState, limiter: Limiter) {
    let app = router(state, limiter).into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

async fn trees(State(state): State<ApiState>) -> Answer {
    let trees = state.store.trees().await.map_err(internal)?;
    Ok(Json(json!(trees
        .iter()
        .map(|t| json!({
            "tree": t.tree.to_string(),
            "shard": t.shard,
            "generation": t.generation,
            "depth": t.depth,
            "leaves": t.leaves,
            "root": hex::encode(t.root),
            "cursor": t.cursor.map(|c| c.to_string()),
        }))
        .collect::<Vec<_>>())))
}

fn period_json(row: &PeriodRow) -> Value {
    let p = &row.period;
    json!({
        "address": row.address.to_string(),
        "tree": p.tree.to_string(),
        "shard": p.shard,
        "index": p.index,
        "start": p.start,
        "end": p.end,
        "first_leaf": p.first_leaf,
        "leaf_count": p.leaf_count,
        "tree_size": p.tree_size(),
        "root": hex::encode(p.root),
        "slot": p.slot,
    })
}

/// Refuses parameters a route does not know (a misspelt filter must not match everything).
fn only(params: &HashMap<String, String>, known: &[&str]) -> Result<(), Response> {
    match params.keys().find(|k| !known.contains(&k.as_str())) {
        Some(unknown) => Err(bad(format!(
            "unknown parameter {unknown:?}; known: {}",
            known.join(", ")
        ))),
        None => Ok(()),
    }
}

async fn periods(
    State(state): State<ApiState>,
    Query(params): Query<HashMap<String, String>>,
) -> Answer {
    only(&params, &["tree"])?;
    let tree = params.get("tree").map(|t| pubkey("tree", t)).transpose()?;
    let rows = state.store.periods(tree.as_ref()).await.map_err(internal)?;
    Ok(Json(json!(rows
        .iter()
        .map(period_json)
        .collect::<Vec<_>>())))
}

fn located(row: &ReceiptRow) -> LocatedReceipt {
    LocatedReceipt {
        receipt: ReceiptJson::from(&row.receipt),
        leaf: hex::encode(row.receipt.leaf()),
        tree: row.tree.to_string(),
        index: row.index,
        transaction: row.signature.to_string(),
    }
}

/// The filter a listing's parameters describe.
async fn filter(
    store: &Store,
    params: &HashMap<String, String>,
) -> Result<ReceiptFilter, Response> {
    only(
        params,
        &[
            "tree", "plan", "agent", "vendor", "payer", "owner", "kind", "period", "limit",
            "cursor",
        ],
    )?;
    let key = |names: &[&str]| -> Result<Option<Pubkey>, Response> {
        let given: Vec<_> = names
            .iter()
            .filter_map(|n| params.get(*n).map(|v| (n, v)))
            .collect();
        match given.as_slice() {
            [] => Ok(None),
            [(name, value)] => pubkey(name, value).map(Some),
            _ => Err(bad(format!("give one of {}", names.join(", ")))),
        }
    };
    let mut filter = ReceiptFilter {
        tree: key(&["tree"])?,
        plan: key(&["plan"])?,
        agent: key(&["agent", "vendor"])?,
        payer: key(&["payer", "owner"])?,
        limit: DEFAULT_PAGE,
        ..ReceiptFilter::default()
    };
    if let Some(kind) = params.get("kind") {
        if !KINDS.iter().any(|(_, name)| name == kind) {
            let names: Vec<_> = KINDS.iter().map(|(_, n)| *n).collect();
            return Err(bad(format!(
                "kind: {kind:?} is not one of {}",
                names.join(", ")
            )));
        }
        filter.kind = Some(kind.clone());
    }
    if let Some(limit) = params.get("limit") {
        let limit = number("limit", limit)?;
        if !(1..=u64::from(MAX_PAGE)).contains(&limit) {
            return Err(bad(format!("limit: {limit} is not within 1..={MAX_PAGE}")));
        }
        filter.limit = limit as u32;
    }
    if let Some(cursor) = params.get("cursor") {
        let parsed = cursor
            .split_once(':')
            .and_then(|(t, i)| Some((Pubkey::from_str(t).ok()?, i.parse::<u64>().ok()?)));
        filter.after = Some(parsed.ok_or_else(|| {
            bad(format!(
                "cursor: {cursor:?} is not a next_cursor this API returned"
            ))
        })?);
    }
    if let Some(period) = params.get("period") {
        let tree = filter
            .tree
            .ok_or_else(|| bad("period: give the tree it belongs to (tree=...)".into()))?;
        let index = number("period", period)?;
        let rows = store.periods(Some(&tree)).await.map_err(internal)?;
        let row = rows
            .iter()
            .find(|p| p.period.index == index)
            .ok_or_else(|| missing(format!("tree {tree} has no anchored period {index}")))?;
        filter.leaves = Some((row.period.first_leaf, row.period.tree_size()));
    }
    Ok(filter)
}

async fn list(
    State(state): State<ApiState>,
    Query(params): Query<HashMap<String, String>>,
) -> Answer {
    let filter = filter(&state.store, &params).await?;
    let rows = state.store.receipts(&filter).await.map_err(internal)?;
    let next_cursor = (rows.len() == filter.limit as usize)
        .then(|| rows.last().map(|r| format!("{}:{}", r.tree, r.index)))
        .flatten();
    Ok(Json(json!({
        "receipts": rows.iter().map(located).collect::<Vec<_>>(),
        "next_cursor": next_cursor,
    })))
}

async fn found(state: &ApiState, tree: &str, index: &str) -> Result<ReceiptRow, Response> {
    let tree = pubkey("tree", tree)?;
    let index = number("index", index)?;
    state
        .store
        .receipt(&tree, index)
        .await
        .map_err(internal)?
        .ok_or_else(|| {
            missing(format!(
                "no receipt at leaf {index} of tree {tree} is indexed"
            ))
        })
}

async fn one(State(state): State<ApiState>, Path((tree, index)): Path<(String, String)>) -> Answer {
    Ok(Json(json!(located(&found(&state, &tree, &index).await?))))
}

/// The PeriodRoot covering `row`, if its period is anchored (and indexed up to its end).
async fn covering(state: &ApiState, row: &ReceiptRow) -> Result<Option<PeriodRow>, Response> {
    let period = state
        .store
        .period_covering(&row.tree, row.index)
        .await
        .map_err(internal)?;
    let indexed = with_mirror(state, &row.tree, TreeMirror::len).await?;
    Ok(period.filter(|p| p.period.tree_size() <= indexed))
}

/// Runs `with` on the mirror of `tree`.
async fn with_mirror<T>(
    state: &ApiState,
    tree: &Pubkey,
    with: impl FnOnce(&TreeMirror) -> T,
) -> Result<T, Response> {
    let mirrors = state.mirrors.read().await;
    let mirror = mirrors
        .get(tree)
        .ok_or_else(|| missing(format!("tree {tree} is not indexed")))?;
    Ok(with(mirror))
}

async fn proof(
    State(state): State<ApiState>,
    Path((tree, index)): Path<(String, String)>,
) -> Answer {
    let row = found(&state, &tree, &index).await?;
    let period = covering(&state, &row).await?;
    let (live, anchored) = with_mirror(&state, &row.tree, |mirror| {
        let size = mirror.len();
        let live = json!({
            "root": hex::encode(mirror.root()),
            "proof": hex_nodes(&mirror.proof(row.index, size)),
            "tree_size": size,
        });
        let anchored = period.as_ref().map(|p| {
            let size = p.period.tree_size();
            json!({
                "period_root": p.address.to_string(),
                "period": p.period.index,
                "root": hex::encode(p.period.root),
                "proof": hex_nodes(&mirror.proof(row.index, size)),
                "tree_size": size,
            })
        });
        (live, anchored)
    })
    .await?;
    Ok(Json(json!({
        "tree_id": row.tree.to_string(),
        "node_index": row.index,
        "leaf": hex::encode(row.receipt.leaf()),
        "live": live,
        "anchored": anchored,
    })))
}

async fn complete_file(state: &ApiState, row: ReceiptRow) -> Answer {
    let period = covering(state, &row).await?;
    let indexed = IndexedReceipt {
        receipt: row.receipt,
        index: row.index,
        tree: row.tree,
        signature: row.signature,
    };
    let file = with_mirror(state, &row.tree, |mirror| {
        receipt_file(
            &indexed,
            mirror,
            period.as_ref().map(|p| (p.address, &p.period)),
            None,
        )
    })
    .await?;
    Ok(Json(json!(file)))
}

async fn file(
    State(state): State<ApiState>,
    Path((tree, index)): Path<(String, String)>,
) -> Answer {
    let row = found(&state, &tree, &index).await?;
    complete_file(&state, row).await
}

async fn file_by_leaf(State(state): State<ApiState>, Path(leaf): Path<String>) -> Answer {
    let bytes: [u8; 32] = hex::decode(&leaf)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| bad(format!("leaf: {leaf:?} is not 32 bytes of hex")))?;
    let row = state
        .store
        .receipt_by_leaf(&bytes)
        .await
        .map_err(internal)?
        .ok_or_else(|| missing(format!("no receipt with leaf {leaf} is indexed")))?;
    complete_file(&state, row).await
}
