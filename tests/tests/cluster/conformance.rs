//! The Solana ecosystem's own clients, unmodified from the npm registry (versions pinned in
//! `tests/conformance/package-lock.json`), against the served cluster: each script's every
//! check must pass. The packages are installed with `npm ci` on first use.
use std::{path::PathBuf, process::Command};

use solana_signer::Signer;

use super::rpc::cluster;

fn conformance_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("conformance")
}

/// `npm ci` once per checkout (the lockfile pins every package).
fn install() {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_web3_js_drives_the_local_cluster() {
    install();
    let c = cluster().await;
    let usdc = c.localnet.deployment.token("USDC").unwrap().mint;
    let payer_usdc = c
        .localnet
        .fund_tokens(&c.chain, &c.payer.pubkey(), "USDC", 7_000_000)
        .await
        .unwrap();
    let keypair = std::env::temp_dir().join(format!("conformance-{}.json", c.payer.pubkey()));
    std::fs::write(
        &keypair,
        serde_json::to_vec(&c.payer.to_bytes().to_vec()).unwrap(),
    )
    .unwrap();
    let output = tokio::process::Command::new("node")
        .arg(conformance_dir().join("web3.mjs"))
        .args([
            c.server.url(),
            c.server.pubsub_url(),
            keypair.display().to_string(),
            usdc.to_string(),
            payer_usdc.to_string(),
        ])
        .output()
        .await
        .expect("node (20) is required for the conformance suite");
    let _ = std::fs::remove_file(&keypair);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "web3.js:\n{stdout}\n{stderr}");
    assert!(stdout.contains("19 checks passed"), "{stdout}");
}
