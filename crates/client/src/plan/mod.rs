//! From a goal in words to a [`PlanGraph`]: [`goal`] parses, [`rebalance`] computes target
//! swaps, [`plan_goal`] assembles the graph with its policy and caps, [`graph`] is the canonical
//! form that is hashed and turned into `create_plan` arguments.
pub mod goal;
pub mod graph;
mod liquidity;
pub mod llm;
pub mod rebalance;

use anchor_lang::prelude::Pubkey;
pub use goal::{parse_goal, Condition, GoalError, Intent};
pub use graph::{
    lp_pair, lp_symbol, Guards, NodeKind, PlanGraph, Policy, StepNode, Token, TokenBook, When,
    PLAN_GRAPH_VERSION,
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
    /// Pairs a pool trades directly (either way round); empty when unknown (nothing refused).
    pub pools: Vec<(String, String)>,
    /// Symbol vendors are paid in.
    pub fee_token: String,
    /// The hub every pool quotes against (rebalances route through it).
    pub hub: String,
    /// Seconds between DCA executions when the goal does not say.
    pub default_interval_secs: u32,
    /// The cheapest price vendors ask per execution, by capability bit, in atoms of the fee
    /// token (from the market's live offers); empty when unknown (nothing refused).
    pub asks: Vec<(u64, u64)>,
}

/// Why no plan came out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Goal(#[from] GoalError),
    #[error("{0}")]
    Invalid(String),
}

/// What the second leg of a route leaves unsold of the first leg's minimum output, bps: an
/// oracle move of up to 1% between the two executions still funds it (the rest stays in the
/// owner's hub account).
pub const ROUTE_BUFFER_BPS: u16 = 100;
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

    /// Whether a pool trades `a` for `b` (a pair of one token is left to the runner's rule).
    fn pooled(&self, a: &str, b: &str) -> bool {
        self.pools.is_empty()
            || a.eq_ignore_ascii_case(b)
            || self.pools.iter().any(|(x, y)| {
                (x.eq_ignore_ascii_case(a) && y.eq_ignore_ascii_case(b))
                    || (x.eq_ignore_ascii_case(b) && y.eq_ignore_ascii_case(a))
            })
    }

    /// Refuses a scheduled trade of a pair no pool trades (a single swap is routed instead,
    /// see [`route`]), saying what to write.
    fn require_pool(&self, sell: &Token, buy: &Token) -> Result<(), PlanError> {
        if self.pooled(&sell.symbol, &buy.symbol) {
            return Ok(());
        }
        Err(PlanError::Invalid(format!(
            "no pool trades {} for {}; a single swap is routed through {}, a schedule is not: \
             DCA {} into {} and buy {} with it",
            sell.symbol, buy.symbol, self.hub, sell.symbol, self.hub, buy.symbol
        )))
    }

    /// Atoms of the hub the second leg of a route sells: what the first leg's `atoms` of
    /// `sell` yield at the oracle price, less its slippage cap and [`ROUTE_BUFFER_BPS`],
    /// rounded down to the hub's cents.
    fn routed_hub_atoms(
        &self,
        sell: &Token,
        atoms: u64,
        slippage_bps: u16,
    ) -> Result<u64, PlanError> {
        let hub = self.token(&self.hub)?;
        let keep =
            10_000u128.saturating_sub(u128::from(slippage_bps) + u128::from(ROUTE_BUFFER_BPS));
        let usd = self.notional(&sell.symbol, atoms)? * keep / 10_000;
        let cents = 10u128.pow(u32::from(hub.decimals.saturating_sub(2)));
        let hub_atoms =
            usd * 10u128.pow(u32::from(hub.decimals)) / u128::from(self.price(&hub.symbol)?.max(1));
        Ok(u64::try_from(hub_atoms / cents * cents).unwrap_or(u64::MAX))
    }

    /// The owner's balance of `symbol` when planning, atoms.
    fn holding(&self, symbol: &str) -> u64 {
        self.holdings
            .iter()
            .find(|(s, _)| s.eq_ignore_ascii_case(symbol))
            .map_or(0, |(_, a)| *a)
    }

    /// Atoms of `token` that `amount` names: whole tokens, dollars at the oracle price
    /// (rounded down), or a share of the owner's balance (rounded down). Never zero.
    fn atoms(&self, amount: &goal::Amount, token: &Token) -> Result<u64, PlanError> {
        let symbol = &token.symbol;
        let atoms = match amount {
            goal::Amount::Tokens(text) => {
                goal::to_atoms(text, token.decimals).ok_or_else(|| {
                    PlanError::Invalid(format!(
                        "{text} {symbol}: not an amount with at most {} decimals",
                        token.decimals
                    ))
                })?
            }
            goal::Amount::Usd(text) => {
                let micro_usd = goal::to_atoms(text, 6).ok_or_else(|| {
                    PlanError::Invalid(format!(
                        "${text}: not a dollar amount with at most 6 decimals"
                    ))
                })?;
                let scale = 10u128.pow(u32::from(token.decimals));
                u64::try_from(
                    u128::from(micro_usd) * scale / u128::from(self.price(symbol)?.max(1)),
                )
                .map_err(|_| PlanError::Invalid(format!("${text} of {symbol} is too large")))?
            }
            goal::Amount::Share(bps) => {
                let held = self.holding(symbol);
                if held == 0 {
                    return Err(PlanError::Invalid(format!(
                        "you hold no {symbol}, so a share of it is nothing to sell"
                    )));
                }
                (u128::from(held) * u128::from(*bps) / 10_000) as u64
            }
        };
        if atoms == 0 {
            return Err(PlanError::Invalid(format!(
                "the amount of {symbol} to sell comes to 0 atoms; name a larger amount"
            )));
        }
        Ok(atoms)
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
    plan_intents(goal, &parse_goal(goal)?, ctx)
}

/// Plans `intents` (parsed from `goal`, or given by [`llm`]) by one set of rules: tokens,
/// pools and routes, caps, balances, vendors' asks.
pub fn plan_intents(
    goal: &str,
    intents: &[Intent],
    ctx: &PlanContext,
) -> Result<PlanGraph, PlanError> {
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
    for intent in intents {
        match intent {
            Intent::Swap {
                swap,
                max_slippage_bps,
                when,
            } => {
                let mut legs = route(ctx, swap, base, *max_slippage_bps)?.into_iter();
                let mut first = legs.next().expect("a route has a first leg");
                first.when = resolve_when(ctx, when.as_ref(), &first)?;
                push(&mut steps, first);
                for leg in legs {
                    let after = steps.len() as u8 - 1;
                    push(
                        &mut steps,
                        StepNode {
                            depends_on: vec![after],
                            ..leg
                        },
                    );
                }
            }
            Intent::Dca {
                times,
                every_secs,
                swap,
                max_slippage_bps,
                when,
            } => {
                let (mut template, depends_on) = match swap {
                    Some(swap) => {
                        ctx.require_pool(ctx.token(&swap.sell)?, ctx.token(&swap.buy)?)?;
                        (swap_node(ctx, swap, base, *max_slippage_bps)?, vec![])
                    }
                    None => {
                        let previous = steps.last().ok_or_else(|| {
                            PlanError::Invalid("\"then DCA\" needs a swap before it".into())
                        })?;
                        (previous.clone(), vec![previous.id])
                    }
                };
                if let Some(bps) = max_slippage_bps {
                    template.guards.max_slippage_bps = *bps;
                }
                if when.is_some() {
                    template.when = resolve_when(ctx, when.as_ref(), &template)?;
                }
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
                            atoms: ctx.holding(symbol),
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
                            when: None,
                        },
                    );
                }
            }
            Intent::AddLiquidity {
                amount,
                token,
                pair,
                when,
            } => {
                let mut node = liquidity::add_node(ctx, amount, token, pair.as_ref(), base)?;
                node.when = resolve_when(ctx, when.as_ref(), &node)?;
                push(&mut steps, node);
            }
            Intent::RemoveLiquidity {
                amount,
                pair,
                to,
                when,
            } => {
                let mut node =
                    liquidity::exit_node(ctx, amount, pair.as_ref(), to.as_deref(), base)?;
                node.when = resolve_when(ctx, when.as_ref(), &node)?;
                push(&mut steps, node);
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
    within_holdings(ctx, &steps)?;
    for step in &steps {
        within_asks(ctx, step)?;
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
    swap: &goal::SwapText,
    base: Guards,
    max_slippage_bps: Option<u16>,
) -> Result<StepNode, PlanError> {
    let token = ctx.token(&swap.sell)?;
    let bought = ctx.token(&swap.buy)?;
    let amount_in = ctx.atoms(&swap.amount, token)?;
    let max_slippage_bps = max_slippage_bps.unwrap_or(base.max_slippage_bps);
    Ok(StepNode {
        id: 0,
        kind: NodeKind::Swap,
        depends_on: vec![],
        sell: token.symbol.clone(),
        buy: bought.symbol.clone(),
        amount_in,
        repeat: 1,
        interval_secs: 0,
        guards: Guards {
            max_slippage_bps,
            ..base
        },
        when: None,
    })
}

/// A swap as steps: one when a pool trades the pair; else, when pools trade both tokens
/// against the hub, two legs — `sell` into the hub, then (once it has executed) the hub into
/// `buy`, selling what the first leg yields at least ([`PlanContext::routed_hub_atoms`]) —
/// each guarded and receipted like any swap; else refused.
fn route(
    ctx: &PlanContext,
    swap: &goal::SwapText,
    base: Guards,
    max_slippage_bps: Option<u16>,
) -> Result<Vec<StepNode>, PlanError> {
    let node = swap_node(ctx, swap, base, max_slippage_bps)?;
    let (sell, buy) = (ctx.token(&node.sell)?, ctx.token(&node.buy)?);
    if ctx.pooled(&sell.symbol, &buy.symbol) {
        return Ok(vec![node]);
    }
    let hub = ctx.token(&ctx.hub)?.symbol.clone();
    if !(ctx.pooled(&sell.symbol, &hub) && ctx.pooled(&hub, &buy.symbol)) {
        return Err(PlanError::Invalid(format!(
            "no pool trades {} for {}, and no route through {hub} does either",
            sell.symbol, buy.symbol
        )));
    }
    let slippage = node.guards.max_slippage_bps;
    let second = StepNode {
        sell: hub.clone(),
        amount_in: ctx.routed_hub_atoms(sell, node.amount_in, slippage)?,
        ..node.clone()
    };
    Ok(vec![StepNode { buy: hub, ..node }, second])
}

/// The condition of `node` with its watched token named: as written, which must be a token
/// the step trades (or, into or out of an LP token, one of its pool's), or else the step's
/// token that is not the hub (a liquidity step's: its pool's token that is not the hub).
fn resolve_when(
    ctx: &PlanContext,
    condition: Option<&Condition>,
    node: &StepNode,
) -> Result<Option<When>, PlanError> {
    let Some(condition) = condition else {
        return Ok(None);
    };
    let written = match condition {
        Condition::PriceAtLeast { symbol, .. }
        | Condition::PriceAtMost { symbol, .. }
        | Condition::VolatilityAtLeast { symbol, .. } => symbol.as_deref(),
    };
    let pool_tokens = liquidity::pool_tokens(node);
    let token = match written {
        Some(symbol) => {
            let token = ctx.token(symbol)?.symbol.clone();
            if token != node.sell && token != node.buy && !pool_tokens.contains(&token) {
                return Err(PlanError::Invalid(format!(
                    "the condition watches {token}, but the step trades {} for {}; a step can \
                     only wait on the price of a token it trades",
                    node.sell, node.buy
                )));
            }
            token
        }
        None => match liquidity::default_watched(ctx, node) {
            Some(token) => token,
            None if node.sell.eq_ignore_ascii_case(&ctx.hub) => node.buy.clone(),
            None => node.sell.clone(),
        },
    };
    Ok(Some(match *condition {
        Condition::PriceAtLeast { micro_usd, .. } => When::PriceAtLeast { token, micro_usd },
        Condition::PriceAtMost { micro_usd, .. } => When::PriceAtMost { token, micro_usd },
        Condition::VolatilityAtLeast { bps, .. } => When::VolatilityAtLeast { token, bps },
    }))
}

/// Refuses a plan that sells more of a token than the owner holds when planning, over all its
/// executions (a rebalance's buys are paid by its own sells, and a route's second leg by its
/// first, so only other steps count).
fn within_holdings(ctx: &PlanContext, steps: &[StepNode]) -> Result<(), PlanError> {
    let paid_by_a_step_it_waits_for = |step: &StepNode| {
        step.depends_on
            .iter()
            .any(|d| steps[usize::from(*d)].buy == step.sell)
    };
    let mut sold: Vec<(&str, u128)> = Vec::new();
    for step in steps
        .iter()
        .filter(|s| s.kind != NodeKind::Rebalance && !paid_by_a_step_it_waits_for(s))
    {
        let total = u128::from(step.amount_in) * u128::from(step.repeat);
        match sold.iter_mut().find(|(symbol, _)| *symbol == step.sell) {
            Some((_, sum)) => *sum += total,
            None => sold.push((&step.sell, total)),
        }
    }
    for (symbol, total) in sold {
        let held = ctx.holding(symbol);
        if total > u128::from(held) {
            let decimals = ctx.token(symbol)?.decimals;
            let total = u64::try_from(total).unwrap_or(u64::MAX);
            return Err(PlanError::Invalid(format!(
                "the plan sells {} {symbol} in all, but you hold {} {symbol}; sell less or \
                 fund your account first",
                crate::units::amount(total, decimals),
                crate::units::amount(held, decimals),
            )));
        }
    }
    Ok(())
}

/// Refuses a step whose fee cap pays less than the cheapest vendor asks for its capability:
/// no vendor would bid, and the plan would wait for ever. Says which cap would do.
fn within_asks(ctx: &PlanContext, step: &StepNode) -> Result<(), PlanError> {
    let capability = step.kind.capability();
    let Some(cheapest) = ctx
        .asks
        .iter()
        .filter(|(bits, _)| *bits == capability)
        .map(|(_, price)| *price)
        .min()
    else {
        return Ok(());
    };
    if step.kind == NodeKind::Service {
        return Ok(());
    }
    let fee = ctx.token(&ctx.fee_token)?;
    let fee_price = runner::math::UsdPrice {
        mantissa: u128::from(ctx.price(&fee.symbol)?),
        exponent: -6,
    };
    let notional = u64::try_from(ctx.notional(&step.sell, step.amount_in)?).unwrap_or(u64::MAX);
    let most =
        runner::math::max_fee_atoms(notional, step.guards.fee_cap_bps, fee_price, fee.decimals)
            .unwrap_or(0);
    if most >= cheapest {
        return Ok(());
    }
    let ask_usd =
        runner::math::usd_micro_ceil(cheapest, fee_price, fee.decimals).unwrap_or(u64::MAX);
    let needed_bps = (u128::from(ask_usd) * 10_000).div_ceil(u128::from(notional.max(1)));
    let decimals = ctx.token(&step.sell)?.decimals;
    Err(PlanError::Invalid(format!(
        "fees capped at {} bps of {} {} (${}) pay a vendor at most {} {}, and the cheapest \
         vendor for a {:?} step asks {} {}: write \"cap fees at {} bps\" or trade more",
        step.guards.fee_cap_bps,
        crate::units::amount(step.amount_in, decimals),
        step.sell,
        crate::units::amount(notional, 6),
        crate::units::amount(most, fee.decimals),
        fee.symbol,
        step.kind,
        crate::units::amount(cheapest, fee.decimals),
        fee.symbol,
        needed_bps,
    )))
}

fn policy(ctx: &PlanContext, steps: &[StepNode]) -> Result<Policy, PlanError> {
    let mut tokens: Vec<String> = Vec::new();
    for symbol in steps
        .iter()
        .flat_map(|s| {
            [s.sell.clone(), s.buy.clone()]
                .into_iter()
                .chain(liquidity::pool_tokens(s))
        })
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
