//! What a cluster's RPC indexes and the bank alone does not: which transactions named an
//! address, which CPIs a transaction made, and which accounts exist (for
//! `getProgramAccounts`). Every processed transaction and every directly written account is
//! recorded.
use std::collections::{HashMap, HashSet};

use agentrunner_client::chain::CpiRecord;
use anchor_lang::prelude::Pubkey;
use solana_signature::Signature;

#[derive(Default)]
pub(crate) struct Index {
    history: HashMap<Pubkey, Vec<Signature>>,
    known: HashSet<Pubkey>,
    cpis: HashMap<Signature, Vec<CpiRecord>>,
}

impl Index {
    /// A landed transaction and every account it named (lookup-table addresses resolved).
    pub fn transaction(&mut self, signature: Signature, keys: &[Pubkey]) {
        for key in keys {
            self.known.insert(*key);
            let signatures = self.history.entry(*key).or_default();
            if !signatures.contains(&signature) {
                signatures.push(signature);
            }
        }
    }

    pub fn cpis_of(&mut self, signature: Signature, cpis: Vec<CpiRecord>) {
        self.cpis.insert(signature, cpis);
    }

    pub fn account(&mut self, address: Pubkey) {
        self.known.insert(address);
    }

    pub fn history(&self, address: &Pubkey) -> Vec<Signature> {
        self.history.get(address).cloned().unwrap_or_default()
    }

    pub fn cpis(&self, signature: &Signature) -> Option<Vec<CpiRecord>> {
        self.cpis.get(signature).cloned()
    }

    pub fn known(&self) -> Vec<Pubkey> {
        self.known.iter().copied().collect()
    }
}
