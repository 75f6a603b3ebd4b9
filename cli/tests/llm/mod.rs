//! `goal --llm-url`: the optional LLM planner through the CLI, against a local server speaking
//! the chat-completions wire format (this machine has no network). The model's answer is
//! planned by the parser's rules and checked by the programs' before anything is sent; the
//! planning record (request, answer, plan hash) is written beside it.
use std::path::Path;

use axum::{routing::post, Json, Router};
use serde_json::{json, Value};

use super::Served;

/// A model that answers every request with `intents`; its base URL.
async fn fake_model(intents: Value) -> String {
    let content = json!({ "intents": intents }).to_string();
    let app = Router::new().route(
        "/v1/chat/completions",
        post(move |Json(_): Json<Value>| {
            let content = content.clone();
            async move {
                Json(json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/v1")
}

/// The owner plans "buy SOL with 10 USDC" through the model (a dry run): the plan is the
/// parser's, the record names its hash; a hallucinated token is refused before signing.
pub async fn goal_planned_by_a_model(s: &Served) {
    let buy = json!([{"kind": "swap", "sell": "USDC", "buy": "SOL", "amount": "10",
        "max_slippage_bps": 40, "times": null, "every_secs": null, "bps": null,
        "weights_pct": null, "symbols": null, "low_slippage": null, "when": null}]);
    let url = fake_model(buy).await;
    let record = s.dir.join("planning.json");
    let planned = s.json(
        "owner",
        &[
            "goal",
            "buy SOL with 10 USDC, 40 bps at most",
            "--dry-run",
            "--llm-url",
            &url,
            "--llm-record",
            record.to_str().unwrap(),
        ],
    );
    let step = &planned["graph"]["steps"][0];
    assert_eq!(
        (&step["sell"], &step["buy"], &step["amount_in"]),
        (&json!("USDC"), &json!("SOL"), &json!(10_000_000))
    );
    assert_eq!(step["guards"]["max_slippage_bps"], 40);
    let saved: Value = serde_json::from_slice(&std::fs::read(Path::new(&record)).unwrap()).unwrap();
    assert_eq!(saved["plan_hash"], planned["plan_hash"]);

    let hallucinated = fake_model(json!([{"kind": "swap", "sell": "BONK", "buy": "USDC",
        "amount": "1", "max_slippage_bps": null, "times": null, "every_secs": null, "bps": null,
        "weights_pct": null, "symbols": null, "low_slippage": null, "when": null}]))
    .await;
    let refused = s.run(
        "owner",
        &[
            "goal",
            "sell my bonk",
            "--dry-run",
            "--llm-url",
            &hallucinated,
        ],
    );
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success() && stderr.contains("unknown token BONK"),
        "{stderr}"
    );
}
