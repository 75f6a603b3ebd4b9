//! `agentrunner demo`: the walkthrough on a fresh embedded chain.
//!
//! Today it exercises everything that is on-chain so far: the agent registry (configuration by
//! the upgrade authority, three vendors, versions, stage attestations, an admin pause) and two
//! attacks the registry refuses. Every line it prints comes from a landed transaction or from
//! account state read back from the bank.
use agent_registry::{
    constants::capability,
    instructions::{AttestArgs, PublishVersionArgs, RegisterAgentArgs, TargetStatus},
    state::{Agent, AgentStatus, AgentVersion, SemVer, SloFigures, Stage},
};
use agentrunner_client::{ix::registry as ix, pda};
use agentrunner_embedded::{ChainError, EmbeddedChain};
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};
use anyhow::{Context, Result};
use clap::Args;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::{
    out,
    output::{section, table},
};

#[derive(Args)]
pub struct DemoArgs {
    /// Write the programs' own log (their `msg!` output) to this file instead of dropping it.
    #[arg(long)]
    pub program_log: Option<std::path::PathBuf>,
}

/// Validity of the demo's attestations: 90 days.
const VALIDITY_SECS: i64 = 90 * 24 * 60 * 60;

struct Vendor {
    name: &'static str,
    owner: Keypair,
    capabilities: u64,
    certify_to: Stage,
}

fn short(key: &Pubkey) -> String {
    let s = key.to_string();
    format!("{}…{}", &s[..4], &s[s.len() - 4..])
}

fn capability_names(bits: u64) -> String {
    let names = [
        (capability::SWAP, "swap"),
        (capability::DCA, "dca"),
        (capability::REBALANCE, "rebalance"),
        (capability::DATA, "data"),
        (capability::ANALYTICS, "analytics"),
        (capability::LIQUIDITY, "liquidity"),
    ];
    names
        .iter()
        .filter(|(bit, _)| bits & bit != 0)
        .map(|(_, n)| *n)
        .collect::<Vec<_>>()
        .join("+")
}

async fn send(
    chain: &EmbeddedChain,
    what: &str,
    ixs: &[Instruction],
    signers: &[&Keypair],
) -> Result<()> {
    let outcome = chain
        .send(ixs, signers)
        .await
        .with_context(|| what.to_string())?;
    let signature = outcome.signature.to_string();
    out!(
        "  ✓ {what}  (tx {}…, {} bytes, fee {} lamports)",
        &signature[..8],
        outcome.wire_bytes,
        outcome.fee
    );
    Ok(())
}

fn refused(what: &str, result: Result<agentrunner_embedded::TxOutcome, ChainError>) -> Result<()> {
    match result {
        Ok(_) => anyhow::bail!("{what} was accepted; the registry must refuse it"),
        Err(err) => {
            let reason = err
                .transaction_error()
                .map(|e| format!("{e:?}"))
                .unwrap_or_else(|| err.to_string());
            out!("  ✗ {what}: refused ({reason})");
            Ok(())
        }
    }
}

pub async fn run(args: DemoArgs) -> Result<()> {
    crate::output::Console::capture(args.program_log.as_deref())?;
    let chain = EmbeddedChain::start().await?;
    let clock = chain.clock().await?;
    section("Embedded chain");
    out!(
        "  real bank in-process at slot {}, unix time {}",
        clock.slot,
        clock.unix_timestamp
    );
    out!("  agent_registry {}", agent_registry::ID);

    section("Registry configuration (signed by the programs' upgrade authority)");
    let admin = chain.deployer().insecure_clone();
    let certifier = chain.funded_keypair(10_000_000_000).await?;
    send(
        &chain,
        "init_config",
        &[ix::init_config(&admin.pubkey(), Pubkey::default())],
        &[&admin],
    )
    .await?;
    send(
        &chain,
        "set_certifiers [1 certifier]",
        &[ix::set_certifiers(
            &admin.pubkey(),
            vec![certifier.pubkey()],
        )],
        &[&admin],
    )
    .await?;

    let vendors = [
        Vendor {
            name: "FastRoute",
            owner: chain.funded_keypair(10_000_000_000).await?,
            capabilities: capability::SWAP | capability::DCA,
            certify_to: Stage::D,
        },
        Vendor {
            name: "CheapSwap",
            owner: chain.funded_keypair(10_000_000_000).await?,
            capabilities: capability::SWAP | capability::DCA,
            certify_to: Stage::B,
        },
        Vendor {
            name: "BalancedX",
            owner: chain.funded_keypair(10_000_000_000).await?,
            capabilities: capability::SWAP | capability::DCA | capability::REBALANCE,
            certify_to: Stage::D,
        },
    ];

    section("Vendors register and publish 1.0.0");
    for vendor in &vendors {
        let owner = vendor.owner.pubkey();
        let agent = pda::agent(&owner, vendor.name).0;
        let register = ix::register_agent(
            &owner,
            RegisterAgentArgs {
                name: vendor.name.into(),
                payout: owner,
                capabilities: vendor.capabilities,
                metadata_uri: format!(
                    "https://agents.agentrunner.dev/{}/manifest.json",
                    vendor.name
                ),
                manifest_hash: [1; 32],
            },
        );
        let publish = ix::publish_version(
            &agent,
            &owner,
            0,
            PublishVersionArgs {
                semver: SemVer {
                    major: 1,
                    minor: 0,
                    patch: 0,
                },
                manifest_hash: [1; 32],
                code_hash: [2; 32],
            },
        );
        send(
            &chain,
            &format!("{} registered + 1.0.0 published", vendor.name),
            &[register, publish],
            &[&vendor.owner],
        )
        .await?;
    }

    section("Certifier signs stage verdicts, in order A -> B -> C -> D");
    let expires_at = chain.clock().await?.unix_timestamp + VALIDITY_SECS;
    for vendor in &vendors {
        let agent = pda::agent(&vendor.owner.pubkey(), vendor.name).0;
        let version = pda::agent_version(&agent, 0).0;
        for stage in [Stage::A, Stage::B, Stage::C, Stage::D] {
            if stage > vendor.certify_to {
                break;
            }
            let args = AttestArgs {
                stage,
                passed: true,
                slo: SloFigures {
                    p50_latency_ms: 350,
                    p95_latency_ms: 800,
                    success_rate_bps: 9_900,
                    cases_run: 100,
                },
                report_hash: [stage as u8; 32],
                report_uri: format!(
                    "https://certs.agentrunner.dev/{}/{stage:?}.json",
                    vendor.name
                ),
                expires_at,
            };
            send(
                &chain,
                &format!("{} stage {stage:?} passed", vendor.name),
                &[ix::attest(&agent, &version, &certifier.pubkey(), 0, args)],
                &[&certifier],
            )
            .await?;
        }
    }

    section("Attacks the registry refuses");
    let cheap = &vendors[1];
    let cheap_agent = pda::agent(&cheap.owner.pubkey(), cheap.name).0;
    let cheap_version = pda::agent_version(&cheap_agent, 0).0;
    let self_cert = ix::attest(
        &cheap_agent,
        &cheap_version,
        &cheap.owner.pubkey(),
        0,
        AttestArgs {
            stage: Stage::C,
            passed: true,
            slo: SloFigures::default(),
            report_hash: [0; 32],
            report_uri: String::new(),
            expires_at,
        },
    );
    refused(
        "CheapSwap certifies itself at stage C",
        chain.send(&[self_cert], &[&cheap.owner]).await,
    )?;
    let downgrade = ix::publish_version(
        &cheap_agent,
        &cheap.owner.pubkey(),
        1,
        PublishVersionArgs {
            semver: SemVer {
                major: 0,
                minor: 9,
                patch: 0,
            },
            manifest_hash: [0; 32],
            code_hash: [0; 32],
        },
    );
    refused(
        "CheapSwap publishes 0.9.0 after 1.0.0",
        chain.send(&[downgrade], &[&cheap.owner]).await,
    )?;

    section("Admin pauses BalancedX");
    let balanced_agent = pda::agent(&vendors[2].owner.pubkey(), vendors[2].name).0;
    send(
        &chain,
        "set_status Paused (admin)",
        &[ix::set_status(
            &balanced_agent,
            &admin.pubkey(),
            TargetStatus::Paused,
        )],
        &[&admin],
    )
    .await?;

    section("Registry state, read back from the bank");
    let now = chain.clock().await?.unix_timestamp;
    let mut rows = vec![vec![
        "agent".into(),
        "owner".into(),
        "capabilities".into(),
        "version".into(),
        "stages".into(),
        "status".into(),
        "may bid at stage D".into(),
    ]];
    let mut rent_rows = vec![vec![
        "account".into(),
        "bytes".into(),
        "rent (lamports)".into(),
    ]];
    for vendor in &vendors {
        let agent_key = pda::agent(&vendor.owner.pubkey(), vendor.name).0;
        let version_key = pda::agent_version(&agent_key, 0).0;
        let agent: Agent = chain.anchor_account(&agent_key).await?;
        let version: AgentVersion = chain.anchor_account(&version_key).await?;
        let passed = version.stages_passed(now);
        let stages: String = ["A", "B", "C", "D", "E"]
            .iter()
            .enumerate()
            .filter(|(i, _)| passed & (1 << i) != 0)
            .map(|(_, s)| *s)
            .collect();
        let status = match agent.status {
            AgentStatus::Active => "active".to_string(),
            AgentStatus::Paused { by_admin } => {
                format!("paused ({})", if by_admin { "admin" } else { "owner" })
            }
            AgentStatus::Retired { .. } => "retired".to_string(),
        };
        let verdict = match agent_registry::require_certified(
            &agent_key,
            &agent,
            &version,
            capability::SWAP,
            Stage::D,
            now,
        ) {
            Ok(()) => "yes".to_string(),
            Err(anchor_lang::error::Error::AnchorError(err)) => format!("no: {}", err.error_name),
            Err(err) => format!("no: {err}"),
        };
        let v = version.semver;
        rows.push(vec![
            agent.name.clone(),
            short(&agent.owner),
            capability_names(agent.capabilities),
            format!("{}.{}.{}", v.major, v.minor, v.patch),
            stages,
            status,
            verdict,
        ]);
        if rent_rows.len() == 1 {
            for (label, key) in [
                ("Agent", agent_key),
                ("AgentVersion", version_key),
                ("Attestation", pda::attestation(&version_key, Stage::A, 0).0),
            ] {
                let account = chain.account(&key).await?.context("account exists")?;
                rent_rows.push(vec![
                    label.into(),
                    account.data.len().to_string(),
                    account.lamports.to_string(),
                ]);
            }
        }
    }
    table(&rows);
    out!();
    table(&rent_rows);
    out!("\nDone: every figure above was read from the embedded chain.");
    Ok(())
}
