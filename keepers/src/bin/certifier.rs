//! The `certifier` keeper ([`agentrunner_keepers::crank::certifier`]); `--help` lists every setting.
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    agentrunner_keepers::crank::certifier::run(std::env::args()).await
}
