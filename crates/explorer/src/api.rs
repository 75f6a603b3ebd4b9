//! The explorer's JSON API (what its pages call; documented in the crate README): previews,
//! the owner's verbs as unsigned transactions for a wallet, the relay that lands what the
//! wallet signed, a plan's state and receipts. Every refusal is `{"error": code, "reason":
//! text}` with a status saying whose problem it is (400 the request, 404 nothing there, 422 the
//! chain's state does not allow it, 502 the cluster).
use std::str::FromStr;

use agentrunner_client::flows::Scope;
use agentrunner_indexer::api::refusal;
use anchor_lang::prelude::Pubkey;
use axum::{
    extract::{rejection::JsonRejection, Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde::Deserialize;
use serde_json::json;

use crate::{
    live, receipts,
    state::Explorer,
    txs::{self, Signed, TxError},
    views::{draft::DraftView, plan},
};

/// The routes under `/api`.
pub fn router() -> Router<Explorer> {
    Router::new()
        .route("/api/cluster", get(cluster))
        .route("/api/draft", get(draft))
        .route("/api/plans", post(create))
        .route("/api/plans/{plan}", get(plan_state))
        .route("/api/plans/{plan}/events", get(live::events))
        .route("/api/plans/{plan}/receipts", get(plan_receipts))
        .route("/api/plans/{plan}/receipts/{leaf}", get(plan_receipt))
        .route("/api/plans/{plan}/{verb}", post(act))
        .route("/api/send", post(send))
}

fn bad(reason: impl Into<String>) -> Response {
    refusal(StatusCode::BAD_REQUEST, "bad_request", reason.into())
}

/// A base58 public key named `what`.
pub fn key(what: &str, text: &str) -> Result<Pubkey, Response> {
    Pubkey::from_str(text.trim())
        .map_err(|_| bad(format!("{what}: {text:?} is not a base58 public key")))
}

/// `TxError` as an HTTP refusal.
pub fn tx_refusal(e: TxError) -> Response {
    match e {
        TxError::Bad(reason) => bad(reason),
        TxError::NoPlan(key) => refusal(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no plan at {key}"),
        ),
        TxError::Refused(reason) => refusal(StatusCode::UNPROCESSABLE_ENTITY, "refused", reason),
        TxError::NotLanded {
            message,
            code,
            logs,
            landed,
        } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({
                "error": "not_landed",
                "reason": message,
                "code": code,
                "logs": logs,
                "landed": landed,
            })),
        )
            .into_response(),
        TxError::Cluster(reason) => refusal(StatusCode::BAD_GATEWAY, "cluster", reason),
    }
}

fn body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, Response> {
    body.map(|Json(b)| b).map_err(|e| bad(format!("body: {e}")))
}

async fn cluster(State(explorer): State<Explorer>) -> Response {
    Json(json!({
        "rpc_url": explorer.browser_rpc_url(),
        "genesis_hash": explorer.cluster.genesis_hash,
        "caip2": explorer.cluster.caip2,
        "wallet_chain": explorer.cluster.wallet_chain,
        "fee_token": explorer.config.deployment.fee_token,
        "receipts_program": ::receipts::ID.to_string(),
    }))
    .into_response()
}

/// `?goal=...&owner=...` (owner optional: balances read as empty without one).
#[derive(Deserialize)]
pub struct DraftQuery {
    #[serde(default)]
    pub goal: String,
    #[serde(default)]
    pub owner: Option<String>,
}

/// The owner a preview is drafted for: the given one, or nobody (`Pubkey::default()`).
pub fn preview_owner(owner: &Option<String>) -> Result<Pubkey, Response> {
    match owner.as_deref().map(str::trim).filter(|o| !o.is_empty()) {
        Some(text) => key("owner", text),
        None => Ok(Pubkey::default()),
    }
}

async fn draft(State(explorer): State<Explorer>, Query(q): Query<DraftQuery>) -> Response {
    if q.goal.trim().is_empty() {
        return bad("goal: write what you want done, e.g. \"Swap 1 SOL->USDC <=30 bps\"");
    }
    let owner = match preview_owner(&q.owner) {
        Ok(owner) => owner,
        Err(r) => return r,
    };
    Json(DraftView::of(&explorer, &q.goal, &owner).await).into_response()
}

#[derive(Deserialize)]
struct CreateRequest {
    goal: String,
    account: String,
}

async fn create(
    State(explorer): State<Explorer>,
    request: Result<Json<CreateRequest>, JsonRejection>,
) -> Response {
    let request = match body(request) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let owner = match key("account", &request.account) {
        Ok(k) => k,
        Err(r) => return r,
    };
    match txs::create(&explorer, &request.goal, &owner).await {
        Ok(to_sign) => Json(to_sign).into_response(),
        Err(e) => tx_refusal(e),
    }
}

async fn plan_state(State(explorer): State<Explorer>, Path(plan): Path<String>) -> Response {
    let key = match key("plan", &plan) {
        Ok(k) => k,
        Err(r) => return r,
    };
    match plan::load(&explorer, &key).await {
        Ok(Some(page)) => Json(page).into_response(),
        Ok(None) => refusal(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no plan at {key}"),
        ),
        Err(e) => tx_refusal(e.into()),
    }
}

async fn plan_receipts(State(explorer): State<Explorer>, Path(plan): Path<String>) -> Response {
    let key = match key("plan", &plan) {
        Ok(k) => k,
        Err(r) => return r,
    };
    match receipts::plan_files(&explorer, &key).await {
        Ok(files) => Json(files).into_response(),
        Err(e) => refusal(StatusCode::BAD_GATEWAY, "receipts", e.to_string()),
    }
}

/// One receipt file of the plan, by its leaf (hex), as it stands now: what a page verifies
/// (with a proof against the PeriodRoot once its period is anchored).
async fn plan_receipt(
    State(explorer): State<Explorer>,
    Path((plan, leaf)): Path<(String, String)>,
) -> Response {
    let key = match key("plan", &plan) {
        Ok(k) => k,
        Err(r) => return r,
    };
    match receipts::plan_files(&explorer, &key).await {
        Ok(files) => match files.into_iter().find(|f| f.located.leaf == leaf) {
            Some(file) => Json(file).into_response(),
            None => refusal(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("plan {key} has no receipt with leaf {leaf}"),
            ),
        },
        Err(e) => refusal(StatusCode::BAD_GATEWAY, "receipts", e.to_string()),
    }
}

/// `{"account": signer}`, plus `"offer"` for a manual award.
#[derive(Deserialize)]
struct VerbRequest {
    account: String,
    #[serde(default)]
    offer: Option<String>,
}

/// Parses a verb's plan and signer.
fn verb_request(
    plan: &str,
    request: Result<Json<VerbRequest>, JsonRejection>,
) -> Result<(Pubkey, Pubkey, Option<Pubkey>), Response> {
    let request = body(request)?;
    let offer = request
        .offer
        .as_deref()
        .map(|o| key("offer", o))
        .transpose()?;
    Ok((key("plan", plan)?, key("account", &request.account)?, offer))
}

/// An owner's or planner's verb on a plan.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Verb {
    Award,
    Approve,
    Cancel,
    Settle,
}

/// `POST /api/plans/{plan}/{verb}`: the verb's unsigned transactions for `account`.
async fn act(
    State(explorer): State<Explorer>,
    Path((plan, verb)): Path<(String, Verb)>,
    request: Result<Json<VerbRequest>, JsonRejection>,
) -> Response {
    let (plan, account, offer) = match verb_request(&plan, request) {
        Ok(parsed) => parsed,
        Err(r) => return r,
    };
    let built = match verb {
        Verb::Award => txs::award(&explorer, &plan, &account, offer.as_ref()).await,
        Verb::Approve => txs::approve(&explorer, &plan, &account).await,
        Verb::Cancel => txs::settle(&explorer, &plan, &account, Scope::Cancel).await,
        Verb::Settle => txs::settle(&explorer, &plan, &account, Scope::CloseOut).await,
    };
    match built {
        Ok(to_sign) => Json(to_sign).into_response(),
        Err(e) => tx_refusal(e),
    }
}

async fn send(
    State(explorer): State<Explorer>,
    request: Result<Json<Signed>, JsonRejection>,
) -> Response {
    let signed = match body(request) {
        Ok(s) => s,
        Err(r) => return r,
    };
    if signed.transactions.is_empty() {
        return bad("transactions: nothing to send");
    }
    match txs::land(&explorer, &signed).await {
        Ok(signatures) => Json(json!({ "signatures": signatures })).into_response(),
        Err(e) => tx_refusal(e),
    }
}
