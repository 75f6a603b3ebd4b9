//! # agent_registry
//!
//! Who may sell work on AgentRunner, and how far they are trusted.
//!
//! **Lifecycle.** The upgrade authority calls `init_config` once and becomes admin; the admin
//! names the certifier set (`set_certifiers`) and the runner's reputation PDA
//! (`set_outcome_recorder`). A vendor registers an [`Agent`] (`register_agent`, identity =
//! owner + name), publishes strictly increasing versions (`publish_version`), and certifiers
//! attest each version stage by stage A -> B -> C -> D (-> E) (`attest`); a stage needs its
//! predecessor passed and unexpired on the same version. A certifier or the admin may revoke an
//! attestation (`revoke_attestation`), which revokes that stage and every stage above it on the
//! version. Owners pause, resume or retire their agents; the admin may pause any agent
//! (`set_status`). Reputation changes only through `record_outcome`, signed by the runner's PDA,
//! so it is backed by paid, receipted work.
//!
//! **Authorities.** admin: config; owner: its agent and versions; certifiers: attestations (never
//! on their own agents); outcome recorder: reputation. Nothing here moves tokens.
//!
//! **Reading from other programs.** [`require_certified`] is the check the market runs before
//! accepting an offer: Active, capability present, latest version, stages A..=S valid now.
//!
//! **Keepers.** None required; the certifier keeper calls `attest` after running its stages.
#![deny(arithmetic_overflow, unused_must_use)]
#![allow(clippy::result_large_err)]

pub mod certification;
pub mod constants;
pub mod error;
pub mod events;
pub mod instructions;
pub mod state;

use anchor_lang::prelude::*;

pub use certification::require_certified;
use instructions::*;
pub use state::{
    Agent, AgentStatus, AgentVersion, Attestation, RegistryConfig, SemVer, SloFigures, Stage,
};

declare_id!("4SNFzsbATvzxPKsoRM8dZoGhEq1tKSqqHmBLTozbfCku");

#[cfg(not(feature = "no-entrypoint"))]
solana_security_txt::security_txt! {
    name: "AgentRunner agent_registry",
    project_url: "https://github.com/agentrunner/agentrunner",
    contacts: "email:security@agentrunner.dev",
    policy: "https://github.com/agentrunner/agentrunner/blob/main/SECURITY.md",
    source_code: "https://github.com/agentrunner/agentrunner",
    source_revision: default_env::default_env!("GITHUB_SHA", ""),
    auditors: "None"
}

#[program]
pub mod agent_registry {
    use super::*;

    /// Creates the config; the signer must be the program's upgrade authority.
    pub fn init_config(ctx: Context<InitConfig>, args: InitConfigArgs) -> Result<()> {
        instructions::init_config::handler(ctx, args)
    }

    /// Replaces the certifier set (admin).
    pub fn set_certifiers(ctx: Context<SetCertifiers>, args: SetCertifiersArgs) -> Result<()> {
        instructions::set_certifiers::handler(ctx, args)
    }

    /// Names the only signer `record_outcome` accepts (admin).
    pub fn set_outcome_recorder(
        ctx: Context<SetOutcomeRecorder>,
        args: SetOutcomeRecorderArgs,
    ) -> Result<()> {
        instructions::set_outcome_recorder::handler(ctx, args)
    }

    /// Hands the admin role to a co-signing new key (admin).
    pub fn set_admin(ctx: Context<SetAdmin>, args: SetAdminArgs) -> Result<()> {
        instructions::set_admin::handler(ctx, args)
    }

    /// Registers a new agent under (owner, name).
    pub fn register_agent(ctx: Context<RegisterAgent>, args: RegisterAgentArgs) -> Result<()> {
        instructions::register_agent::handler(ctx, args)
    }

    /// Updates payout, metadata URI or manifest hash (owner); capabilities change only with a
    /// new version.
    pub fn update_agent(ctx: Context<UpdateAgent>, args: UpdateAgentArgs) -> Result<()> {
        instructions::update_agent::handler(ctx, args)
    }

    /// Pauses, resumes or retires an agent (owner; admin may pause and lift its own pause).
    pub fn set_status(ctx: Context<SetStatus>, args: SetStatusArgs) -> Result<()> {
        instructions::set_status::handler(ctx, args)
    }

    /// Publishes a strictly greater version (owner).
    pub fn publish_version(ctx: Context<PublishVersion>, args: PublishVersionArgs) -> Result<()> {
        instructions::publish_version::handler(ctx, args)
    }

    /// Records a certifier's verdict on one stage of one version (certifier).
    pub fn attest(ctx: Context<Attest>, args: AttestArgs) -> Result<()> {
        instructions::attest::handler(ctx, args)
    }

    /// Revokes an attestation (its certifier or the admin).
    pub fn revoke_attestation(ctx: Context<RevokeAttestation>) -> Result<()> {
        instructions::revoke_attestation::handler(ctx)
    }

    /// Adds a paid step's outcome to an agent's reputation (runner PDA by CPI).
    pub fn record_outcome(ctx: Context<RecordOutcome>, args: RecordOutcomeArgs) -> Result<()> {
        instructions::record_outcome::handler(ctx, args)
    }

    /// Sets how many distinct certifiers each stage needs (admin).
    pub fn set_quorum(ctx: Context<SetQuorum>, args: SetQuorumArgs) -> Result<()> {
        instructions::set_quorum::handler(ctx, args)
    }
}
