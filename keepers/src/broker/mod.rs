//! The broker a vendor runs: it watches open RFPs for its capabilities and bids within its
//! limits, then executes the steps it was awarded through the runner — only when the step's
//! guards would pass, if its strategy respects them — and keeps a signed receipt of each
//! execution.
pub mod http;
pub mod receipt_files;

use std::{
    collections::HashMap,
    path::PathBuf,
    time::{Duration, Instant},
};

use agent_registry::state::{Agent, AgentVersion};
use agentrunner_client::{
    chain::Chain,
    deployment::Deployment,
    flows::vendor::{self, Bid, Next},
    pda,
    receipts::file::ReceiptFile,
    send::{Journal, SendError, Sender},
    ClientResult,
};
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};
use futures_util::{stream, StreamExt};
use market::state::{Rfp, RfpStatus};
use runner::error::RunnerError;
use solana_keypair::Keypair;
use solana_message::AddressLookupTableAccount;
use solana_signer::Signer;

pub use agentrunner_client::flows::vendor::{quote, Quote, QuoteRefusal, OFFER_VALIDITY_SECS};
pub use agentrunner_client::flows::Strategy;

use crate::outcome::{classify, Outcome};

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
    /// Plans whose awarded steps it executes at once in a round (each plan's own steps still
    /// one after another, in step order).
    pub in_flight: usize,
}

/// [`Broker::in_flight`] unless set: enough to keep a 2-core machine's chain busy while
/// executions wait on reads, simulations and confirmations.
pub const DEFAULT_IN_FLIGHT: usize = 8;

/// One awarded step's turn in a round ([`Broker::execute_awarded`]).
#[derive(Debug)]
pub struct StepRun {
    pub plan: Pubkey,
    /// The RFP's step index.
    pub step: u16,
    pub result: Result<(Outcome, Option<Executed>), SendError>,
    /// From its first read to its outcome (landed, skipped or refused).
    pub took: Duration,
}

impl StepRun {
    /// Whether the execution landed.
    pub fn landed(&self) -> bool {
        matches!(self.result, Ok((Outcome::Done(_), _)))
    }

    /// The outcome in words.
    pub fn describe(&self) -> String {
        match &self.result {
            Ok((outcome, _)) => outcome.describe(),
            Err(e) => e.to_string(),
        }
    }
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
        mut sender: Sender<'a, C, Box<dyn Journal>>,
        vendor: Keypair,
        agent: Pubkey,
        deployment: &'a Deployment,
        strategy: Strategy,
    ) -> Self {
        // A broker that ignores guards does not check before it sends either.
        sender.policy.simulate_first &= strategy.respects_guards;
        Self {
            chain,
            sender,
            vendor,
            agent,
            deployment,
            strategy,
            receipts_dir: None,
            in_flight: DEFAULT_IN_FLIGHT,
        }
    }

    /// Executes up to `plans` plans' steps at once in a round (at least one).
    pub fn with_in_flight(mut self, plans: usize) -> Self {
        self.in_flight = plans.max(1);
        self
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
        vendor::rfps(self.chain).await
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
        let who = (&self.vendor.pubkey(), &self.agent);
        let ix = match vendor::bid(
            self.chain,
            self.deployment,
            (rfp_key, rfp),
            who,
            &self.strategy,
        )
        .await?
        {
            Bid::Offer(ix) => ix,
            Bid::Offered => return Ok(Outcome::AlreadyDone("offer already submitted".into())),
            Bid::Pass(why) => return Ok(Outcome::Skipped(why)),
        };
        let intent = format!("offer:{rfp_key}:{}", self.agent);
        let result = self
            .sender
            .send(&intent, &self.vendor, &[ix], &[], &[])
            .await;
        classify(result, &[], "offer")
    }

    /// Executes every step awarded to its agent that is ready now ([`Self::execute_awarded`]
    /// over the market's RFPs).
    pub async fn execute_all(&self) -> ClientResult<Vec<StepRun>> {
        let rfps = self.rfps().await?.into_iter().map(|(_, rfp)| rfp);
        Ok(self.execute_awarded(rfps).await)
    }

    /// Executes the steps of `rfps` awarded to its agent that are ready now: [`Self::in_flight`]
    /// plans at a time, each plan's steps in step order (a step may wait on the one before
    /// it). Results come in the order of `rfps`' plans.
    pub async fn execute_awarded(&self, rfps: impl IntoIterator<Item = Rfp>) -> Vec<StepRun> {
        let mut plans: Vec<Vec<Rfp>> = Vec::new();
        let mut index = HashMap::new();
        for rfp in rfps {
            if !matches!(rfp.status, RfpStatus::Awarded(award) if award.agent == self.agent) {
                continue;
            }
            let at = *index.entry(rfp.plan).or_insert_with(|| {
                plans.push(Vec::new());
                plans.len() - 1
            });
            plans[at].push(rfp);
        }
        let rounds = plans.into_iter().map(|mut steps| async move {
            steps.sort_by_key(|rfp| rfp.step);
            let mut runs = Vec::with_capacity(steps.len());
            for rfp in steps {
                let started = Instant::now();
                let result = self.execute(&rfp).await;
                runs.push(StepRun {
                    plan: rfp.plan,
                    step: rfp.step,
                    result,
                    took: started.elapsed(),
                });
            }
            runs
        });
        stream::iter(rounds)
            .buffered(self.in_flight.max(1))
            .flat_map(stream::iter)
            .collect()
            .await
    }

    /// Executes the awarded step of `rfp` once if it is ready (and, for a broker that respects
    /// guards, if they would pass).
    pub async fn execute(&self, rfp: &Rfp) -> Result<(Outcome, Option<Executed>), SendError> {
        let prepared = match self.next(rfp).await? {
            Next::Ready(prepared) => prepared,
            Next::Unfunded(report) => {
                let intent = format!("unfunded:{}:{}", rfp.plan, rfp.step);
                let result = self
                    .sender
                    .send(&intent, &self.vendor, &[report], &[], &self.tables())
                    .await;
                let done = [u32::from(RunnerError::StepFinished)];
                return Ok((classify(result, &done, "unfunded report")?, None));
            }
            Next::Wait(why) => return Ok((Outcome::Skipped(why), None)),
            Next::Finished(why) => return Ok((Outcome::AlreadyDone(why), None)),
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
        let not = |why: String| SendError::Client(agentrunner_client::ClientError::Build(why));
        match self.next(rfp).await? {
            Next::Ready(prepared) => Ok(prepared.ix),
            Next::Unfunded(_) => Err(not("the owner's input is gone".into())),
            Next::Wait(why) | Next::Finished(why) => Err(not(why)),
        }
    }

    /// What this broker does next about `rfp`'s step (`flows::vendor::next_execution`).
    pub async fn next(&self, rfp: &Rfp) -> ClientResult<Next> {
        let who = (&self.vendor.pubkey(), &self.agent);
        vendor::next_execution(self.chain, self.deployment, rfp, who, &self.strategy).await
    }
}

pub use agentrunner_client::errors::{anchor_error_code, anchor_error_text};
