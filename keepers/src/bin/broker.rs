//! The `broker` keeper ([`agentrunner_keepers::crank::broker`]); `--help` lists every setting.
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    agentrunner_keepers::crank::broker::run(std::env::args()).await
}
