//! `agentrunner nav [OWNER]`: Fund Admin. An owner's positions (every deployment token it holds),
//! each priced from its Pyth account with freshness and confidence checks — a stale or
//! uncertain price refuses the NAV and is named — and the NAV recorded on-chain as a receipt in
//! the owner's shard (`runner::record_nav`), written as a receipt file with its positions. Once
//! the period is anchored, an auditor runs `agentrunner verify FILE -u URL`.
use std::path::PathBuf;

use agentrunner_client::{
    chain::Chain,
    deployment::Deployment,
    flows::nav::{self, NavGuards},
    receipts::{nav::NavPositionJson, shards},
    units::amount,
};
use anyhow::Result;
use clap::Args;
use runner::nav::NavPosition;
use solana_signer::Signer;

use crate::{
    opts::{Opts, Output},
    out,
    output::{section, table},
};

#[derive(Args)]
pub struct NavArgs {
    /// Whose positions (default: the keypair's); the keypair records and pays either way.
    pub owner: Option<anchor_lang::prelude::Pubkey>,
    /// Oldest acceptable price update, seconds.
    #[arg(long, default_value_t = NavGuards::default().max_age_secs)]
    pub max_age_secs: u32,
    /// Largest Pyth confidence over price, bps.
    #[arg(long, default_value_t = NavGuards::default().max_confidence_bps)]
    pub max_confidence_bps: u16,
    /// Where the NAV receipt file goes (default: `nav-<owner>-<leaf index>.json`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Only price the positions; record nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub async fn run(args: NavArgs, opts: Opts) -> Result<()> {
    let chain = opts.connect().await?;
    let deployment = opts.deployment()?;
    let recorder = opts.keypair()?;
    let owner = args.owner.unwrap_or_else(|| recorder.pubkey());
    let guards = NavGuards {
        max_age_secs: args.max_age_secs,
        max_confidence_bps: args.max_confidence_bps,
    };
    let clock = chain.clock().await?;
    let positions = nav::positions(&chain, &deployment, &owner, guards, &clock).await?;
    if args.dry_run && opts.output == Output::Json {
        let list: Vec<_> = positions
            .holdings
            .iter()
            .map(|h| NavPositionJson::new(&h.position, Some(h.symbol.clone())))
            .collect();
        out!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({"positions": list, "nav_usd": positions.total_usd})
            )?
        );
        return Ok(());
    }
    if args.dry_run {
        let priced: Vec<_> = positions.holdings.iter().map(|h| h.position).collect();
        show(
            &deployment,
            &priced,
            positions.total_usd,
            clock.unix_timestamp,
        );
        out!("  dry run: nothing recorded");
        return Ok(());
    }
    let (shard, _) = deployment.shard_of(&owner);
    let (tree, _) = shards::newest(&chain, shard).await?;
    let ix = nav::instruction(&recorder.pubkey(), &owner, &tree, &positions, guards);
    let landed = crate::sender(&chain)
        .send("nav", &recorder, &[ix], &[], &deployment.tables())
        .await?;
    // The file carries the positions as the chain priced them, which the receipt commits to.
    let (found, recorded) = nav::recorded(&chain, &landed.signature).await?;
    let file = nav::nav_file(&found, &recorded, &deployment);
    let path = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("nav-{owner}-{}.json", found.index)));
    std::fs::write(&path, serde_json::to_vec_pretty(&file)?)?;
    if opts.output == Output::Json {
        out!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({"file": path, "receipt": file}))?
        );
        return Ok(());
    }
    show(
        &deployment,
        &recorded,
        found.receipt.amount_in,
        found.receipt.unix_time,
    );
    out!(
        "  recorded as a NAV receipt: {} (once its period is anchored: agentrunner verify {} --on-chain)",
        path.display(),
        path.display()
    );
    Ok(())
}

/// The positions as a table and their NAV, prices' ages at `now`.
fn show(deployment: &Deployment, positions: &[NavPosition], nav_usd: u64, now: i64) {
    let usd = |micro: u64| format!("${}", amount(micro, 6));
    section("Positions");
    let mut rows = vec![vec![
        "token".to_string(),
        "held".into(),
        "price".into(),
        "published".into(),
        "value".into(),
    ]];
    let book = deployment.book();
    for p in positions {
        rows.push(vec![
            book.by_mint(&p.mint)
                .map_or_else(|| p.mint.to_string(), |t| t.symbol.clone()),
            amount(p.amount, p.decimals),
            format!("{} x 10^{}", p.price, p.exponent),
            format!("{} s ago", now - p.publish_time),
            usd(p.value_usd),
        ]);
    }
    table(&rows);
    out!("  NAV {}", usd(nav_usd));
}
