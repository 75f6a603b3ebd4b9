//! `anchorer`: anchors every shard's period root when its period ends, opens a shard's next tree
//! generation once its newest is half full, sweeps expired budgets back to their payers, and
//! closes offers that can no longer matter.
use agentrunner_keepers::{
    anchorer::Anchorer,
    runtime::{count_done, Keeper},
};
use tracing::info;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let keeper = Keeper::start("anchorer").await?;
    let anchorer = Anchorer {
        chain: &keeper.chain,
        sender: keeper.sender(),
        payer: keeper.signer.insecure_clone(),
        deployment: &keeper.deployment,
    };
    keeper
        .rounds(|| async {
            let mut anchored = anchorer.anchor_due().await?;
            anchored.extend(anchorer.provision_due().await?);
            let swept = anchorer.refund_expired().await?;
            let closed = anchorer.close_stale_offers().await?;
            for (shard, outcome) in &anchored {
                info!(shard, outcome = %outcome.describe(), "anchor");
            }
            for (account, outcome) in swept.iter().chain(&closed) {
                info!(%account, outcome = %outcome.describe(), "cleanup");
            }
            Ok(count_done(
                anchored
                    .iter()
                    .map(|(_, o)| o)
                    .chain(swept.iter().chain(&closed).map(|(_, o)| o)),
            ))
        })
        .await
}
