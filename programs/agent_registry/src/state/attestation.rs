use anchor_lang::prelude::*;

use crate::{constants::*, error::RegistryError, state::Stage};

/// Figures measured by the certifier for the stage, as promised to buyers.
#[derive(
    AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq, InitSpace,
)]
pub struct SloFigures {
    /// Median end-to-end latency of a step, in milliseconds.
    pub p50_latency_ms: u32,
    /// 95th percentile latency, in milliseconds; >= p50.
    pub p95_latency_ms: u32,
    /// Share of cases that succeeded, in bps (<= 10_000).
    pub success_rate_bps: u16,
    /// Number of cases the certifier ran.
    pub cases_run: u32,
}

impl SloFigures {
    pub fn validate(&self) -> Result<()> {
        require!(
            self.success_rate_bps <= MAX_BPS && self.p50_latency_ms <= self.p95_latency_ms,
            RegistryError::InvalidSlo
        );
        Ok(())
    }
}

/// A certifier's verdict on one stage of one version.
/// PDA `["attestation", version, stage (u8), attempt (u8)]`; never overwritten.
#[account]
#[derive(InitSpace, Debug)]
pub struct Attestation {
    /// The agent the version belongs to.
    pub agent: Pubkey,
    /// The version attested.
    pub version: Pubkey,
    /// The stage attested.
    pub stage: Stage,
    /// 0-based attempt number of this stage on this version.
    pub attempt: u8,
    /// The certifier that signed (a member of the certifier set at issue time).
    pub certifier: Pubkey,
    /// The verdict. A failed attestation carries the reason in its report.
    pub passed: bool,
    /// Measured figures.
    pub slo: SloFigures,
    /// sha256 of the full report (the report URI serves it).
    pub report_hash: [u8; 32],
    /// Where the report lives, at most 200 bytes.
    #[max_len(MAX_URI_LEN)]
    pub report_uri: String,
    /// Unix seconds at issue.
    pub issued_at: i64,
    /// Unix seconds after which the pass no longer counts (exclusive).
    pub expires_at: i64,
    /// Set when revoked: unix seconds and who revoked.
    pub revoked: Option<Revocation>,
    /// Canonical bump of this PDA.
    pub bump: u8,
}

/// Who revoked an attestation and when.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct Revocation {
    /// Unix seconds.
    pub at: i64,
    /// The certifier or admin that signed.
    pub by: Pubkey,
}

impl Attestation {
    pub const SEED: &'static [u8] = ATTESTATION_SEED;
}
