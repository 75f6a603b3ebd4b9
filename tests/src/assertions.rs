//! Exact-error assertions and account snapshots.
use std::fmt::Debug;

use agentrunner_embedded::{ChainError, EmbeddedChain};
use anchor_lang::prelude::Pubkey;
use solana_account::Account;
use solana_transaction_error::TransactionError;

use solana_instruction::error::InstructionError;

/// The custom error code of a failed transaction, if it failed with one.
pub fn error_code(error: &ChainError) -> Option<u32> {
    match error.transaction_error()? {
        TransactionError::InstructionError(_, InstructionError::Custom(code)) => Some(*code),
        _ => None,
    }
}

/// Asserts that `result` failed with exactly the custom error `expected` (any program's enum,
/// Anchor's `ErrorCode`, or a raw `u32`).
#[track_caller]
pub fn assert_error<T: Debug>(result: Result<T, ChainError>, expected: impl Into<u32>) {
    let expected = expected.into();
    match result {
        Ok(value) => panic!("expected error {expected}, but the transaction landed: {value:?}"),
        Err(error) => {
            let code = error_code(&error);
            assert_eq!(
                code,
                Some(expected),
                "expected custom error {expected}, got {error:?}"
            );
        }
    }
}

/// Asserts that `result` failed with exactly this transaction-level error.
#[track_caller]
pub fn assert_tx_error<T: Debug>(result: Result<T, ChainError>, expected: TransactionError) {
    match result {
        Ok(value) => panic!("expected {expected:?}, but the transaction landed: {value:?}"),
        Err(error) => assert_eq!(error.transaction_error(), Some(&expected), "got {error:?}"),
    }
}

/// The state of a set of accounts at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot(Vec<(Pubkey, Option<Account>)>);

impl Snapshot {
    pub async fn take(chain: &EmbeddedChain, keys: &[Pubkey]) -> Self {
        let mut entries = Vec::with_capacity(keys.len());
        for key in keys {
            entries.push((*key, chain.account(key).await.expect("read account")));
        }
        Snapshot(entries)
    }

    /// Asserts every account is byte-identical (lamports, data, owner, flags) to the snapshot.
    pub async fn assert_unchanged(&self, chain: &EmbeddedChain) {
        let keys: Vec<Pubkey> = self.0.iter().map(|(key, _)| *key).collect();
        let now = Snapshot::take(chain, &keys).await;
        for ((key, before), (_, after)) in self.0.iter().zip(now.0.iter()) {
            assert_eq!(before, after, "account {key} changed");
        }
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
