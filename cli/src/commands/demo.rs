//! `agentrunner demo`: the Retail DeFi journey end to end on a fresh embedded chain
//! ([`agentrunner_demo`]), each phase narrated as it ends. Every figure printed comes from a
//! landed transaction or from account state read back from the bank.
use std::path::PathBuf;

use agentrunner_demo::{narrate, JourneyConfig, Narrator};
use anyhow::Result;
use clap::Args;

use crate::{
    out,
    output::{section, table, Console},
};

#[derive(Args)]
pub struct DemoArgs {
    /// The user's goal.
    #[arg(long, default_value = "Swap 1 SOL->USDC <=30 bps; then DCA 5 times")]
    pub goal: String,
    /// Seed of the certifier's sandbox price paths.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Where certification reports and receipt JSON files are written.
    #[arg(long, default_value = "target/demo")]
    pub out_dir: PathBuf,
    /// Write the programs' own log (their `msg!` output) to this file instead of dropping it.
    #[arg(long)]
    pub program_log: Option<PathBuf>,
}

/// Narrates to the console.
struct ConsoleNarrator;

impl Narrator for ConsoleNarrator {
    fn section(&mut self, title: &str) {
        section(title);
    }

    fn line(&mut self, text: &str) {
        out!("  {text}");
    }

    fn table(&mut self, rows: Vec<Vec<String>>) {
        table(&rows);
    }
}

pub async fn run(args: DemoArgs) -> Result<()> {
    Console::capture(args.program_log.as_deref())?;
    let config = JourneyConfig {
        goal: args.goal,
        seed: args.seed,
        out_dir: args.out_dir,
    };
    let report =
        agentrunner_demo::run(&config, &mut |phase| narrate(phase, &mut ConsoleNarrator)).await?;
    section("Summary");
    out!(
        "  {} executions, {} receipts verified on-chain, stale-oracle attempt refused and changed nothing: {}, money conserved: {}",
        report.verification.executions.len(),
        report
            .verification
            .receipts
            .iter()
            .filter(|r| r.verified_on_chain)
            .count(),
        report.execution.stale.changed_nothing,
        report.conservation.holds()
    );
    anyhow::ensure!(report.conservation.holds(), "money not conserved");
    Ok(())
}
