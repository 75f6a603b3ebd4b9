//! [`TestContext`]: a fresh embedded chain and the helpers every suite needs.
use std::{
    fmt::Debug,
    sync::{Arc, Mutex},
};

use agentrunner_embedded::{
    programs::NativeProgram, ChainError, EmbeddedChain, TracedOutcome, TxOutcome,
};
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};
use solana_instruction::error::InstructionError;
use solana_keypair::Keypair;
use solana_message::AddressLookupTableAccount;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

use crate::{
    clients::{EscrowClient, RegistryClient},
    Snapshot,
};

/// Lamports given to each test wallet.
pub const WALLET_LAMPORTS: u64 = 100_000_000_000;

pub struct TestContext {
    /// Shared so it can also be served over JSON-RPC (`rpc_server::serve`).
    pub chain: Arc<EmbeddedChain>,
    /// Lookup tables every transaction of this context may use (v0 messages when non-empty).
    tables: Mutex<Vec<AddressLookupTableAccount>>,
}

impl TestContext {
    pub async fn new() -> Self {
        Self::with_programs(Vec::new()).await
    }

    /// A context whose chain also loads `extra` programs.
    pub async fn with_programs(extra: Vec<NativeProgram>) -> Self {
        Self {
            chain: Arc::new(
                EmbeddedChain::start_with(extra)
                    .await
                    .expect("start embedded chain"),
            ),
            tables: Mutex::default(),
        }
    }

    /// Creates a lookup table of `addresses` that every later transaction of this context uses.
    pub async fn add_lookup_table(&self, addresses: &[Pubkey]) {
        let table = self
            .chain
            .create_lookup_table(addresses)
            .await
            .expect("create lookup table");
        self.use_lookup_table(table);
    }

    /// Every later transaction of this context uses `table` (one already on the chain).
    pub fn use_lookup_table(&self, table: AddressLookupTableAccount) {
        self.tables.lock().expect("tables").push(table);
    }

    /// The lookup tables every transaction of this context uses.
    pub fn tables(&self) -> Vec<AddressLookupTableAccount> {
        self.tables.lock().expect("tables").clone()
    }

    /// A fresh keypair holding [`WALLET_LAMPORTS`].
    pub async fn wallet(&self) -> Keypair {
        self.chain
            .funded_keypair(WALLET_LAMPORTS)
            .await
            .expect("fund wallet")
    }

    pub fn registry(&self) -> RegistryClient<'_> {
        RegistryClient { chain: &self.chain }
    }

    pub fn escrow(&self) -> EscrowClient<'_> {
        EscrowClient { chain: &self.chain }
    }

    /// Sends `ixs` (chain payer pays; v0 with the context's lookup tables if any).
    pub async fn send(
        &self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<TxOutcome, ChainError> {
        let tables = self.tables.lock().expect("tables").clone();
        self.chain
            .send_v0(self.chain.payer(), ixs, signers, &tables)
            .await
    }

    /// [`Self::send`] with `payer` paying the fee and signing (an owner's own transaction: one
    /// signature when it is the only signer).
    pub async fn send_paid_by(
        &self,
        payer: &Keypair,
        ixs: &[Instruction],
    ) -> Result<TxOutcome, ChainError> {
        let tables = self.tables.lock().expect("tables").clone();
        self.chain.send_v0(payer, ixs, &[], &tables).await
    }

    /// [`Self::send`], also returning every CPI the transaction made.
    pub async fn send_traced(
        &self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<TracedOutcome, ChainError> {
        let tables = self.tables.lock().expect("tables").clone();
        self.chain
            .send_traced_v0(self.chain.payer(), ixs, signers, &tables)
            .await
    }

    /// Sends `ixs`, asserts they fail with exactly `expected`, and asserts every account they
    /// name (except the fee payer) is byte-identical afterwards. Returns how many accounts were
    /// compared.
    pub async fn expect_error(
        &self,
        ixs: &[Instruction],
        signers: &[&Keypair],
        expected: impl Into<u32>,
    ) -> usize {
        self.expect_error_labeled("", ixs, signers, expected).await
    }

    /// [`Self::expect_error`] with a label printed on failure.
    pub async fn expect_error_labeled(
        &self,
        label: &str,
        ixs: &[Instruction],
        signers: &[&Keypair],
        expected: impl Into<u32>,
    ) -> usize {
        let expected = InstructionError::Custom(expected.into());
        self.expect_instruction_error(label, ixs, signers, &expected)
            .await
    }

    /// Sends `ixs`, asserts an instruction failed with exactly `expected` (custom or built-in
    /// error), and that every account they name (except the fee payer) is byte-identical.
    pub async fn expect_instruction_error(
        &self,
        label: &str,
        ixs: &[Instruction],
        signers: &[&Keypair],
        expected: &InstructionError,
    ) -> usize {
        let keys = touched_accounts(ixs, &self.chain.payer().pubkey());
        let snapshot = Snapshot::take(&self.chain, &keys).await;
        let result = self.send(ixs, signers).await;
        let got = match result.as_ref().err().and_then(|e| e.transaction_error()) {
            Some(TransactionError::InstructionError(_, error)) => Some(error.clone()),
            _ => None,
        };
        assert_eq!(
            got.as_ref(),
            Some(expected),
            "{label}: expected {expected:?}, got {result:?}"
        );
        snapshot.assert_unchanged(&self.chain).await;
        snapshot.len()
    }

    /// Warps the clock forward.
    pub async fn warp_seconds(&self, seconds: i64) {
        self.chain.warp_seconds(seconds).await.expect("warp");
    }

    pub async fn now(&self) -> i64 {
        self.chain.clock().await.expect("clock").unix_timestamp
    }

    /// Decodes the Anchor account `T`.
    pub async fn get<T: anchor_lang::AccountDeserialize>(&self, address: &Pubkey) -> T {
        self.chain
            .anchor_account(address)
            .await
            .expect("decode account")
    }
}

/// Every distinct account the instructions name, except `fee_payer`.
pub fn touched_accounts(ixs: &[Instruction], fee_payer: &Pubkey) -> Vec<Pubkey> {
    let mut keys: Vec<Pubkey> = Vec::new();
    for meta in ixs.iter().flat_map(|ix| ix.accounts.iter()) {
        if meta.pubkey != *fee_payer && !keys.contains(&meta.pubkey) {
            keys.push(meta.pubkey);
        }
    }
    keys
}

/// Unwraps a result, printing the program log on failure.
#[track_caller]
pub fn landed<T: Debug>(result: Result<T, ChainError>) -> T {
    match result {
        Ok(value) => value,
        Err(ChainError::Transaction { error, logs }) => {
            panic!("transaction failed: {error:?}\n{}", logs.join("\n"))
        }
        Err(other) => panic!("transaction failed: {other:?}"),
    }
}
