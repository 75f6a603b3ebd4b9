//! `agentrunner keeper <planner|broker|certifier|anchorer|indexer> [flags]`: runs a keeper, exactly as
//! its own binary does (`agentrunner keeper broker --help` lists its settings).
use anyhow::Result;
use clap::{Args, Parser, ValueEnum};

use crate::opts::Opts;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum KeeperName {
    /// Opens and awards the RFPs of the plans it plans.
    Planner,
    /// A vendor's bids and guarded executions (and its x402 endpoint).
    Broker,
    /// Certifies agents through stages A-D.
    Certifier,
    /// Anchors period roots, sweeps expired budgets, closes stale offers.
    Anchorer,
    /// Follows every receipt tree into SQLite or PostgreSQL and serves the receipts API.
    Indexer,
}

#[derive(Args)]
pub struct KeeperArgs {
    pub name: KeeperName,
    /// The keeper's own flags (`-u`, `-k`, `--agent`, `--once`, `--set field=value`, ...).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

/// Runs keeper `args.name`; the command's own `-u`, `-k` and `--deployment` (given before or
/// after the name) come first, so the keeper's flags after the name win. The indexer, a third
/// party's keeper, is given only the URL.
pub async fn run(args: KeeperArgs, opts: Opts) -> Result<()> {
    use agentrunner_keepers::crank;
    let mut argv = vec![format!("{:?}", args.name).to_lowercase()];
    argv.extend(["--url".into(), opts.rpc_url()]);
    if !matches!(args.name, KeeperName::Indexer) {
        argv.extend(["--deployment".into(), opts.deployment.display().to_string()]);
        if let Some(keypair) = &opts.keypair {
            argv.extend(["--keypair".into(), keypair.display().to_string()]);
        }
    }
    argv.extend(args.args);
    match args.name {
        KeeperName::Planner => crank::planner::run(argv).await,
        KeeperName::Broker => crank::broker::run(argv).await,
        KeeperName::Certifier => crank::certifier::run(argv).await,
        KeeperName::Anchorer => crank::anchorer::run(argv).await,
        KeeperName::Indexer => {
            let parsed = agentrunner_indexer::IndexerArgs::try_parse_from(argv)
                .unwrap_or_else(|error| error.exit());
            agentrunner_indexer::run(parsed).await
        }
    }
}
