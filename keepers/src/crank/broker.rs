//! `broker`: a vendor's keeper. Bids on open RFPs its agent is eligible for, at its strategy's
//! price and within its limits, and executes the steps it was awarded when their guards would
//! pass, writing a signed receipt per execution. With `--http-bind` it also serves its paid
//! x402 data endpoint (`GET /ohlcv?symbol=SOL`) and the facilitator routes.
use agentrunner_client::{failover::Failover, rpc::RpcChain};
use anyhow::Context;
use tracing::info;

use super::{labelled, report};
use crate::{
    broker::{http::serve_data, receipt_files::Reconciled, Broker},
    outcome::Outcome,
    runtime::{Keeper, Operation, Run},
    settings::roles::BrokerSettings,
};

type Crank<'a> = Broker<'a, Failover<RpcChain>>;

struct Reconcile<'a>(&'a Crank<'a>);
struct Bid<'a>(&'a Crank<'a>);
struct Execute<'a>(&'a Crank<'a>);

impl Operation for Reconcile<'_> {
    fn name(&self) -> &'static str {
        "reconcile"
    }
    /// Settles the signed receipts a killed run left pending, before any new work.
    fn process(&self) -> Run<'_> {
        Box::pin(async move {
            let settled = self.0.reconcile().await?;
            Ok(labelled(settled.into_iter().map(|r| match r {
                Reconciled::Written(path) => (
                    path.display().to_string(),
                    Outcome::AlreadyDone("landed before a restart: signed receipt written".into()),
                ),
                Reconciled::Closed(why) => (why, Outcome::Skipped("nothing to write".into())),
                Reconciled::Open(why) => (why, Outcome::Skipped("still in flight".into())),
            })))
        })
    }
}

impl Operation for Bid<'_> {
    fn name(&self) -> &'static str {
        "bid"
    }
    fn process(&self) -> Run<'_> {
        Box::pin(async move { Ok(report(self.0.bid_all().await?)) })
    }
}

impl Operation for Execute<'_> {
    fn name(&self) -> &'static str {
        "execute"
    }
    fn process(&self) -> Run<'_> {
        Box::pin(async move {
            let executed = self.0.execute_all().await?;
            Ok(report(executed.into_iter().map(|run| {
                (
                    format!("{}:{}", run.plan, run.step),
                    run.result.map(|(outcome, _)| outcome),
                )
            })))
        })
    }
}

/// What `broker --help` says it does.
const ABOUT: &str = "A vendor's keeper: bids on RFPs its agent may take, executes awarded steps under their guards, signs receipts";

/// Runs the broker keeper with `args`.
pub async fn run(args: impl IntoIterator<Item = String>) -> anyhow::Result<()> {
    let keeper = Keeper::<BrokerSettings>::start("broker", ABOUT, args).await?;
    let own = &keeper.settings.keeper;
    let agent = own
        .agent
        .as_deref()
        .context("the broker needs the agent it runs: --agent <address>")?
        .parse()
        .context("`agent` is not a base58 address")?;
    let broker = Broker::new(
        &keeper.chain,
        keeper.sender(),
        keeper.signer.insecure_clone(),
        agent,
        &keeper.deployment,
        own.strategy.clone(),
    )
    .with_receipts_dir(own.receipts_dir.clone())
    .with_in_flight(own.in_flight);
    let _http = match &own.http_bind {
        Some(bind) => {
            let endpoint = serve_data(
                &keeper.settings.common.url,
                &keeper.signer,
                &keeper.deployment,
                own.data_price,
                bind.parse()?,
                own.x402_network_label
                    .as_deref()
                    .map(str::parse)
                    .transpose()
                    .map_err(anyhow::Error::msg)?,
            )
            .await?;
            info!(addr = %endpoint.addr, "x402 data endpoint: GET /ohlcv?symbol=SOL");
            Some(endpoint.task)
        }
        None => None,
    };
    keeper
        .run(&[&Reconcile(&broker), &Bid(&broker), &Execute(&broker)])
        .await
}
