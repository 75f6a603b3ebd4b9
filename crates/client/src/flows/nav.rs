//! Fund Admin: an owner's net asset value. [`positions`] gathers the owner's holdings of every
//! deployment token and pool LP token (its associated accounts; one batched read) and prices
//! each by the runner's own rules — a token from its Pyth account
//! (`runner::oracle::read_account`: fresh, fully verified, confident), an LP token from its
//! pool with both sides so priced (`crate::pools`) — refusing, by name, every position whose
//! price fails; [`instruction`]
//! is `record_nav` (anyone records; the recorder signs and pays), which prices them again
//! on-chain and records the NAV as a receipt in the owner's shard; [`recorded`] reads back
//! what the chain recorded, and [`nav_file`] is the receipt file an auditor verifies.
use anchor_lang::prelude::{Clock, Pubkey};
use runner::{
    events::NavRecorded,
    nav::{price_guards, pyth_policy, total_usd, NavPosition},
    oracle::{read_account, Reading},
};
use solana_signature::Signature;

use crate::{
    chain::Chain,
    deployment::{feed_bytes, Deployment},
    events::decode_event,
    flows::pricing::holdings_of,
    ix::{
        receipts::TreeRef,
        runner::{NavAccounts, NavPriceAccounts},
        sim_venue::PoolRef,
    },
    plan::Token,
    pools::PoolDepth,
    receipts::{
        audit::unproven_file,
        file::ReceiptFile,
        index::{appended_in, IndexedReceipt},
        nav::NavPositionJson,
    },
    ClientError, ClientResult,
};

/// The price checks every NAV position passes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NavGuards {
    /// Oldest acceptable price update, seconds.
    pub max_age_secs: u32,
    /// Largest Pyth confidence over price, bps.
    pub max_confidence_bps: u16,
}

impl Default for NavGuards {
    /// A minute old at most, confidence within 1% of the price.
    fn default() -> Self {
        Self {
            max_age_secs: 60,
            max_confidence_bps: 100,
        }
    }
}

/// One priced position and what names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holding {
    pub symbol: String,
    pub position: NavPosition,
    pub accounts: NavAccounts,
}

/// The owner's priced positions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Positions {
    pub holdings: Vec<Holding>,
    /// Their sum, micro-USD.
    pub total_usd: u64,
}

/// Why no NAV could be priced.
#[derive(Debug, thiserror::Error)]
pub enum NavError {
    #[error("{0} holds none of the deployment's tokens or LP tokens: there is nothing to price")]
    Empty(Pubkey),
    #[error("{} position(s) cannot be priced: {}", .0.len(), .0.join("; "))]
    Unpriced(Vec<String>),
    #[error("{0} positions; one NAV receipt prices at most {1}")]
    TooMany(usize, usize),
    #[error(transparent)]
    Client(#[from] ClientError),
}

/// The owner's non-empty positions in every token of the deployment's book (its tokens and
/// its pools' LP tokens), priced at `clock` under `guards` exactly as `record_nav` will price
/// them (two batched reads).
pub async fn positions<C: Chain>(
    chain: &C,
    deployment: &Deployment,
    owner: &Pubkey,
    guards: NavGuards,
    clock: &Clock,
) -> Result<Positions, NavError> {
    let book = deployment.book();
    let mints: Vec<Pubkey> = book.tokens.iter().map(|t| t.mint).collect();
    let held: Vec<(&Token, (Pubkey, u64))> = book
        .tokens
        .iter()
        .zip(holdings_of(chain, owner, &mints).await?)
        .filter(|(_, (_, amount))| *amount > 0)
        .collect();
    if held.is_empty() {
        return Err(NavError::Empty(*owner));
    }
    if held.len() > runner::nav::MAX_NAV_POSITIONS {
        return Err(NavError::TooMany(
            held.len(),
            runner::nav::MAX_NAV_POSITIONS,
        ));
    }
    let prices = Prices::read(chain, deployment, &held, guards, clock).await?;
    let mut holdings = Vec::new();
    let mut unpriced = Vec::new();
    for (token, (account, amount)) in held {
        let priced = prices.position(token).and_then(|(reading, priced_by)| {
            NavPosition::priced(account, token.mint, amount, token.decimals, &reading)
                .map_err(|e| crate::errors::anchor_error_text(&e))
                .map(|position| Holding {
                    symbol: token.symbol.clone(),
                    position,
                    accounts: NavAccounts {
                        account,
                        mint: token.mint,
                        priced_by,
                    },
                })
        });
        match priced {
            Ok(holding) => holdings.push(holding),
            Err(why) => unpriced.push(format!("{}: {why}", token.symbol)),
        }
    }
    if !unpriced.is_empty() {
        return Err(NavError::Unpriced(unpriced));
    }
    let positions: Vec<NavPosition> = holdings.iter().map(|h| h.position).collect();
    let total_usd = total_usd(&positions).map_err(|e| ClientError::Build(e.to_string()))?;
    Ok(Positions {
        holdings,
        total_usd,
    })
}

/// A deployment token's guarded Pyth reading, its decimals, and its price account and feed.
struct PythPrice {
    reading: Reading,
    decimals: u8,
    oracle: (Pubkey, [u8; 32]),
}

/// Every deployment token's guarded Pyth reading (or why it has none) and the depth of each
/// held LP token's pool, as `record_nav` reads them.
struct Prices<'a> {
    deployment: &'a Deployment,
    readings: Vec<Result<Reading, String>>,
    depths: Vec<(PoolRef, PoolDepth)>,
}

impl<'a> Prices<'a> {
    async fn read<C: Chain>(
        chain: &C,
        deployment: &'a Deployment,
        held: &[(&Token, (Pubkey, u64))],
        guards: NavGuards,
        clock: &Clock,
    ) -> ClientResult<Prices<'a>> {
        let pools: Vec<PoolRef> = held
            .iter()
            .filter_map(|(token, _)| deployment.pool_of_lp(&token.mint))
            .map(|(_, pool)| pool)
            .collect();
        let mut keys: Vec<Pubkey> = deployment.tokens.iter().map(|t| t.price_account).collect();
        keys.extend(pools.iter().flat_map(PoolDepth::accounts));
        let read = chain.accounts(&keys).await?;
        let (price_accounts, depth_accounts) = read.split_at(deployment.tokens.len());
        let step_guards = price_guards(guards.max_age_secs, guards.max_confidence_bps);
        let readings = deployment
            .tokens
            .iter()
            .zip(price_accounts)
            .map(|(token, account)| {
                let account = account
                    .as_ref()
                    .ok_or_else(|| format!("no price account at {}", token.price_account))?;
                let policy = pyth_policy(
                    token.mint,
                    token.decimals,
                    token.price_account,
                    feed_bytes(&token.pyth_feed),
                );
                read_account(
                    &token.price_account,
                    &account.owner,
                    &account.data,
                    &policy,
                    &step_guards,
                    clock,
                )
                .map_err(|e| crate::errors::anchor_error_text(&e))
            })
            .collect();
        let depths = pools
            .into_iter()
            .zip(depth_accounts.chunks(3).map(PoolDepth::decode))
            .collect();
        Ok(Prices {
            deployment,
            readings,
            depths,
        })
    }

    /// The guarded reading of deployment token `mint`.
    fn pyth(&self, mint: &Pubkey) -> Result<PythPrice, String> {
        let i = self
            .deployment
            .tokens
            .iter()
            .position(|t| t.mint == *mint)
            .ok_or_else(|| format!("{mint} is not a deployment token"))?;
        let token = &self.deployment.tokens[i];
        Ok(PythPrice {
            reading: self.readings[i].clone()?,
            decimals: token.decimals,
            oracle: (token.price_account, feed_bytes(&token.pyth_feed)),
        })
    }

    /// `token`'s reading and what prices it on-chain, or why it cannot be priced.
    fn position(&self, token: &Token) -> Result<(Reading, NavPriceAccounts), String> {
        let Some((pool, depth)) = self.depths.iter().find(|(p, _)| p.lp_mint == token.mint) else {
            let PythPrice {
                reading,
                oracle: (price_account, feed_id),
                ..
            } = self.pyth(&token.mint)?;
            return Ok((
                reading,
                NavPriceAccounts::Pyth {
                    price_account,
                    feed_id,
                },
            ));
        };
        let side = |mint: &Pubkey| {
            let symbol = self
                .deployment
                .token_by_mint(mint)
                .map_or_else(|_| mint.to_string(), |t| t.symbol.clone());
            self.pyth(mint).map_err(|why| format!("{symbol} {why}"))
        };
        let (a, b) = (side(&pool.mint_a)?, side(&pool.mint_b)?);
        let reading = depth
            .lp_reading(
                pool,
                (a.decimals, &a.reading),
                (b.decimals, &b.reading),
                token.decimals,
            )
            .map_err(|e| crate::errors::anchor_error_text(&e))?;
        Ok((
            reading,
            NavPriceAccounts::Pool {
                pool: Box::new(*pool),
                a: a.oracle,
                b: b.oracle,
            },
        ))
    }
}

/// `recorder`'s `record_nav` of `owner`'s `positions` into `tree` (the newest tree of the
/// owner's shard).
pub fn instruction(
    recorder: &Pubkey,
    owner: &Pubkey,
    tree: &TreeRef,
    positions: &Positions,
    guards: NavGuards,
) -> anchor_lang::solana_program::instruction::Instruction {
    let accounts: Vec<NavAccounts> = positions
        .holdings
        .iter()
        .map(|h| h.accounts.clone())
        .collect();
    crate::ix::runner::record_nav(
        recorder,
        owner,
        tree,
        &accounts,
        guards.max_age_secs,
        guards.max_confidence_bps,
    )
}

/// What the landed `record_nav` transaction `signature` recorded: its receipt and the
/// positions exactly as the chain priced them (its `NavRecorded` event).
pub async fn recorded<C: Chain>(
    chain: &C,
    signature: &Signature,
) -> ClientResult<(IndexedReceipt, Vec<NavPosition>)> {
    let missing = || ClientError::Build(format!("{signature} recorded no NAV"));
    let cpis = chain.transaction_cpis(signature).await?.unwrap_or_default();
    let receipt = appended_in(&cpis, signature)
        .into_iter()
        .next()
        .ok_or_else(missing)?;
    let event = cpis
        .iter()
        .find_map(|c| decode_event::<NavRecorded>(&runner::ID, &c.program_id, &c.accounts, &c.data))
        .ok_or_else(missing)?;
    Ok((receipt, event.positions))
}

/// The receipt file of the NAV receipt `found`, with the `positions` it commits to (named by
/// `deployment`'s symbols) for its auditor; its proof comes once the period is anchored
/// (`agentrunner verify`).
pub fn nav_file(
    found: &IndexedReceipt,
    positions: &[NavPosition],
    deployment: &Deployment,
) -> ReceiptFile {
    let book = deployment.book();
    let symbol = |mint: &Pubkey| book.by_mint(mint).map(|t| t.symbol.clone());
    ReceiptFile {
        positions: Some(
            positions
                .iter()
                .map(|p| NavPositionJson::new(p, symbol(&p.mint)))
                .collect(),
        ),
        ..unproven_file(found, None)
    }
}
