//! The planner keeper: opens one RFP per step of the plans it plans ([`flows::rfp_args`]) and
//! awards each after bidding closes ([`flows::award_step`]). Drafting a goal and the owner's
//! approval are the owner's verbs, in [`agentrunner_client::flows`].
use agentrunner_client::{
    chain::Chain,
    deployment::Deployment,
    flows::{self, AwardReadiness, Offers, PlanView, RfpPolicy},
    ix,
    send::{Journal, SendError, Sender},
};
use anchor_lang::prelude::Pubkey;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::outcome::{classify, Outcome};

/// Opens and awards the RFPs of plans whose `planner` is its key.
pub struct Planner<'a, C: Chain> {
    pub chain: &'a C,
    pub sender: Sender<'a, C, Box<dyn Journal>>,
    /// Opens the plans' RFPs and awards them (the plans' `planner`).
    pub planner: Keypair,
    pub deployment: &'a Deployment,
    pub policy: RfpPolicy,
}

impl<'a, C: Chain> Planner<'a, C> {
    pub fn new(
        chain: &'a C,
        sender: Sender<'a, C, Box<dyn Journal>>,
        planner: Keypair,
        deployment: &'a Deployment,
        policy: RfpPolicy,
    ) -> Self {
        Self {
            chain,
            sender,
            planner,
            deployment,
            policy,
        }
    }

    /// Opens the RFP of every step of `plan` (steps whose RFP exists are already done).
    pub async fn open_rfps(&self, plan_key: &Pubkey) -> Result<Vec<(u16, Outcome)>, SendError> {
        let view = PlanView::load(self.chain, self.deployment, plan_key, Offers::Skip).await?;
        let args = flows::rfp_args(
            self.chain,
            self.deployment,
            plan_key,
            &view.plan,
            &self.policy,
            view.now(),
        )
        .await?;
        let mut outcomes = Vec::new();
        for (step, args) in view.steps.iter().zip(args) {
            if step.rfp.is_some() {
                outcomes.push((step.index, Outcome::AlreadyDone("RFP open".into())));
                continue;
            }
            let ix = ix::market::open_rfp(&self.planner.pubkey(), args);
            let intent = format!("rfp:{plan_key}:{}", step.index);
            let result = self
                .sender
                .send(&intent, &self.planner, &[ix], &[], &[])
                .await;
            outcomes.push((step.index, classify(result, &[], "open RFP")?));
        }
        Ok(outcomes)
    }

    /// Awards every RFP of `plan` whose bidding closed: `award_best` over all its live offers
    /// (anyone may; this keeper's key pays).
    pub async fn award_all(&self, plan_key: &Pubkey) -> Result<Vec<(u16, Outcome)>, SendError> {
        let view = PlanView::load(self.chain, self.deployment, plan_key, Offers::Load).await?;
        let mut outcomes = Vec::new();
        for step in &view.steps {
            let payer = self.planner.pubkey();
            let outcome = match flows::award_step(self.chain, step, &payer, view.now()).await? {
                AwardReadiness::NoRfp => Outcome::Skipped("no RFP".into()),
                AwardReadiness::AlreadyAwarded { agent } => {
                    Outcome::AlreadyDone(format!("awarded to {agent}"))
                }
                AwardReadiness::Cancelled => Outcome::Skipped("cancelled".into()),
                AwardReadiness::BiddingOpen { .. } => Outcome::Skipped("bidding still open".into()),
                AwardReadiness::NoOffers => Outcome::Skipped("no offers".into()),
                AwardReadiness::Ready(ix) => {
                    let intent = format!("award:{}", step.rfp_key);
                    let result = self
                        .sender
                        .send(&intent, &self.planner, &[ix], &[], &[])
                        .await;
                    classify(
                        result,
                        &[u32::from(market::error::MarketError::RfpNotOpen)],
                        "award",
                    )?
                }
            };
            outcomes.push((step.index, outcome));
        }
        Ok(outcomes)
    }
}
