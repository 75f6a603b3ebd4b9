//! The `anchorer` keeper ([`agentrunner_keepers::crank::anchorer`]); `--help` lists every setting.
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    agentrunner_keepers::crank::anchorer::run(std::env::args()).await
}
