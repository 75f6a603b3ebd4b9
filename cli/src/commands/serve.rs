//! `agentrunner serve`: the embedded chain as a local cluster. It deploys a localnet (registry,
//! receipts, SOL/USDC/JUP with pools and Pyth price accounts), writes the deployment file and
//! funded keypairs (owner, planner, certifier, anchorer, vendor), serves Solana JSON-RPC, a
//! receipts indexer's API (SQLite beside the keys) and the explorer, and lets time pass: every
//! tick advances the clock and the price feeder publishes.
use std::{path::PathBuf, sync::Arc, time::Duration};

use agentrunner_embedded::{
    localnet::{Localnet, LocalnetSpec},
    rpc_server::serve,
    watchdog::Watchdog,
    EmbeddedChain,
};
use agentrunner_explorer::ReceiptsSource;
use agentrunner_indexer::IndexerArgs;
use anyhow::{Context, Result};
use clap::{Args, Parser};
use solana_signer::Signer;

use crate::{
    opts::{write_keypair, Opts},
    out,
    output::{section, table, Console},
};

#[derive(Args)]
pub struct ServeArgs {
    /// Address to serve JSON-RPC on.
    #[arg(long, default_value = "127.0.0.1:8899")]
    pub bind: String,
    /// Where the funded keypairs are written (`-k <role>` finds them there).
    #[arg(long, default_value_os_t = agentrunner_client::keys::localnet_dir())]
    pub keys_dir: PathBuf,
    /// Milliseconds between clock ticks.
    #[arg(long, default_value_t = 250)]
    pub tick_ms: u64,
    /// Seconds of chain time per tick. The default runs the clock 60 times faster than real
    /// time, so a plan's hour-long DCA interval passes in a minute; keep it below the plans'
    /// oracle max age (60 s) so prices stay fresh (the feeder publishes every tick).
    #[arg(long, default_value_t = 15)]
    pub seconds_per_tick: i64,
    /// Seconds per receipts anchoring period (10 s of real time at the default speed).
    #[arg(long, default_value_t = 600)]
    pub period_secs: i64,
    /// Write the programs' own log to this file.
    #[arg(long)]
    pub program_log: Option<PathBuf>,
    /// Exit with status 70 when the bank has not answered for this many seconds (a stalled
    /// cluster is reported, not left hanging).
    #[arg(long, default_value_t = 30)]
    pub stall_secs: u64,
    /// Address of the explorer, the web app (`off`: none).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub explorer_bind: String,
    /// Address of the receipts API of an indexer following this cluster into SQLite beside
    /// the keys (`off`: none; the explorer then rebuilds receipts from history).
    #[arg(long, default_value = "127.0.0.1:8910")]
    pub receipts_bind: String,
    #[command(flatten)]
    pub explorer: super::explorer::ExplorerArgs,
}

/// `off` turns a listener off.
fn enabled(bind: &str) -> Option<&str> {
    (bind != "off").then_some(bind)
}

/// Exit status when the watchdog finds the bank stalled (EX_SOFTWARE).
const STALLED: i32 = 70;

/// Roles `serve` creates keys for, with SOL and USDC they start with (whole tokens).
const ROLES: &[(&str, u64, u64)] = &[
    ("owner", 10, 100),
    ("planner", 0, 0),
    ("certifier", 2, 50),
    ("anchorer", 0, 0),
    ("vendor", 0, 0),
];

pub async fn run(args: ServeArgs, opts: Opts) -> Result<()> {
    Console::capture(args.program_log.as_deref())?;
    // A previous cluster's deployment (and its price overrides) describe nothing now.
    let _ = std::fs::remove_file(&opts.deployment);
    let overrides = super::feeder::overrides_path(&opts.deployment);
    let _ = std::fs::remove_file(&overrides);
    let chain = Arc::new(EmbeddedChain::start().await?);
    let mut keys = Vec::new();
    for (role, _, _) in ROLES {
        let keypair = chain.funded_keypair(100_000_000_000).await?;
        write_keypair(&args.keys_dir.join(format!("{role}.json")), &keypair)?;
        keys.push(keypair);
    }
    let certifier = keys[2].pubkey();
    let spec = LocalnetSpec {
        period_secs: args.period_secs,
        ..LocalnetSpec::default()
    };
    let localnet = Localnet::bootstrap(&chain, &spec, &[certifier]).await?;
    for ((_, sol, usdc), keypair) in ROLES.iter().zip(&keys) {
        for (symbol, whole, decimals) in [("SOL", *sol, 9u32), ("USDC", *usdc, 6)] {
            localnet
                .fund_tokens(
                    &chain,
                    &keypair.pubkey(),
                    symbol,
                    whole * 10u64.pow(decimals),
                )
                .await?;
        }
    }
    let server = serve(chain.clone(), args.bind.parse()?).await?;
    // Written once the cluster answers: its existence means the cluster is up.
    if let Some(dir) = opts.deployment.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(
        &opts.deployment,
        serde_json::to_vec_pretty(&localnet.deployment)?,
    )?;

    // The indexer follows the cluster on this task, between ticks (its futures are not Send).
    let mut indexing: std::pin::Pin<Box<dyn std::future::Future<Output = ()>>> =
        Box::pin(std::future::pending());
    let mut receipts = ReceiptsSource::History;
    if let Some(bind) = enabled(&args.receipts_bind) {
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .with_context(|| format!("cannot serve the receipts API on {bind}"))?;
        let db = args.keys_dir.join("receipts.db");
        let _ = std::fs::remove_file(&db);
        let indexer = IndexerArgs::parse_from([
            "indexer",
            "-u",
            &server.url(),
            "--db",
            &format!("sqlite:{}", db.display()),
        ]);
        receipts = ReceiptsSource::Api(format!("http://{}", listener.local_addr()?));
        indexing = Box::pin(agentrunner_indexer::beside(&indexer, listener).await?);
    }
    let explorer = match enabled(&args.explorer_bind) {
        Some(bind) => {
            let config =
                args.explorer
                    .config(&server.url(), localnet.deployment.clone(), receipts.clone());
            Some(super::explorer::start(bind, config).await?)
        }
        None => None,
    };

    section("Embedded chain served as a local cluster");
    out!("  JSON-RPC   {}", server.url());
    if let Some(explorer) = &explorer {
        out!("  explorer   {}", explorer.url);
    }
    if let ReceiptsSource::Api(url) = &receipts {
        out!("  receipts   {url} (the receipts API; /openapi.json)");
    }
    out!("  genesis    {}", chain.genesis_hash());
    out!("  deployment {}", opts.deployment.display());
    let speed = args.seconds_per_tick.max(1) as f64 * 1_000.0 / args.tick_ms.max(10) as f64;
    out!(
        "  clock      {} s of chain time every {} ms: {speed:.0}x real time (an hour passes in {:.0} s)",
        args.seconds_per_tick.max(1),
        args.tick_ms.max(10),
        3_600.0 / speed
    );
    let mut rows = vec![vec![
        "role".to_string(),
        "key".into(),
        "keypair file".into(),
    ]];
    for ((role, _, _), keypair) in ROLES.iter().zip(&keys) {
        rows.push(vec![
            role.to_string(),
            keypair.pubkey().to_string(),
            args.keys_dir
                .join(format!("{role}.json"))
                .display()
                .to_string(),
        ]);
    }
    table(&rows);
    out!("  `-k <role>` signs with a role's keypair; Ctrl-C stops the cluster.");

    let watchdog = Watchdog::start(Duration::from_secs(args.stall_secs.max(1)), |silent| {
        eprintln!(
            "agentrunner serve: the bank has not answered for {:.1} s; exiting",
            silent.as_secs_f64()
        );
        std::process::exit(STALLED);
    });
    let mut ticks = tokio::time::interval(Duration::from_millis(args.tick_ms.max(10)));
    loop {
        tokio::select! {
            _ = ticks.tick() => {
                // A tick needs the bank alone, so it completes only while every request does.
                for (symbol, price) in super::feeder::read_overrides(&overrides) {
                    localnet.set_price(&symbol, price);
                }
                localnet.advance(&chain, args.seconds_per_tick.max(1)).await?;
                watchdog.beat();
            }
            _ = &mut indexing => {}
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    if let Some(explorer) = explorer {
        explorer.stop();
    }
    server.stop();
    Ok(())
}
