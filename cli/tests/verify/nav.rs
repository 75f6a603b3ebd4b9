//! Fund Admin through the CLI: `agentrunner nav` prices the owner's positions (fresh,
//! confident oracle prices) and records the NAV as a receipt; an auditor with nothing but the
//! cluster URL verifies the file — not anchored yet (exit 2), then anchored (exit 0) — and a
//! file whose positions were edited is rejected (exit 1).
use agentrunner_client::{deployment::Deployment, keys::read_keypair, rpc::RpcChain};
use solana_signer::Signer;

use super::{anchor_shard_of, edited, verify, Served};

pub async fn nav_recorded_anchored_and_verified(
    s: &Served,
    rpc: &RpcChain,
    deployment: &Deployment,
) {
    let owner = read_keypair(&s.key("owner")).unwrap().pubkey();
    let priced = s.json("owner", &["nav", "--dry-run"]);
    let positions = priced["positions"].as_array().unwrap();
    assert!(!positions.is_empty(), "{priced}");
    let sum: u64 = positions
        .iter()
        .map(|p| p["value_usd"].as_u64().unwrap())
        .sum();
    assert_eq!(priced["nav_usd"].as_u64().unwrap(), sum);

    // The fund's administrator (here the planner's key) records the owner's NAV and pays.
    let file = s.dir.join("nav.json");
    let admin = read_keypair(&s.key("planner"))
        .unwrap()
        .pubkey()
        .to_string();
    let recorded = s.json(
        "planner",
        &["nav", &owner.to_string(), "--out", file.to_str().unwrap()],
    );
    let receipt = &recorded["receipt"]["receipt"];
    assert_eq!(
        (
            receipt["kind"].as_str(),
            receipt["payer"].as_str(),
            receipt["agent"].as_str()
        ),
        (
            Some("nav"),
            Some(owner.to_string().as_str()),
            Some(admin.as_str())
        )
    );
    assert_eq!(
        receipt["amount_out"].as_u64().unwrap(),
        recorded["receipt"]["positions"].as_array().unwrap().len() as u64
    );
    let file = file.to_str().unwrap();
    let early = verify(s, &[file], 2).unwrap();
    assert_eq!(early["anchored"], false);

    anchor_shard_of(s, rpc, deployment, &owner).await;
    let verified = verify(s, &[file, "--on-chain"], 0).unwrap();
    assert_eq!(verified["anchored"], true, "{verified}");

    let forged = edited(s, file, "nav-forged", |v| {
        let held = &mut v["positions"][0]["amount"];
        *held = (held.as_u64().unwrap() * 2).into();
    });
    let refused = verify(s, &[&forged], 1).unwrap_err();
    assert!(
        refused.contains("not the ones the NAV receipt commits to"),
        "{refused}"
    );
}
