//! The certifier's sandbox: a fresh embedded chain with a full deployment, served over
//! JSON-RPC and PubSub on a port of its own with its deployment file in a scratch directory —
//! a cluster the vendor's own agent connects to like any other. The agent under test keeps its
//! identity: its registry accounts are mirrored from the target cluster byte for byte, its
//! authority is funded, and the sandbox's certifier passes stage A there so it may bid.
//! Nothing here judges; [`super::scenario`] drives and measures.
use std::{path::PathBuf, sync::Arc};

use agent_registry::{
    instructions::AttestArgs,
    state::{Agent, AgentVersion, SloFigures, Stage, StageRecord},
};
use agentrunner_client::{accounts::decode, chain::Chain, errors, ix, pda};
use agentrunner_embedded::{
    localnet::{Localnet, LocalnetSpec},
    rpc_server::{serve, RpcServer},
    EmbeddedChain,
};
use anchor_lang::{prelude::Pubkey, AccountSerialize};
use solana_account::Account;
use solana_keypair::Keypair;
use solana_signer::Signer;

use super::agent::SandboxAddress;

fn fail(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("sandbox: {e}")
}

/// The agent under test as the target cluster registers it.
#[derive(Clone, Debug)]
pub struct AgentIdentity {
    pub agent: Pubkey,
    /// Its owner: signs its offers and executions.
    pub authority: Pubkey,
    pub payout: Pubkey,
    pub capabilities: u64,
    /// Its Agent account and every AgentVersion, as the target holds them.
    accounts: Vec<(Pubkey, Account)>,
}

impl AgentIdentity {
    /// Reads `agent`'s registry accounts from the target cluster.
    pub async fn read<C: Chain>(chain: &C, agent: &Pubkey) -> anyhow::Result<Self> {
        let account = chain
            .account(agent)
            .await?
            .ok_or_else(|| anyhow::anyhow!("{agent} is not a registered agent"))?;
        let state: Agent = decode(agent, &account.data)?;
        let versions: Vec<Pubkey> = (0..state.version_count)
            .map(|i| pda::agent_version(agent, i).0)
            .collect();
        let mut accounts = vec![(*agent, account)];
        for (key, version) in versions.iter().zip(chain.accounts(&versions).await?) {
            let version = version.ok_or_else(|| anyhow::anyhow!("version {key} missing"))?;
            accounts.push((*key, version));
        }
        Ok(Self {
            agent: *agent,
            authority: state.owner,
            payout: state.payout,
            capabilities: state.capabilities,
            accounts,
        })
    }
}

/// How far past its start a scenario may move the sandbox's clock, seconds: the agent's stage A
/// pass must hold that long.
const SANDBOX_HORIZON_SECS: i64 = 30 * 86_400;

/// A served sandbox cluster.
pub struct Sandbox {
    pub chain: Arc<EmbeddedChain>,
    pub localnet: Localnet,
    server: RpcServer,
    /// Where the agent finds it (and the scratch directory of this run).
    pub address: SandboxAddress,
    /// The sandbox registry's certifier (passes stage A for the agent under test).
    certifier: Keypair,
}

impl Sandbox {
    /// Starts a fresh sandbox serving on a free local port, its files in `dir`.
    pub async fn start(dir: PathBuf) -> anyhow::Result<Self> {
        let chain = Arc::new(EmbeddedChain::start().await.map_err(fail)?);
        let certifier = chain.funded_keypair(1_000_000_000).await.map_err(fail)?;
        let localnet = Localnet::bootstrap(&chain, &LocalnetSpec::default(), &[certifier.pubkey()])
            .await
            .map_err(fail)?;
        let server = serve(chain.clone(), "127.0.0.1:0".parse()?)
            .await
            .map_err(fail)?;
        std::fs::create_dir_all(&dir)?;
        let deployment = dir.join("deployment.json");
        std::fs::write(
            &deployment,
            serde_json::to_vec_pretty(&localnet.deployment)?,
        )?;
        let address = SandboxAddress {
            url: server.url(),
            ws_url: server.pubsub_url(),
            deployment,
            dir,
            service_port: std::net::TcpListener::bind("127.0.0.1:0")?
                .local_addr()?
                .port(),
        };
        Ok(Self {
            chain,
            localnet,
            server,
            address,
            certifier,
        })
    }

    /// Admits the agent `identity`: its registry accounts as on the target, SOL for fees, a
    /// fee-token account for its payout, and stage A passed by the sandbox's certifier for
    /// the scenario's horizon.
    pub async fn admit(&self, identity: &AgentIdentity) -> anyhow::Result<()> {
        for (key, account) in &identity.accounts {
            self.chain.set_account(key, account.clone()).await;
        }
        self.chain
            .fund(&identity.authority, 100_000_000_000)
            .await
            .map_err(fail)?;
        let fee_token = &self.localnet.deployment.fee_token;
        self.localnet
            .fund_tokens(&self.chain, &identity.payout, fee_token, 0)
            .await
            .map_err(fail)?;
        let agent: Agent = self.chain.fetch(&identity.agent).await?;
        let index = agent.version_count.saturating_sub(1);
        let version_key = pda::agent_version(&identity.agent, index).0;
        let version = self.restart_stage_a(&version_key).await?;
        let now = self.chain.clock().await?.unix_timestamp;
        let attest = ix::registry::attest(
            &identity.agent,
            &version_key,
            &self.certifier.pubkey(),
            version.stages[Stage::A.index()].attempts,
            AttestArgs {
                stage: Stage::A,
                passed: true,
                slo: SloFigures::default(),
                report_hash: [0; 32],
                report_uri: String::new(),
                expires_at: now + 2 * SANDBOX_HORIZON_SECS,
                guards: agent_registry::constants::guard::ALL,
            },
        );
        self.chain
            .send(&[attest], &[&self.certifier])
            .await
            .map_err(fail)?;
        Ok(())
    }

    /// Clears stage A on the sandbox's copy of `version` (attempts kept), so that the sandbox's
    /// certifier passes it for the scenario's horizon: a scenario moves the clock days ahead,
    /// past wherever the target's pass expires.
    async fn restart_stage_a(&self, version: &Pubkey) -> anyhow::Result<AgentVersion> {
        let mut account = self
            .chain
            .account(version)
            .await?
            .ok_or_else(|| fail(format!("version {version} missing")))?;
        let mut state: AgentVersion = decode(version, &account.data)?;
        let a = &mut state.stages[Stage::A.index()];
        *a = StageRecord {
            attempts: a.attempts,
            ..StageRecord::default()
        };
        let size = account.data.len();
        account.data.clear();
        state.try_serialize(&mut account.data).map_err(fail)?;
        account.data.resize(size, 0);
        self.chain.set_account(version, account).await;
        Ok(state)
    }

    /// What the programs refused of the transactions `signer` sent, by error name — refused in
    /// preflight, or landed and failed — in order; and how many of its own simulations they
    /// refused (what an agent checks before sending is its own business: not counted against
    /// it, only reported).
    pub fn refusals(&self, signer: &Pubkey) -> (Vec<String>, u32) {
        let (simulated, sent): (Vec<_>, Vec<_>) = self
            .chain
            .refusals_of(signer)
            .into_iter()
            .partition(|r| r.simulated);
        let mut refused: Vec<(u64, String)> = sent
            .into_iter()
            .map(|r| (r.slot, errors::describe_with_logs(&r.error, &r.logs)))
            .collect();
        for signature in self.chain.history(signer) {
            let Some(record) = self.chain.transaction_record(&signature) else {
                continue;
            };
            if record.keys.first() != Some(signer) {
                continue;
            }
            if let Some(Err(error)) = self.chain.status(&signature) {
                refused.push((
                    record.slot,
                    errors::describe_with_logs(&error, &record.logs),
                ));
            }
        }
        refused.sort_by_key(|(slot, _)| *slot);
        let why = refused.into_iter().map(|(_, why)| why).collect();
        (why, simulated.len() as u32)
    }

    /// From now on answers every `every`-th HTTP request with 503 (0: never again).
    pub fn fail_every(&self, every: u64) {
        self.server
            .served
            .fail_every
            .store(every, std::sync::atomic::Ordering::Relaxed);
    }

    /// Stops serving.
    pub fn stop(self) {
        self.server.stop();
    }
}
