//! The journey's three vendors: each registers its agent from its manifest, funds its payout
//! account, and is certified A–D by the certifier (CheapSwap's broker ignores the oracle and
//! fails stage B for it).
use agent_registry::state::Stage;
use agentrunner_client::flows::{manifest::Manifest, Strategy};
use agentrunner_embedded::{localnet::Localnet, EmbeddedChain};
use agentrunner_keepers::certifier::Certifier;
use anchor_lang::prelude::Pubkey;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::{
    report::{StageSummary, VendorSummary},
    script::{fail, sender},
};

/// A registered vendor: its wallet, agent and manifest.
pub struct Vendor {
    pub name: &'static str,
    pub keypair: Keypair,
    pub agent: Pubkey,
    pub manifest: Manifest,
}

/// Each vendor's name and broker strategy.
fn strategies() -> Vec<(&'static str, Strategy)> {
    vec![
        (
            "FastRoute",
            Strategy {
                price: 80_000,
                eta_ms: 400,
                success_rate_bps: 9_950,
                ..Strategy::default()
            },
        ),
        (
            // Cheapest, but its broker quotes the pool's spot price and ignores the oracle.
            "CheapSwap",
            Strategy {
                price: 20_000,
                eta_ms: 300,
                success_rate_bps: 9_990,
                respects_guards: false,
                ..Strategy::default()
            },
        ),
        (
            "BalancedX",
            Strategy {
                price: 50_000,
                eta_ms: 600,
                success_rate_bps: 9_900,
                ..Strategy::default()
            },
        ),
    ]
}

/// What every demo vendor promises: award to fill within 2 s at the 95th percentile.
const P95_LATENCY_MS: u32 = 2_000;

/// Registers every vendor's agent (with its first version) and opens its USDC payout account.
pub async fn register(chain: &EmbeddedChain, localnet: &Localnet) -> anyhow::Result<Vec<Vendor>> {
    let mut vendors = Vec::new();
    for (name, strategy) in strategies() {
        let keypair = chain.funded_keypair(10_000_000_000).await.map_err(fail)?;
        let manifest = Manifest::trading(name, strategy, P95_LATENCY_MS);
        let uri = format!("https://agents.example/{name}/manifest.json");
        let (agent, register) = manifest.register(&keypair.pubkey(), &keypair.pubkey(), &uri)?;
        sender(chain)
            .send(&format!("register:{name}"), &keypair, &register, &[], &[])
            .await
            .map_err(fail)?;
        localnet
            .fund_tokens(chain, &keypair.pubkey(), "USDC", 0)
            .await
            .map_err(fail)?;
        vendors.push(Vendor {
            name,
            keypair,
            agent,
            manifest,
        });
    }
    Ok(vendors)
}

/// Certifies every vendor A–D; each one's verdicts and figures.
pub async fn certify(
    certifier: &Certifier<'_, EmbeddedChain>,
    vendors: &[Vendor],
) -> anyhow::Result<Vec<VendorSummary>> {
    let mut summaries = Vec::new();
    for vendor in vendors {
        let results = certifier
            .certify(&vendor.agent, &vendor.manifest, Stage::D)
            .await
            .map_err(fail)?;
        summaries.push(VendorSummary {
            name: vendor.name.into(),
            agent: vendor.agent,
            price: vendor.manifest.strategy.price,
            stages: results
                .iter()
                .map(|(report, _)| StageSummary {
                    stage: report.stage.clone(),
                    passed: report.passed,
                    p95_latency_ms: report.p95_latency_ms,
                    success_rate_bps: report.success_rate_bps,
                    reasons: report.reasons.clone(),
                })
                .collect(),
        });
    }
    Ok(summaries)
}
