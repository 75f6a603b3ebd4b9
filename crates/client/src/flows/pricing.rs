//! What the planner's tokens are worth now, for sizing (dollar amounts, shares, notional caps,
//! RFP ceilings) — not for executing, where the runner judges every price with the step's
//! guards: each deployment token at its Pyth price, and each pool's LP token at its fair price
//! from the pool (`crate::pools`, the formula the runner executes on).
use anchor_lang::prelude::Pubkey;
use runner::{
    math::{usd_micro, UsdPrice},
    oracle::{pyth_price, Reading},
};

use crate::{
    accounts::token_amount, chain::Chain, deployment::Deployment, ix::sim_venue::PoolRef, pda,
    plan::Token, pools::PoolDepth, ClientResult,
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
    let keys: Vec<Pubkey> = deployment.tokens.iter().map(|t| t.price_account).collect();
    let read = chain.accounts(&keys).await?;
    let depths = PoolDepth::read(chain, &pools).await?;
    let prices: Vec<Option<UsdPrice>> = read
        .iter()
        .map(|a| a.as_ref().and_then(|a| pyth_price(&a.data).ok()))
        .collect();
    let side = |mint: &Pubkey| {
        deployment
            .tokens
            .iter()
            .position(|t| t.mint == *mint)
            .and_then(|i| Some((deployment.tokens[i].decimals, unchecked(prices[i]?))))
    };
    let mut priced = Vec::with_capacity(book.tokens.len());
    for token in book.tokens {
        let price = match &token.pool {
            None => side(&token.mint).map(|(_, reading)| reading.price),
            Some(_) => pools
                .iter()
                .zip(&depths)
                .find(|(pool, _)| pool.lp_mint == token.mint)
                .and_then(|(pool, depth)| {
                    let (a, b) = (side(&pool.mint_a)?, side(&pool.mint_b)?);
                    depth
                        .lp_reading(pool, (a.0, &a.1), (b.0, &b.1), token.decimals)
                        .ok()
                })
                .map(|reading| reading.price),
        };
        priced.push((token, price));
    }
    Ok(priced)
}

/// `price` as a reading, for sizing only (no publish time or feed).
fn unchecked(price: UsdPrice) -> Reading {
    Reading {
        price,
        ema: None,
        publish_time: 0,
        feed: [0; 32],
        raw_price: 0,
        raw_exponent: 0,
    }
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
