//! A deployment with certified vendors and funded owners, run through the real keepers — what
//! the step-cost and pipeline sections measure.
use agent_registry::state::Stage;
use agentrunner_client::{
    chain::Chain,
    flows::{self, Draft, Manifest, OwnerWallet, RfpPolicy},
    send::{Journal, Landed, SendPolicy, Sender},
};
use agentrunner_embedded::{
    localnet::{Localnet, LocalnetSpec},
    scenario::Vendor,
    EmbeddedChain,
};
use agentrunner_keepers::{
    broker::{Broker, Strategy},
    planner::Planner,
};
use anchor_lang::prelude::Pubkey;
use anyhow::Result;
use solana_keypair::Keypair;
use solana_signer::Signer;

pub struct Market {
    /// Shared, so a section can also serve it over JSON-RPC.
    pub chain: std::sync::Arc<EmbeddedChain>,
    pub localnet: Localnet,
    pub planner_key: Keypair,
    pub vendors: Vec<Vendor>,
}

pub fn sender(chain: &EmbeddedChain) -> Sender<'_, EmbeddedChain, Box<dyn Journal>> {
    Sender::unjournaled(chain, SendPolicy::immediate())
}

impl Market {
    /// A localnet (trees of `depth`, `shards` shards) with `vendors` swap-and-DCA vendors
    /// certified A-D by a certifier key (attested directly: the certifier's sandbox is not what
    /// is measured).
    pub async fn new(vendors: usize, depth: u32, shards: u16) -> Result<Self> {
        let chain = EmbeddedChain::start().await?;
        let certifier = chain.funded_keypair(100_000_000_000).await?;
        let spec = LocalnetSpec {
            tree_depth: depth,
            shards,
            ..LocalnetSpec::default()
        };
        let localnet = Localnet::bootstrap(&chain, &spec, &[certifier.pubkey()]).await?;
        let mut registered = Vec::new();
        for n in 0..vendors {
            let manifest = Manifest::trading(&format!("Vendor{n}"), Strategy::default(), 1_000);
            let through = Some(Stage::D);
            registered.push(
                localnet
                    .onboard_vendor(&chain, &certifier, &manifest, through)
                    .await?,
            );
        }
        let planner_key = chain.funded_keypair(100_000_000_000).await?;
        Ok(Self {
            chain: std::sync::Arc::new(chain),
            localnet,
            planner_key,
            vendors: registered,
        })
    }

    pub fn planner(&self) -> Planner<'_, EmbeddedChain> {
        Planner::new(
            &*self.chain,
            sender(&self.chain),
            self.planner_key.insecure_clone(),
            &self.localnet.deployment,
            RfpPolicy::default(),
        )
    }

    pub fn broker(&self, vendor: usize) -> Broker<'_, EmbeddedChain> {
        self.broker_on(&*self.chain, vendor)
    }

    /// Vendor `vendor`'s broker reading and sending through `chain` (the market's, wrapped).
    pub fn broker_on<'a, C: Chain>(&'a self, chain: &'a C, vendor: usize) -> Broker<'a, C> {
        let vendor = &self.vendors[vendor];
        Broker::new(
            chain,
            Sender::unjournaled(chain, SendPolicy::immediate()),
            vendor.keypair.insecure_clone(),
            vendor.agent,
            &self.localnet.deployment,
            Strategy::default(),
        )
    }

    /// `goal` drafted for `owner`, planned by the market's planner key.
    pub async fn draft(&self, goal: &str, owner: &Pubkey) -> Result<Draft> {
        let d = &self.localnet.deployment;
        Ok(flows::draft(&*self.chain, d, goal, owner, &self.planner_key.pubkey()).await?)
    }

    /// `owner` signs `create_plan` for `draft`.
    pub async fn create(&self, owner: &Keypair, draft: &Draft) -> Result<Landed> {
        let sender = sender(&self.chain);
        let wallet = OwnerWallet::new(&*self.chain, &sender, owner, &self.localnet.deployment);
        Ok(wallet.create(draft).await?)
    }

    /// `owner` approves `plan` (every step awarded) for `lifetime_secs`.
    pub async fn approve(
        &self,
        owner: &Keypair,
        plan: &Pubkey,
        lifetime_secs: i64,
    ) -> Result<Vec<Landed>> {
        let sender = sender(&self.chain);
        let wallet = OwnerWallet::new(&*self.chain, &sender, owner, &self.localnet.deployment);
        let approval = wallet.approval(plan, lifetime_secs).await?;
        Ok(wallet.approve(&approval).await?)
    }

    /// A fresh owner holding 1,000 SOL and 10,000 USDC.
    pub async fn owner(&self) -> Result<Keypair> {
        let holdings = [("SOL", 1_000 * 1_000_000_000), ("USDC", 10_000 * 1_000_000)];
        let owner = self
            .localnet
            .funded_wallet(&self.chain, 100_000_000_000, &holdings);
        Ok(owner.await?)
    }
}
