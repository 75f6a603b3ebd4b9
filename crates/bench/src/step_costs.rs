//! Section 1: one paid, guarded, receipted swap step. AgentRunner's single atomic transaction
//! (the vendor signs and pays) against a seed-style flow on the same chain: a swap transaction,
//! a separate SPL-transfer payment, one account per receipt, and one anchor account per day.
//! Everything is measured from landed transactions and account balances.
use agentrunner_client::{
    chain::Chain,
    flows::{Offers, PlanView, Settlement},
    ix, pda,
};
use agentrunner_keepers::Outcome;
use anyhow::{bail, Result};
use market::state::Rfp;
use sim_venue::instructions::SwapArgs;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::{market::Market, table};

/// Executions measured (a DCA of six).
const EXECUTIONS: u64 = 6;
/// Fewest executions per day the anchor is amortized over (the seed journey's six).
const STEPS_PER_DAY: u64 = 6;
/// Bytes of one receipt account in the seed-style flow: Anchor discriminator + the receipt.
const RECEIPT_ACCOUNT_BYTES: usize = 8 + receipts::Receipt::ENCODED_LEN;
/// Bytes of a daily anchor account in the seed-style flow: discriminator, root, range, slot.
const ANCHOR_ACCOUNT_BYTES: usize = 8 + 32 + 8 + 8 + 8;
/// The bank's fee per signature.
const LAMPORTS_PER_SIGNATURE: u64 = 5_000;

#[derive(Default, Clone, Copy)]
struct Per {
    txs: u64,
    signatures: u64,
    bytes: u64,
    fee: u64,
    rent: u64,
}

impl Per {
    fn landed(&mut self, bytes: usize, signatures: usize) {
        self.txs += 1;
        self.signatures += signatures as u64;
        self.bytes += bytes as u64;
        self.fee += signatures as u64 * LAMPORTS_PER_SIGNATURE;
    }

    fn total(&self) -> u64 {
        self.fee + self.rent
    }

    fn row(&self, label: &str, per: u64) -> Vec<String> {
        let f = |v: u64| format!("{:.0}", v as f64 / per as f64);
        vec![
            label.into(),
            format!("{:.2}", self.txs as f64 / per as f64),
            format!("{:.2}", self.signatures as f64 / per as f64),
            f(self.bytes),
            f(self.fee),
            f(self.rent),
            f(self.total()),
        ]
    }
}

pub async fn run() -> Result<()> {
    let m = Market::new(1, 20, 1).await?;
    let chain = &*m.chain;
    let d = &m.localnet.deployment;
    let rent = chain.rent().clone();
    let owner = m.owner().await?;
    let planner = m.planner();
    let broker = m.broker(0);

    // The plan's lifecycle around the executions (amortized separately).
    let mut lifecycle = Per::default();
    let goal = format!("DCA 1 SOL->USDC {EXECUTIONS} times every 60s");
    let draft = m.draft(&goal, &owner.pubkey()).await?;
    let l = m.create(&owner, &draft).await?;
    lifecycle.landed(l.wire_bytes, l.signatures);
    for (_, outcome) in planner.open_rfps(&draft.plan).await? {
        if let Outcome::Done(l) = outcome {
            lifecycle.landed(l.wire_bytes, l.signatures);
        }
    }
    for (_, outcome) in broker.bid_all().await? {
        if let Ok(Outcome::Done(l)) = outcome {
            lifecycle.landed(l.wire_bytes, l.signatures);
        }
    }
    m.localnet.advance(chain, 61).await?;
    for (_, outcome) in planner.award_all(&draft.plan).await? {
        if let Outcome::Done(l) = outcome {
            lifecycle.landed(l.wire_bytes, l.signatures);
        }
    }
    for l in m.approve(&owner, &draft.plan, 7 * 86_400).await? {
        lifecycle.landed(l.wire_bytes, l.signatures);
    }

    // AgentRunner: the executions. The vendor pays each one's fee and the receipt's deposit
    // toward the shard's next tree (and, once, the owner's payer record).
    let mut ours = Per::default();
    let rfp_key = pda::rfp(&planner.planner.pubkey(), &draft.plan, 0).0;
    let vendor = broker.vendor.pubkey();
    let vendor_before = chain.balance(&vendor).await?;
    for _ in 0..EXECUTIONS {
        m.localnet.advance(chain, 60).await?;
        let rfp: Rfp = chain.fetch(&rfp_key).await?;
        match broker.execute(&rfp).await? {
            (Outcome::Done(l), _) => ours.landed(l.wire_bytes, l.signatures),
            (other, _) => bail!("execution did not land: {}", other.describe()),
        }
    }
    // Receipt storage: the deposits, measured (each is the next depth-20 tree's rent over its
    // leaves).
    let payer_record = chain
        .balance(&pda::payer_record(&broker.agent, &owner.pubkey()).0)
        .await?;
    let paid = vendor_before - chain.balance(&vendor).await?;
    ours.rent = paid - 5_000 * EXECUTIONS - payer_record;
    // A daily PeriodRoot (anyone anchors; amortized over a day's steps).
    m.localnet.advance(chain, 3_600).await?;
    let anchorer = chain.funded_keypair(1_000_000_000).await?;
    let anchor = chain
        .send(
            &[ix::receipts::anchor_period(
                &ix::receipts::TreeRef::first(0, &d.receipt_trees[0]),
                0,
                &anchorer.pubkey(),
            )],
            &[&anchorer],
        )
        .await?;
    let period_rent = chain
        .balance(&pda::period_root(&d.receipt_trees[0], 0).0)
        .await?;
    let mut ours_daily = Per::default();
    ours_daily.landed(anchor.wire_bytes, anchor.signatures);
    ours_daily.rent = period_rent;

    // Cleanup returns the lifecycle's rent: grants, budget, plan, staging, offer, RFP.
    let view = PlanView::load(chain, d, &draft.plan, Offers::Skip).await?;
    let fees = view.budget.clone().expect("the plan was approved");
    let mut cleanup = Settlement::of(&view)?.instructions().to_vec();
    let sold = d.token("SOL")?.mint;
    cleanup.push(ix::runner::close_staging(&owner.pubkey(), &sold));
    let closed = chain.send(&cleanup, &[&owner]).await?;
    lifecycle.landed(closed.wire_bytes, closed.signatures);
    let offer = pda::offer(&rfp_key, &broker.agent).0;
    let crank = chain
        .send(
            &[ix::market::close_offer(
                &rfp_key,
                &offer,
                &broker.vendor.pubkey(),
            )],
            &[],
        )
        .await?;
    lifecycle.landed(crank.wire_bytes, crank.signatures);
    let mut left = 0;
    for key in [
        fees.budget_ref.budget,
        fees.budget_ref.vault,
        draft.plan,
        pda::staging(&owner.pubkey(), &sold).0,
        offer,
        fees.grants[0].0,
    ] {
        left += chain.balance(&key).await?;
    }
    let rfp_rent = chain.balance(&rfp_key).await?;
    lifecycle.rent = left;

    // The seed-style flow, same chain, same trade.
    let mut seed = Per::default();
    let sol = d.token("SOL")?.mint;
    let usdc = d.token("USDC")?.mint;
    let pool = d.pool(&sol, &usdc).expect("SOL/USDC pool");
    let user_sol = pda::ata(&owner.pubkey(), &sol, &anchor_spl::token::ID);
    let user_usdc = pda::ata(&owner.pubkey(), &usdc, &anchor_spl::token::ID);
    let vendor_usdc = pda::ata(&broker.vendor.pubkey(), &usdc, &anchor_spl::token::ID);
    let fee = broker.strategy.price;
    for _ in 0..EXECUTIONS {
        let swap = ix::sim_venue::swap(
            &pool,
            &sol,
            &user_sol,
            &user_usdc,
            &owner.pubkey(),
            SwapArgs {
                amount_in: 1_000_000_000,
                min_out: 0,
            },
        );
        let s = chain.send_with_payer(&owner, &[swap], &[]).await?;
        seed.landed(s.wire_bytes, s.signatures);
        let pay = spl_token_interface::instruction::transfer_checked(
            &spl_token_interface::ID,
            &user_usdc,
            &usdc,
            &vendor_usdc,
            &owner.pubkey(),
            &[],
            fee,
            6,
        )?;
        let p = chain.send_with_payer(&owner, &[pay], &[]).await?;
        seed.landed(p.wire_bytes, p.signatures);
        let account = Keypair::new();
        let lamports = rent.minimum_balance(RECEIPT_ACCOUNT_BYTES);
        let create = solana_system_interface::instruction::create_account(
            &owner.pubkey(),
            &account.pubkey(),
            lamports,
            RECEIPT_ACCOUNT_BYTES as u64,
            &receipts::ID,
        );
        let r = chain
            .send_with_payer(&owner, &[create], &[&account])
            .await?;
        seed.landed(r.wire_bytes, r.signatures);
        seed.rent += lamports;
    }
    let mut seed_daily = Per::default();
    {
        let account = Keypair::new();
        let lamports = rent.minimum_balance(ANCHOR_ACCOUNT_BYTES);
        let create = solana_system_interface::instruction::create_account(
            &owner.pubkey(),
            &account.pubkey(),
            lamports,
            ANCHOR_ACCOUNT_BYTES as u64,
            &receipts::ID,
        );
        let a = chain
            .send_with_payer(&owner, &[create], &[&account])
            .await?;
        seed_daily.landed(a.wire_bytes, a.signatures);
        seed_daily.rent = lamports;
    }

    let header = |what: &str| {
        vec![
            what.to_string(),
            "txs".into(),
            "signatures".into(),
            "bytes".into(),
            "fee lamports".into(),
            "rent locked".into(),
            "total lamports".into(),
        ]
    };
    table::print(
        "Step: one paid, guarded, receipted swap step (same chain, same trade, measured)",
        &[
            header("per step"),
            ours.row(
                "AgentRunner: execute_swap_step (swap + guards + fee + receipt + reputation)",
                EXECUTIONS,
            ),
            seed.row(
                "seed-style: swap tx + SPL-transfer payment tx + one receipt account",
                EXECUTIONS,
            ),
            vec![
                "seed-style / AgentRunner".into(),
                String::new(),
                String::new(),
                String::new(),
                format!("{:.1}x", seed.fee as f64 / ours.fee as f64),
                format!("{:.0}x", seed.rent as f64 / ours.rent.max(1) as f64),
                format!("{:.0}x", seed.total() as f64 / ours.total() as f64),
            ],
        ],
    );
    table::print(
        "Daily anchor (one per shard per period, shared by every step in it)",
        &[
            header("per day"),
            ours_daily.row("AgentRunner: anchor_period (PeriodRoot account)", 1),
            seed_daily.row("seed-style: one anchor account", 1),
        ],
    );
    let mut rows = vec![vec![
        "steps per day".to_string(),
        "AgentRunner lamports/step".into(),
        "seed-style lamports/step".into(),
        "ratio".into(),
    ]];
    for per_day in [STEPS_PER_DAY, 100, 10_000] {
        let with_anchor = |step: &Per, daily: &Per| {
            (step.total() as f64 / EXECUTIONS as f64) + daily.total() as f64 / per_day as f64
        };
        let (a, b) = (
            with_anchor(&ours, &ours_daily),
            with_anchor(&seed, &seed_daily),
        );
        rows.push(vec![
            per_day.to_string(),
            format!("{a:.0}"),
            format!("{b:.0}"),
            format!("{:.0}x", b / a),
        ]);
    }
    table::print("Per step including the daily anchor", &rows);
    table::print(
        "AgentRunner plan lifecycle around the steps (once per plan of 6 executions)",
        &[
            vec![
                "transactions".into(),
                "signatures".into(),
                "bytes".into(),
                "fee lamports".into(),
                "rent left after cleanup".into(),
                "RFP rent (planner closes after its deadline)".into(),
            ],
            vec![
                lifecycle.txs.to_string(),
                lifecycle.signatures.to_string(),
                lifecycle.bytes.to_string(),
                lifecycle.fee.to_string(),
                lifecycle.rent.to_string(),
                rfp_rent.to_string(),
            ],
        ],
    );
    println!(
        "\nLifecycle per execution: {:.0} fee lamports. All of the plan's, staging's, budget's, grants' and offer's rent is returned; the receipts stay (they are the point).",
        lifecycle.fee as f64 / EXECUTIONS as f64
    );
    Ok(())
}
