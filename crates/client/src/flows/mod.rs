//! The plan lifecycle, once: draft -> create -> RFPs -> bid -> award -> approve -> execute ->
//! settle. A [`PlanView`] is the read model of a plan (one batched read); the owner's and the
//! planner's verbs are builders that never send — the CLI, the keepers, the demo, the bench and
//! the tests send what they build. Vendors' bids and executions live with the broker.
//!
//! - [`draft`]: a goal to a [`Draft`] (prices and holdings read once) and each step's RFP.
//! - [`award`]: each offer scored as `award_best` scores it, and the award.
//! - [`manifest`]: a vendor's [`Manifest`] and its register/publish instructions.
//! - [`approve`]: the owner's one-signature [`crate::ix::approval::Approval`].
//! - [`settle`]: the close-out ([`Settlement`]): cancel, revoke, refund, close.
//! - [`registry`]: an agent, its versions and their stage attestations ([`AgentView`]).
//! - [`nav`]: Fund Admin — an owner's positions priced fail-closed and recorded as a NAV receipt.
//! - [`status`]: why a plan is (not) moving, step by step, in words.
//! - [`wallet`]: [`OwnerWallet`], the owner's key signing these builders in-process.
pub mod approve;
pub mod award;
pub mod draft;
pub mod manifest;
pub mod nav;
pub mod pricing;
pub mod registry;
pub mod settle;
pub mod status;
pub mod vendor;
pub mod view;
pub mod wallet;

pub use approve::approval;
pub use award::{
    award_offer, award_step, predicted_winner, score_offers, AwardReadiness, OfferScore,
};
pub use draft::{
    checked_rfps, draft, draft_graph, plan_context, rfp_args, Draft, DraftError, RfpPolicy,
};
pub use manifest::{Manifest, ServiceClaims, Strategy};
pub use registry::{AgentView, AttestationView, VersionView};
pub use settle::{Scope, Settlement};
pub use status::{explain, StepState};
pub use view::{plans_of, BudgetView, Offers, PlanView, StepView};
pub use wallet::OwnerWallet;
