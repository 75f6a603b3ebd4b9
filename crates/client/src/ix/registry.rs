//! `agent_registry` instruction builders.
use agent_registry::{accounts as acc, instruction as data, instructions::*, state::Stage};
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction, system_program};

use super::build;
use crate::pda;

fn event_authority() -> Pubkey {
    pda::event_authority(&agent_registry::ID).0
}

/// `init_config`: `admin` must be the registry's upgrade authority; pays rent.
pub fn init_config(admin: &Pubkey, outcome_recorder: Pubkey) -> Instruction {
    build(
        agent_registry::ID,
        acc::InitConfig {
            config: pda::registry_config().0,
            admin: *admin,
            program_data: pda::program_data(&agent_registry::ID),
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: agent_registry::ID,
        },
        data::InitConfig {
            args: InitConfigArgs { outcome_recorder },
        },
    )
}

/// `set_certifiers` (admin).
pub fn set_certifiers(admin: &Pubkey, certifiers: Vec<Pubkey>) -> Instruction {
    build(
        agent_registry::ID,
        acc::SetCertifiers {
            config: pda::registry_config().0,
            admin: *admin,
            event_authority: event_authority(),
            program: agent_registry::ID,
        },
        data::SetCertifiers {
            args: SetCertifiersArgs { certifiers },
        },
    )
}

/// `set_quorum` (admin): distinct certifiers each stage A..=E needs.
pub fn set_quorum(admin: &Pubkey, quorum: [u8; Stage::COUNT]) -> Instruction {
    build(
        agent_registry::ID,
        acc::SetQuorum {
            config: pda::registry_config().0,
            admin: *admin,
            event_authority: event_authority(),
            program: agent_registry::ID,
        },
        data::SetQuorum {
            args: SetQuorumArgs { quorum },
        },
    )
}

/// `set_outcome_recorder` (admin).
pub fn set_outcome_recorder(admin: &Pubkey, outcome_recorder: Pubkey) -> Instruction {
    build(
        agent_registry::ID,
        acc::SetOutcomeRecorder {
            config: pda::registry_config().0,
            admin: *admin,
            event_authority: event_authority(),
            program: agent_registry::ID,
        },
        data::SetOutcomeRecorder {
            args: SetOutcomeRecorderArgs { outcome_recorder },
        },
    )
}

/// `set_admin` (current admin and new admin sign).
pub fn set_admin(admin: &Pubkey, new_admin: &Pubkey) -> Instruction {
    build(
        agent_registry::ID,
        acc::SetAdmin {
            config: pda::registry_config().0,
            admin: *admin,
            new_admin: *new_admin,
            event_authority: event_authority(),
            program: agent_registry::ID,
        },
        data::SetAdmin {
            args: SetAdminArgs {
                new_admin: *new_admin,
            },
        },
    )
}

/// `register_agent`: the agent PDA is derived from (owner, name).
pub fn register_agent(owner: &Pubkey, args: RegisterAgentArgs) -> Instruction {
    build(
        agent_registry::ID,
        acc::RegisterAgent {
            agent: pda::agent(owner, &args.name).0,
            owner: *owner,
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: agent_registry::ID,
        },
        data::RegisterAgent { args },
    )
}

/// `update_agent` (owner).
pub fn update_agent(agent: &Pubkey, owner: &Pubkey, args: UpdateAgentArgs) -> Instruction {
    build(
        agent_registry::ID,
        acc::UpdateAgent {
            agent: *agent,
            owner: *owner,
            event_authority: event_authority(),
            program: agent_registry::ID,
        },
        data::UpdateAgent { args },
    )
}

/// `set_status` (owner or admin).
pub fn set_status(agent: &Pubkey, authority: &Pubkey, target: TargetStatus) -> Instruction {
    build(
        agent_registry::ID,
        acc::SetStatus {
            config: pda::registry_config().0,
            agent: *agent,
            authority: *authority,
            event_authority: event_authority(),
            program: agent_registry::ID,
        },
        data::SetStatus {
            args: SetStatusArgs { target },
        },
    )
}

/// `publish_version` (owner): `index` must be the agent's current `version_count`.
pub fn publish_version(
    agent: &Pubkey,
    owner: &Pubkey,
    index: u32,
    args: PublishVersionArgs,
) -> Instruction {
    build(
        agent_registry::ID,
        acc::PublishVersion {
            agent: *agent,
            version: pda::agent_version(agent, index).0,
            owner: *owner,
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: agent_registry::ID,
        },
        data::PublishVersion { args },
    )
}

/// `attest` (certifier): `attempt` must be the stage's current attempt count on the version.
pub fn attest(
    agent: &Pubkey,
    version: &Pubkey,
    certifier: &Pubkey,
    attempt: u8,
    args: AttestArgs,
) -> Instruction {
    let stage: Stage = args.stage;
    build(
        agent_registry::ID,
        acc::Attest {
            config: pda::registry_config().0,
            agent: *agent,
            version: *version,
            attestation: pda::attestation(version, stage, attempt).0,
            certifier: *certifier,
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: agent_registry::ID,
        },
        data::Attest { args },
    )
}

/// `revoke_attestation` (its certifier or the admin).
pub fn revoke_attestation(
    agent: &Pubkey,
    version: &Pubkey,
    attestation: &Pubkey,
    authority: &Pubkey,
) -> Instruction {
    build(
        agent_registry::ID,
        acc::RevokeAttestation {
            config: pda::registry_config().0,
            agent: *agent,
            version: *version,
            attestation: *attestation,
            authority: *authority,
            event_authority: event_authority(),
            program: agent_registry::ID,
        },
        data::RevokeAttestation {},
    )
}

/// `record_outcome` (the configured outcome recorder; `rent_payer` pays a new payer record).
pub fn record_outcome(
    agent: &Pubkey,
    recorder: &Pubkey,
    rent_payer: &Pubkey,
    args: RecordOutcomeArgs,
) -> Instruction {
    build(
        agent_registry::ID,
        acc::RecordOutcome {
            config: pda::registry_config().0,
            agent: *agent,
            payer_record: pda::payer_record(agent, &args.payer).0,
            recorder: *recorder,
            rent_payer: *rent_payer,
            system_program: anchor_lang::system_program::ID,
            event_authority: event_authority(),
            program: agent_registry::ID,
        },
        data::RecordOutcome { args },
    )
}

/// `register_agent` then `publish_version` of version 0, for one transaction signed by `owner`:
/// a new agent ready to be certified. Returns the agent's address and the two instructions.
pub fn register_with_first_version(
    owner: &Pubkey,
    register: RegisterAgentArgs,
    version: PublishVersionArgs,
) -> (Pubkey, [Instruction; 2]) {
    let agent = pda::agent(owner, &register.name).0;
    (
        agent,
        [
            register_agent(owner, register),
            publish_version(&agent, owner, 0, version),
        ],
    )
}
