//! `agentrunner explorer`: the web app (goal, offers, wallet approval, live status, receipts
//! verified in the browser, agents) served against any cluster. `agentrunner serve` serves the
//! same app beside its local cluster.
use std::path::PathBuf;

use agentrunner_explorer::{Explorer, ExplorerConfig, ReceiptsSource};
use anyhow::{Context, Result};
use clap::Args;

use crate::{opts::Opts, out, output::section};

/// What decides how an explorer runs, shared by `explorer` and `serve`.
#[derive(Args, Clone, Debug)]
pub struct ExplorerArgs {
    /// The receipts API to read receipts and proofs from (an indexer's `--listen` address,
    /// e.g. http://127.0.0.1:8910); without one, receipts are rebuilt from chain history.
    #[arg(long)]
    pub receipts_api: Option<String>,
    /// The JSON-RPC URL browsers read PeriodRoot accounts from to verify receipts themselves
    /// (default: the cluster's `-u` URL).
    #[arg(long)]
    pub browser_rpc_url: Option<String>,
    /// Where certifiers' reports are read from (`file://` report URIs under it are served,
    /// checked against their attestation's hash).
    #[arg(long, default_value = "certification")]
    pub reports_dir: PathBuf,
    /// Seconds of chain time the RFPs of plans created in the explorer take bids.
    #[arg(long, default_value_t = 900)]
    pub bid_secs: i64,
}

impl ExplorerArgs {
    /// The explorer's settings for the cluster at `rpc_url`, reading receipts from `receipts`
    /// unless `--receipts-api` names another API.
    pub fn config(
        &self,
        rpc_url: &str,
        deployment: agentrunner_client::deployment::Deployment,
        receipts: ReceiptsSource,
    ) -> ExplorerConfig {
        let mut config = ExplorerConfig::new(
            rpc_url,
            deployment,
            self.receipts_api
                .clone()
                .map_or(receipts, ReceiptsSource::Api),
        );
        config.browser_rpc_url = self.browser_rpc_url.clone();
        config.reports_dir = Some(
            std::fs::canonicalize(&self.reports_dir).unwrap_or_else(|_| self.reports_dir.clone()),
        );
        config.rfp_policy.bid_secs = self.bid_secs;
        config
    }
}

#[derive(Args)]
pub struct ExplorerCommand {
    /// Address to serve on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: String,
    #[command(flatten)]
    pub explorer: ExplorerArgs,
}

/// Starts an explorer on `bind`; returns its URL.
pub async fn start(bind: &str, config: ExplorerConfig) -> Result<agentrunner_explorer::Served> {
    let explorer = Explorer::connect(config).await?;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot serve the explorer on {bind}"))?;
    Ok(agentrunner_explorer::serve(explorer, listener)?)
}

pub async fn run(args: ExplorerCommand, opts: Opts) -> Result<()> {
    let deployment = opts.deployment()?;
    opts.connect().await?;
    let config = args
        .explorer
        .config(&opts.rpc_url(), deployment, ReceiptsSource::History);
    let receipts = match &config.receipts {
        ReceiptsSource::Api(url) => format!("from the receipts API {url}"),
        ReceiptsSource::History => {
            "rebuilt from chain history (pass --receipts-api for an indexer)".into()
        }
    };
    let served = start(&args.bind, config).await?;
    section("Explorer");
    out!("  open       {}", served.url);
    out!("  cluster    {}", opts.rpc_url());
    out!("  receipts   {receipts}");
    out!("  Ctrl-C stops it.");
    tokio::signal::ctrl_c().await?;
    served.stop();
    Ok(())
}
