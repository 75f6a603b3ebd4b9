//! The LLM planner against a local server speaking the chat-completions wire format (this
//! machine has no network): a valid answer plans exactly as the parsed goal does, and a
//! schema-violating answer, a hallucinated token, an error status and a timeout are each
//! refused with their reason.
use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{extract::State, http::HeaderMap, routing::post, Json, Router};

use super::*;
use crate::plan::{plan_goal, tests::context};

/// What the fake model answers, and what it was asked.
#[derive(Default)]
struct Model {
    /// The message content it answers with; `None`: HTTP 500.
    content: Option<String>,
    /// Seconds it thinks before answering.
    delay_secs: u64,
    asked: Option<(Value, Option<String>)>,
}

async fn completions(
    State(model): State<Arc<Mutex<Model>>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (axum::http::StatusCode, Json<Value>) {
    let (content, delay) = {
        let mut m = model.lock().unwrap();
        let auth = headers
            .get("authorization")
            .map(|v| v.to_str().unwrap().to_string());
        m.asked = Some((body, auth));
        (m.content.clone(), m.delay_secs)
    };
    tokio::time::sleep(Duration::from_secs(delay)).await;
    match content {
        Some(content) => (
            axum::http::StatusCode::OK,
            Json(
                json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}),
            ),
        ),
        None => (
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({"error": {"message": "overloaded"}})),
        ),
    }
}

async fn serve(model: Arc<Mutex<Model>>) -> SocketAddr {
    let app = Router::new()
        .route("/v1/chat/completions", post(completions))
        .with_state(model);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

fn planner(addr: SocketAddr) -> LlmPlanner {
    LlmPlanner {
        url: format!("http://{addr}/v1"),
        model: "planner-test".into(),
        api_key: Some("sk-test-secret".into()),
        timeout: Duration::from_secs(2),
    }
}

fn swap(sell: &str, buy: &str, amount: &str, slippage: Option<u16>) -> Value {
    json!({"kind": "swap", "sell": sell, "buy": buy, "amount": amount,
           "max_slippage_bps": slippage, "times": null, "every_secs": null, "bps": null,
           "weights_pct": null, "symbols": null, "low_slippage": null, "when": null})
}

async fn answered(content: Value) -> (Result<(PlanGraph, LlmRecord), LlmError>, Arc<Mutex<Model>>) {
    let model = Arc::new(Mutex::new(Model {
        content: Some(content.to_string()),
        ..Model::default()
    }));
    let addr = serve(model.clone()).await;
    let goal = "Swap 1 SOL->USDC <=30 bps; then DCA 5 times";
    (planner(addr).plan(goal, &context()).await, model)
}

#[tokio::test]
async fn test_a_valid_answer_plans_exactly_as_the_parsed_goal_and_replays() {
    let dca = json!({"kind": "dca", "sell": null, "buy": null, "amount": null,
                     "max_slippage_bps": null, "times": 5, "every_secs": null, "bps": null,
                     "weights_pct": null, "symbols": null, "low_slippage": null, "when": null});
    let (planned, model) =
        answered(json!({"intents": [swap("SOL", "USDC", "1", Some(30)), dca]})).await;
    let (graph, record) = planned.unwrap();
    let goal = "Swap 1 SOL->USDC <=30 bps; then DCA 5 times";
    assert_eq!(graph, plan_goal(goal, &context()).unwrap());
    assert_eq!(record.plan_hash, hex::encode(graph.hash()));
    assert_eq!(replay(goal, &record, &context()).unwrap(), graph);
    // The model was asked for the schema, saw the goal and the symbols, never the key.
    let (body, auth) = model.lock().unwrap().asked.clone().unwrap();
    assert_eq!(auth.as_deref(), Some("Bearer sk-test-secret"));
    assert_eq!(body["response_format"]["json_schema"]["strict"], true);
    assert_eq!(body["messages"][1]["content"], goal);
    assert!(!body.to_string().contains("sk-test-secret"));
    assert_eq!(record.request, body);
}

#[tokio::test]
async fn test_answers_off_the_schema_or_off_the_rules_are_refused() {
    // Not the schema: an unknown field, prose instead of JSON, a DCA without a count.
    let mut extra = swap("SOL", "USDC", "1", None);
    extra["leverage"] = json!(10);
    for (content, why) in [
        (json!({"intents": [extra]}), "unknown field `leverage`"),
        (json!("Sure! Swap your SOL."), "invalid type"),
        (
            json!({"intents": [{"kind": "dca", "sell": null, "buy": null, "amount": null,
                "max_slippage_bps": null, "times": null, "every_secs": null, "bps": null,
                "weights_pct": null, "symbols": null, "low_slippage": null, "when": null}]}),
            "a DCA without times",
        ),
    ] {
        match answered(content).await.0 {
            Err(LlmError::Schema(reason)) => assert!(reason.contains(why), "{reason}"),
            other => panic!("{why}: {other:?}"),
        }
    }
    // A hallucinated token and an amount over the holdings: the parser's own refusals.
    for (content, why) in [
        (
            json!({"intents": [swap("BONK", "USDC", "1", None)]}),
            "unknown token BONK",
        ),
        (
            json!({"intents": [swap("SOL", "USDC", "1000000", None)]}),
            "but you hold 10 SOL",
        ),
    ] {
        match answered(content).await.0 {
            Err(LlmError::Plan(e)) => assert!(e.to_string().contains(why), "{e}"),
            other => panic!("{why}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn test_an_error_status_or_a_model_that_does_not_answer_in_time_is_refused() {
    let failing = Arc::new(Mutex::new(Model::default()));
    let addr = serve(failing).await;
    assert!(matches!(
        planner(addr).plan("swap 1 SOL to USDC", &context()).await,
        Err(LlmError::Status(500, _))
    ));
    let slow = Arc::new(Mutex::new(Model {
        content: Some(json!({"intents": []}).to_string()),
        delay_secs: 5,
        ..Model::default()
    }));
    let addr = serve(slow).await;
    assert!(matches!(
        planner(addr).plan("swap 1 SOL to USDC", &context()).await,
        Err(LlmError::Timeout(2))
    ));
}
