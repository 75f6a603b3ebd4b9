//! Seeds, limits and bit assignments. Seeds and numeric limits are `#[constant]`s so they
//! appear in the IDL (length limits are `usize`, which the IDL cannot express; their values are
//! in the docs and the error messages).
use anchor_lang::prelude::*;

/// Seed of the singleton [`crate::state::RegistryConfig`] PDA: `["config"]`.
#[constant]
pub const CONFIG_SEED: &[u8] = b"config";
/// Seed of an [`crate::state::Agent`] PDA: `["agent", owner, sha256(name)]`.
#[constant]
pub const AGENT_SEED: &[u8] = b"agent";
/// Seed of an [`crate::state::AgentVersion`] PDA: `["version", agent, index (u32 LE)]`.
#[constant]
pub const VERSION_SEED: &[u8] = b"version";
/// Seed of an [`crate::state::Attestation`] PDA: `["attestation", version, stage (u8), attempt (u8)]`.
#[constant]
pub const ATTESTATION_SEED: &[u8] = b"attestation";

/// Seed of a [`crate::state::PayerRecord`]: `["payer", agent, payer]`.
#[constant]
pub const PAYER_SEED: &[u8] = b"payer";

/// Most certifiers a stage may require to agree (`RegistryConfig::quorum`).
#[constant]
pub const MAX_QUORUM: u8 = 4;
/// Most certifier keys the config holds.
pub const MAX_CERTIFIERS: usize = 16;
/// Longest agent name in bytes (UTF-8).
pub const MAX_NAME_LEN: usize = 32;
/// Longest metadata or report URI in bytes.
pub const MAX_URI_LEN: usize = 200;
/// Longest validity of one attestation: 400 days, in seconds.
#[constant]
pub const MAX_ATTESTATION_VALIDITY_SECS: i64 = 400 * 24 * 60 * 60;
/// Highest value of a basis-point figure (100%).
#[constant]
pub const MAX_BPS: u16 = 10_000;

/// Capability bits an agent may advertise and an RFP may require.
pub mod capability {
    /// Spot swap through a guarded venue.
    pub const SWAP: u64 = 1 << 0;
    /// Dollar-cost averaging: repeated swaps at an interval.
    pub const DCA: u64 = 1 << 1;
    /// Portfolio rebalance towards target weights.
    pub const REBALANCE: u64 = 1 << 2;
    /// Market data (prices, OHLCV) sold per request.
    pub const DATA: u64 = 1 << 3;
    /// Analytics and reports sold per request.
    pub const ANALYTICS: u64 = 1 << 4;
    /// Liquidity provision and exit.
    pub const LIQUIDITY: u64 = 1 << 5;
    /// Every bit defined above; anything else is rejected.
    pub const ALL: u64 = SWAP | DCA | REBALANCE | DATA | ANALYTICS | LIQUIDITY;
    /// Number of capability bits (reputation is kept per capability).
    pub const COUNT: usize = 6;

    /// Position of a single capability bit (`None` for zero, several or unknown bits).
    pub fn index(bit: u64) -> Option<usize> {
        (bit.is_power_of_two() && bit & ALL == bit).then(|| bit.trailing_zeros() as usize)
    }
}

/// Guard families an RFP can require, an offer can declare and a certifier can verify
/// (bitmask).
pub mod guard {
    /// Slippage cap against the oracle price.
    pub const SLIPPAGE: u8 = 1 << 0;
    /// Oracle freshness (max age) and confidence.
    pub const ORACLE: u8 = 1 << 1;
    /// Fee cap.
    pub const FEE_CAP: u8 = 1 << 2;
    /// Venue and mint allowlists.
    pub const ALLOWLIST: u8 = 1 << 3;
    /// Every defined bit.
    pub const ALL: u8 = SLIPPAGE | ORACLE | FEE_CAP | ALLOWLIST;
}
