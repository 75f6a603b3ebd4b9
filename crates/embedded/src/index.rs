//! What a cluster's RPC indexes and the bank alone does not: which transactions named an
//! address, which CPIs a transaction made, and which accounts exist (for
//! `getProgramAccounts`). Every processed transaction and every directly written account is
//! recorded.
use std::collections::{HashMap, HashSet};

use agentrunner_client::chain::CpiRecord;

use crate::balances::Balances;
use anchor_lang::prelude::Pubkey;
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;

/// A processed transaction as an RPC node would serve it.
#[derive(Clone, Debug)]
pub struct TxRecord {
    pub tx: VersionedTransaction,
    pub slot: u64,
    /// Static keys, then lookup-table addresses (writable, then readonly).
    pub keys: Vec<Pubkey>,
    /// How many of `keys` came from lookup tables as writable.
    pub loaded_writable: usize,
    pub fee: u64,
    pub logs: Vec<String>,
    pub unix_time: i64,
    /// Balances of `keys` before it ran.
    pub pre: Balances,
    /// Balances of `keys` after it ran.
    pub post: Balances,
    /// Compute units the bank counted (natively loaded programs are not metered: only SBF
    /// programs such as SPL Token and builtins' fixed costs count).
    pub compute_units: u64,
}

#[derive(Default)]
pub(crate) struct Index {
    history: HashMap<Pubkey, Vec<Signature>>,
    transactions: HashMap<Signature, TxRecord>,
    known: HashSet<Pubkey>,
    /// Inner instructions of successful transactions, grouped by top-level instruction.
    cpis: HashMap<Signature, Vec<Vec<CpiRecord>>>,
}

impl Index {
    /// A landed transaction and every account it named (lookup-table addresses resolved).
    pub fn transaction(&mut self, signature: Signature, record: TxRecord) {
        for key in &record.keys {
            self.known.insert(*key);
            let signatures = self.history.entry(*key).or_default();
            if !signatures.contains(&signature) {
                signatures.push(signature);
            }
        }
        self.transactions.entry(signature).or_insert(record);
    }

    pub fn record(&self, signature: &Signature) -> Option<TxRecord> {
        self.transactions.get(signature).cloned()
    }

    pub fn cpis_of(&mut self, signature: Signature, cpis: Vec<Vec<CpiRecord>>) {
        self.cpis.insert(signature, cpis);
    }

    pub fn account(&mut self, address: Pubkey) {
        self.known.insert(address);
    }

    pub fn history(&self, address: &Pubkey) -> Vec<Signature> {
        self.history.get(address).cloned().unwrap_or_default()
    }

    pub fn cpis(&self, signature: &Signature) -> Option<Vec<Vec<CpiRecord>>> {
        self.cpis.get(signature).cloned()
    }

    pub fn known(&self) -> Vec<Pubkey> {
        self.known.iter().copied().collect()
    }
}
