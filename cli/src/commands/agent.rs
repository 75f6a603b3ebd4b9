//! `agentrunner agent init|register|publish|show`: a vendor's identity in the registry.
use std::path::PathBuf;

use agent_registry::state::{Agent, AgentVersion, Stage};
use agentrunner_client::{
    chain::Chain,
    flows::{
        manifest::{self, Manifest},
        registry,
    },
    pda,
};
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
    /// Writes a commented example manifest to start from.
    Init {
        /// Where to write it.
        #[arg(long, default_value = "manifest.json")]
        manifest: PathBuf,
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
    },
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
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Manifest::parse(&text).with_context(|| format!("manifest {}", path.display()))
}

/// Writes the example manifest to `path` (refusing to overwrite unless `force`).
fn init(path: &PathBuf, force: bool) -> Result<()> {
    if path.exists() && !force {
        bail!("{} exists; pass --force to replace it", path.display());
    }
    std::fs::write(path, manifest::EXAMPLE)
        .with_context(|| format!("cannot write {}", path.display()))?;
    out!(
        "wrote {}: edit the name and strategy, then `agentrunner agent register --manifest {}`",
        path.display(),
        path.display()
    );
    Ok(())
}

pub async fn run(args: AgentArgs, opts: Opts) -> Result<()> {
    match args.command {
        AgentCommand::Init { manifest, force } => init(&manifest, force)?,
        AgentCommand::Register {
            manifest,
            payout,
            uri,
        } => {
            let chain = opts.connect().await?;
            let owner = opts.keypair()?;
            let manifest = load_manifest(&manifest)?;
            let (agent, register) =
                manifest.register(&owner.pubkey(), &payout.unwrap_or(owner.pubkey()), &uri)?;
            let landed = crate::sender(&chain)
                .send(&format!("register:{agent}"), &owner, &register, &[], &[])
                .await?;
            if opts.output == Output::Id {
                out!("{agent}");
                return Ok(());
            }
            out!(
                "registered {} as {agent} with version {} ({})",
                manifest.name,
                manifest.version,
                landed.signature
            );
        }
        AgentCommand::Publish { manifest } => {
            let chain = opts.connect().await?;
            let owner = opts.keypair()?;
            let manifest = load_manifest(&manifest)?;
            let agent_key = pda::agent(&owner.pubkey(), &manifest.name).0;
            let agent: Agent = chain.fetch(&agent_key).await?;
            let (_, publish) = manifest.publish(&owner.pubkey(), agent.version_count)?;
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
            let chain = opts.connect().await?;
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
                        "reputation": registry::reputation(&agent),
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
            for r in registry::reputation(&agent) {
                rows.push(vec![
                    r.capability.to_string(),
                    r.succeeded.to_string(),
                    r.self_dealt.to_string(),
                    r.failed.to_string(),
                    r.credit.to_string(),
                    format!("{} bps", r.reliability_bps),
                ]);
            }
            table(&rows);
        }
    }
    Ok(())
}
