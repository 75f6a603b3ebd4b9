//! Awarding a step: each live offer scored exactly as `award_best` scores it
//! (`market::selection`: reliability × guard compatibility / bounded price), the predicted
//! winner and why, and the `award_best` instruction over every live offer, each named with its
//! agent's current version (anyone may send it once bidding closed).
use agent_registry::state::{Agent, AgentVersion};
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};
use market::{
    instructions::certified_agent::rfp_candidate,
    selection::{self, Candidate},
    state::{Offer, Rfp, RfpStatus},
};

use crate::{accounts::decode, chain::Chain, ix, ix::market::Bidder, pda, ClientResult};

use super::StepView;

/// One live offer as the award rule sees it.
#[derive(Clone, Debug)]
pub struct OfferScore {
    pub offer_key: Pubkey,
    pub offer: Offer,
    /// The agent's name in the registry ("" if the agent account is gone).
    pub name: String,
    /// The agent's current version (what `award_best` must be passed).
    pub version: Pubkey,
    /// The rule's figures, or why the offer cannot win.
    pub candidate: Result<Candidate, String>,
}

impl OfferScore {
    /// `reliability_bps × compat_bps / priced_at`, the figure the rule compares (exactly, by
    /// cross-multiplication; this quotient is for display).
    pub fn utility(&self) -> Option<f64> {
        let c = self.candidate.as_ref().ok()?;
        Some(c.reliability_bps as f64 * c.compat_bps as f64 / c.priced_at as f64)
    }
}

/// Every live offer on `step` (loaded with offers), scored at `now`: two batched reads (the
/// agents, then their current versions).
pub async fn score_offers<C: Chain>(
    chain: &C,
    step: &StepView,
    now: i64,
) -> ClientResult<Vec<OfferScore>> {
    let Some(rfp) = &step.rfp else {
        return Ok(Vec::new());
    };
    let agent_keys: Vec<Pubkey> = step.offers.iter().map(|(_, o)| o.agent).collect();
    let agents: Vec<Option<Agent>> = chain
        .accounts(&agent_keys)
        .await?
        .iter()
        .zip(&agent_keys)
        .map(|(a, key)| a.as_ref().map(|a| decode(key, &a.data)).transpose())
        .collect::<ClientResult<_>>()?;
    let version_keys: Vec<Pubkey> = agent_keys
        .iter()
        .zip(&agents)
        .map(|(key, agent)| {
            let latest = agent
                .as_ref()
                .map_or(0, |a| a.version_count.saturating_sub(1));
            pda::agent_version(key, latest).0
        })
        .collect();
    let versions = chain.accounts(&version_keys).await?;
    let mut scores = Vec::new();
    for (i, (offer_key, offer)) in step.offers.iter().enumerate() {
        let version: Option<AgentVersion> = versions[i]
            .as_ref()
            .map(|a| decode(&version_keys[i], &a.data))
            .transpose()?;
        let candidate = match (&agents[i], &version) {
            (Some(agent), Some(version)) => eligible(rfp, offer, agent, version, now),
            _ => Err("the agent or its version is gone".to_string()),
        };
        scores.push(OfferScore {
            offer_key: *offer_key,
            offer: offer.clone(),
            name: agents[i]
                .as_ref()
                .map(|a| a.name.clone())
                .unwrap_or_default(),
            version: version_keys[i],
            candidate,
        });
    }
    Ok(scores)
}

/// The offer's figures, or why it cannot win (the same checks as `award_best`).
fn eligible(
    rfp: &Rfp,
    offer: &Offer,
    agent: &Agent,
    version: &AgentVersion,
    now: i64,
) -> Result<Candidate, String> {
    if offer.is_expired(now) {
        return Err("offer expired".into());
    }
    agent_registry::require_certified(
        &offer.agent,
        agent,
        version,
        rfp.capability,
        rfp.min_stage,
        now,
    )
    .map_err(|e| format!("not certified for the RFP: {e}"))?;
    Ok(rfp_candidate(rfp, offer, agent, version))
}

/// The offer `award_best` picks among `scores`, if any can win.
pub fn predicted_winner(scores: &[OfferScore]) -> Option<&OfferScore> {
    let eligible: Vec<(&OfferScore, Candidate)> = scores
        .iter()
        .filter_map(|s| s.candidate.clone().ok().map(|c| (s, c)))
        .collect();
    let candidates: Vec<Candidate> = eligible.iter().map(|(_, c)| *c).collect();
    selection::best(&candidates).map(|i| eligible[i].0)
}

/// Where a step stands for awarding.
#[derive(Clone, Debug)]
pub enum AwardReadiness {
    /// No RFP yet.
    NoRfp,
    /// Bidding closes at this unix second.
    BiddingOpen {
        closes_at: i64,
    },
    AlreadyAwarded {
        agent: Pubkey,
    },
    Cancelled,
    NoOffers,
    /// `award_best` over the step's offers, paid and signed by `payer`.
    Ready(Instruction),
}

/// What awarding `step` (loaded with offers) at `now` would do; `payer` signs.
pub async fn award_step<C: Chain>(
    chain: &C,
    step: &StepView,
    payer: &Pubkey,
    now: i64,
) -> ClientResult<AwardReadiness> {
    let Some(rfp) = &step.rfp else {
        return Ok(AwardReadiness::NoRfp);
    };
    match rfp.status {
        RfpStatus::Awarded(award) => {
            return Ok(AwardReadiness::AlreadyAwarded { agent: award.agent })
        }
        RfpStatus::Cancelled { .. } => return Ok(AwardReadiness::Cancelled),
        RfpStatus::Open if now < rfp.bid_deadline => {
            return Ok(AwardReadiness::BiddingOpen {
                closes_at: rfp.bid_deadline,
            })
        }
        RfpStatus::Open => {}
    }
    let scores = score_offers(chain, step, now).await?;
    if scores.is_empty() {
        return Ok(AwardReadiness::NoOffers);
    }
    let candidates: Vec<(Pubkey, Bidder)> = scores
        .iter()
        .map(|s| {
            (
                s.offer_key,
                Bidder {
                    agent: s.offer.agent,
                    version: s.version,
                },
            )
        })
        .collect();
    Ok(AwardReadiness::Ready(ix::market::award_best(
        &step.rfp_key,
        payer,
        &candidates,
    )))
}

impl OfferScore {
    /// Why this offer wins (or leads) under the rule, in words: its figures against the rule's
    /// formula.
    pub fn why(&self) -> Option<String> {
        let c = self.candidate.as_ref().ok()?;
        Some(format!(
            "highest utility: reliability {} bps × guard compatibility {} bps / price term {}",
            c.reliability_bps, c.compat_bps, c.priced_at
        ))
    }
}

/// The requester's `award` of the scored offer on `step`, at the terms the offer shows now (a
/// vendor who changes its price or version before this lands makes it fail, not cost more).
pub fn award_offer(step: &StepView, score: &OfferScore, requester: &Pubkey) -> Instruction {
    ix::market::award(
        &step.rfp_key,
        &score.offer_key,
        Bidder {
            agent: score.offer.agent,
            version: score.version,
        },
        requester,
        market::instructions::AwardArgs {
            expected_price: score.offer.price,
            expected_version: score.offer.version,
        },
    )
}
