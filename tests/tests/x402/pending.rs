//! `settlement_pending`: an `exact` settlement that was broadcast but whose confirmation the
//! facilitator could not see in time. The RPC the facilitator uses is a forwarding proxy that
//! hides signature statuses while told to; the same payment sent again reports the outcome once
//! it is visible, and is never sent or paid twice.
use std::sync::atomic::{AtomicBool, Ordering};

use agentrunner_x402::facilitator;
use axum::{extract::State, routing::post, Json, Router};
use reqwest::StatusCode;

use super::*;

/// Forwards JSON-RPC to `upstream`, answering `getSignatureStatuses` with "unknown" while
/// `hidden` is set.
#[derive(Clone)]
struct Proxy {
    upstream: String,
    hidden: Arc<AtomicBool>,
    http: reqwest::Client,
}

async fn forward(
    State(proxy): State<Proxy>,
    Json(request): Json<serde_json::Value>,
) -> Json<serde_json::Value> {
    if proxy.hidden.load(Ordering::SeqCst) && request["method"] == "getSignatureStatuses" {
        return Json(serde_json::json!({
            "jsonrpc": "2.0", "id": request["id"],
            "result": { "context": { "slot": 1 }, "value": [null] }
        }));
    }
    let response = proxy
        .http
        .post(&proxy.upstream)
        .json(&request)
        .send()
        .await
        .unwrap();
    Json(response.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_x402_exact_settlement_pending_then_its_outcome_once_visible_and_never_twice() {
    let v = vendor().await;
    let hidden = Arc::new(AtomicBool::new(true));
    let proxy = Router::new().route("/", post(forward)).with_state(Proxy {
        upstream: v.rpc_url.clone(),
        hidden: hidden.clone(),
        http: reqwest::Client::new(),
    });
    let (proxy_addr, _proxy) = serve(proxy, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let mut paywall = Paywall::new(
        RpcChain::new(&format!("http://{proxy_addr}")),
        v.vendor.insecure_clone(),
        v.vendor_usdc,
        v.usdc,
    )
    .await
    .unwrap();
    paywall.confirm_wait = std::time::Duration::from_millis(300);
    let (facilitator_addr, _task) = serve(
        facilitator::routes(Arc::new(paywall)),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();

    let (_payer, payer_usdc, client) = v.exact_payer(10 * PRICE, 10 * PRICE).await;
    let (payment, _) = client.pay(&v.required().await).await.unwrap();
    let request = serde_json::json!({ "x402Version": 2, "paymentPayload": payment, "paymentRequirements": payment.accepted });
    let settle = || async {
        let response = client
            .http
            .post(format!("http://{facilitator_addr}/settle"))
            .json(&request)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json::<SettleResponse>().await.unwrap()
    };

    // Sent, landed, but not visible: pending, with the signature to watch.
    let pending = settle().await;
    assert_eq!(
        (pending.success, pending.error_reason.as_deref()),
        (false, Some("settlement_pending"))
    );
    let signature = pending.transaction.clone();
    assert_eq!(v.chain.status(&signature.parse().unwrap()), Some(Ok(())));
    assert_eq!(v.balance(&v.vendor_usdc).await, PRICE);
    // Asked again while still invisible: still pending, nothing sent again.
    let still = settle().await;
    assert_eq!(still.error_reason.as_deref(), Some("settlement_pending"));

    // Once visible: success with the same transaction; then the payment is used up.
    hidden.store(false, Ordering::SeqCst);
    let settled = settle().await;
    assert!(settled.success, "{settled:?}");
    assert_eq!(settled.transaction, signature);
    let again = settle().await;
    assert_eq!(again.error_reason.as_deref(), Some("duplicate_settlement"));
    assert_eq!(v.balance(&v.vendor_usdc).await, PRICE);
    assert_eq!(v.balance(&payer_usdc).await, 9 * PRICE);
}
