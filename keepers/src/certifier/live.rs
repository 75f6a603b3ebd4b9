//! Stages C and D on the target cluster, where the vendor's agent runs for real: canary plans
//! the certifier pays for (small notionals, RFPs open to agents that passed B), the agent's
//! offer awarded by hand, approved, and watched. Only what lands is measured: whether the
//! agent bid, each execution and how long after it became due (the certifier's wall clock
//! while it polls the cluster), the executions it let lapse, and the receipts of every
//! execution. Every canary is settled afterwards (budget refunded, accounts closed).
use std::time::{Duration, Instant};

use agent_registry::state::Stage;
use agentrunner_client::{
    chain::Chain,
    deployment::Deployment,
    flows::{self, score_offers, OwnerWallet, PlanView, RfpPolicy, Scope},
    receipts::index::plan_receipts,
    send::{Journal, Sender},
};
use anchor_lang::prelude::Pubkey;
use market::state::RfpStatus;
use serde::Serialize;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// How long the certifier waits on the live cluster.
#[derive(Clone, Copy, Debug)]
pub struct LiveTiming {
    /// Seconds of chain time the canaries' RFPs take offers.
    pub bid_secs: i64,
    /// Wall time, after bidding closes, for the agent's offer to appear.
    pub bid_wait: Duration,
    /// Wall time an execution may take from becoming due before it counts as missed.
    pub execution_wait: Duration,
}

/// One canary plan and what the agent did with it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct CanaryReport {
    pub goal: String,
    pub plan: String,
    /// The agent offered on its RFP.
    pub offered: bool,
    pub due: u16,
    pub executed: u16,
    /// Executions it let pass `execution_wait` (the canary stops being watched at the first).
    pub missed: u16,
    /// Wall-clock milliseconds from becoming due to landing, per execution.
    pub latencies_ms: Vec<u32>,
    /// Realized slippage of each receipt, bps.
    pub slippage_bps: Vec<u16>,
    /// Budget refunded and accounts closed afterwards.
    pub settled: bool,
}

/// Runs `goals` as canary plans of `certifier` (owner and planner) on `chain` for `agent`.
pub async fn canaries<C: Chain, J: Journal>(
    chain: &C,
    sender: &Sender<'_, C, J>,
    certifier: &Keypair,
    deployment: &Deployment,
    agent: &Pubkey,
    goals: &[String],
    timing: LiveTiming,
) -> anyhow::Result<Vec<CanaryReport>> {
    let wallet = OwnerWallet::new(chain, sender, certifier, deployment);
    let policy = RfpPolicy {
        bid_secs: timing.bid_secs,
        min_stage: Stage::B,
        ..RfpPolicy::default()
    };
    let mut reports = Vec::new();
    let mut plans = Vec::new();
    for goal in goals {
        let key = certifier.pubkey();
        let draft = flows::draft(chain, deployment, goal, &key, &key).await?;
        let now = chain.clock().await?.unix_timestamp;
        let rfps = flows::checked_rfps(chain, deployment, &draft, &key, &policy, now).await?;
        let transactions = draft.transactions_with_rfps(&key, rfps)?;
        sender
            .send_all(
                &format!("canary:{}", draft.plan),
                certifier,
                &transactions,
                &[],
            )
            .await?;
        plans.push(draft.plan);
        reports.push(CanaryReport {
            goal: goal.clone(),
            plan: draft.plan.to_string(),
            ..CanaryReport::default()
        });
    }
    for (plan, report) in plans.iter().zip(&mut reports) {
        report.offered =
            award_agent(chain, sender, certifier, deployment, plan, agent, timing).await?;
        if report.offered {
            let approval = wallet.approval(plan, 86_400).await?;
            wallet.approve(&approval).await?;
        }
    }
    for (plan, report) in plans.iter().zip(&mut reports) {
        if report.offered {
            watch(chain, deployment, plan, timing.execution_wait, report).await?;
            let receipts = plan_receipts(chain, plan).await?;
            report.slippage_bps = receipts
                .iter()
                .map(|r| r.receipt.guards.realized_slippage_bps)
                .collect();
        }
        let settlement = wallet.settlement(plan, Scope::CloseOut).await?;
        report.settled = wallet.settle(&settlement).await.is_ok();
    }
    Ok(reports)
}

/// Waits for bidding on `plan`'s RFP to close and awards `agent`'s offer; false if it never
/// offered.
async fn award_agent<C: Chain, J: Journal>(
    chain: &C,
    sender: &Sender<'_, C, J>,
    certifier: &Keypair,
    deployment: &Deployment,
    plan: &Pubkey,
    agent: &Pubkey,
    timing: LiveTiming,
) -> anyhow::Result<bool> {
    let started = Instant::now();
    loop {
        let view = PlanView::load(chain, deployment, plan, flows::Offers::Load).await?;
        let step = &view.steps[0];
        let Some(rfp) = &step.rfp else {
            anyhow::bail!("canary {plan} has no RFP");
        };
        if let RfpStatus::Awarded(award) = rfp.status {
            return Ok(award.agent == *agent);
        }
        let closed = view.now() >= rfp.bid_deadline;
        let offer = step.offers.iter().any(|(_, o)| o.agent == *agent);
        if closed && offer {
            let scores = score_offers(chain, step, view.now()).await?;
            let Some(score) = scores.iter().find(|s| s.offer.agent == *agent) else {
                return Ok(false);
            };
            let ix = flows::award_offer(step, score, &certifier.pubkey());
            sender
                .send(&format!("canary-award:{plan}"), certifier, &[ix], &[], &[])
                .await?;
            return Ok(true);
        }
        if closed && started.elapsed() > timing.bid_wait {
            return Ok(false);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Watches `plan`'s step until every execution landed or one was missed.
async fn watch<C: Chain>(
    chain: &C,
    deployment: &Deployment,
    plan: &Pubkey,
    wait: Duration,
    report: &mut CanaryReport,
) -> anyhow::Result<()> {
    let view = PlanView::load(chain, deployment, plan, flows::Offers::Skip).await?;
    report.due = view.plan.steps[0].repeat;
    let mut due_since: Option<Instant> = None;
    loop {
        let view = PlanView::load(chain, deployment, plan, flows::Offers::Skip).await?;
        let step = &view.plan.steps[0];
        if step.executions > report.executed {
            let ms = due_since.map_or(0, |t| {
                u32::try_from(t.elapsed().as_millis()).unwrap_or(u32::MAX)
            });
            for _ in report.executed..step.executions {
                report.latencies_ms.push(ms);
            }
            report.executed = step.executions;
            due_since = None;
        }
        if report.executed >= report.due {
            return Ok(());
        }
        let next_due = match step.last_executed_at {
            0 => view.now(),
            last => last + i64::from(step.interval_secs),
        };
        if view.now() >= next_due {
            let since = *due_since.get_or_insert_with(Instant::now);
            if since.elapsed() > wait {
                report.missed = report.due - report.executed;
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
