//! What a cluster's RPC indexes and the bank alone does not: which transactions named an
//! address, which CPIs a transaction made, and which accounts exist with which owner (for
//! `getProgramAccounts`). Every processed transaction and every directly written account is
//! recorded.
use std::collections::{BTreeMap, HashMap};

use agentrunner_client::chain::CpiRecord;

use crate::balances::Balances;
use anchor_lang::prelude::Pubkey;
use solana_hash::Hash;
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

/// A block: the transactions the bank processed in one slot, sealed when the clock left it.
#[derive(Clone, Debug)]
pub struct Block {
    pub slot: u64,
    /// The slot of the previous sealed block (slots a warp skipped hold no block).
    pub parent_slot: u64,
    /// The bank's last blockhash in this slot.
    pub blockhash: Hash,
    pub previous_blockhash: Hash,
    /// Unix time of the slot, in seconds.
    pub block_time: i64,
    pub block_height: u64,
    /// In processing order.
    pub signatures: Vec<Signature>,
}

#[derive(Default)]
pub(crate) struct Index {
    /// Sealed blocks by slot.
    blocks: BTreeMap<u64, Block>,
    /// Signatures processed in the current (unsealed) slot, in order.
    pending: Vec<Signature>,
    history: HashMap<Pubkey, Vec<Signature>>,
    transactions: HashMap<Signature, TxRecord>,
    /// The owner of each known account that exists, as last written (a transaction's accounts
    /// after it, or a direct write): what `getProgramAccounts` narrows its scan by.
    owners: HashMap<Pubkey, Pubkey>,
    /// Inner instructions of successful transactions, grouped by top-level instruction.
    cpis: HashMap<Signature, Vec<Vec<CpiRecord>>>,
}

impl Index {
    /// A landed transaction, every account it named (lookup-table addresses resolved) and
    /// their owners after it (`None`: the account does not exist).
    pub fn transaction(
        &mut self,
        signature: Signature,
        record: TxRecord,
        owners: impl IntoIterator<Item = Option<Pubkey>>,
    ) {
        if !self.transactions.contains_key(&signature) {
            self.pending.push(signature);
        }
        for (key, owner) in record.keys.iter().zip(owners) {
            self.owned(*key, owner);
        }
        for key in &record.keys {
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

    /// An account written directly, owned by `owner`.
    pub fn account(&mut self, address: Pubkey, owner: Pubkey) {
        self.owned(address, Some(owner));
    }

    fn owned(&mut self, address: Pubkey, owner: Option<Pubkey>) {
        match owner {
            Some(owner) => self.owners.insert(address, owner),
            None => self.owners.remove(&address),
        };
    }

    /// Known accounts owned by one of `programs`, as last written.
    pub fn owned_by(&self, programs: &[Pubkey]) -> Vec<Pubkey> {
        self.owners
            .iter()
            .filter(|(_, owner)| programs.contains(owner))
            .map(|(address, _)| *address)
            .collect()
    }

    pub fn history(&self, address: &Pubkey) -> Vec<Signature> {
        self.history.get(address).cloned().unwrap_or_default()
    }

    pub fn cpis(&self, signature: &Signature) -> Option<Vec<Vec<CpiRecord>>> {
        self.cpis.get(signature).cloned()
    }

    /// Seals the slot the clock is leaving as a block.
    pub fn seal(&mut self, slot: u64, blockhash: Hash, block_time: i64, block_height: u64) {
        let previous = self.blocks.values().next_back();
        let block = Block {
            slot,
            parent_slot: previous.map_or(slot.saturating_sub(1), |b| b.slot),
            previous_blockhash: previous.map_or(Hash::default(), |b| b.blockhash),
            blockhash,
            block_time,
            block_height,
            signatures: std::mem::take(&mut self.pending),
        };
        self.blocks.insert(slot, block);
    }

    pub fn block(&self, slot: u64) -> Option<Block> {
        self.blocks.get(&slot).cloned()
    }

    /// Slots of sealed blocks in `range`, ascending, at most `limit`.
    pub fn block_slots(&self, range: std::ops::RangeInclusive<u64>, limit: usize) -> Vec<u64> {
        self.blocks
            .range(range)
            .map(|(slot, _)| *slot)
            .take(limit)
            .collect()
    }
}
