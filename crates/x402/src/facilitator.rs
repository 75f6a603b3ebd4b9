//! The facilitator surface for these schemes, so third-party x402 clients and servers can
//! interoperate: `GET /supported`, `POST /verify` and `POST /settle` ({ paymentPayload,
//! paymentRequirements } in, the x402 verify/settle responses out).
use std::sync::Arc;

use axum::{
    extract::State,
    routing::{get, post},
    Json, Router,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{
    paywall::Paywall,
    wire::{
        PaymentPayload, PaymentRequirements, SettleResponse, SCHEME_GRANT, SCHEME_VOUCHER,
        X402_VERSION,
    },
};

/// A `/verify` or `/settle` request.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FacilitatorRequest {
    pub payment_payload: PaymentPayload,
    pub payment_requirements: PaymentRequirements,
}

/// A `/verify` response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyResponse {
    pub is_valid: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer: Option<String>,
}

/// The routes, over a vendor's [`Paywall`].
pub fn routes(paywall: Arc<Paywall>) -> Router {
    Router::new()
        .route("/supported", get(supported))
        .route("/verify", post(verify))
        .route("/settle", post(settle))
        .with_state(paywall)
}

async fn supported(State(paywall): State<Arc<Paywall>>) -> Json<serde_json::Value> {
    let kinds: Vec<serde_json::Value> = [SCHEME_GRANT, SCHEME_VOUCHER]
        .iter()
        .map(|scheme| json!({ "x402Version": X402_VERSION, "scheme": scheme, "network": paywall.network }))
        .collect();
    Json(json!({ "kinds": kinds }))
}

fn price(request: &FacilitatorRequest) -> Result<u64, String> {
    request
        .payment_requirements
        .atoms()
        .map_err(|e| e.to_string())
}

async fn verify(
    State(paywall): State<Arc<Paywall>>,
    Json(request): Json<FacilitatorRequest>,
) -> Json<VerifyResponse> {
    let verified = match price(&request) {
        Ok(price) => paywall
            .verify(&request.payment_payload, price)
            .await
            .map_err(|e| e.to_string()),
        Err(e) => Err(e),
    };
    Json(match verified {
        Ok(charge) => VerifyResponse {
            is_valid: true,
            invalid_reason: None,
            payer: Some(charge.budget.payer.to_string()),
        },
        Err(reason) => VerifyResponse {
            is_valid: false,
            invalid_reason: Some(reason),
            payer: None,
        },
    })
}

async fn settle(
    State(paywall): State<Arc<Paywall>>,
    Json(request): Json<FacilitatorRequest>,
) -> Json<SettleResponse> {
    let refused = |reason: String| SettleResponse {
        success: false,
        error_reason: Some(reason),
        transaction: String::new(),
        network: paywall.network.clone(),
        payer: String::new(),
        amount: request.payment_requirements.amount.clone(),
    };
    let price = match price(&request) {
        Ok(price) => price,
        Err(e) => return Json(refused(e)),
    };
    let charge = match paywall.verify(&request.payment_payload, price).await {
        Ok(charge) => charge,
        Err(e) => return Json(refused(e.to_string())),
    };
    if !paywall.reserve(&charge) {
        return Json(refused("payment already used".into()));
    }
    Json(paywall.settle(&charge).await)
}
