//! `agentrunner`: the command line of AgentRunner. `demo` runs the whole journey on a fresh
//! embedded chain; `serve` runs the embedded chain as a local cluster; every other command talks
//! to a cluster over JSON-RPC (`-u`, default `localhost`) through `agentrunner-client`.
use agentrunner_client::{
    chain::Chain,
    flows::Scope,
    send::{Journal, SendPolicy, Sender},
};
use clap::{Parser, Subcommand};

mod commands;
mod opts;
mod output;
mod wait;

#[derive(Parser)]
#[command(
    name = "agentrunner",
    version,
    about = "Plan, hire, pay and execute DeFi agents safely on Solana"
)]
struct Cli {
    #[command(flatten)]
    opts: opts::Opts,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the end-to-end journey on a fresh embedded chain and narrate it.
    Demo(commands::demo::DemoArgs),
    /// Run the embedded chain as a local cluster (JSON-RPC on 127.0.0.1:8899, the explorer on
    /// 127.0.0.1:8080, the receipts API on 127.0.0.1:8910).
    Serve(commands::serve::ServeArgs),
    /// Serve the explorer, the web app, against a cluster (-u).
    Explorer(commands::explorer::ExplorerCommand),
    /// Plan a goal, create the plan and open its RFPs.
    Goal(commands::goal::GoalArgs),
    /// Show the offers on a plan's steps (and award them with --award).
    Offers(commands::offers::OffersArgs),
    /// Approve a plan with one signature (or print it unsigned with --sign-only).
    Approve(commands::approve::ApproveArgs),
    /// Show a plan's steps, awards, executions and budget.
    Status(commands::status::StatusArgs),
    /// Stop a plan now: cancel it and revoke every grant that could still pay.
    Cancel(commands::settle::SettleArgs),
    /// Close a plan out at any stage: cancel if needed, revoke and close the grants, refund the
    /// unused budget, close the budget and the plan.
    Settle(commands::settle::SettleArgs),
    /// Export a plan's receipts as verifiable JSON files.
    Receipts(commands::receipts::ReceiptsArgs),
    /// Fund Admin: price the owner's positions (fresh, confident oracle prices) and record the
    /// NAV as a receipt an auditor verifies.
    Nav(commands::nav::NavArgs),
    /// Move a local cluster's oracle price (`serve`'s feeder publishes it from the next tick).
    Feeder(commands::feeder::FeederArgs),
    /// Verify a receipt file against its PeriodRoot.
    Verify(commands::verify::VerifyArgs),
    /// Register, publish or show an agent.
    Agent(commands::agent::AgentArgs),
    /// Certify an agent's current version (stages A-D) as a registered certifier.
    Certify(commands::certify::CertifyArgs),
    /// Run a keeper (planner, broker, certifier, anchorer), as its own binary does; the flags
    /// after its name are the keeper's (`agentrunner keeper broker --help`).
    #[command(disable_help_flag = true)]
    Keeper(commands::keeper::KeeperArgs),
}

/// A sender for one-shot commands (no journal: a command either lands or reports why not).
pub fn sender<C: Chain>(chain: &C) -> Sender<'_, C, Box<dyn Journal>> {
    Sender::unjournaled(chain, SendPolicy::default())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // The embedded bank logs every instruction at debug level; keep the console for the
    // command's own output unless the user asks for more with RUST_LOG.
    if std::env::var_os("RUST_LOG").is_none() {
        std::env::set_var("RUST_LOG", "error");
    }
    let cli = Cli::parse();
    let opts = cli.opts;
    if !matches!(
        cli.command,
        Command::Demo(_) | Command::Serve(_) | Command::Keeper(_)
    ) {
        // Natively loaded programs (the certifier's sandboxes) print their logs to stdout; keep
        // stdout for the command's own output. `demo` and `serve` choose where the log goes.
        output::Console::capture(None)?;
    }
    match cli.command {
        Command::Demo(args) => commands::demo::run(args).await,
        Command::Serve(args) => commands::serve::run(args, opts).await,
        Command::Explorer(args) => commands::explorer::run(args, opts).await,
        Command::Goal(args) => commands::goal::run(args, opts).await,
        Command::Offers(args) => commands::offers::run(args, opts).await,
        Command::Approve(args) => commands::approve::run(args, opts).await,
        Command::Status(args) => commands::status::run(args, opts).await,
        Command::Cancel(args) => commands::settle::run(args, opts, Scope::Cancel).await,
        Command::Settle(args) => commands::settle::run(args, opts, Scope::CloseOut).await,
        Command::Receipts(args) => commands::receipts::run(args, opts).await,
        Command::Nav(args) => commands::nav::run(args, opts).await,
        Command::Feeder(args) => commands::feeder::run(args, opts).await,
        Command::Verify(args) => commands::verify::run(args, opts).await,
        Command::Agent(args) => commands::agent::run(args, opts).await,
        Command::Certify(args) => commands::certify::run(args, opts).await,
        Command::Keeper(args) => commands::keeper::run(args, opts).await,
    }
}
