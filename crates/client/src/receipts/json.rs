//! The JSON form of a receipt: one field per field of the canonical encoding, in the same order;
//! public keys in base58, hashes in lowercase hex, amounts as integers. Converting either way is
//! lossless, so a receipt JSON recomputes exactly the leaf that is in the tree.
use anchor_lang::prelude::Pubkey;
use receipts::receipt::{ObservedGuards, Payment, PaymentMethod, Receipt, ReceiptKind};
use serde::{Deserialize, Serialize};

use crate::{ClientError, ClientResult};

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ObservedGuardsJson {
    pub oracle_price: i64,
    pub oracle_exponent: i32,
    pub oracle_publish_time: i64,
    pub feed_id: String,
    pub realized_slippage_bps: u16,
    pub fee_paid: u64,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PaymentJson {
    /// "grant", "voucher" or "none".
    pub method: String,
    pub reference: String,
    pub amount: u64,
}

/// A receipt as JSON (version 1).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ReceiptJson {
    /// Always 1 for this layout.
    pub version: u8,
    pub plan: String,
    pub step: u16,
    pub execution: u32,
    pub agent: String,
    pub agent_version: u32,
    pub payer: String,
    /// "swap", "dca", "rebalance", "service", "payment" or "nav".
    pub kind: String,
    pub inputs_hash: String,
    pub amount_in: u64,
    pub mint_in: String,
    pub amount_out: u64,
    pub mint_out: String,
    pub guards: ObservedGuardsJson,
    pub payment: PaymentJson,
    pub venue: String,
    pub slot: u64,
    pub unix_time: i64,
    pub vendor_receipt_hash: String,
}

/// A receipt with where it lives: the file `agentrunner receipts` writes and `agentrunner
/// verify` reads (extra fields, such as a vendor's signature, are allowed).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct LocatedReceipt {
    pub receipt: ReceiptJson,
    /// The leaf, lowercase hex.
    pub leaf: String,
    /// The receipt tree account.
    pub tree: String,
    /// Leaf index in the tree.
    pub index: u64,
    /// The transaction that appended it.
    pub transaction: String,
}

fn bad(field: &str, value: &str) -> ClientError {
    ClientError::InvalidReceipt(format!("{field}: cannot parse {value:?}"))
}

fn key(field: &str, value: &str) -> ClientResult<Pubkey> {
    value.parse().map_err(|_| bad(field, value))
}

fn hash(field: &str, value: &str) -> ClientResult<[u8; 32]> {
    let bytes = hex::decode(value).map_err(|_| bad(field, value))?;
    bytes.try_into().map_err(|_| bad(field, value))
}

/// Receipt kinds by their JSON names.
pub const KINDS: [(ReceiptKind, &str); 7] = [
    (ReceiptKind::Swap, "swap"),
    (ReceiptKind::Dca, "dca"),
    (ReceiptKind::Rebalance, "rebalance"),
    (ReceiptKind::Service, "service"),
    (ReceiptKind::Payment, "payment"),
    (ReceiptKind::Nav, "nav"),
    (ReceiptKind::Liquidity, "liquidity"),
];
const METHODS: [(PaymentMethod, &str); 3] = [
    (PaymentMethod::Grant, "grant"),
    (PaymentMethod::Voucher, "voucher"),
    (PaymentMethod::None, "none"),
];

/// The JSON name of `kind`.
pub fn kind_name(kind: ReceiptKind) -> &'static str {
    KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("swap", |(_, n)| *n)
}

impl From<&Receipt> for ReceiptJson {
    fn from(r: &Receipt) -> Self {
        let kind = kind_name(r.kind);
        let method = METHODS
            .iter()
            .find(|(m, _)| *m == r.payment.method)
            .map(|(_, n)| *n)
            .unwrap_or("none");
        ReceiptJson {
            version: receipts::constants::RECEIPT_VERSION,
            plan: r.plan.to_string(),
            step: r.step,
            execution: r.execution,
            agent: r.agent.to_string(),
            agent_version: r.agent_version,
            payer: r.payer.to_string(),
            kind: kind.to_string(),
            inputs_hash: hex::encode(r.inputs_hash),
            amount_in: r.amount_in,
            mint_in: r.mint_in.to_string(),
            amount_out: r.amount_out,
            mint_out: r.mint_out.to_string(),
            guards: ObservedGuardsJson {
                oracle_price: r.guards.oracle_price,
                oracle_exponent: r.guards.oracle_exponent,
                oracle_publish_time: r.guards.oracle_publish_time,
                feed_id: hex::encode(r.guards.feed_id),
                realized_slippage_bps: r.guards.realized_slippage_bps,
                fee_paid: r.guards.fee_paid,
            },
            payment: PaymentJson {
                method: method.to_string(),
                reference: r.payment.reference.to_string(),
                amount: r.payment.amount,
            },
            venue: r.venue.to_string(),
            slot: r.slot,
            unix_time: r.unix_time,
            vendor_receipt_hash: hex::encode(r.vendor_receipt_hash),
        }
    }
}

impl TryFrom<&ReceiptJson> for Receipt {
    type Error = ClientError;

    fn try_from(j: &ReceiptJson) -> ClientResult<Receipt> {
        if j.version != receipts::constants::RECEIPT_VERSION {
            return Err(ClientError::InvalidReceipt(format!(
                "unsupported receipt version {}",
                j.version
            )));
        }
        let kind = KINDS
            .iter()
            .find(|(_, n)| *n == j.kind)
            .map(|(k, _)| *k)
            .ok_or_else(|| bad("kind", &j.kind))?;
        let method = METHODS
            .iter()
            .find(|(_, n)| *n == j.payment.method)
            .map(|(m, _)| *m)
            .ok_or_else(|| bad("payment.method", &j.payment.method))?;
        Ok(Receipt {
            plan: key("plan", &j.plan)?,
            step: j.step,
            execution: j.execution,
            agent: key("agent", &j.agent)?,
            agent_version: j.agent_version,
            payer: key("payer", &j.payer)?,
            kind,
            inputs_hash: hash("inputs_hash", &j.inputs_hash)?,
            amount_in: j.amount_in,
            mint_in: key("mint_in", &j.mint_in)?,
            amount_out: j.amount_out,
            mint_out: key("mint_out", &j.mint_out)?,
            guards: ObservedGuards {
                oracle_price: j.guards.oracle_price,
                oracle_exponent: j.guards.oracle_exponent,
                oracle_publish_time: j.guards.oracle_publish_time,
                feed_id: hash("guards.feed_id", &j.guards.feed_id)?,
                realized_slippage_bps: j.guards.realized_slippage_bps,
                fee_paid: j.guards.fee_paid,
            },
            payment: Payment {
                method,
                reference: key("payment.reference", &j.payment.reference)?,
                amount: j.payment.amount,
            },
            venue: key("venue", &j.venue)?,
            slot: j.slot,
            unix_time: j.unix_time,
            vendor_receipt_hash: hash("vendor_receipt_hash", &j.vendor_receipt_hash)?,
        })
    }
}
