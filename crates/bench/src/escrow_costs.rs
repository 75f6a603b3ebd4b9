//! What paying a vendor costs through the escrow, measured on the embedded chain.
//!
//! Every figure comes from landed transactions: wire bytes of the signed transaction, signature
//! count, the fee the bank charged, and rent read back from accounts. Flows:
//!
//! - **grant per step**: one approval transaction issues K grants (the payer signs once), the
//!   vendor redeems each step, one crank transaction closes the K spent grants.
//! - **vouchers**: one grant, N requests each covered by a cumulative voucher, one settlement of
//!   the last voucher, one close.
//! - **x402 `exact`**: one SPL `transfer_checked` per request, signed by the client and by the
//!   facilitator that pays the fee (2 signatures).
use agentrunner_client::{
    ix::escrow::{self as ix, BudgetRef},
    pda,
    voucher::{ed25519_instruction, SignedVoucher, Voucher},
};
use agentrunner_embedded::{EmbeddedChain, TxOutcome};
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};
use anyhow::Result;
use escrow::instructions::{IssueGrantArgs, OpenBudgetArgs, SettleVoucherArgs};
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::table;

/// The seed journey "Swap 1 SOL->USDC; then DCA 5 times": two plan steps (one grant each), six
/// paid executions (the DCA grant covers five).
const EXECUTIONS_PER_STEP: [u64; 2] = [1, 5];
const PAID_EXECUTIONS: usize = 6;
const PRICE: u64 = 25_000;

/// Totals over a set of transactions.
#[derive(Default, Clone, Copy)]
struct Cost {
    txs: usize,
    signatures: usize,
    bytes: usize,
    fee: u64,
}

impl Cost {
    fn add(&mut self, outcome: &TxOutcome) {
        self.txs += 1;
        self.signatures += outcome.signatures;
        self.bytes += outcome.wire_bytes;
        self.fee += outcome.fee;
    }

    fn row(&self, label: &str, per: usize) -> Vec<String> {
        let per = per as f64;
        vec![
            label.to_string(),
            format!("{:.3}", self.txs as f64 / per),
            format!("{:.3}", self.signatures as f64 / per),
            format!("{:.0}", self.bytes as f64 / per),
            format!("{:.0}", self.fee as f64 / per),
        ]
    }
}

struct Fixture {
    chain: EmbeddedChain,
    payer: Keypair,
    payer_token: Pubkey,
    vendor: Keypair,
    vendor_token: Pubkey,
    b: BudgetRef,
    expires_at: i64,
}

async fn fixture() -> Result<Fixture> {
    let chain = EmbeddedChain::start().await?;
    let mint = chain.create_mint(6).await?;
    let payer = chain.funded_keypair(10_000_000_000).await?;
    let vendor = chain.funded_keypair(10_000_000_000).await?;
    let payer_token = chain.ata(&payer.pubkey(), &mint).await?;
    let vendor_token = chain.ata(&vendor.pubkey(), &mint).await?;
    chain
        .mint_to(&mint, &payer_token, 1_000_000_000_000)
        .await?;
    let id = [1u8; 32];
    let b = BudgetRef::new(&payer.pubkey(), &id, mint, anchor_spl::token::ID);
    let expires_at = chain.clock().await?.unix_timestamp + 86_400;
    let open = ix::open_budget(
        &b,
        &payer.pubkey(),
        &payer_token,
        OpenBudgetArgs {
            id,
            amount: 100_000_000_000,
            expires_at,
        },
    );
    chain.send_with_payer(&payer, &[open], &[&payer]).await?;
    Ok(Fixture {
        chain,
        payer,
        payer_token,
        vendor,
        vendor_token,
        b,
        expires_at,
    })
}

impl Fixture {
    /// The PDA index of the budget's next grant.
    async fn grant_count(&self) -> Result<u32> {
        let budget: escrow::state::Budget = self.chain.anchor_account(&self.b.budget).await?;
        Ok(budget.grant_base + budget.grant_count)
    }

    fn grant_ix(&self, index: u32, max: u64, now: i64) -> Instruction {
        let args = IssueGrantArgs {
            redeemer: self.vendor.pubkey(),
            plan: Pubkey::new_unique(),
            step: index as u16,
            offer_hash: [0; 32],
            max_amount: max,
            not_before: now,
            expires_at: self.expires_at,
        };
        ix::issue_grant(
            &self.b.budget,
            &self.payer.pubkey(),
            index,
            &self.vendor_token,
            args,
        )
    }

    /// Issues one grant per entry of `maxes` in one payer-signed transaction.
    async fn issue(&self, maxes: &[u64], cost: &mut Cost) -> Result<Vec<Pubkey>> {
        let first = self.grant_count().await?;
        let now = self.chain.clock().await?.unix_timestamp;
        let indices = first..first + maxes.len() as u32;
        let ixs: Vec<Instruction> = indices
            .clone()
            .zip(maxes)
            .map(|(i, max)| self.grant_ix(i, *max, now))
            .collect();
        cost.add(
            &self
                .chain
                .send_with_payer(&self.payer, &ixs, &[&self.payer])
                .await?,
        );
        Ok(indices.map(|i| pda::grant(&self.b.budget, i).0).collect())
    }

    async fn close(&self, grants: &[Pubkey], cost: &mut Cost) -> Result<()> {
        let payer = self.payer.pubkey();
        let ixs: Vec<Instruction> = grants
            .iter()
            .map(|g| ix::close_grant(&self.b.budget, g, &payer))
            .collect();
        cost.add(&self.chain.send_with_payer(&self.vendor, &ixs, &[]).await?);
        Ok(())
    }
}

/// Grant per step: approval issues both steps' grants at once; each execution redeems; one
/// crank closes both grants.
async fn grant_flow(f: &Fixture) -> Result<(Cost, u64)> {
    let mut cost = Cost::default();
    let maxes: Vec<u64> = EXECUTIONS_PER_STEP.iter().map(|n| n * PRICE).collect();
    let grants = f.issue(&maxes, &mut cost).await?;
    let rent = f.chain.balance(&grants[0]).await?;
    for (grant, executions) in grants.iter().zip(EXECUTIONS_PER_STEP) {
        for n in 0..executions {
            let redeem = ix::redeem(
                &f.b,
                grant,
                &f.vendor_token,
                &f.vendor.pubkey(),
                PRICE,
                [n as u8; 32],
            );
            cost.add(
                &f.chain
                    .send_with_payer(&f.vendor, &[redeem], &[&f.vendor])
                    .await?,
            );
        }
    }
    f.close(&grants, &mut cost).await?;
    Ok((cost, rent))
}

/// One grant paid by the last of `requests` cumulative vouchers.
async fn voucher_flow(f: &Fixture, session: &Keypair, requests: u64) -> Result<Cost> {
    let mut cost = Cost::default();
    let grant = f.issue(&[requests], &mut cost).await?[0];
    let g: escrow::state::Grant = f.chain.anchor_account(&grant).await?;
    let expires_at = f.chain.clock().await?.unix_timestamp + 3_600;
    let mut last: Option<SignedVoucher> = None;
    for cumulative in 1..=requests {
        let voucher = Voucher {
            budget: f.b.budget,
            grant,
            grant_issued_slot: g.issued_slot,
            vendor: f.vendor_token,
            cumulative,
            expires_at,
        };
        last = Some(voucher.sign(session));
    }
    let signed = last.expect("at least one request");
    let settle = ix::settle_voucher(
        &f.b,
        &grant,
        &f.vendor_token,
        SettleVoucherArgs {
            cumulative: requests,
            expires_at,
            ed25519_instruction_index: 0,
            signature_index: 0,
        },
    );
    cost.add(
        &f.chain
            .send_with_payer(&f.vendor, &[ed25519_instruction(&[signed]), settle], &[])
            .await?,
    );
    f.close(&[grant], &mut cost).await?;
    Ok(cost)
}

/// `per_tx` grants' vouchers settled together in one transaction.
async fn batched_vouchers(f: &Fixture, session: &Keypair, per_tx: usize) -> Result<Cost> {
    let mut setup = Cost::default();
    let grants = f.issue(&vec![1_000; per_tx], &mut setup).await?;
    let expires_at = f.chain.clock().await?.unix_timestamp + 3_600;
    let mut signed = Vec::new();
    for grant in &grants {
        let g: escrow::state::Grant = f.chain.anchor_account(grant).await?;
        let voucher = Voucher {
            budget: f.b.budget,
            grant: *grant,
            grant_issued_slot: g.issued_slot,
            vendor: f.vendor_token,
            cumulative: 1_000,
            expires_at,
        };
        signed.push(voucher.sign(session));
    }
    let mut ixs = vec![ed25519_instruction(&signed)];
    for (i, grant) in grants.iter().enumerate() {
        ixs.push(ix::settle_voucher(
            &f.b,
            grant,
            &f.vendor_token,
            SettleVoucherArgs {
                cumulative: 1_000,
                expires_at,
                ed25519_instruction_index: 0,
                signature_index: i as u8,
            },
        ));
    }
    let mut cost = Cost::default();
    cost.add(&f.chain.send_with_payer(&f.vendor, &ixs, &[]).await?);
    Ok(cost)
}

/// x402 `exact`: one SPL transfer per request, client + facilitator signatures.
async fn exact_flow(f: &Fixture) -> Result<Cost> {
    let facilitator = f.chain.funded_keypair(1_000_000_000).await?;
    let transfer = spl_token_interface::instruction::transfer_checked(
        &spl_token_interface::ID,
        &f.payer_token,
        &f.b.mint,
        &f.vendor_token,
        &f.payer.pubkey(),
        &[],
        PRICE,
        6,
    )?;
    let mut cost = Cost::default();
    cost.add(
        &f.chain
            .send_with_payer(&facilitator, &[transfer], &[&f.payer])
            .await?,
    );
    Ok(cost)
}

pub async fn run() -> Result<()> {
    let f = fixture().await?;
    let session = Keypair::new();
    let set_key = ix::set_session_key(&f.b.budget, &f.payer.pubkey(), Some(session.pubkey()));
    f.chain
        .send_with_payer(&f.payer, &[set_key], &[&f.payer])
        .await?;

    let exact = exact_flow(&f).await?;
    let (grant, grant_rent) = grant_flow(&f).await?;
    let header = vec![
        "flow (per paid step or request)".to_string(),
        "txs".into(),
        "signatures".into(),
        "bytes".into(),
        "fee lamports".into(),
    ];
    let mut rows = vec![
        header.clone(),
        exact.row("x402 exact: SPL transfer per request", 1),
    ];
    rows.push(grant.row(
        "grant per step: 2 grants in 1 approval, 6 redeems, 1 close",
        PAID_EXECUTIONS,
    ));
    for n in [1u64, 10, 100, 1_000] {
        let cost = voucher_flow(&f, &session, n).await?;
        rows.push(cost.row(&format!("vouchers: {n} requests, 1 settlement"), n as usize));
    }
    let batched = batched_vouchers(&f, &session, 3).await?;
    rows.push(batched.row("3 grants' vouchers in 1 settlement tx (settle only)", 3));
    table::print(
        "Escrow: cost per paid step (embedded chain, 5,000 lamports per signature)",
        &rows,
    );

    let budget_rent = f.chain.balance(&f.b.budget).await?;
    let vault_rent = f.chain.balance(&f.b.vault).await?;
    let rent = vec![
        vec![
            "account".to_string(),
            "rent while open (lamports)".into(),
            "net after close".into(),
        ],
        vec![
            "Budget".into(),
            budget_rent.to_string(),
            "0 (returned to payer)".into(),
        ],
        vec![
            "vault token account".into(),
            vault_rent.to_string(),
            "0 (returned to payer)".into(),
        ],
        vec![
            "Grant (each)".into(),
            grant_rent.to_string(),
            "0 (returned to payer)".into(),
        ],
    ];
    table::print("Escrow: rent", &rent);
    println!(
        "\nFees count every verified signature: a voucher settlement pays for its Ed25519 proof \
         signature too (5,000 lamports each), which is why settling several grants' vouchers in one \
         transaction saves transactions but not lamports; the cumulative voucher is what amortizes."
    );
    println!(
        "Grant per step redeemed standalone costs {:.0} lamports; in the runner flow the redeem rides \
         inside the vendor's execution transaction and adds no signature.",
        grant.fee as f64 / PAID_EXECUTIONS as f64
    );
    Ok(())
}
