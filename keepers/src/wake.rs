//! Waking a keeper when the cluster reaches a new slot: `slotSubscribe` over the cluster's
//! PubSub websocket (`wake_on_slot`), so work that became due — a DCA interval passed, an
//! award, an approval — is picked up within a slot instead of at the next interval. Slots that
//! arrive while a round runs are folded into one wake; a subscription that ends is made again.
use std::time::Duration;

use anyhow::{Context, Result};
use futures_util::{future::pending, StreamExt};
use reqwest::Url;
use solana_pubsub_client::nonblocking::pubsub_client::PubsubClient;
use tokio::{
    sync::{oneshot, watch},
    task::JoinHandle,
};
use tracing::{info, warn};

/// What a keeper logs once it is subscribed (what a supervisor waits for).
pub const SUBSCRIBED: &str = "woken on every new slot";

/// What it logs when a subscription that ended is back.
pub const RESUBSCRIBED: &str = "slot subscription restored";

/// The PubSub websocket of the cluster whose JSON-RPC endpoint is `rpc_url`, by Solana's
/// convention: `ws`/`wss` for `http`/`https`, on the next port when the URL names one
/// (`agentrunner serve` and `solana-test-validator` listen there).
pub fn pubsub_url(rpc_url: &str) -> Result<String> {
    let mut url = Url::parse(rpc_url).with_context(|| format!("`{rpc_url}` is not a URL"))?;
    let scheme = match url.scheme() {
        "https" => "wss",
        _ => "ws",
    };
    let port = url.port().map(|p| p.saturating_add(1));
    url.set_scheme(scheme)
        .ok()
        .and_then(|()| url.set_port(port).ok())
        .with_context(|| format!("no websocket URL for `{rpc_url}`"))?;
    Ok(url.to_string())
}

/// How long a keeper waits before subscribing again after its subscription ended.
const RESUBSCRIBE_AFTER: Duration = Duration::from_secs(1);

/// The cluster's slots, followed by a task that owns the PubSub connection: when the
/// subscription ends (the node closed it, or the connection dropped without a close frame) it
/// connects and subscribes again, so a keeper is never left on its interval alone (K-08).
pub struct SlotWake {
    latest: watch::Receiver<u64>,
    follower: JoinHandle<()>,
}

impl Drop for SlotWake {
    fn drop(&mut self) {
        self.follower.abort();
    }
}

impl SlotWake {
    /// Subscribes to the PubSub websocket at `url`; the first subscription must succeed.
    pub async fn connect(url: &str) -> Result<Self> {
        let (latest_tx, latest) = watch::channel(0);
        let (subscribed_tx, subscribed) = oneshot::channel();
        let follower = tokio::spawn(follow(url.to_string(), latest_tx, subscribed_tx));
        subscribed
            .await
            .context("the slot follower stopped")?
            .with_context(|| format!("cannot subscribe to slots at {url}"))?;
        Ok(Self { latest, follower })
    }

    /// Resolves when the cluster reached a new slot since the last call (several slots fold
    /// into one), with that slot; never once the follower is gone.
    pub async fn next(&mut self) -> u64 {
        if self.latest.changed().await.is_err() {
            return pending().await;
        }
        *self.latest.borrow_and_update()
    }
}

/// Follows slot notifications into `latest`, subscribing again whenever the subscription ends;
/// the first attempt's result goes to `subscribed`.
async fn follow(url: String, latest: watch::Sender<u64>, subscribed: oneshot::Sender<Result<()>>) {
    let mut first = Some(subscribed);
    loop {
        let client = PubsubClient::new(&url)
            .await
            .with_context(|| format!("cannot reach the cluster's PubSub at {url}"));
        let subscription = match &client {
            Ok(client) => client
                .slot_subscribe()
                .await
                .context("slotSubscribe refused"),
            Err(e) => Err(anyhow::anyhow!("{e:#}")),
        };
        match (subscription, first.take()) {
            (Err(e), Some(subscribed)) => {
                let _ = subscribed.send(Err(e));
                return;
            }
            (Err(e), None) => warn!(error = %format!("{e:#}"), "slot subscription not restored"),
            (Ok((mut slots, _unsubscribe)), first) => {
                match first {
                    Some(subscribed) => {
                        let _ = subscribed.send(Ok(()));
                    }
                    None => info!("{RESUBSCRIBED}"),
                }
                while let Some(info) = slots.next().await {
                    if latest.send(info.slot).is_err() {
                        return;
                    }
                }
                warn!("the slot subscription ended; subscribing again");
            }
        }
        tokio::time::sleep(RESUBSCRIBE_AFTER).await;
    }
}

#[cfg(test)]
mod tests {
    use super::pubsub_url;

    #[test]
    fn test_the_pubsub_url_follows_solanas_convention() {
        assert_eq!(
            pubsub_url("http://127.0.0.1:8899").unwrap(),
            "ws://127.0.0.1:8900/"
        );
        assert_eq!(
            pubsub_url("https://api.devnet.solana.com").unwrap(),
            "wss://api.devnet.solana.com/"
        );
        assert_eq!(
            pubsub_url("not a url").unwrap_err().to_string(),
            "`not a url` is not a URL"
        );
    }
}
