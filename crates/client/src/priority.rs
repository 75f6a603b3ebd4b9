//! The compute-unit price a sender bids (docs/SECURITY-TESTPLAN.md K-09): the 75th percentile of the
//! fees the cluster reports for the accounts the transaction writes, never above the cap, and
//! the default when the cluster reports nothing usable. A spike or a garbage report costs at
//! most the cap: `cap × compute units` micro-lamports per transaction (at most 1.4 M units).
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};
use solana_compute_budget_interface::ComputeBudgetInstruction;

use crate::ClientResult;

/// How much priority a sender pays, micro-lamports per compute unit, and for how many units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriorityFee {
    /// Bid when the cluster reports no recent fees, or the report fails.
    pub default_micro_lamports: u64,
    /// Never bid more, whatever is reported. 0 (the default) sends no priority fee at all.
    pub cap_micro_lamports: u64,
    /// Never ask for a larger compute-unit limit (the limit follows simulation; see
    /// [`unit_limit`]).
    pub max_compute_units: u32,
}

impl Default for PriorityFee {
    fn default() -> Self {
        Self {
            default_micro_lamports: 0,
            cap_micro_lamports: 0,
            max_compute_units: MAX_COMPUTE_UNITS,
        }
    }
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

/// Lamports per signature the networks charge (the base fee).
pub const LAMPORTS_PER_SIGNATURE: u64 = 5_000;
/// Compute units an instruction may use when the transaction sets no limit.
const DEFAULT_UNITS_PER_INSTRUCTION: u64 = 200_000;
/// The most compute units a transaction may use.
pub const MAX_COMPUTE_UNITS: u32 = 1_400_000;

/// What `message` costs its fee payer, lamports: the base fee per signature plus the priority
/// fee (compute-unit price × limit, rounded up), as the runtime charges them. Without a
/// compute-unit limit instruction the limit is 200,000 units per other instruction.
pub fn fee_lamports(message: &solana_message::VersionedMessage) -> u64 {
    let keys = message.static_account_keys();
    let compute_budget = solana_sdk_ids::compute_budget::ID;
    let (mut price, mut limit, mut others) = (0u64, None, 0u64);
    for ix in message.instructions() {
        let program = keys.get(usize::from(ix.program_id_index));
        match (program == Some(&compute_budget), ix.data.as_slice()) {
            (true, [3, rest @ ..]) if rest.len() == 8 => {
                price = u64::from_le_bytes(rest.try_into().unwrap_or_default());
            }
            (true, [2, rest @ ..]) if rest.len() == 4 => {
                limit = Some(u64::from(u32::from_le_bytes(
                    rest.try_into().unwrap_or_default(),
                )));
            }
            (true, _) => {}
            (false, _) => others += 1,
        }
    }
    let limit = limit
        .unwrap_or(others * DEFAULT_UNITS_PER_INSTRUCTION)
        .min(u64::from(MAX_COMPUTE_UNITS));
    let priority = (u128::from(price) * u128::from(limit)).div_ceil(1_000_000);
    let signatures = u64::from(message.header().num_required_signatures);
    signatures * LAMPORTS_PER_SIGNATURE + u64::try_from(priority).unwrap_or(u64::MAX)
}

/// The compute-unit limit to ask for after a simulation used `consumed` units: 10% and 1,000
/// units of headroom, never above `cap`.
pub fn unit_limit(consumed: u64, cap: u32) -> u32 {
    let wanted = consumed + consumed / 10 + 1_000;
    u32::try_from(wanted).unwrap_or(u32::MAX).min(cap)
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
        max_compute_units: MAX_COMPUTE_UNITS,
    };

    #[test]
    fn fees_are_the_base_fee_and_price_times_limit() {
        use solana_message::{v0, VersionedMessage};
        let payer = Pubkey::new_unique();
        let memo = Instruction::new_with_bytes(Pubkey::new_unique(), &[], vec![]);
        let message = |ixs: &[Instruction]| {
            VersionedMessage::V0(
                v0::Message::try_compile(&payer, ixs, &[], Default::default()).unwrap(),
            )
        };
        assert_eq!(fee_lamports(&message(std::slice::from_ref(&memo))), 5_000);
        // 50,000 micro-lamports × the default 200,000 units = 10,000 lamports.
        let price = ComputeBudgetInstruction::set_compute_unit_price(50_000);
        assert_eq!(
            fee_lamports(&message(&[price.clone(), memo.clone()])),
            15_000
        );
        // With a limit of 30,001 units: 1,500.05 lamports, rounded up.
        let limit = ComputeBudgetInstruction::set_compute_unit_limit(30_001);
        assert_eq!(fee_lamports(&message(&[limit, price, memo])), 6_501);
        assert_eq!(unit_limit(20_000, MAX_COMPUTE_UNITS), 23_000);
        assert_eq!(unit_limit(2_000_000, MAX_COMPUTE_UNITS), MAX_COMPUTE_UNITS);
    }

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
