//! The journey's three vendors: each registers its agent from its manifest, funds its payout
//! account, and is certified A–D by the certifier — its own broker run against the
//! certifier's sandbox clusters (B), then live on this chain for the canaries (C, D) while the
//! clock moves on as a cluster's would. CheapSwap's broker ignores the oracle and fails B.
use agent_registry::state::Stage;
use agentrunner_client::flows::{manifest::Manifest, Strategy};
use agentrunner_embedded::{localnet::Localnet, EmbeddedChain};
use std::time::Duration;

use agentrunner_keepers::{
    broker::Broker,
    certifier::{AgentUnderTest, Certifier},
    Outcome,
};
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

/// What every demo vendor promises: award to fill within 1 s at the 95th percentile.
const P95_LATENCY_MS: u32 = 1_000;

/// How often a demo vendor's broker runs a round.
const ROUND: Duration = Duration::from_millis(50);

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

/// Certifies every vendor A–D, one at a time: the sandbox stages, then the live stages with
/// its canaries on this chain; each one's verdicts and figures.
pub async fn certify(
    certifier: &Certifier<'_, EmbeddedChain>,
    localnet: &Localnet,
    vendors: &[Vendor],
) -> anyhow::Result<Vec<VendorSummary>> {
    let chain = certifier.chain;
    let agents: Vec<AgentUnderTest> = vendors
        .iter()
        .map(|v| AgentUnderTest::broker(&v.keypair, v.manifest.strategy.clone(), ROUND))
        .collect();
    let mut summaries = Vec::new();
    for (vendor, agent) in vendors.iter().zip(&agents) {
        let mut results = certifier
            .certify(&vendor.agent, &vendor.manifest, Stage::B, Some(agent))
            .await
            .map_err(fail)?;
        if results.iter().all(|(report, _)| report.passed) {
            let live = Broker::new(
                chain,
                sender(chain),
                vendor.keypair.insecure_clone(),
                vendor.agent,
                &localnet.deployment,
                vendor.manifest.strategy.clone(),
            );
            let certified =
                certifier.certify(&vendor.agent, &vendor.manifest, Stage::D, Some(agent));
            let live_stages = tokio::select! {
                results = certified => results.map_err(fail)?,
                never = live_rounds(&live) => match never {},
                never = clock(chain, localnet) => match never? {},
            };
            results.extend(
                live_stages
                    .into_iter()
                    .filter(|(_, outcome)| !matches!(outcome, Outcome::AlreadyDone(_))),
            );
        }
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

/// The vendor's broker live on the chain: a bid and an execute round every [`ROUND`].
async fn live_rounds(broker: &Broker<'_, EmbeddedChain>) -> std::convert::Infallible {
    loop {
        let _ = broker.bid_all().await;
        let _ = broker.execute_all().await;
        tokio::time::sleep(ROUND).await;
    }
}

/// The chain's clock moving 10 s every 50 ms (200x), prices published, as `serve` does.
async fn clock(
    chain: &EmbeddedChain,
    localnet: &Localnet,
) -> anyhow::Result<std::convert::Infallible> {
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        localnet.advance(chain, 10).await.map_err(fail)?;
    }
}
