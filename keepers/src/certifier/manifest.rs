//! A vendor's manifest: what the agent claims (capabilities, the instructions it signs, the
//! guards it honours, its SLOs) and the broker strategy certifiers run. Its sha256 is the
//! version's `manifest_hash`.
use agent_registry::constants::capability;
use serde::{Deserialize, Serialize};

use crate::broker::Strategy;

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

/// Service levels the vendor promises.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SloClaims {
    pub p95_latency_ms: u32,
    pub success_rate_bps: u16,
}

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
}

impl Manifest {
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
        if self.slo.success_rate_bps > 10_000 || self.slo.p95_latency_ms == 0 {
            problems.push("SLO claims out of range".into());
        }
        problems
    }
}
