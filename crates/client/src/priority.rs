//! The compute-unit price a sender bids (SECURITY-TESTPLAN K-09): the 75th percentile of the
//! fees the cluster reports for the accounts the transaction writes, never above the cap, and
//! the default when the cluster reports nothing usable. A spike or a garbage report costs at
//! most the cap: `cap × compute units` micro-lamports per transaction (at most 1.4 M units).
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};
use solana_compute_budget_interface::ComputeBudgetInstruction;

use crate::ClientResult;

/// How much priority a sender pays, micro-lamports per compute unit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PriorityFee {
    /// Bid when the cluster reports no recent fees, or the report fails.
    pub default_micro_lamports: u64,
    /// Never bid more, whatever is reported. 0 (the default) sends no priority fee at all.
    pub cap_micro_lamports: u64,
}

impl PriorityFee {
    /// The price to bid given the cluster's recent fees for the written accounts.
    pub fn price(&self, reported: &ClientResult<Vec<u64>>) -> u64 {
        let cap = self.cap_micro_lamports;
        match reported {
            Ok(fees) if !fees.is_empty() => {
                let mut fees = fees.clone();
                fees.sort_unstable();
                fees[fees.len() * 3 / 4].min(cap)
            }
            _ => self.default_micro_lamports.min(cap),
        }
    }

    /// The compute-budget instruction bidding `price`, if any.
    pub fn instruction(price: u64) -> Option<Instruction> {
        (price > 0).then(|| ComputeBudgetInstruction::set_compute_unit_price(price))
    }
}

/// The accounts `ixs` write (what priority fees are reported for).
pub fn written_accounts(ixs: &[Instruction]) -> Vec<Pubkey> {
    let mut keys: Vec<Pubkey> = ixs
        .iter()
        .flat_map(|ix| ix.accounts.iter())
        .filter(|m| m.is_writable)
        .map(|m| m.pubkey)
        .collect();
    keys.sort();
    keys.dedup();
    keys.truncate(128);
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ClientError;

    const POLICY: PriorityFee = PriorityFee {
        default_micro_lamports: 1_000,
        cap_micro_lamports: 50_000,
    };

    #[test]
    fn k09_the_bid_follows_the_market_within_the_cap() {
        // The 75th percentile of what was reported.
        assert_eq!(POLICY.price(&Ok(vec![10, 2_000, 3_000, 40_000])), 40_000);
        assert_eq!(POLICY.price(&Ok(vec![5, 5, 5, 7_000, 9])), 9);
        // A spike of x100 or garbage is capped.
        assert_eq!(POLICY.price(&Ok(vec![4_000_000; 8])), 50_000);
        assert_eq!(POLICY.price(&Ok(vec![u64::MAX])), 50_000);
        // Nothing reported, or the report failed: the default.
        assert_eq!(POLICY.price(&Ok(vec![])), 1_000);
        assert_eq!(POLICY.price(&Err(ClientError::Chain("429".into()))), 1_000);
        // Disabled: nothing, whatever is reported.
        assert_eq!(PriorityFee::default().price(&Ok(vec![9_999])), 0);
        assert!(PriorityFee::instruction(0).is_none());
        let ix = PriorityFee::instruction(50_000).unwrap();
        assert_eq!(ix.program_id, solana_sdk_ids::compute_budget::ID);
        assert_eq!(ix.data, [&[3u8][..], &50_000u64.to_le_bytes()].concat());
    }
}
