//! `agentrunner goal "<text>"`: plan a goal, create the plan (the owner signs), open its RFPs
//! (the planner signs; by default the owner plans for itself).
use agentrunner_client::{
    chain::Chain,
    conditions,
    flows::{self, OwnerWallet, RfpPolicy},
    ix,
    plan::llm::LlmPlanner,
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
    /// Plan with an OpenAI-compatible chat-completions endpoint (e.g.
    /// https://api.openai.com/v1) instead of the built-in parser; the answer is checked by the
    /// same rules. Off unless given.
    #[arg(long)]
    pub llm_url: Option<String>,
    /// The model the endpoint runs.
    #[arg(long, default_value = "gpt-4o-mini")]
    pub llm_model: String,
    /// The environment variable holding the endpoint's API key (never printed or recorded).
    #[arg(long, default_value = "OPENAI_API_KEY")]
    pub llm_key_env: String,
    /// Seconds the model may take.
    #[arg(long, default_value_t = 30)]
    pub llm_timeout_secs: u64,
    /// Where the planning record goes (request, model, raw answer, plan hash; default
    /// `planning-<plan>.json`).
    #[arg(long)]
    pub llm_record: Option<std::path::PathBuf>,
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
    let (draft, record) = match &args.llm_url {
        None => (
            flows::draft(
                &chain,
                &deployment,
                &args.text,
                &owner.pubkey(),
                &planner_key.pubkey(),
            )
            .await?,
            None,
        ),
        Some(url) => {
            let llm = LlmPlanner {
                url: url.clone(),
                model: args.llm_model.clone(),
                api_key: std::env::var(&args.llm_key_env).ok(),
                timeout: std::time::Duration::from_secs(args.llm_timeout_secs),
            };
            let context = flows::plan_context(&chain, &deployment, &owner.pubkey()).await?;
            let (graph, record) = llm.plan(&args.text, &context).await?;
            let draft = flows::draft_graph(
                &chain,
                &deployment,
                graph,
                &owner.pubkey(),
                &planner_key.pubkey(),
            )
            .await?;
            let path = args
                .llm_record
                .clone()
                .unwrap_or_else(|| format!("planning-{}.json", draft.plan).into());
            std::fs::write(&path, serde_json::to_vec_pretty(&record)?)?;
            (draft, Some(path))
        }
    };
    // Everything the programs will check, checked here first: a refused plan or RFP sends
    // nothing and leaves nothing behind.
    let now = chain.clock().await?.unix_timestamp;
    let rfps =
        flows::checked_rfps(&chain, &deployment, &draft, &owner.pubkey(), &policy, now).await?;
    if !args.dry_run {
        let sender = crate::sender(&chain);
        if planner_key.pubkey() == owner.pubkey() {
            // Planning for itself, the owner creates the plan and opens its RFPs at once.
            let transactions = draft.transactions_with_rfps(&owner.pubkey(), rfps)?;
            let intent = format!("create:{}", draft.plan);
            sender.send_all(&intent, &owner, &transactions, &[]).await?;
        } else {
            OwnerWallet::new(&chain, &sender, &owner, &deployment)
                .create(&draft)
                .await?;
            for rfp in rfps {
                let intent = format!("rfp:{}:{}", draft.plan, rfp.step);
                let ix = ix::market::open_rfp(&planner_key.pubkey(), rfp);
                sender.send(&intent, &planner_key, &[ix], &[], &[]).await?;
            }
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
                "llm_record": record,
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
    if let Some(path) = &record {
        out!(
            "  planned by {} at {}; the record (request, answer, plan hash) is {}",
            args.llm_model,
            args.llm_url.as_deref().unwrap_or_default(),
            path.display()
        );
    }
    if args.dry_run {
        out!("  dry run: the runner and the market would accept it; nothing sent");
    } else {
        out!("  created; RFPs open for {} s", args.bid_secs);
    }
    Ok(())
}
