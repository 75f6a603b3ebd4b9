use anchor_lang::prelude::*;

use onchain_common::SafeMath;

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

/// One stage's record on a version: how many attestations were issued, where it stands, and
/// the certifiers whose passing verdicts the current (or forming) pass is made of.
#[derive(
    AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq, InitSpace,
)]
pub struct StageRecord {
    /// Attestations issued for this stage; the next one uses this number as its attempt seed.
    pub attempts: u8,
    /// Current standing.
    pub status: StageStatus,
    /// Distinct certifiers that passed the stage since the last failure, revocation or pass
    /// (the first `approvals` entries of `approvers`).
    pub approvals: u8,
    pub approvers: [Pubkey; MAX_QUORUM as usize],
    /// Earliest expiry among those approvals (unix seconds).
    pub approvals_expire_at: i64,
    /// Guard families every one of those approvals verified.
    pub approved_guards: u8,
}

impl StageRecord {
    pub fn is_valid_pass(&self, now: i64) -> bool {
        matches!(self.status, StageStatus::Passed { expires_at, .. } if now < expires_at)
    }

    /// `certifier` is among the approvals of the current (or forming) pass.
    pub fn is_approver(&self, certifier: &Pubkey) -> bool {
        self.approvers[..usize::from(self.approvals)].contains(certifier)
    }

    fn clear_approvals(&mut self) {
        self.approvals = 0;
        self.approvers = [Pubkey::default(); MAX_QUORUM as usize];
        self.approvals_expire_at = 0;
        self.approved_guards = 0;
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
    /// What this version may do (capability bits), fixed at publication: certification covers
    /// exactly these.
    pub capabilities: u64,
    /// Guard families the passes verified: those of stage A's review, narrowed by every later
    /// stage (0 before stage A passes); markets derive guard compatibility from these, not from
    /// what an offer claims.
    pub certified_guards: u8,
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

    /// Records `certifier`'s passing verdict (attestation `attempt`, valid until `expires_at`,
    /// verifying `guards`) on `stage`. The stage passes once `quorum` distinct certifiers agree:
    /// it then expires with the earliest of their approvals and, for stage B, certifies the
    /// guards all of them verified (narrowing what earlier stages certified). Returns whether the
    /// stage passed now.
    #[allow(clippy::too_many_arguments)]
    pub fn approve(
        &mut self,
        stage: Stage,
        certifier: Pubkey,
        attempt: u8,
        expires_at: i64,
        guards: u8,
        quorum: u8,
        now: i64,
    ) -> Result<bool> {
        let record = &mut self.stages[stage.index()];
        // A new round: after an (expired) pass, or when the approvals gathered have lapsed.
        if matches!(record.status, StageStatus::Passed { .. })
            || (record.approvals > 0 && record.approvals_expire_at <= now)
        {
            record.clear_approvals();
        }
        require!(
            !record.is_approver(&certifier),
            RegistryError::DuplicateApproval
        );
        let slot = usize::from(record.approvals);
        require!(
            slot < record.approvers.len(),
            RegistryError::DuplicateApproval
        );
        record.approvers[slot] = certifier;
        let first = record.approvals == 0;
        record.approvals = record.approvals.safe_add(1)?;
        record.approvals_expire_at = if first {
            expires_at
        } else {
            record.approvals_expire_at.min(expires_at)
        };
        record.approved_guards = if first {
            guards
        } else {
            record.approved_guards & guards
        };
        if record.approvals < quorum.max(1) {
            return Ok(false);
        }
        record.status = StageStatus::Passed {
            attempt,
            expires_at: record.approvals_expire_at,
        };
        // Stage A certifies the guards its review verified; every later stage can only confirm
        // or narrow them.
        self.certified_guards = if stage == Stage::A {
            record.approved_guards
        } else {
            self.certified_guards & record.approved_guards
        };
        Ok(true)
    }

    /// Records a failing verdict on `stage`: any approvals gathered so far are void.
    pub fn fail(&mut self, stage: Stage, attempt: u8) {
        let record = &mut self.stages[stage.index()];
        record.status = StageStatus::Failed { attempt };
        record.clear_approvals();
    }

    /// Revokes every pass from `stage` upwards (higher stages were built on it), with any
    /// approvals gathering for them. Returns the bitmask of stages revoked.
    pub fn revoke_from(&mut self, stage: Stage, now: i64) -> u8 {
        let mut mask = 0u8;
        for (i, record) in self.stages.iter_mut().enumerate().skip(stage.index()) {
            if let StageStatus::Passed { attempt, .. } = record.status {
                record.status = StageStatus::Revoked { attempt, at: now };
                mask |= 1u8 << i;
            }
            record.clear_approvals();
        }
        if stage == Stage::A {
            self.certified_guards = 0;
        }
        mask
    }

    /// Whether revoking `certifier`'s attestation `attempt` on `stage` revokes the stage: it is
    /// the recorded pass, or one of the approvals the pass (or a forming pass) is made of.
    pub fn is_part_of_pass(&self, stage: Stage, attempt: u8, certifier: &Pubkey) -> bool {
        self.is_current_pass(stage, attempt) || self.stages[stage.index()].is_approver(certifier)
    }
}
