//! What every keeper binary shares: settings, logging, the connection, the signer, the
//! journal-backed sender, and the round loop with graceful shutdown.
use std::{future::Future, time::Duration};

use agentrunner_client::{
    deployment::Deployment,
    failover::Failover,
    keys::read_keypair,
    priority::PriorityFee,
    rpc::RpcChain,
    send::{Journal, SendPolicy, Sender},
};
use anyhow::{Context, Result};
use clap::Parser;
use solana_keypair::Keypair;
use solana_signer::Signer;
use tracing::{info, warn};

use crate::{
    journal::FileJournal,
    settings::{Flags, Settings},
};

/// A started keeper.
pub struct Keeper {
    pub name: &'static str,
    pub settings: Settings,
    /// The cluster: `url`, then `fallback_urls` when it is unavailable.
    pub chain: Failover<RpcChain>,
    pub deployment: Deployment,
    pub signer: Keypair,
}

impl Keeper {
    /// Parses flags, resolves settings, starts logging (`RUST_LOG`, default `info`), connects
    /// and loads the signer and the deployment.
    pub async fn start(name: &'static str) -> Result<Self> {
        let flags = Flags::parse();
        let settings = Settings::load(name, &flags, std::env::vars())?;
        tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
            )
            .init();
        info!(keeper = name, settings = %serde_json::to_string(&settings)?, "effective settings");
        let urls: Vec<String> = std::iter::once(settings.url.clone())
            .chain(settings.fallback_urls.iter().cloned())
            .collect();
        let timeout = Duration::from_secs(settings.request_timeout_secs.max(1));
        let chain = Failover::rpc(&urls, timeout)?;
        let genesis = chain
            .genesis_hash()
            .await
            .with_context(|| format!("cannot reach the cluster at {}", urls.join(", ")))?;
        let signer = read_keypair(&settings.keypair)?;
        let deployment = Deployment::load(&settings.deployment)?;
        deployment.require_cluster(&genesis)?;
        info!(keeper = name, signer = %signer.pubkey(), url = %settings.url, "connected");
        Ok(Self {
            name,
            settings,
            chain,
            deployment,
            signer,
        })
    }

    /// A sender journaling in-flight transactions to the settings' journal file.
    pub fn sender(&self) -> Sender<'_, Failover<RpcChain>, Box<dyn Journal>> {
        Sender {
            chain: &self.chain,
            policy: SendPolicy {
                priority: PriorityFee {
                    default_micro_lamports: self.settings.priority_fee_default,
                    cap_micro_lamports: self.settings.priority_fee_cap,
                },
                ..SendPolicy::default()
            },
            journal: Box::new(FileJournal::new(&self.settings.journal)),
        }
    }

    /// Runs `round` every `interval_secs` until Ctrl-C (or once). A failed round is logged and
    /// retried next time: keepers hold no state the chain does not.
    pub async fn rounds<F, Fut>(&self, mut round: F) -> Result<()>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<usize>>,
    {
        let mut ticks =
            tokio::time::interval(Duration::from_secs(self.settings.interval_secs.max(1)));
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = tokio::signal::ctrl_c() => {
                    info!(keeper = self.name, "shutting down");
                    return Ok(());
                }
            }
            match round().await {
                Ok(actions) => info!(keeper = self.name, actions, "round done"),
                Err(error) => {
                    warn!(keeper = self.name, error = %format!("{error:#}"), "round failed")
                }
            }
            if self.settings.once {
                return Ok(());
            }
        }
    }
}

/// How many outcomes in a round changed something.
pub fn count_done<'a>(outcomes: impl IntoIterator<Item = &'a crate::Outcome>) -> usize {
    outcomes
        .into_iter()
        .filter(|o| matches!(o, crate::Outcome::Done(_)))
        .count()
}
