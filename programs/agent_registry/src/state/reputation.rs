//! Reputation, per capability (programs/agent_registry/README.md, "Reputation"): it grows only
//! from paid, receipted executions whose payer is neither the agent's owner nor its payout
//! wallet, by the value the execution carried, halved for every earlier credited execution of
//! the same payer. Many executions from one payer buy at most twice one execution's credit;
//! reputation is bought with independent payers' real value.
use anchor_lang::prelude::*;
use onchain_common::{SafeMath, BPS_DENOMINATOR};

/// Credit one execution worth one dollar earns from a payer the agent never served.
pub const CREDIT_PER_POINT: u64 = 1_024;
/// Value points of one execution: whole US dollars of its value, at least 1 and at most this.
pub const MAX_POINTS: u64 = 100;
/// Executions worth less than this (micro-USD, $0.01) earn nothing.
pub const MIN_CREDITED_VALUE_MICRO_USD: u64 = 10_000;
/// Micro-USD in one point.
const MICRO_USD_PER_POINT: u64 = 1_000_000;
/// After this many credited executions a payer adds nothing more (the shift reaches zero).
pub const MAX_CREDITED_PER_PAYER: u16 = 16;
/// What one failure weighs: the credit of a full-value execution from a fresh payer.
pub const FAILURE_WEIGHT: u64 = MAX_POINTS * CREDIT_PER_POINT;
/// The prior: a new agent scores `PRIOR / (2 * PRIOR)` = 50%.
pub const PRIOR: u64 = CREDIT_PER_POINT;

/// One capability's record, written only through `record_outcome`.
#[derive(
    AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq, InitSpace,
)]
pub struct Reputation {
    /// Credit earned (see the module docs), in units of [`CREDIT_PER_POINT`] per dollar.
    pub credit: u64,
    /// Paid, receipted executions (every payer, self-dealt ones included).
    pub succeeded: u64,
    /// Of those, executions whose payer was the agent's owner or payout wallet (no credit).
    pub self_dealt: u64,
    /// Awarded steps of this capability failed or let lapse with the step executable.
    pub failed: u64,
    /// Sum of realized slippage over successful swap executions, bps.
    pub slippage_bps_sum: u64,
    /// Unix seconds of the last outcome (0 = none).
    pub last_outcome_at: i64,
}

impl Reputation {
    /// `(credit + PRIOR) * 10_000 / (credit + failed * FAILURE_WEIGHT + 2 * PRIOR)`, in bps: 5,000
    /// for a new agent, tending to the credit-weighted success rate.
    pub fn reliability_bps(&self) -> u64 {
        let credit = u128::from(self.credit);
        let good = credit.saturating_add(u128::from(PRIOR));
        let all = credit
            .saturating_add(u128::from(self.failed).saturating_mul(u128::from(FAILURE_WEIGHT)))
            .saturating_add(2 * u128::from(PRIOR));
        let score = good
            .saturating_mul(u128::from(BPS_DENOMINATOR))
            .checked_div(all)
            .unwrap_or_default();
        // score <= 10_000 because good <= all.
        u64::try_from(score).unwrap_or(BPS_DENOMINATOR)
    }

    /// Records a success carrying `value` micro-USD from a payer with `earlier` credited
    /// executions of this capability (`None`: the payer is the agent's own owner or payout).
    /// Returns the credit added.
    pub fn record_success(
        &mut self,
        value_micro_usd: u64,
        earlier: Option<u16>,
        realized_slippage_bps: u16,
        now: i64,
    ) -> Result<u64> {
        self.succeeded = self.succeeded.safe_add(1)?;
        self.slippage_bps_sum = self
            .slippage_bps_sum
            .safe_add(u64::from(realized_slippage_bps))?;
        self.last_outcome_at = now;
        let credit = match earlier {
            None => {
                self.self_dealt = self.self_dealt.safe_add(1)?;
                0
            }
            Some(earlier) => credit(value_micro_usd, earlier),
        };
        self.credit = self.credit.safe_add(credit)?;
        Ok(credit)
    }

    /// Records a failure.
    pub fn record_failure(&mut self, now: i64) -> Result<()> {
        self.failed = self.failed.safe_add(1)?;
        self.last_outcome_at = now;
        Ok(())
    }
}

/// The credit of one execution worth `value` micro-USD from a payer with `earlier` credited
/// executions: `points * CREDIT_PER_POINT >> earlier`, `points` = whole dollars in
/// `1..=MAX_POINTS`; nothing below `MIN_CREDITED_VALUE_MICRO_USD` or from the
/// `MAX_CREDITED_PER_PAYER`-th execution on.
pub fn credit(value_micro_usd: u64, earlier: u16) -> u64 {
    if value_micro_usd < MIN_CREDITED_VALUE_MICRO_USD || earlier >= MAX_CREDITED_PER_PAYER {
        return 0;
    }
    let points = (value_micro_usd / MICRO_USD_PER_POINT).clamp(1, MAX_POINTS);
    points.saturating_mul(CREDIT_PER_POINT) >> earlier
}

#[cfg(test)]
mod tests;
