//! `agentrunner feeder set <SYMBOL> <USD>`: moves a local cluster's price. `serve` plays the
//! oracle network; each tick its feeder publishes every token's Pyth price (and moves the EMA
//! towards it), reading the overrides in `feeder.json` beside the deployment file — a file,
//! not a network endpoint, so only whoever can write the cluster's own files moves its prices.
use std::{collections::BTreeMap, path::Path};

use agentrunner_client::plan::goal::{is_decimal, to_atoms};
use anyhow::{bail, Result};
use clap::{Args, Subcommand};

use crate::{opts::Opts, out};

/// Pyth mantissa digits of the local feeder's prices (10^-8 USD).
const PRICE_DECIMALS: u8 = 8;

#[derive(Args)]
pub struct FeederArgs {
    #[command(subcommand)]
    pub command: FeederCommand,
}

#[derive(Subcommand)]
pub enum FeederCommand {
    /// Publish `symbol` at `usd` per whole token from the next tick on.
    Set { symbol: String, usd: String },
}

/// The overrides file of the cluster `deployment` describes.
pub fn overrides_path(deployment: &Path) -> std::path::PathBuf {
    deployment.with_file_name("feeder.json")
}

/// The overrides in `path`: symbol -> price mantissa at 10^-8 USD (none if absent).
pub fn read_overrides(path: &Path) -> BTreeMap<String, i64> {
    std::fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

pub async fn run(args: FeederArgs, opts: Opts) -> Result<()> {
    let FeederCommand::Set { symbol, usd } = args.command;
    let deployment = opts.deployment()?;
    let token = deployment.token(&symbol)?;
    let mantissa = is_decimal(&usd)
        .then(|| to_atoms(&usd, PRICE_DECIMALS))
        .flatten()
        .and_then(|m| i64::try_from(m).ok())
        .filter(|m| *m > 0);
    let Some(mantissa) = mantissa else {
        bail!("{usd}: not a positive dollar price with at most {PRICE_DECIMALS} decimals");
    };
    let path = overrides_path(&opts.deployment);
    let mut overrides = read_overrides(&path);
    overrides.insert(token.symbol.clone(), mantissa);
    let staged = path.with_extension("json.tmp");
    std::fs::write(&staged, serde_json::to_vec_pretty(&overrides)?)?;
    std::fs::rename(&staged, &path)?;
    out!(
        "  {} at ${usd} from the next tick ({})",
        token.symbol,
        path.display()
    );
    Ok(())
}
