//! The self-contained receipt file (`agentrunner-receipt/1`): the receipt, where it lives (tree,
//! leaf index, transaction), a proof to a root at a stated tree size, the `PeriodRoot` that
//! anchors that root once there is one, and the vendor's attestation (its signature over the
//! leaf and the quote whose hash the receipt carries). [`check_offline`] verifies a file from
//! its own bytes; nothing here reads a chain.
use anchor_lang::prelude::Pubkey;
use receipts::{merkle::root_from_proof, Receipt};
use serde::{Deserialize, Serialize};
use solana_signature::Signature;

use super::{LocatedReceipt, ReceiptJson};

/// The `format` of a receipt file.
pub const FILE_FORMAT: &str = "agentrunner-receipt/1";

/// What a broker quoted before an execution. `sha256` of its compact JSON (fields in this
/// order, no whitespace) is the receipt's `vendor_receipt_hash`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct VendorQuote {
    pub plan: String,
    pub step: u8,
    pub execution: u16,
    /// Atoms of the output mint the vendor expected.
    pub expected_out: u64,
    /// The least it would accept (the step's slippage cap applied).
    pub min_out: u64,
    /// What the pool quoted.
    pub pool_out: u64,
    pub oracle_price: i64,
    pub oracle_publish_time: i64,
}

impl VendorQuote {
    /// The hash the receipt commits to.
    pub fn hash(&self) -> [u8; 32] {
        solana_sha256_hasher::hash(&serde_json::to_vec(self).unwrap_or_default()).to_bytes()
    }
}

/// The vendor's word on a receipt.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct VendorAttestation {
    /// The vendor's key (base58).
    pub vendor: String,
    /// Its ed25519 signature over the 32-byte leaf (base58).
    pub signature: String,
    /// The quote behind `vendor_receipt_hash`, for swap executions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<VendorQuote>,
}

/// A Merkle proof of the leaf.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ReceiptProof {
    /// Sibling nodes from the leaf up, lowercase hex (as many as the tree's depth).
    pub nodes: Vec<String>,
    /// The root they lead to, lowercase hex.
    pub root: String,
    /// Leaves the tree held at that root (an anchored root's is its PeriodRoot's
    /// `first_leaf + leaf_count`).
    pub tree_size: u64,
}

impl ReceiptProof {
    /// The nodes as bytes; a node that is not 32 bytes of hex is refused.
    pub fn node_bytes(&self) -> Result<Vec<[u8; 32]>, Rejection> {
        self.nodes.iter().map(|n| hex32(n, "proof node")).collect()
    }
}

/// A receipt file.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ReceiptFile {
    /// [`FILE_FORMAT`].
    pub format: String,
    #[serde(flatten)]
    pub located: LocatedReceipt,
    /// The proof, once known (a broker writes its file before anyone has one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<ReceiptProof>,
    /// The PeriodRoot account whose root is `proof.root`, once anchored (base58).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_root: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<VendorAttestation>,
    /// A NAV receipt's priced positions (`runner::record_nav`), which its `inputs_hash`
    /// commits to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub positions: Option<Vec<super::nav::NavPositionJson>>,
}

/// What a verifier was given: a receipt file (or an older located receipt), or a bare receipt.
#[derive(Clone, Debug)]
pub enum ReceiptInput {
    File(Box<ReceiptFile>),
    Bare(Box<ReceiptJson>),
}

impl ReceiptInput {
    /// Reads either form from JSON.
    pub fn parse(text: &str) -> Result<Self, String> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        if value.get("receipt").is_some() {
            let mut value = value;
            if value.get("format").is_none() {
                value["format"] = FILE_FORMAT.into();
            }
            let file: ReceiptFile =
                serde_json::from_value(value).map_err(|e| format!("not a receipt file: {e}"))?;
            if file.format != FILE_FORMAT {
                return Err(format!("unknown receipt file format {:?}", file.format));
            }
            return Ok(Self::File(Box::new(file)));
        }
        serde_json::from_value(value)
            .map(|bare| Self::Bare(Box::new(bare)))
            .map_err(|e| format!("neither a receipt file nor a receipt: {e}"))
    }

    /// The receipt.
    pub fn receipt(&self) -> &ReceiptJson {
        match self {
            Self::File(file) => &file.located.receipt,
            Self::Bare(receipt) => receipt,
        }
    }
}

/// Why a receipt file is rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("the receipt's fields are invalid: {0}")]
    Fields(String),
    #[error("the file's leaf {file} is not the receipt's leaf {computed}")]
    Leaf { file: String, computed: String },
    #[error("the proof does not lead from the leaf to the file's root")]
    Proof,
    #[error("the proof is malformed: {0}")]
    ProofFormat(String),
    #[error("leaf index {index} is beyond the proof's tree size {tree_size}")]
    IndexBeyondTree { index: u64, tree_size: u64 },
    #[error("the vendor signature does not verify over the leaf with key {0}")]
    VendorSignature(String),
    #[error("the quote does not hash to the receipt's vendor_receipt_hash")]
    QuoteHash,
    #[error("the quote is for {quoted}, the receipt for {receipt}")]
    QuoteSubject { quoted: String, receipt: String },
    #[error("the file's positions are not the ones the NAV receipt commits to (inputs_hash, amount_in, amount_out)")]
    NavPositions,
    #[error("{0}")]
    Chain(String),
}

fn hex32(text: &str, what: &str) -> Result<[u8; 32], Rejection> {
    hex::decode(text)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| Rejection::ProofFormat(format!("{what} {text:?} is not 32 bytes of hex")))
}

/// Checks the receipt's own fields (which recompute its leaf) and the vendor's attestation.
pub fn check_receipt(
    json: &ReceiptJson,
    vendor: Option<&VendorAttestation>,
) -> Result<(Receipt, [u8; 32]), Rejection> {
    let receipt = Receipt::try_from(json).map_err(|e| Rejection::Fields(e.to_string()))?;
    let leaf = receipt.leaf();
    if let Some(attestation) = vendor {
        let key: Pubkey = attestation
            .vendor
            .parse()
            .map_err(|_| Rejection::VendorSignature(attestation.vendor.clone()))?;
        let signature: Signature = attestation
            .signature
            .parse()
            .map_err(|_| Rejection::VendorSignature(attestation.vendor.clone()))?;
        if !signature.verify(key.as_ref(), &leaf) {
            return Err(Rejection::VendorSignature(attestation.vendor.clone()));
        }
        if let Some(quote) = &attestation.quote {
            let quoted = format!("{} step {} #{}", quote.plan, quote.step, quote.execution);
            let subject = format!("{} step {} #{}", json.plan, json.step, json.execution);
            if quoted != subject {
                return Err(Rejection::QuoteSubject {
                    quoted,
                    receipt: subject,
                });
            }
            if quote.hash() != receipt.vendor_receipt_hash {
                return Err(Rejection::QuoteHash);
            }
        }
    }
    Ok((receipt, leaf))
}

/// Verifies a file from its bytes alone: the leaf from the fields, the vendor's signature and
/// quote, a NAV receipt's positions, and the proof to the stated root; returns the receipt.
pub fn check_offline(file: &ReceiptFile) -> Result<Receipt, Rejection> {
    let (receipt, leaf) = check_receipt(&file.located.receipt, file.vendor.as_ref())?;
    if let Some(positions) = &file.positions {
        super::nav::check_positions(
            positions,
            &receipt.inputs_hash,
            receipt.amount_in,
            receipt.amount_out,
        )?;
    }
    let computed = hex::encode(leaf);
    if file.located.leaf != computed {
        return Err(Rejection::Leaf {
            file: file.located.leaf.clone(),
            computed,
        });
    }
    if let Some(proof) = &file.proof {
        let nodes = proof.node_bytes()?;
        let root = hex32(&proof.root, "root")?;
        if file.located.index >= proof.tree_size {
            return Err(Rejection::IndexBeyondTree {
                index: file.located.index,
                tree_size: proof.tree_size,
            });
        }
        if root_from_proof(leaf, file.located.index, &nodes) != root {
            return Err(Rejection::Proof);
        }
    }
    Ok(receipt)
}

/// The proof nodes as hex.
pub fn hex_nodes(nodes: &[[u8; 32]]) -> Vec<String> {
    nodes.iter().map(hex::encode).collect()
}
