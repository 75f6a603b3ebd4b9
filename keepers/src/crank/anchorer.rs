//! `anchorer`: anchors every shard's period root when its period ends, opens a shard's next
//! tree generation once its newest is half full, sweeps expired budgets back to their payers,
//! and closes offers that can no longer matter.
use agentrunner_client::{failover::Failover, rpc::RpcChain};

use super::labelled;
use crate::{
    anchorer::Anchorer,
    runtime::{Keeper, Operation, Report, Run},
    settings::roles::AnchorerSettings,
    Outcome,
};

type Crank<'a> = Anchorer<'a, Failover<RpcChain>>;

struct Anchor<'a>(&'a Crank<'a>);
struct Sweep<'a>(&'a Crank<'a>);
struct CloseOffers<'a>(&'a Crank<'a>);

fn by_shard(outcomes: Vec<(u16, Outcome)>) -> Report {
    labelled(
        outcomes
            .into_iter()
            .map(|(shard, o)| (format!("shard {shard}"), o)),
    )
}

impl Operation for Anchor<'_> {
    fn name(&self) -> &'static str {
        "anchor"
    }
    fn process(&self) -> Run<'_> {
        Box::pin(async move {
            let mut report = by_shard(self.0.anchor_due().await?);
            report.extend(by_shard(self.0.provision_due().await?));
            Ok(report)
        })
    }
}

impl Operation for Sweep<'_> {
    fn name(&self) -> &'static str {
        "refund_expired"
    }
    fn process(&self) -> Run<'_> {
        Box::pin(async move { Ok(labelled(self.0.refund_expired().await?)) })
    }
}

impl Operation for CloseOffers<'_> {
    fn name(&self) -> &'static str {
        "close_stale_offers"
    }
    fn process(&self) -> Run<'_> {
        Box::pin(async move { Ok(labelled(self.0.close_stale_offers().await?)) })
    }
}

/// What `anchorer --help` says it does.
const ABOUT: &str = "Anchors period roots, provisions tree generations, sweeps expired budgets, closes stale offers";

/// Runs the anchorer keeper with `args`.
pub async fn run(args: impl IntoIterator<Item = String>) -> anyhow::Result<()> {
    let keeper = Keeper::<AnchorerSettings>::start("anchorer", ABOUT, args).await?;
    let anchorer = Anchorer {
        chain: &keeper.chain,
        sender: keeper.sender(),
        payer: keeper.signer.insecure_clone(),
        deployment: &keeper.deployment,
    };
    keeper
        .run(&[
            &Anchor(&anchorer),
            &Sweep(&anchorer),
            &CloseOffers(&anchorer),
        ])
        .await
}
