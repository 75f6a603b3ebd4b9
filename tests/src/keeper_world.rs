//! [`Awarded`]: a keeper-driven deployment (the localnet, a certified vendor, a planner) with
//! one approved one-shot swap waiting for its vendor, for the keeper suites.
use agent_registry::state::Stage;
use agentrunner_client::{
    chain::Chain,
    deployment::Deployment,
    flows::{self, Manifest, OwnerWallet, RfpPolicy},
    pda,
    send::{Journal, SendPolicy, Sender},
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
use escrow::state::Grant;
use market::state::Rfp;
use runner::state::Plan;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// An awarded, approved one-shot swap waiting for its vendor.
pub struct Awarded {
    /// Shared so tests can also serve it over JSON-RPC.
    pub chain: std::sync::Arc<EmbeddedChain>,
    pub localnet: Localnet,
    /// The vendor's wallet and its certified agent.
    pub vendor: Keypair,
    pub agent: Pubkey,
    /// The plan's owner.
    pub owner: Keypair,
    pub plan: Pubkey,
    /// The step's RFP, awarded to the vendor at `price`.
    pub rfp: Pubkey,
    pub price: u64,
}

/// A journal as the broker's sender takes it.
pub fn boxed(journal: impl Journal + 'static) -> Box<dyn Journal> {
    Box::new(journal)
}

/// Bootstraps the localnet, certifies a vendor (stage A), plans "Swap 1 SOL->USDC <=50 bps",
/// runs the market round and approves the plan.
pub async fn awarded() -> Awarded {
    awarded_with("Swap 1 SOL->USDC <=50 bps").await
}

/// [`awarded`] for `goal` (every step awarded to the vendor, which can swap, DCA, rebalance
/// and provide liquidity).
pub async fn awarded_with(goal: &str) -> Awarded {
    let shared = std::sync::Arc::new(EmbeddedChain::start().await.unwrap());
    let chain: &EmbeddedChain = &shared;
    let certifier = chain.funded_keypair(1_000_000_000).await.unwrap();
    let localnet = Localnet::bootstrap(chain, &LocalnetSpec::default(), &[certifier.pubkey()])
        .await
        .unwrap();
    let d = &localnet.deployment;
    let mut manifest = Manifest::trading("Keeper", Strategy::default(), 2_500);
    manifest.capabilities = ["swap", "dca", "rebalance", "liquidity"]
        .map(String::from)
        .into();
    let Vendor {
        keypair: vendor,
        agent,
        ..
    } = localnet
        .onboard_vendor(chain, &certifier, &manifest, Some(Stage::A))
        .await
        .unwrap();
    let holdings = [("SOL", 10_000_000_000), ("USDC", 1_000_000_000)];
    let owner = localnet
        .funded_wallet(chain, 10_000_000_000, &holdings)
        .await
        .unwrap();
    let immediate = || Sender::unjournaled(chain, SendPolicy::immediate());
    let planner = Planner::new(
        chain,
        immediate(),
        chain.funded_keypair(1_000_000_000).await.unwrap(),
        d,
        RfpPolicy {
            min_stage: Stage::A,
            ..RfpPolicy::default()
        },
    );
    let owner_sender = immediate();
    let wallet = OwnerWallet::new(chain, &owner_sender, &owner, d);
    let draft = flows::draft(chain, d, goal, &owner.pubkey(), &planner.planner.pubkey())
        .await
        .unwrap();
    wallet.create(&draft).await.unwrap();
    planner.open_rfps(&draft.plan).await.unwrap();
    let strategy = Strategy::default();
    let bidder = Broker::new(
        chain,
        immediate(),
        vendor.insecure_clone(),
        agent,
        d,
        strategy.clone(),
    );
    bidder.bid_all().await.unwrap();
    localnet.advance(chain, 61).await.unwrap();
    planner.award_all(&draft.plan).await.unwrap();
    let approval = wallet.approval(&draft.plan, 86_400).await.unwrap();
    wallet.approve(&approval).await.unwrap();
    let rfp = pda::rfp(&planner.planner.pubkey(), &draft.plan, 0).0;
    drop(planner);
    Awarded {
        chain: shared,
        localnet,
        vendor,
        owner,
        agent,
        plan: draft.plan,
        rfp,
        price: strategy.price,
    }
}

impl Awarded {
    /// The vendor's broker over `chain` with `journal` and `policy`.
    pub fn broker<'a, C: Chain>(
        &'a self,
        chain: &'a C,
        journal: Box<dyn Journal>,
        policy: SendPolicy,
    ) -> Broker<'a, C> {
        Broker::new(
            chain,
            Sender {
                chain,
                policy,
                journal,
            },
            self.vendor.insecure_clone(),
            self.agent,
            self.deployment(),
            Strategy::default(),
        )
    }

    pub fn deployment(&self) -> &Deployment {
        &self.localnet.deployment
    }

    /// The owner plans `goal` for itself, creates it with its RFPs, the vendor bids, bidding
    /// closes, the best offers are awarded and the owner approves: the plan, waiting for its
    /// vendor.
    pub async fn approved_goal(&self, goal: &str) -> Pubkey {
        let chain = &*self.chain;
        let d = self.deployment();
        let owner = self.owner.pubkey();
        let sender = Sender::unjournaled(chain, SendPolicy::immediate());
        let wallet = OwnerWallet::new(chain, &sender, &self.owner, d);
        let planner = Planner::new(
            chain,
            Sender::unjournaled(chain, SendPolicy::immediate()),
            self.owner.insecure_clone(),
            d,
            RfpPolicy {
                min_stage: Stage::A,
                ..RfpPolicy::default()
            },
        );
        let draft = flows::draft(chain, d, goal, &owner, &owner)
            .await
            .unwrap_or_else(|e| panic!("{goal}: {e}"));
        wallet.create(&draft).await.unwrap();
        planner.open_rfps(&draft.plan).await.unwrap();
        self.broker(
            chain,
            Box::new(agentrunner_client::send::NoJournal),
            SendPolicy::immediate(),
        )
        .bid_all()
        .await
        .unwrap();
        self.localnet.advance(chain, 61).await.unwrap();
        planner.award_all(&draft.plan).await.unwrap();
        let approval = wallet.approval(&draft.plan, 86_400).await.unwrap();
        wallet.approve(&approval).await.unwrap();
        draft.plan
    }

    /// Where `plan`'s first step stands, in `status`'s words.
    pub async fn first_step_state(&self, plan: &Pubkey) -> flows::StepState {
        let view =
            flows::PlanView::load(&*self.chain, self.deployment(), plan, flows::Offers::Load)
                .await
                .unwrap();
        flows::explain(&*self.chain, self.deployment(), &view)
            .await
            .unwrap()
            .remove(0)
    }

    /// The step's RFP as it stands.
    pub async fn rfp(&self) -> Rfp {
        self.chain.fetch(&self.rfp).await.unwrap()
    }

    /// The step executed once and the vendor was paid once.
    pub async fn assert_exactly_once(&self) {
        let plan: Plan = self.chain.fetch(&self.plan).await.unwrap();
        assert_eq!(plan.steps[0].executions, 1, "executions");
        let grant = self
            .chain
            .program_accounts(
                &escrow::ID,
                <Grant as anchor_lang::Discriminator>::DISCRIMINATOR,
            )
            .await
            .unwrap();
        let grant: Grant =
            agentrunner_client::accounts::decode(&grant[0].0, &grant[0].1.data).unwrap();
        assert_eq!(
            (grant.redeemed, grant.redemptions),
            (self.price, 1),
            "paid once"
        );
        let usdc = self.deployment().token("USDC").unwrap().mint;
        let vendor_usdc = pda::ata(&self.vendor.pubkey(), &usdc, &anchor_spl::token::ID);
        assert_eq!(
            self.chain.token_balance(&vendor_usdc).await.unwrap(),
            self.price
        );
    }
}
