//! x402 version 2 on the wire: the 402 body carried base64-encoded in `PAYMENT-REQUIRED`, the
//! client's `PAYMENT-SIGNATURE` payload, and the server's `PAYMENT-RESPONSE` settlement
//! receipt. JSON field names are the protocol's (camelCase); amounts are decimal strings of
//! atoms; keys are base58; the network is CAIP-2 `solana:<first 32 base58 chars of the genesis
//! hash>`.
use base64::{engine::general_purpose::STANDARD, Engine};
use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::reason::{Reason, Refusal};

/// The protocol version spoken.
pub const X402_VERSION: u8 = 2;
/// Response header of a 402: base64 JSON [`PaymentRequired`].
pub const PAYMENT_REQUIRED: &str = "PAYMENT-REQUIRED";
/// Request header carrying a base64 JSON [`PaymentPayload`].
pub const PAYMENT_SIGNATURE: &str = "PAYMENT-SIGNATURE";
/// Response header carrying a base64 JSON [`SettleResponse`].
pub const PAYMENT_RESPONSE: &str = "PAYMENT-RESPONSE";

/// The scheme paying from an escrow grant scoped to the vendor: one redeem per request.
pub const SCHEME_GRANT: &str = "agentrunner-grant";
/// The scheme paying with cumulative ed25519 vouchers against a grant ("upto"), settled in
/// batches.
pub const SCHEME_VOUCHER: &str = "agentrunner-voucher";

/// The SVM `exact` scheme: one SPL `TransferChecked` the client signs and the facilitator pays
/// the fee for and sends (see [`crate::exact`]).
pub const SCHEME_EXACT: &str = "exact";

pub use crate::network::network_id;

/// What is being paid for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceInfo {
    /// Absolute URL of the resource.
    pub url: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub mime_type: String,
}

/// One way the seller accepts payment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentRequirements {
    pub scheme: String,
    pub network: String,
    /// The token mint (base58).
    pub asset: String,
    /// Atoms, as a decimal string.
    pub amount: String,
    /// Who is paid (base58): for `exact` the seller's wallet (the transfer goes to its associated
    /// token account); for the escrow schemes the vendor's payout token account, which grants
    /// must name.
    pub pay_to: String,
    pub max_timeout_seconds: u64,
    /// Scheme details: `feePayer` (and optionally `memo`) for `exact`, `escrowProgram` for the
    /// escrow schemes.
    #[serde(default)]
    pub extra: serde_json::Value,
}

impl PaymentRequirements {
    /// The amount in atoms.
    pub fn atoms(&self) -> Result<u64, WireError> {
        self.amount.parse().map_err(|_| {
            WireError::Invalid(format!(
                "amount {:?} is not a whole number of atoms",
                self.amount
            ))
        })
    }
}

/// Reads a JSON value into a wire struct, refusing with [`Reason::InvalidPayload`].
pub fn from_json<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, Refusal> {
    serde_json::from_value(value).map_err(|e| Refusal::new(Reason::InvalidPayload, e.to_string()))
}

/// The body of a 402.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentRequired {
    pub x402_version: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub resource: ResourceInfo,
    pub accepts: Vec<PaymentRequirements>,
}

/// The scheme-specific part of a payment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged, rename_all_fields = "camelCase")]
pub enum SchemePayload {
    /// `exact`: the client's partially signed transaction, base64.
    Exact { transaction: String },
    /// Pay from a grant: one redeem of the requirement's amount.
    Grant {
        /// The escrow grant (base58).
        grant: String,
        /// A fresh value per request; with the rest it identifies the payment.
        nonce: String,
    },
    /// A cumulative voucher signed by the budget's session key.
    Voucher {
        budget: String,
        grant: String,
        grant_issued_slot: u64,
        /// Cumulative atoms authorized for the grant (this request included).
        cumulative: u64,
        expires_at: i64,
        /// The session key (base58).
        signer: String,
        /// Ed25519 signature over the voucher message (base58).
        signature: String,
    },
}

/// What the client sends in `PAYMENT-SIGNATURE`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentPayload {
    pub x402_version: u8,
    /// The resource paid for, as the 402 named it (sent by the reference client).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<ResourceInfo>,
    /// The requirement it pays (as the seller offered it).
    pub accepted: PaymentRequirements,
    pub payload: SchemePayload,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extensions: Option<serde_json::Value>,
}

impl PaymentPayload {
    /// The payment identifier, served once: sha256 of the scheme payload's canonical JSON (for
    /// `exact`, the paywall uses the transaction message's hash instead).
    pub fn id(&self) -> [u8; 32] {
        let identity = (&self.accepted.scheme, &self.payload);
        solana_sha256_hasher::hash(&serde_json::to_vec(&identity).unwrap_or_default()).to_bytes()
    }
}

/// What the server returns in `PAYMENT-RESPONSE` (and the facilitator's `/settle`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SettleResponse {
    pub success: bool,
    /// The refusal code when `success` is false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_reason: Option<String>,
    /// The refusal in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// The settlement transaction (base58), or empty while a voucher awaits its batch.
    pub transaction: String,
    pub network: String,
    /// Who paid (base58): the budget's payer, or the `exact` transfer's signer.
    #[serde(default)]
    pub payer: String,
    /// Atoms paid for this request.
    #[serde(default)]
    pub amount: String,
}

impl SettleResponse {
    /// A failed settlement on `network` refused for `refusal`.
    pub fn refused(network: &str, refusal: &Refusal) -> Self {
        Self {
            success: false,
            error_reason: Some(refusal.reason.code().into()),
            error_message: Some(refusal.detail.clone()),
            transaction: String::new(),
            network: network.into(),
            payer: String::new(),
            amount: String::new(),
        }
    }
}

/// Why a header was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("header is not valid base64")]
    Base64,
    #[error("header is not the expected JSON: {0}")]
    Json(String),
    #[error("x402 version {0} is not supported (2 is)")]
    Version(u8),
    #[error("{0}")]
    Invalid(String),
}

/// Encodes a header value: base64 of compact JSON.
pub fn encode<T: Serialize>(value: &T) -> String {
    STANDARD.encode(serde_json::to_vec(value).unwrap_or_default())
}

/// Decodes a header value.
pub fn decode<T: DeserializeOwned>(header: &str) -> Result<T, WireError> {
    let bytes = STANDARD
        .decode(header.trim())
        .map_err(|_| WireError::Base64)?;
    serde_json::from_slice(&bytes).map_err(|e| WireError::Json(e.to_string()))
}

/// Decodes a `PAYMENT-SIGNATURE`, checking the version.
pub fn decode_payment(header: &str) -> Result<PaymentPayload, WireError> {
    let version: serde_json::Value = decode(header)?;
    match version
        .get("x402Version")
        .and_then(serde_json::Value::as_u64)
    {
        Some(2) => {}
        Some(v) => return Err(WireError::Version(v as u8)),
        None => return Err(WireError::Json("missing x402Version".into())),
    }
    serde_json::from_value(version).map_err(|e| WireError::Json(e.to_string()))
}

impl From<WireError> for Refusal {
    fn from(error: WireError) -> Self {
        let reason = match error {
            WireError::Version(_) => Reason::InvalidX402Version,
            _ => Reason::InvalidPayload,
        };
        Refusal::new(reason, error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn requirements() -> PaymentRequirements {
        PaymentRequirements {
            scheme: SCHEME_GRANT.into(),
            network: network_id("4mwZvSMCfSgt5udEsXAayiA94BTWxHKe3MSkKT1ULTZg"),
            asset: "mint".into(),
            amount: "1000".into(),
            pay_to: "vendor".into(),
            max_timeout_seconds: 60,
            extra: serde_json::json!({}),
        }
    }

    #[test]
    fn test_headers_round_trip_and_use_the_protocol_field_names() {
        let payment = PaymentPayload {
            x402_version: 2,
            resource: None,
            accepted: requirements(),
            payload: SchemePayload::Grant {
                grant: "g".into(),
                nonce: "n".into(),
            },
            extensions: None,
        };
        let header = encode(&payment);
        assert_eq!(decode_payment(&header).unwrap(), payment);
        let json = String::from_utf8(STANDARD.decode(&header).unwrap()).unwrap();
        assert!(
            json.contains("\"x402Version\":2") && json.contains("\"payTo\":\"vendor\""),
            "{json}"
        );
        assert_eq!(
            requirements().network,
            "solana:4mwZvSMCfSgt5udEsXAayiA94BTWxHKe"
        );
    }

    #[test]
    fn test_malformed_headers_are_refused_with_the_reason() {
        assert_eq!(decode_payment("%%%"), Err(WireError::Base64));
        assert!(matches!(
            decode_payment(&STANDARD.encode("{")),
            Err(WireError::Json(_))
        ));
        let v1 = STANDARD.encode(r#"{"x402Version":1}"#);
        assert_eq!(decode_payment(&v1), Err(WireError::Version(1)));
    }
}
