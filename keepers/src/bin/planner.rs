//! `planner`: for every plan whose planner is this key, opens the steps' RFPs and awards each
//! once bidding closes (`award_best` over all live offers). Goals themselves are planned by the
//! owner's `agentrunner goal`, which signs `create_plan`.
use agentrunner_client::{chain::Chain, flows::RfpPolicy};
use agentrunner_keepers::{
    planner::Planner,
    runtime::{count_done, Keeper},
};
use anchor_lang::Discriminator;
use runner::state::Plan;
use solana_signer::Signer;
use tracing::info;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let keeper = Keeper::start("planner").await?;
    let planner = Planner::new(
        &keeper.chain,
        keeper.sender(),
        keeper.signer.insecure_clone(),
        &keeper.deployment,
        RfpPolicy {
            bid_secs: keeper.settings.bid_secs,
            ..RfpPolicy::default()
        },
    );
    keeper
        .rounds(|| async {
            let mut done = 0;
            for (key, account) in keeper
                .chain
                .program_accounts(&runner::ID, Plan::DISCRIMINATOR)
                .await?
            {
                let plan: Plan = agentrunner_client::accounts::decode(&key, &account.data)?;
                if plan.planner != keeper.signer.pubkey() || plan.is_finished() {
                    continue;
                }
                let opened = planner.open_rfps(&key).await?;
                let awarded = planner.award_all(&key).await?;
                for (step, outcome) in opened.iter().chain(&awarded) {
                    info!(plan = %key, step, outcome = %outcome.describe(), "planner");
                }
                done += count_done(opened.iter().chain(&awarded).map(|(_, o)| o));
            }
            Ok(done)
        })
        .await
}
