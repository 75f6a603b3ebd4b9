//! A vendor's pre-trade check: the same legs, trigger and price rule the runner enforces
//! (`crate::legs`, `runner::trigger`, `runner::instructions::guarded::quote`), applied to
//! current chain state, plus what the venue would actually pay. An agent that respects guards
//! only sends when this passes, so its executions are never refused on-chain.
use anchor_lang::prelude::Pubkey;
use runner::{
    instructions::guarded,
    math,
    state::{Plan, PlanStep, StepKind},
};
use sim_venue::state::Pool;

use crate::{
    chain::Chain,
    conditions,
    deployment::Deployment,
    errors::anchor_error_text,
    ix::sim_venue::PoolRef,
    legs::{LegError, StepLegs},
    pools::PoolDepth,
    ClientResult,
};

/// What the step would trade now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quote {
    /// Output at the oracle cross price, atoms.
    pub expected_out: u64,
    /// The runner's minimum (expected less the slippage cap, rounded up).
    pub min_out: u64,
    /// What the pool would pay now.
    pub pool_out: u64,
    /// The input oracle price (as the receipt will record it).
    pub price_in: i64,
    pub publish_time: i64,
}

impl Quote {
    /// Pool output under the oracle price, bps (0 when at or above).
    pub fn shortfall_bps(&self) -> u64 {
        if self.pool_out >= self.expected_out || self.expected_out == 0 {
            return 0;
        }
        u64::from(math::realized_slippage_bps(self.expected_out, self.pool_out).unwrap_or(u16::MAX))
    }
}

/// Why a step should not be executed now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuoteRefusal {
    #[error("{mint} oracle refused by the step's guards: {reason}")]
    Oracle { mint: Pubkey, reason: String },
    #[error("pool pays {pool_out}, below the guard minimum {min_out} ({shortfall_bps} bps under the oracle)")]
    Slippage {
        pool_out: u64,
        min_out: u64,
        shortfall_bps: u64,
    },
    #[error("waits for its condition: {0}")]
    Condition(String),
    #[error("plan caps refuse it: {0}")]
    Caps(String),
    #[error("no pool for this pair in the deployment")]
    NoPool,
    #[error("chain: {0}")]
    Chain(String),
}

/// Quotes `step` of `plan` against the oracles and the pool, as the runner would judge it:
/// the legs priced as the runner prices them (`StepLegs`), the step's trigger, then the
/// runner's own price rule (`guarded::quote`: expected and minimum output, notional, daily and
/// fee caps) on a copy of the plan, and what the venue would pay now.
pub async fn quote<C: Chain>(
    chain: &C,
    deployment: &Deployment,
    plan: &Plan,
    step: &PlanStep,
    fee_mint: &Pubkey,
    fee: u64,
) -> Result<Quote, QuoteRefusal> {
    let clock = chain
        .clock()
        .await
        .map_err(|e| QuoteRefusal::Chain(e.to_string()))?;
    let legs = StepLegs::read(chain, plan, step, fee_mint, &clock)
        .await
        .map_err(|e| match e {
            LegError::Unpriced { mint, .. } => QuoteRefusal::Oracle {
                mint,
                reason: e.to_string(),
            },
            LegError::Pool(why) => QuoteRefusal::Oracle {
                mint: step.mint_in,
                reason: why,
            },
            LegError::Chain(e) => QuoteRefusal::Chain(e.to_string()),
        })?;
    let trigger = step.guards.trigger;
    if !trigger
        .holds(|leg| legs.reading(leg))
        .map_err(|e| QuoteRefusal::Condition(e.to_string()))?
    {
        let watched = conditions::watched_mint(deployment, step).unwrap_or_default();
        let symbol = deployment
            .token_by_mint(&watched)
            .map_or_else(|_| watched.to_string(), |t| t.symbol.clone());
        let reading = trigger
            .leg()
            .map(|leg| legs.reading(leg))
            .transpose()
            .map_err(|e| QuoteRefusal::Condition(e.to_string()))?
            .unwrap_or(legs.input.reading);
        return Err(QuoteRefusal::Condition(format!(
            "{}; now {}",
            conditions::describe(&trigger, &symbol),
            conditions::observed(&trigger, &reading)
        )));
    }
    let priced = guarded::quote(
        &mut Plan::clone(plan),
        step,
        legs.input,
        legs.output,
        legs.fee,
        fee,
        clock.unix_timestamp,
    )
    .map_err(|e| QuoteRefusal::Caps(anchor_error_text(&e)))?;
    let pool_out = match legs.pool {
        Some((pool, _)) => zap_output(chain, &pool, step).await,
        None => {
            let pool = deployment
                .pool(&step.mint_in, &step.mint_out)
                .ok_or(QuoteRefusal::NoPool)?;
            pool_output(chain, &pool, &step.mint_in, step.amount_in).await
        }
    }
    .map_err(|e| QuoteRefusal::Chain(e.to_string()))?;
    let quote = Quote {
        expected_out: priced.expected_out,
        min_out: priced.min_out,
        pool_out,
        price_in: priced.price_in.raw_price,
        publish_time: priced.price_in.publish_time,
    };
    if pool_out < priced.min_out {
        return Err(QuoteRefusal::Slippage {
            pool_out,
            min_out: priced.min_out,
            shortfall_bps: quote.shortfall_bps(),
        });
    }
    Ok(quote)
}

/// What a single-sided zap of liquidity `step` through `pool` pays now (sim_venue's own math:
/// LP atoms for an add, the output token's atoms for an exit).
pub async fn zap_output<C: Chain>(chain: &C, pool: &PoolRef, step: &PlanStep) -> ClientResult<u64> {
    let state: Pool = chain.fetch(&pool.pool).await?;
    let depth = PoolDepth::read(chain, std::slice::from_ref(pool)).await?[0];
    let side = match step.kind {
        StepKind::AddLiquidity => step.mint_in,
        _ => step.mint_out,
    };
    let (side_reserve, other_reserve) = if side == pool.mint_a {
        (depth.reserve_a, depth.reserve_b)
    } else {
        (depth.reserve_b, depth.reserve_a)
    };
    Ok(match step.kind {
        StepKind::AddLiquidity => sim_venue::math::zap_in(
            step.amount_in,
            side_reserve,
            other_reserve,
            depth.lp_supply,
            state.fee_bps,
        )
        .map(|(lp, _)| lp),
        _ => sim_venue::math::zap_out(
            step.amount_in,
            side_reserve,
            other_reserve,
            depth.lp_supply,
            state.fee_bps,
        ),
    }
    .unwrap_or(0))
}

/// What `pool` pays now for `amount_in` of `mint_in` (sim_venue's own math on its reserves).
pub async fn pool_output<C: Chain>(
    chain: &C,
    pool: &PoolRef,
    mint_in: &Pubkey,
    amount_in: u64,
) -> ClientResult<u64> {
    let state: Pool = chain.fetch(&pool.pool).await?;
    let mint_out = if *mint_in == pool.mint_a {
        pool.mint_b
    } else {
        pool.mint_a
    };
    let reserve_in = chain.token_balance(&pool.vault(mint_in)).await?;
    let reserve_out = chain.token_balance(&pool.vault(&mint_out)).await?;
    Ok(sim_venue::math::swap_out(amount_in, reserve_in, reserve_out, state.fee_bps).unwrap_or(0))
}
