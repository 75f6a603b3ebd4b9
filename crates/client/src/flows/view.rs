//! [`PlanView`]: everything about one plan an owner, a keeper or a page needs — the plan, each
//! step's RFP, offers and award, the fee budget and its grants, and the chain's clock — read in
//! three batched requests plus one offer scan (none when offers are not asked for).
use anchor_lang::{prelude::Pubkey, solana_program::clock::Clock, Discriminator};
use escrow::state::{Budget, Grant};
use market::state::{Award, Offer, Rfp, RfpStatus};
use runner::state::Plan;

use crate::{
    accounts::decode, chain::Chain, deployment::Deployment, ix::escrow::BudgetRef, pda,
    ClientError, ClientResult,
};

/// One step of a plan, as the market sees it.
#[derive(Clone, Debug)]
pub struct StepView {
    pub index: u16,
    /// The step's RFP address (requested by the plan's planner).
    pub rfp_key: Pubkey,
    /// None until the planner opens it.
    pub rfp: Option<Rfp>,
    /// The live offer accounts on the RFP (empty unless loaded with offers).
    pub offers: Vec<(Pubkey, Offer)>,
}

impl StepView {
    /// The award, once the RFP is awarded.
    pub fn award(&self) -> Option<Award> {
        match self.rfp.as_ref()?.status {
            RfpStatus::Awarded(award) => Some(award),
            _ => None,
        }
    }
}

/// The plan's fee budget (the budget id is the plan key) and its grants still open.
#[derive(Clone, Debug)]
pub struct BudgetView {
    pub budget_ref: BudgetRef,
    pub budget: Budget,
    /// (address, grant) of every grant of the budget whose account still exists.
    pub grants: Vec<(Pubkey, Grant)>,
}

/// A plan and everything around it, at one moment of the chain.
#[derive(Clone, Debug)]
pub struct PlanView {
    pub key: Pubkey,
    pub plan: Plan,
    /// The chain's clock when read.
    pub clock: Clock,
    pub steps: Vec<StepView>,
    /// None before the owner approves (and after settlement closes it).
    pub budget: Option<BudgetView>,
}

/// Whether [`PlanView::load`] also scans the market for offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Offers {
    Skip,
    Load,
}

fn decode_opt<T: anchor_lang::AccountDeserialize>(
    key: &Pubkey,
    account: Option<&solana_account::Account>,
) -> ClientResult<Option<T>> {
    account.map(|a| decode(key, &a.data)).transpose()
}

impl PlanView {
    /// Reads the plan at `key`, its RFPs, the fee budget of `deployment`'s fee token and the
    /// budget's grants; with [`Offers::Load`] also every live offer on its RFPs.
    ///
    /// # Errors
    /// [`ClientError::AccountNotFound`] when there is no plan at `key`.
    pub async fn load<C: Chain>(
        chain: &C,
        deployment: &Deployment,
        key: &Pubkey,
        offers: Offers,
    ) -> ClientResult<Self> {
        let clock_id = solana_sdk_ids::sysvar::clock::ID;
        let first = chain.accounts(&[*key, clock_id]).await?;
        let plan_account = first[0]
            .as_ref()
            .ok_or(ClientError::AccountNotFound(*key))?;
        let plan: Plan = decode(key, &plan_account.data)?;
        let clock: Clock = first[1]
            .as_ref()
            .and_then(|a| bincode::deserialize(&a.data).ok())
            .ok_or(ClientError::AccountNotFound(clock_id))?;
        let fee = deployment.token(&deployment.fee_token)?;
        let budget_ref = BudgetRef::new(
            &plan.owner,
            &key.to_bytes(),
            fee.mint,
            anchor_spl::token::ID,
        );
        let rfp_keys: Vec<Pubkey> = (0..plan.steps.len() as u16)
            .map(|step| pda::rfp(&plan.planner, key, step).0)
            .collect();
        let mut second = rfp_keys.clone();
        second.push(budget_ref.budget);
        let read = chain.accounts(&second).await?;
        let mut steps = Vec::new();
        for (index, (rfp_key, account)) in rfp_keys.iter().zip(&read).enumerate() {
            steps.push(StepView {
                index: index as u16,
                rfp_key: *rfp_key,
                rfp: decode_opt(rfp_key, account.as_ref())?,
                offers: Vec::new(),
            });
        }
        let budget = match decode_opt::<Budget>(&budget_ref.budget, read[rfp_keys.len()].as_ref())?
        {
            Some(budget) => Some(BudgetView {
                grants: read_grants(chain, &budget_ref.budget, &budget).await?,
                budget_ref,
                budget,
            }),
            None => None,
        };
        let mut view = Self {
            key: *key,
            plan,
            clock,
            steps,
            budget,
        };
        if offers == Offers::Load {
            view.load_offers(chain).await?;
        }
        Ok(view)
    }

    /// Fills every step's offers: per step, the offer accounts whose data starts with the
    /// `Offer` discriminator and the step's RFP key (`Offer.rfp` is the first field), so a
    /// plan's view reads its own offers, not every offer on the market.
    async fn load_offers<C: Chain>(&mut self, chain: &C) -> ClientResult<()> {
        for step in &mut self.steps {
            let prefix = [Offer::DISCRIMINATOR, step.rfp_key.as_ref()].concat();
            for (key, account) in chain.program_accounts(&market::ID, &prefix).await? {
                let offer: Offer = decode(&key, &account.data)?;
                step.offers.push((key, offer));
            }
            step.offers.sort_by_key(|(key, offer)| (offer.price, *key));
        }
        Ok(())
    }

    /// Unix seconds of the chain when read.
    pub fn now(&self) -> i64 {
        self.clock.unix_timestamp
    }

    /// Refuses, naming the owner, unless `owner` owns the plan (only the owner signs its
    /// approval, cancellation and close-out).
    pub fn require_owner(&self, owner: &Pubkey) -> ClientResult<()> {
        if self.plan.owner == *owner {
            return Ok(());
        }
        Err(ClientError::Build(format!(
            "plan {} belongs to {}, not to {owner}",
            self.key, self.plan.owner
        )))
    }

    /// Every step awarded.
    pub fn fully_awarded(&self) -> bool {
        self.steps.iter().all(|s| s.award().is_some())
    }
}

/// The grants of `budget` that still exist, in index order (one batched read).
async fn read_grants<C: Chain>(
    chain: &C,
    budget_key: &Pubkey,
    budget: &Budget,
) -> ClientResult<Vec<(Pubkey, Grant)>> {
    let keys: Vec<Pubkey> = (0..budget.grant_count)
        .map(|k| pda::grant(budget_key, budget.grant_base + k).0)
        .collect();
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let mut grants = Vec::new();
    for (key, account) in keys.iter().zip(chain.accounts(&keys).await?) {
        if let Some(grant) = decode_opt::<Grant>(key, account.as_ref())? {
            grants.push((*key, grant));
        }
    }
    Ok(grants)
}

/// Every plan of `owner` still open on-chain, newest first: one scan of the runner's plans
/// whose data starts with the `Plan` discriminator and `owner` (its first field).
pub async fn plans_of<C: Chain>(chain: &C, owner: &Pubkey) -> ClientResult<Vec<(Pubkey, Plan)>> {
    let prefix = [Plan::DISCRIMINATOR, owner.as_ref()].concat();
    let mut plans = Vec::new();
    for (key, account) in chain.program_accounts(&runner::ID, &prefix).await? {
        plans.push((key, decode::<Plan>(&key, &account.data)?));
    }
    plans.sort_by_key(|(key, plan)| (std::cmp::Reverse(plan.plan_id), *key));
    Ok(plans)
}
