//! Sections 4 and 5: the whole pipeline on the embedded chain with 1, 4 and 16 plans, one or
//! three vendors, one or four receipt shards — plan synthesis, bids, awards, approvals, then guarded executions until every plan
//! is done. Reports executions per second, p50/p95 latencies (plan synthesis, quote->fill,
//! receipt readable after fill), lamports per execution, and the process's peak RSS.
//!
//! The vendors' brokers run their execution rounds side by side, as their keepers would, each
//! executing one plan at a time or (last row) up to 8 at once. Wall-clock figures are from this
//! machine and this in-process bank (which executes one transaction at a time); counts and
//! lamports are exact.
use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

use agentrunner_client::{chain::Chain, pda, receipts::index::plan_receipts};
use agentrunner_keepers::Outcome;
use anyhow::{bail, Result};
use futures_util::future::try_join_all;
use solana_signer::Signer;

use crate::{market::Market, table, timed::Timed};

/// Executions per plan.
pub const EXECUTIONS: u16 = 4;

/// Peak resident set size of this process, KiB (Linux `VmHWM`).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

struct Run {
    plans: usize,
    vendors: usize,
    shards: u16,
    /// Plans each broker executes at once.
    in_flight: usize,
    executions: usize,
    wall: Duration,
    synthesis: Vec<Duration>,
    fill: Vec<Duration>,
    receipt: Vec<Duration>,
    lamports_per_execution: f64,
    rss_kib: Option<u64>,
    /// The brokers' time in their execution rounds (scans and executions).
    broker_time: Duration,
    /// Their chain calls in those rounds, by kind: calls and time.
    spent: BTreeMap<&'static str, (u64, Duration)>,
}

/// `plans` DCA plans of [`EXECUTIONS`] executions each, drafted from goals, created, bid on by
/// every vendor of `m`, awarded and approved — half selling SOL, half buying it, so the pool
/// stays near the oracle price. Returns how long drafting each plan from its goal took.
pub async fn awarded_plans(m: &Market, plans: usize) -> Result<Vec<Duration>> {
    let chain = &*m.chain;
    let planner = m.planner();
    let vendors = m.vendors.len();
    let brokers: Vec<_> = (0..vendors).map(|v| m.broker(v)).collect();
    let mut synthesis = Vec::new();
    let mut owned = Vec::new();
    for n in 0..plans {
        let owner = m.owner().await?;
        let goal = if n % 2 == 0 {
            format!("DCA 1 SOL->USDC {EXECUTIONS} times every 60s")
        } else {
            format!("DCA 150 USDC->SOL {EXECUTIONS} times every 60s")
        };
        let started = Instant::now();
        let draft = m.draft(&goal, &owner.pubkey()).await?;
        synthesis.push(started.elapsed());
        m.create(&owner, &draft).await?;
        planner.open_rfps(&draft.plan).await?;
        // Vendors bid in turn, first bidder first, so equal offers spread across vendors.
        let rfp = pda::rfp(&planner.planner.pubkey(), &draft.plan, 0).0;
        let rfp_state = chain.fetch(&rfp).await?;
        for v in 0..vendors {
            brokers[(n + v) % vendors].bid(&rfp, &rfp_state).await?;
        }
        owned.push((owner, draft.plan));
    }
    m.localnet.advance(chain, 61).await?;
    for (owner, plan) in &owned {
        planner.award_all(plan).await?;
        m.approve(owner, plan, 86_400).await?;
    }
    Ok(synthesis)
}

async fn run_with(plans: usize, vendors: usize, shards: u16, in_flight: usize) -> Result<Run> {
    let m = Market::new(vendors, 14, shards).await?;
    let chain = &*m.chain;
    let synthesis = awarded_plans(&m, plans).await?;
    let mut vendor_lamports = 0;
    for vendor in &m.vendors {
        vendor_lamports += chain.balance(&vendor.keypair.pubkey()).await?;
    }

    let timed = Timed::new(chain);
    let executors: Vec<_> = (0..vendors)
        .map(|v| m.broker_on(&timed, v).with_in_flight(in_flight))
        .collect();
    let mut broker_time = Duration::ZERO;
    let mut fill = Vec::new();
    let mut receipt = Vec::new();
    let mut executions = 0;
    let started = Instant::now();
    for _round in 0..EXECUTIONS * 3 {
        if executions == plans * usize::from(EXECUTIONS) {
            break;
        }
        m.localnet.advance(chain, 60).await?;
        // The vendors' brokers run their rounds side by side, as separate keepers would, each
        // executing up to `in_flight` of its awarded plans at a time.
        let rounds = executors.iter().map(|broker| async move {
            let scan = Instant::now();
            let rfps = broker.rfps().await?;
            let scanned = scan.elapsed();
            let runs = broker
                .execute_awarded(rfps.into_iter().map(|(_, rfp)| rfp))
                .await;
            anyhow::Ok((scanned, runs))
        });
        let mut landed = Vec::new();
        for (scanned, runs) in try_join_all(rounds).await? {
            broker_time += scanned;
            for run in runs {
                broker_time += run.took;
                match run.result {
                    Ok((Outcome::Done(_), Some(done))) => {
                        fill.push(run.took);
                        landed.push(done);
                    }
                    Ok(_) => {}
                    Err(e) => bail!("{}:{}: {e}", run.plan, run.step),
                }
            }
        }
        for done in landed {
            executions += 1;
            let t = Instant::now();
            let found = plan_receipts(chain, &done.plan).await?;
            if !found.iter().any(|r| r.signature == done.outcome_signature) {
                bail!("receipt of {} not readable", done.outcome_signature);
            }
            receipt.push(t.elapsed());
        }
    }
    let wall = started.elapsed();
    if executions != plans * usize::from(EXECUTIONS) {
        bail!(
            "{executions} of {} executions landed",
            plans * usize::from(EXECUTIONS)
        );
    }
    let mut after = 0;
    for vendor in &m.vendors {
        after += chain.balance(&vendor.keypair.pubkey()).await?;
    }
    Ok(Run {
        plans,
        vendors,
        shards,
        in_flight,
        executions,
        wall,
        synthesis,
        fill,
        receipt,
        lamports_per_execution: (vendor_lamports - after) as f64 / executions as f64,
        rss_kib: peak_rss_kib(),
        broker_time,
        spent: timed.spent(),
    })
}

pub async fn run() -> Result<()> {
    let mut rows = vec![vec![
        "plans".to_string(),
        "vendors".into(),
        "shards".into(),
        "in flight".into(),
        "executions".into(),
        "executions/s".into(),
        "synthesis p50/p95 ms".into(),
        "quote->fill p50/p95 ms".into(),
        "receipt readable p50/p95 ms".into(),
        "vendor lamports/execution".into(),
        "peak RSS MiB".into(),
    ]];
    let mut breakdown = vec![
        std::iter::once("plans/vendors/shards/in flight".to_string())
            .chain(PHASES.iter().map(|p| format!("{p} ms (calls)")))
            .chain(["own work ms".to_string()])
            .collect::<Vec<_>>(),
    ];
    let runs = [
        (1, 3, 4, 1),
        (4, 3, 4, 1),
        (16, 3, 4, 1),
        (16, 1, 4, 1),
        (16, 3, 1, 1),
        (16, 3, 4, 8),
    ];
    for (plans, vendors, shards, in_flight) in runs {
        let mut r = run_with(plans, vendors, shards, in_flight).await?;
        breakdown.push(where_time_goes(&r));
        rows.push(vec![
            r.plans.to_string(),
            r.vendors.to_string(),
            r.shards.to_string(),
            r.in_flight.to_string(),
            r.executions.to_string(),
            format!("{:.1}", r.executions as f64 / r.wall.as_secs_f64()),
            format!(
                "{}/{}",
                table::percentile_ms(&mut r.synthesis, 50, 1),
                table::percentile_ms(&mut r.synthesis, 95, 1)
            ),
            format!(
                "{}/{}",
                table::percentile_ms(&mut r.fill, 50, 1),
                table::percentile_ms(&mut r.fill, 95, 1)
            ),
            format!(
                "{}/{}",
                table::percentile_ms(&mut r.receipt, 50, 1),
                table::percentile_ms(&mut r.receipt, 95, 1)
            ),
            format!("{:.0}", r.lamports_per_execution),
            r.rss_kib
                .map_or("-".into(), |k| format!("{:.0}", k as f64 / 1024.0)),
        ]);
    }
    table::print(
        "Pipeline: plans to receipts (embedded chain, wall clock of this machine)",
        &rows,
    );
    table::print(
        "Where an execution's time goes (the brokers' rounds, per execution)",
        &breakdown,
    );
    println!(
        "\nEach column is the brokers' time in one kind of chain call per landed execution, with \
         the calls per execution (executions run side by side, so a call's time includes its wait \
         for the bank while another transaction executes): reading accounts and the clock, scanning the market's RFPs, \
         simulating, sending (the embedded chain executes on send), confirming, reading the landed \
         transaction back (for the vendor's signed receipt); own work is the rest of their time \
         (decoding, quoting, building and signing)."
    );
    println!(
        "\nVendor lamports/execution is everything the vendors' keys paid during the executions: the \
         5,000-lamport fee, the receipt's deposit toward the next tree generation (13,667 at depth 14) \
         and, once per (payer, vendor) pair, the reputation payer record's rent — divided by the \
         executions. Only the fee is spent; the rest is rent."
    );
    println!(
        "\nWritable accounts of one execution: the plan, the owner's two token accounts, its budget, vault \
         and grant, the vendor's payout account and agent, the shard's tree, and the pool's two vaults. \
         Nothing is global: plans and owners never share a write lock; a vendor's executions share its \
         agent account; a shard's executions share its tree (more shards, less contention); a pool's \
         trades share its vaults (inherent to an AMM)."
    );
    Ok(())
}

/// The kinds of chain call the breakdown shows, in the order of an execution.
const PHASES: [&str; 8] = [
    "scan",
    "read accounts",
    "priority fees",
    "blockhash",
    "simulate",
    "send",
    "confirm",
    "read back",
];

/// One breakdown row: per landed execution, each phase's milliseconds and calls, and the
/// brokers' own work (their time outside chain calls).
fn where_time_goes(r: &Run) -> Vec<String> {
    let per = r.executions.max(1) as f64;
    let mut row = vec![format!(
        "{}/{}/{}/{}",
        r.plans, r.vendors, r.shards, r.in_flight
    )];
    let mut in_calls = Duration::ZERO;
    for phase in PHASES {
        let (calls, time) = r.spent.get(phase).copied().unwrap_or_default();
        in_calls += time;
        row.push(format!(
            "{:.2} ({:.1})",
            time.as_secs_f64() * 1_000.0 / per,
            calls as f64 / per
        ));
    }
    let own = r.broker_time.saturating_sub(in_calls);
    row.push(format!("{:.2}", own.as_secs_f64() * 1_000.0 / per));
    row
}
