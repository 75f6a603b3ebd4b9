//! [`FaultyChain`]: the embedded chain behind a network that misbehaves on cue — responses
//! lost after the transaction went through, broadcasts dropped, lagging nodes refusing a
//! blockhash or serving old account data and listings, a process dying at a chosen point — so
//! keeper idempotency and cost bounds (docs/SECURITY-TESTPLAN.md §6, K-01..K-06, K-09, K-13) are tested
//! against the real bank.
use std::{collections::HashMap, sync::Mutex};

use agentrunner_client::{
    chain::{Chain, CpiRecord, SignatureStatus, Simulation},
    ClientError, ClientResult,
};
use agentrunner_embedded::EmbeddedChain;
use anchor_lang::prelude::Pubkey;
use solana_account::Account;
use solana_clock::Clock;
use solana_hash::Hash;
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;

/// What the next broadcast suffers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BroadcastFault {
    /// Reaches the chain; the response is lost (the caller sees an error).
    ResponseLost,
    /// Never reaches the chain; the caller sees success.
    Dropped,
    /// A lagging node refuses it at preflight (`BlockhashNotFound`) and does not forward it.
    BlockhashNotFound,
    /// The process dies after signing, before the transaction leaves (the call never returns).
    CrashBeforeSend,
    /// The process dies right after sending: the transaction lands, the call never returns.
    CrashAfterSend,
}

/// One broadcast as the chain saw it.
#[derive(Clone, Debug)]
pub struct BroadcastRecord {
    pub signature: Signature,
    /// Block height when it was broadcast.
    pub block_height: u64,
    pub forwarded: bool,
}

/// Program-account listings by (program, discriminator).
type Listings = HashMap<(Pubkey, Vec<u8>), Vec<(Pubkey, Account)>>;

pub struct FaultyChain<'a> {
    pub inner: &'a EmbeddedChain,
    /// Faults applied to the next broadcasts, in order (then all succeed).
    faults: Mutex<Vec<BroadcastFault>>,
    /// Every broadcast, in order.
    pub broadcasts: Mutex<Vec<BroadcastRecord>>,
    /// Blocks produced after each broadcast (lets blockhashes expire during a test).
    blocks_per_broadcast: u64,
    /// The process dies before signing: `latest_blockhash` never returns, this many times.
    crash_before_sign: Mutex<u32>,
    /// The process dies after confirmation, before recording it: a status query for a landed
    /// transaction never returns, this many times.
    crash_after_confirm: Mutex<u32>,
    /// A lagging node: these accounts read as they were when frozen.
    frozen: Mutex<HashMap<Pubkey, Option<Account>>>,
    /// A lagging index: program-account listings answered from the first listing made.
    listings: Mutex<Option<Listings>>,
    /// What the node reports as recent priority fees (`None`: the chain's own report).
    priority_fees: Mutex<Option<Result<Vec<u64>, String>>>,
}

impl<'a> FaultyChain<'a> {
    pub fn new(inner: &'a EmbeddedChain) -> Self {
        Self {
            inner,
            faults: Mutex::default(),
            broadcasts: Mutex::default(),
            blocks_per_broadcast: 0,
            crash_before_sign: Mutex::new(0),
            crash_after_confirm: Mutex::new(0),
            frozen: Mutex::default(),
            listings: Mutex::default(),
            priority_fees: Mutex::default(),
        }
    }

    /// The node reports `fees` as recent priority fees (spikes, garbage), or fails with `Err`.
    pub fn with_priority_fees(self, fees: Result<Vec<u64>, String>) -> Self {
        *self.priority_fees.lock().expect("priority fees") = Some(fees);
        self
    }

    /// From now on `addresses` read as they are now, whatever lands later (a node lagging behind
    /// the cluster; simulation and execution still see the real bank).
    pub async fn freeze(&self, addresses: &[Pubkey]) {
        let now = self.inner.accounts(addresses).await.expect("accounts");
        let mut frozen = self.frozen.lock().expect("frozen");
        for (address, account) in addresses.iter().zip(now) {
            frozen.insert(*address, account);
        }
    }

    /// Program-account listings are answered from the first listing of each (program,
    /// discriminator), however the accounts changed since.
    pub fn with_stale_listings(self) -> Self {
        *self.listings.lock().expect("listings") = Some(HashMap::new());
        self
    }

    /// Queues faults for the next broadcasts.
    pub fn with_faults(self, faults: &[BroadcastFault]) -> Self {
        *self.faults.lock().expect("faults") = faults.to_vec();
        self
    }

    /// Produces `blocks` blocks after every broadcast.
    pub fn with_blocks_per_broadcast(mut self, blocks: u64) -> Self {
        self.blocks_per_broadcast = blocks;
        self
    }

    /// Dies before signing, once.
    pub fn crashing_before_sign(self) -> Self {
        *self.crash_before_sign.lock().expect("crash") = 1;
        self
    }

    /// Dies after confirmation (before recording it), once.
    pub fn crashing_after_confirm(self) -> Self {
        *self.crash_after_confirm.lock().expect("crash") = 1;
        self
    }

    /// Signatures broadcast, in order.
    pub fn signatures(&self) -> Vec<Signature> {
        self.broadcasts
            .lock()
            .expect("broadcasts")
            .iter()
            .map(|b| b.signature)
            .collect()
    }

    fn next_fault(&self) -> Option<BroadcastFault> {
        let mut faults = self.faults.lock().expect("faults");
        (!faults.is_empty()).then(|| faults.remove(0))
    }
}

/// Consumes one count of a once-only fault.
fn take(counter: &Mutex<u32>) -> bool {
    let mut count = counter.lock().expect("fault counter");
    let fire = *count > 0;
    *count = count.saturating_sub(1);
    fire
}

fn network(what: &str) -> ClientError {
    ClientError::Chain(what.to_string())
}

impl Chain for FaultyChain<'_> {
    async fn latest_blockhash(&self) -> ClientResult<(Hash, u64)> {
        if take(&self.crash_before_sign) {
            return std::future::pending().await;
        }
        self.inner.latest_blockhash().await
    }

    async fn block_height(&self) -> ClientResult<u64> {
        Chain::block_height(self.inner).await
    }

    async fn broadcast(&self, tx: &VersionedTransaction) -> ClientResult<Signature> {
        let fault = self.next_fault();
        let forward = matches!(
            fault,
            None | Some(BroadcastFault::ResponseLost) | Some(BroadcastFault::CrashAfterSend)
        );
        let block_height = Chain::block_height(self.inner).await?;
        if forward {
            self.inner.broadcast(tx).await?;
        }
        self.broadcasts
            .lock()
            .expect("broadcasts")
            .push(BroadcastRecord {
                signature: tx.signatures[0],
                block_height,
                forwarded: forward,
            });
        if self.blocks_per_broadcast > 0 {
            for _ in 0..self.blocks_per_broadcast {
                self.inner
                    .warp_slots(1)
                    .await
                    .map_err(|e| network(&e.to_string()))?;
            }
        }
        match fault {
            None | Some(BroadcastFault::Dropped) => Ok(tx.signatures[0]),
            Some(BroadcastFault::ResponseLost) => Err(network("connection reset")),
            Some(BroadcastFault::BlockhashNotFound) => Err(network("preflight: BlockhashNotFound")),
            Some(BroadcastFault::CrashBeforeSend) | Some(BroadcastFault::CrashAfterSend) => {
                std::future::pending().await
            }
        }
    }

    async fn signature_status(&self, signature: &Signature) -> ClientResult<SignatureStatus> {
        let status = self.inner.signature_status(signature).await?;
        if status.is_some() && take(&self.crash_after_confirm) {
            return std::future::pending().await;
        }
        Ok(status)
    }

    async fn simulate(&self, tx: &VersionedTransaction) -> ClientResult<Simulation> {
        self.inner.simulate(tx).await
    }

    async fn accounts(&self, addresses: &[Pubkey]) -> ClientResult<Vec<Option<Account>>> {
        let mut accounts = self.inner.accounts(addresses).await?;
        let frozen = self.frozen.lock().expect("frozen");
        for (address, account) in addresses.iter().zip(accounts.iter_mut()) {
            if let Some(old) = frozen.get(address) {
                *account = old.clone();
            }
        }
        Ok(accounts)
    }

    async fn clock(&self) -> ClientResult<Clock> {
        Chain::clock(self.inner).await
    }

    async fn transaction_cpis(
        &self,
        signature: &Signature,
    ) -> ClientResult<Option<Vec<CpiRecord>>> {
        self.inner.transaction_cpis(signature).await
    }

    async fn signatures_for_address(&self, address: &Pubkey) -> ClientResult<Vec<Signature>> {
        self.inner.signatures_for_address(address).await
    }

    async fn recent_priority_fees(&self, writable: &[Pubkey]) -> ClientResult<Vec<u64>> {
        let injected = self.priority_fees.lock().expect("priority fees").clone();
        match injected {
            Some(Ok(fees)) => Ok(fees),
            Some(Err(why)) => Err(network(&why)),
            None => self.inner.recent_priority_fees(writable).await,
        }
    }

    async fn program_accounts(
        &self,
        program: &Pubkey,
        discriminator: &[u8],
    ) -> ClientResult<Vec<(Pubkey, Account)>> {
        let key = (*program, discriminator.to_vec());
        if let Some(listed) = self
            .listings
            .lock()
            .expect("listings")
            .as_ref()
            .and_then(|l| l.get(&key))
        {
            return Ok(listed.clone());
        }
        let listed = self.inner.program_accounts(program, discriminator).await?;
        if let Some(listings) = self.listings.lock().expect("listings").as_mut() {
            listings.insert(key, listed.clone());
        }
        Ok(listed)
    }
}
