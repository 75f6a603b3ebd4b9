//! Keeper settings: defaults, then a TOML file, then environment variables
//! (`AGENTRUNNER__<FIELD>`, or `AGENTRUNNER_<KEEPER>__<FIELD>` for one keeper), then flags
//! (`--url`, `--keypair`, ... and `--set field=value` for the rest). The effective settings
//! are printed at start.
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Parser;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::broker::Strategy;

/// An agent to certify and its manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertifyJob {
    /// The agent's address (base58).
    pub agent: String,
    /// Its manifest file (JSON).
    pub manifest: PathBuf,
}

/// Everything a keeper can be told. Each keeper reads the fields it needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Cluster RPC URL (`agentrunner serve` listens on http://127.0.0.1:8899).
    pub url: String,
    /// Other RPC endpoints of the same cluster, tried in order when the current one is down,
    /// rate limiting, unhealthy or lagging (SECURITY-TESTPLAN K-07).
    pub fallback_urls: Vec<String>,
    /// Seconds one RPC request may take before its endpoint counts as unavailable.
    pub request_timeout_secs: u64,
    /// The keeper's signer (Solana CLI keypair file).
    pub keypair: PathBuf,
    /// The deployment file (`agentrunner serve` writes one).
    pub deployment: PathBuf,
    /// Journal of in-flight transactions (survives restarts).
    pub journal: PathBuf,
    /// Seconds between rounds.
    pub interval_secs: u64,
    /// Run one round and exit.
    pub once: bool,
    /// Compute-unit price bid when the cluster reports no recent fees, micro-lamports per unit.
    pub priority_fee_default: u64,
    /// Highest compute-unit price ever bid, whatever the cluster reports; 0 sends no priority
    /// fee (the embedded chain and local validators need none).
    pub priority_fee_cap: u64,
    /// Planner: seconds its RFPs accept offers.
    pub bid_secs: i64,
    /// Broker: the agent it runs (base58).
    pub agent: Option<String>,
    /// Broker: its prices and trading discipline.
    pub strategy: Strategy,
    /// Broker: serve the paid x402 data endpoint (`/ohlcv`) and facilitator routes on this
    /// address (none: no HTTP).
    pub http_bind: Option<String>,
    /// Broker: price of one `/ohlcv` request, atoms of the fee token.
    pub data_price: u64,
    /// Broker: where signed receipts are written.
    pub receipts_dir: PathBuf,
    /// Certifier: agents to certify, each with its manifest.
    pub certify: Vec<CertifyJob>,
    /// Certifier: where stage reports are written.
    pub reports_dir: PathBuf,
    /// Certifier: seed of the sandbox price paths.
    pub seed: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            url: "http://127.0.0.1:8899".into(),
            fallback_urls: Vec::new(),
            request_timeout_secs: 30,
            keypair: default_keypair(),
            deployment: "deployment.json".into(),
            journal: "keeper.journal".into(),
            interval_secs: 5,
            once: false,
            priority_fee_default: 1_000,
            priority_fee_cap: 0,
            bid_secs: 60,
            agent: None,
            strategy: Strategy::default(),
            http_bind: None,
            data_price: 1_000,
            receipts_dir: "receipts".into(),
            certify: Vec::new(),
            reports_dir: "certification".into(),
            seed: 42,
        }
    }
}

fn default_keypair() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default()
        .join(".config/solana/id.json")
}

/// The flags every keeper binary takes.
#[derive(Parser, Debug, Default)]
pub struct Flags {
    /// A TOML settings file.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Cluster RPC URL.
    #[arg(short = 'u', long)]
    pub url: Option<String>,
    /// Signer keypair file.
    #[arg(short = 'k', long)]
    pub keypair: Option<PathBuf>,
    /// Deployment file.
    #[arg(long)]
    pub deployment: Option<PathBuf>,
    /// Journal file.
    #[arg(long)]
    pub journal: Option<PathBuf>,
    /// Run one round and exit.
    #[arg(long)]
    pub once: bool,
    /// Any other setting, as `field=value` (JSON values, or plain strings).
    #[arg(long = "set", value_name = "FIELD=VALUE")]
    pub set: Vec<String>,
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
fn parse_value(text: &str) -> Value {
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

impl Settings {
    /// Resolves the settings of `keeper` from its flags, its environment and its file.
    pub fn load(
        keeper: &str,
        flags: &Flags,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self> {
        let mut merged = match serde_json::to_value(Self::default())? {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        if let Some(path) = &flags.config {
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
        if let Some(url) = &flags.url {
            flag_layer.insert("url".into(), Value::String(url.clone()));
        }
        for (field, path) in [
            ("keypair", &flags.keypair),
            ("deployment", &flags.deployment),
            ("journal", &flags.journal),
        ] {
            if let Some(path) = path {
                flag_layer.insert(field.into(), Value::String(path.display().to_string()));
            }
        }
        if flags.once {
            flag_layer.insert("once".into(), Value::Bool(true));
        }
        overlay(&mut merged, flag_layer);
        for set in &flags.set {
            let (field, value) = set
                .split_once('=')
                .with_context(|| format!("--set {set}: expected field=value"))?;
            overlay(&mut merged, assignment(field, parse_value(value)));
        }
        serde_json::from_value(Value::Object(merged.clone())).map_err(|error| {
            // Name the field: the first whose value alone breaks the defaults.
            let field = merged.iter().find_map(|(key, value)| {
                let mut single = match serde_json::to_value(Self::default()) {
                    Ok(Value::Object(map)) => map,
                    _ => Map::new(),
                };
                single.insert(key.clone(), value.clone());
                serde_json::from_value::<Self>(Value::Object(single))
                    .is_err()
                    .then(|| key.clone())
            });
            anyhow::anyhow!(
                "invalid setting `{}`: {error}",
                field.unwrap_or_else(|| "?".into())
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_precedence_is_defaults_then_file_then_env_then_flags() {
        let dir = std::env::temp_dir().join(format!("agentrunner-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("broker.toml");
        std::fs::write(
            &file,
            "url = \"http://file:1\"\ninterval_secs = 9\n[strategy]\nprice = 70000\neta_ms = 500\n",
        )
        .unwrap();
        let flags = Flags {
            config: Some(file),
            url: Some("http://flag:3".into()),
            set: vec!["strategy.eta_ms=650".into()],
            ..Flags::default()
        };
        let env = [
            ("AGENTRUNNER__INTERVAL_SECS".to_string(), "11".to_string()),
            (
                "AGENTRUNNER_BROKER__INTERVAL_SECS".to_string(),
                "12".to_string(),
            ),
            (
                "AGENTRUNNER__STRATEGY__PRICE".to_string(),
                "60000".to_string(),
            ),
            ("UNRELATED".to_string(), "x".to_string()),
        ];
        let settings = Settings::load("broker", &flags, env).unwrap();
        assert_eq!(settings.url, "http://flag:3");
        assert_eq!(
            settings.interval_secs, 12,
            "keeper env beats shared env beats file"
        );
        assert_eq!(settings.strategy.price, 60_000, "env beats file");
        assert_eq!(settings.strategy.eta_ms, 650, "--set beats file");
        assert_eq!(
            settings.strategy.success_rate_bps,
            Strategy::default().success_rate_bps
        );
        assert_eq!(
            settings.journal,
            PathBuf::from("keeper.journal"),
            "default kept"
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn test_bad_settings_are_refused_with_the_reason() {
        let flags = Flags {
            set: vec!["interval_secs=soon".into()],
            ..Flags::default()
        };
        let error = Settings::load("anchorer", &flags, []).unwrap_err();
        assert!(format!("{error:#}").contains("interval_secs"), "{error:#}");
    }
}
