//! What every handler shares: the cluster (read and relayed to), the deployment, where
//! receipts come from, and the cluster's names — its genesis hash, its CAIP-2 id (Solana
//! Actions' `X-Blockchain-Ids`) and the Wallet Standard chain a wallet signs for.
use std::{path::PathBuf, sync::Arc, time::Duration};

use agentrunner_client::{deployment::Deployment, flows::RfpPolicy, rpc::RpcChain};
use agentrunner_indexer::limits::RateLimit;

/// Where the explorer reads a plan's receipts from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReceiptsSource {
    /// A receipts API (the indexer's, `agentrunner keeper indexer --listen`): two requests per
    /// receipt, whatever the tree's size.
    Api(String),
    /// The chain's history (the plan's shard replayed): no indexer needed, O(transactions
    /// that touched the tree) requests.
    History,
}

/// How an explorer is set up.
#[derive(Clone, Debug)]
pub struct ExplorerConfig {
    /// The cluster's JSON-RPC URL: read, and where signed transactions are relayed.
    pub rpc_url: String,
    /// The JSON-RPC URL the browser itself reads `PeriodRoot` accounts from when it verifies
    /// a receipt (default: `rpc_url`), so a verdict never rests on this server's word.
    pub browser_rpc_url: Option<String>,
    pub deployment: Deployment,
    pub receipts: ReceiptsSource,
    /// Where certifiers' reports are found (`file://` report URIs under it are served, checked
    /// against the attestation's hash); none: reports are linked, not served.
    pub reports_dir: Option<PathBuf>,
    /// How plans created here put their steps out to bid (the owner plans for itself).
    pub rfp_policy: RfpPolicy,
    /// Seconds an approval's budget and grants stay valid.
    pub approval_secs: i64,
    /// Requests per second and burst per client address.
    pub rate: RateLimit,
    /// How often a plan's live status is re-read for the pages watching it.
    pub status_poll: Duration,
}

impl ExplorerConfig {
    /// An explorer of `rpc_url` with the defaults: bidding 900 s of chain time (15 s on
    /// `serve`'s 60x clock), approvals valid 7 days, 20 requests/s per client (burst 60), live
    /// status every second.
    pub fn new(rpc_url: &str, deployment: Deployment, receipts: ReceiptsSource) -> Self {
        Self {
            rpc_url: rpc_url.to_string(),
            browser_rpc_url: None,
            deployment,
            receipts,
            reports_dir: None,
            rfp_policy: RfpPolicy {
                bid_secs: 900,
                ..RfpPolicy::default()
            },
            approval_secs: 7 * 86_400,
            rate: RateLimit {
                per_second: 20.0,
                burst: 60.0,
            },
            status_poll: Duration::from_secs(1),
        }
    }
}

/// The names of the cluster served.
#[derive(Clone, Debug)]
pub struct Cluster {
    /// Base58 genesis hash.
    pub genesis_hash: String,
    /// CAIP-2 chain id: `solana:` and the genesis hash's first 32 characters.
    pub caip2: String,
    /// The Wallet Standard chain wallets are asked to sign for (`solana:mainnet`,
    /// `solana:devnet`, `solana:testnet`, else `solana:localnet`).
    pub wallet_chain: &'static str,
}

/// Genesis hashes of the public clusters.
const PUBLIC: &[(&str, &str)] = &[
    (
        "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpKuc147dw2N9d",
        "solana:mainnet",
    ),
    (
        "EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG",
        "solana:devnet",
    ),
    (
        "4uhcVJyU9pJkvQyS88uRDiswHXSCkY3zQawwpjk2NsNY",
        "solana:testnet",
    ),
];

impl Cluster {
    pub fn named(genesis_hash: String) -> Self {
        let wallet_chain = PUBLIC
            .iter()
            .find(|(hash, _)| *hash == genesis_hash)
            .map_or("solana:localnet", |(_, chain)| chain);
        let caip2 = format!("solana:{}", &genesis_hash[..genesis_hash.len().min(32)]);
        Self {
            genesis_hash,
            caip2,
            wallet_chain,
        }
    }
}

/// The explorer's shared state (cheap to clone).
#[derive(Clone)]
pub struct Explorer(Arc<Inner>);

pub struct Inner {
    pub config: ExplorerConfig,
    pub chain: RpcChain,
    pub cluster: Cluster,
    /// For the receipts API.
    pub http: reqwest::Client,
    /// Chained Solana Action approvals in progress.
    pub actions: crate::actions::Chains,
}

impl std::ops::Deref for Explorer {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl Explorer {
    /// Connects to the cluster (one request: its genesis hash, which the deployment must name
    /// when it names one).
    pub async fn connect(config: ExplorerConfig) -> anyhow::Result<Self> {
        let chain = RpcChain::new(&config.rpc_url);
        let genesis = chain.genesis_hash().await?;
        config.deployment.require_cluster(&genesis)?;
        Ok(Self(Arc::new(Inner {
            cluster: Cluster::named(genesis.to_string()),
            chain,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()?,
            actions: Default::default(),
            config,
        })))
    }

    /// The chain's clock, unix seconds.
    pub async fn chain_now(&self) -> agentrunner_client::ClientResult<i64> {
        use agentrunner_client::chain::Chain;
        Ok(self.chain.clock().await?.unix_timestamp)
    }

    /// The JSON-RPC URL pages read from.
    pub fn browser_rpc_url(&self) -> &str {
        self.config
            .browser_rpc_url
            .as_deref()
            .unwrap_or(&self.config.rpc_url)
    }
}
