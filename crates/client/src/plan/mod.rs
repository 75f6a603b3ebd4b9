//! From a goal in words to a [`PlanGraph`]: [`goal`] parses, [`rebalance`] computes target
//! swaps, [`plan_goal`] assembles the graph with its policy and caps, [`graph`] is the canonical
//! form that is hashed and turned into `create_plan` arguments.
pub mod goal;
pub mod graph;
pub mod rebalance;

use anchor_lang::prelude::Pubkey;
pub use goal::{parse_goal, GoalError, Intent};
pub use graph::{
    Guards, NodeKind, PlanGraph, Policy, StepNode, Token, TokenBook, PLAN_GRAPH_VERSION,
};
use rebalance::{swaps_to_targets, Holding};

/// What the planner knows besides the goal.
#[derive(Clone, Debug)]
pub struct PlanContext {
    pub book: TokenBook,
    /// Oracle price of each symbol, micro-USD per whole token.
    pub prices: Vec<(String, u64)>,
    /// The owner's holdings of each symbol, atoms (rebalances start from them).
    pub holdings: Vec<(String, u64)>,
    /// Venue programs the plan may call.
    pub venues: Vec<Pubkey>,
    /// Symbol vendors are paid in.
    pub fee_token: String,
    /// The hub every pool quotes against (rebalances route through it).
    pub hub: String,
    /// Seconds between DCA executions when the goal does not say.
    pub default_interval_secs: u32,
}

/// Why no plan came out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Goal(#[from] GoalError),
    #[error("{0}")]
    Invalid(String),
}

/// Slippage cap of steps asked to use low-slippage routes, bps.
pub const LOW_SLIPPAGE_BPS: u16 = 30;
/// Headroom of the plan's USD caps over the planned notionals: 10%.
pub const CAP_HEADROOM_PCT: u128 = 110;

impl PlanContext {
    fn price(&self, symbol: &str) -> Result<u64, PlanError> {
        self.prices
            .iter()
            .find(|(s, _)| s.eq_ignore_ascii_case(symbol))
            .map(|(_, p)| *p)
            .ok_or_else(|| PlanError::Invalid(format!("no price for {symbol}")))
    }

    fn token(&self, symbol: &str) -> Result<&Token, PlanError> {
        self.book
            .get(symbol)
            .map_err(|_| PlanError::Invalid(format!("unknown token {symbol}")))
    }

    /// Micro-USD value of `atoms` of `symbol`.
    fn notional(&self, symbol: &str, atoms: u64) -> Result<u128, PlanError> {
        let decimals = self.token(symbol)?.decimals;
        Ok(u128::from(atoms) * u128::from(self.price(symbol)?) / 10u128.pow(u32::from(decimals)))
    }
}

/// Plans `goal`: one node per swap, DCA or rebalance swap, with guards, dependencies and a
/// policy whose caps are the planned notionals plus [`CAP_HEADROOM_PCT`].
pub fn plan_goal(goal: &str, ctx: &PlanContext) -> Result<PlanGraph, PlanError> {
    let intents = parse_goal(goal)?;
    let fee_cap = intents.iter().find_map(|i| match i {
        Intent::FeeCap { bps } => Some(*bps),
        _ => None,
    });
    let base = Guards {
        fee_cap_bps: fee_cap.unwrap_or(Guards::default().fee_cap_bps),
        ..Guards::default()
    };
    let mut steps: Vec<StepNode> = Vec::new();
    let push = |steps: &mut Vec<StepNode>, mut node: StepNode| {
        node.id = steps.len() as u8;
        steps.push(node);
    };
    for intent in &intents {
        match intent {
            Intent::Swap {
                amount,
                sell,
                buy,
                max_slippage_bps,
            } => {
                let node = swap_node(ctx, amount, sell, buy, base, *max_slippage_bps)?;
                push(&mut steps, node);
            }
            Intent::Dca {
                times,
                every_secs,
                swap,
            } => {
                let (template, depends_on) = match swap {
                    Some(goal::SwapText { amount, sell, buy }) => {
                        (swap_node(ctx, amount, sell, buy, base, None)?, vec![])
                    }
                    None => {
                        let previous = steps.last().ok_or_else(|| {
                            PlanError::Invalid("\"then DCA\" needs a swap before it".into())
                        })?;
                        (previous.clone(), vec![previous.id])
                    }
                };
                push(
                    &mut steps,
                    StepNode {
                        kind: NodeKind::Dca,
                        depends_on,
                        repeat: *times,
                        interval_secs: every_secs.unwrap_or(ctx.default_interval_secs),
                        ..template
                    },
                );
            }
            Intent::Rebalance {
                weights_pct,
                symbols,
                low_slippage,
            } => {
                let symbols: Vec<String> = match symbols {
                    Some(s) => s.clone(),
                    None => ctx
                        .book
                        .tokens
                        .iter()
                        .take(weights_pct.len())
                        .map(|t| t.symbol.clone())
                        .collect(),
                };
                let holdings = symbols
                    .iter()
                    .map(|symbol| {
                        let token = ctx.token(symbol)?;
                        Ok(Holding {
                            symbol: token.symbol.clone(),
                            atoms: ctx
                                .holdings
                                .iter()
                                .find(|(s, _)| s.eq_ignore_ascii_case(symbol))
                                .map_or(0, |(_, a)| *a),
                            decimals: token.decimals,
                            price_micro_usd: ctx.price(symbol)?,
                        })
                    })
                    .collect::<Result<Vec<_>, PlanError>>()?;
                let weights: Vec<u16> = weights_pct.iter().map(|w| w * 100).collect();
                let guards = Guards {
                    max_slippage_bps: if *low_slippage {
                        LOW_SLIPPAGE_BPS
                    } else {
                        base.max_slippage_bps
                    },
                    ..base
                };
                let first = steps.len() as u8;
                let swaps = swaps_to_targets(&holdings, &weights, &ctx.hub);
                let sells: Vec<u8> = (0..swaps.iter().filter(|s| !s.after_sells).count() as u8)
                    .map(|i| first + i)
                    .collect();
                for swap in swaps {
                    push(
                        &mut steps,
                        StepNode {
                            id: 0,
                            kind: NodeKind::Rebalance,
                            depends_on: if swap.after_sells {
                                sells.clone()
                            } else {
                                vec![]
                            },
                            sell: swap.sell,
                            buy: swap.buy,
                            amount_in: swap.amount_in,
                            repeat: 1,
                            interval_secs: 0,
                            guards,
                        },
                    );
                }
            }
            Intent::FeeCap { .. } => {}
        }
    }
    if steps.is_empty() {
        return Err(PlanError::Invalid(
            "the goal asks for nothing to execute".into(),
        ));
    }
    if steps.len() > usize::from(runner::constants::MAX_STEPS) {
        return Err(PlanError::Invalid(format!(
            "{} steps; a plan holds at most {}",
            steps.len(),
            runner::constants::MAX_STEPS
        )));
    }
    let policy = policy(ctx, &steps)?;
    Ok(PlanGraph {
        version: PLAN_GRAPH_VERSION,
        goal: goal.to_string(),
        steps,
        policy,
    })
}

fn swap_node(
    ctx: &PlanContext,
    amount: &str,
    sell: &str,
    buy: &str,
    base: Guards,
    max_slippage_bps: Option<u16>,
) -> Result<StepNode, PlanError> {
    let token = ctx.token(sell)?;
    ctx.token(buy)?;
    let amount_in = goal::to_atoms(amount, token.decimals)
        .filter(|a| *a > 0)
        .ok_or_else(|| {
            PlanError::Invalid(format!(
                "{amount} {sell}: not a positive amount with at most {} decimals",
                token.decimals
            ))
        })?;
    Ok(StepNode {
        id: 0,
        kind: NodeKind::Swap,
        depends_on: vec![],
        sell: token.symbol.clone(),
        buy: ctx.token(buy)?.symbol.clone(),
        amount_in,
        repeat: 1,
        interval_secs: 0,
        guards: Guards {
            max_slippage_bps: max_slippage_bps.unwrap_or(base.max_slippage_bps),
            ..base
        },
    })
}

fn policy(ctx: &PlanContext, steps: &[StepNode]) -> Result<Policy, PlanError> {
    let mut tokens: Vec<String> = Vec::new();
    for symbol in steps
        .iter()
        .flat_map(|s| [s.sell.clone(), s.buy.clone()])
        .chain([ctx.token(&ctx.fee_token)?.symbol.clone()])
    {
        if !tokens.contains(&symbol) {
            tokens.push(symbol);
        }
    }
    if tokens.len() > runner::constants::MAX_MINTS {
        return Err(PlanError::Invalid(format!(
            "{} tokens; a plan trades at most {}",
            tokens.len(),
            runner::constants::MAX_MINTS
        )));
    }
    let mut largest = 0u128;
    let mut total = 0u128;
    for step in steps {
        let notional = ctx.notional(&step.sell, step.amount_in)?;
        largest = largest.max(notional);
        total += notional * u128::from(step.repeat);
    }
    let with_headroom = |v: u128| {
        u64::try_from(v * CAP_HEADROOM_PCT / 100)
            .unwrap_or(u64::MAX)
            .max(1)
    };
    Ok(Policy {
        tokens,
        venues: ctx.venues.iter().map(Pubkey::to_string).collect(),
        notional_cap_usd: with_headroom(largest),
        daily_cap_usd: with_headroom(total).max(with_headroom(largest)),
        fee_token: ctx.token(&ctx.fee_token)?.symbol.clone(),
    })
}

#[cfg(test)]
mod tests;
