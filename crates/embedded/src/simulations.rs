//! Reusing a simulation for the trace of the transaction it simulated. A transaction is usually
//! simulated right before it is sent (the sender's check, an RPC preflight); when nothing has
//! changed the bank since, its execution makes exactly the simulation's CPIs, so
//! [`EmbeddedChain::process_traced`] records those instead of running the transaction a second
//! time before processing it.
//!
//! "Nothing changed" is the bank generation: every exclusive hold of the bank gate (a send, a
//! warp, an account write) moves it on as it ends, and simulations run under the shared hold,
//! so a simulation and a send that see the same generation see the same bank.
use std::{
    collections::HashMap,
    sync::atomic::{AtomicU64, Ordering},
};

use solana_message::inner_instruction::InnerInstructionsList;
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;
use tokio::sync::RwLockWriteGuard;

use crate::EmbeddedChain;

/// Simulations kept per generation (a round of brokers simulating before their sends); more
/// start the memory over.
const KEPT: usize = 256;

/// Successful simulations of the current generation, by signature.
#[derive(Default)]
pub(crate) struct Simulations {
    generation: u64,
    by_signature: HashMap<Signature, (VersionedTransaction, InnerInstructionsList)>,
}

impl Simulations {
    /// Remembers `tx`'s CPIs as simulated at `generation`.
    fn remember(
        &mut self,
        generation: u64,
        tx: VersionedTransaction,
        inner: InnerInstructionsList,
    ) {
        if generation != self.generation || self.by_signature.len() >= KEPT {
            self.by_signature.clear();
            self.generation = generation;
        }
        self.by_signature.insert(tx.signatures[0], (tx, inner));
    }

    /// The CPIs of exactly `tx`, if it was simulated at `generation`.
    fn take(
        &mut self,
        generation: u64,
        tx: &VersionedTransaction,
    ) -> Option<InnerInstructionsList> {
        if generation != self.generation {
            return None;
        }
        let (simulated, inner) = self.by_signature.remove(&tx.signatures[0])?;
        (simulated == *tx).then_some(inner)
    }
}

/// The bank gate held alone; the generation moves on when it is released.
pub(crate) struct Exclusive<'a> {
    _gate: RwLockWriteGuard<'a, ()>,
    generation: &'a AtomicU64,
}

impl Drop for Exclusive<'_> {
    /// Runs before the gate's guard is dropped: whoever holds the gate next sees the new
    /// generation.
    fn drop(&mut self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }
}

impl EmbeddedChain {
    /// Holds the bank gate alone (to change the bank, or to read around a change).
    pub(crate) async fn exclusive(&self) -> Exclusive<'_> {
        Exclusive {
            _gate: self.bank_gate.write().await,
            generation: &self.generation,
        }
    }

    /// The bank's generation; stable while the caller holds the gate (shared or alone).
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Keeps a successful simulation's CPIs (the caller holds the gate shared).
    pub(crate) fn remember_simulation(
        &self,
        tx: VersionedTransaction,
        inner: InnerInstructionsList,
    ) {
        let generation = self.generation();
        self.simulations
            .lock()
            .expect("simulations poisoned")
            .remember(generation, tx, inner);
    }

    /// The CPIs `tx` made in a simulation of the current bank, if it had one (the caller holds
    /// the gate alone).
    pub(crate) fn simulated_cpis(
        &self,
        tx: &VersionedTransaction,
    ) -> Option<InnerInstructionsList> {
        let generation = self.generation();
        self.simulations
            .lock()
            .expect("simulations poisoned")
            .take(generation, tx)
    }
}
