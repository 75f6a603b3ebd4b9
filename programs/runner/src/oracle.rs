//! Reading a price from a Pyth `PriceUpdateV2` or a Switchboard on-demand `PullFeedAccountData`
//! account, failing closed: wrong owner, wrong feed, stale, insufficiently verified, too wide, or
//! non-positive prices are errors; there is never a fallback price.
use anchor_lang::{prelude::*, AccountDeserialize};
use pyth_solana_receiver_sdk::price_update::{PriceUpdateV2, VerificationLevel};
use switchboard_on_demand::{Discriminator, PullFeedAccountData};

use crate::{
    constants::MS_PER_SLOT,
    error::RunnerError,
    math::UsdPrice,
    state::{MintPolicy, OracleSource, StepGuards},
};

/// A checked oracle reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reading {
    pub price: UsdPrice,
    /// Pyth's EMA price mantissa at `price`'s exponent, if positive (Switchboard: none); what
    /// volatility triggers measure against.
    pub ema: Option<u128>,
    /// Unix seconds of the update (Switchboard: the feed's last update timestamp).
    pub publish_time: i64,
    /// Pyth feed id, or the Switchboard feed account's key.
    pub feed: [u8; 32],
    /// The raw price and exponent, as the receipt records them.
    pub raw_price: i64,
    pub raw_exponent: i32,
}

fn switchboard_program() -> Pubkey {
    Pubkey::new_from_array(switchboard_on_demand::ON_DEMAND_MAINNET_PID.to_bytes())
}

/// Reads and checks the price of `policy.mint` from `account`, which must be the oracle
/// account the plan pinned for the mint, owned by the program of its source.
pub fn read(
    account: &AccountInfo,
    policy: &MintPolicy,
    guards: &StepGuards,
    clock: &Clock,
) -> Result<Reading> {
    let data = account.try_borrow_data()?;
    read_account(account.key, account.owner, &data, policy, guards, clock)
}

/// [`read`] over an account's address, owner and bytes: how off-chain code (quotes, planning)
/// judges a price exactly as an execution will.
pub fn read_account(
    key: &Pubkey,
    owner: &Pubkey,
    data: &[u8],
    policy: &MintPolicy,
    guards: &StepGuards,
    clock: &Clock,
) -> Result<Reading> {
    require_keys_eq!(*key, policy.oracle, RunnerError::OracleAccountMismatch);
    match policy.source {
        OracleSource::Pyth { feed_id } => {
            require_keys_eq!(
                *owner,
                pyth_solana_receiver_sdk::ID,
                RunnerError::OracleOwnerInvalid
            );
            read_pyth(data, &feed_id, guards, clock.unix_timestamp)
        }
        OracleSource::Switchboard => {
            require_keys_eq!(
                *owner,
                switchboard_program(),
                RunnerError::OracleOwnerInvalid
            );
            read_switchboard(data, *key, guards, clock)
        }
        // An LP token is priced from its pool and both sides' oracles (`pool::lp_reading`).
        OracleSource::Pool => err!(RunnerError::OracleOwnerInvalid),
    }
}

fn conf_within(conf: u128, price: u128, max_bps: u16) -> Result<()> {
    let wide = conf
        .checked_mul(10_000)
        .ok_or(RunnerError::OracleConfidenceTooWide)?;
    let allowed = price
        .checked_mul(u128::from(max_bps))
        .ok_or(RunnerError::OracleConfidenceTooWide)?;
    require!(wide <= allowed, RunnerError::OracleConfidenceTooWide);
    Ok(())
}

/// A Pyth `PriceUpdateV2` account's contents, unchecked: the one decoder of Pyth data, used by
/// [`read_pyth`] and by off-chain code that only sizes things (bids, plans, market data).
pub fn decode_pyth(data: &[u8]) -> Result<PriceUpdateV2> {
    PriceUpdateV2::try_deserialize(&mut &data[..]).map_err(|_| error!(RunnerError::OracleMalformed))
}

/// The unchecked price of a Pyth `PriceUpdateV2` account (see [`decode_pyth`]).
pub fn pyth_price(data: &[u8]) -> Result<UsdPrice> {
    let message = decode_pyth(data)?.price_message;
    Ok(UsdPrice {
        mantissa: u128::from(message.price.unsigned_abs()),
        exponent: message.exponent,
    })
}

/// Pyth: owner checked by the caller; feed id, verification level, age, sign and confidence here.
/// Off-chain code (quotes, planning) decodes Pyth accounts with this same function.
pub fn read_pyth(
    data: &[u8],
    feed_id: &[u8; 32],
    guards: &StepGuards,
    now: i64,
) -> Result<Reading> {
    let update = decode_pyth(data)?;
    let message = update.price_message;
    require!(
        message.feed_id == *feed_id && *feed_id != [0; 32],
        RunnerError::OracleFeedMismatch
    );
    let verified = match (
        update.verification_level,
        guards.min_verification_signatures,
    ) {
        (VerificationLevel::Full, _) => true,
        (VerificationLevel::Partial { .. }, 0) => false,
        (VerificationLevel::Partial { num_signatures }, min) => num_signatures >= min,
    };
    require!(verified, RunnerError::OracleInsufficientVerification);
    let oldest = now.saturating_sub(i64::from(guards.oracle_max_age_secs));
    require!(message.publish_time >= oldest, RunnerError::OracleStale);
    require!(message.price > 0, RunnerError::OracleInvalidPrice);
    let mantissa = u128::from(message.price.unsigned_abs());
    conf_within(
        u128::from(message.conf),
        mantissa,
        guards.max_confidence_bps,
    )?;
    Ok(Reading {
        price: UsdPrice {
            mantissa,
            exponent: message.exponent,
        },
        ema: u64::try_from(message.ema_price)
            .ok()
            .filter(|ema| *ema > 0)
            .map(u128::from),
        publish_time: message.publish_time,
        feed: message.feed_id,
        raw_price: message.price,
        raw_exponent: message.exponent,
    })
}

/// Switchboard: the median of the samples signed within the max age (converted to slots), at
/// least `min_samples` of them, positive, with a bounded spread. Fields are read by their offsets
/// in the `#[repr(C)]` layout (account data is only 8-byte aligned; the struct wants 16).
pub fn read_switchboard(
    data: &[u8],
    feed: Pubkey,
    guards: &StepGuards,
    clock: &Clock,
) -> Result<Reading> {
    use std::mem::{offset_of, size_of};
    use switchboard_on_demand::OracleSubmission;
    let body = data
        .strip_prefix(PullFeedAccountData::DISCRIMINATOR)
        .and_then(|rest| rest.get(..size_of::<PullFeedAccountData>()))
        .ok_or(RunnerError::OracleMalformed)?;
    let read = |at: usize, len: usize| body.get(at..at + len).ok_or(RunnerError::OracleMalformed);
    let max_stale_slots = u64::from(guards.oracle_max_age_secs).saturating_mul(1_000) / MS_PER_SLOT;
    let submissions = offset_of!(PullFeedAccountData, submissions);
    let mut values: Vec<i128> = Vec::new();
    for i in 0..32 {
        let at = submissions + i * size_of::<OracleSubmission>();
        let slot = u64::from_le_bytes(
            read(at + offset_of!(OracleSubmission, slot), 8)?
                .try_into()
                .unwrap_or_default(),
        );
        if slot != 0 && slot.saturating_add(max_stale_slots) >= clock.slot {
            let value = read(at + offset_of!(OracleSubmission, value), 16)?;
            values.push(i128::from_le_bytes(value.try_into().unwrap_or_default()));
        }
    }
    let updated = read(offset_of!(PullFeedAccountData, last_update_timestamp), 8)?;
    let publish_time = i64::from_le_bytes(updated.try_into().unwrap_or_default());
    require!(!values.is_empty(), RunnerError::OracleStale);
    require!(
        values.len() >= usize::from(guards.min_samples.max(1)),
        RunnerError::OracleInsufficientSamples
    );
    values.sort_unstable();
    let median = values[(values.len() - 1) / 2];
    require!(median > 0, RunnerError::OracleInvalidPrice);
    let spread = values[values.len() - 1].saturating_sub(values[0]);
    conf_within(
        spread.unsigned_abs(),
        median.unsigned_abs(),
        guards.max_confidence_bps,
    )?;
    let exponent = -(switchboard_on_demand::PRECISION as i32);
    // Receipts record Switchboard prices at Pyth's usual precision (10^-8).
    let raw_price = i64::try_from(median / 10i128.pow(switchboard_on_demand::PRECISION - 8))
        .map_err(|_| RunnerError::OracleInvalidPrice)?;
    Ok(Reading {
        price: UsdPrice {
            mantissa: median.unsigned_abs(),
            exponent,
        },
        ema: None,
        publish_time,
        feed: feed.to_bytes(),
        raw_price,
        raw_exponent: -8,
    })
}

pub mod pool;

#[cfg(test)]
mod tests;
