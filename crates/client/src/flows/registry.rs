//! The registry as an owner or an auditor reads it: an agent, its versions and, for each
//! version, every stage attestation issued (certifier, verdict, measured figures, report and
//! its hash, expiry) — three batched reads. Used by `agentrunner agent show`, the offers the
//! explorer lists and its agent pages.
use agent_registry::state::{Agent, AgentVersion, Attestation, Stage, StageStatus};
use anchor_lang::{prelude::Pubkey, Discriminator};

use crate::{accounts::decode, chain::Chain, pda, ClientError, ClientResult};

/// Every stage, lowest first.
pub const STAGES: [Stage; Stage::COUNT] = [Stage::A, Stage::B, Stage::C, Stage::D, Stage::E];

/// One attestation, at its address.
#[derive(Clone, Debug)]
pub struct AttestationView {
    pub key: Pubkey,
    pub attestation: Attestation,
}

/// One published version and the attestations issued on it, by stage then attempt.
#[derive(Clone, Debug)]
pub struct VersionView {
    pub key: Pubkey,
    pub version: AgentVersion,
    pub attestations: Vec<AttestationView>,
}

impl VersionView {
    /// The highest stage this version holds a valid pass of at `now`.
    pub fn certified_stage(&self, now: i64) -> Option<Stage> {
        STAGES
            .into_iter()
            .rev()
            .find(|s| self.version.stages[s.index()].is_valid_pass(now))
    }

    /// The attestation a stage's standing rests on (the attempt its status names).
    pub fn standing_attestation(&self, stage: Stage) -> Option<&AttestationView> {
        let attempt = match self.version.stages[stage.index()].status {
            StageStatus::NotAttempted => return None,
            StageStatus::Failed { attempt }
            | StageStatus::Passed { attempt, .. }
            | StageStatus::Revoked { attempt, .. } => attempt,
        };
        self.attestations
            .iter()
            .find(|a| a.attestation.stage == stage && a.attestation.attempt == attempt)
    }
}

/// An agent with every version it published.
#[derive(Clone, Debug)]
pub struct AgentView {
    pub key: Pubkey,
    pub agent: Agent,
    /// Oldest first; the last is the current version.
    pub versions: Vec<VersionView>,
}

impl AgentView {
    /// Reads the agent at `key`, its versions and their attestations.
    ///
    /// # Errors
    /// [`ClientError::AccountNotFound`] when there is no agent at `key`.
    pub async fn load<C: Chain>(chain: &C, key: &Pubkey) -> ClientResult<Self> {
        let agent: Agent = chain.fetch(key).await?;
        let version_keys: Vec<Pubkey> = (0..agent.version_count)
            .map(|i| pda::agent_version(key, i).0)
            .collect();
        let mut versions = Vec::new();
        for (vkey, account) in version_keys
            .iter()
            .zip(chain.accounts(&version_keys).await?)
        {
            let account = account.ok_or(ClientError::AccountNotFound(*vkey))?;
            versions.push(VersionView {
                key: *vkey,
                version: decode(vkey, &account.data)?,
                attestations: Vec::new(),
            });
        }
        let wanted: Vec<(usize, Pubkey)> = versions
            .iter()
            .enumerate()
            .flat_map(|(v, view)| {
                STAGES.into_iter().flat_map(move |stage| {
                    (0..view.version.stages[stage.index()].attempts)
                        .map(move |attempt| (v, pda::attestation(&view.key, stage, attempt).0))
                })
            })
            .collect();
        let keys: Vec<Pubkey> = wanted.iter().map(|(_, k)| *k).collect();
        for ((v, akey), account) in wanted.iter().zip(chain.accounts(&keys).await?) {
            if let Some(account) = account {
                versions[*v].attestations.push(AttestationView {
                    key: *akey,
                    attestation: decode(akey, &account.data)?,
                });
            }
        }
        Ok(Self {
            key: *key,
            agent,
            versions,
        })
    }

    /// The version bids are made with.
    pub fn current(&self) -> Option<&VersionView> {
        self.versions.last()
    }
}

/// Every agent in the registry (one program-account scan), by name.
pub async fn agents<C: Chain>(chain: &C) -> ClientResult<Vec<(Pubkey, Agent)>> {
    let mut agents = Vec::new();
    for (key, account) in chain
        .program_accounts(&agent_registry::ID, Agent::DISCRIMINATOR)
        .await?
    {
        agents.push((key, decode::<Agent>(&key, &account.data)?));
    }
    agents.sort_by(|(ka, a), (kb, b)| (&a.name, ka).cmp(&(&b.name, kb)));
    Ok(agents)
}

/// An agent's standing in one capability.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ReputationLine {
    pub capability: &'static str,
    pub succeeded: u64,
    pub self_dealt: u64,
    pub failed: u64,
    /// Credit from independent payers' paid value.
    pub credit: u64,
    /// What the award rule multiplies by, bps.
    pub reliability_bps: u64,
}

/// `agent`'s reputation in every capability its latest version may do or it was paid for.
pub fn reputation(agent: &Agent) -> Vec<ReputationLine> {
    super::manifest::CAPABILITIES
        .iter()
        .filter_map(|(name, bit)| {
            let r = agent.reputation_of(*bit).ok()?;
            (agent.capabilities & bit != 0 || r.succeeded + r.failed > 0).then(|| ReputationLine {
                capability: name,
                succeeded: r.succeeded,
                self_dealt: r.self_dealt,
                failed: r.failed,
                credit: r.credit,
                reliability_bps: r.reliability_bps(),
            })
        })
        .collect()
}
