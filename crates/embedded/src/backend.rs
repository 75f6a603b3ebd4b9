//! The embedded chain as a [`Chain`]: what keepers and the CLI use, so the same code runs here
//! and against a cluster. Broadcasting executes at once; statuses come from the chain's record
//! of every processed transaction.
use agentrunner_client::{
    chain::{Chain, CpiRecord, SignatureStatus, Simulation},
    ClientError, ClientResult,
};
use anchor_lang::prelude::Pubkey;
use solana_account::Account;
use solana_clock::Clock;
use solana_hash::Hash;
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;

use crate::{ChainError, EmbeddedChain};

fn backend(e: impl std::fmt::Display) -> ClientError {
    ClientError::Chain(e.to_string())
}

impl Chain for EmbeddedChain {
    async fn latest_blockhash(&self) -> ClientResult<(Hash, u64)> {
        self.latest_blockhash_with_height().await.map_err(backend)
    }

    async fn block_height(&self) -> ClientResult<u64> {
        self.root_block_height().await.map_err(backend)
    }

    async fn broadcast(&self, tx: &VersionedTransaction) -> ClientResult<Signature> {
        let signature = tx.signatures[0];
        if self.status(&signature).is_some() {
            // Already processed: a cluster would deduplicate the rebroadcast.
            return Ok(signature);
        }
        match self.process_traced(tx.clone()).await {
            Ok(_) | Err(ChainError::Transaction { .. }) => Ok(signature),
            Err(other) => Err(backend(other)),
        }
    }

    async fn signature_status(&self, signature: &Signature) -> ClientResult<SignatureStatus> {
        Ok(self.status(signature))
    }

    async fn simulate(&self, tx: &VersionedTransaction) -> ClientResult<Simulation> {
        let simulation = self
            .simulate_with_details(tx.clone())
            .await
            .map_err(backend)?;
        let details = simulation.simulation_details;
        Ok(Simulation {
            error: simulation.result.and_then(Result::err),
            units_consumed: details.as_ref().map(|d| d.units_consumed),
            logs: details.map(|d| d.logs).unwrap_or_default(),
        })
    }

    async fn accounts(&self, addresses: &[Pubkey]) -> ClientResult<Vec<Option<Account>>> {
        self.read_accounts(addresses).await.map_err(backend)
    }

    async fn clock(&self) -> ClientResult<Clock> {
        EmbeddedChain::clock(self).await.map_err(backend)
    }

    async fn transaction_cpis(
        &self,
        signature: &Signature,
    ) -> ClientResult<Option<Vec<CpiRecord>>> {
        Ok(self
            .inner_instructions(signature)
            .map(|groups| groups.into_iter().flatten().collect()))
    }

    async fn signatures_for_address(&self, address: &Pubkey) -> ClientResult<Vec<Signature>> {
        // As an RPC client sees them: landed and succeeded (failed ones changed nothing).
        Ok(self
            .history(address)
            .into_iter()
            .filter(|s| self.status(s) == Some(Ok(())))
            .collect())
    }

    async fn program_accounts(
        &self,
        program: &Pubkey,
        discriminator: &[u8],
    ) -> ClientResult<Vec<(Pubkey, Account)>> {
        let owned = self.accounts_owned_by(&[*program]);
        let accounts = self.read_accounts(&owned).await.map_err(backend)?;
        Ok(owned
            .into_iter()
            .zip(accounts)
            .filter_map(|(address, account)| Some((address, account?)))
            .filter(|(_, account)| {
                account.owner == *program && account.data.starts_with(discriminator)
            })
            .collect())
    }
}
