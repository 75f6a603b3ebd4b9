//! `agentrunner offers <plan>`: each step's RFP, the offers on it and the award; `--award`
//! awards every step whose bidding closed (`award_best`, anyone may).
use agent_registry::state::Agent;
use agentrunner_client::{chain::Chain, pda};
use agentrunner_keepers::planner::{Planner, RfpPolicy};
use anchor_lang::prelude::Pubkey;
use anyhow::Result;
use clap::Args;
use market::state::{Rfp, RfpStatus};
use runner::state::Plan;
use serde_json::json;

use crate::{
    opts::{Opts, Output},
    out,
    output::{section, table},
};

#[derive(Args)]
pub struct OffersArgs {
    pub plan: Pubkey,
    /// Award every step whose bidding closed.
    #[arg(long)]
    pub award: bool,
}

pub async fn run(args: OffersArgs, opts: Opts) -> Result<()> {
    let chain = opts.connect().await?;
    let deployment = opts.deployment()?;
    let plan: Plan = chain.fetch(&args.plan).await?;
    let planner = Planner {
        chain: &chain,
        sender: crate::sender(&chain),
        // Reading needs no key; awarding is signed (and paid) by the -k keypair.
        planner: if args.award {
            opts.keypair()?
        } else {
            solana_keypair::Keypair::new()
        },
        deployment: &deployment,
        policy: RfpPolicy::default(),
    };
    let mut awards = Vec::new();
    if args.award {
        for (step, outcome) in planner.award_all(&args.plan).await? {
            awards.push(json!({"step": step, "outcome": outcome.describe()}));
            if opts.output == Output::Display {
                out!("  step {step}: {}", outcome.describe());
            }
        }
    }
    let mut steps = Vec::new();
    for index in 0..plan.steps.len() as u16 {
        let rfp_key = pda::rfp(&plan.planner, &args.plan, index).0;
        let Ok(rfp) = chain.fetch::<Rfp>(&rfp_key).await else {
            steps.push(json!({"step": index, "rfp": null}));
            continue;
        };
        let mut offers = Vec::new();
        for (offer_key, offer) in planner.offers(&rfp_key).await? {
            let name = chain
                .fetch::<Agent>(&offer.agent)
                .await
                .map(|a| a.name)
                .unwrap_or_default();
            offers.push(json!({
                "offer": offer_key.to_string(),
                "agent": offer.agent.to_string(),
                "name": name,
                "price": offer.price,
                "eta_ms": offer.eta_ms,
                "success_rate_bps": offer.success_rate_bps,
            }));
        }
        let status = match rfp.status {
            RfpStatus::Open => "open".to_string(),
            RfpStatus::Awarded(award) => format!("awarded to {} at {}", award.agent, award.price),
            RfpStatus::Cancelled { .. } => "cancelled".into(),
        };
        steps.push(json!({
            "step": index,
            "rfp": rfp_key.to_string(),
            "max_price": rfp.max_price,
            "bid_deadline": rfp.bid_deadline,
            "status": status,
            "offers": offers,
        }));
    }
    if opts.output == Output::Json {
        out!(
            "{}",
            serde_json::to_string_pretty(&json!({"plan": args.plan.to_string(), "steps": steps}))?
        );
        return Ok(());
    }
    section(&format!("Offers on plan {}", args.plan));
    let mut rows = vec![vec![
        "step".to_string(),
        "vendor".into(),
        "price".into(),
        "eta ms".into(),
        "status".into(),
    ]];
    for step in &steps {
        let status = step["status"].as_str().unwrap_or("no RFP").to_string();
        let offers = step["offers"].as_array().cloned().unwrap_or_default();
        if offers.is_empty() {
            rows.push(vec![
                step["step"].to_string(),
                "-".into(),
                "-".into(),
                "-".into(),
                status.clone(),
            ]);
        }
        for offer in offers {
            rows.push(vec![
                step["step"].to_string(),
                offer["name"].as_str().unwrap_or("").to_string(),
                offer["price"].to_string(),
                offer["eta_ms"].to_string(),
                status.clone(),
            ]);
        }
    }
    table(&rows);
    Ok(())
}
