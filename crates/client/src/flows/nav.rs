//! Fund Admin: an owner's net asset value. [`positions`] gathers the owner's holdings of every
//! deployment token (its associated accounts; one batched read) and prices each from the
//! token's Pyth account by the runner's own rule (`runner::oracle::read_account`: fresh, fully
//! verified, confident) — refusing, by name, every position whose price fails; [`instruction`]
//! is `record_nav` (anyone records; the recorder signs and pays), which prices them again
//! on-chain and records the NAV as a receipt in the owner's shard; [`recorded`] reads back
//! what the chain recorded, and [`nav_file`] is the receipt file an auditor verifies.
use anchor_lang::prelude::{Clock, Pubkey};
use runner::{
    events::NavRecorded,
    nav::{price_guards, pyth_policy, total_usd, NavPosition},
    oracle::read_account,
};
use solana_signature::Signature;

use crate::{
    chain::Chain,
    deployment::{feed_bytes, Deployment},
    events::decode_event,
    ix::{receipts::TreeRef, runner::NavAccounts},
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
    #[error("{0} holds none of the deployment's tokens: there is nothing to price")]
    Empty(Pubkey),
    #[error("{} position(s) cannot be priced: {}", .0.len(), .0.join("; "))]
    Unpriced(Vec<String>),
    #[error("{0} positions; one NAV receipt prices at most {1}")]
    TooMany(usize, usize),
    #[error(transparent)]
    Client(#[from] ClientError),
}

/// The owner's non-empty positions in every deployment token, priced at `clock` under
/// `guards` exactly as `record_nav` will price them (two batched reads).
pub async fn positions<C: Chain>(
    chain: &C,
    deployment: &Deployment,
    owner: &Pubkey,
    guards: NavGuards,
    clock: &Clock,
) -> Result<Positions, NavError> {
    let accounts = super::draft::holdings(chain, deployment, owner).await?;
    let held: Vec<(usize, u64)> = accounts
        .iter()
        .enumerate()
        .filter(|(_, (_, amount))| *amount > 0)
        .map(|(i, (_, amount))| (i, *amount))
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
    let price_keys: Vec<Pubkey> = held
        .iter()
        .map(|(i, _)| deployment.tokens[*i].price_account)
        .collect();
    let prices = chain.accounts(&price_keys).await?;
    let step_guards = price_guards(guards.max_age_secs, guards.max_confidence_bps);
    let mut holdings = Vec::new();
    let mut unpriced = Vec::new();
    for ((i, amount), price) in held.iter().zip(prices) {
        let token = &deployment.tokens[*i];
        let feed_id = feed_bytes(&token.pyth_feed);
        let policy = pyth_policy(token.mint, token.decimals, token.price_account, feed_id);
        let Some(price) = price else {
            unpriced.push(format!(
                "{}: no price account at {}",
                token.symbol, token.price_account
            ));
            continue;
        };
        let priced = read_account(
            &token.price_account,
            &price.owner,
            &price.data,
            &policy,
            &step_guards,
            clock,
        )
        .and_then(|reading| {
            NavPosition::priced(
                accounts[*i].0,
                token.mint,
                *amount,
                token.decimals,
                &reading,
            )
        });
        match priced {
            Ok(position) => holdings.push(Holding {
                symbol: token.symbol.clone(),
                position,
                accounts: NavAccounts {
                    account: accounts[*i].0,
                    mint: token.mint,
                    price_account: token.price_account,
                    feed_id,
                },
            }),
            Err(e) => unpriced.push(format!(
                "{}: {}",
                token.symbol,
                crate::errors::anchor_error_text(&e)
            )),
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

/// `recorder`'s `record_nav` of `owner`'s `positions` into `tree` (the newest tree of the
/// owner's shard).
pub fn instruction(
    recorder: &Pubkey,
    owner: &Pubkey,
    tree: &TreeRef,
    positions: &Positions,
    guards: NavGuards,
) -> anchor_lang::solana_program::instruction::Instruction {
    let accounts: Vec<NavAccounts> = positions.holdings.iter().map(|h| h.accounts).collect();
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
    let symbol = |mint: &Pubkey| {
        deployment
            .token_by_mint(mint)
            .ok()
            .map(|t| t.symbol.clone())
    };
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
