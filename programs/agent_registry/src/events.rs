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
pub struct QuorumSet {
    /// Approvals each stage needs, indexed by stage.
    pub old_quorum: [u8; 5],
    pub new_quorum: [u8; 5],
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
    /// The stage holds a pass now (its quorum of approvals was reached by this one).
    pub stage_passed: bool,
    /// Approvals gathered for the stage's current (or forming) pass.
    pub approvals: u8,
    /// Approvals the stage needs.
    pub quorum: u8,
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
    /// The capability bit the outcome counts for.
    pub capability: u64,
    /// The plan owner who paid.
    pub payer: Pubkey,
    /// Value the execution carried, micro-USD.
    pub value_micro_usd: u64,
    /// Realized slippage of the step, in bps (0 for non-swap steps).
    pub realized_slippage_bps: u16,
    /// The receipt leaf that backs this outcome.
    pub receipt_leaf: [u8; 32],
    /// Reputation credit added (see `state::reputation`).
    pub credit: u64,
    pub credit_before: u64,
    pub credit_after: u64,
    pub succeeded_before: u64,
    pub succeeded_after: u64,
    pub failed_before: u64,
    pub failed_after: u64,
    pub seq: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}
