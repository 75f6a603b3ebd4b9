//! A step's RFP and its offers side by side, as the award rule sees them: price, promised
//! latency and success rate, guard compatibility, the bidder's certification (stage, expiry,
//! report) and reputation, the utility score, and why the winner wins.
use std::collections::HashMap;

use agentrunner_client::{
    chain::Chain,
    flows::{self, manifest::guard_names, AgentView, OfferScore, StepView},
    ClientResult,
};
use anchor_lang::prelude::Pubkey;
use market::state::{Rfp, RfpStatus};
use serde::Serialize;

use super::tokens::{span, Tokens};

/// One offer.
#[derive(Clone, Debug, Serialize)]
pub struct OfferRow {
    pub offer: String,
    pub agent: String,
    pub name: String,
    /// Fee per execution, in the fee token.
    pub price: String,
    pub price_atoms: u64,
    pub eta_ms: u32,
    /// Success rate promised, percent.
    pub success_rate: String,
    /// Guard families offered of those the RFP requires: "slippage, oracle, fee_cap".
    pub guards: String,
    /// Whether it honours every guard family the RFP requires.
    pub compatible: bool,
    /// The highest stage its current version is certified at, now ("D"), or "none".
    pub stage: String,
    /// When that certification expires, from now ("6 d").
    pub certified_for: String,
    /// The page of the certification report behind that stage, if any.
    pub report: Option<String>,
    /// Reliability the rule uses, bps.
    pub reliability_bps: Option<u64>,
    /// The rule's utility (display).
    pub utility: Option<String>,
    /// Why it cannot win, if it cannot.
    pub ineligible: Option<String>,
    /// The offer the RFP is awarded to, or would be by `award_best`.
    pub winner: bool,
}

/// A step's market.
#[derive(Clone, Debug, Serialize)]
pub struct MarketCard {
    pub rfp: String,
    /// The most an execution pays, in the fee token.
    pub max_price: String,
    /// "bidding, 12 s left", "bidding closed", "awarded", "cancelled".
    pub status: String,
    pub bidding_open: bool,
    pub awarded: bool,
    /// The award, in words: "MyAgent at 0.05 USDC per execution".
    pub award: Option<String>,
    /// The awarded agent's address.
    pub award_agent: Option<String>,
    /// Lowest stage a bidder must hold.
    pub min_stage: String,
    pub required_guards: String,
    pub offers: Vec<OfferRow>,
    /// Why the winner wins (or leads).
    pub winner_reason: Option<String>,
}

/// Registry standings read once per page.
pub type Agents = HashMap<Pubkey, AgentView>;

/// Reads the agents behind `steps`' offers and awards (each once; an agent account that is
/// gone is left out).
pub async fn agents_of<C: Chain>(chain: &C, steps: &[StepView]) -> ClientResult<Agents> {
    let mut agents = Agents::new();
    let mut keys = Vec::new();
    for step in steps {
        keys.extend(step.offers.iter().map(|(_, o)| o.agent));
        keys.extend(step.award().map(|a| a.agent));
    }
    for key in keys {
        if let std::collections::hash_map::Entry::Vacant(e) = agents.entry(key) {
            if let Ok(view) = AgentView::load(chain, &key).await {
                e.insert(view);
            }
        }
    }
    Ok(agents)
}

fn status(rfp: &Rfp, now: i64) -> String {
    match rfp.status {
        RfpStatus::Open if now < rfp.bid_deadline => {
            format!("bidding, {} left", span(rfp.bid_deadline - now))
        }
        RfpStatus::Open => "bidding closed, not awarded".into(),
        RfpStatus::Awarded(_) => "awarded".into(),
        RfpStatus::Cancelled { .. } => "cancelled".into(),
    }
}

impl MarketCard {
    /// The card of `step` (loaded with offers) at `now`, or `None` before its RFP exists.
    pub async fn of<C: Chain>(
        chain: &C,
        step: &StepView,
        agents: &Agents,
        tokens: Tokens<'_>,
        now: i64,
    ) -> ClientResult<Option<Self>> {
        let Some(rfp) = &step.rfp else {
            return Ok(None);
        };
        let scores = flows::score_offers(chain, step, now).await?;
        let winner = match rfp.status {
            RfpStatus::Awarded(award) => scores.iter().find(|s| s.offer_key == award.offer),
            _ => flows::predicted_winner(&scores),
        };
        let offers = scores
            .iter()
            .map(|s| offer_row(s, rfp, agents, tokens, now, winner))
            .collect();
        Ok(Some(Self {
            rfp: step.rfp_key.to_string(),
            max_price: tokens.fee(rfp.max_price),
            status: status(rfp, now),
            bidding_open: matches!(rfp.status, RfpStatus::Open) && now < rfp.bid_deadline,
            awarded: matches!(rfp.status, RfpStatus::Awarded(_)),
            award: step.award().map(|a| {
                let name = agents
                    .get(&a.agent)
                    .map_or_else(|| a.agent.to_string(), |v| v.agent.name.clone());
                format!("{name} at {} per execution", tokens.fee(a.price))
            }),
            award_agent: step.award().map(|a| a.agent.to_string()),
            min_stage: format!("{:?}", rfp.min_stage),
            required_guards: guard_names(rfp.guards.required).join(", "),
            offers,
            winner_reason: winner.and_then(OfferScore::why),
        }))
    }
}

fn offer_row(
    s: &OfferScore,
    rfp: &Rfp,
    agents: &Agents,
    tokens: Tokens,
    now: i64,
    winner: Option<&OfferScore>,
) -> OfferRow {
    let view = agents.get(&s.offer.agent);
    let current = view.and_then(|v| v.current());
    let stage = current.and_then(|v| v.certified_stage(now));
    let standing = stage.and_then(|st| current?.standing_attestation(st));
    let offered = s.offer.guard_compat & rfp.guards.required;
    OfferRow {
        offer: s.offer_key.to_string(),
        agent: s.offer.agent.to_string(),
        name: if s.name.is_empty() {
            s.offer.agent.to_string()
        } else {
            s.name.clone()
        },
        price: tokens.fee(s.offer.price),
        price_atoms: s.offer.price,
        eta_ms: s.offer.eta_ms,
        success_rate: format!("{:.2}%", f64::from(s.offer.success_rate_bps) / 100.0),
        guards: guard_names(offered).join(", "),
        compatible: offered == rfp.guards.required,
        stage: stage.map_or_else(|| "none".into(), |st| format!("{st:?}")),
        certified_for: standing.map_or_else(String::new, |a| span(a.attestation.expires_at - now)),
        report: standing.map(|a| format!("/reports/{}", a.key)),
        reliability_bps: s.candidate.as_ref().ok().map(|c| c.reliability_bps),
        utility: s.utility().map(|u| format!("{u:.0}")),
        ineligible: s.candidate.as_ref().err().cloned(),
        winner: winner.is_some_and(|w| w.offer_key == s.offer_key),
    }
}
