use anchor_lang::prelude::*;

use crate::{constants::*, error::RegistryError, state::SemVer};

/// Certification stages, in the order they must be passed.
#[derive(
    AnchorSerialize,
    AnchorDeserialize,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    InitSpace,
)]

pub enum Stage {
    /// Static review: manifest schema, capabilities, permissions, guard compatibility.
    A,
    /// Sandbox: runs against a fresh embedded chain with simulated prices; deterministic replay.
    B,
    /// Constrained live: caps and canary trades.
    C,
    /// Full SLO: latency p50/p95, failure injection, complete receipts.
    D,
    /// Optional soak: volume.
    E,
}

impl Stage {
    pub const COUNT: usize = 5;

    pub fn index(self) -> usize {
        self as usize
    }

    /// The stage that must be passed before this one (`None` for A).
    pub fn previous(self) -> Option<Stage> {
        match self {
            Stage::A => None,
            Stage::B => Some(Stage::A),
            Stage::C => Some(Stage::B),
            Stage::D => Some(Stage::C),
            Stage::E => Some(Stage::D),
        }
    }
}

/// Certification state of one stage of one version.
#[derive(
    AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq, InitSpace,
)]
pub enum StageStatus {
    /// No attestation issued yet.
    #[default]
    NotAttempted,
    /// The latest attestation (`attempt`) failed.
    Failed { attempt: u8 },
    /// Attestation `attempt` passed and is valid until `expires_at` (unix seconds, exclusive).
    Passed { attempt: u8, expires_at: i64 },
    /// Attestation `attempt` (or a lower stage it was built on) was revoked at `at`; final for
    /// this version.
    Revoked { attempt: u8, at: i64 },
}

/// One stage's record on a version: how many attestations were issued and where it stands.
#[derive(
    AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq, InitSpace,
)]
pub struct StageRecord {
    /// Attestations issued for this stage; the next one uses this number as its attempt seed.
    pub attempts: u8,
    /// Current standing.
    pub status: StageStatus,
}

impl StageRecord {
    pub fn is_valid_pass(&self, now: i64) -> bool {
        matches!(self.status, StageStatus::Passed { expires_at, .. } if now < expires_at)
    }
}

/// A published version of an agent. PDA `["version", agent, index (u32 LE)]`.
#[account]
#[derive(InitSpace, Debug)]
pub struct AgentVersion {
    /// The agent this version belongs to.
    pub agent: Pubkey,
    /// Position in the agent's version list (0-based).
    pub index: u32,
    /// Semantic version; strictly greater than every earlier version of the agent.
    pub semver: SemVer,
    /// sha256 of the version's manifest.
    pub manifest_hash: [u8; 32],
    /// Hash of the code (binary or container digest) certifiers tested.
    pub code_hash: [u8; 32],
    /// Slot at publication.
    pub published_slot: u64,
    /// Unix seconds at publication.
    pub published_at: i64,
    /// Per-stage certification records, indexed by [`Stage`].
    pub stages: [StageRecord; Stage::COUNT],
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Room for upgrades; zero.
    pub reserved: [u8; 32],
}

impl AgentVersion {
    pub const SEED: &'static [u8] = VERSION_SEED;

    /// Bitmask of stages holding an unexpired, unrevoked pass at `now` (bit i = stage i).
    pub fn stages_passed(&self, now: i64) -> u8 {
        self.stages
            .iter()
            .enumerate()
            .filter(|(_, record)| record.is_valid_pass(now))
            .fold(0u8, |mask, (i, _)| mask | (1u8 << i))
    }

    /// True when every stage from A up to and including `stage` holds a valid pass at `now`.
    pub fn certified_at_least(&self, stage: Stage, now: i64) -> bool {
        self.stages[..=stage.index()]
            .iter()
            .all(|record| record.is_valid_pass(now))
    }

    /// Checks that `stage` may be attested now: its predecessor holds a valid pass, it is not
    /// revoked, and it does not already hold an unexpired pass.
    pub fn require_attestable(&self, stage: Stage, now: i64) -> Result<()> {
        if let Some(previous) = stage.previous() {
            require!(
                self.stages[previous.index()].is_valid_pass(now),
                RegistryError::InvalidStageTransition
            );
        }
        let record = &self.stages[stage.index()];
        require!(
            !matches!(record.status, StageStatus::Revoked { .. }),
            RegistryError::InvalidStageTransition
        );
        require!(
            !record.is_valid_pass(now),
            RegistryError::StageAlreadyPassed
        );
        Ok(())
    }

    /// True when `attempt` is the pass currently recorded for `stage` (expired or not).
    pub fn is_current_pass(&self, stage: Stage, attempt: u8) -> bool {
        matches!(
            self.stages[stage.index()].status,
            StageStatus::Passed { attempt: current, .. } if current == attempt
        )
    }

    /// Revokes every pass from `stage` upwards (higher stages were built on it). Returns the
    /// bitmask of stages revoked.
    pub fn revoke_from(&mut self, stage: Stage, now: i64) -> u8 {
        let mut mask = 0u8;
        for (i, record) in self.stages.iter_mut().enumerate().skip(stage.index()) {
            if let StageStatus::Passed { attempt, .. } = record.status {
                record.status = StageStatus::Revoked { attempt, at: now };
                mask |= 1u8 << i;
            }
        }
        mask
    }
}
