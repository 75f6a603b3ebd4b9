//! Live status: `GET /api/plans/{plan}/events` streams server-sent events — `status` whenever
//! the plan's state in words changes (its phase, each step's stage and the same reason
//! `agentrunner status` gives, executions, offers), `closed` once the plan's account is gone.
//! Each status carries a `version` that changes only when something beyond the reasons' clocks
//! moves, so a page re-reads its sections then and only updates the words otherwise.
use std::{convert::Infallible, time::Duration};

use agentrunner_client::flows::{self, Offers, PlanView};
use anchor_lang::prelude::Pubkey;
use axum::{
    extract::{Path, State},
    response::{
        sse::{Event, KeepAlive, Sse},
        IntoResponse, Response,
    },
};
use runner::state::PlanStatus;
use serde::Serialize;

use crate::{
    api::key,
    state::Explorer,
    views::steps::{phase_bar, Phase, PhaseMark},
};

/// One step's live state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StepStatus {
    pub step: u16,
    pub stage: &'static str,
    pub phase: &'static str,
    pub reason: String,
    pub executions: u16,
    pub offers: usize,
}

/// A plan's live state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlanStatusEvent {
    pub phase: &'static str,
    pub bar: Vec<PhaseMark>,
    pub cancelled: bool,
    pub approved: bool,
    pub steps: Vec<StepStatus>,
    /// Changes when anything but the reasons' words changes.
    pub version: String,
}

/// The live state of the plan at `key` (`None`: no plan there any more).
pub async fn status(
    explorer: &Explorer,
    key: &Pubkey,
) -> agentrunner_client::ClientResult<Option<PlanStatusEvent>> {
    let deployment = &explorer.config.deployment;
    let view = match PlanView::load(&explorer.chain, deployment, key, Offers::Load).await {
        Ok(view) => view,
        Err(agentrunner_client::ClientError::AccountNotFound(k)) if k == *key => return Ok(None),
        Err(e) => return Err(e),
    };
    let states = flows::explain(&explorer.chain, deployment, &view).await?;
    let mut phase = Phase::Completed;
    let mut steps = Vec::new();
    for ((sv, step), state) in view.steps.iter().zip(&view.plan.steps).zip(states) {
        let p = Phase::of(&state, sv.offers.len());
        phase = phase.min(p);
        steps.push(StepStatus {
            step: sv.index,
            stage: state.stage,
            phase: p.label(),
            reason: state.reason,
            executions: step.executions,
            offers: sv.offers.len(),
        });
    }
    let cancelled = matches!(view.plan.status, PlanStatus::Cancelled { .. });
    let approved = matches!(view.plan.custody, runner::state::Custody::Approved { .. });
    let version = format!(
        "{}:{cancelled}:{approved}:{}",
        phase.label(),
        steps
            .iter()
            .map(|s| format!("{}/{}/{}", s.stage, s.executions, s.offers))
            .collect::<Vec<_>>()
            .join(",")
    );
    Ok(Some(PlanStatusEvent {
        phase: phase.label(),
        bar: phase_bar(phase),
        cancelled,
        approved,
        steps,
        version,
    }))
}

struct Watch {
    explorer: Explorer,
    key: Pubkey,
    last: Option<PlanStatusEvent>,
    closed: bool,
    first: bool,
}

/// The next event of a watch: waits a poll between reads, sends only changes.
async fn next(mut w: Watch) -> Option<(Result<Event, Infallible>, Watch)> {
    if w.closed {
        return None;
    }
    loop {
        if !w.first {
            tokio::time::sleep(
                w.explorer
                    .config
                    .status_poll
                    .max(Duration::from_millis(100)),
            )
            .await;
        }
        w.first = false;
        match status(&w.explorer, &w.key).await {
            Ok(Some(now)) if w.last.as_ref() != Some(&now) => {
                let data = serde_json::to_string(&now).unwrap_or_default();
                w.last = Some(now);
                return Some((Ok(Event::default().event("status").data(data)), w));
            }
            Ok(Some(_)) => {}
            Ok(None) => {
                w.closed = true;
                return Some((Ok(Event::default().event("closed").data("{}")), w));
            }
            // The cluster did not answer this time; the next poll tries again.
            Err(e) => {
                let data = serde_json::json!({ "reason": e.to_string() }).to_string();
                return Some((Ok(Event::default().event("unavailable").data(data)), w));
            }
        }
    }
}

/// `GET /api/plans/{plan}/events`.
pub async fn events(State(explorer): State<Explorer>, Path(plan): Path<String>) -> Response {
    let key = match key("plan", &plan) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let watch = Watch {
        explorer,
        key,
        last: None,
        closed: false,
        first: true,
    };
    Sse::new(futures_util::stream::unfold(watch, next))
        .keep_alive(KeepAlive::default())
        .into_response()
}
