//! Section: custody. What the owner-level delegation and per-owner staging cost: the execution
//! transaction, the approval transaction for a plan alone, for a third concurrent plan of the
//! same owner and for the largest plan (six steps over four mints, six vendors), and the rent
//! of the accounts custody adds. Every figure is read from landed transactions and accounts.
use agentrunner_client::{chain::Chain, flows::Draft, pda, plan::PlanGraph};
use agentrunner_keepers::Outcome;
use anyhow::{bail, Result};
use market::state::Rfp;
use runner::{instructions::StepArgs, state::StepKind};
use solana_signer::Signer;

use crate::{market::Market, table};

/// The execution transaction of the previous custody design (per-plan delegate lent to the
/// venue), from the last published run of the `step` section.
const EXECUTE_BYTES_BEFORE: usize = 661;
/// The bank's fee per signature.
const LAMPORTS_PER_SIGNATURE: u64 = 5_000;

pub async fn run() -> Result<()> {
    let m = Market::new(6, 14, 2).await?;
    let chain = &*m.chain;
    let d = &m.localnet.deployment;
    let owner = m.owner().await?;
    for (symbol, atoms) in [("JUP", 10_000_000_000), ("WIF", 10_000_000_000)] {
        m.localnet
            .fund_tokens(chain, &owner.pubkey(), symbol, atoms)
            .await?;
    }
    let planner = m.planner();
    let mut rows = vec![vec![
        "transaction".to_string(),
        "txs".into(),
        "signatures".into(),
        "bytes".into(),
        "fee lamports".into(),
    ]];
    let row = |label: &str, landed: &[agentrunner_client::send::Landed]| {
        vec![
            label.to_string(),
            landed.len().to_string(),
            landed
                .iter()
                .map(|l| l.signatures)
                .sum::<usize>()
                .to_string(),
            landed
                .iter()
                .map(|l| l.wire_bytes.to_string())
                .collect::<Vec<_>>()
                .join(" + "),
            (landed.iter().map(|l| l.signatures).sum::<usize>() as u64 * LAMPORTS_PER_SIGNATURE)
                .to_string(),
        ]
    };

    // Three plans of one owner selling SOL from the same account, approved one after another.
    let goals = [
        "Swap 1 SOL->USDC <=30 bps; then DCA 5 times every 60s",
        "DCA 1 SOL->USDC 3 times every 60s",
        "DCA 2 SOL->USDC 2 times every 60s",
    ];
    let mut drafts: Vec<Draft> = Vec::new();
    for goal in goals {
        let draft = m.draft(goal, &owner.pubkey()).await?;
        m.create(&owner, &draft).await?;
        open_and_bid(&m, &draft, |_| 0).await?;
        drafts.push(draft);
    }
    let largest = largest_plan(&m, &owner.pubkey()).await?;
    m.create(&owner, &largest).await?;
    open_and_bid(&m, &largest, |step| step).await?;
    m.localnet.advance(chain, 61).await?;
    let mut approvals = Vec::new();
    for draft in drafts.iter().chain([&largest]) {
        planner.award_all(&draft.plan).await?;
        approvals.push(m.approve(&owner, &draft.plan, 86_400).await?);
    }
    rows.push(row("approval: plan alone (swap, then DCA)", &approvals[0]));
    rows.push(row(
        "approval: third concurrent plan of the owner (DCA)",
        &approvals[2],
    ));
    rows.push(row(
        "approval: largest plan (6 steps, 4 mints, 6 vendors), split in two",
        &approvals[3],
    ));

    // One guarded execution under the new custody.
    let broker = m.broker(0);
    let rfp: Rfp = chain
        .fetch(&pda::rfp(&planner.planner.pubkey(), &drafts[0].plan, 0).0)
        .await?;
    let executed = match broker.execute(&rfp).await? {
        (Outcome::Done(l), _) => l,
        (other, _) => bail!("execution did not land: {}", other.describe()),
    };
    rows.push(row(
        "execute_swap_step (staging: runner transfer in, venue, leftovers out)",
        std::slice::from_ref(&executed),
    ));
    rows.push(vec![
        "execute_swap_step before (delegate lent to the venue)".into(),
        "1".into(),
        "1".into(),
        EXECUTE_BYTES_BEFORE.to_string(),
        "5000".into(),
    ]);
    table::print(
        "Custody: transactions (embedded chain, v0 with the deployment's lookup table)",
        &rows,
    );

    let staging = pda::staging(&owner.pubkey(), &d.token("SOL")?.mint).0;
    let staging_rent = chain.balance(&staging).await?;
    table::print(
        "Custody: rent",
        &[
            vec![
                "account".into(),
                "rent (lamports)".into(),
                "how many".into(),
                "who gets it back".into(),
            ],
            vec![
                "staging token account [\"staging\", owner, mint]".into(),
                staging_rent.to_string(),
                "one per owner and input mint, shared by every plan".into(),
                "the owner (close_staging, or settle when no plan uses it)".into(),
            ],
            vec![
                "owner delegate [\"delegate\", owner]".into(),
                "0".into(),
                "one per owner (a PDA, no account)".into(),
                "-".into(),
            ],
        ],
    );
    Ok(())
}

/// Opens `draft`'s RFPs; on step `i` only vendor `vendor_of(i)` bids, so steps can be awarded
/// to different vendors.
async fn open_and_bid(m: &Market, draft: &Draft, vendor_of: impl Fn(usize) -> usize) -> Result<()> {
    let planner = m.planner();
    planner.open_rfps(&draft.plan).await?;
    for step in 0..draft.args.steps.len() {
        let key = pda::rfp(&planner.planner.pubkey(), &draft.plan, step as u16).0;
        let rfp: Rfp = m.chain.fetch(&key).await?;
        m.broker(vendor_of(step)).bid(&key, &rfp).await?;
    }
    Ok(())
}

/// Six steps over SOL, USDC, JUP and WIF: three sells into USDC and three buys out of it.
async fn largest_plan(m: &Market, owner: &anchor_lang::prelude::Pubkey) -> Result<Draft> {
    let planner = m.planner();
    let template = m.draft("Swap 1 SOL->USDC <=30 bps", owner).await?;
    let book = m.localnet.deployment.book();
    let graph = PlanGraph {
        goal: "the largest plan: six steps over four mints".into(),
        policy: agentrunner_client::plan::Policy {
            tokens: ["SOL", "USDC", "JUP", "WIF"].map(String::from).to_vec(),
            ..template.graph.policy.clone()
        },
        ..template.graph.clone()
    };
    let mut args = graph.create_args(template.args.plan_id, planner.planner.pubkey(), &book)?;
    let step = template.args.steps[0];
    let leg = |mint_in: u8, mint_out: u8, amount_in: u64| StepArgs {
        kind: StepKind::Swap,
        mint_in,
        mint_out,
        amount_in,
        ..step
    };
    args.steps = vec![
        leg(0, 1, 1_000_000_000),
        leg(2, 1, 100_000_000),
        leg(3, 1, 50_000_000),
        leg(1, 0, 100_000_000),
        leg(1, 2, 100_000_000),
        leg(1, 3, 100_000_000),
    ];
    Ok(Draft {
        plan: pda::plan(owner, args.plan_id).0,
        graph,
        args,
    })
}
