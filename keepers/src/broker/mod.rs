//! The broker a vendor runs: it watches open RFPs for its capabilities and bids within its
//! limits, then executes the steps it was awarded through the runner — only when the step's
//! guards would pass, if its strategy respects them — and keeps a signed receipt of each
//! execution.
pub mod http;
pub mod quote;
pub mod receipt_files;

use std::path::PathBuf;

use agent_registry::state::{Agent, AgentVersion};
use agentrunner_client::{
    chain::Chain,
    deployment::Deployment,
    ix::{
        self,
        escrow::BudgetRef,
        market::Bidder,
        runner::{LiquidityLeg, StepRef, SwapLeg, VenueCall},
    },
    pda,
    receipts::{
        file::{ReceiptFile, VendorQuote},
        shards,
    },
    send::{Journal, SendError, Sender},
    ClientResult,
};
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction, Discriminator};
use escrow::state::Grant;
use market::{
    instructions::OfferTerms,
    state::{Rfp, RfpStatus},
};
use runner::{
    error::RunnerError,
    state::{Plan, PlanStep, StepKind},
};
use sim_venue::instructions::SwapArgs;
use solana_keypair::Keypair;
use solana_message::AddressLookupTableAccount;
use solana_signer::Signer;

pub use agentrunner_client::flows::Strategy;
pub use quote::{Quote, QuoteRefusal};

use crate::outcome::{classify, Outcome};

/// Seconds an offer stays valid.
pub const OFFER_VALIDITY_SECS: i64 = 86_400;

/// A vendor's broker.
pub struct Broker<'a, C: Chain> {
    pub chain: &'a C,
    pub sender: Sender<'a, C, Box<dyn Journal>>,
    /// The vendor: owner of the agent, signs offers and executions, pays their fees.
    pub vendor: Keypair,
    pub agent: Pubkey,
    pub deployment: &'a Deployment,
    pub strategy: Strategy,
    /// Where signed receipt JSON files go (none: not written).
    pub receipts_dir: Option<PathBuf>,
}

/// An execution ready to send.
pub struct Prepared {
    pub ix: Instruction,
    /// The journal intent: `execute:<plan>:<step>:<execution>`.
    pub intent: String,
    pub quote: Option<VendorQuote>,
    pub step: u8,
    pub execution: u16,
}

/// Whether to execute now.
pub enum Preparation {
    Ready(Prepared),
    /// The owner took the step's input away: `report_unfunded_step`, so the step stops without
    /// counting as this vendor's failure.
    Unfunded(Instruction),
    NotNow(Outcome),
}

/// An execution that landed, with its receipt.
#[derive(Clone, Debug)]
pub struct Executed {
    pub plan: Pubkey,
    pub step: u8,
    /// The receipt file it wrote: the receipt where it landed, signed by the vendor (no proof
    /// yet: `agentrunner verify` completes it).
    pub receipt: Option<ReceiptFile>,
    pub outcome_signature: solana_signature::Signature,
}

impl<'a, C: Chain> Broker<'a, C> {
    /// A broker for `agent` run by `vendor` with `strategy`, writing no receipt files.
    pub fn new(
        chain: &'a C,
        sender: Sender<'a, C, Box<dyn Journal>>,
        vendor: Keypair,
        agent: Pubkey,
        deployment: &'a Deployment,
        strategy: Strategy,
    ) -> Self {
        Self {
            chain,
            sender,
            vendor,
            agent,
            deployment,
            strategy,
            receipts_dir: None,
        }
    }

    /// Writes each signed receipt as a JSON file into `dir`.
    pub fn with_receipts_dir(mut self, dir: PathBuf) -> Self {
        self.receipts_dir = Some(dir);
        self
    }

    fn tables(&self) -> Vec<AddressLookupTableAccount> {
        self.deployment.tables()
    }

    /// The agent and its current version.
    pub async fn identity(&self) -> ClientResult<(Agent, Pubkey, AgentVersion)> {
        let agent: Agent = self.chain.fetch(&self.agent).await?;
        let version_key = pda::agent_version(&self.agent, agent.version_count.saturating_sub(1)).0;
        let version: AgentVersion = self.chain.fetch(&version_key).await?;
        Ok((agent, version_key, version))
    }

    /// Every RFP of the market, decoded.
    pub async fn rfps(&self) -> ClientResult<Vec<(Pubkey, Rfp)>> {
        self.chain
            .program_accounts(&market::ID, Rfp::DISCRIMINATOR)
            .await?
            .into_iter()
            .map(|(key, account)| {
                Ok((
                    key,
                    agentrunner_client::accounts::decode(&key, &account.data)?,
                ))
            })
            .collect()
    }

    /// Bids on every open RFP it is eligible for, at its price, within its limits.
    pub async fn bid_all(&self) -> ClientResult<Vec<(Pubkey, Result<Outcome, SendError>)>> {
        let mut results = Vec::new();
        for (key, rfp) in self.rfps().await? {
            if rfp.status == RfpStatus::Open {
                results.push((key, self.bid(&key, &rfp).await));
            }
        }
        Ok(results)
    }

    /// Bids on one RFP, or says why not.
    pub async fn bid(&self, rfp_key: &Pubkey, rfp: &Rfp) -> Result<Outcome, SendError> {
        let now = self.chain.clock().await?.unix_timestamp;
        let offer = pda::offer(rfp_key, &self.agent).0;
        if self.chain.account(&offer).await?.is_some() {
            return Ok(Outcome::AlreadyDone("offer already submitted".into()));
        }
        if now >= rfp.bid_deadline {
            return Ok(Outcome::Skipped("bidding closed".into()));
        }
        let (agent, version_key, version) = self.identity().await?;
        if let Err(e) = agent_registry::require_certified(
            &self.agent,
            &agent,
            &version,
            rfp.capability,
            rfp.min_stage,
            now,
        ) {
            return Ok(Outcome::Skipped(format!(
                "not eligible: {}",
                anchor_error_text(&e)
            )));
        }
        if self.strategy.price > rfp.max_price {
            return Ok(Outcome::Skipped(format!(
                "price {} above the RFP's maximum {}",
                self.strategy.price, rfp.max_price
            )));
        }
        if let Some(notional) = self.step_notional(&rfp.plan, rfp.step).await? {
            if notional > self.strategy.max_notional_usd {
                return Ok(Outcome::Skipped(format!(
                    "notional ${} above its limit ${}",
                    notional / 1_000_000,
                    self.strategy.max_notional_usd / 1_000_000
                )));
            }
        }
        let ix = ix::market::submit_offer(
            rfp_key,
            Bidder {
                agent: self.agent,
                version: version_key,
            },
            &self.vendor.pubkey(),
            OfferTerms {
                price: self.strategy.price,
                eta_ms: self.strategy.eta_ms,
                success_rate_bps: self.strategy.success_rate_bps,
                guard_compat: if self.strategy.respects_guards {
                    market::constants::guard::ALL
                } else {
                    market::constants::guard::ALLOWLIST
                },
                expires_at: now + OFFER_VALIDITY_SECS,
            },
        );
        let intent = format!("offer:{rfp_key}:{}", self.agent);
        let result = self
            .sender
            .send(&intent, &self.vendor, &[ix], &[], &[])
            .await;
        classify(result, &[], "offer")
    }

    /// The USD notional of one execution of a plan's step (None for Service steps or plans it
    /// cannot read).
    async fn step_notional(&self, plan: &Pubkey, step: u16) -> ClientResult<Option<u64>> {
        let Ok(plan) = self.chain.fetch::<Plan>(plan).await else {
            return Ok(None);
        };
        let Some(step) = plan.steps.get(usize::from(step)) else {
            return Ok(None);
        };
        let Ok(token) = self.deployment.token_by_mint(&step.mint_in) else {
            return Ok(None);
        };
        let Some(account) = self.chain.account(&token.price_account).await? else {
            return Ok(None);
        };
        let Ok(update) = runner::oracle::pyth_price(&account.data) else {
            return Ok(None);
        };
        Ok(runner::math::usd_micro(step.amount_in, update, token.decimals).ok())
    }

    /// Executes every step awarded to its agent that is ready now.
    pub async fn execute_all(
        &self,
    ) -> ClientResult<Vec<(Pubkey, u16, Result<Outcome, SendError>)>> {
        let mut results = Vec::new();
        for (_, rfp) in self.rfps().await? {
            if matches!(rfp.status, RfpStatus::Awarded(award) if award.agent == self.agent) {
                results.push((rfp.plan, rfp.step, self.execute(&rfp).await.map(|(o, _)| o)));
            }
        }
        Ok(results)
    }

    /// Executes the awarded step of `rfp` once if it is ready (and, for a broker that respects
    /// guards, if they would pass).
    pub async fn execute(&self, rfp: &Rfp) -> Result<(Outcome, Option<Executed>), SendError> {
        let prepared = match self.prepare(rfp).await? {
            Preparation::Ready(prepared) => prepared,
            Preparation::Unfunded(report) => {
                let intent = format!("unfunded:{}:{}", rfp.plan, rfp.step);
                let result = self
                    .sender
                    .send(&intent, &self.vendor, &[report], &[], &self.tables())
                    .await;
                let done = [u32::from(RunnerError::StepFinished)];
                return Ok((classify(result, &done, "unfunded report")?, None));
            }
            Preparation::NotNow(outcome) => return Ok((outcome, None)),
        };
        // Write-ahead: what a restart needs to finish the signed receipt (see `receipt_files`).
        let name = receipt_files::file_name(&rfp.plan, prepared.step, prepared.execution);
        let pending = self.write_pending(&name, &prepared.intent, prepared.quote.clone());
        let result = self
            .sender
            .send(
                &prepared.intent,
                &self.vendor,
                &[prepared.ix],
                &[],
                &self.tables(),
            )
            .await;
        let outcome = classify(result, &[u32::from(RunnerError::StepFinished)], "execution")?;
        let Outcome::Done(landed) = &outcome else {
            self.settle_pending(&name, &pending).await?;
            return Ok((outcome, None));
        };
        // The landed transaction may be one a previous run signed on an earlier quote: the
        // receipt names the quote it committed to.
        let receipt = self
            .signed_receipt(&landed.signature, &pending.quotes)
            .await?;
        self.write_receipt(&name, receipt.as_ref());
        let executed = Executed {
            plan: rfp.plan,
            step: prepared.step,
            receipt,
            outcome_signature: landed.signature,
        };
        Ok((outcome, Some(executed)))
    }

    /// The execution instruction for `rfp`'s step as this broker would send it now, or why it
    /// would not.
    pub async fn execution_instruction(&self, rfp: &Rfp) -> Result<Instruction, SendError> {
        match self.prepare(rfp).await? {
            Preparation::Ready(prepared) => Ok(prepared.ix),
            Preparation::Unfunded(_) => Err(SendError::Client(
                agentrunner_client::ClientError::Build("the owner's input is gone".into()),
            )),
            Preparation::NotNow(outcome) => Err(SendError::Client(
                agentrunner_client::ClientError::Build(outcome.describe()),
            )),
        }
    }

    /// Decides whether to execute `rfp`'s step now and builds the instruction.
    pub async fn prepare(&self, rfp: &Rfp) -> Result<Preparation, SendError> {
        let RfpStatus::Awarded(award) = rfp.status else {
            return Ok(Preparation::NotNow(Outcome::Skipped("not awarded".into())));
        };
        if award.agent != self.agent {
            return Ok(Preparation::NotNow(Outcome::Skipped(
                "awarded to another agent".into(),
            )));
        }
        let plan: Plan = self.chain.fetch(&rfp.plan).await?;
        let index = u8::try_from(rfp.step).unwrap_or(u8::MAX);
        let now = self.chain.clock().await?.unix_timestamp;
        let step = match plan.require_ready(index, now) {
            Ok(step) => step,
            Err(e) => {
                let code = anchor_error_code(&e);
                let finished = code == Some(u32::from(RunnerError::StepFinished));
                let reason = format!("step {index}: {}", anchor_error_text(&e));
                return Ok(Preparation::NotNow(if finished {
                    Outcome::AlreadyDone(reason)
                } else {
                    Outcome::Skipped(reason)
                }));
            }
        };
        if !self.input_funded(&plan, &step).await? {
            return Ok(Preparation::Unfunded(ix::runner::report_unfunded_step(
                &rfp.plan,
                &plan,
                index,
                &self.vendor.pubkey(),
            )));
        }
        let budget = BudgetRef::new(
            &plan.owner,
            &rfp.plan.to_bytes(),
            rfp.mint,
            anchor_spl::token::ID,
        );
        let Some(grant) = self.grant_for(&rfp.plan, rfp.step, &budget.budget).await? else {
            return Ok(Preparation::NotNow(Outcome::Skipped(
                "no grant pays this step yet".into(),
            )));
        };
        let (shard, _) = self.deployment.shard_of(&rfp.plan);
        let (receipts, _) = shards::newest(self.chain, shard).await?;
        let agent: Agent = self.chain.fetch(&self.agent).await?;
        let step_ref = StepRef {
            plan: rfp.plan,
            planner: rfp.requester,
            step: index,
            vendor: self.vendor.pubkey(),
            agent: self.agent,
            agent_version: pda::agent_version(&self.agent, agent.version_count.saturating_sub(1)).0,
            budget,
            grant,
            vendor_token: pda::ata(&award.payout, &rfp.mint, &anchor_spl::token::ID),
            owner: plan.owner,
            receipts,
        };
        let quoted = quote::quote(
            self.chain,
            self.deployment,
            &plan,
            &step,
            &rfp.mint,
            award.price,
        )
        .await;
        let quote = match quoted {
            Ok(quote) => Some(quote),
            Err(refusal) if self.strategy.respects_guards => {
                return Ok(Preparation::NotNow(Outcome::Skipped(format!(
                    "guards would refuse: {refusal}"
                ))));
            }
            Err(_) => None,
        };
        let vendor_quote = quote.map(|q| VendorQuote {
            plan: rfp.plan.to_string(),
            step: index,
            execution: step.executions,
            expected_out: q.expected_out,
            min_out: q.min_out,
            pool_out: q.pool_out,
            oracle_price: q.price_in,
            oracle_publish_time: q.publish_time,
        });
        let venue_min_out = match quote {
            Some(q) => q.min_out.max(
                q.pool_out - q.pool_out * u64::from(self.strategy.venue_tolerance_bps) / 10_000,
            ),
            // Without a quote it trusts the pool's spot price.
            None => 0,
        };
        let quote_hash = vendor_quote.as_ref().map_or([0; 32], VendorQuote::hash);
        let no_pool =
            || agentrunner_client::ClientError::Build("no pool for the step's pair".into());
        let ix = if step.kind.is_liquidity() {
            let lp = if step.kind == StepKind::AddLiquidity {
                step.mint_out
            } else {
                step.mint_in
            };
            let (_, pool) = self.deployment.pool_of_lp(&lp).ok_or_else(no_pool)?;
            let venue = LiquidityLeg::sim_venue_call(&plan, &step, &pool, venue_min_out);
            let leg = LiquidityLeg::for_step(&plan, &step, &pool, &rfp.mint, venue)?;
            ix::runner::execute_liquidity_step(&step_ref, &leg, quote_hash)
        } else {
            let pool = self
                .deployment
                .pool(&step.mint_in, &step.mint_out)
                .ok_or_else(no_pool)?;
            let leg = SwapLeg::for_step(
                &plan,
                &step,
                &rfp.mint,
                VenueCall::sim_venue_swap(
                    &pool,
                    &plan.owner,
                    &step.mint_in,
                    &ix::runner::owner_account(&plan.owner, &step.mint_out),
                    SwapArgs {
                        amount_in: step.amount_in,
                        min_out: venue_min_out,
                    },
                ),
            )?;
            ix::runner::execute_swap_step(&step_ref, &leg, quote_hash)
        };
        Ok(Preparation::Ready(Prepared {
            ix,
            intent: format!("execute:{}:{index}:{}", rfp.plan, step.executions),
            quote: vendor_quote,
            step: index,
            execution: step.executions,
        }))
    }

    /// Whether the owner's account holds and delegates what one execution of `step` sells
    /// (always, for a Service step).
    async fn input_funded(&self, plan: &Plan, step: &PlanStep) -> ClientResult<bool> {
        if step.kind == StepKind::Service {
            return Ok(true);
        }
        let address = ix::runner::owner_account(&plan.owner, &step.mint_in);
        let Some(account) = self.chain.account(&address).await? else {
            return Ok(false);
        };
        let held: anchor_spl::token::TokenAccount =
            agentrunner_client::accounts::decode(&address, &account.data)?;
        let delegated = held.delegate.contains(&pda::owner_delegate(&plan.owner).0);
        Ok(held.amount >= step.amount_in && delegated && held.delegated_amount >= step.amount_in)
    }

    /// The grant of `budget` that pays (plan, step): the budget's own grants, whose addresses
    /// follow from its grant base and count (two reads, however many grants exist elsewhere).
    async fn grant_for(
        &self,
        plan: &Pubkey,
        step: u16,
        budget: &Pubkey,
    ) -> ClientResult<Option<Pubkey>> {
        let Some(account) = self.chain.account(budget).await? else {
            return Ok(None);
        };
        let budget_state: escrow::state::Budget =
            agentrunner_client::accounts::decode(budget, &account.data)?;
        let keys: Vec<Pubkey> = (0..budget_state.grant_count)
            .map(|k| pda::grant(budget, budget_state.grant_base + k).0)
            .collect();
        for (key, account) in keys.iter().zip(self.chain.accounts(&keys).await?) {
            let Some(account) = account else { continue };
            let grant: Grant = agentrunner_client::accounts::decode(key, &account.data)?;
            if grant.plan == *plan && grant.step == step {
                return Ok(Some(*key));
            }
        }
        Ok(None)
    }
}

pub use agentrunner_client::errors::{anchor_error_code, anchor_error_text};
