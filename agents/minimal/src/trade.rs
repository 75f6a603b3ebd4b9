//! `minimal-agent trade`: offers on every RFP its agent may take, at one price, and executes
//! what it is awarded when the runner's guards would pass — through
//! `agentrunner_client::flows::vendor` alone.
//!
//! ```sh
//! minimal-agent trade --keypair vendor.json --agent <AGENT> [--price 50000] [--url URL --deployment FILE]
//! ```
use std::{path::PathBuf, time::Duration};

use agentrunner_client::{
    deployment::Deployment,
    flows::{
        vendor::{self, Bid, Next},
        Strategy,
    },
    keys::read_keypair,
    rpc::RpcChain,
    send::{SendPolicy, Sender},
    ClientResult,
};
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};
use market::state::RfpStatus;
use solana_signer::Signer;

/// `minimal-agent trade`'s arguments.
#[derive(clap::Args)]
pub struct TradeArgs {
    /// The vendor's keypair (owner of the agent): signs offers and executions.
    #[arg(long)]
    keypair: PathBuf,
    /// The agent's address.
    #[arg(long)]
    agent: Pubkey,
    /// Fee asked per execution, atoms of the fee token.
    #[arg(long, default_value_t = 50_000)]
    price: u64,
    /// Cluster RPC URL.
    #[arg(long, env = "AGENTRUNNER_SANDBOX_URL")]
    url: String,
    /// The cluster's deployment file.
    #[arg(long, env = "AGENTRUNNER_SANDBOX_DEPLOYMENT")]
    deployment: PathBuf,
    /// Pause between rounds, milliseconds.
    #[arg(long, default_value_t = 200)]
    round_ms: u64,
}

/// Runs rounds until killed.
pub async fn run(args: TradeArgs) -> anyhow::Result<()> {
    let chain = RpcChain::new(&args.url);
    let deployment = Deployment::load(&args.deployment)?;
    let vendor = read_keypair(&args.keypair)?;
    let strategy = Strategy {
        price: args.price,
        ..Strategy::default()
    };
    let sender = Sender::unjournaled(
        &chain,
        SendPolicy {
            poll_interval: Duration::from_millis(50),
            ..SendPolicy::default()
        },
    );
    let agent = Agent {
        chain: &chain,
        sender: &sender,
        deployment: &deployment,
        vendor: &vendor,
        agent: args.agent,
        strategy,
    };
    loop {
        if let Err(e) = agent.round().await {
            eprintln!("round: {e}");
        }
        tokio::time::sleep(Duration::from_millis(args.round_ms)).await;
    }
}

/// What a round needs.
struct Agent<'a> {
    chain: &'a RpcChain,
    sender: &'a Sender<'a, RpcChain, Box<dyn agentrunner_client::send::Journal>>,
    deployment: &'a Deployment,
    vendor: &'a solana_keypair::Keypair,
    agent: Pubkey,
    strategy: Strategy,
}

impl Agent<'_> {
    /// Offers on each open RFP it may take; executes each awarded step that is ready.
    async fn round(&self) -> ClientResult<()> {
        let who = (&self.vendor.pubkey(), &self.agent);
        for (key, rfp) in vendor::rfps(self.chain).await? {
            let ix = match rfp.status {
                RfpStatus::Open => {
                    match vendor::bid(
                        self.chain,
                        self.deployment,
                        (&key, &rfp),
                        who,
                        &self.strategy,
                    )
                    .await?
                    {
                        Bid::Offer(ix) => ix,
                        Bid::Offered | Bid::Pass(_) => continue,
                    }
                }
                RfpStatus::Awarded(award) if award.agent == self.agent => {
                    match vendor::next_execution(
                        self.chain,
                        self.deployment,
                        &rfp,
                        who,
                        &self.strategy,
                    )
                    .await?
                    {
                        Next::Ready(execution) => execution.ix,
                        Next::Unfunded(report) => report,
                        Next::Wait(_) | Next::Finished(_) => continue,
                    }
                }
                _ => continue,
            };
            self.send(&key, ix).await;
        }
        Ok(())
    }

    /// Sends `ix` through the deployment's lookup table; a refusal is printed, not fatal.
    async fn send(&self, rfp: &Pubkey, ix: Instruction) {
        let intent = format!("minimal:{rfp}");
        let tables = self.deployment.tables();
        if let Err(e) = self
            .sender
            .send(&intent, self.vendor, &[ix], &[], &tables)
            .await
        {
            eprintln!("{rfp}: {e}");
        }
    }
}
