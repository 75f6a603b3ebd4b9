//! `broker`: a vendor's keeper. Bids on open RFPs its agent is eligible for, at its strategy's
//! price and within its limits, and executes the steps it was awarded when their guards would
//! pass, writing a signed receipt per execution. With `http_bind` it also serves its paid x402
//! data endpoint (`GET /ohlcv?symbol=SOL`) and the facilitator routes.
use agentrunner_keepers::{
    broker::{
        http::{router, serve, DataService},
        Broker,
    },
    runtime::Keeper,
    Outcome,
};
use agentrunner_x402::paywall::Paywall;
use anyhow::Context;
use solana_signer::Signer;
use tracing::{info, warn};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let keeper = Keeper::start("broker").await?;
    let agent = keeper
        .settings
        .agent
        .as_deref()
        .context("the broker needs `agent` (the agent it runs): --set agent=<address>")?
        .parse()
        .context("`agent` is not a base58 address")?;
    let broker = Broker {
        chain: &keeper.chain,
        sender: keeper.sender(),
        vendor: keeper.signer.insecure_clone(),
        agent,
        deployment: &keeper.deployment,
        strategy: keeper.settings.strategy.clone(),
        receipts_dir: Some(keeper.settings.receipts_dir.clone()),
    };
    // The vendor's paid HTTP endpoints (x402), if asked for.
    let _http = match &keeper.settings.http_bind {
        Some(bind) => {
            let fee = keeper.deployment.token(&keeper.deployment.fee_token)?;
            let pay_to = agentrunner_client::pda::ata(
                &keeper.signer.pubkey(),
                &fee.mint,
                &anchor_spl::token::ID,
            );
            let paywall = std::sync::Arc::new(
                Paywall::new(
                    agentrunner_client::rpc::RpcChain::new(&keeper.settings.url),
                    keeper.signer.insecure_clone(),
                    pay_to,
                    fee.mint,
                )
                .await?,
            );
            let service = std::sync::Arc::new(DataService::new(
                paywall,
                keeper.deployment.clone(),
                keeper.settings.data_price,
            ));
            let (addr, task) = serve(router(service), bind.parse()?).await?;
            info!(%addr, "x402 data endpoint: GET /ohlcv?symbol=SOL");
            Some(task)
        }
        None => None,
    };
    keeper
        .rounds(|| async {
            let mut done = 0;
            for (rfp, outcome) in broker.bid_all().await? {
                match outcome {
                    Ok(outcome) => {
                        done += usize::from(matches!(outcome, Outcome::Done(_)));
                        info!(%rfp, outcome = %outcome.describe(), "bid");
                    }
                    Err(error) => warn!(%rfp, %error, "bid refused"),
                }
            }
            for (plan, step, outcome) in broker.execute_all().await? {
                match outcome {
                    Ok(outcome) => {
                        done += usize::from(matches!(outcome, Outcome::Done(_)));
                        info!(%plan, step, outcome = %outcome.describe(), "execute");
                    }
                    Err(error) => warn!(%plan, step, %error, "execution refused"),
                }
            }
            Ok(done)
        })
        .await
}
