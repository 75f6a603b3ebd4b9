//! The reference x402 packages, unmodified from the npm registry (pinned in
//! `tests/conformance/package-lock.json`): `@x402/fetch` + `@x402/svm` pay the vendor's
//! `/ohlcv` with `exact`, and our `PayingClient` pays an `@x402/express` server that uses the
//! vendor as its facilitator. The local cluster is labelled devnet (the documented local setting).
use std::process::Stdio;

use reqwest::StatusCode;
use tokio::io::{AsyncBufReadExt, BufReader};

use super::*;
use crate::cluster::conformance::{conformance_dir, install};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_the_reference_x402_client_pays_the_vendor_with_exact() {
    install();
    let v = vendor_on(Some(PublicCluster::Devnet)).await;
    // The payer's keys and tokens (the reference client signs with them; ours stays unused).
    let (payer, payer_usdc, _) = v.exact_payer(10 * PRICE, 10 * PRICE).await;
    let lamports = v.chain.balance(&payer.pubkey()).await.unwrap();
    let keypair = std::env::temp_dir().join(format!("x402-{}.json", payer.pubkey()));
    std::fs::write(
        &keypair,
        serde_json::to_vec(&payer.to_bytes().to_vec()).unwrap(),
    )
    .unwrap();
    let output = tokio::process::Command::new("node")
        .arg(conformance_dir().join("x402-pay.mjs"))
        .args([
            v.rpc.url(),
            v.rpc.pubsub_url(),
            keypair.display().to_string(),
            v.url(),
            v.usdc.to_string(),
        ])
        .output()
        .await
        .expect("node (20) is required for the conformance suite");
    let _ = std::fs::remove_file(&keypair);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("11 checks passed"), "{stdout}");
    // Both settlements landed; the vendor received exactly two prices; the payer paid no fee.
    let settlements: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("settlement "))
        .collect();
    assert_eq!(settlements.len(), 2);
    for signature in settlements {
        assert_eq!(v.chain.status(&signature.parse().unwrap()), Some(Ok(())));
    }
    assert_eq!(v.balance(&v.vendor_usdc).await, 2 * PRICE);
    assert_eq!(v.balance(&payer_usdc).await, 8 * PRICE);
    assert_eq!(v.chain.balance(&payer.pubkey()).await.unwrap(), lamports);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_our_client_pays_a_reference_express_server_through_our_facilitator() {
    install();
    let v = vendor_on(Some(PublicCluster::Devnet)).await;
    // The merchant: a wallet with a USDC account, selling `/weather` for PRICE.
    let merchant = Keypair::new();
    let merchant_usdc = v
        .localnet
        .fund_tokens(&v.chain, &merchant.pubkey(), "USDC", 0)
        .await
        .unwrap();
    let mut server = tokio::process::Command::new("node")
        .arg(conformance_dir().join("x402-serve.mjs"))
        .args([
            v.base.clone(),
            merchant.pubkey().to_string(),
            v.usdc.to_string(),
            PRICE.to_string(),
        ])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node (20) is required for the conformance suite");
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let port = tokio::time::timeout(std::time::Duration::from_secs(60), lines.next_line())
        .await
        .expect("the reference server starts")
        .unwrap()
        .and_then(|l| l.strip_prefix("listening ").map(str::to_string))
        .expect("the reference server prints its port");
    let url = format!("http://127.0.0.1:{port}/weather");

    let (payer, payer_usdc, client) = v.exact_payer(10 * PRICE, 10 * PRICE).await;
    let paid = client.get(&url).await.unwrap();
    assert_eq!(
        paid.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&paid.body)
    );
    let body: serde_json::Value = serde_json::from_slice(&paid.body).unwrap();
    assert_eq!(body["report"]["weather"], "sunny");
    let settlement = paid
        .settlement
        .expect("the reference server's PAYMENT-RESPONSE");
    assert!(settlement.success, "{settlement:?}");
    assert_eq!(settlement.payer, payer.pubkey().to_string());
    assert_eq!(
        v.chain.status(&settlement.transaction.parse().unwrap()),
        Some(Ok(()))
    );
    assert_eq!(v.balance(&merchant_usdc).await, PRICE);
    assert_eq!(v.balance(&payer_usdc).await, 9 * PRICE);
    // Our caps hold against a foreign server too: above the per-request cap nothing is signed.
    let (_, _, capped) = v.exact_payer(10 * PRICE, PRICE - 1).await;
    assert!(matches!(
        capped.get(&url).await,
        Err(PayError::AboveRequestCap { .. })
    ));
    server.kill().await.unwrap();
}
