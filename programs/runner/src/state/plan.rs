use anchor_lang::prelude::*;
use onchain_common::SafeMath;

use crate::{constants::*, error::RunnerError};

/// What a step does.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum StepKind {
    /// One guarded swap.
    Swap,
    /// `repeat` guarded swaps, at least `interval_secs` apart.
    Dca,
    /// A guarded swap computed off-chain to move a portfolio towards target weights.
    Rebalance,
    /// Non-swap work (data, analytics); the vendor submits the hash of its signed result.
    Service,
}

/// Where a step stands.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum StepStatus {
    /// Waiting for dependencies or for its remaining executions.
    Pending,
    /// Every execution done.
    Done,
    /// The awarded vendor let the execution deadline pass.
    Failed,
}

/// Guards enforced on every execution of a step.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct StepGuards {
    /// Largest shortfall of the output against the oracle cross price, bps.
    pub max_slippage_bps: u16,
    /// Oldest acceptable oracle update, seconds.
    pub oracle_max_age_secs: u32,
    /// Pyth verification: 0 requires Full; n > 0 also accepts Partial with >= n signatures.
    pub min_verification_signatures: u8,
    /// Largest oracle confidence (Pyth conf, Switchboard sample spread) over price, bps.
    pub max_confidence_bps: u16,
    /// Largest vendor fee over the execution's notional, bps.
    pub fee_cap_bps: u16,
    /// Fewest fresh Switchboard samples.
    pub min_samples: u8,
}

/// One step of the on-chain PlanGraph.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct PlanStep {
    pub kind: StepKind,
    /// Capability bits the RFP for this step requires.
    pub capability: u64,
    /// Bitmask of earlier steps that must be Done first.
    pub depends_on: u8,
    /// Input mint (default key for Service steps).
    pub mint_in: Pubkey,
    /// Output mint (default key for Service steps).
    pub mint_out: Pubkey,
    /// Input atoms per execution.
    pub amount_in: u64,
    pub guards: StepGuards,
    /// Executions in total (1 except for DCA).
    pub repeat: u16,
    /// Seconds between executions (DCA).
    pub interval_secs: u32,
    pub status: StepStatus,
    pub executions: u16,
    /// Unix seconds of the last execution (0 = never).
    pub last_executed_at: i64,
}

/// A mint the plan may trade, with its price sources.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct MintPolicy {
    pub mint: Pubkey,
    pub decimals: u8,
    /// Pyth feed id (all zero: no Pyth source).
    pub pyth_feed: [u8; 32],
    /// Switchboard on-demand pull feed account (default key: no Switchboard source).
    pub switchboard_feed: Pubkey,
    /// Newest oracle publish time used for this mint (unix seconds); prices never go back.
    pub last_publish_time: i64,
}

/// Lifecycle of a plan.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum PlanStatus {
    Active,
    /// Cancelled by the owner at `at` (unix seconds).
    Cancelled {
        at: i64,
    },
}

/// The on-chain PlanGraph. PDA `["plan", owner, plan_id LE]`.
#[account]
#[derive(InitSpace, Debug)]
pub struct Plan {
    /// Signs creation and cancellation; the only account capital moves from and to.
    pub owner: Pubkey,
    pub plan_id: u64,
    /// sha256 of the canonical PlanGraph JSON the steps were built from.
    pub plan_hash: [u8; 32],
    /// The key that opens the plan's RFPs (the owner or its planner keeper).
    pub planner: Pubkey,
    #[max_len(MAX_MINTS)]
    pub mints: Vec<MintPolicy>,
    /// Venue programs steps may call.
    #[max_len(MAX_VENUES)]
    pub venues: Vec<Pubkey>,
    /// Largest USD notional of one execution, micro-USD.
    pub notional_cap_usd: u64,
    /// Largest USD notional over a day, micro-USD.
    pub daily_cap_usd: u64,
    /// Start of the current daily window, unix seconds.
    pub day_start: i64,
    /// USD notional executed in the current window, micro-USD.
    pub spent_today_usd: u64,
    #[max_len(MAX_STEPS)]
    pub steps: Vec<PlanStep>,
    pub status: PlanStatus,
    pub created_at: i64,
    /// Sequence number of the last event about this plan.
    pub seq: u64,
    pub bump: u8,
    pub delegate_bump: u8,
    /// Room for upgrades; zero.
    pub padding: [u8; 32],
}

impl Plan {
    pub const SEED: &'static [u8] = PLAN_SEED;

    pub fn mint_policy(&self, mint: &Pubkey) -> Result<(usize, MintPolicy)> {
        self.mints
            .iter()
            .position(|m| m.mint == *mint)
            .map(|i| (i, self.mints[i]))
            .ok_or_else(|| error!(RunnerError::MintNotAllowed))
    }

    pub fn step(&self, index: u8) -> Result<PlanStep> {
        self.steps
            .get(usize::from(index))
            .copied()
            .ok_or_else(|| error!(RunnerError::StepOutOfRange))
    }

    /// The step may execute now: plan active, dependencies done, executions left, interval
    /// elapsed.
    pub fn require_ready(&self, index: u8, now: i64) -> Result<PlanStep> {
        require!(
            self.status == PlanStatus::Active,
            RunnerError::PlanNotActive
        );
        let step = self.step(index)?;
        require!(
            step.status == StepStatus::Pending && step.executions < step.repeat,
            RunnerError::StepFinished
        );
        for (i, dependency) in self.steps.iter().enumerate() {
            if step.depends_on & (1u8 << i) != 0 {
                require!(
                    dependency.status == StepStatus::Done,
                    RunnerError::DependencyNotDone
                );
            }
        }
        if step.executions > 0 {
            let next = step
                .last_executed_at
                .safe_add(i64::from(step.interval_secs))?;
            require!(now >= next, RunnerError::TooEarly);
        }
        Ok(step)
    }

    /// Records one execution of step `index` at `now`.
    pub fn record_execution(&mut self, index: u8, now: i64) -> Result<u16> {
        let step = self
            .steps
            .get_mut(usize::from(index))
            .ok_or(RunnerError::StepOutOfRange)?;
        let execution = step.executions;
        step.executions = execution.safe_add(1)?;
        step.last_executed_at = now;
        if step.executions == step.repeat {
            step.status = StepStatus::Done;
        }
        Ok(execution)
    }

    /// Adds `notional` to the daily window (rolling over after a day) and checks both caps.
    pub fn spend(&mut self, notional_usd: u64, now: i64) -> Result<()> {
        require!(
            notional_usd <= self.notional_cap_usd,
            RunnerError::NotionalCapExceeded
        );
        if now >= self.day_start.safe_add(DAY_SECS)? {
            self.day_start = now;
            self.spent_today_usd = 0;
        }
        let spent = self.spent_today_usd.safe_add(notional_usd)?;
        require!(spent <= self.daily_cap_usd, RunnerError::DailyCapExceeded);
        self.spent_today_usd = spent;
        Ok(())
    }

    /// Checks a price is not older than one already used for the mint, and records it.
    pub fn observe_price(&mut self, mint_index: usize, publish_time: i64) -> Result<()> {
        let policy = self
            .mints
            .get_mut(mint_index)
            .ok_or(RunnerError::MintNotAllowed)?;
        require!(
            publish_time >= policy.last_publish_time,
            RunnerError::OracleNotMonotonic
        );
        policy.last_publish_time = publish_time;
        Ok(())
    }

    /// Every step is Done or Failed.
    pub fn is_finished(&self) -> bool {
        self.steps.iter().all(|s| s.status != StepStatus::Pending)
    }

    pub fn next_seq(&mut self) -> Result<u64> {
        self.seq = self.seq.safe_add(1)?;
        Ok(self.seq)
    }

    /// Structural rules, checked at creation and after every change.
    pub fn invariant(&self) -> Result<()> {
        let steps = self.steps.len();
        let ok = (1..=usize::from(MAX_STEPS)).contains(&steps)
            && self.mints.len() <= MAX_MINTS
            && self.venues.len() <= MAX_VENUES
            && self.steps.iter().enumerate().all(|(i, s)| {
                let earlier_only = u32::from(s.depends_on) >> i == 0;
                let swap_like = s.kind != StepKind::Service;
                let mints_known = !swap_like
                    || (self.mints.iter().any(|m| m.mint == s.mint_in)
                        && self.mints.iter().any(|m| m.mint == s.mint_out)
                        && s.mint_in != s.mint_out
                        && s.amount_in > 0);
                let guards = s.guards.max_slippage_bps <= BPS
                    && s.guards.max_confidence_bps <= BPS
                    && s.guards.fee_cap_bps <= BPS
                    && s.guards.oracle_max_age_secs > 0;
                earlier_only && mints_known && guards && s.repeat > 0 && s.executions <= s.repeat
            });
        require!(ok, RunnerError::InvalidPlan);
        Ok(())
    }
}
