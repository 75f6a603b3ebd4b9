//! `planner`: for every plan whose planner is this key, opens the steps' RFPs and awards each
//! once bidding closes (`award_best` over all live offers). Goals themselves are planned by the
//! owner (`agentrunner goal`), who signs `create_plan`.
use agentrunner_client::{chain::Chain, failover::Failover, flows::RfpPolicy, rpc::RpcChain};
use anchor_lang::{prelude::Pubkey, Discriminator};
use runner::state::Plan;
use solana_signer::Signer;

use crate::{
    planner::Planner,
    runtime::{Keeper, Operation, Report, Run},
    settings::roles::PlannerSettings,
};

type Crank<'a> = Planner<'a, Failover<RpcChain>>;

/// The unfinished plans this key plans (one scan per round, not per execution).
async fn my_plans(planner: &Crank<'_>) -> anyhow::Result<Vec<Pubkey>> {
    let mut plans = Vec::new();
    for (key, account) in planner
        .chain
        .program_accounts(&runner::ID, Plan::DISCRIMINATOR)
        .await?
    {
        let plan: Plan = agentrunner_client::accounts::decode(&key, &account.data)?;
        if plan.planner == planner.planner.pubkey() && !plan.is_finished() {
            plans.push(key);
        }
    }
    Ok(plans)
}

fn steps(plan: &Pubkey, outcomes: Vec<(u16, crate::Outcome)>) -> Report {
    super::labelled(
        outcomes
            .into_iter()
            .map(|(step, outcome)| (format!("{plan}:{step}"), outcome)),
    )
}

/// Opens the RFPs of every unfinished plan this key plans, then awards those whose bidding
/// closed: one scan of the plans per round serves both.
struct Rfps<'a>(&'a Crank<'a>);

impl Operation for Rfps<'_> {
    fn name(&self) -> &'static str {
        "rfps"
    }
    fn process(&self) -> Run<'_> {
        Box::pin(async move {
            let mut report = Vec::new();
            for plan in my_plans(self.0).await? {
                report.extend(steps(&plan, self.0.open_rfps(&plan).await?));
                report.extend(steps(&plan, self.0.award_all(&plan).await?));
            }
            Ok(report)
        })
    }
}

/// What `planner --help` says it does.
const ABOUT: &str =
    "Opens the RFPs of the plans this key plans and awards them when bidding closes";

/// Runs the planner keeper with `args`.
pub async fn run(args: impl IntoIterator<Item = String>) -> anyhow::Result<()> {
    let keeper = Keeper::<PlannerSettings>::start("planner", ABOUT, args).await?;
    let planner = Planner::new(
        &keeper.chain,
        keeper.sender(),
        keeper.signer.insecure_clone(),
        &keeper.deployment,
        RfpPolicy {
            bid_secs: keeper.settings.keeper.bid_secs,
            ..RfpPolicy::default()
        },
    );
    keeper.run(&[&Rfps(&planner)]).await
}
