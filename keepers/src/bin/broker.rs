//! `broker`: a vendor's keeper. Bids on open RFPs its agent is eligible for, at its strategy's
//! price and within its limits, and executes the steps it was awarded when their guards would
//! pass, writing a signed receipt per execution.
use agentrunner_keepers::{broker::Broker, runtime::Keeper, Outcome};
use anyhow::Context;
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
