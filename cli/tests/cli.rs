//! The `agentrunner` binary end to end against `agentrunner serve` (the embedded chain as a
//! local cluster, run as its own process): register and certify a vendor, plan a goal, award,
//! approve (also unsigned for an external wallet), export and verify receipts on-chain, and the
//! errors a user meets (no cluster, no keypair, unknown plan). The vendor's broker and the
//! anchorer run in-process from the keepers library, over JSON-RPC like everything else.
use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    time::{Duration, Instant},
};

use agentrunner_client::chain::Chain;
use agentrunner_client::{
    deployment::Deployment,
    keys::read_keypair,
    rpc::RpcChain,
    send::{SendPolicy, Sender},
};
use agentrunner_keepers::{
    broker::{Broker, Strategy},
    Outcome,
};
use base64::{engine::general_purpose::STANDARD, Engine};
use serde_json::Value;
use solana_program_pack::Pack;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;

mod concurrent;
mod conditions;
mod explorer;
mod indexer;
mod llm;
mod onboard;
mod portfolio;
mod quickstart;
mod verify;

use onboard::onboard;

const BIN: &str = env!("CARGO_BIN_EXE_agentrunner");

/// `agentrunner serve`, killed on drop.
struct Served {
    child: Child,
    url: String,
    dir: PathBuf,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `agentrunner serve` on free ports with a 100x clock, without its explorer and receipts API.
fn serve() -> Served {
    serve_with(&["--explorer-bind", "off", "--receipts-bind", "off"])
}

/// `agentrunner serve` on a free port with a 100x clock and `extra` flags; `{dir}` in them is
/// replaced by the cluster's scratch directory.
fn serve_with(extra: &[&str]) -> Served {
    let port = free_port();
    let dir = std::env::temp_dir().join(format!("agentrunner-cli-{}-{port}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let child = Command::new(BIN)
        .args([
            "--deployment",
            dir.join("deployment.json").to_str().unwrap(),
            "serve",
        ])
        .args([
            "--keys-dir",
            dir.to_str().unwrap(),
            "--bind",
            &format!("127.0.0.1:{port}"),
        ])
        .args([
            "--tick-ms",
            "100",
            "--seconds-per-tick",
            "10",
            "--period-secs",
            "600",
        ])
        .args(
            extra
                .iter()
                .map(|a| a.replace("{dir}", dir.to_str().unwrap())),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let served = Served {
        child,
        url: format!("http://127.0.0.1:{port}"),
        dir,
    };
    let started = Instant::now();
    while !served.dir.join("deployment.json").exists() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "serve did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(300));
    served
}

impl Served {
    fn key(&self, role: &str) -> PathBuf {
        self.dir.join(format!("{role}.json"))
    }

    /// Runs `agentrunner <args>` against this cluster, signing with `role`'s keypair.
    fn run(&self, role: &str, args: &[&str]) -> Output {
        Command::new(BIN)
            .env("RUST_BACKTRACE", "0")
            .args([
                "-u",
                &self.url,
                "--deployment",
                self.dir.join("deployment.json").to_str().unwrap(),
            ])
            .args(["-k", self.key(role).to_str().unwrap()])
            .args(args)
            .output()
            .unwrap()
    }

    /// Runs a command that must succeed with `--output json` and returns its JSON.
    fn json(&self, role: &str, args: &[&str]) -> Value {
        let mut all = vec!["--output", "json"];
        all.extend_from_slice(args);
        let out = self.run(role, &all);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&out.stdout)))
    }

    fn deployment(&self) -> Deployment {
        Deployment::load(&self.dir.join("deployment.json")).unwrap()
    }

    /// The vendor's broker for `agent`, in-process over JSON-RPC, trading by `strategy`.
    fn vendor_broker<'a>(
        &self,
        rpc: &'a RpcChain,
        deployment: &'a Deployment,
        agent: &str,
        strategy: Strategy,
    ) -> Broker<'a, RpcChain> {
        let sender = Sender::unjournaled(
            rpc,
            SendPolicy {
                poll_interval: Duration::from_millis(50),
                ..SendPolicy::default()
            },
        );
        let vendor = read_keypair(&self.key("vendor")).unwrap();
        Broker::new(
            rpc,
            sender,
            vendor,
            agent.parse().unwrap(),
            deployment,
            strategy,
        )
    }

    /// Waits (up to `limit_secs`) until `plan`'s bidding has closed and the owner's
    /// `offers --award` has awarded every step.
    fn wait_awarded(&self, plan: &str, limit_secs: u64) {
        let started = Instant::now();
        loop {
            let last = self.json("owner", &["offers", plan, "--award"]);
            let awarded = last["steps"]
                .as_array()
                .unwrap()
                .iter()
                .all(|step| step["status"].as_str().unwrap().starts_with("awarded"));
            if awarded {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(limit_secs),
                "timed out: bidding closes and every step of {plan} is awarded; last: {last}"
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}

/// `broker` bids on every open RFP; each bid must hold (placed now or before), so a window
/// that closed under load fails here, naming the RFP, not later as "no offers".
async fn bid_on_every_open_rfp(broker: &Broker<'_, RpcChain>) {
    for (rfp, bid) in broker.bid_all().await.unwrap() {
        let bid = bid.unwrap_or_else(|e| panic!("bid on {rfp}: {e}"));
        assert!(bid.holds(), "bid on {rfp}: {}", bid.describe());
    }
}

/// The last `lines` lines of each of `files` in `dir`, headed by its name: what a failing
/// test shows of the processes it ran.
fn log_tails(dir: &Path, files: &[&str], lines: usize) -> String {
    files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(dir.join(f)).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(lines).collect();
            format!(
                "--- {f}\n{}\n",
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            )
        })
        .collect()
}

fn wait_until(what: &str, limit_secs: u64, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(limit_secs),
            "timed out: {what}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_cli_journey_against_a_served_cluster() {
    let s = serve();
    // Third-party receipt indexers follow the cluster from the start.
    let indexers = indexer::start_all(&s);
    let rpc = RpcChain::new(&s.url);
    let deployment = s.deployment();
    let agent = onboard(&s, r#"["swap","dca"]"#);
    let shown = s.json("owner", &["agent", "show", &agent]);
    assert_eq!(shown["stages"][3]["standing"], "passed");

    // K-14: a deployment file of another cluster makes every command refuse before signing.
    let mut foreign = deployment.clone();
    foreign.genesis_hash = solana_hash::Hash::new_unique().to_string();
    let foreign_path = s.dir.join("foreign-deployment.json");
    std::fs::write(&foreign_path, serde_json::to_vec(&foreign).unwrap()).unwrap();
    let owner_key = read_keypair(&s.key("owner")).unwrap().pubkey();
    let lamports = rpc.balance(&owner_key).await.unwrap();
    let refused = Command::new(BIN)
        .args(["-u", &s.url, "--deployment", foreign_path.to_str().unwrap()])
        .args(["-k", s.key("owner").to_str().unwrap()])
        .args(["goal", "Swap 1 SOL->USDC <=30 bps"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success() && stderr.contains("wrong cluster"),
        "{stderr}"
    );
    assert_eq!(
        rpc.balance(&owner_key).await.unwrap(),
        lamports,
        "nothing was signed"
    );

    // The optional LLM planner, checked by the same rules.
    llm::goal_planned_by_a_model(&s).await;

    // The owner plans a goal; the vendor bids; the owner awards.
    let goal = s.json(
        "owner",
        &[
            "goal",
            "Swap 1 SOL->USDC <=30 bps; then DCA 2 times every 60s",
            "--bid-secs",
            "600",
        ],
    );
    let plan = goal["plan"].as_str().unwrap().to_string();
    assert_eq!(goal["graph"]["steps"].as_array().unwrap().len(), 2);
    let vendor_dir = s.dir.join("vendor-receipts");
    let broker = s
        .vendor_broker(&rpc, &deployment, &agent, Strategy::default())
        .with_receipts_dir(vendor_dir.clone());
    let bids = broker.bid_all().await.unwrap();
    assert_eq!(
        bids.iter()
            .filter(|(_, o)| matches!(o, Ok(Outcome::Done(_))))
            .count(),
        2
    );
    s.wait_awarded(&plan, 60);

    // The status says in words what the plan waits for.
    let shown = s.run("owner", &["status", &plan]);
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(
        text.contains("waiting for the owner's approval") && !text.contains('{'),
        "{text}"
    );

    // One approval; also printable unsigned for an external wallet.
    let unsigned = s.json("owner", &["approve", &plan, "--sign-only"]);
    assert_eq!(unsigned["transactions"].as_array().unwrap().len(), 1);
    let bytes = STANDARD
        .decode(unsigned["transactions"][0].as_str().unwrap())
        .unwrap();
    let tx: VersionedTransaction = bincode::deserialize(&bytes).unwrap();
    assert_eq!(tx.signatures.len(), 1);
    assert_eq!(
        tx.signatures[0],
        Default::default(),
        "left for the wallet to sign"
    );
    let approved = s.json("owner", &["approve", &plan]);
    assert_eq!(approved["grants"], 2);
    assert!(approved["bytes"][0].as_u64().unwrap() <= 1_232);

    // The vendor executes everything (the DCA waits its interval); the status shows it.
    let started = Instant::now();
    loop {
        broker.execute_all().await.unwrap();
        let status = s.json("owner", &["status", &plan]);
        if status["status"] == "finished" {
            assert_eq!(status["budget"]["redeemed"], 150_000);
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "plan did not finish: {status}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    // Receipts out of chain history, and the vendor's signed files, verified every way before
    // and after their period is anchored.
    verify::receipts_before_and_after_anchoring(
        &s,
        &rpc,
        &plan,
        &deployment,
        &vendor_dir,
        &indexers,
    )
    .await;

    // A stop-loss waits for its level; the feeder crosses it; it executes once.
    conditions::a_stop_loss_executes_once_the_feeder_crosses_its_level(&s, &broker).await;

    // Fund Admin: the owner's NAV recorded as a receipt, anchored, verified by an auditor.
    verify::nav::nav_recorded_anchored_and_verified(&s, &rpc, &deployment).await;

    // The finished plan settles: nothing left to refund, every account closed.
    let settled = s.json("owner", &["settle", &plan]);
    assert_eq!(
        (settled["cancelled"].as_bool(), settled["refunded"].as_u64()),
        (Some(false), Some(0)),
        "{settled}"
    );
    assert_eq!(settled["grants_closed"], 2);
    assert!(rpc.account(&plan.parse().unwrap()).await.unwrap().is_none());

    // An approved plan the owner stops before it runs: cancelled, its grant revoked, the
    // vendor cannot execute, and settling gives back every atom and the allowance.
    let usdc = deployment.token("USDC").unwrap().mint;
    let sol = deployment.token("SOL").unwrap().mint;
    let owner_usdc = agentrunner_client::ix::runner::owner_account(&owner_key, &usdc);
    let owner_sol = agentrunner_client::ix::runner::owner_account(&owner_key, &sol);
    let delegated = |data: Vec<u8>| {
        spl_token_interface::state::Account::unpack(&data)
            .unwrap()
            .delegated_amount
    };
    let stopped = s.json(
        "owner",
        &["goal", "Swap 1 SOL->USDC <=50 bps", "--bid-secs", "1200"],
    )["plan"]
        .as_str()
        .unwrap()
        .to_string();
    broker.bid_all().await.unwrap();
    wait_until("the step is awarded", 60, || {
        s.json("owner", &["offers", &stopped, "--award"])["steps"][0]["status"] == "awarded"
    });
    let usdc_before = rpc.token_balance(&owner_usdc).await.unwrap();
    let allowance_before = delegated(rpc.account(&owner_sol).await.unwrap().unwrap().data);
    s.json("owner", &["approve", &stopped]);
    assert!(delegated(rpc.account(&owner_sol).await.unwrap().unwrap().data) > allowance_before);
    let cancelled = s.json("owner", &["cancel", &stopped]);
    assert_eq!(
        (
            cancelled["cancelled"].as_bool(),
            cancelled["grants_revoked"].as_u64()
        ),
        (Some(true), Some(1)),
        "{cancelled}"
    );
    assert_eq!(
        delegated(rpc.account(&owner_sol).await.unwrap().unwrap().data),
        allowance_before,
        "cancelling releases the plan's allowance"
    );
    broker.execute_all().await.unwrap();
    let status = s.json("owner", &["status", &stopped]);
    assert_eq!(
        (
            status["status"].as_str(),
            status["steps"][0]["executions"].as_u64()
        ),
        (Some("cancelled"), Some(0)),
        "{status}"
    );
    let settled = s.json("owner", &["settle", &stopped]);
    assert_eq!(settled["refunded"], 50_000, "{settled}");
    assert_eq!(
        rpc.token_balance(&owner_usdc).await.unwrap(),
        usdc_before,
        "the whole deposit came back"
    );
    assert!(rpc
        .account(&stopped.parse().unwrap())
        .await
        .unwrap()
        .is_none());
    // Settling twice finds nothing: a clear error, nothing sent.
    let again = s.run("owner", &["settle", &stopped]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("not found"));

    // Goals the programs would refuse are refused before anything is sent.
    let lamports = rpc.balance(&owner_key).await.unwrap();
    for (args, message) in [
        (
            &["goal", "Swap 1 SOL->USDC <=30 bps", "--bid-secs", "0"][..],
            "market would refuse it: InvalidDeadlines",
        ),
        (
            &["goal", "Swap 1 SOL->SOL", "--dry-run"][..],
            "would refuse it",
        ),
    ] {
        let out = s.run("owner", args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && stderr.contains(message),
            "{args:?}: {stderr}"
        );
    }
    assert_eq!(
        rpc.balance(&owner_key).await.unwrap(),
        lamports,
        "nothing was sent"
    );

    // Clear errors, nothing half-done.
    let owner_key = s.key("owner");
    let owner_key = owner_key.to_str().unwrap();
    let cases: [(&str, &str, &[&str], &str); 3] = [
        (
            "http://127.0.0.1:1",
            owner_key,
            &["status", &plan],
            "cannot reach a cluster",
        ),
        (
            &s.url,
            owner_key,
            &["status", "11111111111111111111111111111112"],
            "not found",
        ),
        (
            &s.url,
            "/nonexistent/id.json",
            &["approve", &plan],
            "missing keypair",
        ),
    ];
    for (url, key, args, message) in cases {
        let out = Command::new(BIN)
            .env("RUST_BACKTRACE", "0")
            .args(["-u", url, "-k", key])
            .args([
                "--deployment",
                s.dir.join("deployment.json").to_str().unwrap(),
            ])
            .args(args)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}
