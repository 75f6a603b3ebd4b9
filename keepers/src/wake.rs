//! Waking a keeper when the cluster reaches a new slot: `slotSubscribe` over the cluster's
//! PubSub websocket (`wake_on_slot`), so work that became due — a DCA interval passed, an
//! award, an approval — is picked up within a slot instead of at the next interval. Slots that
//! arrive while a round runs are folded into one wake.
use anyhow::{Context, Result};
use futures_util::{future::pending, stream::BoxStream, FutureExt, StreamExt};
use reqwest::Url;
use solana_pubsub_client::nonblocking::pubsub_client::PubsubClient;
use solana_rpc_client_types::response::SlotInfo;

/// What a keeper logs once it is subscribed (what a supervisor waits for).
pub const SUBSCRIBED: &str = "woken on every new slot";

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

/// A connection subscribed to slot notifications.
pub struct SlotWake {
    client: PubsubClient,
}

impl SlotWake {
    /// Connects to the PubSub websocket at `url`.
    pub async fn connect(url: &str) -> Result<Self> {
        let client = PubsubClient::new(url)
            .await
            .with_context(|| format!("cannot reach the cluster's PubSub at {url}"))?;
        Ok(Self { client })
    }

    /// Its slot notifications.
    pub async fn slots(&self) -> Result<Slots<'_>> {
        let (stream, _unsubscribe) = self
            .client
            .slot_subscribe()
            .await
            .context("slotSubscribe refused")?;
        Ok(Slots(Some(stream)))
    }
}

/// Slot notifications, or none (no subscription, or it ended).
pub struct Slots<'a>(Option<BoxStream<'a, SlotInfo>>);

impl Slots<'_> {
    /// No subscription: [`Self::next`] never resolves.
    pub fn none() -> Self {
        Self(None)
    }

    /// The next new slot, folding in every slot already waiting; never resolves without a
    /// subscription or once it ended (the keeper goes on by its interval).
    pub async fn next(&mut self) -> u64 {
        let Some(stream) = self.0.as_mut() else {
            return pending().await;
        };
        let Some(mut latest) = stream.next().await else {
            tracing::warn!("the slot subscription ended; rounds go on by the interval");
            self.0 = None;
            return pending().await;
        };
        while let Some(Some(newer)) = stream.next().now_or_never() {
            latest = newer;
        }
        latest.slot
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
        assert!(pubsub_url("not a url").is_err());
    }
}
