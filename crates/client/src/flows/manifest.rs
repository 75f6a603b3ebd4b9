//! A vendor's manifest: what the agent claims (capabilities, the instructions it signs, the
//! guards it honours, its SLOs) and the broker strategy certifiers run. Its sha256 is the
//! version's `manifest_hash`. Also: reading one from a file (`//` comment lines allowed), the
//! commented example `agentrunner agent init` writes, and the `register_agent` /
//! `publish_version` instructions built from it.
use agent_registry::{
    constants::capability,
    instructions::{PublishVersionArgs, RegisterAgentArgs},
    state::SemVer,
};
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};
use serde::{Deserialize, Serialize};

use crate::{ix, ClientError, ClientResult};

/// A vendor's commercial terms and trading discipline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Strategy {
    /// Fee per execution, atoms of the RFP's mint.
    pub price: u64,
    /// Latency it promises (offer `eta_ms`), milliseconds.
    pub eta_ms: u32,
    /// Success rate it promises, bps.
    pub success_rate_bps: u16,
    /// Largest execution notional it takes on, micro-USD.
    pub max_notional_usd: u64,
    /// Checks the oracles and the pool against the step's guards before sending. A broker that
    /// does not trades on the pool's spot price and has executions refused on-chain whenever
    /// the pool and the oracle disagree.
    pub respects_guards: bool,
    /// Tolerance below its own quote it gives the venue, bps.
    pub venue_tolerance_bps: u16,
}

impl Default for Strategy {
    fn default() -> Self {
        Self {
            price: 50_000,
            eta_ms: 800,
            success_rate_bps: 9_900,
            max_notional_usd: 10_000_000_000,
            respects_guards: true,
            venue_tolerance_bps: 100,
        }
    }
}

/// Instructions a vendor may sign.
pub const PERMITTED: &[&str] = &[
    "market.submit_offer",
    "market.update_offer",
    "market.withdraw_offer",
    "runner.execute_swap_step",
    "runner.complete_service_step",
    "escrow.redeem",
    "escrow.settle_voucher",
];

/// Guard families (market `guard` bits) by name.
pub const GUARDS: &[(&str, u8)] = &[
    ("slippage", market::constants::guard::SLIPPAGE),
    ("oracle", market::constants::guard::ORACLE),
    ("fee_cap", market::constants::guard::FEE_CAP),
    ("allowlist", market::constants::guard::ALLOWLIST),
];

/// Capability bits by name.
pub const CAPABILITIES: &[(&str, u64)] = &[
    ("swap", capability::SWAP),
    ("dca", capability::DCA),
    ("rebalance", capability::REBALANCE),
    ("data", capability::DATA),
    ("analytics", capability::ANALYTICS),
    ("liquidity", capability::LIQUIDITY),
];

/// The names of the capability bits set in `bits`, in [`CAPABILITIES`] order.
pub fn capability_names(bits: u64) -> Vec<&'static str> {
    CAPABILITIES
        .iter()
        .filter(|(_, bit)| bits & bit != 0)
        .map(|(name, _)| *name)
        .collect()
}

/// The names of the guard families set in `bits`, in [`GUARDS`] order.
pub fn guard_names(bits: u8) -> Vec<&'static str> {
    GUARDS
        .iter()
        .filter(|(_, bit)| bits & bit != 0)
        .map(|(name, _)| *name)
        .collect()
}

/// Service levels the vendor promises.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SloClaims {
    /// 95th percentile award-to-fill latency, milliseconds.
    pub p95_latency_ms: u32,
    /// Share of executions that land, bps.
    pub success_rate_bps: u16,
}

/// What a vendor's agent claims, as published (its hash) with every version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub name: String,
    /// `major.minor.patch`.
    pub version: String,
    pub capabilities: Vec<String>,
    /// Instructions it signs (each in [`PERMITTED`]).
    pub permissions: Vec<String>,
    /// Guard families it honours.
    pub guards: Vec<String>,
    pub slo: SloClaims,
    pub strategy: Strategy,
    /// A service (`data`) agent's paid endpoint; absent for agents that only trade (and then
    /// not part of the hash, so older manifests keep theirs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<ServiceClaims>,
}

/// What a service agent sells over x402: one paid GET endpoint and its price.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceClaims {
    /// The endpoint on the target cluster's side, `http(s)://host[:port]/path?query`; in a
    /// certifier's sandbox the same path and query on the port the sandbox gives the agent.
    pub endpoint: String,
    /// Price per request, atoms of the deployment's fee token (what its 402 must ask).
    pub price: u64,
}

impl ServiceClaims {
    /// The endpoint's path and query (`/` when it has none).
    pub fn path(&self) -> &str {
        let rest = self
            .endpoint
            .split_once("://")
            .map_or(self.endpoint.as_str(), |(_, rest)| rest);
        rest.find('/').map_or("/", |at| &rest[at..])
    }
}

impl Manifest {
    /// A swap-and-DCA trading agent's manifest, version 1.0.0: it signs its offers and its
    /// executions, honours every guard family, promises `p95_latency_ms` and the success rate
    /// its `strategy` quotes.
    pub fn trading(name: &str, strategy: Strategy, p95_latency_ms: u32) -> Self {
        Self {
            name: name.into(),
            version: "1.0.0".into(),
            capabilities: vec!["swap".into(), "dca".into()],
            permissions: vec![
                "market.submit_offer".into(),
                "runner.execute_swap_step".into(),
            ],
            guards: GUARDS.iter().map(|(name, _)| name.to_string()).collect(),
            slo: SloClaims {
                p95_latency_ms,
                success_rate_bps: strategy.success_rate_bps,
            },
            strategy,
            service: None,
        }
    }
}

/// The manifest `agentrunner agent init` writes: every field explained, values that pass
/// certification on the local cluster.
pub const EXAMPLE: &str = r#"// An AgentRunner agent manifest. Lines starting with // are comments.
// `agentrunner agent register --manifest <this file>` registers the agent and publishes this
// version; its sha256 (without comments) is the version's manifest_hash.
{
  // 1-32 bytes; with your key it makes the agent's address.
  "name": "MyAgent",
  // major.minor.patch; `agent publish` a new one to change anything below.
  "version": "1.0.0",
  // What the agent bids on: swap, dca, rebalance, data, analytics, liquidity.
  "capabilities": ["swap", "dca"],
  // The instructions it signs: market.submit_offer, market.update_offer,
  // market.withdraw_offer, runner.execute_swap_step, runner.complete_service_step,
  // escrow.redeem, escrow.settle_voucher. Trading agents need runner.execute_swap_step.
  "permissions": ["market.submit_offer", "runner.execute_swap_step"],
  // Guard families it honours; trading agents must honour all four.
  "guards": ["slippage", "oracle", "fee_cap", "allowlist"],
  // What it promises: 95th percentile award->fill latency (ms), success rate (bps).
  "slo": { "p95_latency_ms": 5000, "success_rate_bps": 9900 },
  // How its broker prices and trades: fee per execution (atoms of the fee token, USDC: 6
  // decimals), the ETA and success rate it quotes, the largest notional it takes on
  // (micro-USD), whether it checks guards before sending, and the tolerance it gives the
  // venue below its own quote (bps).
  "strategy": {
    "price": 50000,
    "eta_ms": 600,
    "success_rate_bps": 9900,
    "max_notional_usd": 10000000000,
    "respects_guards": true,
    "venue_tolerance_bps": 100
  }
}
"#;

impl Manifest {
    /// Reads a manifest file's text as it is, claims unchecked (certification's stage A
    /// judges them); lines whose first non-blank characters are `//` are comments.
    pub fn read(text: &str) -> ClientResult<Self> {
        let json: String = text
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        serde_json::from_str(&json).map_err(|e| ClientError::Build(format!("not a manifest: {e}")))
    }

    /// [`Self::read`], refusing a manifest with any of [`Self::problems`] (what a vendor
    /// registers or publishes).
    pub fn parse(text: &str) -> ClientResult<Self> {
        let manifest = Self::read(text)?;
        let problems = manifest.problems();
        if !problems.is_empty() {
            return Err(ClientError::Build(problems.join("; ")));
        }
        Ok(manifest)
    }

    /// The version as the registry stores it.
    pub fn semver(&self) -> ClientResult<SemVer> {
        let parts: Vec<u16> = self
            .version
            .split('.')
            .map(str::parse)
            .collect::<Result<_, _>>()
            .map_err(|_| self.bad_version())?;
        let [major, minor, patch] = parts[..] else {
            return Err(self.bad_version());
        };
        Ok(SemVer {
            major,
            minor,
            patch,
        })
    }

    fn bad_version(&self) -> ClientError {
        ClientError::Build(format!(
            "version {:?} is not major.minor.patch",
            self.version
        ))
    }

    /// `publish_version` arguments: the manifest's hash, semver and capabilities, and the hash
    /// of the strategy as its code hash.
    pub fn version_args(&self) -> ClientResult<PublishVersionArgs> {
        Ok(PublishVersionArgs {
            semver: self.semver()?,
            manifest_hash: self.hash(),
            code_hash: solana_sha256_hasher::hash(
                &serde_json::to_vec(&self.strategy).unwrap_or_default(),
            )
            .to_bytes(),
            capabilities: self.capability_bits(),
        })
    }

    /// `register_agent` and `publish_version` of the first version, signed by `owner`; the
    /// agent's address.
    pub fn register(
        &self,
        owner: &Pubkey,
        payout: &Pubkey,
        metadata_uri: &str,
    ) -> ClientResult<(Pubkey, [Instruction; 2])> {
        Ok(ix::registry::register_with_first_version(
            owner,
            RegisterAgentArgs {
                name: self.name.clone(),
                payout: *payout,
                capabilities: self.capability_bits(),
                metadata_uri: metadata_uri.into(),
                manifest_hash: self.hash(),
            },
            self.version_args()?,
        ))
    }

    /// `publish_version` of this manifest as version `index` of `owner`'s agent.
    pub fn publish(&self, owner: &Pubkey, index: u32) -> ClientResult<(Pubkey, Instruction)> {
        let agent = crate::pda::agent(owner, &self.name).0;
        let ix = ix::registry::publish_version(&agent, owner, index, self.version_args()?);
        Ok((agent, ix))
    }

    /// sha256 of the compact JSON: the version's `manifest_hash`.
    pub fn hash(&self) -> [u8; 32] {
        solana_sha256_hasher::hash(&serde_json::to_vec(self).unwrap_or_default()).to_bytes()
    }

    /// The capability bits it declares (unknown names ignored here; [`Self::problems`] reports
    /// them).
    pub fn capability_bits(&self) -> u64 {
        self.capabilities
            .iter()
            .filter_map(|c| CAPABILITIES.iter().find(|(n, _)| n == c).map(|(_, b)| *b))
            .fold(0, |m, b| m | b)
    }

    /// The guard families the manifest declares (registry `guard` bits).
    pub fn guard_bits(&self) -> u8 {
        self.guards
            .iter()
            .filter_map(|g| GUARDS.iter().find(|(n, _)| n == g).map(|(_, b)| *b))
            .fold(0, |m, b| m | b)
    }

    /// Every way the manifest is malformed or over-reaching, in words (empty: well-formed).
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.name.is_empty() || self.name.len() > agent_registry::constants::MAX_NAME_LEN {
            problems.push(format!(
                "name must be 1..={} bytes",
                agent_registry::constants::MAX_NAME_LEN
            ));
        }
        let parts: Vec<&str> = self.version.split('.').collect();
        if parts.len() != 3 || parts.iter().any(|p| p.parse::<u16>().is_err()) {
            problems.push(format!(
                "version {:?} is not major.minor.patch",
                self.version
            ));
        }
        for c in &self.capabilities {
            if !CAPABILITIES.iter().any(|(n, _)| n == c) {
                problems.push(format!("unknown capability {c:?}"));
            }
        }
        for p in &self.permissions {
            if !PERMITTED.contains(&p.as_str()) {
                problems.push(format!("permission {p:?} is not one a vendor may hold"));
            }
        }
        for g in &self.guards {
            if !GUARDS.iter().any(|(n, _)| n == g) {
                problems.push(format!("unknown guard {g:?}"));
            }
        }
        let trades = self.capability_bits()
            & (capability::SWAP | capability::DCA | capability::REBALANCE)
            != 0;
        if trades {
            for (name, _) in GUARDS {
                if !self.guards.iter().any(|g| g == name) {
                    problems.push(format!("a trading agent must honour the {name} guard"));
                }
            }
            if !self
                .permissions
                .iter()
                .any(|p| p == "runner.execute_swap_step")
            {
                problems.push("a trading agent must declare runner.execute_swap_step".into());
            }
        }
        let sells = self.capability_bits() & capability::DATA != 0;
        match &self.service {
            Some(service) => {
                if !sells {
                    problems.push("a service endpoint needs the data capability".into());
                }
                let web = service.endpoint.starts_with("http://")
                    || service.endpoint.starts_with("https://");
                if !web || service.price == 0 {
                    problems
                        .push("service: endpoint must be an http(s) URL and price above 0".into());
                }
            }
            None if sells && !trades => {
                problems.push("a data agent must declare its service endpoint".into());
            }
            None => {}
        }
        if self.slo.success_rate_bps > 10_000 || self.slo.p95_latency_ms == 0 {
            problems.push("SLO claims out of range".into());
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_agent_declares_its_endpoint_and_the_data_capability() {
        let mut manifest = Manifest::trading("Feed", Strategy::default(), 1_000);
        manifest.capabilities = vec!["data".into()];
        manifest.permissions.clear();
        assert_eq!(
            manifest.problems(),
            ["a data agent must declare its service endpoint"]
        );
        manifest.service = Some(ServiceClaims {
            endpoint: "http://feed.example:8402/price?symbol=SOL".into(),
            price: 1_000,
        });
        assert!(manifest.problems().is_empty(), "{:?}", manifest.problems());
        assert_eq!(
            manifest.service.as_ref().unwrap().path(),
            "/price?symbol=SOL"
        );
        manifest.capabilities = vec!["swap".into()];
        assert!(manifest
            .problems()
            .contains(&"a service endpoint needs the data capability".to_string()));
        // Without a service the hash is what it was before services existed.
        let trading = Manifest::trading("T", Strategy::default(), 1_000);
        assert!(!String::from_utf8(serde_json::to_vec(&trading).unwrap())
            .unwrap()
            .contains("service"));
    }

    #[test]
    fn the_example_parses_and_is_well_formed() {
        let manifest = Manifest::parse(EXAMPLE).unwrap();
        assert_eq!(manifest.name, "MyAgent");
        assert_eq!(
            manifest.capability_bits(),
            capability::SWAP | capability::DCA
        );
        assert_eq!(
            manifest.strategy,
            Strategy {
                eta_ms: 600,
                ..Strategy::default()
            }
        );
        assert!(manifest.version_args().is_ok());
    }

    #[test]
    fn a_malformed_manifest_says_what_is_wrong() {
        let bad = EXAMPLE
            .replace("\"1.0.0\"", "\"1.0\"")
            .replace("\"dca\"", "\"fly\"");
        let error = Manifest::parse(&bad).unwrap_err().to_string();
        assert!(error.contains("is not major.minor.patch"), "{error}");
        assert!(error.contains("unknown capability \"fly\""), "{error}");
        assert!(Manifest::parse("{")
            .unwrap_err()
            .to_string()
            .contains("not a manifest"));
    }
}
