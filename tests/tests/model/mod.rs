//! The randomized, model-based run across every program (`agentrunner_tests::model`): at least
//! 5,000 transactions in CI, one run per seed of `tests/regressions/model_run.seeds`. The long
//! run is `cargo run --release -p agentrunner-tests --bin model-run -- --ops 100000`.
use agentrunner_tests::model::{run, RunConfig};

/// Transactions per seed in CI.
const OPS_PER_SEED: usize = 5_000;

fn seeds() -> Vec<u64> {
    agentrunner_tests::regression_seeds(include_str!("../../regressions/model_run.seeds"))
}

#[tokio::test]
async fn test_model_run_across_every_program() {
    for seed in seeds() {
        println!("model run: seed {seed}");
        let report = run(RunConfig {
            seed,
            ops: OPS_PER_SEED,
        })
        .await;
        println!("model run: {report:?}");
        assert!(report.ops >= OPS_PER_SEED);
        // The run exercised every path: executions, refusals and settled plans.
        assert!(report.executions > 100 && report.rejected > 100 && report.plans > 20);
    }
}
