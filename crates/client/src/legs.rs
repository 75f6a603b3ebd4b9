//! A trading step's legs priced exactly as the runner prices them when it executes: the plan's
//! pinned oracle accounts judged by the step's guards (`pinned`), and, for a liquidity step,
//! its LP token priced fairly from the pool the plan pins (`crate::pools`) — one
//! batched read. The broker's pre-trade quote feeds these to the runner's own price rule
//! (`runner::instructions::guarded::quote`), so what it sends is what the runner accepts.
use anchor_lang::prelude::{Clock, Pubkey};
use runner::{
    instructions::guarded::Leg,
    oracle::Reading,
    state::{Plan, PlanStep, StepKind},
    trigger,
};
use sim_venue::state::Pool;

use crate::{
    chain::Chain,
    ix::sim_venue::PoolRef,
    pinned::{self, Unpriced},
    pools::PoolDepth,
    ClientError,
};

/// Why a step cannot be priced now.
#[derive(Debug)]
pub enum LegError {
    /// One of its mints' pinned prices is unusable.
    Unpriced {
        mint: Pubkey,
        why: Unpriced,
    },
    /// The pool or its accounts are not what the plan pins.
    Pool(String),
    Chain(ClientError),
}

impl std::fmt::Display for LegError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LegError::Unpriced { mint, why } => {
                let why = match why {
                    Unpriced::NotInPlan(e) | Unpriced::Refused(e) => e.to_string(),
                    Unpriced::Missing(_) => "no price account".into(),
                };
                write!(f, "{mint} oracle refused by the step's guards: {why}")
            }
            LegError::Pool(why) => write!(f, "pool: {why}"),
            LegError::Chain(e) => write!(f, "chain: {e}"),
        }
    }
}

/// A step's priced legs.
#[derive(Clone, Copy, Debug)]
pub struct StepLegs {
    pub input: Leg,
    pub output: Leg,
    pub fee: Leg,
    /// A liquidity step's pool and the reading of its other token (what a `PoolOther`
    /// trigger watches).
    pub pool: Option<(PoolRef, Reading)>,
}

impl StepLegs {
    /// The reading a trigger on `leg` judges.
    pub fn reading(&self, leg: trigger::Leg) -> anchor_lang::Result<Reading> {
        match leg {
            trigger::Leg::Input => Ok(self.input.reading),
            trigger::Leg::Output => Ok(self.output.reading),
            trigger::Leg::PoolOther => self
                .pool
                .map(|(_, other)| other)
                .ok_or_else(|| anchor_lang::error!(runner::error::RunnerError::InvalidTrigger)),
        }
    }

    /// Prices `step` of `plan` (the vendor paid in `fee_mint`) at `clock`.
    pub async fn read<C: Chain>(
        chain: &C,
        plan: &Plan,
        step: &PlanStep,
        fee_mint: &Pubkey,
        clock: &Clock,
    ) -> Result<Self, LegError> {
        if step.kind.is_liquidity() {
            return Self::read_liquidity(chain, plan, step, fee_mint, clock).await;
        }
        let mints = [step.mint_in, step.mint_out, *fee_mint];
        let legs = priced(chain, plan, step, &mints, clock).await?;
        Ok(Self {
            input: legs[0],
            output: legs[1],
            fee: legs[2],
            pool: None,
        })
    }

    async fn read_liquidity<C: Chain>(
        chain: &C,
        plan: &Plan,
        step: &PlanStep,
        fee_mint: &Pubkey,
        clock: &Clock,
    ) -> Result<Self, LegError> {
        let (lp, token) = match step.kind {
            StepKind::AddLiquidity => (step.mint_out, step.mint_in),
            _ => (step.mint_in, step.mint_out),
        };
        let lp_policy =
            pinned::policy(plan, &lp).map_err(|why| LegError::Unpriced { mint: lp, why })?;
        let pool_key = lp_policy.oracle;
        let state: Pool = chain.fetch(&pool_key).await.map_err(LegError::Chain)?;
        let pool = PoolRef::new(&state.mint_a, &state.mint_b);
        if pool.pool != pool_key
            || state.lp_mint != lp
            || (pool.mint_a != token && pool.mint_b != token)
        {
            return Err(LegError::Pool(format!(
                "{pool_key} is not the pool of the step's LP token {lp} and {token}"
            )));
        }
        let depth = PoolDepth::read(chain, &[pool])
            .await
            .map_err(LegError::Chain)?[0];
        let sides = priced(
            chain,
            plan,
            step,
            &[state.mint_a, state.mint_b, *fee_mint],
            clock,
        )
        .await?;
        let (a, b, fee) = (sides[0], sides[1], sides[2]);
        let lp_leg = Leg {
            reading: depth
                .lp_reading(
                    &pool,
                    (a.decimals, &a.reading),
                    (b.decimals, &b.reading),
                    lp_policy.decimals,
                )
                .map_err(|e| LegError::Pool(e.to_string()))?,
            decimals: lp_policy.decimals,
        };
        let (token_leg, other) = if token == state.mint_a {
            (a, b)
        } else {
            (b, a)
        };
        let (input, output) = match step.kind {
            StepKind::AddLiquidity => (token_leg, lp_leg),
            _ => (lp_leg, token_leg),
        };
        Ok(Self {
            input,
            output,
            fee,
            pool: Some((pool, other.reading)),
        })
    }
}

/// The guarded readings of `mints` (pinned by `plan`, judged by `step`'s guards), one batched
/// read of their oracle accounts.
async fn priced<C: Chain>(
    chain: &C,
    plan: &Plan,
    step: &PlanStep,
    mints: &[Pubkey],
    clock: &Clock,
) -> Result<Vec<Leg>, LegError> {
    let policies = mints
        .iter()
        .map(|mint| {
            pinned::policy(plan, mint).map_err(|why| LegError::Unpriced { mint: *mint, why })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let keys: Vec<Pubkey> = policies.iter().map(|p| p.oracle).collect();
    let accounts = chain.accounts(&keys).await.map_err(LegError::Chain)?;
    policies
        .iter()
        .zip(&accounts)
        .map(|(policy, account)| {
            pinned::reading(policy, &step.guards, account.as_ref(), clock)
                .map(|reading| Leg {
                    reading,
                    decimals: policy.decimals,
                })
                .map_err(|why| LegError::Unpriced {
                    mint: policy.mint,
                    why,
                })
        })
        .collect()
}
