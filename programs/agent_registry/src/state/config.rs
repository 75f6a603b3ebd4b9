use anchor_lang::prelude::*;

use crate::{constants::*, error::RegistryError, state::Stage};

/// The registry's singleton configuration. PDA `["config"]`.
#[account]
#[derive(InitSpace, Debug)]
pub struct RegistryConfig {
    /// Signs certifier-set changes, outcome-recorder changes, admin transfers and admin pauses.
    /// Set at init to the program's upgrade authority.
    pub admin: Pubkey,
    /// Keys allowed to issue attestations; at most [`MAX_CERTIFIERS`], no duplicates, no default key.
    #[max_len(MAX_CERTIFIERS)]
    pub certifiers: Vec<Pubkey>,
    /// The only signer accepted by `record_outcome` (the runner program's reputation PDA).
    /// `Pubkey::default()` closes `record_outcome` (fail closed).
    pub outcome_recorder: Pubkey,
    /// Distinct certifiers that must pass each stage (indexed by [`Stage`]) before it counts;
    /// 1..=MAX_QUORUM each, and never more than the certifier set holds.
    pub quorum: [u8; Stage::COUNT],
    /// Sequence number of the last config event.
    pub seq: u64,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Room for upgrades; zero.
    pub reserved: [u8; 64],
}

impl RegistryConfig {
    pub const SEED: &'static [u8] = CONFIG_SEED;

    /// Certifiers needed for `stage`.
    pub fn quorum_of(&self, stage: Stage) -> u8 {
        self.quorum[stage.index()]
    }

    /// A quorum per stage: 1..=MAX_QUORUM, reachable with `certifiers` keys.
    pub fn validate_quorum(quorum: &[u8; Stage::COUNT], certifiers: usize) -> Result<()> {
        let reachable = u8::try_from(certifiers.max(1)).unwrap_or(u8::MAX);
        require!(
            quorum
                .iter()
                .all(|q| (1..=MAX_QUORUM).contains(q) && *q <= reachable),
            RegistryError::InvalidQuorum
        );
        Ok(())
    }

    pub fn is_certifier(&self, key: &Pubkey) -> bool {
        self.certifiers.contains(key)
    }

    /// Validates a proposed certifier set: bounded, no duplicates, no default key.
    pub fn validate_certifiers(certifiers: &[Pubkey]) -> Result<()> {
        require!(
            certifiers.len() <= MAX_CERTIFIERS,
            RegistryError::TooManyCertifiers
        );
        for (i, key) in certifiers.iter().enumerate() {
            require_keys_neq!(*key, Pubkey::default(), RegistryError::InvalidKey);
            require!(
                !certifiers[..i].contains(key),
                RegistryError::DuplicateCertifier
            );
        }
        Ok(())
    }

    pub fn next_seq(&mut self) -> Result<u64> {
        self.seq = self
            .seq
            .checked_add(1)
            .ok_or(onchain_common::CommonError::MathOverflow)?;
        Ok(self.seq)
    }

    pub fn invariant(&self) -> Result<()> {
        require_keys_neq!(self.admin, Pubkey::default(), RegistryError::InvalidKey);
        Self::validate_certifiers(&self.certifiers)?;
        Self::validate_quorum(&self.quorum, self.certifiers.len())
    }
}
