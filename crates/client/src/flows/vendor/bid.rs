//! Bidding: whether `agent` may and would offer on an RFP, and the offer it signs.
use agent_registry::state::{Agent, AgentVersion};
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction, Discriminator};
use market::{
    instructions::OfferTerms,
    state::{Rfp, RfpStatus},
};
use runner::state::Plan;

use crate::{
    chain::Chain,
    deployment::Deployment,
    errors::anchor_error_text,
    flows::Strategy,
    ix::{self, market::Bidder},
    pda, ClientResult,
};

/// Seconds an offer stays valid.
pub const OFFER_VALIDITY_SECS: i64 = 86_400;

/// What to do about one RFP.
#[derive(Clone, Debug)]
pub enum Bid {
    /// Sign and send this `submit_offer` (the vendor signs and pays the offer's rent).
    Offer(Instruction),
    /// The agent's offer is already there.
    Offered,
    /// Not this one, and why.
    Pass(String),
}

/// Every RFP of the market, decoded (one scan).
pub async fn rfps<C: Chain>(chain: &C) -> ClientResult<Vec<(Pubkey, Rfp)>> {
    chain
        .program_accounts(&market::ID, Rfp::DISCRIMINATOR)
        .await?
        .into_iter()
        .map(|(key, account)| Ok((key, crate::accounts::decode(&key, &account.data)?)))
        .collect()
}

/// Whether `agent` (owned by `vendor`), trading by `strategy`, bids on the RFP `rfp_key` now:
/// bidding open, the agent certified for its capability and stage, its price within the RFP's
/// maximum and the step's notional within its limit.
pub async fn bid<C: Chain>(
    chain: &C,
    deployment: &Deployment,
    (rfp_key, rfp): (&Pubkey, &Rfp),
    (vendor, agent): (&Pubkey, &Pubkey),
    strategy: &Strategy,
) -> ClientResult<Bid> {
    if rfp.status != RfpStatus::Open {
        return Ok(Bid::Pass("not open".into()));
    }
    let now = chain.clock().await?.unix_timestamp;
    let offer = pda::offer(rfp_key, agent).0;
    if chain.account(&offer).await?.is_some() {
        return Ok(Bid::Offered);
    }
    if now >= rfp.bid_deadline {
        return Ok(Bid::Pass("bidding closed".into()));
    }
    let agent_state: Agent = chain.fetch(agent).await?;
    let version_key = pda::agent_version(agent, agent_state.version_count.saturating_sub(1)).0;
    let version: AgentVersion = chain.fetch(&version_key).await?;
    if let Err(e) = agent_registry::require_certified(
        agent,
        &agent_state,
        &version,
        rfp.capability,
        rfp.min_stage,
        now,
    ) {
        return Ok(Bid::Pass(format!(
            "not eligible: {}",
            anchor_error_text(&e)
        )));
    }
    if strategy.price > rfp.max_price {
        return Ok(Bid::Pass(format!(
            "price {} above the RFP's maximum {}",
            strategy.price, rfp.max_price
        )));
    }
    if let Some(notional) = step_notional(chain, deployment, &rfp.plan, rfp.step).await? {
        if notional > strategy.max_notional_usd {
            return Ok(Bid::Pass(format!(
                "notional ${} above its limit ${}",
                notional / 1_000_000,
                strategy.max_notional_usd / 1_000_000
            )));
        }
    }
    Ok(Bid::Offer(ix::market::submit_offer(
        rfp_key,
        Bidder {
            agent: *agent,
            version: version_key,
        },
        vendor,
        OfferTerms {
            price: strategy.price,
            eta_ms: strategy.eta_ms,
            success_rate_bps: strategy.success_rate_bps,
            guard_compat: if strategy.respects_guards {
                market::constants::guard::ALL
            } else {
                market::constants::guard::ALLOWLIST
            },
            expires_at: now + OFFER_VALIDITY_SECS,
        },
    )))
}

/// The USD notional of one execution of a plan's step (None for Service steps or plans it
/// cannot read).
async fn step_notional<C: Chain>(
    chain: &C,
    deployment: &Deployment,
    plan: &Pubkey,
    step: u16,
) -> ClientResult<Option<u64>> {
    let Ok(plan) = chain.fetch::<Plan>(plan).await else {
        return Ok(None);
    };
    let Some(step) = plan.steps.get(usize::from(step)) else {
        return Ok(None);
    };
    let Ok(token) = deployment.token_by_mint(&step.mint_in) else {
        return Ok(None);
    };
    let Some(account) = chain.account(&token.price_account).await? else {
        return Ok(None);
    };
    let Ok(update) = runner::oracle::pyth_price(&account.data) else {
        return Ok(None);
    };
    Ok(runner::math::usd_micro(step.amount_in, update, token.decimals).ok())
}
