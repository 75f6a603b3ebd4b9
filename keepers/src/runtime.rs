//! What every keeper binary shares: settings, logging, the connection, the signer, the
//! journal-backed sender, metrics, and the round loop over the keeper's [`Operation`]s with
//! graceful shutdown.
use std::{future::Future, pin::Pin, time::Duration};

use agentrunner_client::{
    deployment::Deployment,
    failover::Failover,
    keys::read_keypair,
    priority::PriorityFee,
    rpc::RpcChain,
    send::{Journal, SendPolicy, Sender},
};
use anyhow::{Context, Result};
use solana_keypair::Keypair;
use solana_signer::Signer;
use tracing::{debug, info, warn};

use crate::{
    journal::FileJournal,
    metrics::Metrics,
    settings::{settings_help, Flags, KeeperSettings, Settings},
    wake::{pubsub_url, SlotWake},
    Outcome,
};

/// What a keeper logs (at debug level) after each round.
pub const ROUND_FINISHED: &str = "round finished";

/// What one run of an operation did: each item it touched, with its outcome.
pub type Report = Vec<(String, Outcome)>;

/// A boxed future of an operation's run.
pub type Run<'a> = Pin<Box<dyn Future<Output = Result<Report>> + 'a>>;

/// One crank of a keeper (stakenet's keeper-operation shape): whether it runs this round,
/// and what running it does.
pub trait Operation {
    /// Its name in logs and metrics.
    fn name(&self) -> &'static str;
    /// Runs in round `round` (every round unless the operation says otherwise).
    fn should_run(&self, round: u64) -> bool {
        let _ = round;
        true
    }
    /// Cranks every item due; an item's failure is its [`Outcome::Failed`], not an error.
    fn process(&self) -> Run<'_>;
}

/// A started keeper.
pub struct Keeper<K> {
    pub name: &'static str,
    pub settings: Settings<K>,
    /// The cluster: `url`, then `fallback_urls` when it is unavailable.
    pub chain: Failover<RpcChain>,
    pub deployment: Deployment,
    pub signer: Keypair,
    metrics: Metrics,
}

impl<K: KeeperSettings> Keeper<K> {
    /// Parses `args` (program name first; `--help` says `about` and lists every setting),
    /// resolves settings,
    /// starts logging (`RUST_LOG`, default `info`) and the metrics endpoint, connects and loads
    /// the signer and the deployment.
    pub async fn start(
        name: &'static str,
        about: &'static str,
        args: impl IntoIterator<Item = String>,
    ) -> Result<Self> {
        let flags = Flags::<K::Flags>::parse_for(name, about, settings_help::<K>(name), args)
            .unwrap_or_else(|error| error.exit());
        let settings = Settings::<K>::load(name, &flags, std::env::vars())?;
        let _ = tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
            )
            .try_init();
        info!(keeper = name, settings = %serde_json::to_string(&settings)?, "effective settings");
        let metrics = Metrics::start(name, settings.common.metrics_bind.as_deref())?;
        let common = &settings.common;
        let urls: Vec<String> = std::iter::once(common.url.clone())
            .chain(common.fallback_urls.iter().cloned())
            .collect();
        let timeout = Duration::from_secs(common.request_timeout_secs.max(1));
        let chain = Failover::rpc(&urls, timeout)?;
        let genesis = chain
            .genesis_hash()
            .await
            .with_context(|| format!("cannot reach the cluster at {}", urls.join(", ")))?;
        let signer = read_keypair(&common.keypair)?;
        let deployment = Deployment::load(&common.deployment)?;
        deployment.require_cluster(&genesis)?;
        info!(keeper = name, signer = %signer.pubkey(), url = %common.url, "connected");
        Ok(Self {
            name,
            settings,
            chain,
            deployment,
            signer,
            metrics,
        })
    }

    /// A sender journaling in-flight transactions to the keeper's journal, bidding priority
    /// fees and compute-unit limits within the settings' caps.
    pub fn sender(&self) -> Sender<'_, Failover<RpcChain>, Box<dyn Journal>> {
        let common = &self.settings.common;
        Sender {
            chain: &self.chain,
            policy: SendPolicy {
                priority: PriorityFee {
                    default_micro_lamports: common.priority_fee_default,
                    cap_micro_lamports: common.priority_fee_cap,
                    max_compute_units: common.compute_unit_limit_cap,
                },
                ..SendPolicy::default()
            },
            journal: Box::new(FileJournal::new(&common.journal)),
        }
    }

    /// Runs `operations` every `interval_secs` — and on every new slot with `wake_on_slot` —
    /// until Ctrl-C (or once). A failed run is logged,
    /// counted and retried next round: keepers hold no state the chain does not.
    pub async fn run(&self, operations: &[&dyn Operation]) -> Result<()> {
        let common = &self.settings.common;
        let interval = Duration::from_secs(common.interval_secs.max(1));
        let mut ticks = tokio::time::interval(interval);
        let mut wake = match (common.wake_on_slot, common.pubsub_url.as_str()) {
            (false, _) => None,
            (true, "") => Some(SlotWake::connect(&pubsub_url(&common.url)?).await?),
            (true, url) => Some(SlotWake::connect(url).await?),
        };
        if wake.is_some() {
            info!(keeper = self.name, "{}", crate::wake::SUBSCRIBED);
        }
        for round in 0.. {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = next_slot(&mut wake) => {}
                _ = tokio::signal::ctrl_c() => {
                    info!(keeper = self.name, "shutting down");
                    return Ok(());
                }
            }
            for operation in operations.iter().filter(|o| o.should_run(round)) {
                let result = operation.process().await;
                self.metrics.record(operation.name(), &result);
                match result {
                    Ok(report) => {
                        for (item, outcome) in &report {
                            info!(keeper = self.name, operation = operation.name(), %item, outcome = %outcome.describe());
                        }
                    }
                    Err(error) => warn!(
                        keeper = self.name,
                        operation = operation.name(),
                        error = %format!("{error:#}"),
                        "run failed"
                    ),
                }
            }
            debug!(keeper = self.name, round, "{ROUND_FINISHED}");
            if self.settings.common.once {
                break;
            }
        }
        Ok(())
    }
}

/// The next new slot when woken by slots; never without.
async fn next_slot(wake: &mut Option<SlotWake>) -> u64 {
    match wake {
        Some(wake) => wake.next().await,
        None => std::future::pending().await,
    }
}
