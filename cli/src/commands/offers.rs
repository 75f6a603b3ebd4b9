//! `agentrunner offers <plan>`: each step's RFP, the offers on it scored as `award_best` scores
//! them (utility = reliability × guard compatibility / price), the winner and why; `--award`
//! awards every step whose bidding closed (`award_best`, anyone may; the -k key pays).
use agentrunner_client::flows::{self, AwardReadiness, Offers, PlanView};
use anchor_lang::prelude::Pubkey;
use anyhow::Result;
use clap::Args;
use market::state::RfpStatus;
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
    /// First wait until every step's bidding has closed (at most this many seconds).
    #[arg(long, value_name = "SECS")]
    pub wait: Option<u64>,
}

pub async fn run(args: OffersArgs, opts: Opts) -> Result<()> {
    let chain = opts.connect().await?;
    let deployment = opts.deployment()?;
    if let Some(limit) = args.wait {
        crate::wait::until(limit, "every step's bidding closes", || async {
            let view = PlanView::load(&chain, &deployment, &args.plan, Offers::Skip).await?;
            Ok(view
                .steps
                .iter()
                .all(|s| s.rfp.as_ref().is_some_and(|r| view.now() >= r.bid_deadline)))
        })
        .await?;
    }
    let mut view = PlanView::load(&chain, &deployment, &args.plan, Offers::Load).await?;
    let mut awards = Vec::new();
    if args.award {
        let payer = opts.keypair()?;
        let sender = crate::sender(&chain);
        for step in &view.steps {
            use solana_signer::Signer;
            let outcome = match flows::award_step(&chain, step, &payer.pubkey(), view.now()).await?
            {
                AwardReadiness::Ready(ix) => {
                    let intent = format!("award:{}", step.rfp_key);
                    let landed = sender.send(&intent, &payer, &[ix], &[], &[]).await?;
                    format!("awarded ({})", landed.signature)
                }
                AwardReadiness::NoRfp => "no RFP".into(),
                AwardReadiness::BiddingOpen { closes_at } => {
                    format!("bidding open for {} s more", closes_at - view.now())
                }
                AwardReadiness::AlreadyAwarded { agent } => format!("already awarded to {agent}"),
                AwardReadiness::Cancelled => "RFP cancelled".into(),
                AwardReadiness::NoOffers => "no offers".into(),
            };
            if opts.output == Output::Display {
                out!("  step {}: {outcome}", step.index);
            }
            awards.push(json!({"step": step.index, "outcome": outcome}));
        }
        view = PlanView::load(&chain, &deployment, &args.plan, Offers::Load).await?;
    }
    let mut steps = Vec::new();
    let mut rows = vec![vec![
        "step".to_string(),
        "vendor".into(),
        "price".into(),
        "eta ms".into(),
        "utility".into(),
        "status".into(),
    ]];
    let mut reasons = Vec::new();
    for step in &view.steps {
        let Some(rfp) = &step.rfp else {
            steps.push(json!({"step": step.index, "rfp": null}));
            rows.push(vec![
                step.index.to_string(),
                "-".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                "no RFP yet".into(),
            ]);
            continue;
        };
        let scores = flows::score_offers(&chain, step, view.now()).await?;
        let winner = match rfp.status {
            RfpStatus::Awarded(award) => scores.iter().find(|s| s.offer.agent == award.agent),
            _ => flows::predicted_winner(&scores),
        };
        let status = match rfp.status {
            RfpStatus::Open if view.now() < rfp.bid_deadline => {
                format!("bidding, {} s left", rfp.bid_deadline - view.now())
            }
            RfpStatus::Open => "bidding closed, not awarded".into(),
            RfpStatus::Awarded(_) => "awarded".into(),
            RfpStatus::Cancelled { .. } => "cancelled".into(),
        };
        if let Some((w, why)) = winner.and_then(|w| Some((w, w.why()?))) {
            let verb = if matches!(rfp.status, RfpStatus::Awarded(_)) {
                "won"
            } else {
                "leads"
            };
            reasons.push(format!("step {}: {} {verb} — {why}", step.index, w.name));
        }
        if scores.is_empty() {
            rows.push(vec![
                step.index.to_string(),
                "-".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                format!("{status}; no offers (max price {})", rfp.max_price),
            ]);
        }
        let mut offers = Vec::new();
        for s in &scores {
            let is_winner = winner.is_some_and(|w| w.offer_key == s.offer_key);
            rows.push(vec![
                step.index.to_string(),
                format!("{}{}", s.name, if is_winner { " *" } else { "" }),
                s.offer.price.to_string(),
                s.offer.eta_ms.to_string(),
                s.utility()
                    .map_or_else(|| "-".into(), |u| format!("{u:.0}")),
                match &s.candidate {
                    Ok(_) => status.clone(),
                    Err(why) => format!("cannot win: {why}"),
                },
            ]);
            offers.push(json!({
                "offer": s.offer_key.to_string(),
                "agent": s.offer.agent.to_string(),
                "name": s.name,
                "price": s.offer.price,
                "eta_ms": s.offer.eta_ms,
                "success_rate_bps": s.offer.success_rate_bps,
                "utility": s.utility(),
                "eligible": s.candidate.is_ok(),
                "ineligible_because": s.candidate.as_ref().err(),
                "winner": is_winner,
            }));
        }
        steps.push(json!({
            "step": step.index,
            "rfp": step.rfp_key.to_string(),
            "max_price": rfp.max_price,
            "bid_deadline": rfp.bid_deadline,
            "status": status,
            "offers": offers,
        }));
    }
    if opts.output == Output::Json {
        out!(
            "{}",
            serde_json::to_string_pretty(
                &json!({"plan": args.plan.to_string(), "steps": steps, "awards": awards})
            )?
        );
        return Ok(());
    }
    section(&format!("Offers on plan {}", args.plan));
    table(&rows);
    for reason in reasons {
        out!("  {reason}");
    }
    Ok(())
}
