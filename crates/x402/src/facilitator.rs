//! The facilitator surface, so third-party x402 clients and servers (the reference
//! `@x402/express` middleware, say) can use this vendor as their facilitator: `GET /supported`
//! (kinds, extensions, signers), `POST /verify` and `POST /settle` (`{ x402Version,
//! paymentPayload, paymentRequirements }` in). Answers are always JSON with the protocol's
//! fields and codes, for every scheme, including ones not served here: 200 for a verdict, 400
//! when the body is not a request at all.
use std::sync::Arc;

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use solana_signer::Signer;

use crate::{
    paywall::{payment_id, Charge, Paywall, Settles},
    reason::{Reason, Refusal},
    wire::{
        from_json, PaymentPayload, PaymentRequirements, SettleResponse, SCHEME_EXACT, X402_VERSION,
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
    /// The refusal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid_reason: Option<String>,
    /// The refusal in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer: Option<String>,
}

impl VerifyResponse {
    fn refused(refusal: &Refusal) -> Self {
        Self {
            is_valid: false,
            invalid_reason: Some(refusal.reason.code().into()),
            invalid_message: Some(refusal.detail.clone()),
            payer: None,
        }
    }
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
    let fee_payer = paywall.vendor.pubkey().to_string();
    let kinds: Vec<serde_json::Value> = paywall
        .schemes()
        .into_iter()
        .map(|scheme| {
            let extra = paywall.requirement(scheme, 0).extra;
            json!({ "x402Version": X402_VERSION, "scheme": scheme, "network": paywall.network, "extra": extra })
        })
        .collect();
    Json(json!({ "kinds": kinds, "extensions": [], "signers": { "solana:*": [fee_payer] } }))
}

/// The request in a body, or why it is not one.
fn request(body: &[u8]) -> Result<FacilitatorRequest, Refusal> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| Refusal::new(Reason::InvalidPayload, format!("body is not JSON: {e}")))?;
    if let Some(version) = value.get("x402Version").and_then(serde_json::Value::as_u64) {
        if version != u64::from(X402_VERSION) {
            return Err(Refusal::new(
                Reason::InvalidX402Version,
                format!("x402 version {version} (2 is spoken)"),
            ));
        }
    }
    from_json(value)
}

/// Verifies a facilitator request: this cluster, a scheme served here, the payload paying the
/// requirements it names, then the scheme's own checks against chain state.
async fn verified(paywall: &Paywall, request: &FacilitatorRequest) -> Result<Charge, Refusal> {
    let (payload, requirements) = (&request.payment_payload, &request.payment_requirements);
    if requirements.network != paywall.network || payload.accepted.network != paywall.network {
        return Err(Refusal::new(
            Reason::InvalidNetwork,
            format!("this facilitator settles on {} only", paywall.network),
        ));
    }
    let served = paywall.schemes();
    if !served.contains(&requirements.scheme.as_str()) {
        return Err(Refusal::new(
            Reason::UnsupportedScheme,
            format!(
                "scheme {:?} is not settled here ({})",
                requirements.scheme,
                served.join(", ")
            ),
        ));
    }
    if payload.accepted.scheme != requirements.scheme {
        return Err(Refusal::new(
            Reason::InvalidPaymentRequirements,
            "the payload accepts another scheme than the requirements",
        ));
    }
    if requirements.scheme != SCHEME_EXACT {
        // The escrow schemes pay this vendor only: the requirements must be its own.
        let own = paywall.requirement(&requirements.scheme, requirements.atoms()?);
        if requirements.pay_to != own.pay_to || requirements.asset != own.asset {
            return Err(Refusal::new(
                Reason::InvalidPaymentRequirements,
                "escrow payments settle to this vendor's own payTo and asset",
            ));
        }
    }
    paywall.verify(payload, requirements).await
}

async fn verify(State(paywall): State<Arc<Paywall>>, body: axum::body::Bytes) -> Response {
    let request = match request(&body) {
        Ok(request) => request,
        Err(refusal) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(VerifyResponse::refused(&refusal)),
            )
                .into_response()
        }
    };
    let verdict = match verified(&paywall, &request).await {
        Ok(charge) => VerifyResponse {
            is_valid: true,
            invalid_reason: None,
            invalid_message: None,
            payer: Some(charge.payer.to_string()),
        },
        Err(refusal) => VerifyResponse::refused(&refusal),
    };
    Json(verdict).into_response()
}

/// A payment already sent (`exact`): its pending settlement's outcome, if there was one.
async fn resumed(
    paywall: &Paywall,
    request: &FacilitatorRequest,
    id: &[u8; 32],
) -> Result<Option<SettleResponse>, Refusal> {
    let Some(signature) = paywall.resume_pending(id).await? else {
        return Ok(None);
    };
    Ok(Some(SettleResponse {
        success: true,
        error_reason: None,
        error_message: None,
        transaction: signature,
        network: paywall.network.clone(),
        payer: String::new(),
        amount: request.payment_requirements.amount.clone(),
    }))
}

async fn settle(State(paywall): State<Arc<Paywall>>, body: axum::body::Bytes) -> Response {
    let request = match request(&body) {
        Ok(request) => request,
        Err(refusal) => {
            let refused = SettleResponse::refused(&paywall.network, &refusal);
            return (StatusCode::BAD_REQUEST, Json(refused)).into_response();
        }
    };
    let settled = async {
        let id = payment_id(&request.payment_payload)?;
        paywall.require_unused(&id)?;
        if let Some(done) = resumed(&paywall, &request, &id).await? {
            return Ok(done);
        }
        let mut charge = verified(&paywall, &request).await?;
        paywall.reserve(&mut charge)?;
        let settlement = paywall.settle(&charge).await;
        if !settlement.success && matches!(charge.settles, Settles::Grant { .. }) {
            paywall.release(&charge);
        }
        Ok::<_, Refusal>(settlement)
    };
    let response = settled
        .await
        .unwrap_or_else(|refusal| SettleResponse::refused(&paywall.network, &refusal));
    Json(response).into_response()
}
