//! `agentrunner`: the command line of AgentRunner.
use clap::{Parser, Subcommand};

mod commands;
mod output;

#[derive(Parser)]
#[command(
    name = "agentrunner",
    version,
    about = "Plan, hire, pay and execute DeFi agents safely on Solana"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the end-to-end walkthrough on a fresh embedded chain and print what happened.
    Demo(commands::demo::DemoArgs),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // The embedded bank logs every instruction at debug level; keep the console for the
    // command's own output unless the user asks for more with RUST_LOG.
    if std::env::var_os("RUST_LOG").is_none() {
        std::env::set_var("RUST_LOG", "error");
    }
    let cli = Cli::parse();
    match cli.command {
        Command::Demo(args) => commands::demo::run(args).await,
    }
}
