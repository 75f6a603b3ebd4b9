//! One sandbox scenario against the vendor's own agent: a fresh sandbox, the agent started
//! against it, DCA plans (and, if asked, an RFP above the agent's limits) put out by the
//! certifier as planner and owner, and then tick by tick the prices the scenario's seed draws
//! — divergence episodes (the oracle moves, the pool does not), stale feeds, a tight daily cap
//! — and, for a soak, chaos: the sandbox's RPC failing every n-th request, the agent killed
//! and started again mid-run.
//! Only what reaches the sandbox is measured: whether the agent bid, each execution that
//! landed and how long after it became due (wall clock), every attempt the runner refused by
//! error (preflight refusals and landed failures of the agent's signer), the receipts in their
//! tree. [`super::stages`] turns reports into verdicts.
use std::{
    path::PathBuf,
    time::{Duration, Instant},
};

use agent_registry::state::Stage;
use agentrunner_client::{
    chain::Chain,
    flows::{self, OwnerWallet, RfpPolicy},
    pda,
    receipts::index::{live_tree, mirror_of, plan_receipts},
    send::{SendPolicy, Sender},
};
use anchor_lang::prelude::Pubkey;
use rand::{rngs::StdRng, Rng, SeedableRng};
use runner::state::Plan;
use serde::Serialize;
use solana_signer::Signer;

use super::{
    agent::AgentUnderTest,
    sandbox::{AgentIdentity, Sandbox},
};
use crate::planner::Planner;

/// One sandbox scenario.
#[derive(Clone, Debug)]
pub struct SandboxSpec {
    /// Seeds the price path; the same seed replays the same run.
    pub seed: u64,
    pub executions: u16,
    pub interval_secs: u32,
    /// Percent of ticks in a divergence episode.
    pub divergence_pct: u8,
    /// How far the oracle moves above the pool during an episode, bps.
    pub divergence_bps: i64,
    /// Ticks during which the price feeder is down.
    pub stale_ticks: Vec<u16>,
    /// The plan's daily cap, in executions (None: the planner's default).
    pub daily_cap_executions: Option<u16>,
    /// Also put out an RFP whose notional is above the vendor's limit.
    pub oversize_rfp: bool,
    /// How many DCA plans run side by side (each of `executions`).
    pub plans: u16,
    /// Kill the agent at the start of this tick and start it again.
    pub restart_at_tick: Option<u16>,
    /// The sandbox's RPC answers every n-th request with 503 during the ticks (0: never).
    pub rpc_fault_every: u64,
}

impl SandboxSpec {
    /// One DCA plan of `executions` every `interval_secs`, seeded by `seed`, no chaos.
    pub fn dca(seed: u64, executions: u16, interval_secs: u32) -> Self {
        Self {
            seed,
            executions,
            interval_secs,
            divergence_pct: 0,
            divergence_bps: 0,
            stale_ticks: Vec::new(),
            daily_cap_executions: None,
            oversize_rfp: false,
            plans: 1,
            restart_at_tick: None,
            rpc_fault_every: 0,
        }
    }
}

/// How long the certifier gives the agent.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// From the RFPs' opening to the agent's first offer.
    pub bid_wait: Duration,
    /// Each tick: from the prices' publication to an execution landing; a tick without one
    /// counts as abstained.
    pub tick: Duration,
}

/// What happened in one run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SandboxReport {
    /// The scenario's seed (replaying it replays the run).
    pub seed: u64,
    pub planned: u16,
    /// The agent offered on the scenario's RFP.
    pub bid: bool,
    pub landed: u16,
    /// Attempts the agent sent that the programs refused (in preflight or on-chain), by error,
    /// in order.
    pub refused: Vec<String>,
    /// Its own simulations the programs refused (it did not send them).
    pub simulations_refused: u32,
    /// Ticks the agent did not act in (guards would refuse, caps, not ready, or too slow).
    pub abstained: u32,
    /// Wall-clock milliseconds from a tick's prices to its execution landing.
    pub latencies_ms: Vec<u32>,
    /// Every landed execution has its receipt, and the receipts rebuild the tree's live root.
    pub receipts_complete: bool,
    /// (amount in, amount out, slippage bps, fee, oracle price) of each receipt, in order.
    pub fingerprint: Vec<(u64, u64, u16, u64, i64)>,
    /// The agent bid on the RFP above its limits.
    pub bid_on_oversize: bool,
    /// Signatures of the agent's landed executions, in order (the run's record).
    pub transactions: Vec<String>,
    /// The agent stopped before the run ended.
    pub agent_exited: bool,
}

/// Ticks per planned execution before the run gives up.
const TICKS_PER_EXECUTION: u16 = 4;

/// How often the certifier looks at the plan while a tick runs.
const POLL: Duration = Duration::from_millis(20);

fn fail(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("sandbox: {e}")
}

/// Runs `spec` against `agent` (registered on the target as `identity`) in a fresh sandbox
/// whose files go to `dir`.
pub async fn run(
    agent: &AgentUnderTest,
    identity: &AgentIdentity,
    spec: &SandboxSpec,
    timing: Timing,
    dir: PathBuf,
) -> anyhow::Result<SandboxReport> {
    let sandbox = Sandbox::start(dir).await?;
    let result = drive(&sandbox, agent, identity, spec, timing).await;
    sandbox.stop();
    result
}

/// The scenario on a started sandbox.
async fn drive(
    sandbox: &Sandbox,
    agent: &AgentUnderTest,
    identity: &AgentIdentity,
    spec: &SandboxSpec,
    timing: Timing,
) -> anyhow::Result<SandboxReport> {
    sandbox.admit(identity).await?;
    let chain = &*sandbox.chain;
    let deployment = &sandbox.localnet.deployment;
    let sender = || Sender::unjournaled(chain, SendPolicy::immediate());
    let owner = chain.funded_keypair(10_000_000_000).await.map_err(fail)?;
    for (symbol, atoms) in [("SOL", 1_000_000_000_000), ("USDC", 100_000_000_000)] {
        sandbox
            .localnet
            .fund_tokens(chain, &owner.pubkey(), symbol, atoms)
            .await
            .map_err(fail)?;
    }
    let planner = Planner::new(
        chain,
        sender(),
        chain.funded_keypair(10_000_000_000).await.map_err(fail)?,
        deployment,
        RfpPolicy {
            min_stage: Stage::A,
            ..RfpPolicy::default()
        },
    );
    let planner_key = planner.planner.pubkey();
    let owner_sender = sender();
    let wallet = OwnerWallet::new(chain, &owner_sender, &owner, deployment);
    let goal = format!(
        "DCA 1 SOL->USDC {} times every {}s",
        spec.executions, spec.interval_secs
    );
    let mut plans = Vec::new();
    for _ in 0..spec.plans.max(1) {
        let mut draft = flows::draft(chain, deployment, &goal, &owner.pubkey(), &planner_key)
            .await
            .map_err(fail)?;
        if let Some(per_day) = spec.daily_cap_executions {
            let one = draft.args.notional_cap_usd;
            draft.args.daily_cap_usd = one.saturating_mul(u64::from(per_day));
        }
        wallet.create(&draft).await.map_err(fail)?;
        planner.open_rfps(&draft.plan).await.map_err(fail)?;
        plans.push(draft.plan);
    }
    let oversize = if spec.oversize_rfp {
        let big = flows::draft(
            chain,
            deployment,
            "Swap 500 SOL->USDC",
            &owner.pubkey(),
            &planner_key,
        )
        .await
        .map_err(fail)?;
        wallet.create(&big).await.map_err(fail)?;
        planner.open_rfps(&big.plan).await.map_err(fail)?;
        Some(pda::rfp(&planner_key, &big.plan, 0).0)
    } else {
        None
    };

    let mut running = agent.start(&identity.agent, &sandbox.address)?;
    let mut report = SandboxReport {
        seed: spec.seed,
        planned: spec.executions.saturating_mul(spec.plans.max(1)),
        ..SandboxReport::default()
    };
    let offers: Vec<Pubkey> = plans
        .iter()
        .map(|plan| pda::offer(&pda::rfp(&planner_key, plan, 0).0, &identity.agent).0)
        .collect();
    let waiting = Instant::now();
    while chain.accounts(&offers).await?.iter().any(Option::is_none) {
        if waiting.elapsed() > timing.bid_wait || !running.is_running() {
            report.agent_exited = !running.is_running();
            return Ok(report);
        }
        tokio::time::sleep(POLL).await;
    }
    report.bid = true;
    sandbox
        .localnet
        .advance(chain, RfpPolicy::default().bid_secs + 1)
        .await
        .map_err(fail)?;
    for plan in &plans {
        planner.award_all(plan).await.map_err(fail)?;
        let approval = wallet.approval(plan, 7 * 86_400).await.map_err(fail)?;
        wallet.approve(&approval).await.map_err(fail)?;
    }

    let base = sandbox.localnet.price("SOL").unwrap_or_default();
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let mut seen = Watched::new(plans.len());
    sandbox.fail_every(spec.rpc_fault_every);
    for tick in 0..spec.executions.saturating_mul(TICKS_PER_EXECUTION) {
        if seen.total() >= report.planned {
            break;
        }
        if spec.restart_at_tick == Some(tick) {
            running.stop();
            running = agent.start(&identity.agent, &sandbox.address)?;
        }
        let diverging = rng.gen_range(0..100u8) < spec.divergence_pct;
        let price = if diverging {
            base + base * spec.divergence_bps / 10_000
        } else {
            base
        };
        sandbox.localnet.set_price("SOL", price);
        sandbox
            .localnet
            .set_feeding(!spec.stale_ticks.contains(&tick));
        sandbox.localnet.publish_prices(chain).await.map_err(fail)?;
        seen.tick(chain, &plans, spec.executions, timing.tick, &mut report)
            .await?;
        sandbox.localnet.set_feeding(true);
        sandbox
            .localnet
            .advance(chain, i64::from(spec.interval_secs))
            .await
            .map_err(fail)?;
    }
    // What landed after the last tick's window still landed.
    seen.catch_up(chain, &plans, &mut report).await?;
    sandbox.fail_every(0);
    report.agent_exited = !running.is_running();
    running.stop();

    if let Some(rfp) = oversize {
        let offer = pda::offer(&rfp, &identity.agent).0;
        report.bid_on_oversize = chain.account(&offer).await?.is_some();
    }
    (report.refused, report.simulations_refused) = sandbox.refusals(&identity.authority);
    record_receipts(chain, deployment, &plans, &mut report).await?;
    Ok(report)
}

/// The executions seen of each plan so far, and when the current tick started.
struct Watched {
    seen: Vec<u16>,
    tick_started: Instant,
}

impl Watched {
    fn new(plans: usize) -> Self {
        Self {
            seen: vec![0; plans],
            tick_started: Instant::now(),
        }
    }

    fn total(&self) -> u16 {
        self.seen.iter().sum()
    }

    /// Counts what landed since last seen, each with its latency from the current tick's
    /// start; returns the plans that have not acted this tick.
    async fn observe<C: Chain>(
        &mut self,
        chain: &C,
        plans: &[Pubkey],
        report: &mut SandboxReport,
    ) -> anyhow::Result<()> {
        let now = executions_of(chain, plans).await?;
        let ms = u32::try_from(self.tick_started.elapsed().as_millis()).unwrap_or(u32::MAX);
        for (seen, now) in self.seen.iter_mut().zip(now) {
            if now > *seen {
                report.landed += now - *seen;
                report.latencies_ms.push(ms);
                *seen = now;
            }
        }
        Ok(())
    }

    /// One tick: waits until every unfinished plan's due execution lands or `window` passes;
    /// a plan that did not act counts as abstained. A landing after the window is counted
    /// when next seen.
    async fn tick<C: Chain>(
        &mut self,
        chain: &C,
        plans: &[Pubkey],
        executions: u16,
        window: Duration,
        report: &mut SandboxReport,
    ) -> anyhow::Result<()> {
        self.observe(chain, plans, report).await?;
        self.tick_started = Instant::now();
        let before = self.seen.clone();
        let acted = |seen: &[u16]| {
            seen.iter()
                .zip(&before)
                .filter(|(now, before)| **before < executions && now > before)
                .count()
        };
        let due = before.iter().filter(|b| **b < executions).count();
        while acted(&self.seen) < due && self.tick_started.elapsed() < window {
            tokio::time::sleep(POLL).await;
            self.observe(chain, plans, report).await?;
        }
        report.abstained += (due - acted(&self.seen)) as u32;
        Ok(())
    }

    /// Counts what landed since the last tick.
    async fn catch_up<C: Chain>(
        &mut self,
        chain: &C,
        plans: &[Pubkey],
        report: &mut SandboxReport,
    ) -> anyhow::Result<()> {
        self.observe(chain, plans, report).await
    }
}

/// Each plan's executions of its only step so far (one batched read).
async fn executions_of<C: Chain>(chain: &C, plans: &[Pubkey]) -> anyhow::Result<Vec<u16>> {
    let accounts = chain.accounts(plans).await?;
    Ok(plans
        .iter()
        .zip(accounts)
        .map(|(key, account)| {
            account
                .and_then(|a| agentrunner_client::accounts::decode::<Plan>(key, &a.data).ok())
                .and_then(|plan| plan.steps.first().map(|s| s.executions))
                .unwrap_or(0)
        })
        .collect())
}

/// The plans' receipts in plan order: their fingerprint, their transactions, and whether they
/// are every landed execution's and rebuild their trees' live roots.
async fn record_receipts<C: Chain>(
    chain: &C,
    deployment: &agentrunner_client::deployment::Deployment,
    plans: &[Pubkey],
    report: &mut SandboxReport,
) -> anyhow::Result<()> {
    let mut receipts = Vec::new();
    let mut trees_match = true;
    for plan in plans {
        let mut found = plan_receipts(chain, plan).await?;
        found.sort_by_key(|r| (r.receipt.step, r.receipt.execution));
        let (_, tree) = deployment.shard_of(plan);
        let mirror = mirror_of(chain, &tree, deployment.receipt_depth).await?;
        trees_match &= mirror.root() == live_tree(chain, &tree).await?.root
            && found
                .iter()
                .all(|r| mirror.leaf(r.index) == Some(r.receipt.leaf()));
        receipts.extend(found);
    }
    report.receipts_complete = trees_match && receipts.len() == usize::from(report.landed);
    report.fingerprint = receipts
        .iter()
        .map(|r| {
            let g = &r.receipt.guards;
            (
                r.receipt.amount_in,
                r.receipt.amount_out,
                g.realized_slippage_bps,
                g.fee_paid,
                g.oracle_price,
            )
        })
        .collect();
    report.transactions = receipts.iter().map(|r| r.signature.to_string()).collect();
    Ok(())
}
