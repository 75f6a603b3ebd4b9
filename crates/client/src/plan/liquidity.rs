//! Liquidity intents as steps: providing one token to a pool for its LP token
//! (`NodeKind::AddLiquidity`) and exiting LP tokens to one of the pool's tokens
//! (`NodeKind::RemoveLiquidity`). The pool is the one named, or the one the situation leaves
//! (the only pool trading the token provided; the only LP position held); an LP token's
//! symbol names its pair ([`lp_symbol`]).
use super::{
    goal::Amount,
    graph::{lp_pair, lp_symbol},
    Guards, NodeKind, PlanContext, PlanError, StepNode,
};

impl PlanContext {
    /// The deployment's pool of `a` and `b` in its own order, if it has one.
    fn pool_pair(&self, a: &str, b: &str) -> Option<(String, String)> {
        self.pools
            .iter()
            .find(|(x, y)| {
                (x.eq_ignore_ascii_case(a) && y.eq_ignore_ascii_case(b))
                    || (x.eq_ignore_ascii_case(b) && y.eq_ignore_ascii_case(a))
            })
            .cloned()
    }

    /// The pool named by `pair`, or else the one pool trading `token`.
    fn pool_for(
        &self,
        pair: Option<&(String, String)>,
        token: &str,
    ) -> Result<(String, String), PlanError> {
        if let Some((a, b)) = pair {
            let pool = self.pool_pair(a, b).ok_or_else(|| {
                PlanError::Invalid(format!(
                    "no pool trades {a} for {b}; name one of {}",
                    self.pool_names()
                ))
            })?;
            if !pool.0.eq_ignore_ascii_case(token) && !pool.1.eq_ignore_ascii_case(token) {
                return Err(PlanError::Invalid(format!(
                    "the {}/{} pool holds no {token}; provide {} or {}",
                    pool.0, pool.1, pool.0, pool.1
                )));
            }
            return Ok(pool);
        }
        let trading: Vec<&(String, String)> = self
            .pools
            .iter()
            .filter(|(a, b)| a.eq_ignore_ascii_case(token) || b.eq_ignore_ascii_case(token))
            .collect();
        match trading.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(PlanError::Invalid(format!("no pool trades {token}"))),
            _ => Err(PlanError::Invalid(format!(
                "several pools trade {token}: name one, e.g. \"to {}/{}\"",
                trading[0].0, trading[0].1
            ))),
        }
    }

    fn pool_names(&self) -> String {
        self.pools
            .iter()
            .map(|(a, b)| format!("{a}/{b}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The LP position to exit: the one named, or else the only one held.
    fn position(&self, pair: Option<&(String, String)>) -> Result<(String, String), PlanError> {
        if let Some((a, b)) = pair {
            return self.pool_pair(a, b).ok_or_else(|| {
                PlanError::Invalid(format!(
                    "no pool trades {a} for {b}; name one of {}",
                    self.pool_names()
                ))
            });
        }
        let held: Vec<(String, String)> = self
            .holdings
            .iter()
            .filter(|(_, atoms)| *atoms > 0)
            .filter_map(|(symbol, _)| lp_pair(symbol))
            .filter_map(|(a, b)| self.pool_pair(&a, &b))
            .collect();
        match held.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(PlanError::Invalid(
                "you hold no LP tokens, so there is no position to exit".into(),
            )),
            _ => Err(PlanError::Invalid(format!(
                "you hold several LP positions: name one, e.g. \"exit my {}/{} LP\"",
                held[0].0, held[0].1
            ))),
        }
    }
}

/// `amount` of `token` into the pool of `pair` (or the only pool trading it), for its LP token.
pub(super) fn add_node(
    ctx: &PlanContext,
    amount: &Amount,
    token: &str,
    pair: Option<&(String, String)>,
    guards: Guards,
) -> Result<StepNode, PlanError> {
    let provided = ctx.token(token)?;
    let (a, b) = ctx.pool_for(pair, &provided.symbol)?;
    let lp = ctx.token(&lp_symbol(&a, &b))?;
    Ok(StepNode {
        id: 0,
        kind: NodeKind::AddLiquidity,
        depends_on: vec![],
        sell: provided.symbol.clone(),
        buy: lp.symbol.clone(),
        amount_in: ctx.atoms(amount, provided)?,
        repeat: 1,
        interval_secs: 0,
        guards,
        when: None,
    })
}

/// `amount` (a share of the position or LP tokens) of the LP token of `pair` (or the only
/// position held) to `to` (or the pool's hub token, else its first).
pub(super) fn exit_node(
    ctx: &PlanContext,
    amount: &Amount,
    pair: Option<&(String, String)>,
    to: Option<&str>,
    guards: Guards,
) -> Result<StepNode, PlanError> {
    let (a, b) = ctx.position(pair)?;
    let lp = ctx.token(&lp_symbol(&a, &b))?;
    let out = match to {
        Some(to) if to.eq_ignore_ascii_case(&a) || to.eq_ignore_ascii_case(&b) => {
            ctx.token(to)?.symbol.clone()
        }
        Some(to) => {
            return Err(PlanError::Invalid(format!(
                "the {a}/{b} pool pays out {a} or {b}, not {to}"
            )))
        }
        None if b.eq_ignore_ascii_case(&ctx.hub) => b.clone(),
        None if a.eq_ignore_ascii_case(&ctx.hub) => a.clone(),
        None => a.clone(),
    };
    Ok(StepNode {
        id: 0,
        kind: NodeKind::RemoveLiquidity,
        depends_on: vec![],
        sell: lp.symbol.clone(),
        buy: out,
        amount_in: ctx.atoms(amount, lp)?,
        repeat: 1,
        interval_secs: 0,
        guards,
        when: None,
    })
}

/// The tokens a step's policy needs besides the two it trades: a liquidity step's pool
/// prices its LP token from both of the pool's tokens.
pub(super) fn pool_tokens(node: &StepNode) -> Vec<String> {
    [&node.sell, &node.buy]
        .into_iter()
        .filter_map(|symbol| lp_pair(symbol))
        .flat_map(|(a, b)| [a, b])
        .collect()
}

/// The token a liquidity step's condition watches when the goal names none: its pool's token
/// that is not the hub.
pub(super) fn default_watched(ctx: &PlanContext, node: &StepNode) -> Option<String> {
    let (a, b) = lp_pair(&node.sell).or_else(|| lp_pair(&node.buy))?;
    Some(if a.eq_ignore_ascii_case(&ctx.hub) {
        b
    } else {
        a
    })
}
