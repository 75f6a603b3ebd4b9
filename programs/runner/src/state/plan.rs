use anchor_lang::prelude::*;
use onchain_common::SafeMath;

use crate::{
    constants::*,
    error::RunnerError,
    trigger::{Leg, Trigger},
};

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
    /// Provides liquidity with one token: `amount_in` of `mint_in` (one side of a pool) for
    /// the pool's LP tokens (`mint_out`, priced fairly from the pool), held in the owner's own
    /// LP account.
    AddLiquidity,
    /// Exits liquidity to one token: `amount_in` LP tokens (`mint_in`) for one side of the
    /// pool (`mint_out`).
    RemoveLiquidity,
}

impl StepKind {
    /// Executed by `execute_swap_step`: a trade of two oracle-priced mints.
    pub fn is_swap_like(self) -> bool {
        matches!(self, StepKind::Swap | StepKind::Dca | StepKind::Rebalance)
    }

    /// Executed by `execute_liquidity_step`: into or out of a pool's LP token.
    pub fn is_liquidity(self) -> bool {
        matches!(self, StepKind::AddLiquidity | StepKind::RemoveLiquidity)
    }
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
    /// The awarded vendor showed the owner's input was gone (`report_unfunded_step`).
    Unfunded,
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
    /// The oracle condition every execution also needs (see [`crate::trigger`]).
    pub trigger: Trigger,
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

/// Which oracle program a mint's pinned price account belongs to.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum OracleSource {
    /// A Pyth receiver `PriceUpdateV2` account (a push-feed account or any posted update the
    /// owner chose) that must carry this feed id.
    Pyth { feed_id: [u8; 32] },
    /// A Switchboard on-demand `PullFeedAccountData` account.
    Switchboard,
    /// The mint is the LP token of the sim_venue pool at the policy's `oracle`: priced fairly
    /// from the pool's reserves and its two mints' own pinned oracles
    /// (`crate::oracle::pool`), never from the pool's spot ratio.
    Pool,
}

/// A mint the plan may trade, with the one oracle account its price is read from.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct MintPolicy {
    pub mint: Pubkey,
    /// The mint's decimals, checked against the Mint account at creation.
    pub decimals: u8,
    /// The only account this plan reads the mint's price from (pinned at creation).
    pub oracle: Pubkey,
    /// The program and feed behind `oracle`.
    pub source: OracleSource,
    /// Newest oracle publish time used for this mint (unix seconds); prices never go back.
    pub last_publish_time: i64,
    /// Bump of the owner's associated token account of this mint (SPL Token): the only
    /// account the plan sells this mint from and buys it into.
    pub owner_account_bump: u8,
    /// Bump of the owner's staging account `["staging", owner, mint]`.
    pub staging_bump: u8,
}

/// Where the plan's input capital stands with respect to the owner's delegation.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum Custody {
    /// Not approved yet: nothing of the owner's may move.
    Pending,
    /// `approve_plan` raised the owner's allowance by every remaining input of the plan at `at`
    /// (unix seconds).
    Approved { at: i64 },
    /// `cancel_plan` or `close_plan` lowered the allowance by what was left at `at`.
    Released { at: i64 },
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
    /// Bump of the owner's delegate `["delegate", owner]`.
    pub owner_delegate_bump: u8,
    /// The plan's share of the owner's delegation.
    pub custody: Custody,
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

    /// The owner's delegation covers this plan: approved and not yet released.
    pub fn require_approved(&self) -> Result<()> {
        require!(
            matches!(self.custody, Custody::Approved { .. }),
            RunnerError::PlanNotApproved
        );
        Ok(())
    }

    /// Whether `mint` is an LP token priced from its pool.
    pub fn is_pool_priced(&self, mint: &Pubkey) -> bool {
        self.mints
            .iter()
            .any(|m| m.mint == *mint && m.source == OracleSource::Pool)
    }

    /// Atoms of `mint` the plan may still sell: every remaining execution of every swap-like
    /// step selling it (a failed step's remainder counts until the plan releases it).
    pub fn reserved_input(&self, mint: &Pubkey) -> Result<u64> {
        self.steps
            .iter()
            .filter(|s| s.kind != StepKind::Service && s.mint_in == *mint)
            .try_fold(0u64, |total, s| {
                let left = u64::from(s.repeat.safe_sub(s.executions)?);
                total.safe_add(s.amount_in.safe_mul(left)?)
            })
    }

    /// The policy entries of the mints some swap-like step sells, in policy order.
    pub fn input_mints(&self) -> impl Iterator<Item = &MintPolicy> {
        self.mints.iter().filter(|m| {
            self.steps
                .iter()
                .any(|s| s.kind != StepKind::Service && s.mint_in == m.mint)
        })
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

    /// Every dependency of `step` is done, its last execution before `deadline`.
    pub fn dependencies_done_before(&self, step: &PlanStep, deadline: i64) -> bool {
        self.steps.iter().enumerate().all(|(i, dependency)| {
            step.depends_on & (1u8 << i) == 0
                || (dependency.status == StepStatus::Done && dependency.last_executed_at < deadline)
        })
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

    /// Every step is Done, Failed or Unfunded.
    pub fn is_finished(&self) -> bool {
        self.steps.iter().all(|s| s.status != StepStatus::Pending)
    }

    pub fn next_seq(&mut self) -> Result<u64> {
        self.seq = self.seq.safe_add(1)?;
        Ok(self.seq)
    }

    /// Structural rules, checked at creation and after every change.
    pub fn invariant(&self) -> Result<()> {
        self.require_valid_triggers()?;
        let steps = self.steps.len();
        let oracles_pinned = self.mints.iter().all(|m| {
            m.oracle != Pubkey::default() && m.source != OracleSource::Pyth { feed_id: [0; 32] }
        });
        let ok = (1..=usize::from(MAX_STEPS)).contains(&steps)
            && oracles_pinned
            && self.mints.len() <= MAX_MINTS
            && self.venues.len() <= MAX_VENUES
            && self.steps.iter().enumerate().all(|(i, s)| {
                let earlier_only = u32::from(s.depends_on) >> i == 0;
                let trades = s.kind != StepKind::Service;
                let mints_known = !trades
                    || (self.mints.iter().any(|m| m.mint == s.mint_in)
                        && self.mints.iter().any(|m| m.mint == s.mint_out)
                        && s.mint_in != s.mint_out
                        && s.amount_in > 0);
                // An LP token is only ever the pooled leg of a liquidity step.
                let (pooled_in, pooled_out) = (
                    self.is_pool_priced(&s.mint_in),
                    self.is_pool_priced(&s.mint_out),
                );
                let legs_priced = match s.kind {
                    StepKind::Service => true,
                    StepKind::AddLiquidity => !pooled_in && pooled_out,
                    StepKind::RemoveLiquidity => pooled_in && !pooled_out,
                    _ => !pooled_in && !pooled_out,
                };
                let guards = s.guards.max_slippage_bps <= BPS
                    && s.guards.max_confidence_bps <= BPS
                    && s.guards.fee_cap_bps <= BPS
                    && s.guards.oracle_max_age_secs > 0;
                let receipts_bounded = s.repeat <= MAX_REPEAT
                    && (s.interval_secs >= MIN_FAST_INTERVAL_SECS || s.repeat <= MAX_FAST_REPEAT);
                earlier_only
                    && mints_known
                    && legs_priced
                    && guards
                    && s.repeat > 0
                    && receipts_bounded
                    && s.executions <= s.repeat
            });
        require!(ok, RunnerError::InvalidPlan);
        Ok(())
    }

    /// Every trigger well formed for its step: on a leg the step trades, priced as the trigger
    /// needs; none on service steps. A liquidity step's trigger on its pool's other token
    /// (`Leg::PoolOther`) is checked against that token's price source when it executes, where
    /// the pool names it.
    fn require_valid_triggers(&self) -> Result<()> {
        let valid = self.steps.iter().all(|s| {
            let trigger = s.guards.trigger;
            match trigger.leg() {
                None => true,
                Some(Leg::PoolOther) => s.kind.is_liquidity() && trigger.is_well_formed(),
                Some(_) => {
                    let source = trigger
                        .watched_mint(s)
                        .and_then(|mint| self.mint_policy(&mint).ok())
                        .map(|(_, p)| p.source);
                    s.kind != StepKind::Service && trigger.is_valid(source)
                }
            }
        });
        require!(valid, RunnerError::InvalidTrigger);
        Ok(())
    }
}
