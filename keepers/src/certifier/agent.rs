//! The agent under test: whatever the vendor runs, started by the certifier against its
//! sandbox and stopped when the run ends. A vendor names a command ([`AgentUnderTest::Command`]:
//! its own software, any language); an embedded journey whose vendors run AgentRunner's own
//! broker names that broker and its strategy ([`AgentUnderTest::Broker`]), run on a thread of
//! its own over JSON-RPC exactly as `agentrunner keeper broker` would.
//!
//! The contract with a command: it is run by `sh -c` in its own process group, with `{url}`,
//! `{ws_url}`, `{deployment}`, `{dir}` and `{service_port}` replaced by the sandbox's JSON-RPC
//! URL, PubSub URL, deployment file, scratch directory and the local port a service agent
//! serves its paid endpoint on, and the same in the environment (`AGENTRUNNER_SANDBOX_URL`,
//! `_WS_URL`, `_DEPLOYMENT`, `_DIR`, `_SERVICE_PORT`) — plus what points AgentRunner's own
//! commands at the sandbox unchanged: the CLI's `AGENTRUNNER_URL` and `AGENTRUNNER_DEPLOYMENT`,
//! and the keepers' settings `AGENTRUNNER__URL`, `AGENTRUNNER__DEPLOYMENT`, a journal and
//! receipts directory of the sandbox's own, and the broker's `http_bind` on the service port. Its
//! output goes to `agent.log` in the scratch directory; it is killed (the whole group) when
//! the run ends.
use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    thread::JoinHandle,
    time::Duration,
};

use agentrunner_client::{
    deployment::Deployment,
    failover::Failover,
    send::{SendPolicy, Sender},
};
use anchor_lang::prelude::Pubkey;
use solana_keypair::Keypair;

use crate::broker::{Broker, Strategy};

/// What the certifier runs against its sandbox.
pub enum AgentUnderTest {
    /// A shell command (see the module's contract).
    Command(String),
    /// AgentRunner's broker, in-process.
    Broker(Box<BrokerAgent>),
}

/// AgentRunner's broker with `strategy`, signing as `vendor`, one round every `round`.
pub struct BrokerAgent {
    pub vendor: Keypair,
    pub strategy: Strategy,
    pub round: Duration,
}

impl AgentUnderTest {
    /// AgentRunner's broker signing as `vendor` with `strategy`, a round every `round`.
    pub fn broker(vendor: &Keypair, strategy: Strategy, round: Duration) -> Self {
        Self::Broker(Box::new(BrokerAgent {
            vendor: vendor.insecure_clone(),
            strategy,
            round,
        }))
    }
}

/// Where the agent finds its sandbox.
#[derive(Clone, Debug)]
pub struct SandboxAddress {
    pub url: String,
    pub ws_url: String,
    pub deployment: PathBuf,
    pub dir: PathBuf,
    /// A free local port a service agent serves its paid endpoint on.
    pub service_port: u16,
}

impl SandboxAddress {
    /// `command` with the placeholders replaced.
    fn fill(&self, command: &str) -> String {
        command
            .replace("{url}", &self.url)
            .replace("{ws_url}", &self.ws_url)
            .replace("{deployment}", &self.deployment.display().to_string())
            .replace("{dir}", &self.dir.display().to_string())
            .replace("{service_port}", &self.service_port.to_string())
    }

    /// The environment a command runs with.
    fn environment(&self) -> Vec<(&'static str, String)> {
        let path = |p: &Path| p.display().to_string();
        vec![
            ("AGENTRUNNER_SANDBOX_URL", self.url.clone()),
            ("AGENTRUNNER_SANDBOX_WS_URL", self.ws_url.clone()),
            ("AGENTRUNNER_SANDBOX_DEPLOYMENT", path(&self.deployment)),
            ("AGENTRUNNER_SANDBOX_DIR", path(&self.dir)),
            (
                "AGENTRUNNER_SANDBOX_SERVICE_PORT",
                self.service_port.to_string(),
            ),
            ("AGENTRUNNER_URL", self.url.clone()),
            ("AGENTRUNNER_DEPLOYMENT", path(&self.deployment)),
            ("AGENTRUNNER__URL", self.url.clone()),
            ("AGENTRUNNER__DEPLOYMENT", path(&self.deployment)),
            (
                "AGENTRUNNER__JOURNAL",
                path(&self.dir.join("agent.journal")),
            ),
            (
                "AGENTRUNNER_BROKER__RECEIPTS_DIR",
                path(&self.dir.join("agent-receipts")),
            ),
            (
                "AGENTRUNNER_BROKER__HTTP_BIND",
                format!("127.0.0.1:{}", self.service_port),
            ),
        ]
    }
}

/// A started agent; stopped when dropped.
pub struct RunningAgent {
    running: Running,
}

enum Running {
    Process(Child),
    Thread {
        stop: Arc<AtomicBool>,
        handle: Option<JoinHandle<()>>,
    },
}

impl AgentUnderTest {
    /// Starts the agent `agent` against the sandbox at `at`.
    pub fn start(&self, agent: &Pubkey, at: &SandboxAddress) -> anyhow::Result<RunningAgent> {
        let running = match self {
            AgentUnderTest::Command(command) => Running::Process(spawn(command, at)?),
            AgentUnderTest::Broker(broker) => {
                let stop = Arc::new(AtomicBool::new(false));
                let handle = broker_thread(
                    broker.vendor.insecure_clone(),
                    *agent,
                    broker.strategy.clone(),
                    broker.round,
                    at.clone(),
                    stop.clone(),
                )?;
                Running::Thread {
                    stop,
                    handle: Some(handle),
                }
            }
        };
        Ok(RunningAgent { running })
    }

    /// How the certificate's report names what ran.
    pub fn describe(&self) -> String {
        match self {
            AgentUnderTest::Command(command) => format!("command: {command}"),
            AgentUnderTest::Broker(_) => "AgentRunner's broker (in-process, over JSON-RPC)".into(),
        }
    }
}

/// `command` under `sh -c` in a process group of its own, output to `agent.log`.
fn spawn(command: &str, at: &SandboxAddress) -> anyhow::Result<Child> {
    use std::os::unix::process::CommandExt;
    std::fs::create_dir_all(&at.dir)?;
    let log = std::fs::File::create(at.dir.join("agent.log"))?;
    let child = Command::new("sh")
        .arg("-c")
        .arg(at.fill(command))
        .envs(at.environment())
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .process_group(0)
        .spawn()
        .map_err(|e| anyhow::anyhow!("cannot start the agent under test ({command}): {e}"))?;
    Ok(child)
}

/// AgentRunner's broker on a thread of its own: a bid and an execute round every `round`,
/// over JSON-RPC through the failover client `agentrunner keeper broker` uses, until `stop`.
fn broker_thread(
    vendor: Keypair,
    agent: Pubkey,
    strategy: Strategy,
    round: Duration,
    at: SandboxAddress,
    stop: Arc<AtomicBool>,
) -> anyhow::Result<JoinHandle<()>> {
    let deployment = Deployment::load(&at.deployment)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(std::thread::spawn(move || {
        runtime.block_on(async {
            let Ok(chain) = Failover::rpc(std::slice::from_ref(&at.url), Duration::from_secs(30))
            else {
                return;
            };
            let policy = SendPolicy {
                poll_interval: Duration::from_millis(20),
                ..SendPolicy::default()
            };
            let broker = Broker::new(
                &chain,
                Sender::unjournaled(&chain, policy),
                vendor,
                agent,
                &deployment,
                strategy,
            );
            while !stop.load(Ordering::Relaxed) {
                let _ = broker.bid_all().await;
                let _ = broker.execute_all().await;
                tokio::time::sleep(round).await;
            }
        });
    }))
}

impl RunningAgent {
    /// Whether the agent is still running (a command may exit on its own).
    pub fn is_running(&mut self) -> bool {
        match &mut self.running {
            Running::Process(child) => matches!(child.try_wait(), Ok(None)),
            Running::Thread { handle, .. } => handle.as_ref().is_some_and(|h| !h.is_finished()),
        }
    }

    /// Stops the agent at once (a command's whole process group is killed).
    pub fn stop(&mut self) {
        match &mut self.running {
            Running::Process(child) => {
                // The group's id is the child's pid (`process_group(0)`).
                let group = format!("-{}", child.id());
                let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
                let _ = child.kill();
                let _ = child.wait();
            }
            Running::Thread { stop, handle } => {
                stop.store(true, Ordering::Relaxed);
                if let Some(handle) = handle.take() {
                    let _ = handle.join();
                }
            }
        }
    }
}

impl Drop for RunningAgent {
    fn drop(&mut self) {
        self.stop();
    }
}
