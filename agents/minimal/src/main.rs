//! The smallest vendor agents, written against the client crate (and, to sell, the x402
//! crate) alone — as a vendor writing its own agent would, and not AgentRunner's broker:
//!
//! - `minimal-agent trade` offers on every RFP its agent may take, at one price, and executes
//!   what it is awarded when the runner's guards would pass ([`trade`]);
//! - `minimal-agent serve` sells one paid endpoint over x402 ([`serve`]).
//!
//! Both pass certification stage B (`tests/`). Without `--url`/`--deployment` (and `--port`
//! for `serve`) they use `AGENTRUNNER_SANDBOX_URL`, `AGENTRUNNER_SANDBOX_DEPLOYMENT` and
//! `AGENTRUNNER_SANDBOX_SERVICE_PORT`: the sandbox a certifier started them against.
mod serve;
mod trade;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "The smallest vendor agents: one trades, one sells a paid endpoint")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Bid on RFPs and execute awarded steps.
    Trade(trade::TradeArgs),
    /// Sell `GET /price?symbol=...` over x402.
    Serve(serve::ServeArgs),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Trade(args) => trade::run(args).await,
        Command::Serve(args) => serve::run(args).await,
    }
}
