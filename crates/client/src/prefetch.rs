//! [`Prefetched`]: a [`Chain`] whose reads of known accounts were made ahead, in one batch. A
//! keeper that knows what a step will read (the plan's accounts, the deployment's) loads them at
//! once — over JSON-RPC one request instead of one each, and every account from the same slot;
//! reads of anything else, and everything that is not a read, go to the chain.
use std::collections::HashMap;

use anchor_lang::prelude::Pubkey;
use solana_account::Account;
use solana_clock::Clock;
use solana_hash::Hash;
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;

use crate::{
    chain::{Chain, CpiRecord, SignatureStatus, Simulation},
    ClientError, ClientResult,
};

/// `chain` with some accounts already read (`None`: read, and nothing is there).
pub struct Prefetched<'a, C> {
    chain: &'a C,
    known: HashMap<Pubkey, Option<Account>>,
}

impl<'a, C: Chain> Prefetched<'a, C> {
    /// Reads `addresses` (each once) in one call; the Clock sysvar's address among them serves
    /// [`Chain::clock`] too.
    pub async fn load(chain: &'a C, addresses: &[Pubkey]) -> ClientResult<Self> {
        let mut unique = addresses.to_vec();
        unique.sort_unstable();
        unique.dedup();
        let accounts = chain.accounts(&unique).await?;
        Ok(Self {
            chain,
            known: unique.into_iter().zip(accounts).collect(),
        })
    }
}

impl<C: Chain> Chain for Prefetched<'_, C> {
    async fn latest_blockhash(&self) -> ClientResult<(Hash, u64)> {
        self.chain.latest_blockhash().await
    }

    async fn block_height(&self) -> ClientResult<u64> {
        self.chain.block_height().await
    }

    async fn broadcast(&self, tx: &VersionedTransaction) -> ClientResult<Signature> {
        self.chain.broadcast(tx).await
    }

    async fn signature_status(&self, signature: &Signature) -> ClientResult<SignatureStatus> {
        self.chain.signature_status(signature).await
    }

    async fn simulate(&self, tx: &VersionedTransaction) -> ClientResult<Simulation> {
        self.chain.simulate(tx).await
    }

    /// Known accounts from memory, the others in one call to the chain.
    async fn accounts(&self, addresses: &[Pubkey]) -> ClientResult<Vec<Option<Account>>> {
        let unknown: Vec<Pubkey> = addresses
            .iter()
            .filter(|a| !self.known.contains_key(a))
            .copied()
            .collect();
        let fetched: HashMap<Pubkey, Option<Account>> = if unknown.is_empty() {
            HashMap::new()
        } else {
            let accounts = self.chain.accounts(&unknown).await?;
            unknown.into_iter().zip(accounts).collect()
        };
        Ok(addresses
            .iter()
            .map(|a| {
                self.known
                    .get(a)
                    .or_else(|| fetched.get(a))
                    .cloned()
                    .flatten()
            })
            .collect())
    }

    async fn clock(&self) -> ClientResult<Clock> {
        let address = solana_sdk_ids::sysvar::clock::ID;
        match self.known.get(&address) {
            Some(Some(account)) => bincode::deserialize(&account.data)
                .map_err(|e| ClientError::Build(format!("Clock sysvar: {e}"))),
            _ => self.chain.clock().await,
        }
    }

    async fn transaction_cpis(
        &self,
        signature: &Signature,
    ) -> ClientResult<Option<Vec<CpiRecord>>> {
        self.chain.transaction_cpis(signature).await
    }

    async fn signatures_for_address(&self, address: &Pubkey) -> ClientResult<Vec<Signature>> {
        self.chain.signatures_for_address(address).await
    }

    async fn program_accounts(
        &self,
        program: &Pubkey,
        discriminator: &[u8],
    ) -> ClientResult<Vec<(Pubkey, Account)>> {
        self.chain.program_accounts(program, discriminator).await
    }

    async fn recent_priority_fees(&self, writable: &[Pubkey]) -> ClientResult<Vec<u64>> {
        self.chain.recent_priority_fees(writable).await
    }
}
