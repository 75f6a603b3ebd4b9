//! The vendor's signed receipt files, never lost. Before an execution is sent the broker writes
//! a *pending* file (`receipt-<plan>-<step>-<execution>.pending.json`: the journal intent and the
//! quote); after it lands, the signed receipt file (written to a temporary name, then renamed)
//! replaces it. A broker killed anywhere in between leaves the pending file, and
//! [`Broker::reconcile`] — run before any new work — settles each one against the chain: the
//! journal's last transaction for the intent landed (its status, or for an older one its record
//! in the cluster's history) -> the signed receipt is derived again from that transaction and the
//! vendor key, written, and the journal entry closed; it failed, expired or was never signed ->
//! the entry is closed and the pending file removed; still valid and unconfirmed -> left for the
//! next round.
use std::path::PathBuf;

use agentrunner_client::{
    chain::Chain,
    events::decode_event,
    receipts::{
        audit::unproven_file,
        file::{ReceiptFile, VendorAttestation, VendorQuote},
        index::IndexedReceipt,
    },
    send::{Journal, SendError},
    ClientResult,
};
use anchor_lang::prelude::Pubkey;
use receipts::events::ReceiptAppended;
use serde::{Deserialize, Serialize};
use solana_signer::Signer;

use super::Broker;

const PENDING: &str = ".pending.json";

/// What a restart needs to finish an execution's signed receipt.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Pending {
    /// The journal intent of the execution.
    pub intent: String,
    /// Every quote the execution was prepared with (a restart may re-quote while the journal
    /// still tracks a transaction signed on an earlier one); the receipt's hash picks its own.
    pub quotes: Vec<VendorQuote>,
}

/// How a pending receipt was settled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reconciled {
    /// The execution landed: its signed receipt is written.
    Written(PathBuf),
    /// It failed, expired or was never sent: nothing to write.
    Closed(String),
    /// Sent, unconfirmed and still valid: looked at again next round.
    Open(String),
}

/// The base name of an execution's receipt file.
pub fn file_name(plan: &Pubkey, step: u8, execution: u16) -> String {
    format!("receipt-{plan}-{step}-{execution}")
}

impl<C: Chain> Broker<'_, C> {
    fn path(&self, name: &str, suffix: &str) -> Option<PathBuf> {
        self.receipts_dir
            .as_ref()
            .map(|dir| dir.join(format!("{name}{suffix}")))
    }

    /// Writes `bytes` at `path` atomically (a temporary file renamed over it).
    fn write_atomically(path: &PathBuf, bytes: &[u8]) {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let temporary = path.with_extension("tmp");
        if std::fs::write(&temporary, bytes).is_ok() {
            let _ = std::fs::rename(&temporary, path);
        }
    }

    /// Records `quote` for the execution `name` of `intent` (beside the quotes earlier runs
    /// recorded for it) and returns what is recorded.
    pub(super) fn write_pending(
        &self,
        name: &str,
        intent: &str,
        quote: Option<VendorQuote>,
    ) -> Pending {
        let path = self.path(name, PENDING);
        let mut pending = path
            .as_ref()
            .and_then(|p| std::fs::read(p).ok())
            .and_then(|bytes| serde_json::from_slice::<Pending>(&bytes).ok())
            .filter(|p| p.intent == intent)
            .unwrap_or(Pending {
                intent: intent.into(),
                quotes: Vec::new(),
            });
        if let Some(quote) = quote.filter(|q| !pending.quotes.contains(q)) {
            pending.quotes.push(quote);
        }
        if let Some(path) = path {
            Self::write_atomically(&path, &serde_json::to_vec(&pending).unwrap_or_default());
        }
        pending
    }

    /// Writes the signed receipt file (if any) and drops the pending one.
    pub(super) fn write_receipt(
        &self,
        name: &str,
        receipt: Option<&ReceiptFile>,
    ) -> Option<PathBuf> {
        let path = self.path(name, ".json")?;
        if let Some(receipt) = receipt {
            Self::write_atomically(
                &path,
                &serde_json::to_vec_pretty(receipt).unwrap_or_default(),
            );
        }
        if let Some(pending) = self.path(name, PENDING) {
            let _ = std::fs::remove_file(pending);
        }
        Some(path)
    }

    /// Settles the pending receipt `name` against the journal and the chain.
    pub(super) async fn settle_pending(
        &self,
        name: &str,
        pending: &Pending,
    ) -> Result<Reconciled, SendError> {
        if self.receipts_dir.is_none() {
            return Ok(Reconciled::Closed("no receipt files are kept".into()));
        }
        let journal = &self.sender.journal;
        let Some((tx, last_valid)) = journal.last_signed(&pending.intent) else {
            self.write_receipt(name, None);
            return Ok(Reconciled::Closed(format!(
                "{}: never signed",
                pending.intent
            )));
        };
        let signature = tx.signatures[0];
        let chain = self.chain;
        let landed = match chain.signature_status(&signature).await? {
            Some(Ok(())) => true,
            Some(Err(error)) => {
                journal.finished(&pending.intent);
                self.write_receipt(name, None);
                return Ok(Reconciled::Closed(format!("{signature} failed: {error:?}")));
            }
            // Statuses are kept for recent slots only; the transaction's own record tells
            // whether an older one landed.
            None => chain.transaction_cpis(&signature).await?.is_some(),
        };
        if !landed {
            if chain.block_height().await? <= last_valid {
                return Ok(Reconciled::Open(format!("{signature} unconfirmed")));
            }
            journal.finished(&pending.intent);
            self.write_receipt(name, None);
            return Ok(Reconciled::Closed(format!("{signature} expired")));
        }
        let receipt = self.signed_receipt(&signature, &pending.quotes).await?;
        let path = self.write_receipt(name, receipt.as_ref());
        journal.finished(&pending.intent);
        Ok(Reconciled::Written(path.unwrap_or_default()))
    }

    /// Settles every pending receipt a previous run left (before new work).
    pub async fn reconcile(&self) -> Result<Vec<Reconciled>, SendError> {
        let Some(dir) = &self.receipts_dir else {
            return Ok(Vec::new());
        };
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Ok(Vec::new());
        };
        let mut settled = Vec::new();
        for entry in entries.flatten() {
            let file = entry.file_name().to_string_lossy().to_string();
            let Some(name) = file.strip_suffix(PENDING) else {
                continue;
            };
            let Ok(pending) =
                serde_json::from_slice::<Pending>(&std::fs::read(entry.path()).unwrap_or_default())
            else {
                continue;
            };
            settled.push(self.settle_pending(name, &pending).await?);
        }
        Ok(settled)
    }

    /// The receipt the landed transaction appended, signed by the vendor, with the one of
    /// `quotes` whose hash it carries: derivable again at any time from the transaction and the
    /// vendor key.
    pub(super) async fn signed_receipt(
        &self,
        signature: &solana_signature::Signature,
        quotes: &[VendorQuote],
    ) -> ClientResult<Option<ReceiptFile>> {
        let Some(cpis) = self.chain.transaction_cpis(signature).await? else {
            return Ok(None);
        };
        let appended = cpis.iter().find_map(|c| {
            decode_event::<ReceiptAppended>(&receipts::ID, &c.program_id, &c.accounts, &c.data)
        });
        Ok(appended.map(|event| {
            let quote = quotes
                .iter()
                .find(|q| q.hash() == event.receipt.vendor_receipt_hash)
                .cloned();
            let attestation = VendorAttestation {
                vendor: self.vendor.pubkey().to_string(),
                signature: self.vendor.sign_message(&event.receipt.leaf()).to_string(),
                quote,
            };
            let found = IndexedReceipt {
                receipt: event.receipt,
                index: event.index,
                tree: event.tree,
                signature: *signature,
            };
            unproven_file(&found, Some(attestation))
        }))
    }
}
