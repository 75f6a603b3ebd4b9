//! Keeper settings: defaults, then a TOML file, then environment variables
//! (`AGENTRUNNER__<FIELD>`, or `AGENTRUNNER_<KEEPER>__<FIELD>` for one keeper), then flags
//! (the common ones, the keeper's own typed ones, and `--set field=value` for any). Every keeper
//! has the [`Common`] settings and its own ([`roles`]); an unknown setting is an error, and the
//! effective settings are printed at start. `--help` lists every setting with its default.
use std::{fmt::Debug, path::PathBuf};

use agentrunner_client::keys;
use anyhow::{bail, Context, Result};
use clap::{Args, CommandFactory, FromArgMatches, Parser};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::{Map, Value};

pub mod roles;

/// What every keeper is told.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Common {
    /// Cluster RPC URL (`agentrunner serve` listens on http://127.0.0.1:8899).
    pub url: String,
    /// Other RPC endpoints of the same cluster, tried in order when the current one is down,
    /// rate limiting, unhealthy or lagging (docs/SECURITY-TESTPLAN.md K-07).
    pub fallback_urls: Vec<String>,
    /// Seconds one RPC request may take before its endpoint counts as unavailable.
    pub request_timeout_secs: u64,
    /// The keeper's signer: a Solana CLI keypair file, or a local-cluster role (`vendor`).
    pub keypair: PathBuf,
    /// The deployment file (`agentrunner serve` writes the local cluster's).
    pub deployment: PathBuf,
    /// Journal of in-flight transactions (survives restarts); empty: one per keeper under
    /// `$AGENTRUNNER_HOME/journal/`.
    pub journal: PathBuf,
    /// Seconds between rounds.
    pub interval_secs: u64,
    /// Also run a round as soon as the cluster reaches a new slot (`slotSubscribe`), so due
    /// work is picked up within a slot rather than at the next interval (costs a round's
    /// reads per slot).
    pub wake_on_slot: bool,
    /// The cluster's PubSub websocket for `wake_on_slot`; empty: `url`'s by Solana's
    /// convention (`ws` scheme, next port).
    pub pubsub_url: String,
    /// Run one round and exit.
    pub once: bool,
    /// Compute-unit price bid when the cluster reports no recent fees, micro-lamports per unit.
    pub priority_fee_default: u64,
    /// Highest compute-unit price ever bid, whatever the cluster reports; 0 sends no priority
    /// fee (the embedded chain and local validators need none).
    pub priority_fee_cap: u64,
    /// Highest compute-unit limit a transaction asks for (the limit is set from simulation
    /// when a priority fee is bid).
    pub compute_unit_limit_cap: u32,
    /// Serve Prometheus metrics on `http://<this>/metrics` (none: no metrics endpoint).
    pub metrics_bind: Option<String>,
}

impl Default for Common {
    fn default() -> Self {
        Self {
            url: "http://127.0.0.1:8899".into(),
            fallback_urls: Vec::new(),
            request_timeout_secs: 30,
            keypair: keys::default_keypair(),
            deployment: keys::default_deployment(),
            journal: PathBuf::new(),
            interval_secs: 5,
            wake_on_slot: false,
            pubsub_url: String::new(),
            once: false,
            priority_fee_default: 1_000,
            priority_fee_cap: 0,
            compute_unit_limit_cap: 1_400_000,
            metrics_bind: None,
        }
    }
}

/// A keeper's own settings and flags.
pub trait KeeperSettings: Serialize + DeserializeOwned + Default + Clone + Debug {
    /// Its typed flags.
    type Flags: Args + Default + Debug;
    /// The settings its flags set, as a layer over the others (a flag naming a file that
    /// cannot be read is an error).
    fn flag_layer(flags: &Self::Flags) -> Result<Map<String, Value>>;
}

/// Every setting of one keeper.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Settings<K> {
    #[serde(flatten)]
    pub common: Common,
    #[serde(flatten)]
    pub keeper: K,
}

/// The flags every keeper binary takes.
#[derive(Args, Debug, Default)]
pub struct CommonFlags {
    /// A TOML settings file.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Cluster RPC URL.
    #[arg(short = 'u', long)]
    pub url: Option<String>,
    /// Signer: a keypair file, or a local-cluster role (`owner`, `vendor`, ...).
    #[arg(short = 'k', long)]
    pub keypair: Option<PathBuf>,
    /// Deployment file.
    #[arg(long)]
    pub deployment: Option<PathBuf>,
    /// Journal file.
    #[arg(long)]
    pub journal: Option<PathBuf>,
    /// Serve Prometheus metrics on this address (`/metrics`).
    #[arg(long)]
    pub metrics_bind: Option<String>,
    /// Run one round and exit.
    #[arg(long)]
    pub once: bool,
    /// Also run a round whenever the cluster reaches a new slot.
    #[arg(long)]
    pub wake_on_slot: bool,
    /// Any setting, as `field=value` (JSON values, or plain strings; `strategy.price=60000`).
    #[arg(long = "set", value_name = "FIELD=VALUE")]
    pub set: Vec<String>,
}

/// A keeper's command line: the common flags and its own.
#[derive(Parser, Debug, Default)]
pub struct Flags<F: Args> {
    #[command(flatten)]
    pub common: CommonFlags,
    #[command(flatten)]
    pub keeper: F,
}

impl<F: Args> Flags<F> {
    /// Parses `args` (the program name first) for keeper `name` (`about` it), whose `--help`
    /// lists `settings_help`.
    pub fn parse_for(
        name: &'static str,
        about: &'static str,
        settings_help: String,
        args: impl IntoIterator<Item = String>,
    ) -> Result<Self, clap::Error> {
        let command = Self::command()
            .name(name)
            .about(about)
            .after_long_help(settings_help.clone())
            .after_help(settings_help);
        let matches = command.try_get_matches_from(args)?;
        Self::from_arg_matches(&matches)
    }
}

fn overlay(base: &mut Map<String, Value>, layer: Map<String, Value>) {
    for (key, value) in layer {
        match (base.get_mut(&key), value) {
            (Some(Value::Object(existing)), Value::Object(nested)) => overlay(existing, nested),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// A value from text: JSON if it parses, else a string.
pub(crate) fn parse_value(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
}

/// `a.b=value` as a nested object.
fn assignment(path: &str, value: Value) -> Map<String, Value> {
    let mut parts: Vec<&str> = path.split('.').collect();
    let last = parts.pop().unwrap_or_default();
    let mut object = Map::new();
    object.insert(last.to_string(), value);
    for part in parts.into_iter().rev() {
        let mut outer = Map::new();
        outer.insert(part.to_string(), Value::Object(object));
        object = outer;
    }
    object
}

fn defaults<T: Serialize + Default>() -> Map<String, Value> {
    match serde_json::to_value(T::default()) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

/// Every setting of `K`'s keeper with its default, for `--help`.
pub fn settings_help<K: KeeperSettings>(keeper: &str) -> String {
    let mut text = format!(
        "Settings (defaults < --config TOML < AGENTRUNNER__FIELD / AGENTRUNNER_{}__FIELD < flags and --set field=value):\n",
        keeper.to_uppercase()
    );
    for (field, value) in defaults::<Settings<K>>() {
        text.push_str(&format!("  {field} = {value}\n"));
    }
    text
}

impl<K: KeeperSettings> Settings<K> {
    /// Resolves the settings of keeper `keeper` from its flags, its environment and its file.
    pub fn load(
        keeper: &str,
        flags: &Flags<K::Flags>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self> {
        let known = defaults::<Self>();
        let mut merged = known.clone();
        let common = &flags.common;
        if let Some(path) = &common.config {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read settings {}", path.display()))?;
            let file: toml::Value = toml::from_str(&text)
                .with_context(|| format!("{} is not valid TOML", path.display()))?;
            if let Value::Object(layer) = serde_json::to_value(file)? {
                overlay(&mut merged, layer);
            }
        }
        let shared = "AGENTRUNNER__".to_string();
        let own = format!("AGENTRUNNER_{}__", keeper.to_uppercase());
        let mut env_layers: Vec<(bool, String, String)> = env
            .into_iter()
            .filter_map(|(name, value)| {
                if let Some(field) = name.strip_prefix(&own) {
                    Some((true, field.to_lowercase().replace("__", "."), value))
                } else {
                    name.strip_prefix(&shared)
                        .map(|field| (false, field.to_lowercase().replace("__", "."), value))
                }
            })
            .collect();
        // Keeper-specific variables win over shared ones.
        env_layers.sort_by_key(|(specific, _, _)| *specific);
        for (_, field, value) in env_layers {
            overlay(&mut merged, assignment(&field, parse_value(&value)));
        }
        let mut flag_layer = Map::new();
        if let Some(url) = &common.url {
            flag_layer.insert("url".into(), Value::String(url.clone()));
        }
        if let Some(bind) = &common.metrics_bind {
            flag_layer.insert("metrics_bind".into(), Value::String(bind.clone()));
        }
        for (field, path) in [
            ("keypair", &common.keypair),
            ("deployment", &common.deployment),
            ("journal", &common.journal),
        ] {
            if let Some(path) = path {
                flag_layer.insert(field.into(), Value::String(path.display().to_string()));
            }
        }
        for (field, set) in [("once", common.once), ("wake_on_slot", common.wake_on_slot)] {
            if set {
                flag_layer.insert(field.into(), Value::Bool(true));
            }
        }
        overlay(&mut flag_layer, K::flag_layer(&flags.keeper)?);
        overlay(&mut merged, flag_layer);
        for set in &common.set {
            let (field, value) = set
                .split_once('=')
                .with_context(|| format!("--set {set}: expected field=value"))?;
            overlay(&mut merged, assignment(field, parse_value(value)));
        }
        if let Some(unknown) = merged.keys().find(|key| !known.contains_key(*key)) {
            bail!("unknown setting `{unknown}` for the {keeper} (`--help` lists them)");
        }
        let mut settings: Self =
            serde_json::from_value(Value::Object(merged.clone())).map_err(|error| {
                // Name the field: the first whose value alone breaks the defaults.
                let field = merged.iter().find_map(|(key, value)| {
                    let mut single = known.clone();
                    single.insert(key.clone(), value.clone());
                    serde_json::from_value::<Self>(Value::Object(single))
                        .is_err()
                        .then(|| key.clone())
                });
                anyhow::anyhow!(
                    "invalid setting `{}`: {error}",
                    field.unwrap_or_else(|| "?".into())
                )
            })?;
        if settings.common.journal.as_os_str().is_empty() {
            settings.common.journal = keys::home()
                .join("journal")
                .join(format!("{keeper}.journal"));
        }
        settings.common.keypair = keys::keypair_path(&settings.common.keypair);
        Ok(settings)
    }
}

#[cfg(test)]
mod tests;
