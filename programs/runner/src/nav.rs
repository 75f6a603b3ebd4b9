//! Fund Admin's net asset value, pure: each position priced by its oracle, the total in
//! micro-USD, and the hash of the positions a NAV receipt commits to (its `inputs_hash`), so
//! an auditor holding the receipt file's positions recomputes exactly what the chain recorded.
#![deny(clippy::arithmetic_side_effects)]

use anchor_lang::prelude::*;
use onchain_common::SafeMath;

use crate::{
    math,
    oracle::Reading,
    state::{MintPolicy, OracleSource, StepGuards},
    trigger::Trigger,
};

/// Most positions one NAV receipt prices (one transaction names three accounts for a token,
/// nine for an LP token, each account once).
pub const MAX_NAV_POSITIONS: usize = 5;

/// How `record_nav` prices one position, in remaining-account order.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum NavPricing {
    /// By the Pyth feed `feed_id`. Accounts: the owner's token account, its Mint, the feed's
    /// price account.
    Pyth { feed_id: [u8; 32] },
    /// An LP token, priced fairly from its sim_venue pool (`oracle::pool`: both reserves at
    /// their own Pyth prices). Accounts: the owner's LP token account, the LP Mint, the Pool,
    /// its two vaults, its two Mints, and the price accounts of `feed_a` and `feed_b`.
    Pool { feed_a: [u8; 32], feed_b: [u8; 32] },
}

impl NavPricing {
    /// How many remaining accounts the position names.
    pub const fn account_count(&self) -> usize {
        match self {
            Self::Pyth { .. } => 3,
            Self::Pool { .. } => 9,
        }
    }
}

/// The guards every NAV price passes: a fully verified Pyth price no older than
/// `max_age_secs`, its confidence within `max_confidence_bps` of the price.
pub fn price_guards(max_age_secs: u32, max_confidence_bps: u16) -> StepGuards {
    StepGuards {
        max_slippage_bps: 0,
        oracle_max_age_secs: max_age_secs,
        min_verification_signatures: 0,
        max_confidence_bps,
        fee_cap_bps: 0,
        min_samples: 1,
        trigger: Trigger::Always,
    }
}

/// What a NAV prices `mint` (of `decimals`) by: `oracle`, a Pyth account of `feed_id`.
pub fn pyth_policy(mint: Pubkey, decimals: u8, oracle: Pubkey, feed_id: [u8; 32]) -> MintPolicy {
    MintPolicy {
        mint,
        decimals,
        oracle,
        source: OracleSource::Pyth { feed_id },
        last_publish_time: 0,
        owner_account_bump: 0,
        staging_bump: 0,
    }
}

/// One priced position, as a NAV receipt commits to it.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct NavPosition {
    /// The owner's token account.
    pub account: Pubkey,
    pub mint: Pubkey,
    /// Atoms held.
    pub amount: u64,
    pub decimals: u8,
    /// The Pyth feed id it is priced by; an LP token's is its pool's address.
    pub feed_id: [u8; 32],
    /// The price as published (an LP token's as derived from its pool, exponent -6): USD per
    /// whole token is `price × 10^exponent`.
    pub price: i64,
    pub exponent: i32,
    /// Unix seconds of the price update (an LP token's: the older of its two sides').
    pub publish_time: i64,
    /// `amount` at `price`, micro-USD (rounded down).
    pub value_usd: u64,
}

impl NavPosition {
    /// `amount` atoms of `mint` in `account`, priced at the guarded `reading`.
    pub fn priced(
        account: Pubkey,
        mint: Pubkey,
        amount: u64,
        decimals: u8,
        reading: &Reading,
    ) -> Result<Self> {
        Ok(Self {
            account,
            mint,
            amount,
            decimals,
            feed_id: reading.feed,
            price: reading.raw_price,
            exponent: reading.raw_exponent,
            publish_time: reading.publish_time,
            value_usd: math::usd_micro(amount, reading.price, decimals)?,
        })
    }
}

/// The net asset value of `positions`, micro-USD.
pub fn total_usd(positions: &[NavPosition]) -> Result<u64> {
    positions
        .iter()
        .try_fold(0u64, |sum, p| sum.safe_add(p.value_usd))
}

/// sha256 of the positions' Borsh encodings, concatenated in order (no length prefix): a NAV
/// receipt's `inputs_hash`.
pub fn positions_hash(positions: &[NavPosition]) -> [u8; 32] {
    let mut bytes = Vec::new();
    for position in positions {
        position
            .serialize(&mut bytes)
            .expect("writing to a Vec cannot fail");
    }
    solana_sha256_hasher::hash(&bytes).to_bytes()
}
