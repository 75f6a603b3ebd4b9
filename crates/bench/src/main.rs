//! `agentrunner-bench`: deterministic cost figures (transactions, signatures, bytes on the wire,
//! fee lamports, rent) measured on the embedded chain, printed as tables.
//!
//! Compute units are not reported: natively loaded programs are not metered (they need an SBF
//! build and a validator; see BENCHMARKS.md).
use clap::{Parser, ValueEnum};

mod custody_costs;
mod escrow_costs;
mod goal_costs;
mod indexer_costs;
mod keeper_processes;
mod market;
mod pipeline;
mod receipts_costs;
mod rpc_costs;
mod step_costs;
mod table;
mod timed;
mod x402_costs;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Section {
    /// Every section.
    All,
    /// One paid, guarded, receipted step vs a seed-style flow.
    Step,
    /// Custody: execution and approval sizes, staging rent.
    Custody,
    /// The whole pipeline with 1, 4 and 16 plans: throughput, latency, memory.
    Pipeline,
    /// x402 over HTTP: exact, grant and voucher side by side at N = 1, 100, 1,000 (lamports,
    /// signatures, bytes, RPC requests and requests/s per paid request).
    X402,
    /// Escrow: what one paid step costs with a grant, with vouchers, and with x402 `exact`.
    Escrow,
    /// Receipts: rent per 1,000,000 receipts, proof and verification sizes.
    Receipts,
    /// RPC requests per execution with 1, 10, 100 and 1,000 open plans.
    Rpc,
    /// The vendors' brokers as separate processes over JSON-RPC: executions/s, rounds.
    Keepers,
    /// Goals: a routed swap against a direct one; a NAV receipt by position count.
    Goals,
    /// The receipts indexer: following a served chain, verify's RPC cost by tree size, and
    /// ingest, database size and proof latency at 10^4, 10^5 and 10^6 receipts.
    Indexer,
}

#[derive(Parser)]
#[command(
    name = "agentrunner-bench",
    about = "Cost and scale figures for AgentRunner, from the embedded chain"
)]
struct Args {
    /// Which section to run.
    #[arg(value_enum, default_value_t = Section::All)]
    section: Section,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    if std::env::var_os("RUST_LOG").is_none() {
        std::env::set_var("RUST_LOG", "error");
    }
    if let Some(keeper) = keeper_processes::run_keeper_if_asked().await {
        return keeper;
    }
    let args = Args::parse();
    if matches!(args.section, Section::All | Section::Step) {
        step_costs::run().await?;
    }
    if matches!(args.section, Section::All | Section::Custody) {
        custody_costs::run().await?;
    }
    if matches!(args.section, Section::All | Section::Escrow) {
        escrow_costs::run().await?;
    }
    if matches!(args.section, Section::All | Section::Receipts) {
        receipts_costs::run().await?;
    }
    if matches!(args.section, Section::All | Section::Pipeline) {
        pipeline::run().await?;
    }
    if matches!(args.section, Section::All | Section::X402) {
        x402_costs::run().await?;
    }
    if matches!(args.section, Section::All | Section::Rpc) {
        rpc_costs::run().await?;
    }
    if matches!(args.section, Section::All | Section::Keepers) {
        keeper_processes::run().await?;
    }
    if matches!(args.section, Section::All | Section::Indexer) {
        indexer_costs::run().await?;
    }
    if matches!(args.section, Section::All | Section::Goals) {
        goal_costs::run().await?;
    }
    Ok(())
}
