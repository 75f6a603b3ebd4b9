//! `model-run`: the randomized, model-based run across every program, as long as asked.
//!
//! ```text
//! cargo run --release -p agentrunner-tests --bin model-run -- --ops 100000 --seed 1
//! ```
//! Programs running natively print their logs on stdout; the report goes to stderr (add
//! `> /dev/null` to see only it). Prints the seed, the transactions sent (and how many were refused as predicted), paid
//! executions, plans, tree generations opened, period roots anchored and transactions per
//! second. Any divergence between the model and the chain panics with the seed.
use std::time::Instant;

use agentrunner_tests::model::{run, RunConfig};

fn flag(args: &[String], name: &str, default: u64) -> u64 {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| v.replace('_', "").parse().expect("a number"))
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let config = RunConfig {
        seed: flag(&args, "--seed", 1),
        ops: flag(&args, "--ops", 100_000) as usize,
    };
    eprintln!(
        "model run: seed {}, {} transactions",
        config.seed, config.ops
    );
    let started = Instant::now();
    let report = run(config).await;
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "seed {}: {} transactions ({} refused as predicted), {} paid executions, {} plans, \
         {} tree generations opened, {} period roots; {:.1} s, {:.0} transactions/s; \
         every invariant held after every transaction",
        report.seed,
        report.ops,
        report.rejected,
        report.executions,
        report.plans,
        report.provisioned,
        report.anchored,
        seconds,
        report.ops as f64 / seconds
    );
}
