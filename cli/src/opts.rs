//! Options every command shares, following the Solana CLI's conventions, and what they resolve
//! to: the cluster, the keypair, the deployment.
use std::path::PathBuf;

pub use agentrunner_client::keys::{read_keypair, write_keypair};
use agentrunner_client::{deployment::Deployment, keys, rpc::RpcChain};
use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use solana_keypair::Keypair;

/// How results are printed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// Tables and sentences.
    #[default]
    Display,
    /// One JSON document.
    Json,
    /// Only the address the command made (`goal`: the plan, `agent register`: the agent), for
    /// scripts; other commands print as `display`.
    Id,
}

#[derive(Args, Clone, Debug)]
pub struct Opts {
    /// Cluster: `localhost` (the embedded chain served by `agentrunner serve`), `devnet`,
    /// `mainnet-beta`, or an RPC URL.
    #[arg(
        short = 'u',
        long = "url",
        global = true,
        env = "AGENTRUNNER_URL",
        default_value = "localhost"
    )]
    pub url: String,
    /// Keypair file (Solana CLI JSON format), or the name of a role `agentrunner serve` made
    /// (`owner`, `planner`, `certifier`, `anchorer`, `vendor`).
    #[arg(short = 'k', long = "keypair", global = true)]
    pub keypair: Option<PathBuf>,
    /// Deployment description (default: the one `agentrunner serve` writes,
    /// `$AGENTRUNNER_HOME/localnet/deployment.json`).
    #[arg(
        long,
        global = true,
        env = "AGENTRUNNER_DEPLOYMENT",
        default_value_os_t = keys::default_deployment()
    )]
    pub deployment: PathBuf,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Output::Display)]
    pub output: Output,
}

impl Opts {
    /// The RPC URL `--url` names.
    pub fn rpc_url(&self) -> String {
        match self.url.as_str() {
            "localhost" | "l" => "http://127.0.0.1:8899".into(),
            "devnet" | "d" => "https://api.devnet.solana.com".into(),
            "mainnet-beta" | "m" => "https://api.mainnet-beta.solana.com".into(),
            "testnet" | "t" => "https://api.testnet.solana.com".into(),
            url => url.into(),
        }
    }

    /// Connects and checks the cluster answers, is the deployment's cluster (when a deployment
    /// file is there) and runs AgentRunner's programs. Nothing is signed before this passes.
    pub async fn connect(&self) -> Result<RpcChain> {
        let url = self.rpc_url();
        let chain = RpcChain::new(&url);
        let genesis = chain.genesis_hash().await.with_context(|| {
            format!(
                "cannot reach a cluster at {url} (start one with `agentrunner serve`, or pass -u)"
            )
        })?;
        if let Ok(deployment) = Deployment::load(&self.deployment) {
            deployment.require_cluster(&genesis).with_context(|| {
                format!("{} does not describe {url}", self.deployment.display())
            })?;
        }
        use agentrunner_client::chain::Chain;
        let runner = chain.account(&runner::ID).await?;
        if !runner.is_some_and(|a| a.executable) {
            bail!(
                "the cluster at {url} does not run the AgentRunner runner program {} (wrong cluster, or program id mismatch)",
                runner::ID
            );
        }
        Ok(chain)
    }

    /// The keypair `-k` names (default `~/.config/solana/id.json`).
    pub fn keypair(&self) -> Result<Keypair> {
        let path = match &self.keypair {
            Some(path) => keys::keypair_path(path),
            None => keys::default_keypair(),
        };
        Ok(read_keypair(&path)?)
    }

    /// The deployment `--deployment` names.
    pub fn deployment(&self) -> Result<Deployment> {
        Deployment::load(&self.deployment).with_context(|| {
            format!(
                "no deployment at {} (`agentrunner serve` writes one)",
                self.deployment.display()
            )
        })
    }
}
