//! Compound setups shared by the suites.
use agent_registry::{
    constants::capability,
    instructions::{AttestArgs, PublishVersionArgs, RegisterAgentArgs},
    state::{AgentVersion, SemVer, SloFigures, Stage},
};
use agentrunner_client::pda;
use anchor_lang::prelude::Pubkey;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::{context::landed, TestContext};

/// Validity given to test attestations: 30 days.
pub const ATTESTATION_VALIDITY_SECS: i64 = 30 * 24 * 60 * 60;

/// A configured registry: the deployer is admin, three certifiers, an outcome recorder key.
pub struct RegistrySetup {
    pub admin: Keypair,
    pub certifiers: Vec<Keypair>,
    pub recorder: Keypair,
}

/// A registered vendor agent with version 1.0.0 published.
pub struct VendorRoot {
    pub owner: Keypair,
    pub name: String,
    pub agent: Pubkey,
    pub version: Pubkey,
}

pub async fn setup_registry(ctx: &TestContext) -> RegistrySetup {
    let admin = ctx.chain.deployer().insecure_clone();
    let recorder = ctx.wallet().await;
    let certifiers = vec![ctx.wallet().await, ctx.wallet().await, ctx.wallet().await];
    let registry = ctx.registry();
    landed(registry.init_config(&admin, recorder.pubkey()).await);
    landed(
        registry
            .set_certifiers(&admin, certifiers.iter().map(|c| c.pubkey()).collect())
            .await,
    );
    RegistrySetup {
        admin,
        certifiers,
        recorder,
    }
}

pub fn register_args(name: &str, payout: Pubkey, capabilities: u64) -> RegisterAgentArgs {
    RegisterAgentArgs {
        name: name.to_string(),
        payout,
        capabilities,
        metadata_uri: format!("https://agents.example/{name}/manifest.json"),
        manifest_hash: [7; 32],
    }
}

pub fn version_args(major: u16, minor: u16, patch: u16) -> PublishVersionArgs {
    PublishVersionArgs {
        semver: SemVer {
            major,
            minor,
            patch,
        },
        manifest_hash: [major as u8; 32],
        code_hash: [patch as u8 + 1; 32],
    }
}

pub fn attest_args(stage: Stage, passed: bool, expires_at: i64) -> AttestArgs {
    AttestArgs {
        stage,
        passed,
        slo: SloFigures {
            p50_latency_ms: 420,
            p95_latency_ms: 900,
            success_rate_bps: if passed { 9_950 } else { 6_000 },
            cases_run: 200,
        },
        report_hash: [stage as u8 + 1; 32],
        report_uri: format!("https://certs.example/{stage:?}.json"),
        expires_at,
    }
}

/// Registers `name` (swap + DCA capabilities) and publishes 1.0.0.
pub async fn setup_vendor(ctx: &TestContext, name: &str) -> VendorRoot {
    setup_vendor_with(ctx, name, capability::SWAP | capability::DCA).await
}

pub async fn setup_vendor_with(ctx: &TestContext, name: &str, capabilities: u64) -> VendorRoot {
    let owner = ctx.wallet().await;
    let registry = ctx.registry();
    landed(
        registry
            .register_agent(&owner, register_args(name, owner.pubkey(), capabilities))
            .await,
    );
    let agent = pda::agent(&owner.pubkey(), name).0;
    landed(
        registry
            .publish_version(&agent, &owner, 0, version_args(1, 0, 0))
            .await,
    );
    let version = pda::agent_version(&agent, 0).0;
    VendorRoot {
        owner,
        name: name.to_string(),
        agent,
        version,
    }
}

/// Passes every stage from A up to and including `up_to`, each by the first certifier.
pub async fn certify(
    ctx: &TestContext,
    registry: &RegistrySetup,
    vendor: &VendorRoot,
    up_to: Stage,
) {
    let expires_at = ctx.now().await + ATTESTATION_VALIDITY_SECS;
    for stage in [Stage::A, Stage::B, Stage::C, Stage::D, Stage::E] {
        if stage > up_to {
            break;
        }
        let version: AgentVersion = ctx.get(&vendor.version).await;
        let attempt = version.stages[stage.index()].attempts;
        landed(
            ctx.registry()
                .attest(
                    &vendor.agent,
                    &vendor.version,
                    &registry.certifiers[0],
                    attempt,
                    attest_args(stage, true, expires_at),
                )
                .await,
        );
    }
}
