//! Conditions on a swap clause, after `if` or `when`: a price level (`if SOL is above $200`,
//! `when SOL drops below $150`) or a volatility spike (`if volatility spikes`, `if SOL
//! volatility exceeds 3%`). The runner checks them on-chain at execution time
//! (`runner::trigger`); levels are inclusive.
use super::{amount::BPS_HINT, bps, invalid, is_decimal, not_understood, to_atoms, GoalError};

/// What "volatility spikes" means when no threshold is written: the price at least 2% away
/// from its EMA.
pub const DEFAULT_SPIKE_BPS: u16 = 200;

/// A condition as written; `symbol: None` watches the step's non-hub token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// The price at or above `micro_usd` per whole token.
    PriceAtLeast {
        symbol: Option<String>,
        micro_usd: u64,
    },
    /// The price at or below `micro_usd` per whole token.
    PriceAtMost {
        symbol: Option<String>,
        micro_usd: u64,
    },
    /// The price at least `bps` away from its EMA.
    VolatilityAtLeast { symbol: Option<String>, bps: u16 },
}

const CONDITION_HINT: &str = "write a condition as \"if SOL is above $200\", \"if SOL drops \
                              below $150\", \"if volatility spikes\" or \"if SOL volatility \
                              exceeds 3%\"";

const LEVEL_HINT: &str = "write a price level in dollars, e.g. \"above $200\"";

/// Words that only join a condition's parts.
fn filler(word: &str) -> bool {
    matches!(
        word,
        "is" | "goes" | "trades" | "gets" | "price" | "the" | "of" | "moves" | "rises" | "climbs"
    )
}

/// The words after `if`/`when`.
pub fn parse_condition(clause: &str, w: &[String]) -> Result<Condition, GoalError> {
    let (symbol, rest) = match w {
        [first, rest @ ..] if first != "volatility" && !filler(first) && !direction(first) => {
            (Some(first.to_uppercase()), rest)
        }
        _ => (None, w),
    };
    let rest: Vec<&str> = rest
        .iter()
        .map(String::as_str)
        .filter(|x| !filler(x))
        .collect();
    match rest.as_slice() {
        ["volatility", "spikes" | "spike" | "jumps"] => Ok(Condition::VolatilityAtLeast {
            symbol,
            bps: DEFAULT_SPIKE_BPS,
        }),
        ["volatility", verb, threshold @ ..]
            if matches!(*verb, "exceeds" | "above" | "over" | "reaches") =>
        {
            let words: Vec<String> = threshold.iter().map(|x| x.to_string()).collect();
            match bps(clause, &words) {
                Ok(Some(bps)) => Ok(Condition::VolatilityAtLeast { symbol, bps }),
                Ok(None) => Err(not_understood(clause, verb, BPS_HINT)),
                // The one value `bps` refuses as invalid is 0.
                Err(GoalError::Invalid { .. }) => Err(invalid(
                    clause,
                    "a volatility threshold of 0 always holds; name one above 0, e.g. 3%".into(),
                )),
                Err(other) => Err(other),
            }
        }
        [first, ..] if direction(first) => {
            // `falls below $150`: the last direction word decides; `to` may join.
            let up = rest
                .iter()
                .rev()
                .find(|x| direction(x))
                .is_some_and(|x| up(x));
            let level: Vec<&str> = rest
                .iter()
                .copied()
                .filter(|x| !direction(x) && *x != "to")
                .collect();
            let micro_usd = match level.as_slice() {
                [level] => dollars(clause, level)?,
                [word, ..] => return Err(not_understood(clause, word, LEVEL_HINT)),
                [] => return Err(not_understood(clause, first, LEVEL_HINT)),
            };
            Ok(if up {
                Condition::PriceAtLeast { symbol, micro_usd }
            } else {
                Condition::PriceAtMost { symbol, micro_usd }
            })
        }
        [word, ..] => Err(not_understood(clause, word, CONDITION_HINT)),
        [] => Err(not_understood(clause, "if", CONDITION_HINT)),
    }
}

fn direction(word: &str) -> bool {
    up(word) || matches!(word, "below" | "under" | "falls" | "drops" | "dips" | "<=")
}

fn up(word: &str) -> bool {
    matches!(word, "above" | "over" | ">=")
}

/// `$200`, `$1,250.5`, `200` (dollars) as micro-USD; above zero.
fn dollars(clause: &str, text: &str) -> Result<u64, GoalError> {
    let digits = text.trim_start_matches('$').replace(',', "");
    let micro_usd = is_decimal(&digits)
        .then(|| to_atoms(&digits, 6))
        .flatten()
        .ok_or_else(|| not_understood(clause, text, LEVEL_HINT))?;
    if micro_usd == 0 {
        return Err(invalid(
            clause,
            "a price level of $0 is never crossed; name a positive level".into(),
        ));
    }
    Ok(micro_usd)
}
