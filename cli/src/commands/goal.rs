//! `agentrunner goal "<text>"`: plan a goal, create the plan (the owner signs), open its RFPs
//! (the planner signs; by default the owner plans for itself).
use agentrunner_client::{
    chain::Chain,
    conditions,
    flows::{self, OwnerWallet, RfpPolicy},
    ix,
};
use anyhow::Result;
use clap::Args;
use serde_json::json;
use solana_signer::Signer;

use crate::{
    opts::{read_keypair, Opts, Output},
    out,
    output::{section, table},
};

#[derive(Args)]
pub struct GoalArgs {
    /// The goal, e.g. "Swap 1 SOL->USDC <=30 bps; then DCA 5 times".
    pub text: String,
    /// The planner's keypair (opens the RFPs); default: the owner's.
    #[arg(long)]
    pub planner: Option<std::path::PathBuf>,
    /// Seconds offers are accepted (chain time: 15 s of real time on `serve`'s 60x clock).
    #[arg(long, default_value_t = 900)]
    pub bid_secs: i64,
    /// Only print the plan; send nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub async fn run(args: GoalArgs, opts: Opts) -> Result<()> {
    let chain = opts.connect().await?;
    let deployment = opts.deployment()?;
    let owner = opts.keypair()?;
    let planner_key = match &args.planner {
        Some(path) => read_keypair(&agentrunner_client::keys::keypair_path(path))?,
        None => owner.insecure_clone(),
    };
    let policy = RfpPolicy {
        bid_secs: args.bid_secs,
        ..RfpPolicy::default()
    };
    let draft = flows::draft(
        &chain,
        &deployment,
        &args.text,
        &owner.pubkey(),
        &planner_key.pubkey(),
    )
    .await?;
    // Everything the programs will check, checked here first: a refused plan or RFP sends
    // nothing and leaves nothing behind.
    let now = chain.clock().await?.unix_timestamp;
    let rfps =
        flows::checked_rfps(&chain, &deployment, &draft, &owner.pubkey(), &policy, now).await?;
    if !args.dry_run {
        let sender = crate::sender(&chain);
        OwnerWallet::new(&chain, &sender, &owner, &deployment)
            .create(&draft)
            .await?;
        for rfp in rfps {
            let intent = format!("rfp:{}:{}", draft.plan, rfp.step);
            let ix = ix::market::open_rfp(&planner_key.pubkey(), rfp);
            sender.send(&intent, &planner_key, &[ix], &[], &[]).await?;
        }
    }
    if opts.output == Output::Id {
        out!("{}", draft.plan);
        return Ok(());
    }
    if opts.output == Output::Json {
        out!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "plan": draft.plan.to_string(),
                "plan_hash": hex::encode(draft.graph.hash()),
                "graph": draft.graph,
                "created": !args.dry_run,
            }))?
        );
        return Ok(());
    }
    section("PlanGraph");
    let mut rows = vec![vec![
        "step".to_string(),
        "kind".into(),
        "sell".into(),
        "buy".into(),
        "amount (atoms)".into(),
        "runs".into(),
        "after".into(),
        "slippage".into(),
        "when".into(),
    ]];
    for s in &draft.graph.steps {
        rows.push(vec![
            s.id.to_string(),
            format!("{:?}", s.kind),
            s.sell.clone(),
            s.buy.clone(),
            s.amount_in.to_string(),
            format!("{} every {}s", s.repeat, s.interval_secs),
            format!("{:?}", s.depends_on),
            format!("{} bps", s.guards.max_slippage_bps),
            match &s.when {
                Some(when) => conditions::describe(&when.trigger(&s.sell, &s.buy)?, when.token()),
                None => "whenever ready".into(),
            },
        ]);
    }
    table(&rows);
    out!(
        "  plan {} (hash {})",
        draft.plan,
        hex::encode(draft.graph.hash())
    );
    if args.dry_run {
        out!("  dry run: the runner and the market would accept it; nothing sent");
    } else {
        out!("  created; RFPs open for {} s", args.bid_secs);
    }
    Ok(())
}
