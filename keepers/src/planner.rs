//! The planner: a goal in words becomes a PlanGraph (prices from the oracles, holdings from the
//! owner's accounts), the owner signs `create_plan`, and the planner opens one RFP per step,
//! awards each after bidding closes (`award_best` over every live offer), and drafts the
//! owner's one-signature approval.
use agent_registry::state::{Agent, Stage};
use agentrunner_client::{
    chain::Chain,
    deployment::Deployment,
    ix::{
        self,
        approval::{Approval, PlanMints, StepGrant},
        market::Bidder,
    },
    pda,
    plan::{plan_goal, PlanContext, PlanError, PlanGraph},
    send::{Journal, Landed, SendError, Sender},
    ClientError, ClientResult,
};
use anchor_lang::{prelude::Pubkey, AccountDeserialize, Discriminator};
use market::{
    constants::guard,
    instructions::OpenRfpArgs,
    state::{GuardRequirements, Offer, Rfp, RfpStatus},
};
use pyth_solana_receiver_sdk::price_update::PriceUpdateV2;
use runner::{
    instructions::CreatePlanArgs,
    state::{Plan, StepKind},
};
use solana_keypair::Keypair;
use solana_message::AddressLookupTableAccount;
use solana_signer::Signer;

use crate::outcome::{classify, Outcome};

/// How the planner puts steps out to bid.
#[derive(Clone, Copy, Debug)]
pub struct RfpPolicy {
    /// Seconds offers are accepted.
    pub bid_secs: i64,
    /// Lowest certification stage a bidder must hold.
    pub min_stage: Stage,
    /// Seconds after the last planned execution before the RFP lapses.
    pub margin_secs: i64,
}

impl Default for RfpPolicy {
    fn default() -> Self {
        Self {
            bid_secs: 60,
            min_stage: Stage::C,
            margin_secs: 86_400,
        }
    }
}

/// A plan ready for its owner's signature.
#[derive(Clone, Debug)]
pub struct Draft {
    pub graph: PlanGraph,
    pub args: CreatePlanArgs,
    /// The plan's address.
    pub plan: Pubkey,
}

impl Draft {
    /// The owner's `create_plan` for this draft.
    pub fn create_instruction(
        &self,
        owner: &Pubkey,
    ) -> anchor_lang::solana_program::instruction::Instruction {
        ix::runner::create_plan(owner, self.args.clone())
    }
}

/// What an owner's wallet sends: `create_plan` for `draft` (the owner signs and pays).
pub async fn owner_creates<C: Chain, J: Journal>(
    sender: &Sender<'_, C, J>,
    owner: &Keypair,
    draft: &Draft,
) -> Result<Landed, SendError> {
    let ix = draft.create_instruction(&owner.pubkey());
    sender
        .send(&format!("create:{}", draft.plan), owner, &[ix], &[], &[])
        .await
}

/// What an owner's wallet sends: the approval, one transaction (two for the largest plans),
/// in order.
pub async fn owner_approves<C: Chain, J: Journal>(
    sender: &Sender<'_, C, J>,
    owner: &Keypair,
    approval: &Approval,
    tables: &[AddressLookupTableAccount],
) -> Result<Vec<Landed>, SendError> {
    let mut landed = Vec::new();
    for (i, ixs) in approval.transactions(tables)?.iter().enumerate() {
        let intent = format!("approve:{}:{i}", approval.plan);
        landed.push(sender.send(&intent, owner, ixs, &[], tables).await?);
    }
    Ok(landed)
}

/// Why the planner could not draft a plan.
#[derive(Debug, thiserror::Error)]
pub enum PlannerError {
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(transparent)]
    Client(#[from] ClientError),
}

pub struct Planner<'a, C: Chain> {
    pub chain: &'a C,
    pub sender: Sender<'a, C, Box<dyn Journal>>,
    /// Opens the plans' RFPs and awards them (the plans' `planner`).
    pub planner: Keypair,
    pub deployment: &'a Deployment,
    pub policy: RfpPolicy,
}

/// Micro-USD per whole token from a Pyth account (for planning only; executions are judged by
/// the runner's checks).
fn micro_usd(data: &[u8]) -> Option<u64> {
    let update = PriceUpdateV2::try_deserialize(&mut &data[..]).ok()?;
    let message = update.price_message;
    let price = u128::try_from(message.price).ok()?;
    let exponent = message.exponent + 6;
    let value = if exponent >= 0 {
        price.checked_mul(10u128.checked_pow(exponent.unsigned_abs())?)?
    } else {
        price / 10u128.checked_pow(exponent.unsigned_abs())?
    };
    u64::try_from(value).ok()
}

impl<C: Chain> Planner<'_, C> {
    /// What the planner knows about `owner`: oracle prices and the owner's holdings.
    pub async fn context(&self, owner: &Pubkey) -> ClientResult<PlanContext> {
        let mut prices = Vec::new();
        let mut holdings = Vec::new();
        for token in &self.deployment.tokens {
            let account = self.chain.account(&token.price_account).await?;
            if let Some(price) = account.and_then(|a| micro_usd(&a.data)) {
                prices.push((token.symbol.clone(), price));
            }
            let held = pda::ata(owner, &token.mint, &anchor_spl::token::ID);
            holdings.push((token.symbol.clone(), self.chain.token_balance(&held).await?));
        }
        Ok(PlanContext {
            book: self.deployment.book(),
            prices,
            holdings,
            venues: vec![sim_venue::ID],
            fee_token: self.deployment.fee_token.clone(),
            hub: self.deployment.hub.clone(),
            default_interval_secs: 3_600,
        })
    }

    /// Plans `goal` for `owner` under the owner's next free plan id.
    pub async fn draft(&self, goal: &str, owner: &Pubkey) -> Result<Draft, PlannerError> {
        let context = self.context(owner).await?;
        let graph = plan_goal(goal, &context)?;
        let mut plan_id = 1;
        while self
            .chain
            .account(&pda::plan(owner, plan_id).0)
            .await?
            .is_some()
        {
            plan_id += 1;
        }
        let args = graph.create_args(plan_id, self.planner.pubkey(), &self.deployment.book())?;
        Ok(Draft {
            graph,
            plan: pda::plan(owner, plan_id).0,
            args,
        })
    }

    /// Opens the RFP of every step of `plan` (steps whose RFP exists are already done).
    pub async fn open_rfps(&self, plan_key: &Pubkey) -> Result<Vec<(u16, Outcome)>, SendError> {
        let plan: Plan = self.chain.fetch(plan_key).await?;
        let fee = self.deployment.token(&self.deployment.fee_token)?;
        let fee_price = self
            .chain
            .account(&fee.price_account)
            .await?
            .and_then(|a| micro_usd(&a.data))
            .unwrap_or(1_000_000)
            .max(1);
        let mut outcomes = Vec::new();
        for (index, step) in plan.steps.iter().enumerate() {
            let index = index as u16;
            let rfp = pda::rfp(&self.planner.pubkey(), plan_key, index).0;
            if self.chain.account(&rfp).await?.is_some() {
                outcomes.push((index, Outcome::AlreadyDone("RFP open".into())));
                continue;
            }
            // The most the owner pays per execution: its fee cap of the notional.
            let max_price = match self.notional(step).await? {
                Some(notional) => {
                    let usd = u128::from(notional) * u128::from(step.guards.fee_cap_bps) / 10_000;
                    let atoms = usd * 10u128.pow(u32::from(fee.decimals)) / u128::from(fee_price);
                    u64::try_from(atoms).unwrap_or(u64::MAX).max(1)
                }
                None => 10u64.pow(u32::from(fee.decimals)),
            };
            let span = i64::from(step.repeat.saturating_sub(1)) * i64::from(step.interval_secs);
            // Read per RFP: on a fast clock, time moves between transactions.
            let now = self.chain.clock().await?.unix_timestamp;
            let args = OpenRfpArgs {
                plan: *plan_key,
                step: index,
                capability: step.capability,
                mint: fee.mint,
                max_price,
                guards: GuardRequirements {
                    max_slippage_bps: step.guards.max_slippage_bps,
                    oracle_max_age_secs: step.guards.oracle_max_age_secs,
                    fee_cap_bps: step.guards.fee_cap_bps,
                    required: if step.kind == StepKind::Service {
                        guard::FEE_CAP
                    } else {
                        guard::ALL
                    },
                },
                min_stage: self.policy.min_stage,
                bid_deadline: now + self.policy.bid_secs,
                execution_deadline: now + self.policy.bid_secs + span + self.policy.margin_secs,
            };
            let ix = ix::market::open_rfp(&self.planner.pubkey(), args);
            let result = self
                .sender
                .send(
                    &format!("rfp:{plan_key}:{index}"),
                    &self.planner,
                    &[ix],
                    &[],
                    &[],
                )
                .await;
            outcomes.push((index, classify(result, &[], "open RFP")?));
        }
        Ok(outcomes)
    }

    /// The USD notional of one execution of `step`, micro-USD (None for Service steps).
    async fn notional(&self, step: &runner::state::PlanStep) -> ClientResult<Option<u64>> {
        if step.kind == StepKind::Service {
            return Ok(None);
        }
        let token = self.deployment.token_by_mint(&step.mint_in)?;
        let price = self
            .chain
            .account(&token.price_account)
            .await?
            .and_then(|a| micro_usd(&a.data));
        Ok(price.map(|p| {
            u64::try_from(
                u128::from(step.amount_in) * u128::from(p) / 10u128.pow(u32::from(token.decimals)),
            )
            .unwrap_or(u64::MAX)
        }))
    }

    /// The live offers on `rfp`, each with its bidder.
    pub async fn offers(&self, rfp: &Pubkey) -> ClientResult<Vec<(Pubkey, Offer)>> {
        let mut offers = Vec::new();
        for (key, account) in self
            .chain
            .program_accounts(&market::ID, Offer::DISCRIMINATOR)
            .await?
        {
            let offer: Offer = agentrunner_client::accounts::decode(&key, &account.data)?;
            if offer.rfp == *rfp {
                offers.push((key, offer));
            }
        }
        Ok(offers)
    }

    /// Awards every RFP of `plan` whose bidding closed: `award_best` over all its live offers
    /// (anyone may; this keeper's key pays).
    pub async fn award_all(&self, plan_key: &Pubkey) -> Result<Vec<(u16, Outcome)>, SendError> {
        let plan: Plan = self.chain.fetch(plan_key).await?;
        let now = self.chain.clock().await?.unix_timestamp;
        let mut outcomes = Vec::new();
        for index in 0..plan.steps.len() as u16 {
            let rfp_key = pda::rfp(&plan.planner, plan_key, index).0;
            let rfp: Rfp = self.chain.fetch(&rfp_key).await?;
            let outcome = match rfp.status {
                RfpStatus::Awarded(award) => {
                    Outcome::AlreadyDone(format!("awarded to {}", award.agent))
                }
                RfpStatus::Cancelled { .. } => Outcome::Skipped("cancelled".into()),
                RfpStatus::Open if now < rfp.bid_deadline => {
                    Outcome::Skipped("bidding still open".into())
                }
                RfpStatus::Open => {
                    let mut candidates = Vec::new();
                    for (offer_key, offer) in self.offers(&rfp_key).await? {
                        let agent: Agent = self.chain.fetch(&offer.agent).await?;
                        let version =
                            pda::agent_version(&offer.agent, agent.version_count.saturating_sub(1))
                                .0;
                        candidates.push((
                            offer_key,
                            Bidder {
                                agent: offer.agent,
                                version,
                            },
                        ));
                    }
                    if candidates.is_empty() {
                        Outcome::Skipped("no offers".into())
                    } else {
                        let ix =
                            ix::market::award_best(&rfp_key, &self.planner.pubkey(), &candidates);
                        let result = self
                            .sender
                            .send(&format!("award:{rfp_key}"), &self.planner, &[ix], &[], &[])
                            .await;
                        classify(
                            result,
                            &[u32::from(market::error::MarketError::RfpNotOpen)],
                            "award",
                        )?
                    }
                }
            };
            outcomes.push((index, outcome));
        }
        Ok(outcomes)
    }

    /// The owner's approval of `plan`: missing output accounts, a budget exactly covering the
    /// awarded prices of every execution, one grant per awarded step, and `approve_plan`. Fails
    /// if a step is not awarded yet.
    pub async fn approval(&self, plan_key: &Pubkey, lifetime_secs: i64) -> ClientResult<Approval> {
        let plan: Plan = self.chain.fetch(plan_key).await?;
        let now = self.chain.clock().await?.unix_timestamp;
        let fee = self.deployment.token(&self.deployment.fee_token)?;
        let mut grants = Vec::new();
        for (index, step) in plan.steps.iter().enumerate() {
            let rfp: Rfp = self
                .chain
                .fetch(&pda::rfp(&plan.planner, plan_key, index as u16).0)
                .await?;
            let RfpStatus::Awarded(award) = rfp.status else {
                return Err(ClientError::Build(format!(
                    "step {index} is not awarded yet"
                )));
            };
            grants.push(StepGrant {
                step: index as u8,
                award,
                vendor_token: pda::ata(&award.payout, &fee.mint, &anchor_spl::token::ID),
                executions: step.repeat,
            });
        }
        Ok(Approval {
            owner: plan.owner,
            plan: *plan_key,
            fee_mint: fee.mint,
            fee_token_program: anchor_spl::token::ID,
            owner_fee_token: pda::ata(&plan.owner, &fee.mint, &anchor_spl::token::ID),
            deposit: grants.iter().map(StepGrant::max_amount).sum(),
            not_before: now,
            expires_at: now + lifetime_secs,
            grants,
            mints: PlanMints::of(&plan),
            first_grant: agentrunner_client::accounts::next_grant_base(self.chain, &plan.owner)
                .await?,
        })
    }
}
