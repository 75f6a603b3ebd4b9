//! # market
//!
//! Where a plan step finds its vendor: requests for proposals, offers from certified agents,
//! and the award.
//!
//! **Lifecycle.** A requester (the plan's owner or its planner) opens an [`state::Rfp`] per plan
//! step (`open_rfp`: capability, max price, guard requirements, minimum certification stage,
//! bid and execution deadlines). Vendors whose agent is Active, advertises the capability and is
//! certified at the required stage bid with `submit_offer` (one offer per agent, rent paid by the
//! vendor), may `update_offer` (bumps the version) or `withdraw_offer`. The requester may
//! `award` a specific offer naming the price and version it saw (a changed offer is refused), or
//! anyone may call `award_best` after the bid deadline, which weighs EVERY live offer (see
//! [`selection`]). `cancel_rfp` before award; `close_offer` / `close_rfp` return rent to whoever
//! paid it once nothing can happen any more.
//!
//! **Authorities.** requester: its RFP (cancel, manual award). vendor: its offer. Anyone:
//! `award_best` after the deadline, closing finished accounts. Agent trust is read from
//! agent_registry accounts (owner and PDA checked) through `agent_registry::require_certified`.
//!
//! **Bounds.** At most `MAX_OFFERS_PER_RFP` (8) live offers per RFP.
#![deny(arithmetic_overflow, unused_must_use)]
#![allow(clippy::result_large_err)]

pub mod constants;
pub mod error;
pub mod events;
pub mod instructions;
pub mod selection;
pub mod state;

use anchor_lang::prelude::*;
use instructions::*;

declare_id!("G95ZNCueQedqoCCR9gJTopdEF1cDGYHY75BV5cTeuqzq");

#[cfg(not(feature = "no-entrypoint"))]
solana_security_txt::security_txt! {
    name: "AgentRunner market",
    project_url: "https://github.com/agentrunner/agentrunner",
    contacts: "email:security@agentrunner.dev",
    policy: "https://github.com/agentrunner/agentrunner/blob/main/SECURITY.md",
    source_code: "https://github.com/agentrunner/agentrunner",
    source_revision: default_env::default_env!("GITHUB_SHA", ""),
    auditors: "None"
}

#[program]
pub mod market {
    use super::*;

    /// Opens an RFP for one plan step (requester).
    pub fn open_rfp(ctx: Context<OpenRfp>, args: OpenRfpArgs) -> Result<()> {
        instructions::open_rfp::handler(ctx, args)
    }

    /// Cancels an open RFP (requester; never after award).
    pub fn cancel_rfp(ctx: Context<CancelRfp>) -> Result<()> {
        instructions::cancel_rfp::handler(ctx)
    }

    /// Bids on an RFP with a certified agent (its owner).
    pub fn submit_offer<'info>(
        ctx: Context<'info, SubmitOffer<'info>>,
        terms: OfferTerms,
    ) -> Result<()> {
        instructions::submit_offer::handler(ctx, terms)
    }

    /// Changes an offer before the bid deadline; bumps its version (vendor).
    pub fn update_offer(ctx: Context<UpdateOffer>, terms: OfferTerms) -> Result<()> {
        instructions::update_offer::handler(ctx, terms)
    }

    /// Withdraws an offer; rent back to the vendor (vendor).
    pub fn withdraw_offer(ctx: Context<WithdrawOffer>) -> Result<()> {
        instructions::withdraw_offer::handler(ctx)
    }

    /// Awards the offer the requester accepted at a given price and version (requester).
    pub fn award(ctx: Context<AwardOffer>, args: AwardArgs) -> Result<()> {
        instructions::award::handler(ctx, args)
    }

    /// Awards the best-utility offer among all live offers, after the bid deadline (anyone).
    /// utility = reliability_bps * compat_bps / max(price, max_price / 2) (see `selection`);
    /// ties: lower price, earlier submission, lower agent address.
    pub fn award_best<'info>(ctx: Context<'info, AwardBest<'info>>) -> Result<()> {
        instructions::award_best::handler(ctx)
    }

    /// Closes an offer that can no longer matter; rent to the vendor (anyone).
    pub fn close_offer(ctx: Context<CloseOffer>) -> Result<()> {
        instructions::close_offer::handler(ctx)
    }

    /// Closes a finished RFP with no offers left; rent to the requester (anyone).
    pub fn close_rfp(ctx: Context<CloseRfp>) -> Result<()> {
        instructions::close_rfp::handler(ctx)
    }
}
