//! The vendors' brokers as separate processes over JSON-RPC: the embedded chain is served over
//! JSON-RPC and PubSub, each vendor's broker keeper runs in its own process — this binary
//! re-executed as [`agentrunner_keepers::crank::broker`], the code of the `broker` binary — woken
//! by slot notifications (`--wake-on-slot`). Their start-up rounds execute every plan's first
//! step; then the bench moves the clock one DCA interval at a time, timing from the move until
//! every plan's due execution has landed.
use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::{Duration, Instant},
};

use agentrunner_client::keys::write_keypair;
use agentrunner_embedded::{events::ChainEvent, rpc_server};
use agentrunner_keepers::wake::SUBSCRIBED;
use anchor_lang::prelude::Pubkey;
use anyhow::{bail, Context, Result};
use solana_signer::Signer;
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
    sync::broadcast::{error::RecvError, Receiver},
};

use crate::{
    market::Market,
    pipeline::{awarded_plans, EXECUTIONS},
    table,
};

/// Set to a keeper's name, this binary runs that keeper (its arguments after the program name)
/// instead of the bench.
pub const KEEPER_ENV: &str = "AGENTRUNNER_BENCH_KEEPER";

struct Row {
    in_flight: usize,
    plans: usize,
    vendors: usize,
    /// Executions timed (those of the rounds after the first).
    executions: usize,
    /// Every execution, the first round's included.
    landed: usize,
    /// From each clock move to the last of that round's executions landing.
    rounds: Vec<Duration>,
    rpc_requests: u64,
    receipt_files: usize,
}

pub async fn run() -> Result<()> {
    let mut rows = vec![vec![
        "in flight per broker".to_string(),
        "plans".into(),
        "vendors".into(),
        "executions timed".into(),
        "executions/s".into(),
        "round p50/max ms".into(),
        "RPC requests/execution".into(),
        "signed receipt files".into(),
    ]];
    for in_flight in [1, 8] {
        let mut r = run_with(16, 3, in_flight).await?;
        let busy: Duration = r.rounds.iter().sum();
        rows.push(vec![
            r.in_flight.to_string(),
            r.plans.to_string(),
            r.vendors.to_string(),
            r.executions.to_string(),
            format!("{:.1}", r.executions as f64 / busy.as_secs_f64()),
            format!(
                "{}/{}",
                table::percentile_ms(&mut r.rounds, 50, 1),
                table::percentile_ms(&mut r.rounds, 100, 1)
            ),
            format!("{:.1}", r.rpc_requests as f64 / r.landed as f64),
            r.receipt_files.to_string(),
        ]);
    }
    table::print(
        "Keepers as processes: brokers over JSON-RPC (embedded chain served on loopback)",
        &rows,
    );
    println!(
        "\nEach vendor's broker is its own process, connected to the served chain like any \
         cluster client; executions/s is the executions of rounds 2-4 over those rounds' time \
         (clock move to the round's last landing: the keepers' wake on the slot, their scans, \
         reads, simulations, sends and confirmations; round 1 runs in the keepers' start-up). RPC requests are every request the brokers made from their \
         start (scans and bids included), per execution of all four rounds. Each execution leaves one signed receipt file."
    );
    Ok(())
}

async fn run_with(plans: usize, vendors: usize, in_flight: usize) -> Result<Row> {
    let m = Market::new(vendors, 14, 4).await?;
    awarded_plans(&m, plans).await?;
    let server = rpc_server::serve(m.chain.clone(), "127.0.0.1:0".parse()?).await?;
    let dir = std::env::temp_dir().join(format!(
        "agentrunner-bench-keepers-{}-{in_flight}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let deployment = dir.join("deployment.json");
    std::fs::write(
        &deployment,
        serde_json::to_vec_pretty(&m.localnet.deployment)?,
    )?;
    // Subscribed before the keepers start: their start-up rounds execute the steps the
    // approvals made due.
    let mut events = m.chain.subscribe();
    let mut brokers = Vec::new();
    for (v, vendor) in m.vendors.iter().enumerate() {
        let keypair = dir.join(format!("vendor{v}.json"));
        write_keypair(&keypair, &vendor.keypair)?;
        let args = [
            "broker".to_string(),
            format!("--url={}", server.url()),
            format!("--keypair={}", keypair.display()),
            format!("--deployment={}", deployment.display()),
            format!("--journal={}", dir.join(format!("journal{v}")).display()),
            format!("--receipts-dir={}", receipts_dir(&dir, v).display()),
            format!("--agent={}", vendor.agent),
            format!("--in-flight={in_flight}"),
            "--wake-on-slot".into(),
        ];
        brokers.push(spawn_keeper("broker", &args).await?);
    }
    let vendor_keys: Vec<_> = m.vendors.iter().map(|v| v.keypair.pubkey()).collect();
    let mut landed = 0;
    // The first executions land in the keepers' start-up rounds, not timed; each later round
    // is timed from the clock move that makes it due.
    count_executions(&mut events, &vendor_keys, &mut landed, plans).await?;
    let mut rounds = Vec::new();
    for round in 2..=usize::from(EXECUTIONS) {
        m.localnet.advance(&m.chain, 60).await?;
        let moved = Instant::now();
        count_executions(&mut events, &vendor_keys, &mut landed, plans * round).await?;
        rounds.push(moved.elapsed());
    }
    for broker in &mut brokers {
        broker.kill().await?;
    }
    let receipt_files = (0..vendors)
        .map(|v| std::fs::read_dir(receipts_dir(&dir, v)).map_or(0, |d| d.count()))
        .sum();
    let _ = std::fs::remove_dir_all(&dir);
    Ok(Row {
        in_flight,
        plans,
        vendors,
        executions: plans * (usize::from(EXECUTIONS) - 1),
        landed,
        rounds,
        rpc_requests: server
            .served
            .requests
            .load(std::sync::atomic::Ordering::Relaxed),
        receipt_files,
    })
}

/// Counts the vendors' landed executions into `landed` until it reaches `target`.
async fn count_executions(
    events: &mut Receiver<ChainEvent>,
    vendors: &[Pubkey],
    landed: &mut usize,
    target: usize,
) -> Result<()> {
    while *landed < target {
        let event = tokio::time::timeout(Duration::from_secs(30), events.recv())
            .await
            .with_context(|| format!("{landed} of {target} executions landed, then none"))?;
        match event {
            Ok(ChainEvent::Transaction {
                err: None,
                accounts,
                logs,
                ..
            }) if vendors.contains(&accounts[0])
                && logs
                    .iter()
                    .any(|l| l.contains("Instruction: ExecuteSwapStep")) =>
            {
                *landed += 1
            }
            Ok(_) => {}
            Err(RecvError::Lagged(n)) => bail!("the bench missed {n} chain events"),
            Err(RecvError::Closed) => bail!("the chain stopped"),
        }
    }
    Ok(())
}

fn receipts_dir(dir: &Path, vendor: usize) -> PathBuf {
    dir.join(format!("receipts{vendor}"))
}

/// Starts keeper `name` as a process of this binary with `args` (program name first), once
/// it is subscribed to slots; its log is drained in the background.
async fn spawn_keeper(name: &str, args: &[String]) -> Result<Child> {
    let mut child = Command::new(std::env::current_exe()?)
        .env(KEEPER_ENV, name)
        .env("RUST_LOG", "info")
        .args(&args[1..])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()?;
    let mut lines = BufReader::new(child.stdout.take().context("keeper stdout")?).lines();
    let ready = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await? {
            if line.contains(SUBSCRIBED) {
                return Ok(());
            }
        }
        bail!("the {name} keeper exited before subscribing to slots")
    })
    .await
    .with_context(|| format!("the {name} keeper did not subscribe to slots"))?;
    ready?;
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok(child)
}

/// Runs the keeper named by [`KEEPER_ENV`], if it names one.
pub async fn run_keeper_if_asked() -> Option<Result<()>> {
    let name = std::env::var(KEEPER_ENV).ok()?;
    Some(match name.as_str() {
        "broker" => agentrunner_keepers::crank::broker::run(std::env::args()).await,
        other => Err(anyhow::anyhow!("no keeper named {other}")),
    })
}
