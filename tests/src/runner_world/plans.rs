//! Plans in a [`RunnerWorld`]: created by a fresh owner, each step's RFP opened and awarded
//! ([`AwardedPlan`]), then approved by the owner ([`PlanSetup`]).
use agentrunner_client::{
    ix::{
        approval::{Approval, PlanMints, StepGrant},
        receipts::TreeRef,
        runner::StepRef,
    },
    pda,
};
use anchor_lang::prelude::Pubkey;
use market::{
    instructions::OpenRfpArgs,
    state::{Award, Rfp, RfpStatus},
};
use runner::{
    instructions::{CreatePlanArgs, StepArgs},
    state::{Plan, PlanStep},
};
use solana_keypair::Keypair;
use solana_signer::Signer;

use super::{Owner, RunnerWorld, VENDOR_PRICE};
use crate::{
    context::landed,
    fixtures::{open_rfp, rfp_args, submit_offer, VendorRoot},
};

/// A plan created by a fresh owner with every step awarded, not yet approved.
pub struct AwardedPlan {
    pub owner: Owner,
    pub plan: Pubkey,
    /// The RFPs' and the budget's mint.
    pub fee_mint: Pubkey,
    /// The steps as the program stored them (mints resolved).
    pub plan_steps: Vec<PlanStep>,
    /// One per step: its award and the vendor's payout account.
    pub grants: Vec<StepGrant>,
    /// One per step: the awarded vendor's signer, agent and agent version.
    pub vendors: Vec<(Pubkey, Pubkey, Pubkey)>,
}

/// A plan created by a fresh owner, each step awarded and approved.
pub struct PlanSetup {
    pub owner: Owner,
    pub plan: Pubkey,
    /// One per step, in order.
    pub steps: Vec<StepRef>,
    /// The steps as the program stored them (mints resolved).
    pub plan_steps: Vec<PlanStep>,
    /// The plan as the program stored it at approval.
    pub stored: Plan,
    /// Size of each approval transaction (the owner its only signer and fee payer), bytes.
    pub approval_bytes: Vec<usize>,
}

impl RunnerWorld {
    /// Asserts `owner`'s `create_plan` of each labelled `cases` is refused with `error` and
    /// changes nothing.
    pub async fn creations_refused(
        &self,
        owner: &Keypair,
        cases: impl IntoIterator<Item = (&str, CreatePlanArgs)>,
        error: impl Into<u32>,
    ) {
        let error: u32 = error.into();
        for (label, args) in cases {
            self.ctx
                .expect_error_labeled(
                    label,
                    &[agentrunner_client::ix::runner::create_plan(
                        &owner.pubkey(),
                        args,
                    )],
                    &[owner],
                    error,
                )
                .await;
        }
    }

    /// Creates a plan of `steps` for a fresh owner (its own planner), awards every step to the
    /// world's vendor and approves it, fees in USDC.
    pub async fn plan(&self, steps: Vec<StepArgs>) -> PlanSetup {
        let owner = self.funded_owner().await;
        let args = self.plan_args(owner.keypair.pubkey(), steps);
        self.plan_from(owner, args, self.usdc).await
    }

    /// [`Self::plan`] with explicit creation arguments (their `planner` must be the owner) and
    /// fee mint (the RFPs' and the budget's).
    pub async fn plan_from(
        &self,
        owner: Owner,
        args: CreatePlanArgs,
        fee_mint: Pubkey,
    ) -> PlanSetup {
        self.plan_for(owner, args, fee_mint, &self.vendor).await
    }

    /// [`Self::plan_from`] with every step awarded to `vendor` (certified, with a payout
    /// account for `fee_mint`).
    pub async fn plan_for(
        &self,
        owner: Owner,
        args: CreatePlanArgs,
        fee_mint: Pubkey,
        vendor: &VendorRoot,
    ) -> PlanSetup {
        self.plan_per_step(owner, args, fee_mint, std::slice::from_ref(vendor))
            .await
    }

    /// [`Self::plan_from`] with step `i` awarded to `vendors[i % vendors.len()]`.
    pub async fn plan_per_step(
        &self,
        owner: Owner,
        args: CreatePlanArgs,
        fee_mint: Pubkey,
        vendors: &[VendorRoot],
    ) -> PlanSetup {
        let awarded = self
            .awarded_plan(owner, args, fee_mint, vendors, |_, _| {})
            .await;
        self.approve(awarded).await
    }

    /// Creates the plan and awards step `i` to `vendors[i % vendors.len()]` through an RFP
    /// advertising the step's capability and guards, as `adjust(i, rfp)` leaves them.
    pub async fn awarded_plan(
        &self,
        owner: Owner,
        args: CreatePlanArgs,
        fee_mint: Pubkey,
        vendors: &[VendorRoot],
        adjust: impl Fn(u16, &mut OpenRfpArgs),
    ) -> AwardedPlan {
        let plan = pda::plan(&owner.keypair.pubkey(), args.plan_id).0;
        let create = agentrunner_client::ix::runner::create_plan(&owner.keypair.pubkey(), args);
        landed(self.ctx.send(&[create], &[&owner.keypair]).await);
        let plan_steps = self.ctx.get::<Plan>(&plan).await.steps;
        let mut grants = Vec::new();
        let mut awarded_to = Vec::new();
        for (index, step) in plan_steps.iter().enumerate() {
            let vendor = &vendors[index % vendors.len()];
            let now = self.ctx.now().await;
            let mut rfp = step_rfp_args(&plan, index as u16, step, fee_mint, now);
            adjust(index as u16, &mut rfp);
            let award = self.award(&owner.keypair, rfp, vendor).await;
            let vendor_token = self
                .ctx
                .chain
                .ata(&vendor.owner.pubkey(), &fee_mint)
                .await
                .expect("ata");
            grants.push(StepGrant {
                step: index as u8,
                award,
                vendor_token,
                executions: step.repeat,
            });
            awarded_to.push((vendor.owner.pubkey(), vendor.agent, vendor.version));
        }
        AwardedPlan {
            owner,
            plan,
            fee_mint,
            plan_steps,
            grants,
            vendors: awarded_to,
        }
    }

    /// The owner approves `awarded`: budget, grants and custody in its own transactions.
    pub async fn approve(&self, awarded: AwardedPlan) -> PlanSetup {
        let AwardedPlan {
            owner,
            plan,
            fee_mint,
            plan_steps,
            grants,
            vendors,
        } = awarded;
        let now = self.ctx.now().await;
        let stored: Plan = self.ctx.get(&plan).await;
        let approval = Approval {
            owner: owner.keypair.pubkey(),
            plan,
            fee_mint,
            fee_token_program: anchor_spl::token::ID,
            owner_fee_token: owner.account(&fee_mint, self),
            deposit: grants.iter().map(StepGrant::max_amount).sum(),
            not_before: now,
            expires_at: now + 7 * 86_400,
            grants,
            mints: PlanMints::of(&stored),
            first_grant: agentrunner_client::accounts::next_grant_base(
                &*self.ctx.chain,
                &owner.keypair.pubkey(),
            )
            .await
            .expect("grant counter"),
        };
        let mut approval_bytes = Vec::new();
        for ixs in approval.transactions(&self.ctx.tables()).expect("approval") {
            let approved = landed(self.ctx.send_paid_by(&owner.keypair, &ixs).await);
            approval_bytes.push(approved.wire_bytes);
        }
        let budget = approval.budget();
        let (shard, tree) = self.localnet.deployment.shard_of(&plan);
        let steps = approval
            .grants
            .iter()
            .zip(&vendors)
            .enumerate()
            .map(|(i, (grant, &(vendor, agent, agent_version)))| StepRef {
                plan,
                planner: owner.keypair.pubkey(),
                step: i as u8,
                vendor,
                agent,
                agent_version,
                budget,
                grant: approval.grant_address(i),
                vendor_token: grant.vendor_token,
                owner: owner.keypair.pubkey(),
                receipts: TreeRef::first(shard, &tree),
            })
            .collect();
        PlanSetup {
            owner,
            plan,
            steps,
            plan_steps,
            stored: self.ctx.get(&plan).await,
            approval_bytes,
        }
    }

    /// Opens `rfp` as `planner`, takes `vendor`'s offer at [`VENDOR_PRICE`] and awards it.
    pub async fn award(&self, planner: &Keypair, rfp: OpenRfpArgs, vendor: &VendorRoot) -> Award {
        let rfp = open_rfp(&self.ctx, planner, rfp).await;
        let offer = submit_offer(&self.ctx, &rfp, vendor, VENDOR_PRICE).await;
        let submitted: market::state::Offer = self.ctx.get(&offer).await;
        let award = agentrunner_client::ix::market::award(
            &rfp,
            &offer,
            crate::fixtures::bidder(vendor),
            &planner.pubkey(),
            market::instructions::AwardArgs {
                expected_price: VENDOR_PRICE,
                expected_version: submitted.version,
            },
        );
        landed(self.ctx.send(&[award], &[planner]).await);
        let rfp: Rfp = self.ctx.get(&rfp).await;
        match rfp.status {
            RfpStatus::Awarded(award) => award,
            other => panic!("RFP not awarded: {other:?}"),
        }
    }
}

/// The RFP of `plan`'s step `index`: its capability and guards, bids for a minute, execution
/// within a day after.
pub fn step_rfp_args(
    plan: &Pubkey,
    index: u16,
    step: &PlanStep,
    fee_mint: Pubkey,
    now: i64,
) -> OpenRfpArgs {
    let mut args = rfp_args(*plan, index, fee_mint, now, 60);
    args.capability = step.capability;
    args.guards.max_slippage_bps = step.guards.max_slippage_bps;
    args.guards.oracle_max_age_secs = step.guards.oracle_max_age_secs;
    args.guards.fee_cap_bps = step.guards.fee_cap_bps;
    args
}
