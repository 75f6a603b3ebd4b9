//! Pool creation, liquidity and swaps: exact integer outputs (computed independently here),
//! rounding in the pool's favour, `k` never decreasing, every atom accounted for, and bad input
//! refused with nothing changed.
use agentrunner_client::ix::sim_venue::{self as ix, PoolRef, ProviderAccounts};
use agentrunner_tests::{context::landed, runner_world::*, TestContext};
use anchor_lang::prelude::Pubkey;
use rand::{rngs::StdRng, Rng, SeedableRng};
use sim_venue::{
    error::VenueError,
    instructions::{AddLiquidityArgs, RemoveLiquidityArgs, SwapArgs},
};
use solana_keypair::Keypair;
use solana_signer::Signer;

fn swap_out(amount_in: u64, reserve_in: u64, reserve_out: u64, fee_bps: u16) -> u64 {
    let after_fee = u128::from(amount_in) * u128::from(10_000 - fee_bps) / 10_000;
    (after_fee * u128::from(reserve_out) / (u128::from(reserve_in) + after_fee)) as u64
}

fn isqrt(n: u128) -> u128 {
    let mut x = (n as f64).sqrt() as u128;
    while x * x > n {
        x -= 1;
    }
    while (x + 1) * (x + 1) <= n {
        x += 1;
    }
    x
}

/// A trader (or provider) holding `amount` of every mint of the pool plus an LP account.
async fn holder(ctx: &TestContext, pool: &PoolRef, amount: u64) -> (Keypair, ProviderAccounts) {
    let owner = ctx.wallet().await;
    let chain = &*ctx.chain;
    let a = chain.ata(&owner.pubkey(), &pool.mint_a).await.unwrap();
    let b = chain.ata(&owner.pubkey(), &pool.mint_b).await.unwrap();
    chain.mint_to(&pool.mint_a, &a, amount).await.unwrap();
    chain.mint_to(&pool.mint_b, &b, amount).await.unwrap();
    let lp = chain.ata(&owner.pubkey(), &pool.lp_mint).await.unwrap();
    let accounts = ProviderAccounts {
        owner: owner.pubkey(),
        a,
        b,
        lp,
    };
    (owner, accounts)
}

/// The LP mint's supply (SPL Mint layout: supply at bytes 36..44).
async fn lp_supply(ctx: &TestContext, pool: &PoolRef) -> u64 {
    let mint = ctx.chain.account(&pool.lp_mint).await.unwrap().unwrap();
    u64::from_le_bytes(mint.data[36..44].try_into().unwrap())
}

async fn balances(ctx: &TestContext, keys: &[Pubkey]) -> Vec<u64> {
    let mut out = Vec::new();
    for key in keys {
        out.push(ctx.chain.token_balance(key).await.unwrap());
    }
    out
}

#[tokio::test]
async fn test_create_pool_refuses_unordered_mints_and_excessive_fees() {
    let ctx = TestContext::new().await;
    let x = ctx.chain.create_mint(6).await.unwrap();
    let y = ctx.chain.create_mint(9).await.unwrap();
    let pool = PoolRef::new(&x, &y);
    let payer = ctx.chain.payer().pubkey();
    // The pair in the wrong order, at the addresses its seeds give.
    let pda = |seeds: &[&[u8]]| Pubkey::find_program_address(seeds, &sim_venue::ID).0;
    let (hi, lo) = (pool.mint_b, pool.mint_a);
    let reversed_pool = pda(&[b"pool", hi.as_ref(), lo.as_ref()]);
    let reversed = ix::create_pool(
        &PoolRef {
            pool: reversed_pool,
            mint_a: hi,
            mint_b: lo,
            vault_a: pda(&[b"vault", reversed_pool.as_ref(), hi.as_ref()]),
            vault_b: pda(&[b"vault", reversed_pool.as_ref(), lo.as_ref()]),
            lp_mint: pda(&[b"lp_mint", reversed_pool.as_ref()]),
        },
        &payer,
        30,
    );
    ctx.expect_error(&[reversed], &[], VenueError::MintsNotOrdered)
        .await;
    ctx.expect_error(
        &[ix::create_pool(&pool, &payer, 1_001)],
        &[],
        VenueError::FeeTooHigh,
    )
    .await;
    landed(
        ctx.send(&[ix::create_pool(&pool, &payer, 1_000)], &[])
            .await,
    );
    let state: sim_venue::state::Pool = ctx.get(&pool.pool).await;
    assert_eq!(
        (state.mint_a, state.mint_b, state.fee_bps),
        (pool.mint_a, pool.mint_b, 1_000)
    );
    // One pool per pair.
    assert!(ctx
        .send(&[ix::create_pool(&pool, &payer, 30)], &[])
        .await
        .is_err());
}

#[tokio::test]
async fn test_liquidity_mints_sqrt_then_proportional_shares_rounding_against_the_provider() {
    let w = RunnerWorld::new().await;
    let ctx = &w.ctx;
    let pool = w.pool;
    let (ra, rb) = (
        ctx.chain.token_balance(&pool.vault_a).await.unwrap(),
        ctx.chain.token_balance(&pool.vault_b).await.unwrap(),
    );
    // The world's first deposit minted isqrt(a * b).
    let first = lp_supply(ctx, &pool).await;
    assert_eq!(u128::from(first), isqrt(u128::from(ra) * u128::from(rb)));

    // A second provider offers an unbalanced pair: LP is the smaller share; each side is taken
    // rounded up.
    let (owner, acc) = holder(ctx, &pool, 10_000 * SOL).await;
    let (max_a, max_b) = (ra / 7 + 3, rb / 5);
    let lp = (u128::from(max_a) * u128::from(first) / u128::from(ra))
        .min(u128::from(max_b) * u128::from(first) / u128::from(rb));
    let take = |r: u64| (lp * u128::from(r)).div_ceil(u128::from(first)) as u64;
    let before = balances(ctx, &[acc.a, acc.b, pool.vault_a, pool.vault_b]).await;
    let add = ix::add_liquidity(
        &pool,
        &acc,
        AddLiquidityArgs {
            max_a,
            max_b,
            min_lp: lp as u64 + 1,
        },
    );
    ctx.expect_error(&[add], &[&owner], VenueError::LpBelowMinimum)
        .await;
    let add = ix::add_liquidity(
        &pool,
        &acc,
        AddLiquidityArgs {
            max_a,
            max_b,
            min_lp: lp as u64,
        },
    );
    landed(ctx.send(&[add], &[&owner]).await);
    let after = balances(ctx, &[acc.a, acc.b, pool.vault_a, pool.vault_b]).await;
    assert_eq!(before[0] - after[0], take(ra));
    assert_eq!(before[1] - after[1], take(rb));
    assert_eq!(after[2] - before[2], take(ra));
    assert_eq!(after[3] - before[3], take(rb));
    assert_eq!(ctx.chain.token_balance(&acc.lp).await.unwrap(), lp as u64);

    // Burning it all back returns the floor of its share: never more than was put in.
    let (ra, rb, total) = (after[2], after[3], lp_supply(ctx, &pool).await);
    let out = |r: u64| (lp * u128::from(r) / u128::from(total)) as u64;
    let remove = |min_a| {
        ix::remove_liquidity(
            &pool,
            &acc,
            RemoveLiquidityArgs {
                lp: lp as u64,
                min_a,
                min_b: 0,
            },
        )
    };
    ctx.expect_error(
        &[remove(out(ra) + 1)],
        &[&owner],
        VenueError::SlippageExceeded,
    )
    .await;
    landed(ctx.send(&[remove(out(ra))], &[&owner]).await);
    let end = balances(ctx, &[acc.a, acc.b]).await;
    assert_eq!((end[0] - after[0], end[1] - after[1]), (out(ra), out(rb)));
    assert!(out(ra) <= take(before[2]) && out(rb) <= take(before[3]));
    assert_eq!(lp_supply(ctx, &pool).await, first);
}

#[tokio::test]
async fn test_swaps_pay_the_exact_constant_product_output_and_k_never_decreases() {
    let w = RunnerWorld::new().await;
    let ctx = &w.ctx;
    let pool = w.pool;
    let (trader, acc) = holder(ctx, &pool, 1_000_000 * SOL).await;
    let mut rng = StdRng::seed_from_u64(0x000a_11ce);
    let keys = [acc.a, acc.b, pool.vault_a, pool.vault_b];
    for round in 0..60 {
        let [ua, ub, ra, rb]: [u64; 4] = balances(ctx, &keys).await.try_into().unwrap();
        let a_to_b = rng.gen_bool(0.5);
        let (reserve_in, reserve_out) = if a_to_b { (ra, rb) } else { (rb, ra) };
        let amount_in = rng.gen_range(1..=reserve_in / 20);
        let out = swap_out(amount_in, reserve_in, reserve_out, POOL_FEE_BPS);
        let (mint_in, from, to) = if a_to_b {
            (pool.mint_a, acc.a, acc.b)
        } else {
            (pool.mint_b, acc.b, acc.a)
        };
        let swap = |min_out| {
            ix::swap(
                &pool,
                &mint_in,
                &from,
                &to,
                &trader.pubkey(),
                SwapArgs { amount_in, min_out },
            )
        };
        if round % 10 == 0 {
            ctx.expect_error(&[swap(out + 1)], &[&trader], VenueError::SlippageExceeded)
                .await;
        }
        landed(ctx.send(&[swap(out)], &[&trader]).await);
        let [ua2, ub2, ra2, rb2]: [u64; 4] = balances(ctx, &keys).await.try_into().unwrap();
        // Every atom accounted for: what the trader gave the pool got, and vice versa.
        if a_to_b {
            assert_eq!(
                (ua - ua2, ra2 - ra, ub2 - ub, rb - rb2),
                (amount_in, amount_in, out, out)
            );
        } else {
            assert_eq!(
                (ub - ub2, rb2 - rb, ua2 - ua, ra - ra2),
                (amount_in, amount_in, out, out)
            );
        }
        assert!(
            u128::from(ra2) * u128::from(rb2) >= u128::from(ra) * u128::from(rb),
            "k decreased in round {round}"
        );
    }
}

#[tokio::test]
async fn test_bad_swaps_are_refused_and_change_nothing() {
    let w = RunnerWorld::new().await;
    let ctx = &w.ctx;
    let pool = w.pool;
    let (trader, acc) = holder(ctx, &pool, 100 * SOL).await;
    let swap = |amount_in| {
        ix::swap(
            &pool,
            &pool.mint_a,
            &acc.a,
            &acc.b,
            &trader.pubkey(),
            SwapArgs {
                amount_in,
                min_out: 0,
            },
        )
    };
    ctx.expect_error(&[swap(0)], &[&trader], VenueError::InvalidAmount)
        .await;
    // An input so small the output rounds to zero.
    ctx.expect_error(&[swap(1)], &[&trader], VenueError::InsufficientLiquidity)
        .await;
    // The other pool's vault in place of this pool's.
    let other_mint = ctx.chain.create_mint(6).await.unwrap();
    let other = PoolRef::new(&pool.mint_a, &other_mint);
    landed(
        ctx.send(
            &[ix::create_pool(&other, &ctx.chain.payer().pubkey(), 30)],
            &[],
        )
        .await,
    );
    let mut foreign = swap(SOL);
    foreign.accounts[1].pubkey = other.vault(&pool.mint_a);
    ctx.expect_error(&[foreign], &[&trader], VenueError::VaultMismatch)
        .await;
    // Someone who is neither owner nor delegate of the input account.
    let stranger = ctx.wallet().await;
    let mut stolen = swap(SOL);
    stolen.accounts[5].pubkey = stranger.pubkey();
    // SPL Token: OwnerMismatch (4).
    ctx.expect_error(&[stolen], &[&stranger], 4u32).await;
    landed(ctx.send(&[swap(SOL)], &[&trader]).await);
}
