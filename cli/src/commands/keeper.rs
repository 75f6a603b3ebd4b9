//! `agentrunner keeper <planner|broker|certifier|anchorer> [flags]`: runs a keeper, exactly as
//! its own binary does (`agentrunner keeper broker --help` lists its settings).
use anyhow::Result;
use clap::{Args, ValueEnum};

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
}

#[derive(Args)]
pub struct KeeperArgs {
    pub name: KeeperName,
    /// The keeper's own flags (`-u`, `-k`, `--agent`, `--once`, `--set field=value`, ...).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

pub async fn run(args: KeeperArgs) -> Result<()> {
    use agentrunner_keepers::crank;
    let program = format!("{:?}", args.name).to_lowercase();
    let argv = std::iter::once(program).chain(args.args);
    match args.name {
        KeeperName::Planner => crank::planner::run(argv).await,
        KeeperName::Broker => crank::broker::run(argv).await,
        KeeperName::Certifier => crank::certifier::run(argv).await,
        KeeperName::Anchorer => crank::anchorer::run(argv).await,
    }
}
