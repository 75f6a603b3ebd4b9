//! Randomized, model-based run over the escrow (docs/SECURITY-TESTPLAN.md §3 Layer 2, E-40).
//!
//! Random sequences of top-ups, grants, revocations, redemptions (by the right redeemer or by an
//! attacker), voucher settlements, refunds (by the payer or by an attacker), closes, direct
//! donations to the vault and clock warps. A reference model predicts each outcome, including
//! the exact error; after every transaction the model and the chain must agree on every budget
//! and grant field and every token balance, and the invariants must hold on observed balances:
//! vault == deposited - redeemed - refunded (+ unswept donations), reserved == sum of live grants'
//! remaining amounts <= balance, redeemed <= max per grant, each vendor holds exactly what its
//! grants paid, and the tokens of the mint are conserved across payer, vendors and vault.
//!
//! Seeds come from `tests/regressions/escrow_invariants.seeds`; a failure prints its seed.
use agentrunner_client::{
    ix::escrow::{self as ix, BudgetRef},
    pda,
    voucher::Voucher,
};
use agentrunner_tests::{clients::escrow::settle_vouchers_ixs, error_code, TestContext};
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};
use escrow::{
    error::EscrowError,
    instructions::{IssueGrantArgs, OpenBudgetArgs},
    state::{Budget, BudgetStatus, Grant, GrantStatus},
};
use rand::{rngs::StdRng, Rng, SeedableRng};
use solana_keypair::Keypair;
use solana_signer::Signer;

const OPS_PER_SEED: usize = 2_000;
const SUPPLY: u64 = 1_000_000;
const LIFETIME: i64 = 4 * 24 * 3_600;

#[derive(Clone, Debug)]
struct GrantModel {
    address: Pubkey,
    vendor: usize,
    max: u64,
    redeemed: u64,
    not_before: i64,
    expires_at: i64,
    issued_slot: u64,
    revoked: bool,
    closed: bool,
}

#[derive(Debug)]
struct BudgetModel {
    b: BudgetRef,
    deposited: u64,
    redeemed: u64,
    refunded: u64,
    reserved: u64,
    donated: u64,
    expires_at: i64,
    settled: bool,
    grants: Vec<GrantModel>,
    open_grants: u32,
    /// The index of the budget's first grant: the payer's budgets so far times 1,024.
    grant_base: u32,
}

impl BudgetModel {
    fn balance(&self) -> u64 {
        self.deposited - self.redeemed - self.refunded
    }
    fn available(&self) -> u64 {
        self.balance() - self.reserved
    }
}

struct World {
    payer: Keypair,
    payer_token: Pubkey,
    session: Keypair,
    vendors: Vec<(Keypair, Pubkey)>,
    attacker: Keypair,
    attacker_token: Pubkey,
    mint: Pubkey,
    budget: BudgetModel,
    /// Atoms each vendor received over the whole run.
    vendor_paid: Vec<u64>,
    ops: usize,
    rejected: usize,
}

type Expect = Result<(), u32>;

fn err(e: EscrowError) -> Expect {
    Err(e.into())
}

async fn open(
    ctx: &TestContext,
    w_payer: &Keypair,
    payer_token: &Pubkey,
    mint: Pubkey,
    rng: &mut StdRng,
    amount: u64,
    grant_base: u32,
) -> BudgetModel {
    let id: [u8; 32] = rng.gen();
    let b = BudgetRef::new(&w_payer.pubkey(), &id, mint, anchor_spl::token::ID);
    let expires_at = ctx.now().await + LIFETIME;
    let outcome = ctx
        .escrow()
        .open_budget(
            &b,
            w_payer,
            payer_token,
            OpenBudgetArgs {
                id,
                amount,
                expires_at,
            },
        )
        .await;
    outcome.expect("open budget");
    BudgetModel {
        b,
        deposited: amount,
        redeemed: 0,
        refunded: 0,
        reserved: 0,
        donated: 0,
        expires_at,
        settled: false,
        grants: vec![],
        open_grants: 0,
        grant_base,
    }
}

/// Sends `ixs`, checks the outcome equals `expected`, and on failure that nothing changed.
async fn apply(
    ctx: &TestContext,
    w: &mut World,
    ixs: &[Instruction],
    signers: &[&Keypair],
    expected: Expect,
    label: &str,
) -> bool {
    let result = ctx.chain.send(ixs, signers).await;
    w.ops += 1;
    let got = match &result {
        Ok(_) => Ok(()),
        Err(e) => Err(error_code(e).unwrap_or_else(|| panic!("{label}: non-custom failure {e:?}"))),
    };
    assert_eq!(got, expected, "{label}: outcome differs from the model");
    if got.is_err() {
        w.rejected += 1;
    }
    got.is_ok()
}

async fn check(ctx: &TestContext, w: &World) {
    let m = &w.budget;
    let vault = ctx.chain.token_balance(&m.b.vault).await.unwrap();
    assert_eq!(
        vault,
        m.balance() + m.donated,
        "vault == deposited - redeemed - refunded (+ donations)"
    );
    let budget: Budget = ctx.get(&m.b.budget).await;
    assert_eq!(
        (
            budget.deposited,
            budget.redeemed,
            budget.refunded,
            budget.reserved,
            budget.open_grants
        ),
        (
            m.deposited,
            m.redeemed,
            m.refunded,
            m.reserved,
            m.open_grants
        )
    );
    assert_eq!(budget.status == BudgetStatus::Open, !m.settled);
    assert!(budget.reserved <= budget.balance().unwrap());
    let mut live_reserved = 0;
    for g in &m.grants {
        if g.closed {
            assert!(ctx.chain.account(&g.address).await.unwrap().is_none());
            continue;
        }
        let grant: Grant = ctx.get(&g.address).await;
        assert_eq!((grant.redeemed, grant.max_amount), (g.redeemed, g.max));
        assert!(grant.redeemed <= grant.max_amount);
        assert_eq!(
            matches!(grant.status, GrantStatus::Revoked { .. }),
            g.revoked
        );
        if !g.revoked && !m.settled {
            live_reserved += g.max - g.redeemed;
        }
    }
    assert_eq!(
        m.reserved, live_reserved,
        "reserved == sum of live grants' remaining"
    );
    let mut total = vault;
    for (i, (_, token)) in w.vendors.iter().enumerate() {
        let balance = ctx.chain.token_balance(token).await.unwrap();
        assert_eq!(
            balance, w.vendor_paid[i],
            "vendor {i} holds exactly what its grants paid"
        );
        total += balance;
    }
    total += ctx.chain.token_balance(&w.payer_token).await.unwrap();
    total += ctx.chain.token_balance(&w.attacker_token).await.unwrap();
    assert_eq!(total, SUPPLY + 1_000, "tokens of the mint are conserved");
}

async fn step(ctx: &TestContext, w: &mut World, rng: &mut StdRng) {
    let now = ctx.now().await;
    let payer = w.payer.pubkey();
    let expired = now >= w.budget.expires_at;
    let grant_pick = |w: &World, rng: &mut StdRng| -> Option<usize> {
        (!w.budget.grants.is_empty()).then(|| rng.gen_range(0..w.budget.grants.len()))
    };
    match rng.gen_range(0..100) {
        0..=7 => {
            let amount = rng.gen_range(0..2_000);
            let m = &w.budget;
            let expected = if m.settled {
                err(EscrowError::BudgetSettled)
            } else if expired {
                err(EscrowError::BudgetExpired)
            } else if amount == 0 {
                err(EscrowError::InvalidAmount)
            } else {
                Ok(())
            };
            let ixs = [ix::top_up(&m.b, &payer, &w.payer_token, amount)];
            if apply(
                ctx,
                w,
                &ixs,
                &[&w.payer.insecure_clone()],
                expected,
                "top_up",
            )
            .await
            {
                w.budget.deposited += amount;
            }
        }
        8..=24 => {
            let m = &w.budget;
            if m.grants.iter().filter(|g| !g.closed).count() >= 8 {
                return;
            }
            let vendor = rng.gen_range(0..w.vendors.len());
            let max = rng.gen_range(0..(m.available() / 2).max(2) + 50);
            let not_before = now + rng.gen_range(-100..300);
            let expires_at = if rng.gen_bool(0.1) {
                m.expires_at + 1
            } else {
                now + rng.gen_range(1..LIFETIME)
            };
            let args = IssueGrantArgs {
                redeemer: w.vendors[vendor].0.pubkey(),
                plan: Pubkey::default(),
                step: 0,
                offer_hash: [0; 32],
                max_amount: max,
                not_before,
                expires_at,
            };
            let expected = if m.settled {
                err(EscrowError::BudgetSettled)
            } else if expired {
                err(EscrowError::BudgetExpired)
            } else if max == 0 {
                err(EscrowError::InvalidAmount)
            } else if !(expires_at > now && not_before < expires_at && expires_at <= m.expires_at) {
                err(EscrowError::InvalidWindow)
            } else if max > m.available() {
                err(EscrowError::InsufficientAvailable)
            } else {
                Ok(())
            };
            let index = m.grant_base + m.grants.len() as u32;
            let ixs = [ix::issue_grant(
                &m.b.budget,
                &payer,
                index,
                &w.vendors[vendor].1,
                args,
            )];
            if apply(
                ctx,
                w,
                &ixs,
                &[&w.payer.insecure_clone()],
                expected,
                "issue_grant",
            )
            .await
            {
                let slot = ctx.chain.clock().await.unwrap().slot;
                let m = &mut w.budget;
                m.reserved += max;
                m.open_grants += 1;
                m.grants.push(GrantModel {
                    address: pda::grant(&m.b.budget, index).0,
                    vendor,
                    max,
                    redeemed: 0,
                    not_before,
                    expires_at,
                    issued_slot: slot,
                    revoked: false,
                    closed: false,
                });
            }
        }
        25..=44 => {
            let Some(i) = grant_pick(w, rng) else { return };
            let g = w.budget.grants[i].clone();
            if g.closed {
                return;
            }
            let amount = rng.gen_range(0..=(g.max - g.redeemed).saturating_add(3));
            let by_attacker = rng.gen_bool(0.15);
            let redeemer = if by_attacker {
                w.attacker.insecure_clone()
            } else {
                w.vendors[g.vendor].0.insecure_clone()
            };
            let m = &w.budget;
            let expected = if by_attacker {
                err(EscrowError::Unauthorized)
            } else if m.settled {
                err(EscrowError::BudgetSettled)
            } else if expired {
                err(EscrowError::BudgetExpired)
            } else if g.revoked {
                err(EscrowError::GrantRevoked)
            } else if now < g.not_before {
                err(EscrowError::GrantNotYetValid)
            } else if now >= g.expires_at {
                err(EscrowError::GrantExpired)
            } else if amount == 0 {
                err(EscrowError::InvalidAmount)
            } else if amount > g.max - g.redeemed {
                err(EscrowError::SpendLimitExceeded)
            } else {
                Ok(())
            };
            let ixs = [ix::redeem(
                &m.b,
                &g.address,
                &w.vendors[g.vendor].1,
                &redeemer.pubkey(),
                amount,
                [1; 32],
            )];
            if apply(ctx, w, &ixs, &[&redeemer], expected, "redeem").await {
                w.vendor_paid[g.vendor] += amount;
                let m = &mut w.budget;
                m.grants[i].redeemed += amount;
                m.redeemed += amount;
                m.reserved -= amount;
            }
        }
        45..=54 => {
            let Some(i) = grant_pick(w, rng) else { return };
            let g = w.budget.grants[i].clone();
            if g.closed {
                return;
            }
            let cumulative = g.redeemed + rng.gen_range(0..=(g.max - g.redeemed).saturating_add(2));
            let voucher = Voucher {
                budget: w.budget.b.budget,
                grant: g.address,
                grant_issued_slot: g.issued_slot,
                vendor: w.vendors[g.vendor].1,
                cumulative,
                expires_at: now + 600,
            };
            let m = &w.budget;
            let expected = if m.settled {
                err(EscrowError::BudgetSettled)
            } else if expired {
                err(EscrowError::BudgetExpired)
            } else if cumulative <= g.redeemed {
                err(EscrowError::VoucherNotIncreasing)
            } else if cumulative > g.max {
                err(EscrowError::VoucherAboveGrant)
            } else if g.revoked {
                err(EscrowError::GrantRevoked)
            } else if now < g.not_before {
                err(EscrowError::GrantNotYetValid)
            } else if now >= g.expires_at {
                err(EscrowError::GrantExpired)
            } else {
                Ok(())
            };
            let ixs = settle_vouchers_ixs(&m.b, &[voucher.sign(&w.session)]);
            if apply(ctx, w, &ixs, &[], expected, "settle_voucher").await {
                let m = &mut w.budget;
                let delta = cumulative - m.grants[i].redeemed;
                w.vendor_paid[g.vendor] += delta;
                m.grants[i].redeemed = cumulative;
                m.redeemed += delta;
                m.reserved -= delta;
            }
        }
        55..=62 => {
            let Some(i) = grant_pick(w, rng) else { return };
            let g = w.budget.grants[i].clone();
            if g.closed {
                return;
            }
            let expected = if g.revoked {
                err(EscrowError::GrantRevoked)
            } else {
                Ok(())
            };
            let ixs = [ix::revoke_grant(&w.budget.b.budget, &g.address, &payer)];
            if apply(
                ctx,
                w,
                &ixs,
                &[&w.payer.insecure_clone()],
                expected,
                "revoke_grant",
            )
            .await
            {
                let m = &mut w.budget;
                if !m.settled {
                    m.reserved -= g.max - g.redeemed;
                }
                m.grants[i].revoked = true;
            }
        }
        63..=72 => {
            let by_attacker = rng.gen_bool(0.3);
            let m = &w.budget;
            let amount = rng.gen_range(0..=m.available().saturating_add(5));
            let caller = if by_attacker {
                w.attacker.insecure_clone()
            } else {
                w.payer.insecure_clone()
            };
            let vault = m.balance() + m.donated;
            let expected = if m.settled {
                err(EscrowError::BudgetSettled)
            } else if !expired && by_attacker {
                err(EscrowError::BudgetNotExpired)
            } else if expired {
                if vault == 0 {
                    err(EscrowError::NothingToRefund)
                } else {
                    Ok(())
                }
            } else if amount == 0 {
                err(EscrowError::InvalidAmount)
            } else if amount > m.available() {
                err(EscrowError::InsufficientAvailable)
            } else {
                Ok(())
            };
            let ixs = [ix::refund(&m.b, &w.payer_token, &caller.pubkey(), amount)];
            if apply(ctx, w, &ixs, &[&caller], expected, "refund").await {
                let m = &mut w.budget;
                if expired {
                    m.deposited += m.donated;
                    m.refunded += vault;
                    m.donated = 0;
                    m.reserved = 0;
                    m.settled = true;
                } else {
                    m.refunded += amount;
                }
            }
        }
        73..=80 => {
            let Some(i) = grant_pick(w, rng) else { return };
            let g = w.budget.grants[i].clone();
            if g.closed {
                return;
            }
            let m = &w.budget;
            let live = !g.revoked && !m.settled && g.max > g.redeemed && now < g.expires_at;
            let expected = if live {
                err(EscrowError::GrantStillLive)
            } else {
                Ok(())
            };
            let ixs = [ix::close_grant(&m.b.budget, &g.address, &payer)];
            if apply(ctx, w, &ixs, &[], expected, "close_grant").await {
                let m = &mut w.budget;
                if !g.revoked && !m.settled {
                    m.reserved -= g.max - g.redeemed;
                }
                m.grants[i].closed = true;
                m.open_grants -= 1;
            }
        }
        81..=84 => {
            // Someone sends tokens straight into the vault.
            let amount = rng.gen_range(1..50);
            let ix = spl_token_2022_interface::instruction::transfer_checked(
                &anchor_spl::token::ID,
                &w.attacker_token,
                &w.mint,
                &w.budget.b.vault,
                &w.attacker.pubkey(),
                &[],
                amount,
                6,
            )
            .unwrap();
            let have = ctx.chain.token_balance(&w.attacker_token).await.unwrap();
            if have >= amount && !w.budget.settled {
                let result = ctx.chain.send(&[ix], &[&w.attacker.insecure_clone()]).await;
                result.expect("donation");
                w.budget.donated += amount;
            }
        }
        85..=92 => {
            let seconds = rng.gen_range(1..(LIFETIME / 6));
            ctx.warp_seconds(seconds).await;
        }
        _ => {
            // Close the budget when possible and open a new one.
            let m = &w.budget;
            let vault = m.balance() + m.donated;
            // L3: what nobody deposited (donations) never keeps a budget open; it is swept to
            // the payer on close.
            let expected = if m.open_grants > 0 {
                err(EscrowError::GrantsStillOpen)
            } else if vault > m.donated {
                err(EscrowError::BudgetHoldsFunds)
            } else {
                Ok(())
            };
            let ixs = [ix::close_budget(&m.b, &payer, &payer)];
            if apply(
                ctx,
                w,
                &ixs,
                &[&w.payer.insecure_clone()],
                expected,
                "close_budget",
            )
            .await
            {
                let have = ctx.chain.token_balance(&w.payer_token).await.unwrap();
                let payer_kp = w.payer.insecure_clone();
                let next_base = w.budget.grant_base + 1_024;
                w.budget = open(
                    ctx,
                    &payer_kp,
                    &w.payer_token,
                    w.mint,
                    rng,
                    have.clamp(1, 50_000),
                    next_base,
                )
                .await;
            }
        }
    }
}

async fn run(seed: u64) -> (usize, usize) {
    let ctx = TestContext::new().await;
    let mut rng = StdRng::seed_from_u64(seed);
    let mint = ctx.chain.create_mint(6).await.unwrap();
    let payer = ctx.wallet().await;
    let payer_token = ctx.chain.ata(&payer.pubkey(), &mint).await.unwrap();
    ctx.chain
        .mint_to(&mint, &payer_token, SUPPLY)
        .await
        .unwrap();
    let attacker = ctx.wallet().await;
    let attacker_token = ctx.chain.ata(&attacker.pubkey(), &mint).await.unwrap();
    ctx.chain
        .mint_to(&mint, &attacker_token, 1_000)
        .await
        .unwrap();
    let mut vendors = Vec::new();
    for _ in 0..3 {
        let owner = ctx.wallet().await;
        let token = ctx.chain.ata(&owner.pubkey(), &mint).await.unwrap();
        vendors.push((owner, token));
    }
    let budget = open(&ctx, &payer, &payer_token, mint, &mut rng, 200_000, 0).await;
    let session = Keypair::new();
    ctx.escrow()
        .set_session_key(&budget.b, &payer, Some(session.pubkey()))
        .await
        .unwrap();
    let vendor_paid = vec![0; vendors.len()];
    let mut w = World {
        payer,
        payer_token,
        session,
        vendors,
        attacker,
        attacker_token,
        mint,
        budget,
        vendor_paid,
        ops: 0,
        rejected: 0,
    };
    while w.ops < OPS_PER_SEED {
        let session_budget = w.budget.b.budget;
        step(&ctx, &mut w, &mut rng).await;
        if w.budget.b.budget != session_budget {
            let payer = w.payer.insecure_clone();
            ctx.escrow()
                .set_session_key(&w.budget.b, &payer, Some(w.session.pubkey()))
                .await
                .unwrap();
        }
        check(&ctx, &w).await;
    }
    (w.ops, w.rejected)
}

fn seeds() -> Vec<u64> {
    agentrunner_tests::regression_seeds(include_str!("../../regressions/escrow_invariants.seeds"))
}

#[tokio::test]
async fn test_escrow_randomized_invariants() {
    let mut total = (0, 0);
    for seed in seeds() {
        println!("escrow invariant run: seed {seed}");
        let (ops, rejected) = run(seed).await;
        total.0 += ops;
        total.1 += rejected;
    }
    println!("escrow invariant run: {} transactions ({} rejected as predicted), invariants checked after each", total.0, total.1);
    assert!(total.0 >= 10_000);
}
