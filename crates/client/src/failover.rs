//! [`Failover`]: several endpoints of one cluster as one [`Chain`] (docs/SECURITY-TESTPLAN.md K-06,
//! K-07). Every call goes to the endpoint that answered last; when it is
//! [`ClientError::Unavailable`] — down, timing out, rate limiting (429), gone (410), unhealthy
//! (-32005) or lagging behind a read already made (-32016) — the call moves on to the next
//! endpoint, and stays there. When every endpoint is unavailable the call is tried again after
//! a short pause, [`RETRIES`] times (an overloaded node's 503 is usually gone a moment later);
//! only then is it unavailable. Errors that another endpoint would repeat (a program refusing
//! a simulation, a missing account) are returned as they are.
//!
//! Endpoints built with [`Failover::rpc`] share one read floor, so after any endpoint answered
//! at slot S no endpoint's older state is ever read. A lying endpoint cannot move money: every
//! transaction is simulated and then executed by the programs against the cluster's state; the
//! most it can cost is fees and liveness.
use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};

use anchor_lang::prelude::Pubkey;
use solana_account::Account;
use solana_clock::Clock;
use solana_hash::Hash;
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;

use crate::{
    chain::{Chain, CpiRecord, SignatureStatus, Simulation},
    rpc::RpcChain,
    ClientError, ClientResult,
};

/// How many more passes over every endpoint a call gets when all were unavailable.
pub const RETRIES: u32 = 2;

/// The pause before retry `n` (1-based): 50 ms, then 100 ms.
fn pause(n: u32) -> std::time::Duration {
    std::time::Duration::from_millis(50 << (n - 1).min(4))
}

/// Endpoints tried in order from the last one that answered.
pub struct Failover<C: Chain> {
    endpoints: Vec<C>,
    current: AtomicUsize,
}

impl<C: Chain> Failover<C> {
    /// `endpoints`, the first preferred; at least one.
    pub fn new(endpoints: Vec<C>) -> ClientResult<Self> {
        if endpoints.is_empty() {
            return Err(ClientError::Build("a failover needs an endpoint".into()));
        }
        Ok(Self {
            endpoints,
            current: AtomicUsize::new(0),
        })
    }

    /// Index of the endpoint calls go to now.
    pub fn current(&self) -> usize {
        self.current.load(Ordering::Acquire)
    }

    /// The endpoints, in order.
    pub fn endpoints(&self) -> &[C] {
        &self.endpoints
    }

    /// Runs `call` on the current endpoint, then on each next one while they are unavailable;
    /// all of them unavailable, again after a pause, [`RETRIES`] times.
    async fn call<'a, T, F, Fut>(&'a self, call: F) -> ClientResult<T>
    where
        F: Fn(&'a C) -> Fut,
        Fut: std::future::Future<Output = ClientResult<T>>,
    {
        let mut reasons = Vec::new();
        for pass in 0..=RETRIES {
            if pass > 0 {
                tokio::time::sleep(pause(pass)).await;
                reasons.clear();
            }
            let start = self.current();
            for step in 0..self.endpoints.len() {
                let index = (start + step) % self.endpoints.len();
                match call(&self.endpoints[index]).await {
                    Err(ClientError::Unavailable(why)) => reasons.push(format!("#{index}: {why}")),
                    answered => {
                        self.current.store(index, Ordering::Release);
                        return answered;
                    }
                }
            }
        }
        Err(ClientError::Unavailable(reasons.join("; ")))
    }
}

impl Failover<RpcChain> {
    /// RPC endpoints at `urls` sharing one read floor, each request given `timeout`.
    pub fn rpc(urls: &[String], timeout: std::time::Duration) -> ClientResult<Self> {
        let floor = Arc::default();
        Self::new(
            urls.iter()
                .map(|url| RpcChain::with(url, Arc::clone(&floor), timeout))
                .collect(),
        )
    }

    /// The cluster's genesis hash, which every reachable endpoint must agree on (an endpoint of
    /// another cluster is a configuration error, not a fallback).
    pub async fn genesis_hash(&self) -> ClientResult<Hash> {
        let mut agreed: Option<(usize, Hash)> = None;
        let mut reasons = Vec::new();
        for (index, endpoint) in self.endpoints.iter().enumerate() {
            match endpoint.genesis_hash().await {
                Ok(hash) => match agreed {
                    Some((first, seen)) if seen != hash => {
                        return Err(ClientError::Build(format!(
                            "endpoints #{first} and #{index} serve different clusters \
                             ({seen} and {hash})"
                        )))
                    }
                    _ => agreed = Some((agreed.map_or(index, |(first, _)| first), hash)),
                },
                Err(ClientError::Unavailable(why)) => reasons.push(format!("#{index}: {why}")),
                Err(other) => return Err(other),
            }
        }
        agreed
            .map(|(_, hash)| hash)
            .ok_or_else(|| ClientError::Unavailable(reasons.join("; ")))
    }
}

impl<C: Chain> Chain for Failover<C> {
    async fn latest_blockhash(&self) -> ClientResult<(Hash, u64)> {
        self.call(|c| c.latest_blockhash()).await
    }

    async fn block_height(&self) -> ClientResult<u64> {
        self.call(|c| c.block_height()).await
    }

    async fn broadcast(&self, tx: &VersionedTransaction) -> ClientResult<Signature> {
        self.call(|c| c.broadcast(tx)).await
    }

    async fn signature_status(&self, signature: &Signature) -> ClientResult<SignatureStatus> {
        self.call(|c| c.signature_status(signature)).await
    }

    async fn simulate(&self, tx: &VersionedTransaction) -> ClientResult<Simulation> {
        self.call(|c| c.simulate(tx)).await
    }

    async fn accounts(&self, addresses: &[Pubkey]) -> ClientResult<Vec<Option<Account>>> {
        self.call(|c| c.accounts(addresses)).await
    }

    async fn clock(&self) -> ClientResult<Clock> {
        self.call(|c| c.clock()).await
    }

    async fn transaction_cpis(
        &self,
        signature: &Signature,
    ) -> ClientResult<Option<Vec<CpiRecord>>> {
        self.call(|c| c.transaction_cpis(signature)).await
    }

    async fn signatures_for_address(&self, address: &Pubkey) -> ClientResult<Vec<Signature>> {
        self.call(|c| c.signatures_for_address(address)).await
    }

    async fn signatures_after(
        &self,
        address: &Pubkey,
        after: Option<&Signature>,
    ) -> ClientResult<Vec<Signature>> {
        self.call(|c| c.signatures_after(address, after)).await
    }

    async fn program_accounts(
        &self,
        program: &Pubkey,
        discriminator: &[u8],
    ) -> ClientResult<Vec<(Pubkey, Account)>> {
        self.call(|c| c.program_accounts(program, discriminator))
            .await
    }

    async fn recent_priority_fees(&self, writable: &[Pubkey]) -> ClientResult<Vec<u64>> {
        self.call(|c| c.recent_priority_fees(writable)).await
    }
}
