//! The canonical PlanGraph: what the planner produces, the user reviews, and the runner stores
//! the hash of. Its canonical encoding is the compact serde JSON of these types (fields in
//! declaration order, no maps, no floats), so the same plan always hashes the same.
use agent_registry::constants::capability;
use anchor_lang::prelude::Pubkey;
use runner::{
    instructions::{CreatePlanArgs, MintPolicyArgs, StepArgs},
    state::{OracleSource, StepGuards, StepKind},
    trigger::{Leg, Trigger},
};
use serde::{Deserialize, Serialize};

use crate::{ClientError, ClientResult};

/// Schema version of [`PlanGraph`].
pub const PLAN_GRAPH_VERSION: u8 = 1;

/// A token the planner can trade: symbol, mint, decimals, its Pyth feed and the Pyth account
/// plans pin as its price source — or, for a pool's LP token, the pool (its price account) and
/// the pair it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub symbol: String,
    pub mint: Pubkey,
    pub decimals: u8,
    pub pyth_feed: [u8; 32],
    /// The `PriceUpdateV2` account executions read (pinned in the plan's policy); an LP
    /// token's pool.
    pub price_account: Pubkey,
    /// For an LP token, the symbols of its pool's two tokens.
    pub pool: Option<(String, String)>,
}

/// The symbol of the LP token of the pool of `a` and `b`: "SOL-USDC-LP".
pub fn lp_symbol(a: &str, b: &str) -> String {
    format!("{a}-{b}-LP")
}

/// The pair of an LP token's symbol ("SOL-USDC-LP" -> ("SOL", "USDC")).
pub fn lp_pair(symbol: &str) -> Option<(String, String)> {
    let upper = symbol.to_uppercase();
    let pair = upper.strip_suffix("-LP")?;
    let (a, b) = pair.split_once('-')?;
    Some((a.to_string(), b.to_string()))
}

/// The tokens of a deployment, looked up by symbol (case-insensitive).
#[derive(Clone, Debug, Default)]
pub struct TokenBook {
    pub tokens: Vec<Token>,
}

impl TokenBook {
    pub fn get(&self, symbol: &str) -> ClientResult<&Token> {
        self.tokens
            .iter()
            .find(|t| t.symbol.eq_ignore_ascii_case(symbol))
            .ok_or_else(|| ClientError::Build(format!("unknown token {symbol}")))
    }

    pub fn by_mint(&self, mint: &Pubkey) -> Option<&Token> {
        self.tokens.iter().find(|t| t.mint == *mint)
    }
}

/// What a step does, as the PlanGraph names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    Swap,
    Dca,
    Rebalance,
    Service,
    /// One pool token in, the pool's LP token out.
    AddLiquidity,
    /// LP tokens in, one pool token out.
    RemoveLiquidity,
}

impl NodeKind {
    /// The on-chain step kind.
    pub fn step_kind(self) -> StepKind {
        match self {
            NodeKind::Swap => StepKind::Swap,
            NodeKind::Dca => StepKind::Dca,
            NodeKind::Rebalance => StepKind::Rebalance,
            NodeKind::Service => StepKind::Service,
            NodeKind::AddLiquidity => StepKind::AddLiquidity,
            NodeKind::RemoveLiquidity => StepKind::RemoveLiquidity,
        }
    }

    /// The registry capability a vendor needs for it.
    pub fn capability(self) -> u64 {
        match self {
            NodeKind::Swap => capability::SWAP,
            NodeKind::Dca => capability::DCA,
            NodeKind::Rebalance => capability::REBALANCE,
            NodeKind::Service => capability::DATA,
            NodeKind::AddLiquidity | NodeKind::RemoveLiquidity => capability::LIQUIDITY,
        }
    }
}

/// Guards of one step (units as in [`runner::state::StepGuards`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guards {
    /// Largest output shortfall against the oracle cross price, bps.
    pub max_slippage_bps: u16,
    /// Oldest acceptable oracle update, seconds.
    pub oracle_max_age_secs: u32,
    /// Largest oracle confidence over price, bps.
    pub max_confidence_bps: u16,
    /// Largest vendor fee over the notional, bps.
    pub fee_cap_bps: u16,
}

impl Default for Guards {
    /// What a careful user gets without asking: 50 bps slippage, 60 s oracle age, 100 bps
    /// confidence, fees at most 1% of the notional.
    fn default() -> Self {
        Self {
            max_slippage_bps: 50,
            oracle_max_age_secs: 60,
            max_confidence_bps: 100,
            fee_cap_bps: 100,
        }
    }
}

impl Guards {
    fn on_chain(self, trigger: Trigger) -> StepGuards {
        StepGuards {
            max_slippage_bps: self.max_slippage_bps,
            oracle_max_age_secs: self.oracle_max_age_secs,
            min_verification_signatures: 0,
            max_confidence_bps: self.max_confidence_bps,
            fee_cap_bps: self.fee_cap_bps,
            min_samples: 1,
            trigger,
        }
    }
}

/// The oracle condition a step waits for (units as in [`runner::trigger::Trigger`]; levels
/// inclusive), naming the watched token, which must be one the step trades.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "condition")]
pub enum When {
    /// `token`'s price at or above `micro_usd` per whole token.
    PriceAtLeast { token: String, micro_usd: u64 },
    /// `token`'s price at or below `micro_usd` per whole token.
    PriceAtMost { token: String, micro_usd: u64 },
    /// `token`'s Pyth price at least `bps` away from its EMA.
    VolatilityAtLeast { token: String, bps: u16 },
}

impl When {
    /// The token it watches.
    pub fn token(&self) -> &str {
        match self {
            When::PriceAtLeast { token, .. }
            | When::PriceAtMost { token, .. }
            | When::VolatilityAtLeast { token, .. } => token,
        }
    }

    /// The on-chain trigger of a step selling `sell` for `buy`: a leg it trades, or — into or
    /// out of an LP token — the pool's other token.
    pub fn trigger(&self, sell: &str, buy: &str) -> ClientResult<Trigger> {
        let token = self.token();
        let pool_other = [sell, buy].iter().any(|lp| {
            lp_pair(lp).is_some_and(|(a, b)| {
                token.eq_ignore_ascii_case(&a) || token.eq_ignore_ascii_case(&b)
            })
        });
        let leg = if token.eq_ignore_ascii_case(sell) {
            Leg::Input
        } else if token.eq_ignore_ascii_case(buy) {
            Leg::Output
        } else if pool_other {
            Leg::PoolOther
        } else {
            return Err(ClientError::Build(format!(
                "the condition watches {token}, which a {sell}->{buy} step does not trade"
            )));
        };
        Ok(match *self {
            When::PriceAtLeast { micro_usd, .. } => Trigger::PriceAtLeast { leg, micro_usd },
            When::PriceAtMost { micro_usd, .. } => Trigger::PriceAtMost { leg, micro_usd },
            When::VolatilityAtLeast { bps, .. } => Trigger::VolatilityAtLeast { leg, bps },
        })
    }
}

/// One node of the graph.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepNode {
    /// Position in the plan (0-based).
    pub id: u8,
    pub kind: NodeKind,
    /// Ids of earlier steps that must be done first.
    pub depends_on: Vec<u8>,
    /// Symbol sold (empty for Service steps).
    pub sell: String,
    /// Symbol bought (empty for Service steps).
    pub buy: String,
    /// Atoms of `sell` per execution.
    pub amount_in: u64,
    /// Executions (1 except DCA).
    pub repeat: u16,
    /// Seconds between executions.
    pub interval_secs: u32,
    pub guards: Guards,
    /// Executes only while this holds (absent: whenever ready; omitted from the canonical JSON
    /// then, so unconditional plans hash as before conditions existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<When>,
}

/// Plan-wide policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Symbols the plan may trade.
    pub tokens: Vec<String>,
    /// Venue programs the plan may call (base58).
    pub venues: Vec<String>,
    /// Largest USD notional of one execution, micro-USD.
    pub notional_cap_usd: u64,
    /// Largest USD notional per day, micro-USD.
    pub daily_cap_usd: u64,
    /// Symbol vendors are paid in.
    pub fee_token: String,
}

/// A plan: the user's goal, its steps and its policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanGraph {
    pub version: u8,
    pub goal: String,
    pub steps: Vec<StepNode>,
    pub policy: Policy,
}

impl PlanGraph {
    /// The canonical bytes: compact JSON.
    pub fn canonical_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// sha256 of the canonical bytes: the plan hash stored on-chain.
    pub fn hash(&self) -> [u8; 32] {
        solana_sha256_hasher::hash(&self.canonical_json()).to_bytes()
    }

    /// The `create_plan` arguments for this graph, resolving symbols through `book`.
    pub fn create_args(
        &self,
        plan_id: u64,
        planner: Pubkey,
        book: &TokenBook,
    ) -> ClientResult<CreatePlanArgs> {
        let tokens: Vec<&Token> = self
            .policy
            .tokens
            .iter()
            .map(|s| book.get(s))
            .collect::<ClientResult<_>>()?;
        let index = |symbol: &str| -> ClientResult<u8> {
            tokens
                .iter()
                .position(|t| t.symbol.eq_ignore_ascii_case(symbol))
                .map(|i| i as u8)
                .ok_or_else(|| ClientError::Build(format!("{symbol} is not in the plan's policy")))
        };
        let steps = self
            .steps
            .iter()
            .map(|node| {
                let service = node.kind == NodeKind::Service;
                let trigger = match &node.when {
                    Some(when) => when.trigger(&node.sell, &node.buy)?,
                    None => Trigger::Always,
                };
                Ok(StepArgs {
                    kind: node.kind.step_kind(),
                    capability: node.kind.capability(),
                    depends_on: node.depends_on.iter().fold(0u8, |m, d| m | 1u8 << d),
                    mint_in: if service { 0 } else { index(&node.sell)? },
                    mint_out: if service { 0 } else { index(&node.buy)? },
                    amount_in: node.amount_in,
                    guards: node.guards.on_chain(trigger),
                    repeat: node.repeat,
                    interval_secs: node.interval_secs,
                })
            })
            .collect::<ClientResult<_>>()?;
        let venues = self
            .policy
            .venues
            .iter()
            .map(|v| {
                v.parse()
                    .map_err(|_| ClientError::Build(format!("bad venue {v}")))
            })
            .collect::<ClientResult<_>>()?;
        Ok(CreatePlanArgs {
            plan_id,
            plan_hash: self.hash(),
            planner,
            mints: tokens
                .iter()
                .map(|t| MintPolicyArgs {
                    mint: t.mint,
                    decimals: t.decimals,
                    oracle: t.price_account,
                    source: match t.pool {
                        Some(_) => OracleSource::Pool,
                        None => OracleSource::Pyth {
                            feed_id: t.pyth_feed,
                        },
                    },
                })
                .collect(),
            venues,
            notional_cap_usd: self.policy.notional_cap_usd,
            daily_cap_usd: self.policy.daily_cap_usd,
            steps,
        })
    }
}
