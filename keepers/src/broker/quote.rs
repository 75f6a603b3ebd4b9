//! A broker's pre-trade check: the same oracle, trigger and slippage rules the runner enforces
//! (`runner::oracle::read_account`, `runner::trigger`, `runner::math`), applied to current
//! chain state, plus the pool's actual output. A broker that respects guards only sends when
//! this passes, so its executions are never refused on-chain.
use agentrunner_client::{
    chain::Chain,
    conditions,
    deployment::Deployment,
    ix::sim_venue::PoolRef,
    pinned::{self, Unpriced},
    ClientResult,
};
use anchor_lang::prelude::{Clock, Pubkey};
use runner::{
    math,
    oracle::Reading,
    state::{Plan, PlanStep},
};
use sim_venue::state::Pool;

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

/// The price of `mint` from the oracle account the plan pins, judged as the runner will.
async fn reading<C: Chain>(
    chain: &C,
    plan: &Plan,
    step: &PlanStep,
    mint: &Pubkey,
    clock: &Clock,
) -> Result<Reading, QuoteRefusal> {
    let refuse = |unpriced: Unpriced| QuoteRefusal::Oracle {
        mint: *mint,
        reason: match unpriced {
            Unpriced::NotInPlan(e) | Unpriced::Refused(e) => e.to_string(),
            Unpriced::Missing(_) => "no price account".into(),
        },
    };
    let policy = pinned::policy(plan, mint).map_err(refuse)?;
    let account = chain
        .account(&policy.oracle)
        .await
        .map_err(|e| QuoteRefusal::Chain(e.to_string()))?;
    pinned::reading(&policy, &step.guards, account.as_ref(), clock).map_err(refuse)
}

/// Quotes `step` of `plan` against the oracles and the pool, as the runner would judge it.
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
    let price_in = reading(chain, plan, step, &step.mint_in, &clock).await?;
    let price_out = reading(chain, plan, step, &step.mint_out, &clock).await?;
    let price_fee = reading(chain, plan, step, fee_mint, &clock).await?;
    let trigger = step.guards.trigger;
    if !trigger
        .holds(|leg| match leg {
            runner::trigger::Leg::Input => Ok(price_in),
            _ => Ok(price_out),
        })
        .map_err(|e| QuoteRefusal::Condition(e.to_string()))?
    {
        let watched = trigger.watched_mint(step).unwrap_or_default();
        let symbol = deployment
            .token_by_mint(&watched)
            .map_or_else(|_| watched.to_string(), |t| t.symbol.clone());
        let reading = if watched == step.mint_in {
            &price_in
        } else {
            &price_out
        };
        return Err(QuoteRefusal::Condition(format!(
            "{}; now {}",
            conditions::describe(&trigger, &symbol),
            conditions::observed(&trigger, reading)
        )));
    }
    let decimals = |mint: &Pubkey| plan.mint_policy(mint).map(|(_, p)| p.decimals).unwrap_or(0);
    check_caps(
        plan,
        step,
        &price_in,
        &price_fee,
        decimals(&step.mint_in),
        decimals(fee_mint),
        fee,
        clock.unix_timestamp,
    )?;
    let expected_out = math::expected_out(
        step.amount_in,
        price_in.price,
        decimals(&step.mint_in),
        price_out.price,
        decimals(&step.mint_out),
    )
    .map_err(|e| QuoteRefusal::Oracle {
        mint: step.mint_in,
        reason: e.to_string(),
    })?;
    let min_out = math::min_out(expected_out, step.guards.max_slippage_bps).map_err(|e| {
        QuoteRefusal::Oracle {
            mint: step.mint_out,
            reason: e.to_string(),
        }
    })?;
    let pool = deployment
        .pool(&step.mint_in, &step.mint_out)
        .ok_or(QuoteRefusal::NoPool)?;
    let pool_out = pool_output(chain, &pool, &step.mint_in, step.amount_in)
        .await
        .map_err(|e| QuoteRefusal::Chain(e.to_string()))?;
    let quote = Quote {
        expected_out,
        min_out,
        pool_out,
        price_in: price_in.raw_price,
        publish_time: price_in.publish_time,
    };
    if pool_out < min_out {
        return Err(QuoteRefusal::Slippage {
            pool_out,
            min_out,
            shortfall_bps: quote.shortfall_bps(),
        });
    }
    Ok(quote)
}

/// The plan's notional, daily and fee caps, by the runner's own rules on a copy of the plan.
#[allow(clippy::too_many_arguments)]
fn check_caps(
    plan: &Plan,
    step: &PlanStep,
    price_in: &Reading,
    price_fee: &Reading,
    decimals_in: u8,
    decimals_fee: u8,
    fee: u64,
    now: i64,
) -> Result<(), QuoteRefusal> {
    let caps = |e: anchor_lang::error::Error| QuoteRefusal::Caps(super::anchor_error_text(&e));
    let notional = math::usd_micro(step.amount_in, price_in.price, decimals_in).map_err(caps)?;
    let fee_usd = math::usd_micro(fee, price_fee.price, decimals_fee).map_err(caps)?;
    if !math::within_fee_cap(fee_usd, notional, step.guards.fee_cap_bps).map_err(caps)? {
        return Err(QuoteRefusal::Caps(format!(
            "fee ${fee_usd} micro-USD above {} bps of ${notional}",
            step.guards.fee_cap_bps
        )));
    }
    Plan::clone(plan).spend(notional, now).map_err(caps)
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
