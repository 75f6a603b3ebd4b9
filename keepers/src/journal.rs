//! [`FileJournal`]: in-flight transactions on disk (one JSON object per line), so a restarted
//! keeper tracks what it already signed instead of signing it again (K-04).
use std::{
    fs::OpenOptions,
    io::{BufRead, BufReader, Write},
    path::PathBuf,
    sync::Mutex,
};

use agentrunner_client::send::Journal;
use base64::{engine::general_purpose::STANDARD, Engine};
use serde::{Deserialize, Serialize};
use solana_transaction::versioned::VersionedTransaction;

#[derive(Serialize, Deserialize)]
struct Entry {
    intent: String,
    /// The signed transaction, bincode then base64; absent once finished.
    tx: Option<String>,
    last_valid: u64,
}

/// An append-only journal file.
pub struct FileJournal {
    path: PathBuf,
    lock: Mutex<()>,
}

impl FileJournal {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            lock: Mutex::new(()),
        }
    }

    fn append(&self, entry: &Entry) {
        let _guard = self.lock.lock().expect("journal lock");
        let line = serde_json::to_string(entry).unwrap_or_default();
        // A journal that cannot be written only costs a wasted send after a restart; the
        // chain state stays the source of truth.
        if let Ok(mut file) = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
        {
            let _ = writeln!(file, "{line}");
        }
    }
}

impl FileJournal {
    /// Every intent whose last entry is a signed transaction (in flight), sorted.
    pub fn in_flight_intents(&self) -> Vec<String> {
        let _guard = self.lock.lock().expect("journal lock");
        let Ok(file) = std::fs::File::open(&self.path) else {
            return Vec::new();
        };
        let mut last = std::collections::BTreeMap::new();
        for entry in BufReader::new(file)
            .lines()
            .map_while(Result::ok)
            .filter_map(|line| serde_json::from_str::<Entry>(&line).ok())
        {
            last.insert(entry.intent, entry.tx.is_some());
        }
        last.into_iter()
            .filter_map(|(intent, open)| open.then_some(intent))
            .collect()
    }

    /// The last entry of `intent` (with `signed_only`, the last one carrying a transaction) and
    /// its transaction.
    fn last(&self, intent: &str, signed_only: bool) -> Option<(VersionedTransaction, u64)> {
        let _guard = self.lock.lock().expect("journal lock");
        let file = std::fs::File::open(&self.path).ok()?;
        let last = BufReader::new(file)
            .lines()
            .map_while(Result::ok)
            .filter_map(|line| serde_json::from_str::<Entry>(&line).ok())
            .filter(|e| e.intent == intent && (!signed_only || e.tx.is_some()))
            .last()?;
        let bytes = STANDARD.decode(last.tx?).ok()?;
        Some((bincode::deserialize(&bytes).ok()?, last.last_valid))
    }
}

impl Journal for FileJournal {
    fn signed(&self, intent: &str, tx: &VersionedTransaction, last_valid: u64) {
        let bytes = bincode::serialize(tx).unwrap_or_default();
        self.append(&Entry {
            intent: intent.to_string(),
            tx: Some(STANDARD.encode(bytes)),
            last_valid,
        });
    }

    fn finished(&self, intent: &str) {
        self.append(&Entry {
            intent: intent.to_string(),
            tx: None,
            last_valid: 0,
        });
    }

    fn in_flight(&self, intent: &str) -> Option<(VersionedTransaction, u64)> {
        self.last(intent, false)
    }

    fn last_signed(&self, intent: &str) -> Option<(VersionedTransaction, u64)> {
        self.last(intent, true)
    }
}
