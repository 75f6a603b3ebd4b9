//! The `planner` keeper ([`agentrunner_keepers::crank::planner`]); `--help` lists every setting.
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    agentrunner_keepers::crank::planner::run(std::env::args()).await
}
