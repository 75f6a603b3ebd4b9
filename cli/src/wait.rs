//! Waiting for the chain: `--wait` on commands whose next step depends on time passing.
use std::{future::Future, time::Duration};

use anyhow::{bail, Result};

/// Polls `done` every second until it holds, failing after `limit_secs` with `what`.
pub async fn until<F, Fut>(limit_secs: u64, what: &str, mut done: F) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<bool>>,
{
    let started = std::time::Instant::now();
    while !done().await? {
        if started.elapsed() >= Duration::from_secs(limit_secs) {
            bail!("waited {limit_secs} s and {what} has not happened yet");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Ok(())
}
