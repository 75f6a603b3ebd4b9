//! What the planner's tokens are worth now, for sizing (dollar amounts, shares, notional caps,
//! RFP ceilings) — not for executing, where the runner judges every price with the step's
//! guards: each deployment token at its Pyth price, and each pool's LP token at its fair price
//! from the pool (`runner::oracle::pool::lp_reading`, the formula the runner executes on).
//! One batched read.
use anchor_lang::{prelude::Pubkey, AccountDeserialize};
use runner::{
    math::{usd_micro, UsdPrice},
    oracle::{pool, pyth_price, Reading},
};

use crate::{
    accounts::token_amount, chain::Chain, deployment::Deployment, ix::sim_venue::PoolRef, pda,
    plan::Token, ClientResult,
};

/// Every token of `deployment`'s book (its tokens, then its pools' LP tokens) with its
/// unchecked price now (`None` where it cannot be read).
pub async fn book_prices<C: Chain>(
    chain: &C,
    deployment: &Deployment,
) -> ClientResult<Vec<(Token, Option<UsdPrice>)>> {
    let book = deployment.book();
    let pools: Vec<PoolRef> = book
        .tokens
        .iter()
        .filter(|t| t.pool.is_some())
        .filter_map(|t| deployment.pool_of_lp(&t.mint).map(|(_, pool)| pool))
        .collect();
    let mut keys: Vec<Pubkey> = deployment.tokens.iter().map(|t| t.price_account).collect();
    for pool in &pools {
        keys.extend([pool.vault_a, pool.vault_b, pool.lp_mint]);
    }
    let read = chain.accounts(&keys).await?;
    let n = deployment.tokens.len();
    let prices: Vec<Option<UsdPrice>> = read[..n]
        .iter()
        .map(|a| a.as_ref().and_then(|a| pyth_price(&a.data).ok()))
        .collect();
    let price_of = |mint: &Pubkey| {
        deployment
            .tokens
            .iter()
            .position(|t| t.mint == *mint)
            .and_then(|i| Some((prices[i]?, deployment.tokens[i].decimals)))
    };
    let mut priced = Vec::with_capacity(book.tokens.len());
    for token in book.tokens {
        let price = match &token.pool {
            None => price_of(&token.mint).map(|(price, _)| price),
            Some(_) => pools
                .iter()
                .position(|p| p.lp_mint == token.mint)
                .and_then(|i| {
                    let at = n + 3 * i;
                    let amount =
                        |k: usize| read[at + k].as_ref().and_then(|a| token_amount(&a.data));
                    let supply = read[at + 2].as_ref().and_then(|a| {
                        anchor_spl::token::Mint::try_deserialize_unchecked(&mut &a.data[..])
                            .ok()
                            .map(|m| m.supply)
                    })?;
                    lp_price(
                        &pools[i],
                        (amount(0)?, price_of(&pools[i].mint_a)?),
                        (amount(1)?, price_of(&pools[i].mint_b)?),
                        supply,
                        token.decimals,
                    )
                }),
        };
        priced.push((token, price));
    }
    Ok(priced)
}

/// The fair price of `pool`'s LP token from its two sides (reserve, (price, decimals)).
fn lp_price(
    pool: &PoolRef,
    a: (u64, (UsdPrice, u8)),
    b: (u64, (UsdPrice, u8)),
    supply: u64,
    lp_decimals: u8,
) -> Option<UsdPrice> {
    let reading = |price: UsdPrice| Reading {
        price,
        ema: None,
        publish_time: 0,
        feed: [0; 32],
        raw_price: 0,
        raw_exponent: 0,
    };
    let (ra, rb) = (reading(a.1 .0), reading(b.1 .0));
    pool::lp_reading(
        &pool.pool,
        pool::Side {
            reserve: a.0,
            decimals: a.1 .1,
            reading: &ra,
        },
        pool::Side {
            reserve: b.0,
            decimals: b.1 .1,
            reading: &rb,
        },
        supply,
        lp_decimals,
    )
    .ok()
    .map(|r| r.price)
}

/// Micro-USD per whole token of `decimals` at `price`.
pub fn micro_usd_per_token(decimals: u8, price: UsdPrice) -> Option<u64> {
    usd_micro(10u64.checked_pow(u32::from(decimals))?, price, decimals).ok()
}

/// `owner`'s associated token account of each of `mints` and its balance (atoms, 0 where the
/// account is missing), in order; one batched read.
pub async fn holdings_of<C: Chain>(
    chain: &C,
    owner: &Pubkey,
    mints: &[Pubkey],
) -> ClientResult<Vec<(Pubkey, u64)>> {
    let accounts: Vec<Pubkey> = mints
        .iter()
        .map(|mint| pda::ata(owner, mint, &anchor_spl::token::ID))
        .collect();
    let balances = chain.accounts(&accounts).await?;
    Ok(accounts
        .into_iter()
        .zip(balances)
        .map(|(account, balance)| {
            let atoms = balance.and_then(|a| token_amount(&a.data)).unwrap_or(0);
            (account, atoms)
        })
        .collect())
}
