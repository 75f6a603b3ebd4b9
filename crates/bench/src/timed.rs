//! Where a keeper's time goes: [`Timed`] wraps a [`Chain`] and adds up the wall-clock time and
//! the calls of each of its methods, so a run's total splits into reading accounts, scanning,
//! simulating, sending (on the embedded chain, executing), confirming and reading back — and
//! what is left is the keeper's own work (decoding, quoting, building, signing).
use std::{
    collections::BTreeMap,
    future::Future,
    sync::Mutex,
    time::{Duration, Instant},
};

use agentrunner_client::{
    chain::{Chain, CpiRecord, SignatureStatus, Simulation},
    ClientResult,
};
use anchor_lang::prelude::Pubkey;
use solana_account::Account;
use solana_clock::Clock;
use solana_hash::Hash;
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;

/// A chain whose calls are timed, by method.
pub struct Timed<'a, C> {
    inner: &'a C,
    spent: Mutex<BTreeMap<&'static str, (u64, Duration)>>,
}

impl<'a, C: Chain> Timed<'a, C> {
    pub fn new(inner: &'a C) -> Self {
        Self {
            inner,
            spent: Mutex::default(),
        }
    }

    /// Calls and total time of each method so far.
    pub fn spent(&self) -> BTreeMap<&'static str, (u64, Duration)> {
        self.spent.lock().expect("timings").clone()
    }

    async fn time<T>(&self, method: &'static str, call: impl Future<Output = T>) -> T {
        let started = Instant::now();
        let out = call.await;
        let mut spent = self.spent.lock().expect("timings");
        let entry = spent.entry(method).or_default();
        entry.0 += 1;
        entry.1 += started.elapsed();
        out
    }
}

impl<C: Chain> Chain for Timed<'_, C> {
    async fn latest_blockhash(&self) -> ClientResult<(Hash, u64)> {
        self.time("blockhash", self.inner.latest_blockhash()).await
    }

    async fn block_height(&self) -> ClientResult<u64> {
        self.time("blockhash", self.inner.block_height()).await
    }

    async fn broadcast(&self, tx: &VersionedTransaction) -> ClientResult<Signature> {
        self.time("send", self.inner.broadcast(tx)).await
    }

    async fn signature_status(&self, signature: &Signature) -> ClientResult<SignatureStatus> {
        self.time("confirm", self.inner.signature_status(signature))
            .await
    }

    async fn simulate(&self, tx: &VersionedTransaction) -> ClientResult<Simulation> {
        self.time("simulate", self.inner.simulate(tx)).await
    }

    async fn accounts(&self, addresses: &[Pubkey]) -> ClientResult<Vec<Option<Account>>> {
        self.time("read accounts", self.inner.accounts(addresses))
            .await
    }

    async fn clock(&self) -> ClientResult<Clock> {
        self.time("read accounts", self.inner.clock()).await
    }

    async fn transaction_cpis(
        &self,
        signature: &Signature,
    ) -> ClientResult<Option<Vec<CpiRecord>>> {
        self.time("read back", self.inner.transaction_cpis(signature))
            .await
    }

    async fn signatures_for_address(&self, address: &Pubkey) -> ClientResult<Vec<Signature>> {
        self.time("read back", self.inner.signatures_for_address(address))
            .await
    }

    async fn program_accounts(
        &self,
        program: &Pubkey,
        discriminator: &[u8],
    ) -> ClientResult<Vec<(Pubkey, Account)>> {
        self.time("scan", self.inner.program_accounts(program, discriminator))
            .await
    }

    async fn recent_priority_fees(&self, writable: &[Pubkey]) -> ClientResult<Vec<u64>> {
        self.time("priority fees", self.inner.recent_priority_fees(writable))
            .await
    }
}
