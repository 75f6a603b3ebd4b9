//! Oracle accounts in their real on-chain formats: Pyth `PriceUpdateV2` (owned by the Pyth
//! receiver program) and Switchboard on-demand `PullFeedAccountData` (owned by the on-demand
//! program). The embedded chain plays the price feeder: it writes these accounts the way the
//! receiver and the oracle network would.
use anchor_lang::{prelude::Pubkey, AccountSerialize};
use pyth_solana_receiver_sdk::price_update::{PriceFeedMessage, PriceUpdateV2, VerificationLevel};
use solana_account::Account;
use switchboard_on_demand::{Discriminator, PullFeedAccountData};

use crate::{chain::ChainError, EmbeddedChain};

/// Pyth feed ids (mainnet "Crypto.X/USD" feeds), as the policies of plans name them.
pub mod pyth_feed {
    /// SOL/USD.
    pub const SOL_USD: [u8; 32] =
        super::feed_id("ef0d8b6fda2ceba41da15d4095d1da392a0d2f8ed0c6c7bc0f4cfac8c280b56d");
    /// USDC/USD.
    pub const USDC_USD: [u8; 32] =
        super::feed_id("eaa020c61cc479712813461ce153894a96a6c00b21ed0cfc2798d1f9a9e9c94a");
    /// JUP/USD.
    pub const JUP_USD: [u8; 32] =
        super::feed_id("0a0408d619e9380abad35060f9192039ed5042fa6f82301d0e48bb52be830996");
    /// WIF/USD.
    pub const WIF_USD: [u8; 32] =
        super::feed_id("4ca4beeca86f0d164160323817a4e42b10010a724c2217c6ee41b54cd4cc61fc");
}

/// A 32-byte feed id from 64 hex digits, at compile time.
const fn feed_id(hex: &str) -> [u8; 32] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("feed ids are lowercase hex"),
        }
    }
    let bytes = hex.as_bytes();
    assert!(bytes.len() == 64, "feed ids are 32 bytes");
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = nibble(bytes[2 * i]) << 4 | nibble(bytes[2 * i + 1]);
        i += 1;
    }
    out
}

/// A Pyth price as the receiver stores it. The real price is `price * 10^exponent`.
#[derive(Clone, Copy, Debug)]
pub struct PythPrice {
    /// The Pyth feed id (e.g. SOL/USD `ef0d8b6f…b56d`).
    pub feed_id: [u8; 32],
    pub price: i64,
    /// Confidence interval, in the same units as `price`.
    pub conf: u64,
    pub exponent: i32,
    /// Pyth's EMA price, in the same units as `price` (volatility triggers measure against it).
    pub ema_price: i64,
    /// Unix seconds.
    pub publish_time: i64,
    /// `Full` unless a test wants a partially verified update.
    pub verification: VerificationLevel,
}

/// About how long Pyth's EMA price averages over, seconds (its EMA spans roughly an hour).
pub const EMA_WINDOW_SECS: i64 = 3_600;

/// A feeder's running EMA of one price, kept the way Pyth's aggregate keeps one: each update
/// moves it `dt / (dt + EMA_WINDOW_SECS)` of the way to the new price, so a sudden move stays a
/// deviation from the EMA for many minutes, as on mainnet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ema {
    /// The EMA price, in the feed's units.
    pub value: i64,
    /// Unix seconds of the last update.
    pub at: i64,
}

impl Ema {
    /// The EMA of a price first seen at `at`: the price itself.
    pub fn start(price: i64, at: i64) -> Self {
        Self { value: price, at }
    }

    /// Moves the EMA towards `price` seen at `now`; returns the new EMA.
    pub fn update(&mut self, price: i64, now: i64) -> i64 {
        let dt = i128::from(now.saturating_sub(self.at).max(0));
        let gap = i128::from(price) - i128::from(self.value);
        let moved = gap * dt / (dt + i128::from(EMA_WINDOW_SECS));
        self.value = i64::try_from(i128::from(self.value) + moved).unwrap_or(price);
        self.at = now.max(self.at);
        self.value
    }
}

/// A Switchboard on-demand pull feed with `samples` fresh oracle submissions of `value`
/// (scaled by 10^18, Switchboard's fixed precision), all signed at `slot`.
#[derive(Clone, Copy, Debug)]
pub struct SwitchboardFeed {
    pub value: i128,
    pub slot: u64,
    pub samples: u8,
}

impl EmbeddedChain {
    /// Writes (or overwrites) a Pyth `PriceUpdateV2` account at `address`.
    pub async fn write_pyth_price(
        &self,
        address: &Pubkey,
        price: &PythPrice,
    ) -> Result<(), ChainError> {
        let slot = self.clock().await?.slot;
        let update = PriceUpdateV2 {
            write_authority: self.payer_pubkey(),
            verification_level: price.verification,
            price_message: PriceFeedMessage {
                feed_id: price.feed_id,
                price: price.price,
                conf: price.conf,
                exponent: price.exponent,
                publish_time: price.publish_time,
                prev_publish_time: price.publish_time.saturating_sub(1),
                ema_price: price.ema_price,
                ema_conf: price.conf,
            },
            posted_slot: slot,
        };
        let mut data = Vec::with_capacity(PriceUpdateV2::LEN);
        update
            .try_serialize(&mut data)
            .map_err(|e| ChainError::Banks(format!("serialize PriceUpdateV2: {e}")))?;
        self.write_owned(address, data, pyth_solana_receiver_sdk::ID)
            .await;
        Ok(())
    }

    /// Writes (or overwrites) a Switchboard on-demand `PullFeedAccountData` account at `address`.
    pub async fn write_switchboard_feed(
        &self,
        address: &Pubkey,
        feed: &SwitchboardFeed,
    ) -> Result<(), ChainError> {
        let clock = self.clock().await?;
        let mut data: PullFeedAccountData = bytemuck::Zeroable::zeroed();
        for (i, submission) in data
            .submissions
            .iter_mut()
            .take(usize::from(feed.samples))
            .enumerate()
        {
            submission.oracle = switchboard_on_demand::Pubkey::new_from_array([i as u8 + 1; 32]);
            submission.slot = feed.slot;
            submission.landed_at = feed.slot;
            submission.value = feed.value;
            data.submission_timestamps[i] = clock.unix_timestamp;
        }
        data.result.value = feed.value;
        data.result.mean = feed.value;
        data.result.min_value = feed.value;
        data.result.max_value = feed.value;
        data.result.num_samples = feed.samples;
        data.result.slot = feed.slot;
        data.result.min_slot = feed.slot;
        data.result.max_slot = feed.slot;
        data.min_sample_size = 1;
        data.min_responses = 1;
        data.max_staleness = 250;
        data.last_update_timestamp = clock.unix_timestamp;
        let mut bytes = PullFeedAccountData::DISCRIMINATOR.to_vec();
        bytes.extend_from_slice(bytemuck::bytes_of(&data));
        let owner = Pubkey::new_from_array(switchboard_on_demand::ON_DEMAND_MAINNET_PID.to_bytes());
        self.write_owned(address, bytes, owner).await;
        Ok(())
    }

    async fn write_owned(&self, address: &Pubkey, data: Vec<u8>, owner: Pubkey) {
        let account = Account {
            lamports: self.rent().minimum_balance(data.len()),
            data,
            owner,
            executable: false,
            rent_epoch: 0,
        };
        self.set_account(address, account).await;
    }
}
