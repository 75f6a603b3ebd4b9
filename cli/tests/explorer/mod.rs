//! The explorer in a real browser: `agentrunner serve` (cluster, receipts API, explorer) with a
//! certified vendor's broker and the anchorer running as `agentrunner keeper` processes, and
//! `tests/conformance/explorer.mjs` driving Debian's headless Chromium through playwright-core
//! from a goal to verified receipts, the Solana Action, a stale plan and the close-out (its
//! header lists every check). Screenshots of each stage land in
//! `target/explorer-screenshots/`.
//!
//! Chromium is found through `AGENTRUNNER_TEST_CHROMIUM` (`.ci/run` installs Debian's and
//! sets it, with `AGENTRUNNER_REQUIRE_CHROMIUM=1` so CI fails rather than skipping).
use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::Duration,
};

use super::{free_port, log_tails, onboard, serve_with, Served, BIN};

/// Every check `explorer.mjs` makes.
const CHECKS: usize = 55;

/// The Chromium to drive, or `None` (with a note) when none is configured.
fn chromium() -> Option<String> {
    match std::env::var("AGENTRUNNER_TEST_CHROMIUM") {
        Ok(path) => Some(path),
        Err(_) => {
            assert!(
                std::env::var("AGENTRUNNER_REQUIRE_CHROMIUM").is_err(),
                "AGENTRUNNER_REQUIRE_CHROMIUM is set but AGENTRUNNER_TEST_CHROMIUM is not"
            );
            eprintln!(
                "explorer: AGENTRUNNER_TEST_CHROMIUM is not set; the browser test is skipped"
            );
            None
        }
    }
}

fn conformance_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance")
}

/// `npm ci` unless the pinned packages are there.
fn install() {
    let dir = conformance_dir();
    if dir.join("node_modules/playwright-core").exists() {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
        .current_dir(&dir)
        .status()
        .expect("npm (Node 20) is required for the browser test");
    assert!(status.success(), "npm ci failed in {}", dir.display());
}

/// A keeper process, killed on drop.
struct Keeper(Child);

impl Drop for Keeper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `agentrunner keeper <name> <args>` against `s`, signing as `role`, its journal and logs in
/// the cluster's directory.
fn keeper(s: &Served, name: &str, role: &str, args: &[&str]) -> Keeper {
    let log = std::fs::File::create(s.dir.join(format!("{name}.log"))).unwrap();
    let child = Command::new(BIN)
        .env("AGENTRUNNER_HOME", s.dir.join("home"))
        .env("RUST_LOG", "error")
        .args(["keeper", name, "-u", &s.url])
        .args([
            "--deployment",
            s.dir.join("deployment.json").to_str().unwrap(),
        ])
        .args(["-k", s.key(role).to_str().unwrap()])
        .args(args)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    Keeper(child)
}

#[test]
fn test_explorer_from_goal_to_verified_receipts_in_headless_chromium() {
    let Some(chromium) = chromium() else {
        return;
    };
    install();
    let port = free_port();
    let receipts_port = free_port();
    let explorer = format!("127.0.0.1:{port}");
    let receipts = format!("127.0.0.1:{receipts_port}");
    let s = serve_with(&[
        "--explorer-bind",
        &explorer,
        "--receipts-bind",
        &receipts,
        "--reports-dir",
        "{dir}/reports",
        "--bid-secs",
        "600",
    ]);
    let agent = onboard(&s, r#"["swap","dca"]"#);
    let manifest = s.dir.join("manifest.json");
    let vendor_receipts = s.dir.join("vendor-receipts");
    let _broker = keeper(
        &s,
        "broker",
        "vendor",
        &[
            "--agent",
            &agent,
            "--manifest",
            manifest.to_str().unwrap(),
            "--receipts-dir",
            vendor_receipts.to_str().unwrap(),
        ],
    );
    let _anchorer = keeper(&s, "anchorer", "anchorer", &[]);
    let shots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/explorer-screenshots");
    let mut node = Command::new("node")
        .arg(conformance_dir().join("explorer.mjs"))
        .args([
            &format!("http://{explorer}"),
            &s.url,
            s.key("owner").to_str().unwrap(),
            shots.to_str().unwrap(),
            vendor_receipts.to_str().unwrap(),
        ])
        .env("AGENTRUNNER_TEST_CHROMIUM", chromium)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node (20) is required for the browser test");
    let started = std::time::Instant::now();
    while node.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(600) {
            let _ = node.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let output = node.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let logs = log_tails(&s.dir, &["broker.log", "anchorer.log"], 10);
    assert!(
        output.status.success() && stdout.contains(&format!("{CHECKS} checks passed")),
        "explorer.mjs:\n{stdout}\n{stderr}\n{logs}"
    );
}
