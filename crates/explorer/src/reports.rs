//! A certification report behind an attestation: the attestation's figures and verdict from
//! the registry, and the report itself when this explorer can read it (a `file://` URI under
//! its reports directory), shown only if its sha256 is the one the attestation committed to.
use std::path::{Path, PathBuf};

use agent_registry::state::Attestation;
use agentrunner_client::chain::Chain;
use anchor_lang::prelude::Pubkey;

use crate::{state::Explorer, views::agents::AttestationLine};

/// What the report page shows.
pub struct Report {
    /// The attestation: stage, attempt, certifier, verdict, figures, validity.
    pub line: AttestationLine,
    pub agent: String,
    pub version: String,
    pub report_uri: String,
    pub report_hash: String,
    /// The report, pretty-printed, when read and matching its hash.
    pub body: Option<String>,
    /// Whether the body was read and matched, in words.
    pub check: String,
}

/// The file a `file://` URI names, if it lies under `dir`.
fn local_file(uri: &str, dir: &Path) -> Option<PathBuf> {
    let path = PathBuf::from(uri.strip_prefix("file://")?)
        .canonicalize()
        .ok()?;
    path.starts_with(dir.canonicalize().ok()?).then_some(path)
}

/// The report of the attestation at `key`.
pub async fn load(explorer: &Explorer, key: &Pubkey) -> anyhow::Result<Report> {
    let at: Attestation = explorer.chain.fetch(key).await?;
    let now = explorer.chain_now().await?;
    let (body, check) = match explorer
        .config
        .reports_dir
        .as_deref()
        .and_then(|dir| local_file(&at.report_uri, dir))
    {
        Some(path) => match std::fs::read(&path) {
            Ok(bytes) if solana_sha256_hasher::hash(&bytes).to_bytes() == at.report_hash => {
                let pretty = serde_json::from_slice::<serde_json::Value>(&bytes)
                    .and_then(|v| serde_json::to_string_pretty(&v))
                    .unwrap_or_else(|_| String::from_utf8_lossy(&bytes).into_owned());
                (
                    Some(pretty),
                    "verified: its sha256 is the hash the attestation committed to".to_string(),
                )
            }
            Ok(_) => (
                None,
                "the file at the report URI does not match the attestation's hash".to_string(),
            ),
            Err(e) => (None, format!("the report file cannot be read: {e}")),
        },
        None => (
            None,
            "not served by this explorer: fetch it from its URI and compare its sha256".to_string(),
        ),
    };
    Ok(Report {
        line: AttestationLine::of(key, &at, now),
        agent: at.agent.to_string(),
        version: at.version.to_string(),
        report_uri: at.report_uri.clone(),
        report_hash: hex::encode(at.report_hash),
        body,
        check,
    })
}
