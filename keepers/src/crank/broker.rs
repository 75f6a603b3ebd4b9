//! `broker`: a vendor's keeper. Bids on open RFPs its agent is eligible for, at its strategy's
//! price and within its limits, and executes the steps it was awarded when their guards would
//! pass, writing a signed receipt per execution. With `--http-bind` it also serves its paid
//! x402 data endpoint (`GET /ohlcv?symbol=SOL`) and the facilitator routes.
use std::sync::Arc;

use agentrunner_client::{failover::Failover, pda, rpc::RpcChain};
use agentrunner_x402::paywall::Paywall;
use anyhow::Context;
use solana_signer::Signer;
use tracing::info;

use super::report;
use crate::{
    broker::{
        http::{router, serve, DataService},
        Broker,
    },
    runtime::{Keeper, Operation, Run},
    settings::roles::BrokerSettings,
};

type Crank<'a> = Broker<'a, Failover<RpcChain>>;

struct Bid<'a>(&'a Crank<'a>);
struct Execute<'a>(&'a Crank<'a>);

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
            Ok(report(executed.into_iter().map(|(plan, step, outcome)| {
                (format!("{plan}:{step}"), outcome)
            })))
        })
    }
}

/// Serves the vendor's paid HTTP endpoints (x402) on `bind`.
async fn serve_http(
    keeper: &Keeper<BrokerSettings>,
    bind: &str,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let fee = keeper.deployment.token(&keeper.deployment.fee_token)?;
    let pay_to = pda::ata(&keeper.signer.pubkey(), &fee.mint, &anchor_spl::token::ID);
    let paywall = Arc::new(
        Paywall::new(
            RpcChain::new(&keeper.settings.common.url),
            keeper.signer.insecure_clone(),
            pay_to,
            fee.mint,
        )
        .await?,
    );
    let service = Arc::new(DataService::new(
        paywall,
        keeper.deployment.clone(),
        keeper.settings.keeper.data_price,
    ));
    let (addr, task) = serve(router(service), bind.parse()?).await?;
    info!(%addr, "x402 data endpoint: GET /ohlcv?symbol=SOL");
    Ok(task)
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
    .with_receipts_dir(own.receipts_dir.clone());
    let _http = match &own.http_bind {
        Some(bind) => Some(serve_http(&keeper, bind).await?),
        None => None,
    };
    keeper.run(&[&Bid(&broker), &Execute(&broker)]).await
}
