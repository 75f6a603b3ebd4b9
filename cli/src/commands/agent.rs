//! `agentrunner agent register|publish|show`: a vendor's identity in the registry.
use std::path::PathBuf;

use agent_registry::{
    instructions::{PublishVersionArgs, RegisterAgentArgs},
    state::{Agent, AgentVersion, SemVer, Stage},
};
use agentrunner_client::{chain::Chain, ix, pda};
use agentrunner_keepers::certifier::Manifest;
use anchor_lang::prelude::Pubkey;
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use serde_json::json;
use solana_signer::Signer;

use crate::{
    opts::{Opts, Output},
    out,
    output::{section, table},
};

#[derive(Subcommand)]
pub enum AgentCommand {
    /// Registers an agent from its manifest and publishes the manifest's version.
    Register {
        /// The manifest (JSON).
        #[arg(long)]
        manifest: PathBuf,
        /// Payout wallet (default: the keypair).
        #[arg(long)]
        payout: Option<Pubkey>,
        /// Where the manifest is published.
        #[arg(long, default_value = "")]
        uri: String,
    },
    /// Publishes a new version (the manifest's) of the keypair's agent.
    Publish {
        #[arg(long)]
        manifest: PathBuf,
    },
    /// Shows an agent: status, versions, stages, reputation.
    Show {
        /// The agent's address.
        agent: Pubkey,
    },
}

#[derive(Args)]
pub struct AgentArgs {
    #[command(subcommand)]
    pub command: AgentCommand,
}

fn load_manifest(path: &PathBuf) -> Result<Manifest> {
    let manifest: Manifest = serde_json::from_str(
        &std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?,
    )
    .with_context(|| format!("{} is not a manifest", path.display()))?;
    let problems = manifest.problems();
    if !problems.is_empty() {
        bail!("manifest {}: {}", path.display(), problems.join("; "));
    }
    Ok(manifest)
}

fn semver(text: &str) -> Result<SemVer> {
    let parts: Vec<u16> = text
        .split('.')
        .map(str::parse)
        .collect::<Result<_, _>>()
        .with_context(|| format!("version {text} is not major.minor.patch"))?;
    let [major, minor, patch] = parts[..] else {
        bail!("version {text} is not major.minor.patch");
    };
    Ok(SemVer {
        major,
        minor,
        patch,
    })
}

fn version_args(manifest: &Manifest) -> Result<PublishVersionArgs> {
    Ok(PublishVersionArgs {
        semver: semver(&manifest.version)?,
        manifest_hash: manifest.hash(),
        code_hash: solana_sha256_hasher::hash(&serde_json::to_vec(&manifest.strategy)?).to_bytes(),
        capabilities: manifest.capability_bits(),
    })
}

pub async fn run(args: AgentArgs, opts: Opts) -> Result<()> {
    let chain = opts.connect().await?;
    match args.command {
        AgentCommand::Register {
            manifest,
            payout,
            uri,
        } => {
            let owner = opts.keypair()?;
            let manifest = load_manifest(&manifest)?;
            let (agent, register) = ix::registry::register_with_first_version(
                &owner.pubkey(),
                RegisterAgentArgs {
                    name: manifest.name.clone(),
                    payout: payout.unwrap_or(owner.pubkey()),
                    capabilities: manifest.capability_bits(),
                    metadata_uri: uri,
                    manifest_hash: manifest.hash(),
                },
                version_args(&manifest)?,
            );
            let landed = crate::sender(&chain)
                .send(&format!("register:{agent}"), &owner, &register, &[], &[])
                .await?;
            out!(
                "registered {} as {agent} with version {} ({})",
                manifest.name,
                manifest.version,
                landed.signature
            );
        }
        AgentCommand::Publish { manifest } => {
            let owner = opts.keypair()?;
            let manifest = load_manifest(&manifest)?;
            let agent_key = pda::agent(&owner.pubkey(), &manifest.name).0;
            let agent: Agent = chain.fetch(&agent_key).await?;
            let publish = ix::registry::publish_version(
                &agent_key,
                &owner.pubkey(),
                agent.version_count,
                version_args(&manifest)?,
            );
            let landed = crate::sender(&chain)
                .send(
                    &format!("publish:{agent_key}:{}", agent.version_count),
                    &owner,
                    &[publish],
                    &[],
                    &[],
                )
                .await?;
            out!(
                "published {} {} ({})",
                manifest.name,
                manifest.version,
                landed.signature
            );
        }
        AgentCommand::Show { agent: key } => {
            let agent: Agent = chain.fetch(&key).await?;
            let version_key = pda::agent_version(&key, agent.version_count.saturating_sub(1)).0;
            let version: Option<AgentVersion> = chain.fetch(&version_key).await.ok();
            let now = chain.clock().await?.unix_timestamp;
            let stages: Vec<(String, String)> = [Stage::A, Stage::B, Stage::C, Stage::D, Stage::E]
                .iter()
                .map(|s| {
                    let standing = version
                        .as_ref()
                        .map(|v| {
                            let record = v.stages[s.index()];
                            if record.is_valid_pass(now) {
                                "passed".to_string()
                            } else {
                                format!("{:?}", record.status)
                            }
                        })
                        .unwrap_or_default();
                    (format!("{s:?}"), standing)
                })
                .collect();
            if opts.output == Output::Json {
                out!(
                    "{}",
                    serde_json::to_string_pretty(&json!({
                        "agent": key.to_string(),
                        "name": agent.name,
                        "owner": agent.owner.to_string(),
                        "payout": agent.payout.to_string(),
                        "status": format!("{:?}", agent.status),
                        "capabilities": agent.capabilities,
                        "versions": agent.version_count,
                        "stages": stages.iter().map(|(s, v)| json!({"stage": s, "standing": v})).collect::<Vec<_>>(),
                        "reputation": reputation_rows(&agent),
                    }))?
                );
                return Ok(());
            }
            section(&format!("Agent {} ({key})", agent.name));
            out!(
                "  owner {}  payout {}  status {:?}",
                agent.owner,
                agent.payout,
                agent.status
            );
            out!("  versions {}", agent.version_count);
            let mut rows = vec![vec!["stage".to_string(), "standing".into()]];
            rows.extend(stages.into_iter().map(|(s, v)| vec![s, v]));
            table(&rows);
            let mut rows = vec![vec![
                "capability".to_string(),
                "succeeded".into(),
                "self-dealt".into(),
                "failed".into(),
                "credit".into(),
                "reliability".into(),
            ]];
            for r in reputation_rows(&agent) {
                rows.push(vec![
                    r["capability"].as_str().unwrap_or_default().to_string(),
                    r["succeeded"].to_string(),
                    r["self_dealt"].to_string(),
                    r["failed"].to_string(),
                    r["credit"].to_string(),
                    format!("{} bps", r["reliability_bps"]),
                ]);
            }
            table(&rows);
        }
    }
    Ok(())
}

/// The agent's reputation per capability it has records for (every capability its latest
/// version may do, and any it was paid for before).
fn reputation_rows(agent: &agent_registry::state::Agent) -> Vec<serde_json::Value> {
    agentrunner_keepers::certifier::manifest::CAPABILITIES
        .iter()
        .filter_map(|(name, bit)| {
            let r = agent.reputation_of(*bit).ok()?;
            (agent.capabilities & bit != 0 || r.succeeded + r.failed > 0).then(|| {
                json!({
                    "capability": name,
                    "succeeded": r.succeeded,
                    "self_dealt": r.self_dealt,
                    "failed": r.failed,
                    "credit": r.credit,
                    "reliability_bps": r.reliability_bps(),
                })
            })
        })
        .collect()
}
