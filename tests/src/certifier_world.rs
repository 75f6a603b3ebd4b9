//! What the certifier's suites certify: a localnet with a vendor's agent registered (swap and
//! DCA, stage A passed) and a certifier that can pay for canary plans — and the vendor's broker
//! run live on it while the clock moves, as on a cluster.
use std::{path::PathBuf, sync::Arc, time::Duration};

use agent_registry::{constants::capability, state::Stage};
use agentrunner_client::{
    chain::Chain,
    flows::{manifest::capability_names, Manifest},
    ix, pda,
    send::{SendPolicy, Sender},
};
use agentrunner_embedded::{
    localnet::{Localnet, LocalnetSpec},
    scenario::Vendor,
    EmbeddedChain,
};
use agentrunner_keepers::{
    broker::{Broker, Strategy},
    certifier::{sandbox::AgentIdentity, Canaries, Certifier},
};
use anchor_lang::prelude::Pubkey;
use runner::state::Plan;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::fixtures::attest_args;

/// The certifier's world.
pub struct CertifierWorld {
    pub chain: Arc<EmbeddedChain>,
    pub localnet: Localnet,
    /// In the registry's certifier set; holds 1 SOL and 100 USDC for canaries.
    pub certifier: Keypair,
    pub vendor: Keypair,
    pub agent: Pubkey,
}

/// A fresh certifier's world whose agent trades (swap and DCA).
pub async fn certifier_world() -> CertifierWorld {
    certifier_world_for(capability::SWAP | capability::DCA).await
}

/// A fresh certifier's world whose agent has `capabilities`.
pub async fn certifier_world_for(capabilities: u64) -> CertifierWorld {
    let chain = Arc::new(EmbeddedChain::start().await.unwrap());
    let certifier = chain.funded_keypair(10_000_000_000).await.unwrap();
    let localnet = Localnet::bootstrap(&chain, &LocalnetSpec::default(), &[certifier.pubkey()])
        .await
        .unwrap();
    for (symbol, atoms) in [("SOL", 1_000_000_000), ("USDC", 100_000_000)] {
        localnet
            .fund_tokens(&chain, &certifier.pubkey(), symbol, atoms)
            .await
            .unwrap();
    }
    let mut manifest = Manifest::trading("Certified", Strategy::default(), 5_000);
    manifest.capabilities = capability_names(capabilities)
        .into_iter()
        .map(String::from)
        .collect();
    let Vendor {
        keypair: vendor,
        agent,
        ..
    } = localnet
        .onboard_vendor(&chain, &certifier, &manifest, Some(Stage::A))
        .await
        .unwrap();
    CertifierWorld {
        chain,
        localnet,
        certifier,
        vendor,
        agent,
    }
}

impl CertifierWorld {
    /// The agent as the certifier reads it.
    pub async fn identity(&self) -> AgentIdentity {
        AgentIdentity::read(&*self.chain, &self.agent)
            .await
            .unwrap()
    }

    /// The certifier, its reports (and sandboxes' files) in `dir`.
    pub fn certifier(&self, dir: PathBuf) -> Certifier<'_, EmbeddedChain> {
        Certifier {
            chain: &self.chain,
            sender: Sender::unjournaled(&*self.chain, SendPolicy::immediate()),
            certifier: self.certifier.insecure_clone(),
            deployment: &self.localnet.deployment,
            reports_dir: dir,
            seed: 7,
            canaries: Canaries::default(),
            target_url: None,
        }
    }

    /// Passes `stage` for the agent's version, as a certification run would have.
    pub async fn pass(&self, stage: Stage) {
        let now = self.chain.clock().await.unwrap().unix_timestamp;
        let attest = ix::registry::attest(
            &self.agent,
            &pda::agent_version(&self.agent, 0).0,
            &self.certifier.pubkey(),
            0,
            attest_args(stage, true, now + 30 * 86_400),
        );
        self.chain
            .send(&[attest], &[&self.certifier])
            .await
            .unwrap();
    }

    /// The vendor's broker on this chain.
    pub fn broker(&self, strategy: Strategy) -> Broker<'_, EmbeddedChain> {
        Broker::new(
            &self.chain,
            Sender::unjournaled(&*self.chain, SendPolicy::immediate()),
            self.vendor.insecure_clone(),
            self.agent,
            &self.localnet.deployment,
            strategy,
        )
    }

    /// The vendor's broker live (a round every 50 ms) until it has executed `stop_after` more
    /// executions, if given; then it stops responding.
    pub async fn live_broker(&self, stop_after: Option<u16>) {
        let broker = self.broker(Strategy::default());
        let base = self.executions_by_agent().await;
        loop {
            let _ = broker.bid_all().await;
            let _ = broker.execute_all().await;
            if let Some(more) = stop_after {
                if self.executions_by_agent().await >= base + more {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The clock moving 10 s every 50 ms with prices published, as `serve` moves it.
    pub async fn clock(&self) -> std::convert::Infallible {
        loop {
            tokio::time::sleep(Duration::from_millis(50)).await;
            self.localnet.advance(&self.chain, 10).await.unwrap();
        }
    }

    /// Executions landed on open plans whose steps are awarded to the agent.
    async fn executions_by_agent(&self) -> u16 {
        let broker = self.broker(Strategy::default());
        let mut total = 0;
        for (_, rfp) in broker.rfps().await.unwrap() {
            let market::state::RfpStatus::Awarded(award) = rfp.status else {
                continue;
            };
            if award.agent != self.agent {
                continue;
            }
            if let Ok(plan) = self.chain.fetch::<Plan>(&rfp.plan).await {
                total += plan.steps[usize::from(rfp.step)].executions;
            }
        }
        total
    }
}
