//! Goals in plain words, parsed without any network service (the language, with a table of
//! phrasings that is also a test, is `docs/GOALS.md`):
//!
//! - `Swap 1 SOL->USDC <=30 bps` (also `sell`, `convert`, `trade`, `exchange`; `to`, `into`,
//!   `for`; `max 30 bps`, `max 1%`, `with max 0.5% slippage`)
//! - amounts in tokens (`1.5 SOL`), dollars (`$50 of SOL`) or shares of a balance (`half my JUP`,
//!   `25% of my SOL`, `all my JUP`), resolved against the owner's balances when planning
//! - `buy SOL with 50 USDC` (the amount is what is paid)
//! - `then DCA 5 times [every 1h]` — repeats the previous swap's pair and amount (default every
//!   hour), after it; or `DCA 10 USDC->SOL 4 times every 30m`; or a swap with a schedule:
//!   `swap 10 USDC to SOL every hour 3 times`, `buy SOL with 10 USDC every day for a week`
//! - `Rebalance to 60/30/10 [SOL/USDC/JUP] [using low-slippage routes]`
//! - `cap fees at 5 bps` (or `at 0.5%`) — applies to every step
//! - liquidity ([`liquidity`]): `add 100 USDC of liquidity to SOL/USDC`, `exit LP`, `exit my
//!   SOL/USDC LP to USDC`, `withdraw half my LP`
//! - a swap, DCA or liquidity clause may end in a condition the runner checks on-chain at each
//!   execution ([`condition`]): `sell 1 SOL for USDC if SOL is above $200`, `exit LP if
//!   volatility spikes`
//!
//! Clauses are separated by `;`, `,` or `then`. Anything else is refused with an error naming
//! the clause, the word not understood and what to write instead.
mod amount;
pub mod condition;
mod liquidity;

use amount::{amount_of, BPS_HINT};
pub use amount::{is_decimal, percent_bps, to_atoms, Amount};
pub use condition::Condition;

/// Why a goal was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GoalError {
    #[error("not understood: \"{clause}\" (at \"{word}\"); {hint}")]
    NotUnderstood {
        clause: String,
        word: String,
        /// What to write instead.
        hint: String,
    },
    #[error("not supported: \"{clause}\": {reason}")]
    Unsupported { clause: String, reason: String },
    #[error("\"{clause}\": {reason}")]
    Invalid { clause: String, reason: String },
}

/// A swap as written: how much of `sell` to sell for `buy` (symbols upper case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwapText {
    pub amount: Amount,
    pub sell: String,
    pub buy: String,
}

/// One understood clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent {
    /// Sell `amount` of `sell` for `buy`.
    Swap {
        swap: SwapText,
        max_slippage_bps: Option<u16>,
        /// Executes only while this holds.
        when: Option<Condition>,
    },
    /// `times` executions `every_secs` apart; `swap: None` repeats the previous swap.
    Dca {
        times: u16,
        every_secs: Option<u32>,
        swap: Option<SwapText>,
        max_slippage_bps: Option<u16>,
        /// Each execution only while this holds.
        when: Option<Condition>,
    },
    /// Move the portfolio to `weights_pct` of `symbols` (default: the book's first tokens).
    Rebalance {
        weights_pct: Vec<u16>,
        symbols: Option<Vec<String>>,
        low_slippage: bool,
    },
    /// Vendor fees at most this share of each execution's notional.
    FeeCap { bps: u16 },
    /// Provide `amount` of `token` to the pool of `pair` (default: the one pool trading
    /// `token`, when there is one) for its LP token.
    AddLiquidity {
        amount: Amount,
        token: String,
        pair: Option<(String, String)>,
        when: Option<Condition>,
    },
    /// Exit `amount` (default all) of the LP token of `pair` (default: the one LP position
    /// held) to `to` (default: the pair's hub token).
    RemoveLiquidity {
        amount: Amount,
        pair: Option<(String, String)>,
        to: Option<String>,
        /// Exits only while this holds ("exit LP if volatility spikes").
        when: Option<Condition>,
    },
}

/// Splits a goal into clauses and parses each.
pub fn parse_goal(goal: &str) -> Result<Vec<Intent>, GoalError> {
    let normalized = goal
        .replace(';', "|")
        .replace(" then ", "|")
        .replace(", ", "|")
        .replace("Then ", "|");
    let intents: Vec<Intent> = normalized
        .split('|')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(parse_clause)
        .collect::<Result<_, _>>()?;
    if intents.is_empty() {
        return Err(not_understood(goal, "", CLAUSE_HINT));
    }
    Ok(intents)
}

fn words(clause: &str) -> Vec<String> {
    clause
        .replace("->", " -> ")
        .replace('→', " -> ")
        .replace("<=", " <= ")
        .replace(['[', ']'], " ")
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| c == '.' || c == ',')
                .to_lowercase()
        })
        .filter(|w| !w.is_empty() && w != "then")
        .collect()
}

/// What a clause may start with.
const CLAUSE_HINT: &str = "start a clause with swap, sell, buy, convert, dca, rebalance, add, \
                           exit or \"cap fees at\"; e.g. \"swap 1 SOL to USDC <=30 bps\"";
const PAIR_HINT: &str = "write the pair as \"SOL to USDC\" or \"SOL->USDC\"";
const SCHEDULE_HINT: &str =
    "write a schedule as \"3 times every 30m\", \"every hour 3 times\" or \"every day for a week\"";

fn not_understood(clause: &str, word: &str, hint: &str) -> GoalError {
    GoalError::NotUnderstood {
        clause: clause.to_string(),
        word: word.to_string(),
        hint: hint.to_string(),
    }
}

fn invalid(clause: &str, reason: String) -> GoalError {
    GoalError::Invalid {
        clause: clause.to_string(),
        reason,
    }
}

fn parse_clause(clause: &str) -> Result<Intent, GoalError> {
    let all = words(clause);
    let first = all.first().map(String::as_str).unwrap_or("");
    // A condition runs from `if`/`when` to the end of the clause.
    let (w, when) = match all.iter().position(|x| x == "if" || x == "when") {
        Some(at) if at > 0 => (
            &all[..at],
            Some(condition::parse_condition(clause, &all[at + 1..])?),
        ),
        _ => (&all[..], None),
    };
    let mut intent = match first {
        "swap" | "sell" | "convert" | "trade" | "exchange" => parse_swap(clause, &w[1..]),
        "buy" => parse_buy(clause, &w[1..]),
        "dca" => parse_dca(clause, &w[1..]),
        "rebalance" => parse_rebalance(clause, &w[1..]),
        "cap" => parse_fee_cap(clause, &w[1..]),
        "add" | "provide" | "deposit" => liquidity::parse_add(clause, &w[1..]),
        "exit" | "close" | "withdraw" | "remove" => liquidity::parse_exit(clause, &w[1..]),
        other => Err(not_understood(clause, other, CLAUSE_HINT)),
    }?;
    match (&mut intent, when) {
        (_, None) => {}
        (
            Intent::Swap { when: slot, .. }
            | Intent::Dca { when: slot, .. }
            | Intent::AddLiquidity { when: slot, .. }
            | Intent::RemoveLiquidity { when: slot, .. },
            when,
        ) => *slot = when,
        (_, Some(_)) => {
            return Err(GoalError::Unsupported {
                clause: clause.to_string(),
                reason: "only a swap, a DCA or a liquidity step can wait for a condition; e.g. \
                         \"sell 1 SOL for USDC if SOL is above $200\""
                    .into(),
            })
        }
    }
    Ok(intent)
}

/// `<amount> <SELL> (->|to|into|for) <BUY>`; returns the swap and the rest.
fn pair<'a>(clause: &str, w: &'a [String]) -> Result<(SwapText, &'a [String]), GoalError> {
    let (amount, sell, rest) = amount_of(clause, w)?;
    let [arrow, buy, rest @ ..] = rest else {
        return Err(not_understood(clause, &sell.to_lowercase(), PAIR_HINT));
    };
    if !matches!(arrow.as_str(), "->" | "to" | "into" | "for") {
        return Err(not_understood(clause, arrow, PAIR_HINT));
    }
    let swap = SwapText {
        amount,
        sell,
        buy: buy.to_uppercase(),
    };
    Ok((swap, rest))
}

/// A cap as written: `<= N bps`, `max N bps`, `N bps`, `N%`, `max N%`, `with max N%
/// slippage`, `at most N%`; `None` when nothing is written. Zero is refused (nothing could
/// execute under it).
fn bps(clause: &str, w: &[String]) -> Result<Option<u16>, GoalError> {
    let w: Vec<&str> = w
        .iter()
        .map(String::as_str)
        .filter(|x| {
            !matches!(
                *x,
                "<=" | "max" | "slippage" | "at" | "most" | "with" | "of"
            )
        })
        .collect();
    let value = match w.as_slice() {
        [] => return Ok(None),
        [n, "bps" | "bp"] => n.parse::<u16>().ok().filter(|v| *v <= 10_000),
        [n, "%" | "percent"] => percent_bps(&format!("{n}%")),
        [pct] => percent_bps(pct),
        [word, ..] => return Err(not_understood(clause, word, BPS_HINT)),
    };
    match value {
        Some(0) => Err(invalid(
            clause,
            "a cap of 0 lets nothing execute; allow at least 1 bps (e.g. \"<=30 bps\")".into(),
        )),
        Some(v) => Ok(Some(v)),
        None => Err(not_understood(clause, w[0], BPS_HINT)),
    }
}

/// A swap's tail: an optional cap, then an optional schedule (or the schedule first).
/// Returns the cap and `(times, every_secs)` when a schedule is written.
#[allow(clippy::type_complexity)]
fn tail(
    clause: &str,
    w: &[String],
) -> Result<(Option<u16>, Option<(u16, Option<u32>)>), GoalError> {
    let at = w
        .iter()
        .position(|x| x == "every" || x == "times" || x == "x" || x == "for")
        .map(|i| {
            // `3 times`: the schedule starts at its count.
            if i > 0 && (w[i] == "times" || w[i] == "x") {
                i - 1
            } else {
                i
            }
        });
    let (cap, schedule) = match at {
        Some(i) => (&w[..i], Some(&w[i..])),
        None => (w, None),
    };
    Ok((
        bps(clause, cap)?,
        schedule.map(|s| self::schedule(clause, s)).transpose()?,
    ))
}

/// A swap once, or on a schedule when its tail has one.
fn swap_with_tail(clause: &str, swap: SwapText, rest: &[String]) -> Result<Intent, GoalError> {
    Ok(match tail(clause, rest)? {
        (max_slippage_bps, None) => Intent::Swap {
            swap,
            max_slippage_bps,
            when: None,
        },
        (max_slippage_bps, Some((times, every_secs))) => Intent::Dca {
            times,
            every_secs,
            swap: Some(swap),
            max_slippage_bps,
            when: None,
        },
    })
}

fn parse_swap(clause: &str, w: &[String]) -> Result<Intent, GoalError> {
    let (swap, rest) = pair(clause, w)?;
    swap_with_tail(clause, swap, rest)
}

/// `buy <BUY> with <amount> <SELL>`: the amount is what is paid.
fn parse_buy(clause: &str, w: &[String]) -> Result<Intent, GoalError> {
    match w {
        [buy, with, rest @ ..] if with == "with" || with == "using" => {
            let (amount, sell, after) = amount_of(clause, rest)?;
            let swap = SwapText {
                amount,
                sell,
                buy: buy.to_uppercase(),
            };
            swap_with_tail(clause, swap, after)
        }
        [n, rest @ ..] if is_decimal(n) || n.starts_with('$') => {
            let symbol = rest
                .iter()
                .find(|x| !matches!(x.as_str(), "of" | "usd" | "dollars"))
                .map_or("SOL".to_string(), |x| x.to_uppercase());
            Err(GoalError::Unsupported {
                clause: clause.to_string(),
                reason: if n.starts_with('$') {
                    format!("say what to pay with, e.g. \"buy {symbol} with {n} of USDC\"")
                } else {
                    format!(
                        "an exact amount to receive is not supported: say what to pay, e.g. \
                         \"buy {symbol} with 100 USDC\""
                    )
                },
            })
        }
        [word, ..] => Err(not_understood(
            clause,
            word,
            "write \"buy SOL with 50 USDC\" (what to pay with, and how much)",
        )),
        [] => Err(not_understood(
            clause,
            "buy",
            "write \"buy SOL with 50 USDC\"",
        )),
    }
}

/// `1h`, `30m`, `45s`, `2d`, `1w`, `<n> hour(s)|minute(s)|day(s)|week(s)`, `hour`, `a day`,
/// `hourly`, `daily`, `weekly`.
fn duration(clause: &str, w: &[String]) -> Result<u32, GoalError> {
    let w: Vec<&str> = w
        .iter()
        .map(String::as_str)
        .filter(|x| *x != "a" && *x != "an")
        .collect();
    let (number, unit) = match w.as_slice() {
        ["hourly"] => return Ok(3_600),
        ["daily"] => return Ok(86_400),
        ["weekly"] => return Ok(604_800),
        [one] if one.starts_with(|c: char| c.is_ascii_digit()) => {
            let split = one.find(|c: char| !c.is_ascii_digit()).unwrap_or(one.len());
            (&one[..split], &one[split..])
        }
        [unit] => ("1", *unit),
        [n, unit] => (*n, *unit),
        _ => {
            return Err(not_understood(
                clause,
                w.first().copied().unwrap_or(""),
                SCHEDULE_HINT,
            ))
        }
    };
    let whole = w.join(" ");
    let n: u32 = number
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| not_understood(clause, &whole, SCHEDULE_HINT))?;
    let unit_secs = match unit.trim_end_matches('s') {
        "" | "sec" | "second" => 1,
        "m" | "min" | "minute" => 60,
        "h" | "hr" | "hour" => 3_600,
        "d" | "day" => 86_400,
        "w" | "week" => 604_800,
        other => return Err(not_understood(clause, other, SCHEDULE_HINT)),
    };
    n.checked_mul(unit_secs)
        .ok_or_else(|| not_understood(clause, number, SCHEDULE_HINT))
}

/// `N times [every D]`, `every D N times`, `every D for SPAN` (as many times as fit, at least
/// one); returns `(times, every_secs)`.
fn schedule(clause: &str, w: &[String]) -> Result<(u16, Option<u32>), GoalError> {
    let count = |text: &String| {
        text.parse::<u16>()
            .ok()
            .filter(|t| *t > 0)
            .ok_or_else(|| not_understood(clause, text, SCHEDULE_HINT))
    };
    let is_times = |x: &String| x == "times" || x == "x";
    match w {
        [n, times, rest @ ..] if is_times(times) => match rest {
            [] => Ok((count(n)?, None)),
            [every, d @ ..] if every == "every" => Ok((count(n)?, Some(duration(clause, d)?))),
            [word, ..] => Err(not_understood(clause, word, SCHEDULE_HINT)),
        },
        [every, rest @ ..] if every == "every" => {
            if let Some(at) = rest.iter().position(|x| x == "for") {
                let every_secs = duration(clause, &rest[..at])?;
                let span = duration(clause, &rest[at + 1..])?;
                let times = u16::try_from((span / every_secs).max(1)).map_err(|_| {
                    invalid(
                        clause,
                        format!("{} executions is too many", span / every_secs),
                    )
                })?;
                return Ok((times, Some(every_secs)));
            }
            match rest {
                [d @ .., n, times] if is_times(times) => {
                    Ok((count(n)?, Some(duration(clause, d)?)))
                }
                _ => Err(not_understood(
                    clause,
                    rest.first().map(String::as_str).unwrap_or("every"),
                    "say how many times: \"every hour 3 times\" or \"every day for a week\"",
                )),
            }
        }
        [word, ..] => Err(not_understood(clause, word, SCHEDULE_HINT)),
        [] => Err(not_understood(clause, "", SCHEDULE_HINT)),
    }
}

fn parse_dca(clause: &str, w: &[String]) -> Result<Intent, GoalError> {
    let starts_with_count = w.first().is_some_and(|x| x.parse::<u16>().is_ok())
        && w.get(1).is_some_and(|x| x == "times" || x == "x");
    let starts_with_every = w.first().is_some_and(|x| x == "every");
    let (swap, rest) = if starts_with_count || starts_with_every {
        (None, w)
    } else {
        let (swap, rest) = pair(clause, w)?;
        (Some(swap), rest)
    };
    match tail(clause, rest)? {
        (max_slippage_bps, Some((times, every_secs))) => Ok(Intent::Dca {
            times,
            every_secs,
            swap,
            max_slippage_bps,
            when: None,
        }),
        (_, None) => Err(not_understood(
            clause,
            rest.first().map(String::as_str).unwrap_or("dca"),
            SCHEDULE_HINT,
        )),
    }
}

const REBALANCE_HINT: &str =
    "write \"rebalance to 60/30/10 SOL/USDC/JUP [using low-slippage routes]\"";

fn parse_rebalance(clause: &str, w: &[String]) -> Result<Intent, GoalError> {
    let rest = match w {
        [to, rest @ ..] if to == "to" => rest,
        _ => w,
    };
    let [weights, rest @ ..] = rest else {
        return Err(not_understood(clause, "", REBALANCE_HINT));
    };
    let weights_pct: Vec<u16> = weights
        .split('/')
        .map(|p| p.trim_end_matches('%').parse::<u16>())
        .collect::<Result<_, _>>()
        .map_err(|_| not_understood(clause, weights, REBALANCE_HINT))?;
    if weights_pct.iter().map(|w| u32::from(*w)).sum::<u32>() != 100 {
        return Err(GoalError::Invalid {
            clause: clause.to_string(),
            reason: format!("weights {weights} do not add up to 100"),
        });
    }
    let (symbols, rest) = match rest {
        [symbols, rest @ ..] if symbols.contains('/') => (
            Some(
                symbols
                    .split('/')
                    .map(str::to_uppercase)
                    .collect::<Vec<_>>(),
            ),
            rest,
        ),
        _ => (None, rest),
    };
    if symbols
        .as_ref()
        .is_some_and(|s| s.len() != weights_pct.len())
    {
        return Err(GoalError::Invalid {
            clause: clause.to_string(),
            reason: "as many symbols as weights are needed".into(),
        });
    }
    let low_slippage = match rest {
        [] => false,
        [using, tail @ ..] if using == "using" || using == "with" => {
            if tail.iter().any(|t| t.contains("slippage")) {
                true
            } else {
                return Err(not_understood(
                    clause,
                    tail.first().map(String::as_str).unwrap_or(""),
                    REBALANCE_HINT,
                ));
            }
        }
        [word, ..] => return Err(not_understood(clause, word, REBALANCE_HINT)),
    };
    Ok(Intent::Rebalance {
        weights_pct,
        symbols,
        low_slippage,
    })
}

fn parse_fee_cap(clause: &str, w: &[String]) -> Result<Intent, GoalError> {
    const HINT: &str = "write \"cap fees at 5 bps\" or \"cap fees at 0.5%\"";
    match w {
        [fees, rest @ ..] if fees == "fees" || fees == "fee" => match bps(clause, rest)? {
            Some(bps) => Ok(Intent::FeeCap { bps }),
            None => Err(not_understood(clause, fees, HINT)),
        },
        [word, ..] => Err(not_understood(clause, word, HINT)),
        [] => Err(not_understood(clause, "cap", HINT)),
    }
}

#[cfg(test)]
mod tests;
