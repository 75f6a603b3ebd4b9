//! The Solana ecosystem's own clients, unmodified from the npm registry (versions pinned in
//! `tests/conformance/package-lock.json`), against the served cluster: each script's every
//! check must pass. The packages are installed with `npm ci` on first use.
use std::{path::PathBuf, process::Command};

use solana_signer::Signer;

use super::cluster;

pub(crate) fn conformance_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("conformance")
}

/// `npm ci` once per checkout (the lockfile pins every package).
pub(crate) fn install() {
    let dir = conformance_dir();
    if dir.join("node_modules").exists() {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
        .current_dir(&dir)
        .status()
        .expect("npm (Node 20) is required for the conformance suite");
    assert!(status.success(), "npm ci failed in {}", dir.display());
}

/// Runs `tests/conformance/<script>` against a fresh served cluster (the payer's keypair file
/// and `args` after the two URLs), `head_start_secs` after genesis, and asserts all `checks` of
/// it passed.
async fn run(script: &str, checks: usize, with_tokens: bool, head_start_secs: i64) {
    install();
    let c = cluster().await;
    if head_start_secs > 0 {
        c.localnet.advance(&c.chain, head_start_secs).await.unwrap();
    }
    let keypair = std::env::temp_dir().join(format!("conformance-{}.json", c.payer.pubkey()));
    std::fs::write(
        &keypair,
        serde_json::to_vec(&c.payer.to_bytes().to_vec()).unwrap(),
    )
    .unwrap();
    let mut args = vec![
        c.server.url(),
        c.server.pubsub_url(),
        keypair.display().to_string(),
    ];
    if with_tokens {
        let usdc = c.localnet.deployment.token("USDC").unwrap().mint;
        let payer_usdc = c
            .localnet
            .fund_tokens(&c.chain, &c.payer.pubkey(), "USDC", 7_000_000)
            .await
            .unwrap();
        args.extend([usdc.to_string(), payer_usdc.to_string()]);
    }
    // Time passes as under `agentrunner serve`: a tick every 200 ms.
    let ticker = {
        let chain = c.chain.clone();
        let localnet = c.localnet.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                let _ = localnet.advance(&chain, 1).await;
            }
        })
    };
    let output = tokio::process::Command::new("node")
        .arg(conformance_dir().join(script))
        .args(args)
        .output()
        .await
        .expect("node (20) is required for the conformance suite");
    ticker.abort();
    let _ = std::fs::remove_file(&keypair);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{script}:\n{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!("{checks} checks passed")),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_web3_js_drives_the_local_cluster() {
    run("web3.mjs", 24, true, 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_solana_kit_drives_the_local_cluster() {
    run("kit.mjs", 10, false, 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_anchor_ts_drives_the_programs_from_their_idls() {
    // An hour in: the receipt shards' first period is over, so `anchor_period` can land.
    run("anchor.mjs", 28, true, 3_600).await;
}
