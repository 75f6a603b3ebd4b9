//! Registry errors (6000-6099). Append only; never renumber.
use anchor_lang::prelude::*;

#[error_code(offset = 6000)]
pub enum RegistryError {
    /// 6000
    #[msg("Unauthorized: the signer is not the account's authority for this action")]
    Unauthorized,
    /// 6001
    #[msg(
        "Not the upgrade authority: init_config must be signed by the program's upgrade authority"
    )]
    NotUpgradeAuthority,
    /// 6002
    #[msg("Too many certifiers: at most MAX_CERTIFIERS (16) keys")]
    TooManyCertifiers,
    /// 6003
    #[msg("Duplicate certifier: each certifier key may appear once")]
    DuplicateCertifier,
    /// 6004
    #[msg("Invalid key: the default (all-zero) public key is not allowed here")]
    InvalidKey,
    /// 6005
    #[msg("Name length invalid: the name must be 1..=32 bytes")]
    NameTooLong,
    /// 6006
    #[msg("URI too long: at most 200 bytes")]
    UriTooLong,
    /// 6007
    #[msg("Invalid capabilities: at least one known capability bit and no unknown bits")]
    InvalidCapabilities,
    /// 6008
    #[msg("Agent retired: a retired agent cannot change, publish or be certified")]
    AgentRetired,
    /// 6009
    #[msg("Invalid status transition: owner may pause/resume/retire, admin may pause/resume; an admin pause is lifted by the admin only")]
    InvalidStatusTransition,
    /// 6010
    #[msg("Version not increasing: a new version must be strictly greater than the latest")]
    VersionNotIncreasing,
    /// 6011
    #[msg("Not a certifier: the signer is not in the registry's certifier set")]
    NotCertifier,
    /// 6012
    #[msg("Self-certification: an agent's owner cannot attest its own agent")]
    SelfCertification,
    /// 6013
    #[msg("Invalid stage transition: stage S needs stage S-1 passed and unexpired on the same version; a revoked stage cannot be re-certified")]
    InvalidStageTransition,
    /// 6014
    #[msg("Stage already passed: the stage holds an unexpired pass; revoke it or wait for expiry")]
    StageAlreadyPassed,
    /// 6015
    #[msg("Invalid expiry: expires_at must be > now and at most 400 days ahead")]
    InvalidExpiry,
    /// 6016
    #[msg("Invalid SLO figures: bps figures must be <= 10000 and p50 <= p95")]
    InvalidSlo,
    /// 6017
    #[msg("Attestation already revoked")]
    AlreadyRevoked,
    /// 6018
    #[msg(
        "Outcome recorder not set: record_outcome is closed until the admin names the runner's PDA"
    )]
    OutcomeRecorderNotSet,
    /// 6019
    #[msg("Version mismatch: the version account does not belong to this agent")]
    VersionMismatch,
    /// 6020
    #[msg("Too many attempts: at most 255 attestations per stage and version")]
    TooManyAttempts,
    /// 6021
    #[msg("Nothing to change: the update carries no field")]
    EmptyUpdate,
    /// 6022
    #[msg("Agent not active: the agent must be Active")]
    AgentNotActive,
    /// 6023
    #[msg("Capability missing: the agent does not advertise the required capability")]
    CapabilityMissing,
    /// 6024
    #[msg("Not current version: the version account must be the agent's latest published version")]
    NotCurrentVersion,
    /// 6025
    #[msg("Not certified: the version lacks an unexpired, unrevoked pass at the required stage and every stage below it")]
    NotCertified,
    /// 6026
    #[msg("Capabilities pinned: a version's capabilities are fixed at publication; publish a new version (and certify it) to change them")]
    CapabilitiesPinned,
    /// 6027
    #[msg("Invalid quorum: 1..=4 certifiers per stage, and no more than the certifier set holds")]
    InvalidQuorum,
    /// 6028
    #[msg("Duplicate approval: this certifier already passed the stage for this version")]
    DuplicateApproval,
    /// 6029
    #[msg("Invalid guards: only known guard bits")]
    InvalidGuards,
    /// 6030
    #[msg("Payer record mismatch: pass the PDA [\"payer\", agent, payer] of the outcome's payer")]
    PayerRecordMismatch,
}
