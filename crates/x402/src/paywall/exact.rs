//! SVM `exact` behind the paywall, as its own facilitator: the vendor's key is the fee payer.
//! Verification inspects the client's transaction ([`crate::exact::inspect`]) and simulates it
//! co-signed; settlement co-signs, sends and waits for confirmation, answering
//! `settlement_pending` (and remembering the signature) when it is sent but not yet confirmed.
use std::time::{Duration, Instant};

use agentrunner_client::chain::Chain;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;

use super::{Charge, Paywall, Settles};
use crate::{
    exact::{decode_transaction, inspect, ExactTerms},
    reason::{Reason, Refusal},
    wire::{PaymentRequirements, SettleResponse},
};

/// How long a settlement waits for its confirmation before answering `settlement_pending`.
pub const CONFIRM_WAIT: Duration = Duration::from_secs(20);

impl Paywall {
    /// `tx` with the fee payer's (the vendor's) signature added.
    fn co_signed(&self, tx: &VersionedTransaction) -> VersionedTransaction {
        let mut tx = tx.clone();
        tx.signatures[0] = self.vendor.sign_message(&tx.message.serialize());
        tx
    }

    /// Checks an `exact` transaction against `requirements` (which must name this vendor's key as
    /// fee payer) and simulates it co-signed: nothing is sent.
    pub(super) async fn verify_exact(
        &self,
        transaction: &str,
        requirements: &PaymentRequirements,
    ) -> Result<Charge, Refusal> {
        let terms = ExactTerms::of(requirements)?;
        if terms.fee_payer != self.vendor.pubkey() {
            return Err(Refusal::new(
                Reason::ExactFeePayerNotManaged,
                format!(
                    "extra.feePayer {} is not this facilitator's",
                    terms.fee_payer
                ),
            ));
        }
        let tx = decode_transaction(transaction)?;
        let transfer = inspect(&tx, &terms, &[self.vendor.pubkey()])?;
        let simulation = self
            .chain
            .simulate(&self.co_signed(&tx))
            .await
            .map_err(|e| Refusal::new(Reason::UnexpectedVerifyError, e.to_string()))?;
        if let Some(error) = simulation.error {
            let last_log = simulation.logs.last().cloned().unwrap_or_default();
            return Err(Refusal::new(
                Reason::ExactSimulationFailed,
                format!("{error:?} {last_log}"),
            ));
        }
        Ok(Charge {
            id: transfer.message_hash,
            amount: transfer.amount,
            payer: transfer.payer,
            settles: Settles::Exact { transaction: tx },
        })
    }

    /// Co-signs and sends `tx`, then waits up to `confirm_wait` for it: landed is a success,
    /// failed on chain is `invalid_exact_svm_transaction_failed`, not confirmed in time is
    /// `settlement_pending` (the same payment sent again then reports its outcome).
    pub(super) async fn settle_exact(
        &self,
        charge: &Charge,
        tx: &VersionedTransaction,
    ) -> SettleResponse {
        let signed = self.co_signed(tx);
        let signature = signed.signatures[0];
        let refused = |reason: Reason, detail: String| SettleResponse {
            payer: charge.payer.to_string(),
            amount: charge.amount.to_string(),
            transaction: signature.to_string(),
            ..SettleResponse::refused(&self.network, &Refusal::new(reason, detail))
        };
        if let Err(error) = self.chain.broadcast(&signed).await {
            self.release(charge);
            return SettleResponse {
                transaction: String::new(),
                ..refused(Reason::UnexpectedSettleError, error.to_string())
            };
        }
        let deadline = Instant::now() + self.confirm_wait;
        let mut pause = Duration::from_millis(2);
        loop {
            match self.chain.signature_status(&signature).await {
                Ok(Some(Ok(()))) => return self.settled(charge, signature.to_string()),
                Ok(Some(Err(error))) => {
                    return refused(Reason::ExactTransactionFailed, format!("{error:?}"))
                }
                _ if Instant::now() >= deadline => {
                    self.ledger
                        .lock()
                        .expect("ledger")
                        .pending
                        .insert(charge.id, signature);
                    return refused(
                        Reason::SettlementPending,
                        "sent and not confirmed yet: send the same payment again for its outcome"
                            .into(),
                    );
                }
                _ => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_millis(100));
                }
            }
        }
    }

    /// A payment whose settlement was left pending: `Ok(None)` if it was not, `Ok(Some(signature))`
    /// once it confirmed (forgotten as pending; the payment is settled and may be served), a
    /// refusal while it still is pending or if it failed on chain.
    pub async fn resume_pending(&self, id: &[u8; 32]) -> Result<Option<String>, Refusal> {
        let Some(signature) = self.ledger.lock().expect("ledger").pending.get(id).copied() else {
            return Ok(None);
        };
        let outcome = match self.chain.signature_status(&signature).await {
            Ok(Some(Ok(()))) => Ok(Some(signature.to_string())),
            Ok(Some(Err(error))) => Err(Refusal::new(
                Reason::ExactTransactionFailed,
                format!("{signature}: {error:?}"),
            )),
            _ => {
                return Err(Refusal::new(
                    Reason::SettlementPending,
                    format!("{signature} is sent and not confirmed yet"),
                ))
            }
        };
        self.ledger.lock().expect("ledger").pending.remove(id);
        outcome
    }
}
