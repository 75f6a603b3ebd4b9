//! Transactions the served cluster refused before they landed — in a sender's preflight or in a
//! simulation the sender asked for: a validator forgets them, but a certifier measuring an
//! agent under test needs every attempt the programs refused, by error. The embedded chain
//! keeps the latest [`KEPT`].
use std::collections::VecDeque;

use anchor_lang::prelude::Pubkey;
use solana_signature::Signature;
use solana_transaction_error::TransactionError;

/// How many refusals are kept (the oldest go first).
pub const KEPT: usize = 4_096;

/// One transaction refused before it landed.
#[derive(Clone, Debug)]
pub struct Refusal {
    pub signature: Signature,
    /// Who would have paid for it: the message's first account.
    pub fee_payer: Pubkey,
    /// The slot it was simulated at.
    pub slot: u64,
    pub error: TransactionError,
    /// The simulation's logs (they name the failing program).
    pub logs: Vec<String>,
    /// Refused when simulated on request (`simulateTransaction`), not when sent.
    pub simulated: bool,
}

impl Refusal {
    /// `tx` refused at `slot` with `error` and the simulation's `logs`.
    pub fn of(
        tx: &solana_transaction::versioned::VersionedTransaction,
        slot: u64,
        error: TransactionError,
        logs: Vec<String>,
        simulated: bool,
    ) -> Self {
        Self {
            signature: tx.signatures.first().copied().unwrap_or_default(),
            fee_payer: tx
                .message
                .static_account_keys()
                .first()
                .copied()
                .unwrap_or_default(),
            slot,
            error,
            logs,
            simulated,
        }
    }
}

/// The latest refusals, oldest first.
#[derive(Default)]
pub(crate) struct Refusals(std::sync::Mutex<VecDeque<Refusal>>);

impl Refusals {
    pub(crate) fn record(&self, refusal: Refusal) {
        let mut kept = self.0.lock().expect("refusals poisoned");
        if kept.len() == KEPT {
            kept.pop_front();
        }
        kept.push_back(refusal);
    }

    pub(crate) fn of(&self, fee_payer: &Pubkey) -> Vec<Refusal> {
        let kept = self.0.lock().expect("refusals poisoned");
        kept.iter()
            .filter(|r| r.fee_payer == *fee_payer)
            .cloned()
            .collect()
    }
}
