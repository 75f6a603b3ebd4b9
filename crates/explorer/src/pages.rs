//! The pages, rendered on the server (askama templates in `templates/`): readable without
//! JavaScript; the page's own ES modules (`assets/`) add the wallet, the live preview and
//! status, and the in-browser verification.
use std::str::FromStr;

use agentrunner_client::flows::{registry, AgentView};
use anchor_lang::prelude::Pubkey;
use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::{header, StatusCode},
    response::{Html, IntoResponse, Response},
    routing::get,
    Router,
};

use crate::{
    api::{preview_owner, DraftQuery},
    reports::{self, Report},
    state::Explorer,
    views::{
        agents::AgentPage,
        draft::DraftView,
        plan::{self, PlanLine, PlanPage},
    },
};

/// What every page's frame shows: the cluster and where the browser reads it.
pub struct Chrome {
    pub title: String,
    /// The JSON-RPC URL the page's verifier reads from.
    pub rpc: String,
    pub wallet_chain: &'static str,
    pub genesis: String,
    /// The receipts program id (base58): a PeriodRoot the browser reads must be its account.
    pub receipts_program: String,
    /// The navigation entry of this page: "goal", "plans", "agents" or "".
    pub section: &'static str,
}

impl Chrome {
    fn new(explorer: &Explorer, title: impl Into<String>, section: &'static str) -> Self {
        Self {
            title: title.into(),
            rpc: explorer.browser_rpc_url().to_string(),
            wallet_chain: explorer.cluster.wallet_chain,
            genesis: explorer.cluster.genesis_hash.clone(),
            receipts_program: ::receipts::ID.to_string(),
            section,
        }
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomeHtml {
    chrome: Chrome,
    goal: String,
    owner: String,
    preview: Option<DraftView>,
}

#[derive(Template)]
#[template(path = "draft.html")]
struct DraftHtml {
    owner: String,
    preview: Option<DraftView>,
}

#[derive(Template)]
#[template(path = "plans.html")]
struct PlansHtml {
    chrome: Chrome,
    owner: String,
    plans: Vec<PlanLine>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanHtml {
    chrome: Chrome,
    page: PlanPage,
}

#[derive(Template)]
#[template(path = "plan_sections.html")]
struct PlanSectionsHtml {
    page: PlanPage,
}

#[derive(Template)]
#[template(path = "agents.html")]
struct AgentsHtml {
    chrome: Chrome,
    agents: Vec<AgentLine>,
}

/// One agent in the registry's list.
pub struct AgentLine {
    pub key: String,
    pub name: String,
    pub status: String,
    pub capabilities: String,
    pub versions: u32,
}

#[derive(Template)]
#[template(path = "agent.html")]
struct AgentHtml {
    chrome: Chrome,
    page: AgentPage,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportHtml {
    chrome: Chrome,
    report: Report,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorHtml {
    chrome: Chrome,
    heading: String,
    message: String,
}

fn html(template: impl Template) -> Response {
    match template.render() {
        Ok(body) => Html(body).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("template: {e}")).into_response(),
    }
}

fn error_page(explorer: &Explorer, status: StatusCode, heading: &str, message: String) -> Response {
    let mut response = html(ErrorHtml {
        chrome: Chrome::new(explorer, heading, ""),
        heading: heading.to_string(),
        message,
    });
    *response.status_mut() = status;
    response
}

/// The page of a cluster that did not answer.
fn cluster_down(explorer: &Explorer, e: impl std::fmt::Display) -> Response {
    error_page(
        explorer,
        StatusCode::BAD_GATEWAY,
        "The cluster did not answer",
        e.to_string(),
    )
}

/// The page routes.
pub fn router() -> Router<Explorer> {
    Router::new()
        .route("/", get(home))
        .route("/fragments/draft", get(draft_fragment))
        .route("/plans", get(plans))
        .route("/plans/{plan}", get(plan_page))
        .route("/plans/{plan}/sections", get(plan_sections))
        .route("/agents", get(agents))
        .route("/agents/{agent}", get(agent))
        .route("/reports/{attestation}", get(report))
}

fn parse_key(explorer: &Explorer, what: &str, text: &str) -> Result<Pubkey, Response> {
    Pubkey::from_str(text).map_err(|_| {
        error_page(
            explorer,
            StatusCode::BAD_REQUEST,
            "Not an address",
            format!("{what} {text:?} is not a base58 public key."),
        )
    })
}

async fn preview(explorer: &Explorer, q: &DraftQuery) -> Result<Option<DraftView>, Response> {
    if q.goal.trim().is_empty() {
        return Ok(None);
    }
    let owner = preview_owner(&q.owner)?;
    Ok(Some(DraftView::of(explorer, &q.goal, &owner).await))
}

async fn home(State(explorer): State<Explorer>, Query(q): Query<DraftQuery>) -> Response {
    let preview = match preview(&explorer, &q).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    html(HomeHtml {
        chrome: Chrome::new(&explorer, "State a goal", "goal"),
        goal: q.goal.clone(),
        owner: q.owner.clone().unwrap_or_default(),
        preview,
    })
}

async fn draft_fragment(State(explorer): State<Explorer>, Query(q): Query<DraftQuery>) -> Response {
    match preview(&explorer, &q).await {
        Ok(preview) => html(DraftHtml {
            owner: q.owner.clone().unwrap_or_default(),
            preview,
        }),
        Err(r) => r,
    }
}

#[derive(serde::Deserialize)]
struct OwnerQuery {
    #[serde(default)]
    owner: Option<String>,
}

async fn plans(State(explorer): State<Explorer>, Query(q): Query<OwnerQuery>) -> Response {
    let owner = q.owner.clone().unwrap_or_default();
    let (plans, error) = match owner.trim() {
        "" => (Vec::new(), None),
        text => match Pubkey::from_str(text) {
            Ok(key) => match plan::plans_of(&explorer.chain, &key).await {
                Ok(plans) => (plans, None),
                Err(e) => (Vec::new(), Some(e.to_string())),
            },
            Err(_) => (
                Vec::new(),
                Some(format!("{text:?} is not a base58 public key")),
            ),
        },
    };
    html(PlansHtml {
        chrome: Chrome::new(&explorer, "Plans", "plans"),
        owner,
        plans,
        error,
    })
}

async fn load_plan(explorer: &Explorer, text: &str) -> Result<PlanPage, Response> {
    let key = parse_key(explorer, "plan", text)?;
    match plan::load(explorer, &key).await {
        Ok(Some(page)) => Ok(page),
        Ok(None) => Err(error_page(
            explorer,
            StatusCode::NOT_FOUND,
            "No such plan",
            format!("There is no plan at {key} on this cluster: it was never created, or it was settled and closed."),
        )),
        Err(e) => Err(cluster_down(explorer, e)),
    }
}

async fn plan_page(State(explorer): State<Explorer>, Path(plan): Path<String>) -> Response {
    match load_plan(&explorer, &plan).await {
        Ok(page) => html(PlanHtml {
            chrome: Chrome::new(&explorer, format!("Plan {}…", &page.key[..8]), "plans"),
            page,
        }),
        Err(r) => r,
    }
}

async fn plan_sections(State(explorer): State<Explorer>, Path(plan): Path<String>) -> Response {
    match load_plan(&explorer, &plan).await {
        Ok(page) => html(PlanSectionsHtml { page }),
        Err(r) => r,
    }
}

async fn agents(State(explorer): State<Explorer>) -> Response {
    match registry::agents(&explorer.chain).await {
        Ok(agents) => html(AgentsHtml {
            chrome: Chrome::new(&explorer, "Agents", "agents"),
            agents: agents
                .into_iter()
                .map(|(key, a)| AgentLine {
                    key: key.to_string(),
                    name: a.name.clone(),
                    status: format!("{:?}", a.status),
                    capabilities: agentrunner_client::flows::manifest::capability_names(
                        a.capabilities,
                    )
                    .join(", "),
                    versions: a.version_count,
                })
                .collect(),
        }),
        Err(e) => cluster_down(&explorer, e),
    }
}

async fn agent(State(explorer): State<Explorer>, Path(agent): Path<String>) -> Response {
    let key = match parse_key(&explorer, "agent", &agent) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let now = match explorer.chain_now().await {
        Ok(now) => now,
        Err(e) => return cluster_down(&explorer, e),
    };
    match AgentView::load(&explorer.chain, &key).await {
        Ok(view) => html(AgentHtml {
            chrome: Chrome::new(&explorer, format!("Agent {}", view.agent.name), "agents"),
            page: AgentPage::of(&view, now),
        }),
        Err(agentrunner_client::ClientError::AccountNotFound(_)) => error_page(
            &explorer,
            StatusCode::NOT_FOUND,
            "No such agent",
            format!("There is no agent at {key} in the registry."),
        ),
        Err(e) => cluster_down(&explorer, e),
    }
}

async fn report(State(explorer): State<Explorer>, Path(attestation): Path<String>) -> Response {
    let key = match parse_key(&explorer, "attestation", &attestation) {
        Ok(k) => k,
        Err(r) => return r,
    };
    match reports::load(&explorer, &key).await {
        Ok(report) => {
            let mut response = html(ReportHtml {
                chrome: Chrome::new(&explorer, "Certification report", "agents"),
                report,
            });
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-store"),
            );
            response
        }
        Err(e) => error_page(
            &explorer,
            StatusCode::NOT_FOUND,
            "No such attestation",
            e.to_string(),
        ),
    }
}
