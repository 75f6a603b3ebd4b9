//! The positions of a NAV receipt as its file carries them: one JSON object per
//! [`runner::nav::NavPosition`] (keys base58, the feed id hex, amounts as integers), lossless
//! both ways, so a verifier recomputes the receipt's `inputs_hash` from the file alone.
use anchor_lang::prelude::Pubkey;
use runner::nav::{positions_hash, total_usd, NavPosition};
use serde::{Deserialize, Serialize};

use super::file::Rejection;

/// One priced position of a NAV receipt.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct NavPositionJson {
    /// The token's symbol when the writer knew it (not part of the commitment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    pub account: String,
    pub mint: String,
    pub amount: u64,
    pub decimals: u8,
    pub feed_id: String,
    pub price: i64,
    pub exponent: i32,
    pub publish_time: i64,
    pub value_usd: u64,
}

impl NavPositionJson {
    /// `position` as JSON, named `symbol`.
    pub fn new(position: &NavPosition, symbol: Option<String>) -> Self {
        Self {
            symbol,
            account: position.account.to_string(),
            mint: position.mint.to_string(),
            amount: position.amount,
            decimals: position.decimals,
            feed_id: hex::encode(position.feed_id),
            price: position.price,
            exponent: position.exponent,
            publish_time: position.publish_time,
            value_usd: position.value_usd,
        }
    }

    /// The position committed to.
    pub fn position(&self) -> Result<NavPosition, Rejection> {
        let key = |field: &str, text: &str| -> Result<Pubkey, Rejection> {
            text.parse()
                .map_err(|_| Rejection::Fields(format!("position {field} {text:?}")))
        };
        Ok(NavPosition {
            account: key("account", &self.account)?,
            mint: key("mint", &self.mint)?,
            amount: self.amount,
            decimals: self.decimals,
            feed_id: hex::decode(&self.feed_id)
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| Rejection::Fields(format!("position feed_id {:?}", self.feed_id)))?,
            price: self.price,
            exponent: self.exponent,
            publish_time: self.publish_time,
            value_usd: self.value_usd,
        })
    }
}

/// Checks that `positions` are what a NAV receipt with `inputs_hash`, `nav_usd` and `count`
/// committed to.
pub fn check_positions(
    positions: &[NavPositionJson],
    inputs_hash: &[u8; 32],
    nav_usd: u64,
    count: u64,
) -> Result<(), Rejection> {
    let positions = positions
        .iter()
        .map(NavPositionJson::position)
        .collect::<Result<Vec<_>, _>>()?;
    let total = total_usd(&positions).map_err(|e| Rejection::Fields(e.to_string()))?;
    if positions_hash(&positions) != *inputs_hash
        || total != nav_usd
        || positions.len() as u64 != count
    {
        return Err(Rejection::NavPositions);
    }
    Ok(())
}
