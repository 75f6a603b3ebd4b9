//! The four keeper binaries, each its own process, against the embedded chain served over
//! JSON-RPC with a running clock: the certifier certifies from a TOML file, the planner opens
//! and awards RFPs, the broker (configured through the environment) bids and executes, the
//! anchorer anchors; a second run of each changes nothing. And the broker binary SIGKILLed at
//! random instants around its executions, ending with one signed receipt per execution.
use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::Arc,
    time::{Duration, Instant},
};

use agent_registry::{
    instructions::{PublishVersionArgs, RegisterAgentArgs},
    state::{Agent, AgentVersion, SemVer},
};
use agentrunner_client::{
    chain::Chain,
    flows::{self, OwnerWallet},
    ix,
    keys::write_keypair,
    pda,
    rpc::RpcChain,
    send::{SendPolicy, Sender},
};
use agentrunner_embedded::{
    localnet::{Localnet, LocalnetSpec},
    rpc_server::serve,
    EmbeddedChain,
};
use agentrunner_keepers::{broker::Strategy, certifier::Manifest};
use anchor_lang::Discriminator;
use market::state::{Offer, Rfp, RfpStatus};
use receipts::state::PeriodRoot;
use runner::state::Plan;
use solana_keypair::Keypair;
use solana_signer::Signer;

mod broker_kill;
mod wake;

struct Keys {
    dir: PathBuf,
}

impl Keys {
    fn path(&self, role: &str) -> PathBuf {
        self.dir.join(format!("{role}.json"))
    }
}

/// Runs keeper `name` once with `args` (and `env`), asserting it succeeded.
fn keeper(
    name: &str,
    url: &str,
    keys: &Keys,
    role: &str,
    args: &[&str],
    env: &[(&str, String)],
) -> String {
    let bin = match name {
        "planner" => env!("CARGO_BIN_EXE_planner"),
        "broker" => env!("CARGO_BIN_EXE_broker"),
        "certifier" => env!("CARGO_BIN_EXE_certifier"),
        _ => env!("CARGO_BIN_EXE_anchorer"),
    };
    let out = Command::new(bin)
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .envs(env.iter().map(|(k, v)| (*k, v.clone())))
        .args(["--once", "-u", url, "-k", keys.path(role).to_str().unwrap()])
        .args([
            "--deployment",
            keys.dir.join("deployment.json").to_str().unwrap(),
        ])
        .args([
            "--journal",
            keys.dir.join(format!("{name}.journal")).to_str().unwrap(),
        ])
        .args(args)
        .output()
        .unwrap();
    let logs = String::from_utf8_lossy(&out.stdout);
    assert!(!logs.contains("round failed"), "{name}: {logs}");
    assert!(
        out.status.success(),
        "{name}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    logs.to_string()
}

async fn wait_for<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "timed out: {what}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn manifest(path: &Path) -> Manifest {
    let manifest = Manifest::trading("Keeper", Strategy::default(), 2_500);
    std::fs::write(path, serde_json::to_vec(&manifest).unwrap()).unwrap();
    manifest
}

/// A served localnet with a running clock (10 s of chain time every 50 ms), funded role keys,
/// and the vendor's agent certified by the certifier binary: the broker binary run against the
/// certifier's sandboxes and live here for its canary plans.
struct Market {
    dir: PathBuf,
    keys: Keys,
    chain: Arc<EmbeddedChain>,
    localnet: Arc<Localnet>,
    server: agentrunner_embedded::rpc_server::RpcServer,
    url: String,
    clock: tokio::task::JoinHandle<()>,
    roles: Vec<(&'static str, Keypair)>,
    agent: anchor_lang::prelude::Pubkey,
    deployment: agentrunner_client::deployment::Deployment,
}

impl Market {
    async fn start(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("agentrunner-keepers-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let keys = Keys { dir: dir.clone() };
        let chain = Arc::new(EmbeddedChain::start().await.unwrap());
        let mut roles = Vec::new();
        for role in ["owner", "planner", "vendor", "certifier", "anchorer"] {
            let keypair = chain.funded_keypair(10_000_000_000).await.unwrap();
            write_keypair(&keys.path(role), &keypair).unwrap();
            roles.push((role, keypair));
        }
        let spec = LocalnetSpec {
            period_secs: 600,
            ..LocalnetSpec::default()
        };
        let certifier = roles[3].1.pubkey();
        let localnet = Arc::new(
            Localnet::bootstrap(&chain, &spec, &[certifier])
                .await
                .unwrap(),
        );
        std::fs::write(
            dir.join("deployment.json"),
            serde_json::to_vec(&localnet.deployment).unwrap(),
        )
        .unwrap();
        let owner = roles[0].1.pubkey();
        localnet
            .fund_tokens(&chain, &owner, "SOL", 5_000_000_000)
            .await
            .unwrap();
        localnet
            .fund_tokens(&chain, &owner, "USDC", 3_000_000_000)
            .await
            .unwrap();
        let server = serve(chain.clone(), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let url = server.url();
        let clock = {
            let (chain, localnet) = (chain.clone(), localnet.clone());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    let _ = localnet.advance(&chain, 10).await;
                }
            })
        };
        let deployment = localnet.deployment.clone();
        let mut market = Self {
            dir,
            keys,
            chain,
            localnet,
            server,
            url,
            clock,
            roles,
            agent: Default::default(),
            deployment,
        };
        market.agent = market.certified_vendor().await;
        market
    }

    fn key(&self, role: &str) -> Keypair {
        self.roles
            .iter()
            .find(|(r, _)| *r == role)
            .unwrap()
            .1
            .insecure_clone()
    }

    fn rpc(&self) -> RpcChain {
        RpcChain::new(&self.url)
    }

    /// The vendor registers; the certifier keeper certifies it from its TOML settings.
    async fn certified_vendor(&self) -> anchor_lang::prelude::Pubkey {
        let rpc = self.rpc();
        let vendor = self.key("vendor");
        let manifest = manifest(&self.dir.join("manifest.json"));
        let (agent, register) = ix::registry::register_with_first_version(
            &vendor.pubkey(),
            RegisterAgentArgs {
                name: "Keeper".into(),
                payout: vendor.pubkey(),
                capabilities: manifest.capability_bits(),
                metadata_uri: String::new(),
                manifest_hash: manifest.hash(),
            },
            PublishVersionArgs {
                semver: SemVer {
                    major: 1,
                    minor: 0,
                    patch: 0,
                },
                manifest_hash: manifest.hash(),
                code_hash: [1; 32],
                capabilities: manifest.capability_bits(),
            },
        );
        sender(&rpc)
            .send("register", &vendor, &register, &[], &[])
            .await
            .unwrap();
        self.localnet
            .fund_tokens(&self.chain, &vendor.pubkey(), "USDC", 0)
            .await
            .unwrap();
        // The certifier pays for the live stages' canaries.
        for (symbol, atoms) in [("SOL", 1_000_000_000), ("USDC", 100_000_000)] {
            self.localnet
                .fund_tokens(&self.chain, &self.key("certifier").pubkey(), symbol, atoms)
                .await
                .unwrap();
        }
        // The vendor's agent is the broker binary: live here for the canaries, and started by
        // the certifier against its sandboxes (which it points the broker at).
        let manifest_path = self.dir.join("manifest.json");
        let broker = |extra: &[String]| -> Vec<String> {
            let mut args: Vec<String> = [
                "--agent",
                &agent.to_string(),
                "--manifest",
                manifest_path.to_str().unwrap(),
                "-k",
                self.keys.path("vendor").to_str().unwrap(),
                "--set",
                "interval_secs=1",
            ]
            .iter()
            .map(|a| a.to_string())
            .collect();
            args.extend_from_slice(extra);
            args
        };
        let mut live = Command::new(env!("CARGO_BIN_EXE_broker"))
            .env("RUST_LOG", "warn")
            .args(broker(&[
                "-u".into(),
                self.url.clone(),
                "--deployment".into(),
                self.dir.join("deployment.json").display().to_string(),
                "--journal".into(),
                self.dir.join("live-broker.journal").display().to_string(),
                "--set".into(),
                format!("receipts_dir={}", self.dir.join("live-receipts").display()),
            ]))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let agent_cmd = std::iter::once(env!("CARGO_BIN_EXE_broker").to_string())
            .chain(broker(&[]))
            .collect::<Vec<_>>()
            .join(" ");
        let config = self.dir.join("certifier.toml");
        std::fs::write(
            &config,
            format!(
                "reports_dir = \"{}\"\n[[certify]]\nagent = \"{agent}\"\nmanifest = \"{}\"\nagent_cmd = \"{agent_cmd}\"\n",
                self.dir.join("reports").display(),
                manifest_path.display()
            ),
        )
        .unwrap();
        keeper(
            "certifier",
            &self.url,
            &self.keys,
            "certifier",
            &["--config", config.to_str().unwrap()],
            &[],
        );
        let _ = live.kill();
        let _ = live.wait();
        let version: AgentVersion = rpc.fetch(&pda::agent_version(&agent, 0).0).await.unwrap();
        let now = rpc.clock().await.unwrap().unix_timestamp;
        assert!(
            version.certified_at_least(agent_registry::state::Stage::D, now),
            "{:?}",
            std::fs::read_dir(self.dir.join("reports")).map(|d| d
                .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
                .collect::<Vec<_>>())
        );
        agent
    }

    fn stop(self) {
        self.clock.abort();
        self.server.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The successes on `agent`'s reputation record, every capability.
async fn succeeded(rpc: &RpcChain, agent: &anchor_lang::prelude::Pubkey) -> u64 {
    let agent: Agent = rpc.fetch(agent).await.unwrap();
    agent.reputation.iter().map(|r| r.succeeded).sum()
}

fn sender(rpc: &RpcChain) -> Sender<'_, RpcChain, Box<dyn agentrunner_client::send::Journal>> {
    Sender::unjournaled(
        rpc,
        SendPolicy {
            poll_interval: Duration::from_millis(50),
            ..SendPolicy::default()
        },
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_keeper_binaries_run_the_market_and_are_idempotent() {
    let m = Market::start("market").await;
    let (dir, keys, url, agent) = (&m.dir, &m.keys, &m.url, m.agent);
    let key = |role: &str| m.key(role);
    let rpc = m.rpc();
    let sender = || sender(&rpc);
    let owner = key("owner");
    let vendor = key("vendor");

    // Its certification canaries executed on this cluster, each a success of its record.
    let certified = succeeded(&rpc, &agent).await;
    assert_eq!(certified, 6, "two swaps for C, a DCA of four for D");

    // The owner creates a plan the planner keeper manages.
    let deployment = m.deployment.clone();
    let owner_sender = sender();
    let wallet = OwnerWallet::new(&rpc, &owner_sender, &owner, &deployment);
    let goal = "Swap 1 SOL->USDC <=40 bps";
    let draft = flows::draft(
        &rpc,
        &deployment,
        goal,
        &owner.pubkey(),
        &key("planner").pubkey(),
    )
    .await
    .unwrap();
    wallet.create(&draft).await.unwrap();
    keeper(
        "planner",
        url,
        keys,
        "planner",
        &["--set", "bid_secs=600"],
        &[],
    );
    let rfp_key = pda::rfp(&key("planner").pubkey(), &draft.plan, 0).0;
    assert!(
        rpc.account(&rfp_key).await.unwrap().is_some(),
        "the planner opened the RFP"
    );

    // The broker, configured through its environment, bids.
    let broker_env = [("AGENTRUNNER_BROKER__AGENT", agent.to_string())];
    let logs = keeper("broker", url, keys, "vendor", &[], &broker_env);
    assert!(
        rpc.account(&pda::offer(&rfp_key, &agent).0)
            .await
            .unwrap()
            .is_some(),
        "offer: {logs}"
    );

    // After bidding closes the planner awards; the owner approves; the broker executes.
    let rfp: Rfp = rpc.fetch(&rfp_key).await.unwrap();
    wait_for("bidding closes", || async {
        rpc.clock().await.unwrap().unix_timestamp > rfp.bid_deadline
    })
    .await;
    keeper("planner", url, keys, "planner", &[], &[]);
    let rfp: Rfp = rpc.fetch(&rfp_key).await.unwrap();
    assert!(matches!(rfp.status, RfpStatus::Awarded(a) if a.agent == agent));
    // A broker with an hour between rounds, woken by slots, is running before the approval,
    // and its subscription is cut (no close frame, K-08): the execution that follows the
    // approval is a slot's doing, on the subscription it made again.
    let receipts = format!("--receipts-dir={}", dir.join("vr").display());
    let woken = wake::woken_broker(url, dir, &agent.to_string(), &[receipts]).await;
    m.server.drop_pubsub_connections();
    let approval = wallet.approval(&draft.plan, 86_400).await.unwrap();
    wallet.approve(&approval).await.unwrap();
    wait_for("the woken broker executes", || async {
        let plan: Plan = rpc.fetch(&draft.plan).await.unwrap();
        plan.steps[0].executions == 1
    })
    .await;
    drop(woken);
    assert_eq!(
        std::fs::read_dir(dir.join("vr")).unwrap().count(),
        1,
        "a signed receipt"
    );
    // Run again: nothing more happens (idempotent).
    keeper("broker", url, keys, "vendor", &[], &broker_env);
    keeper("planner", url, keys, "planner", &[], &[]);
    let plan: Plan = rpc.fetch(&draft.plan).await.unwrap();
    assert_eq!(plan.steps[0].executions, 1);
    assert_eq!(
        succeeded(&rpc, &agent).await,
        certified + 1,
        "one success more than its certification canaries"
    );

    // The anchorer anchors the period (over the canaries' receipts and this plan's) and
    // closes the stale offer.
    let (_, tree) = deployment.shard_of(&draft.plan);
    let receipt = agentrunner_client::receipts::index::plan_receipts(&rpc, &draft.plan)
        .await
        .unwrap();
    let leaf = receipt[0].index;
    wait_for("the period is anchored", || async {
        keeper("anchorer", url, keys, "anchorer", &[], &[]);
        rpc.program_accounts(&receipts::ID, PeriodRoot::DISCRIMINATOR)
            .await
            .unwrap()
            .iter()
            .any(|(k, a)| {
                agentrunner_client::accounts::decode::<PeriodRoot>(k, &a.data)
                    .is_ok_and(|p| p.tree == tree && p.covers(leaf))
            })
    })
    .await;
    let offers = rpc
        .program_accounts(&market::ID, Offer::DISCRIMINATOR)
        .await
        .unwrap();
    assert!(
        offers.is_empty(),
        "the awarded RFP's offer was closed, rent back to the vendor"
    );

    // The broker's x402 data endpoint, served by the running binary: 402, then paid with a grant.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let metrics_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // Typed flags this time: --agent, --http-bind, --metrics-bind.
    let mut broker = Command::new(env!("CARGO_BIN_EXE_broker"))
        .env("RUST_LOG", "warn")
        .args(["--agent", &agent.to_string()])
        .args(["--http-bind", &format!("127.0.0.1:{port}")])
        .args(["--metrics-bind", &format!("127.0.0.1:{metrics_port}")])
        .args(["-u", url, "-k", keys.path("vendor").to_str().unwrap()])
        .args([
            "--deployment",
            dir.join("deployment.json").to_str().unwrap(),
        ])
        .args([
            "--journal",
            dir.join("broker-http.journal").to_str().unwrap(),
        ])
        .args(["--set", "interval_secs=3600"])
        .args([
            "--set",
            &format!("receipts_dir={}", dir.join("http-receipts").display()),
        ])
        // The local cluster named devnet in its requirements (what the reference client needs).
        .args(["--x402-network-label", "devnet"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let usdc = deployment.token("USDC").unwrap().mint;
    let vendor_usdc = pda::ata(&vendor.pubkey(), &usdc, &anchor_spl::token::ID);
    let owner_usdc = pda::ata(&owner.pubkey(), &usdc, &anchor_spl::token::ID);
    let now = rpc.clock().await.unwrap().unix_timestamp;
    let funding = agentrunner_x402::client::VendorBudget {
        payer: owner.pubkey(),
        payer_token: owner_usdc,
        id: [9u8; 32],
        mint: usdc,
        deposit: 10_000,
        max_amount: 10_000,
        vendor: vendor.pubkey(),
        vendor_token: vendor_usdc,
        not_before: now,
        expires_at: now + 86_400,
        session: None,
        first_grant: agentrunner_client::accounts::next_grant_base(&rpc, &owner.pubkey())
            .await
            .unwrap(),
    };
    sender()
        .send("data-budget", &owner, &funding.instructions(), &[], &[])
        .await
        .unwrap();
    let client = agentrunner_x402::client::PayingClient::new(
        agentrunner_x402::network::PublicCluster::Devnet.network_id(),
        usdc,
        agentrunner_x402::client::Funding::Grant {
            grant: funding.grant(),
        },
        1_000,
        10_000,
    );
    let url_data = format!("http://127.0.0.1:{port}/ohlcv?symbol=SOL");
    let mut paid = None;
    for _ in 0..100 {
        if let Ok(response) = client.get(&url_data).await {
            paid = Some(response);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Its Prometheus endpoint counts the round it ran: both operations, nothing failed.
    let scrape = || async {
        reqwest::get(format!("http://127.0.0.1:{metrics_port}/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let mut metrics = scrape().await;
    for _ in 0..100 {
        if metrics.contains(r#"operation="execute"} 1"#) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        metrics = scrape().await;
    }
    let _ = broker.kill();
    let _ = broker.wait();
    for operation in ["bid", "execute"] {
        let runs = format!("keeper_runs_total{{keeper=\"broker\",operation=\"{operation}\"}} 1");
        assert!(metrics.contains(&runs), "{runs}:\n{metrics}");
    }
    assert!(!metrics.contains("keeper_errors_total"), "{metrics}");
    let paid = paid.expect("the broker's endpoint answered");
    assert_eq!(paid.status, reqwest::StatusCode::OK);
    assert!(paid.settlement.unwrap().success);

    m.stop();
}
