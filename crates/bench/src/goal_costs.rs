//! Goals section: what a routed swap costs against a direct one (the design of routing a pair
//! no pool trades: two dependent steps through the hub), and what a Fund Admin NAV receipt
//! costs by position count. Deterministic counts from landed transactions and balances.
use agentrunner_client::{
    chain::Chain,
    flows::nav::{self, NavGuards},
    pda,
    receipts::shards,
};
use agentrunner_keepers::Outcome;
use anyhow::{bail, Result};
use market::state::Rfp;
use solana_signer::Signer;

use crate::{market::Market, table};

/// Transactions, signatures, bytes and lamports a goal's executions took, and the vendor fees.
#[derive(Default)]
struct Executions {
    txs: u64,
    signatures: u64,
    bytes: u64,
    lamports: u64,
    vendor_fees: u64,
}

/// Plans, awards and approves `goal`, then executes every step in order; what the executions
/// cost (the lifecycle around them is the same per step as in section 1).
async fn executed(m: &Market, goal: &str) -> Result<(usize, Executions)> {
    let chain = &*m.chain;
    let owner = m.owner().await?;
    let planner = m.planner();
    let broker = m.broker(0);
    let draft = m.draft(goal, &owner.pubkey()).await?;
    let steps = draft.graph.steps.len();
    m.create(&owner, &draft).await?;
    planner.open_rfps(&draft.plan).await?;
    broker.bid_all().await?;
    m.localnet.advance(chain, 61).await?;
    planner.award_all(&draft.plan).await?;
    m.approve(&owner, &draft.plan, 86_400).await?;
    let vendor = broker.vendor.pubkey();
    let before = chain.balance(&vendor).await?;
    let mut cost = Executions::default();
    for step in 0..steps {
        let rfp_key = pda::rfp(&planner.planner.pubkey(), &draft.plan, step as u16).0;
        let rfp: Rfp = chain.fetch(&rfp_key).await?;
        match broker.execute(&rfp).await? {
            (Outcome::Done(l), _) => {
                cost.txs += 1;
                cost.signatures += l.signatures as u64;
                cost.bytes += l.wire_bytes as u64;
            }
            (other, _) => bail!("{goal}: step {step} did not land: {}", other.describe()),
        }
        if let market::state::RfpStatus::Awarded(award) = rfp.status {
            cost.vendor_fees += award.price;
        }
    }
    // Fees and the receipts' leaf deposits (and the owner's payer record, once), as paid.
    cost.lamports = before - chain.balance(&vendor).await?;
    Ok((steps, cost))
}

pub async fn run() -> Result<()> {
    let m = Market::new(1, 20, 1).await?;
    let mut rows = vec![vec![
        "goal".to_string(),
        "steps".into(),
        "execution txs".into(),
        "signatures".into(),
        "bytes".into(),
        "vendor lamports".into(),
        "vendor fees (USDC atoms)".into(),
    ]];
    for goal in ["Swap 0.2 SOL to USDC", "Swap 0.2 SOL to JUP"] {
        let (steps, c) = executed(&m, goal).await?;
        rows.push(vec![
            goal.into(),
            steps.to_string(),
            c.txs.to_string(),
            c.signatures.to_string(),
            c.bytes.to_string(),
            c.lamports.to_string(),
            c.vendor_fees.to_string(),
        ]);
    }
    table::print(
        "Goals: a routed swap (SOL->JUP through USDC) against a direct one",
        &rows,
    );

    let chain = &*m.chain;
    let d = &m.localnet.deployment;
    let mut rows = vec![vec![
        "positions".to_string(),
        "tx bytes".into(),
        "signatures".into(),
        "recorder lamports (fee + leaf deposit)".into(),
    ]];
    let symbols = ["SOL", "USDC", "JUP", "WIF"];
    for count in 1..=symbols.len() {
        let owner = chain.funded_keypair(10_000_000_000).await?;
        for symbol in &symbols[..count] {
            m.localnet
                .fund_tokens(chain, &owner.pubkey(), symbol, 1_000_000)
                .await?;
        }
        m.localnet.publish_prices(chain).await?;
        let clock = chain.clock().await?;
        let guards = NavGuards::default();
        let positions = nav::positions(chain, d, &owner.pubkey(), guards, &clock).await?;
        let (shard, _) = d.shard_of(&owner.pubkey());
        let (tree, _) = shards::newest(chain, shard).await?;
        let ix = nav::instruction(&owner.pubkey(), &owner.pubkey(), &tree, &positions, guards);
        let before = chain.balance(&owner.pubkey()).await?;
        let landed = crate::market::sender(chain)
            .send("nav", &owner, &[ix], &[], &[])
            .await?;
        rows.push(vec![
            count.to_string(),
            landed.wire_bytes.to_string(),
            landed.signatures.to_string(),
            (before - chain.balance(&owner.pubkey()).await?).to_string(),
        ]);
    }
    table::print("Fund Admin: one NAV receipt by position count", &rows);
    Ok(())
}
