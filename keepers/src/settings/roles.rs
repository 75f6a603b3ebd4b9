//! Each keeper's own settings and typed flags.
use std::path::PathBuf;

use anchor_lang::prelude::Pubkey;
use clap::Args;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use agentrunner_client::flows::Manifest;
use anyhow::Context;

use super::KeeperSettings;
use crate::broker::Strategy;

/// Inserts `value` under `field` when the flag was given.
fn set(layer: &mut Map<String, Value>, field: &str, value: Option<impl Serialize>) {
    if let Some(value) = value.and_then(|v| serde_json::to_value(v).ok()) {
        layer.insert(field.into(), value);
    }
}

/// The planner: opens and awards the RFPs of the plans it plans.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlannerSettings {
    /// Seconds its RFPs accept offers.
    pub bid_secs: i64,
}

impl Default for PlannerSettings {
    fn default() -> Self {
        Self { bid_secs: 60 }
    }
}

#[derive(Args, Debug, Default)]
pub struct PlannerFlags {
    /// Seconds its RFPs accept offers.
    #[arg(long)]
    pub bid_secs: Option<i64>,
}

impl KeeperSettings for PlannerSettings {
    type Flags = PlannerFlags;
    fn flag_layer(flags: &PlannerFlags) -> anyhow::Result<Map<String, Value>> {
        let mut layer = Map::new();
        set(&mut layer, "bid_secs", flags.bid_secs);
        Ok(layer)
    }
}

/// The broker: a vendor's bids and guarded executions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BrokerSettings {
    /// The agent it runs (base58); required.
    pub agent: Option<String>,
    /// Its prices and trading discipline.
    pub strategy: Strategy,
    /// Serve the paid x402 data endpoint (`/ohlcv`) and facilitator routes on this address
    /// (none: no HTTP).
    pub http_bind: Option<String>,
    /// Price of one `/ohlcv` request, atoms of the fee token.
    pub data_price: u64,
    /// Name a local cluster `devnet` or `testnet` in the x402 requirements, so the reference
    /// `@x402/svm` client (which knows only the public clusters) can pay it; refused on a public
    /// cluster other than the one named.
    pub x402_network_label: Option<String>,
    /// Where signed receipts are written.
    pub receipts_dir: PathBuf,
    /// Plans whose steps it executes at once in a round.
    pub in_flight: usize,
}

impl Default for BrokerSettings {
    fn default() -> Self {
        Self {
            agent: None,
            strategy: Strategy::default(),
            http_bind: None,
            data_price: 1_000,
            x402_network_label: None,
            receipts_dir: "receipts".into(),
            in_flight: crate::broker::DEFAULT_IN_FLIGHT,
        }
    }
}

#[derive(Args, Debug, Default)]
pub struct BrokerFlags {
    /// The agent it runs.
    #[arg(long)]
    pub agent: Option<Pubkey>,
    /// Serve the paid x402 data endpoint and facilitator routes on this address.
    #[arg(long)]
    pub http_bind: Option<String>,
    /// Label a local cluster `devnet` or `testnet` in x402 requirements (local development).
    #[arg(long)]
    pub x402_network_label: Option<String>,
    /// Where signed receipts are written.
    #[arg(long)]
    pub receipts_dir: Option<PathBuf>,
    /// Take the strategy from this manifest (the one registered and certified).
    #[arg(long)]
    pub manifest: Option<PathBuf>,
    /// Fee per execution, atoms of the fee token (`strategy.price`; beats the manifest's).
    #[arg(long)]
    pub price: Option<u64>,
    /// Plans whose steps it executes at once in a round.
    #[arg(long)]
    pub in_flight: Option<usize>,
}

impl KeeperSettings for BrokerSettings {
    type Flags = BrokerFlags;
    fn flag_layer(flags: &BrokerFlags) -> anyhow::Result<Map<String, Value>> {
        let mut layer = Map::new();
        set(&mut layer, "agent", flags.agent.map(|a| a.to_string()));
        set(&mut layer, "http_bind", flags.http_bind.clone());
        set(
            &mut layer,
            "x402_network_label",
            flags.x402_network_label.clone(),
        );
        set(&mut layer, "receipts_dir", flags.receipts_dir.clone());
        set(&mut layer, "in_flight", flags.in_flight);
        let mut strategy = match &flags.manifest {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                let manifest = Manifest::parse(&text)
                    .with_context(|| format!("manifest {}", path.display()))?;
                match serde_json::to_value(manifest.strategy)? {
                    Value::Object(map) => map,
                    _ => Map::new(),
                }
            }
            None => Map::new(),
        };
        if let Some(price) = flags.price {
            strategy.insert("price".into(), Value::from(price));
        }
        if !strategy.is_empty() {
            layer.insert("strategy".into(), Value::Object(strategy));
        }
        Ok(layer)
    }
}

/// An agent to certify, its manifest, and the command that starts the vendor's own agent
/// against a sandbox (`certifier::agent`: `{url}`, `{deployment}`, ... are filled in).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertifyJob {
    /// The agent's address (base58).
    pub agent: String,
    /// Its manifest file.
    pub manifest: PathBuf,
    /// The vendor's agent, run against the sandbox for stages B and E (none: only A runs
    /// there, and the job stops at B).
    #[serde(default)]
    pub agent_cmd: Option<String>,
}

/// The certifier: stages A-D of the agents it is asked to certify.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CertifierSettings {
    /// Agents to certify, each with its manifest (`[[certify]]` tables in TOML).
    pub certify: Vec<CertifyJob>,
    /// Where stage reports are written.
    pub reports_dir: PathBuf,
    /// Seed of the sandbox price paths.
    pub seed: u64,
}

impl Default for CertifierSettings {
    fn default() -> Self {
        Self {
            certify: Vec::new(),
            reports_dir: "certification".into(),
            seed: 42,
        }
    }
}

#[derive(Args, Debug, Default)]
pub struct CertifierFlags {
    /// Where stage reports are written.
    #[arg(long)]
    pub reports_dir: Option<PathBuf>,
    /// Seed of the sandbox price paths.
    #[arg(long)]
    pub seed: Option<u64>,
}

impl KeeperSettings for CertifierSettings {
    type Flags = CertifierFlags;
    fn flag_layer(flags: &CertifierFlags) -> anyhow::Result<Map<String, Value>> {
        let mut layer = Map::new();
        set(&mut layer, "reports_dir", flags.reports_dir.clone());
        set(&mut layer, "seed", flags.seed);
        Ok(layer)
    }
}

/// The anchorer needs nothing of its own.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AnchorerSettings {}

#[derive(Args, Debug, Default)]
pub struct AnchorerFlags {}

impl KeeperSettings for AnchorerSettings {
    type Flags = AnchorerFlags;
    fn flag_layer(_: &AnchorerFlags) -> anyhow::Result<Map<String, Value>> {
        Ok(Map::new())
    }
}
