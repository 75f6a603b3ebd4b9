use anchor_lang::prelude::*;
use onchain_common::SafeMath;

use crate::{constants::*, error::RegistryError, state::Reputation};

/// Lifecycle of an agent. `Retired` is final: the account stays as a tombstone so the
/// (owner, name) identity can never be taken over.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum AgentStatus {
    /// Listed: may bid on RFPs and execute awarded steps.
    Active,
    /// Not listed. `by_admin` pauses can be lifted by the admin only.
    Paused { by_admin: bool },
    /// Permanently delisted at `at` (unix seconds).
    Retired { at: i64 },
}

/// Who is asking for a status change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusActor {
    Owner,
    Admin,
}

impl AgentStatus {
    /// The allowed transitions: owner Active<->Paused(owner), any non-retired -> Retired;
    /// admin Active -> Paused(admin), Paused(admin) -> Active, and Paused(owner) -> Paused(admin).
    pub fn transition(self, next: AgentStatus, actor: StatusActor) -> Result<AgentStatus> {
        use AgentStatus::*;
        use StatusActor::*;
        let ok = match (self, next, actor) {
            (Retired { .. }, _, _) => return err!(RegistryError::AgentRetired),
            (Active, Paused { by_admin: false }, Owner) => true,
            (Paused { by_admin: false }, Active, Owner) => true,
            (Active | Paused { .. }, Retired { .. }, Owner) => true,
            (Active | Paused { by_admin: false }, Paused { by_admin: true }, Admin) => true,
            (Paused { by_admin: true }, Active, Admin) => true,
            _ => false,
        };
        require!(ok, RegistryError::InvalidStatusTransition);
        Ok(next)
    }
}

/// A semantic version; ordered lexicographically (major, minor, patch).
#[derive(
    AnchorSerialize,
    AnchorDeserialize,
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    InitSpace,
)]
pub struct SemVer {
    pub major: u16,
    pub minor: u16,
    pub patch: u16,
}

/// A vendor agent. PDA `["agent", owner, sha256(name)]`: hashing the name gives one fixed-size
/// seed, so two names can never collide by concatenation.
#[account]
#[derive(InitSpace, Debug)]
pub struct Agent {
    /// Signs updates, status changes and version publications; paid the account's rent.
    pub owner: Pubkey,
    /// `sha256(name)`, the PDA seed.
    pub name_hash: [u8; 32],
    /// Display name, 1..=32 bytes of UTF-8.
    #[max_len(MAX_NAME_LEN)]
    pub name: String,
    /// Wallet that receives payments; payouts go to its token account for the budget's mint.
    pub payout: Pubkey,
    /// Capability bits of the latest published version (see `constants::capability`); what a
    /// version may do is fixed at its publication and certified with it.
    pub capabilities: u64,
    /// Off-chain metadata (manifest, endpoints), at most 200 bytes.
    #[max_len(MAX_URI_LEN)]
    pub metadata_uri: String,
    /// sha256 of the manifest the metadata URI serves.
    pub manifest_hash: [u8; 32],
    /// Lifecycle state.
    pub status: AgentStatus,
    /// Number of published versions; the latest is index `version_count - 1`.
    pub version_count: u32,
    /// The latest published version (meaningless while `version_count == 0`).
    pub latest_version: SemVer,
    /// Payment-backed reputation, one record per capability bit (see `state::reputation`).
    pub reputation: [Reputation; capability::COUNT],
    /// Unix seconds at registration.
    pub created_at: i64,
    /// Sequence number of the last event about this agent.
    pub seq: u64,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Room for upgrades; zero.
    pub reserved: [u8; 64],
}

impl Agent {
    pub const SEED: &'static [u8] = AGENT_SEED;

    pub fn name_hash(name: &str) -> [u8; 32] {
        solana_sha256_hasher::hash(name.as_bytes()).to_bytes()
    }

    pub fn validate_name(name: &str) -> Result<()> {
        require!(
            !name.is_empty() && name.len() <= MAX_NAME_LEN,
            RegistryError::NameTooLong
        );
        Ok(())
    }

    pub fn validate_uri(uri: &str) -> Result<()> {
        require!(uri.len() <= MAX_URI_LEN, RegistryError::UriTooLong);
        Ok(())
    }

    pub fn validate_capabilities(capabilities: u64) -> Result<()> {
        require!(
            capabilities != 0 && capabilities & !capability::ALL == 0,
            RegistryError::InvalidCapabilities
        );
        Ok(())
    }

    pub fn is_retired(&self) -> bool {
        matches!(self.status, AgentStatus::Retired { .. })
    }

    pub fn require_not_retired(&self) -> Result<()> {
        require!(!self.is_retired(), RegistryError::AgentRetired);
        Ok(())
    }

    pub fn next_seq(&mut self) -> Result<u64> {
        self.seq = self.seq.safe_add(1)?;
        Ok(self.seq)
    }

    /// The record of one capability bit.
    pub fn reputation_of(&self, bit: u64) -> Result<&Reputation> {
        capability::index(bit)
            .and_then(|i| self.reputation.get(i))
            .ok_or_else(|| error!(RegistryError::InvalidCapabilities))
    }

    /// Reliability for work needing every bit of `capabilities`: the weakest of their records
    /// (5,000 bps, a new agent's, when none is set).
    pub fn reliability_bps(&self, capabilities: u64) -> u64 {
        (0..capability::COUNT)
            .filter(|i| capabilities & (1u64 << i) != 0)
            .map(|i| self.reputation[i].reliability_bps())
            .min()
            .unwrap_or_else(|| Reputation::default().reliability_bps())
    }

    /// The payer is the agent itself: its owner or its payout wallet.
    pub fn is_self(&self, payer: &Pubkey) -> bool {
        *payer == self.owner || *payer == self.payout
    }

    pub fn invariant(&self) -> Result<()> {
        Self::validate_name(&self.name)?;
        Self::validate_uri(&self.metadata_uri)?;
        Self::validate_capabilities(self.capabilities)?;
        require_keys_neq!(self.payout, Pubkey::default(), RegistryError::InvalidKey);
        Ok(())
    }
}
