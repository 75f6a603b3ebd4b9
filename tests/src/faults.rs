//! [`FaultyChain`]: the embedded chain behind a network that misbehaves on cue — responses
//! lost after the transaction went through, broadcasts dropped, lagging nodes refusing a
//! blockhash, a process dying at a chosen point — so keeper idempotency (SECURITY-TESTPLAN
//! §6, K-01..K-05) is tested against the real bank.
use std::sync::Mutex;

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
        }
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
        self.inner.accounts(addresses).await
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

    async fn program_accounts(
        &self,
        program: &Pubkey,
        discriminator: &[u8],
    ) -> ClientResult<Vec<(Pubkey, Account)>> {
        self.inner.program_accounts(program, discriminator).await
    }
}
