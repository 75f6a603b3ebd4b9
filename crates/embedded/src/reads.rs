//! Reading the bank: accounts, balances, the clock, blockhashes and simulations. Public reads
//! hold the bank gate shared; `*_ungated` helpers are for callers that already hold it.
use anchor_lang::{prelude::Pubkey, AccountDeserialize};
use futures_util::{stream, StreamExt, TryStreamExt};
use solana_account::Account;
use solana_banks_interface::BanksTransactionResultWithSimulation;
use solana_clock::Clock;
use solana_hash::Hash;
use solana_message::{Message, VersionedMessage};
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;

use crate::{
    balances::{is_token_account, mint_decimals, Balances},
    chain::banks,
    logs::nest,
    ChainError, EmbeddedChain,
};

/// Most account reads one caller keeps in flight on the banks channel at once.
const READS_IN_FLIGHT: usize = 64;

impl EmbeddedChain {
    pub(crate) async fn latest_blockhash_ungated(&self) -> Result<Hash, ChainError> {
        self.banks.get_latest_blockhash().await.map_err(banks)
    }

    /// The latest blockhash and the last block height it is valid at.
    pub async fn latest_blockhash_with_height(&self) -> Result<(Hash, u64), ChainError> {
        let _shared = self.bank_gate.read().await;
        self.banks
            .get_latest_blockhash_with_commitment(Default::default())
            .await
            .map_err(banks)?
            .ok_or_else(|| ChainError::Banks("no blockhash".into()))
    }

    /// The height of the root block.
    pub async fn root_block_height(&self) -> Result<u64, ChainError> {
        let _shared = self.bank_gate.read().await;
        self.banks.get_root_block_height().await.map_err(banks)
    }

    /// Runs `tx` against the working bank without committing it; a success's CPIs are kept
    /// for its send (`crate::simulations`).
    pub async fn simulate_with_details(
        &self,
        tx: VersionedTransaction,
    ) -> Result<BanksTransactionResultWithSimulation, ChainError> {
        let _shared = self.bank_gate.read().await;
        let mut simulated = self
            .banks
            .simulate_transaction(tx.clone())
            .await
            .map_err(banks)?;
        if let Some(details) = simulated.simulation_details.as_mut() {
            details.logs = nest(std::mem::take(&mut details.logs));
            if let (Some(Ok(())), Some(inner)) = (&simulated.result, &details.inner_instructions) {
                self.remember_simulation(tx, inner.clone());
            }
        }
        Ok(simulated)
    }

    /// The account at `address`, if it exists.
    pub async fn account(&self, address: &Pubkey) -> Result<Option<Account>, ChainError> {
        let _shared = self.bank_gate.read().await;
        self.account_ungated(address).await
    }

    pub(crate) async fn account_ungated(
        &self,
        address: &Pubkey,
    ) -> Result<Option<Account>, ChainError> {
        self.banks.get_account(*address).await.map_err(banks)
    }

    /// The accounts at `addresses`, in order, from one hold of the gate: one view of the bank,
    /// as `getMultipleAccounts` answers at one slot.
    pub async fn read_accounts(
        &self,
        addresses: &[Pubkey],
    ) -> Result<Vec<Option<Account>>, ChainError> {
        let _shared = self.bank_gate.read().await;
        self.accounts_ungated(addresses).await
    }

    /// [`Self::read_accounts`] for a caller that holds the gate. The reads are pipelined on
    /// the banks channel ([`READS_IN_FLIGHT`] at a time) rather than made one round trip
    /// after another: a send's balances before and after it are ~20 accounts each.
    pub(crate) async fn accounts_ungated(
        &self,
        addresses: &[Pubkey],
    ) -> Result<Vec<Option<Account>>, ChainError> {
        let reads = addresses
            .iter()
            .copied()
            .map(|address| self.banks.get_account(address));
        stream::iter(reads)
            .buffered(READS_IN_FLIGHT)
            .map_err(banks)
            .try_collect()
            .await
    }

    /// Lamport and token balances of `keys`, in key order.
    pub(crate) async fn balances_ungated(&self, keys: &[Pubkey]) -> Result<Balances, ChainError> {
        let accounts = self.accounts_ungated(keys).await?;
        self.balances_of(&accounts).await
    }

    /// Lamport and token balances of `accounts` (read under the gate the caller holds).
    pub(crate) async fn balances_of(
        &self,
        accounts: &[Option<Account>],
    ) -> Result<Balances, ChainError> {
        for account in accounts.iter().flatten() {
            if !is_token_account(account) {
                continue;
            }
            let mint = Pubkey::try_from(&account.data[..32]).expect("32 bytes");
            if self
                .decimals
                .lock()
                .expect("decimals poisoned")
                .contains_key(&mint)
            {
                continue;
            }
            if let Some(decimals) = self
                .account_ungated(&mint)
                .await?
                .as_ref()
                .and_then(mint_decimals)
            {
                self.decimals
                    .lock()
                    .expect("decimals poisoned")
                    .insert(mint, decimals);
            }
        }
        let decimals = self.decimals.lock().expect("decimals poisoned");
        Ok(Balances::of(accounts, |mint| decimals.get(mint).copied()))
    }

    /// Decodes the Anchor account `T` at `address` (discriminator checked).
    pub async fn anchor_account<T: AccountDeserialize>(
        &self,
        address: &Pubkey,
    ) -> Result<T, ChainError> {
        let account = self
            .account(address)
            .await?
            .ok_or_else(|| ChainError::Banks(format!("account {address} not found")))?;
        T::try_deserialize(&mut account.data.as_slice())
            .map_err(|e| ChainError::Banks(format!("decode {address}: {e}")))
    }

    /// Lamports held by `address` (0 if it does not exist).
    pub async fn balance(&self, address: &Pubkey) -> Result<u64, ChainError> {
        let _shared = self.bank_gate.read().await;
        self.banks.get_balance(*address).await.map_err(banks)
    }

    /// The current Clock sysvar.
    pub async fn clock(&self) -> Result<Clock, ChainError> {
        let _shared = self.bank_gate.read().await;
        self.clock_ungated().await
    }

    pub(crate) async fn clock_ungated(&self) -> Result<Clock, ChainError> {
        self.banks.get_sysvar::<Clock>().await.map_err(banks)
    }

    /// Whether `blockhash` is still in the bank's recent blockhash queue (a transaction on it
    /// can land).
    pub async fn is_blockhash_valid(&self, blockhash: &Hash) -> Result<bool, ChainError> {
        let probe = Message::new_with_blockhash(&[], Some(&self.payer.pubkey()), blockhash);
        let _shared = self.bank_gate.read().await;
        Ok(self
            .banks
            .get_fee_for_message(probe)
            .await
            .map_err(banks)?
            .is_some())
    }

    /// The fee the bank charges for `message`, `None` once its blockhash has expired.
    pub async fn fee_for_message(
        &self,
        message: &VersionedMessage,
    ) -> Result<Option<u64>, ChainError> {
        if !self.is_blockhash_valid(message.recent_blockhash()).await? {
            return Ok(None);
        }
        let _shared = self.bank_gate.read().await;
        self.fee(message).await.map(Some)
    }

    /// Transactions processed since genesis.
    pub fn transaction_count(&self) -> u64 {
        self.statuses.lock().expect("statuses poisoned").len() as u64
    }
}
