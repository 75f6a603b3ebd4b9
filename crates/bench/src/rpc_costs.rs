//! Section: RPC requests per execution. A vendor's broker talks to the cluster over JSON-RPC
//! (the embedded chain served on loopback, which counts every request and response byte) and
//! executes every awarded step while 1, 10, 100 and 1,000 plans are open (one-shot swaps of
//! one owner, alternately selling and buying SOL). Requests are counted
//! at the server, so they are exactly what a real RPC provider would bill.
use std::sync::atomic::Ordering;

use agentrunner_client::rpc::RpcChain;
use agentrunner_embedded::rpc_server;
use anyhow::{bail, Result};
use solana_signer::Signer;

use crate::{market::Market, table};

/// Open plans per row.
const OPEN_PLANS: [usize; 4] = [1, 10, 100, 1_000];

struct Row {
    plans: usize,
    executions: usize,
    requests: u64,
    bytes: u64,
}

/// `plans` one-shot swaps of one owner, each awarded to the market's one vendor and approved;
/// then one broker round over JSON-RPC.
async fn measure(plans: usize) -> Result<Row> {
    let m = Market::new(1, 14, 4).await?;
    let chain = &*m.chain;
    let owner = m.owner().await?;
    let planner = m.planner();
    let mut drafts = Vec::new();
    for n in 0..plans {
        // Half the plans sell SOL, half buy it, so the pool stays at the oracle price.
        let goal = if n % 2 == 0 {
            "Swap 0.1 SOL->USDC <=50 bps"
        } else {
            "Swap 15 USDC->SOL <=50 bps"
        };
        let draft = m.draft(goal, &owner.pubkey()).await?;
        m.create(&owner, &draft).await?;
        planner.open_rfps(&draft.plan).await?;
        drafts.push(draft);
    }
    m.broker(0).bid_all().await?;
    m.localnet.advance(chain, 61).await?;
    for draft in &drafts {
        planner.award_all(&draft.plan).await?;
        m.approve(&owner, &draft.plan, 86_400).await?;
    }
    let server = rpc_server::serve(m.chain.clone(), "127.0.0.1:0".parse()?).await?;
    let rpc = RpcChain::new(&server.url());
    let broker = m.broker_on(&rpc, 0);
    let (requests, bytes) = (
        server.served.requests.load(Ordering::Relaxed),
        server.served.response_bytes.load(Ordering::Relaxed),
    );
    let results = broker.execute_all().await?;
    let executed = results.iter().filter(|run| run.landed()).count();
    if executed != plans {
        let other = results
            .iter()
            .find(|run| !run.landed())
            .map(|run| run.describe());
        bail!("{executed} of {plans} executions landed; first other outcome: {other:?}");
    }
    Ok(Row {
        plans,
        executions: executed,
        requests: server.served.requests.load(Ordering::Relaxed) - requests,
        bytes: server.served.response_bytes.load(Ordering::Relaxed) - bytes,
    })
}

pub async fn run() -> Result<()> {
    let mut rows = vec![vec![
        "open plans".to_string(),
        "executions".into(),
        "RPC requests".into(),
        "requests/execution".into(),
        "response KiB/execution".into(),
    ]];
    for plans in OPEN_PLANS {
        let r = measure(plans).await?;
        rows.push(vec![
            r.plans.to_string(),
            r.executions.to_string(),
            r.requests.to_string(),
            format!("{:.1}", r.requests as f64 / r.executions as f64),
            format!("{:.1}", r.bytes as f64 / 1024.0 / r.executions as f64),
        ]);
    }
    table::print(
        "RPC requests per execution (a broker round over JSON-RPC, counted at the server)",
        &rows,
    );
    println!(
        "\nOne broker round: every plan open is a one-shot swap awarded to this vendor and approved; the broker finds its work with one scan of the market's RFPs and executes each (simulate, send, confirm, receipt). Counted at the JSON-RPC server: what a provider would bill."
    );
    Ok(())
}
