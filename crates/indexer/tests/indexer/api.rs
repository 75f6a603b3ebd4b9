//! The receipts API over HTTP: every route of its OpenAPI document, pagination, every filter,
//! proofs that verify against the live root and the PeriodRoot, receipt files that pass the
//! offline check, bad parameters (400 with the reason), unknown things (404), oversize
//! requests (413, 414) and a client's rate limit (429).
use agentrunner_client::{
    receipts::{
        file::{check_offline, ReceiptFile},
        ReceiptJson,
    },
    rpc::RpcChain,
};
use agentrunner_indexer::{
    api::{serve, ApiState},
    follow::Follower,
    limits::{Limiter, RateLimit},
    store::Store,
};
use anchor_lang::prelude::Pubkey;
use receipts::{merkle::root_from_proof, receipt::ReceiptKind};
use serde_json::Value;

use super::world::{sqlite, World};

async fn serve_api(follower: &Follower<RpcChain>, limit: RateLimit) -> String {
    let state = ApiState {
        store: follower.store.clone(),
        mirrors: follower.mirrors.clone(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    serve(listener, state, Limiter::new(limit));
    base
}

async fn get(base: &str, path: &str) -> (u16, Value) {
    let response = reqwest::get(format!("{base}{path}")).await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn ok(base: &str, path: &str) -> Value {
    let (status, body) = get(base, path).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// `path` is refused with `status`, `code`, and a reason naming `mentions`.
async fn refused(base: &str, path: &str, status: u16, code: &str, mentions: &str) {
    let (got, body) = get(base, path).await;
    assert_eq!(
        (got, body["error"].as_str()),
        (status, Some(code)),
        "{path}: {body}"
    );
    let reason = body["reason"].as_str().unwrap();
    assert!(
        reason.contains(mentions),
        "{path}: {reason:?} does not mention {mentions:?}"
    );
}

fn hex32(value: &Value) -> [u8; 32] {
    hex::decode(value.as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap()
}

fn nodes(value: &Value) -> Vec<[u8; 32]> {
    value.as_array().unwrap().iter().map(hex32).collect()
}

/// Every page from `path` (which has a `?`), following `next_cursor`.
async fn every_page(base: &str, path: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = ok(base, &format!("{path}{cursor}")).await;
        all.extend(page["receipts"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return all,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_receipts_api_serves_every_route_with_proofs_and_limits() {
    let mut world = World::new(2).await;
    world.append(40).await;
    world.anchor(0, 0).await;
    world.append(20).await;
    let (t0, t1) = (world.setup.trees[0], world.setup.trees[1]);
    let store = Store::open(&sqlite("api")).await.unwrap();
    let follower = Follower::resume(RpcChain::new(&world.url()), store, 100)
        .await
        .unwrap();
    follower.round().await.unwrap();
    let base = serve_api(&follower, RateLimit::default()).await;
    let anchored = ok(&base, &format!("/v1/periods?tree={t0}")).await[0]["tree_size"]
        .as_u64()
        .unwrap();

    // Every route the document lists answers.
    let doc = ok(&base, "/openapi.json").await;
    let leaf0 = hex::encode(world.leaves_of(&t0)[0].leaf());
    for path in doc["paths"].as_object().unwrap().keys() {
        let concrete = path
            .replace("{tree}", &t0.to_string())
            .replace("{index}", "0")
            .replace("{leaf}", &leaf0);
        ok(&base, &concrete).await;
    }
    assert_eq!(doc["paths"].as_object().unwrap().len(), 8);

    let trees = ok(&base, "/v1/trees").await;
    for tree in trees.as_array().unwrap() {
        let key: Pubkey = tree["tree"].as_str().unwrap().parse().unwrap();
        assert_eq!(tree["leaves"], world.leaves_of(&key).len() as u64);
        assert_eq!(hex32(&tree["root"]), world.on_chain(&key).await.0);
    }

    // Pages of 7 add up to every receipt, once each, in (tree, index) order.
    let all = every_page(&base, "/v1/receipts?limit=7").await;
    assert_eq!(all.len(), 60);
    let mut expected: Vec<(String, u64)> = [t0, t1]
        .iter()
        .flat_map(|t| (0..world.leaves_of(t).len() as u64).map(move |i| (t.to_string(), i)))
        .collect();
    expected.sort();
    let listed: Vec<(String, u64)> = all
        .iter()
        .map(|r| {
            (
                r["tree"].as_str().unwrap().to_string(),
                r["index"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(listed, expected);

    // Every filter, and the aliases vendor = agent, owner = payer.
    let (tree, first) = world.appended[0];
    let by_plan = ok(&base, &format!("/v1/receipts?plan={}", first.plan)).await;
    assert_eq!(
        by_plan["receipts"][0]["receipt"],
        serde_json::json!(ReceiptJson::from(&first))
    );
    assert_eq!(by_plan["receipts"].as_array().unwrap().len(), 1);
    let count = |f: &dyn Fn(&receipts::Receipt) -> bool| {
        world.appended.iter().filter(|(_, r)| f(r)).count()
    };
    let agent = Pubkey::new_from_array([10; 32]);
    for param in ["agent", "vendor"] {
        let listed = every_page(&base, &format!("/v1/receipts?{param}={agent}")).await;
        assert_eq!(listed.len(), count(&|r| r.agent == agent), "{param}");
    }
    let payer = first.payer;
    assert_eq!(
        every_page(&base, &format!("/v1/receipts?owner={payer}"))
            .await
            .len(),
        60
    );
    let dca = every_page(&base, "/v1/receipts?kind=dca").await;
    assert_eq!(dca.len(), count(&|r| r.kind == ReceiptKind::Dca));
    let period = every_page(&base, &format!("/v1/receipts?tree={t0}&period=0")).await;
    assert_eq!(period.len() as u64, anchored);

    // One receipt; its proofs against the PeriodRoot and the live root; its file.
    let one = ok(&base, &format!("/v1/receipts/{tree}/0")).await;
    assert_eq!(one["receipt"], serde_json::json!(ReceiptJson::from(&first)));
    let proof = ok(&base, &format!("/v1/receipts/{t0}/0/proof")).await;
    let leaf = hex32(&proof["leaf"]);
    assert_eq!(
        root_from_proof(leaf, 0, &nodes(&proof["anchored"]["proof"])),
        hex32(&ok(&base, &format!("/v1/periods?tree={t0}")).await[0]["root"])
    );
    assert_eq!(
        root_from_proof(leaf, 0, &nodes(&proof["live"]["proof"])),
        world.on_chain(&t0).await.0
    );
    let last = world.leaves_of(&t0).len() - 1;
    let unanchored = ok(&base, &format!("/v1/receipts/{t0}/{last}/proof")).await;
    assert!(
        unanchored["anchored"].is_null(),
        "appended after the period ended"
    );
    for path in [
        format!("/v1/receipts/{t0}/0/file"),
        format!("/v1/leaves/{leaf0}/file"),
    ] {
        let file: ReceiptFile = serde_json::from_value(ok(&base, &path).await).unwrap();
        check_offline(&file).unwrap();
        assert!(file.period_root.is_some(), "{path}");
    }

    // Bad parameters: 400 with the reason; unknown things: 404.
    for (path, mentions) in [
        ("/v1/receipts?plan=xyz".to_string(), "plan"),
        ("/v1/receipts?limit=0".into(), "limit"),
        ("/v1/receipts?limit=5000".into(), "limit"),
        ("/v1/receipts?kind=bogus".into(), "kind"),
        ("/v1/receipts?period=0".into(), "period"),
        ("/v1/receipts?cursor=nope".into(), "cursor"),
        ("/v1/receipts?colour=red".into(), "colour"),
        (
            format!("/v1/receipts?agent={agent}&vendor={agent}"),
            "agent, vendor",
        ),
        (format!("/v1/receipts/{t0}/abc"), "index"),
        ("/v1/receipts/nope/0/proof".into(), "tree"),
        ("/v1/leaves/zz/file".into(), "leaf"),
        ("/v1/periods?tree=1".into(), "tree"),
    ] {
        refused(&base, &path, 400, "bad_parameter", mentions).await;
    }
    refused(
        &base,
        &format!("/v1/receipts/{t0}/9999"),
        404,
        "not_found",
        "9999",
    )
    .await;
    refused(
        &base,
        &format!("/v1/receipts?tree={t0}&period=5"),
        404,
        "not_found",
        "period 5",
    )
    .await;
    refused(&base, "/v1/nope", 404, "not_found", "openapi").await;
    let long = format!("/v1/receipts?plan={}", "x".repeat(3000));
    refused(&base, &long, 414, "uri_too_long", "2048").await;
    let response = reqwest::Client::new()
        .get(format!("{base}/v1/trees"))
        .body(vec![b'x'; 2000])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);

    // A client that spends its burst is told to wait.
    let limited = serve_api(
        &follower,
        RateLimit {
            per_second: 0.5,
            burst: 3.0,
        },
    )
    .await;
    for _ in 0..3 {
        ok(&limited, "/v1/trees").await;
    }
    let response = reqwest::get(format!("{limited}/v1/trees")).await.unwrap();
    assert_eq!(response.status().as_u16(), 429);
    assert_eq!(response.headers()["retry-after"], "2");
}
