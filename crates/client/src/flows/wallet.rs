//! [`OwnerWallet`]: what a plan owner's wallet sends, in-process — the builders of this module
//! signed with the owner's key and landed in order. The CLI, the demo, the bench and the tests
//! drive plans through it; a web page signs the same transactions in the user's wallet instead.
use anchor_lang::prelude::Pubkey;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::{
    chain::Chain,
    deployment::Deployment,
    ix::approval::Approval,
    send::{Journal, Landed, SendError, Sender},
};

use super::{approval, Draft, Offers, PlanView, Scope, Settlement};

/// A plan owner's key with a sender.
pub struct OwnerWallet<'a, C: Chain, J: Journal> {
    pub chain: &'a C,
    pub sender: &'a Sender<'a, C, J>,
    pub owner: &'a Keypair,
    pub deployment: &'a Deployment,
}

impl<'a, C: Chain, J: Journal> OwnerWallet<'a, C, J> {
    pub fn new(
        chain: &'a C,
        sender: &'a Sender<'a, C, J>,
        owner: &'a Keypair,
        deployment: &'a Deployment,
    ) -> Self {
        Self {
            chain,
            sender,
            owner,
            deployment,
        }
    }

    pub fn pubkey(&self) -> Pubkey {
        self.owner.pubkey()
    }

    /// Signs `create_plan` for `draft`.
    pub async fn create(&self, draft: &Draft) -> Result<Landed, SendError> {
        let intent = format!("create:{}", draft.plan);
        let mut landed = self
            .sender
            .send_all(
                &intent,
                self.owner,
                &draft.transactions(&self.pubkey()),
                &[],
            )
            .await?;
        Ok(landed.remove(0))
    }

    /// The approval of `plan` as it stands (every step awarded), valid `lifetime_secs`.
    pub async fn approval(&self, plan: &Pubkey, lifetime_secs: i64) -> Result<Approval, SendError> {
        let view = PlanView::load(self.chain, self.deployment, plan, Offers::Skip).await?;
        Ok(approval(self.chain, self.deployment, &view, lifetime_secs).await?)
    }

    /// Signs `approval`: one transaction (two for the largest plans), in order.
    pub async fn approve(&self, approval: &Approval) -> Result<Vec<Landed>, SendError> {
        let tables = self.deployment.tables();
        let intent = format!("approve:{}", approval.plan);
        self.sender
            .send_all(
                &intent,
                self.owner,
                &approval.transactions(&tables)?,
                &tables,
            )
            .await
    }

    /// The close-out of `plan` as it stands now, as far as `scope` ([`Settlement`]).
    pub async fn settlement(&self, plan: &Pubkey, scope: Scope) -> Result<Settlement, SendError> {
        let view = PlanView::load(self.chain, self.deployment, plan, Offers::Skip).await?;
        Ok(Settlement::with_scope(&view, scope)?)
    }

    /// Signs `settlement`, in as many transactions as it needs.
    pub async fn settle(&self, settlement: &Settlement) -> Result<Vec<Landed>, SendError> {
        let tables = self.deployment.tables();
        let intent = format!("settle:{}", settlement.plan);
        self.sender
            .send_all(
                &intent,
                self.owner,
                &settlement.transactions(&tables)?,
                &tables,
            )
            .await
    }
}
