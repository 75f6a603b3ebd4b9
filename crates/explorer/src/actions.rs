//! A plan's approval as a Solana Action (the actions spec, v2.4): `/actions.json` maps a plan's
//! page to its action; `GET` describes the approval (each step's vendor and fee, the total,
//! what the runner may sell of the owner's); `POST {account}` answers the transaction to sign.
//! An approval that takes two transactions is chained (`links.next`): after the first lands,
//! the next action offers the second, then a completed action. Every route answers `OPTIONS`
//! and carries the spec's CORS and `X-Action-Version` / `X-Blockchain-Ids` headers, so any
//! Actions-aware wallet or client can sign it. The server never holds a key.
use std::{
    collections::HashMap,
    str::FromStr,
    sync::Mutex,
    time::{Duration, Instant},
};

use agentrunner_client::flows::{self, Offers, PlanView};
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};
use axum::{
    extract::{Path, Query, State},
    http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::{
    state::Explorer,
    txs::{to_sign, TxError},
    views::plan,
};

/// The actions spec version these routes implement.
pub const ACTION_VERSION: &str = "2.4";

/// How long a chained approval's remaining transactions are kept for its next part.
const CHAIN_TTL: Duration = Duration::from_secs(600);

/// Chained approvals in progress, by (plan, account): every part's instructions, compiled with
/// a fresh blockhash when asked for.
#[derive(Default)]
pub struct Chains(Mutex<HashMap<(Pubkey, Pubkey), Chain>>);

/// One chained approval: when it was built and each part's instructions.
type Chain = (Instant, Vec<Vec<Instruction>>);

impl Chains {
    fn keep(&self, key: (Pubkey, Pubkey), parts: Vec<Vec<Instruction>>) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, (at, _)| at.elapsed() < CHAIN_TTL);
        map.insert(key, (Instant::now(), parts));
    }

    /// Part `part` of the chain and how many parts it has.
    fn part(&self, key: &(Pubkey, Pubkey), part: usize) -> Option<(Vec<Instruction>, usize)> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let (at, parts) = map.get(key)?;
        (at.elapsed() < CHAIN_TTL)
            .then(|| Some((parts.get(part)?.clone(), parts.len())))
            .flatten()
    }
}

/// The spec's headers on every answer.
fn headers(explorer: &Explorer) -> [(HeaderName, HeaderValue); 7] {
    let value = |v: &str| HeaderValue::from_str(v).unwrap_or(HeaderValue::from_static(""));
    [
        (header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*")),
        (
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET,POST,PUT,OPTIONS"),
        ),
        (
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(
                "Content-Type, Authorization, Content-Encoding, Accept-Encoding, X-Accept-Action-Version, X-Accept-Blockchain-Ids",
            ),
        ),
        (
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("X-Action-Version, X-Blockchain-Ids"),
        ),
        (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
        (
            HeaderName::from_static("x-action-version"),
            HeaderValue::from_static(ACTION_VERSION),
        ),
        (
            HeaderName::from_static("x-blockchain-ids"),
            value(&explorer.cluster.caip2),
        ),
    ]
}

fn answer(explorer: &Explorer, status: StatusCode, body: Value) -> Response {
    (status, headers(explorer), Json(body)).into_response()
}

/// An `ActionError` answer.
fn refuse(explorer: &Explorer, status: StatusCode, message: impl Into<String>) -> Response {
    answer(explorer, status, json!({ "message": message.into() }))
}

/// `scheme://host` of the request, for the absolute URLs the spec asks for.
fn origin(request: &HeaderMap) -> String {
    let host = request
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = request
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("http");
    format!("{scheme}://{host}")
}

/// The routes.
pub fn router() -> Router<Explorer> {
    Router::new()
        .route("/actions.json", get(actions_json).options(preflight))
        .route(
            "/api/actions/approve/{plan}",
            get(describe).post(first).options(preflight),
        )
        .route(
            "/api/actions/approve/{plan}/next",
            post(next).options(preflight),
        )
        .route(
            "/api/actions/approve/{plan}/part/{part}",
            post(part).options(preflight),
        )
}

async fn preflight(State(explorer): State<Explorer>) -> Response {
    (StatusCode::NO_CONTENT, headers(&explorer)).into_response()
}

async fn actions_json(State(explorer): State<Explorer>) -> Response {
    answer(
        &explorer,
        StatusCode::OK,
        json!({ "rules": [
            { "pathPattern": "/plans/*", "apiPath": "/api/actions/approve/*" },
            { "pathPattern": "/api/actions/**", "apiPath": "/api/actions/**" },
        ]}),
    )
}

fn plan_key(explorer: &Explorer, text: &str) -> Result<Pubkey, Response> {
    Pubkey::from_str(text).map_err(|_| {
        refuse(
            explorer,
            StatusCode::BAD_REQUEST,
            format!("{text:?} is not a plan address"),
        )
    })
}

/// Title, description and label of the approval of `plan` as it stands, and why it cannot be
/// approved now, if it cannot.
async fn approval_terms(
    explorer: &Explorer,
    key: &Pubkey,
) -> Result<(String, String, String, Option<String>), Response> {
    let page = match plan::load(explorer, key).await {
        Ok(Some(page)) => page,
        Ok(None) => {
            return Err(refuse(
                explorer,
                StatusCode::NOT_FOUND,
                format!("no plan at {key}"),
            ))
        }
        Err(e) => return Err(refuse(explorer, StatusCode::BAD_GATEWAY, e.to_string())),
    };
    let title = format!("Approve AgentRunner plan {}…", &page.key[..8]);
    let mut lines: Vec<String> = page
        .steps
        .iter()
        .map(|s| match &s.budget {
            Some(budget) => format!("Step {}: {} — {budget}.", s.terms.index, s.terms.title),
            None => format!(
                "Step {}: {} — not awarded yet.",
                s.terms.index, s.terms.title
            ),
        })
        .collect();
    let (label, why_not) = match &page.approval {
        Some(a) => {
            lines.push(format!(
                "Total vendor fees {}. The runner may sell at most {} of yours, only through these guarded steps.",
                a.total_fees,
                a.inputs.join(" and ")
            ));
            (format!("Approve ({})", a.total_fees), None)
        }
        None => (
            "Approve".to_string(),
            Some("not every step is awarded yet".to_string()),
        ),
    };
    let why_not = why_not.or_else(|| {
        (!page.can.approve).then(|| match (page.status, page.approved) {
            ("Cancelled", _) => "the plan is cancelled".to_string(),
            (_, true) => "the plan is already approved".to_string(),
            _ => "the plan cannot be approved now".to_string(),
        })
    });
    Ok((title, lines.join(" "), label, why_not))
}

async fn describe(
    State(explorer): State<Explorer>,
    Path(plan): Path<String>,
    request: HeaderMap,
) -> Response {
    let key = match plan_key(&explorer, &plan) {
        Ok(key) => key,
        Err(refusal) => return refusal,
    };
    let (title, description, label, why_not) = match approval_terms(&explorer, &key).await {
        Ok(terms) => terms,
        Err(refusal) => return refusal,
    };
    let mut body = json!({
        "type": "action",
        "icon": format!("{}/static/icon.png", origin(&request)),
        "title": title,
        "description": description,
        "label": label,
        "disabled": why_not.is_some(),
    });
    if let Some(why) = why_not {
        body["error"] = json!({ "message": why });
    }
    answer(&explorer, StatusCode::OK, body)
}

/// An `ActionPostRequest` (or `NextActionPostRequest`).
#[derive(Deserialize)]
struct PostRequest {
    account: String,
    #[serde(default)]
    signature: Option<String>,
}

fn account(
    explorer: &Explorer,
    body: &Result<Json<PostRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Pubkey, Response> {
    let body = body.as_ref().map_err(|e| {
        refuse(
            explorer,
            StatusCode::BAD_REQUEST,
            format!("the body must be {{\"account\": \"<base58 public key>\"}}: {e}"),
        )
    })?;
    Pubkey::from_str(&body.account).map_err(|_| {
        refuse(
            explorer,
            StatusCode::BAD_REQUEST,
            format!("account {:?} is not a base58 public key", body.account),
        )
    })
}

fn refused(explorer: &Explorer, e: TxError) -> Response {
    let status = match e {
        TxError::Bad(_) => StatusCode::BAD_REQUEST,
        TxError::NoPlan(_) => StatusCode::NOT_FOUND,
        TxError::Refused(_) | TxError::NotLanded { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        TxError::Cluster(_) => StatusCode::BAD_GATEWAY,
    };
    refuse(explorer, status, e.to_string())
}

/// One part of a chained approval as a `TransactionResponse`.
async fn transaction_part(
    explorer: &Explorer,
    plan: &Pubkey,
    owner: &Pubkey,
    ixs: Vec<Instruction>,
    part: usize,
    parts: usize,
) -> Response {
    let tables = explorer.config.deployment.tables();
    let message = if parts > 1 {
        format!("Approval, transaction {} of {parts}", part + 1)
    } else {
        "Approval: the plan's budget, its grants and the runner's allowance".to_string()
    };
    match to_sign(explorer, owner, plan, &[ixs], &tables, message.clone()).await {
        Ok(signed) => answer(
            explorer,
            StatusCode::OK,
            json!({
                "type": "transaction",
                "transaction": signed.transactions[0],
                "message": message,
                "links": { "next": {
                    "type": "post",
                    "href": format!("/api/actions/approve/{plan}/next?part={}", part + 1),
                }},
            }),
        ),
        Err(e) => refused(explorer, e),
    }
}

async fn first(
    State(explorer): State<Explorer>,
    Path(plan): Path<String>,
    body: Result<Json<PostRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let (key, owner) = match (plan_key(&explorer, &plan), account(&explorer, &body)) {
        (Ok(key), Ok(owner)) => (key, owner),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    let deployment = &explorer.config.deployment;
    let built = async {
        let view = PlanView::load(&explorer.chain, deployment, &key, Offers::Skip).await?;
        let approval = flows::approve::owner_approval(
            &explorer.chain,
            deployment,
            &view,
            &owner,
            explorer.config.approval_secs,
        )
        .await?;
        approval.transactions(&deployment.tables())
    }
    .await;
    let parts = match built {
        Ok(parts) => parts,
        Err(e) => return refused(&explorer, e.into()),
    };
    let count = parts.len();
    let Some(first) = parts.first().cloned() else {
        return refuse(
            &explorer,
            StatusCode::UNPROCESSABLE_ENTITY,
            "nothing to approve",
        );
    };
    if count > 1 {
        explorer.actions.keep((key, owner), parts);
    }
    transaction_part(&explorer, &key, &owner, first, 0, count).await
}

#[derive(Deserialize)]
struct PartQuery {
    part: usize,
}

/// After part `part - 1` landed: the action signing part `part`, or the completed action.
async fn next(
    State(explorer): State<Explorer>,
    Path(plan): Path<String>,
    Query(query): Query<PartQuery>,
    request: HeaderMap,
    body: Result<Json<PostRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let (key, owner) = match (plan_key(&explorer, &plan), account(&explorer, &body)) {
        (Ok(key), Ok(owner)) => (key, owner),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    let icon = format!("{}/static/icon.png", origin(&request));
    let landed = body
        .ok()
        .and_then(|Json(b)| b.signature)
        .unwrap_or_default();
    let remaining = explorer.actions.part(&(key, owner), query.part);
    match remaining {
        Some((_, parts)) => answer(
            &explorer,
            StatusCode::OK,
            json!({
                "type": "action",
                "icon": icon,
                "title": format!("Approve AgentRunner plan {}…", &plan[..8.min(plan.len())]),
                "description": format!("Transaction {} of {parts} landed ({landed}); sign the next to finish the approval.", query.part),
                "label": format!("Sign transaction {} of {parts}", query.part + 1),
                "links": { "actions": [{
                    "type": "transaction",
                    "label": format!("Sign transaction {} of {parts}", query.part + 1),
                    "href": format!("/api/actions/approve/{key}/part/{}", query.part),
                }]},
            }),
        ),
        None => answer(
            &explorer,
            StatusCode::OK,
            json!({
                "type": "completed",
                "icon": icon,
                "title": format!("Plan {}… approved", &plan[..8.min(plan.len())]),
                "description": format!("The approval landed ({landed}). Vendors execute each step under its guards; every execution leaves a receipt."),
                "label": "Approved",
            }),
        ),
    }
}

/// Part `part` (>= 1) of a chained approval, kept since its first part was asked for.
async fn part(
    State(explorer): State<Explorer>,
    Path((plan, part)): Path<(String, usize)>,
    body: Result<Json<PostRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let (key, owner) = match (plan_key(&explorer, &plan), account(&explorer, &body)) {
        (Ok(key), Ok(owner)) => (key, owner),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    match (part >= 1)
        .then(|| explorer.actions.part(&(key, owner), part))
        .flatten()
    {
        Some((ixs, parts)) => transaction_part(&explorer, &key, &owner, ixs, part, parts).await,
        None => refuse(
            &explorer,
            StatusCode::NOT_FOUND,
            "no approval in progress for this plan and account: start again from its first transaction",
        ),
    }
}
