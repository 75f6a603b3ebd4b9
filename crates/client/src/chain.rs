//! [`Chain`]: what keepers and the CLI need from a cluster — blockhashes, broadcasting,
//! signature status, simulation, accounts and the clock. Implemented by the embedded chain and by
//! [`crate::rpc::RpcChain`] (Solana JSON-RPC). Sending with retries lives in [`crate::send`].
use anchor_lang::{prelude::Pubkey, AccountDeserialize};
use solana_account::Account;
use solana_clock::Clock;
use solana_hash::Hash;
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_error::TransactionError;

use crate::{ClientError, ClientResult};

/// A simulation's verdict and program log.
#[derive(Clone, Debug, Default)]
pub struct Simulation {
    /// `None` when the transaction would succeed.
    pub error: Option<TransactionError>,
    pub logs: Vec<String>,
    /// Compute units the bank metered (None when the cluster does not say).
    pub units_consumed: Option<u64>,
}

/// One instruction a program invoked by CPI while a transaction ran (events emitted with
/// `emit_cpi!`, noop change logs, token transfers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpiRecord {
    pub program_id: Pubkey,
    pub accounts: Vec<Pubkey>,
    pub data: Vec<u8>,
    /// 2 for an instruction invoked by a top-level instruction, 3 one level deeper, ...
    pub stack_height: u8,
}

/// Where a signature stands: unknown to the cluster (not landed, or expired), or landed with
/// its result.
pub type SignatureStatus = Option<Result<(), TransactionError>>;

/// A cluster. Methods are `async` and take `&self`; implementations are used with concrete types
/// on one runtime, so the futures carry no `Send` bound.
#[allow(async_fn_in_trait)]
pub trait Chain {
    /// A recent blockhash and the last block height at which transactions using it are valid.
    async fn latest_blockhash(&self) -> ClientResult<(Hash, u64)>;

    /// The current block height.
    async fn block_height(&self) -> ClientResult<u64>;

    /// Hands a signed transaction to the cluster without waiting. An error means the cluster
    /// refused it before execution (preflight); it may still land if it was forwarded.
    async fn broadcast(&self, tx: &VersionedTransaction) -> ClientResult<Signature>;

    /// The status of `signature`.
    async fn signature_status(&self, signature: &Signature) -> ClientResult<SignatureStatus>;

    /// Runs `tx` against current state without committing it.
    async fn simulate(&self, tx: &VersionedTransaction) -> ClientResult<Simulation>;

    /// The accounts at `addresses`, in order (`None` where nothing exists).
    async fn accounts(&self, addresses: &[Pubkey]) -> ClientResult<Vec<Option<Account>>>;

    /// The Clock sysvar.
    async fn clock(&self) -> ClientResult<Clock>;

    /// Every CPI a landed transaction made, in execution order (`None` if unknown).
    async fn transaction_cpis(&self, signature: &Signature)
        -> ClientResult<Option<Vec<CpiRecord>>>;

    /// Signatures of landed transactions that named `address`, oldest first.
    async fn signatures_for_address(&self, address: &Pubkey) -> ClientResult<Vec<Signature>>;

    /// Signatures of landed transactions that named `address` after `after` (all of them when
    /// `None`), oldest first: what a follower reads each round from its cursor.
    async fn signatures_after(
        &self,
        address: &Pubkey,
        after: Option<&Signature>,
    ) -> ClientResult<Vec<Signature>> {
        let all = self.signatures_for_address(address).await?;
        Ok(match after.and_then(|a| all.iter().position(|s| s == a)) {
            Some(at) => all[at + 1..].to_vec(),
            None => all,
        })
    }

    /// Accounts owned by `program` whose data starts with `discriminator`.
    async fn program_accounts(
        &self,
        program: &Pubkey,
        discriminator: &[u8],
    ) -> ClientResult<Vec<(Pubkey, Account)>>;

    /// Recent prioritization fees (micro-lamports per compute unit) paid by transactions that
    /// wrote `writable`; none when the cluster does not report them.
    async fn recent_priority_fees(&self, writable: &[Pubkey]) -> ClientResult<Vec<u64>> {
        let _ = writable;
        Ok(Vec::new())
    }

    /// The account at `address`, if any.
    async fn account(&self, address: &Pubkey) -> ClientResult<Option<Account>> {
        Ok(self.accounts(&[*address]).await?.pop().flatten())
    }

    /// The Anchor account `T` at `address` (discriminator checked).
    async fn fetch<T: AccountDeserialize>(&self, address: &Pubkey) -> ClientResult<T> {
        let account = self
            .account(address)
            .await?
            .ok_or(ClientError::AccountNotFound(*address))?;
        crate::accounts::decode(address, &account.data)
    }

    /// Lamports that keep `len` bytes rent-exempt, from the Rent sysvar.
    async fn minimum_balance(&self, len: usize) -> ClientResult<u64> {
        let address = solana_sdk_ids::sysvar::rent::ID;
        let account = self
            .account(&address)
            .await?
            .ok_or(ClientError::AccountNotFound(address))?;
        let rent: anchor_lang::prelude::Rent = bincode::deserialize(&account.data)
            .map_err(|e| ClientError::Build(format!("Rent sysvar: {e}")))?;
        Ok(rent.minimum_balance(len))
    }

    /// The SPL token balance of `address` in atoms (0 if it does not exist).
    async fn token_balance(&self, address: &Pubkey) -> ClientResult<u64> {
        Ok(self
            .account(address)
            .await?
            .and_then(|a| crate::accounts::token_amount(&a.data))
            .unwrap_or(0))
    }
}
