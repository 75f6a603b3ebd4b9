//! [`FileJournal`]: in-flight transactions on disk (one JSON object per line), so a restarted
//! keeper tracks what it already signed instead of signing it again (K-04).
use std::{
    collections::BTreeMap,
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

/// What the journal knows of one intent: its in-flight transaction, and the last one signed.
#[derive(Default)]
struct Intent {
    open: Option<(VersionedTransaction, u64)>,
    last_signed: Option<(VersionedTransaction, u64)>,
}

/// An append-only journal file, read once when opened and answered from memory after that (a
/// send asks it about its intent; reading the file each time grew with every execution).
/// One keeper writes one journal.
pub struct FileJournal {
    path: PathBuf,
    intents: Mutex<BTreeMap<String, Intent>>,
}

impl FileJournal {
    /// Opens the journal at `path` (none yet: empty).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let mut intents = BTreeMap::<String, Intent>::new();
        if let Ok(file) = std::fs::File::open(&path) {
            for entry in BufReader::new(file)
                .lines()
                .map_while(Result::ok)
                .filter_map(|line| serde_json::from_str::<Entry>(&line).ok())
            {
                let tx = entry.tx.as_deref().and_then(decode);
                apply(
                    intents.entry(entry.intent).or_default(),
                    tx,
                    entry.last_valid,
                );
            }
        }
        Self {
            path,
            intents: Mutex::new(intents),
        }
    }

    fn record(&self, intent: &str, tx: Option<&VersionedTransaction>, last_valid: u64) {
        let mut intents = self.intents.lock().expect("journal lock");
        apply(
            intents.entry(intent.to_string()).or_default(),
            tx.cloned(),
            last_valid,
        );
        let entry = Entry {
            intent: intent.to_string(),
            tx: tx.map(|tx| STANDARD.encode(bincode::serialize(tx).unwrap_or_default())),
            last_valid,
        };
        let line = serde_json::to_string(&entry).unwrap_or_default();
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

    /// Every intent whose last entry is a signed transaction (in flight), sorted.
    pub fn in_flight_intents(&self) -> Vec<String> {
        let intents = self.intents.lock().expect("journal lock");
        intents
            .iter()
            .filter(|(_, known)| known.open.is_some())
            .map(|(intent, _)| intent.clone())
            .collect()
    }
}

/// One journal line applied to what is known of its intent: a signed transaction opens it, a
/// finish closes it.
fn apply(known: &mut Intent, tx: Option<VersionedTransaction>, last_valid: u64) {
    known.open = tx.map(|tx| (tx, last_valid));
    if known.open.is_some() {
        known.last_signed.clone_from(&known.open);
    }
}

fn decode(base64: &str) -> Option<VersionedTransaction> {
    bincode::deserialize(&STANDARD.decode(base64).ok()?).ok()
}

impl Journal for FileJournal {
    fn signed(&self, intent: &str, tx: &VersionedTransaction, last_valid: u64) {
        self.record(intent, Some(tx), last_valid);
    }

    fn finished(&self, intent: &str) {
        self.record(intent, None, 0);
    }

    fn in_flight(&self, intent: &str) -> Option<(VersionedTransaction, u64)> {
        let intents = self.intents.lock().expect("journal lock");
        intents.get(intent)?.open.clone()
    }

    fn last_signed(&self, intent: &str) -> Option<(VersionedTransaction, u64)> {
        let intents = self.intents.lock().expect("journal lock");
        intents.get(intent)?.last_signed.clone()
    }
}
