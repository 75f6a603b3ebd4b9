//! `agentrunner verify` as a third-party auditor meets it: receipt files exported before and
//! after their period is anchored, checked offline, on a cluster with no deployment file and no
//! key, a bare receipt, the vendor's signed file, and every forgery rejected with its reason —
//! with the exit codes 0 (anchored), 1 (rejected) and 2 (not anchored yet).
use std::{path::Path, process::Command, time::Duration, time::Instant};

use agentrunner_client::{deployment::Deployment, keys::read_keypair, rpc::RpcChain};
use agentrunner_keepers::{anchorer::Anchorer, Outcome};
use anchor_lang::prelude::Pubkey;
use serde_json::Value;
use solana_signer::Signer;

use agentrunner_client::send::{SendPolicy, Sender};

use super::{Served, BIN};

pub mod nav;

/// `verify` as a stranger runs it: `-u` only (a deployment file that does not exist, no key).
fn stranger(s: &Served, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .env("RUST_BACKTRACE", "0")
        .args(["-u", &s.url, "--deployment", "/nonexistent/deployment.json"])
        .args(["--output", "json", "verify"])
        .args(args)
        .output()
        .unwrap()
}

/// Runs `verify`, expecting exit `code`; returns its JSON (or its error text when rejected).
fn verify(s: &Served, args: &[&str], code: i32) -> Result<Value, String> {
    let out = stranger(s, args);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
    if code == 1 {
        return Err(stderr);
    }
    Ok(serde_json::from_slice(&out.stdout).unwrap())
}

/// Runs the anchorer until it anchors a period of `key`'s shard.
async fn anchor_shard_of(s: &Served, rpc: &RpcChain, deployment: &Deployment, key: &Pubkey) {
    let anchorer = Anchorer {
        chain: rpc,
        sender: Sender::unjournaled(
            rpc,
            SendPolicy {
                poll_interval: Duration::from_millis(50),
                ..SendPolicy::default()
            },
        ),
        payer: read_keypair(&s.key("anchorer")).unwrap(),
        deployment,
    };
    let (shard, _) = deployment.shard_of(key);
    let started = Instant::now();
    loop {
        let anchored = anchorer.anchor_due().await.unwrap();
        if anchored
            .iter()
            .any(|(s, o)| *s == shard && matches!(o, Outcome::Done(_)))
        {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no anchor: {anchored:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

fn export(s: &Served, plan: &str, dir: &Path) -> Vec<String> {
    let exported = s.json(
        "owner",
        &["receipts", plan, "--out-dir", dir.to_str().unwrap()],
    );
    exported
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["file"].as_str().unwrap().to_string())
        .collect()
}

fn edited(s: &Served, file: &str, name: &str, edit: impl FnOnce(&mut Value)) -> String {
    let mut value: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    edit(&mut value);
    let path = s.dir.join(format!("{name}.json"));
    std::fs::write(&path, value.to_string()).unwrap();
    path.display().to_string()
}

/// The plan's receipts (3 executions, the vendor's signed files in `vendor_dir`) verified every
/// way, before and after the anchorer anchors their period.
pub async fn receipts_before_and_after_anchoring(
    s: &Served,
    rpc: &RpcChain,
    plan: &str,
    deployment: &Deployment,
    vendor_dir: &Path,
    indexers: &[super::indexer::Indexer],
) {
    // Exported before anchoring: valid, not anchored (exit 2), offline and on the cluster.
    let early = export(s, plan, &s.dir.join("receipts-early"));
    assert_eq!(early.len(), 3);
    let offline = verify(s, &[&early[0]], 2).unwrap();
    assert_eq!(
        (&offline["anchored"], &offline["checked"]),
        (&false.into(), &"offline".into())
    );
    let online = verify(s, &[&early[0], "--on-chain"], 2).unwrap();
    assert_eq!(online["checked"], "cluster");

    anchor_shard_of(s, rpc, deployment, &plan.parse().unwrap()).await;

    // The early files now verify on-chain with only -u, no key: simulated, nothing signed.
    for file in &early {
        let verified = verify(s, &[file, "--on-chain"], 0).unwrap();
        assert_eq!(verified["anchored"], true, "{file}");
        assert_eq!(verified["on_chain"], "simulated", "{file}");
    }
    // Exported after anchoring: self-contained, exit 0 offline.
    let files = export(s, plan, &s.dir.join("receipts"));
    for file in &files {
        let verified = verify(s, &[file], 0).unwrap();
        assert!(verified["period_root"].is_string(), "{verified}");
        assert_eq!(verified["checked"], "offline");
    }
    // A bare receipt: its proof looked up in the plan's history; saved complete, it then
    // verifies offline.
    let bare = edited(s, &files[0], "bare", |v| *v = v["receipt"].clone());
    let completed = s.dir.join("completed.json");
    let verified = verify(s, &[&bare, "--save", completed.to_str().unwrap()], 0).unwrap();
    assert_eq!(verified["anchored"], true);
    assert_eq!(
        verify(s, &[completed.to_str().unwrap()], 0).unwrap()["checked"],
        "offline"
    );

    // The indexers hold the plan's receipts with the same proofs; a bare receipt's proof taken
    // from either API is checked against the cluster's PeriodRoot.
    let exported: Vec<Value> = files
        .iter()
        .map(|f| serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap())
        .collect();
    super::indexer::hold_the_plan(indexers, plan, &exported).await;
    for indexer in indexers {
        let verified = verify(s, &[&bare, "--api", &indexer.api], 0).unwrap();
        assert_eq!(
            (&verified["anchored"], &verified["checked"]),
            (&true.into(), &"cluster".into()),
            "{}",
            indexer.api
        );
    }

    // The vendor's signed file (no proof yet): completed on the cluster, signature and quote
    // checked.
    let signed: Vec<_> = std::fs::read_dir(vendor_dir).unwrap().flatten().collect();
    assert_eq!(signed.len(), 3, "one signed receipt per execution");
    let vendor_file = signed[0].path().display().to_string();
    let verified = verify(s, &[&vendor_file], 0).unwrap();
    assert!(verified["vendor_signature"].is_string() && verified["quote"] == true);

    // Forgeries, each rejected (exit 1) with its reason.
    let other_key = solana_keypair::Keypair::new();
    let other_tree = deployment
        .receipt_trees
        .iter()
        .find(|t| t.to_string() != verified["tree"])
        .expect("a second shard");
    let leaf_of_file = verified["leaf"].as_str().unwrap().to_string();
    let cases: Vec<(&str, String, Vec<&str>, &str)> = vec![
        (
            "tampered field",
            edited(s, &files[1], "tampered", |v| {
                v["receipt"]["amount_out"] =
                    (v["receipt"]["amount_out"].as_u64().unwrap() + 1).into()
            }),
            vec![],
            "is not the receipt's leaf",
        ),
        (
            "wrong proof",
            edited(s, &files[1], "wrong-proof", |v| {
                v["proof"]["nodes"][0] = hex::encode([7u8; 32]).into()
            }),
            vec![],
            "the proof does not lead from the leaf to the file's root",
        ),
        (
            "wrong root",
            edited(s, &files[1], "wrong-root", |v| {
                let leaf: [u8; 32] = hex::decode(v["leaf"].as_str().unwrap())
                    .unwrap()
                    .try_into()
                    .unwrap();
                let mut nodes: Vec<[u8; 32]> = v["proof"]["nodes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|n| {
                        hex::decode(n.as_str().unwrap())
                            .unwrap()
                            .try_into()
                            .unwrap()
                    })
                    .collect();
                nodes[0] = [7u8; 32];
                let index = v["index"].as_u64().unwrap();
                let root = receipts::merkle::root_from_proof(leaf, index, &nodes);
                v["proof"]["nodes"] = nodes.iter().map(hex::encode).collect::<Vec<_>>().into();
                v["proof"]["root"] = hex::encode(root).into();
            }),
            vec!["--on-chain"],
            "do not hash to the period root",
        ),
        (
            "forged vendor signature",
            edited(s, &vendor_file, "forged", |v| {
                v["vendor"]["signature"] = other_key
                    .sign_message(leaf_of_file.as_bytes())
                    .to_string()
                    .into()
            }),
            vec![],
            "the vendor signature does not verify",
        ),
        (
            "edited quote",
            edited(s, &vendor_file, "quote", |v| {
                v["vendor"]["quote"]["expected_out"] =
                    (v["vendor"]["quote"]["expected_out"].as_u64().unwrap() + 1).into()
            }),
            vec![],
            "the quote does not hash to the receipt's vendor_receipt_hash",
        ),
        (
            "receipt from another tree",
            edited(s, &files[1], "other-tree", |v| {
                v["tree"] = other_tree.to_string().into();
                v["period_root"] = Value::Null;
            }),
            vec!["--on-chain"],
            // Whether the other tree has a period anchored over that leaf (other plans'
            // receipts, the certification canaries') decides which check refuses it first.
            "does not hold this receipt|do not hash to the period root",
        ),
    ];
    for (label, file, extra, reason) in cases {
        let mut args = vec![file.as_str()];
        args.extend(extra);
        let rejected = verify(s, &args, 1).unwrap_err();
        assert!(
            reason.split('|').any(|r| rejected.contains(r)),
            "{label}: {rejected}"
        );
    }
}
