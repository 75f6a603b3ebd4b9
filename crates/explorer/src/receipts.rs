//! A plan's receipts as complete files (`agentrunner-receipt/1`: receipt, leaf, proof, root,
//! PeriodRoot once anchored) from the receipts API, or rebuilt from the chain's history when
//! the explorer has none.
use agentrunner_client::receipts::{audit::plan_receipt_files, file::ReceiptFile, LocatedReceipt};
use anchor_lang::prelude::Pubkey;
use serde::Deserialize;

use crate::state::{Explorer, ReceiptsSource};

/// A page of the receipts API's listing.
#[derive(Deserialize)]
struct Listing {
    receipts: Vec<LocatedReceipt>,
    next_cursor: Option<String>,
}

/// Why receipts could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReceiptsError {
    #[error("receipts API {url}: {reason}")]
    Api { url: String, reason: String },
    #[error(transparent)]
    Chain(#[from] agentrunner_client::ClientError),
}

fn api_error(url: &str, reason: impl std::fmt::Display) -> ReceiptsError {
    ReceiptsError::Api {
        url: url.to_string(),
        reason: reason.to_string(),
    }
}

async fn get<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    url: &str,
) -> Result<T, ReceiptsError> {
    let response = http.get(url).send().await.map_err(|e| api_error(url, e))?;
    if !response.status().is_success() {
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        return Err(api_error(url, format!("{status}: {body}")));
    }
    response.json().await.map_err(|e| api_error(url, e))
}

/// Every receipt of `plan`, oldest first, each as a complete file.
pub async fn plan_files(
    explorer: &Explorer,
    plan: &Pubkey,
) -> Result<Vec<ReceiptFile>, ReceiptsError> {
    let base = match &explorer.config.receipts {
        ReceiptsSource::History => return Ok(plan_receipt_files(&explorer.chain, plan).await?),
        ReceiptsSource::Api(base) => base.trim_end_matches('/'),
    };
    let mut located = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{base}/v1/receipts?plan={plan}&limit=1000");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page: Listing = get(&explorer.http, &url).await?;
        located.extend(page.receipts);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let mut files = Vec::with_capacity(located.len());
    for r in located {
        let url = format!("{base}/v1/receipts/{}/{}/file", r.tree, r.index);
        files.push(get(&explorer.http, &url).await?);
    }
    files.sort_by_key(|f: &ReceiptFile| (f.located.receipt.unix_time, f.located.index));
    Ok(files)
}
