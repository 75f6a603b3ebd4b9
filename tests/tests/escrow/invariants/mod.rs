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

mod ops;

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
        ops::step(&ctx, &mut w, &mut rng).await;
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
    agentrunner_tests::regression_seeds(include_str!(
        "../../../regressions/escrow_invariants.seeds"
    ))
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
