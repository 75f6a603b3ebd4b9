//! Events, one per state change, emitted through `emit_cpi!` so they survive log truncation
//! and cannot be forged by another program. Every event carries the slot and unix time; events
//! about an agent carry the agent's own monotonically increasing `seq`.
use anchor_lang::prelude::*;

use crate::state::{AgentStatus, SemVer, SloFigures, Stage};

#[event]
pub struct ConfigInitialized {
    pub admin: Pubkey,
    pub outcome_recorder: Pubkey,
    pub seq: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

#[event]
pub struct CertifiersSet {
    pub old_certifiers: Vec<Pubkey>,
    pub new_certifiers: Vec<Pubkey>,
    pub seq: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

#[event]
pub struct OutcomeRecorderSet {
    pub old_outcome_recorder: Pubkey,
    pub new_outcome_recorder: Pubkey,
    pub seq: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

#[event]
pub struct AdminSet {
    pub old_admin: Pubkey,
    pub new_admin: Pubkey,
    pub seq: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

#[event]
pub struct AgentRegistered {
    pub agent: Pubkey,
    pub owner: Pubkey,
    pub name: String,
    pub payout: Pubkey,
    /// Capability bits.
    pub capabilities: u64,
    pub seq: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

#[event]
pub struct AgentUpdated {
    pub agent: Pubkey,
    pub old_payout: Pubkey,
    pub new_payout: Pubkey,
    /// Capability bits before.
    pub old_capabilities: u64,
    /// Capability bits after.
    pub new_capabilities: u64,
    pub old_manifest_hash: [u8; 32],
    pub new_manifest_hash: [u8; 32],
    pub new_metadata_uri: String,
    pub seq: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

#[event]
pub struct AgentStatusChanged {
    pub agent: Pubkey,
    pub old_status: AgentStatus,
    pub new_status: AgentStatus,
    /// The owner or the admin.
    pub by: Pubkey,
    pub seq: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

#[event]
pub struct VersionPublished {
    pub agent: Pubkey,
    pub version: Pubkey,
    pub index: u32,
    pub semver: SemVer,
    pub manifest_hash: [u8; 32],
    pub code_hash: [u8; 32],
    pub seq: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

#[event]
pub struct AttestationIssued {
    pub agent: Pubkey,
    pub version: Pubkey,
    pub attestation: Pubkey,
    pub stage: Stage,
    pub attempt: u8,
    pub certifier: Pubkey,
    pub passed: bool,
    pub slo: SloFigures,
    pub report_hash: [u8; 32],
    /// Unix seconds (exclusive).
    pub expires_at: i64,
    pub seq: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

#[event]
pub struct AttestationRevoked {
    pub agent: Pubkey,
    pub version: Pubkey,
    pub attestation: Pubkey,
    pub stage: Stage,
    /// The certifier or admin that signed.
    pub by: Pubkey,
    /// Stages whose pass was revoked (bit i = stage i); 0 when the attestation was not the
    /// current pass of its stage.
    pub stages_revoked: u8,
    pub seq: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

#[event]
pub struct OutcomeRecorded {
    pub agent: Pubkey,
    pub success: bool,
    /// Realized slippage of the step, in bps (0 for non-swap steps).
    pub realized_slippage_bps: u16,
    /// The receipt leaf that backs this outcome.
    pub receipt_leaf: [u8; 32],
    pub succeeded_before: u64,
    pub succeeded_after: u64,
    pub failed_before: u64,
    pub failed_after: u64,
    pub seq: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}
