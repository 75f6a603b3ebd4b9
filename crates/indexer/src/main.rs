//! The `indexer` keeper ([`agentrunner_indexer::run`]); `--help` lists every setting.
use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    agentrunner_indexer::run(agentrunner_indexer::IndexerArgs::parse()).await
}
