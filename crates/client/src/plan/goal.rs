//! Goals in plain words, parsed without any network service:
//!
//! - `Swap 1 SOL->USDC <=30 bps` (also `to`/`into`, `max 30 bps`)
//! - `then DCA 5 times [every 1h]` — repeats the previous swap's pair and amount (default every
//!   hour), after it; or `DCA 10 USDC->SOL 4 times every 30m`
//! - `Rebalance to 60/30/10 [SOL/USDC/JUP] [using low-slippage routes]`
//! - `cap fees at 5 bps` — applies to every step
//!
//! Clauses are separated by `;`, `,` or `then`. Anything else is refused with an error naming
//! the clause (and the word) not understood; guard-triggered exits ("exit LP if volatility
//! spikes") are refused as unsupported rather than approximated.

/// Why a goal was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GoalError {
    #[error("not understood: \"{clause}\" (at \"{word}\")")]
    NotUnderstood { clause: String, word: String },
    #[error("not supported: \"{clause}\": {reason}")]
    Unsupported { clause: String, reason: String },
    #[error("\"{clause}\": {reason}")]
    Invalid { clause: String, reason: String },
}

/// A swap as written: amount (decimal text, whole tokens), sold and bought symbols.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwapText {
    pub amount: String,
    pub sell: String,
    pub buy: String,
}

/// One understood clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent {
    /// Sell `amount` (decimal text, in whole tokens) of `sell` for `buy`.
    Swap {
        amount: String,
        sell: String,
        buy: String,
        max_slippage_bps: Option<u16>,
    },
    /// `times` executions `every_secs` apart; `swap: None` repeats the previous swap.
    Dca {
        times: u16,
        every_secs: Option<u32>,
        swap: Option<SwapText>,
    },
    /// Move the portfolio to `weights_pct` of `symbols` (default: the book's first tokens).
    Rebalance {
        weights_pct: Vec<u16>,
        symbols: Option<Vec<String>>,
        low_slippage: bool,
    },
    /// Vendor fees at most this share of each execution's notional.
    FeeCap { bps: u16 },
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
        return Err(GoalError::NotUnderstood {
            clause: goal.to_string(),
            word: String::new(),
        });
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

fn not_understood(clause: &str, word: &str) -> GoalError {
    GoalError::NotUnderstood {
        clause: clause.to_string(),
        word: word.to_string(),
    }
}

fn parse_clause(clause: &str) -> Result<Intent, GoalError> {
    let w = words(clause);
    let first = w.first().map(String::as_str).unwrap_or("");
    match first {
        "swap" | "sell" => parse_swap(clause, &w[1..]),
        "dca" => parse_dca(clause, &w[1..]),
        "rebalance" => parse_rebalance(clause, &w[1..]),
        "cap" => parse_fee_cap(clause, &w[1..]),
        "exit" | "close" | "withdraw" => Err(GoalError::Unsupported {
            clause: clause.to_string(),
            reason: "guard-triggered exits (e.g. on volatility) need a trigger the runner does \
                     not have; exit explicitly with a swap instead"
                .into(),
        }),
        other => Err(not_understood(clause, other)),
    }
}

/// `<amount> <SELL> (->|to|into|for) <BUY>`; returns the triple and the rest.
fn pair<'a>(clause: &str, w: &'a [String]) -> Result<(SwapText, &'a [String]), GoalError> {
    let [amount, sell, arrow, buy, rest @ ..] = w else {
        return Err(not_understood(
            clause,
            w.last().map(String::as_str).unwrap_or(""),
        ));
    };
    if !is_decimal(amount) {
        return Err(not_understood(clause, amount));
    }
    if !matches!(arrow.as_str(), "->" | "to" | "into" | "for") {
        return Err(not_understood(clause, arrow));
    }
    let swap = SwapText {
        amount: amount.clone(),
        sell: sell.to_uppercase(),
        buy: buy.to_uppercase(),
    };
    Ok((swap, rest))
}

fn is_decimal(text: &str) -> bool {
    let mut parts = text.split('.');
    let whole = parts.next().unwrap_or("");
    let fraction = parts.next();
    parts.next().is_none()
        && !whole.is_empty()
        && whole.chars().all(|c| c.is_ascii_digit())
        && fraction.is_none_or(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_digit()))
}

/// `<= N bps`, `max N bps`, `N bps` (slippage).
fn bps(clause: &str, w: &[String]) -> Result<Option<u16>, GoalError> {
    let w: Vec<&str> = w
        .iter()
        .map(String::as_str)
        .filter(|x| !matches!(*x, "<=" | "max" | "slippage" | "at" | "most" | "with"))
        .collect();
    match w.as_slice() {
        [] => Ok(None),
        [n, "bps"] | [n, "bp"] => n
            .parse::<u16>()
            .ok()
            .filter(|v| *v <= 10_000)
            .map(Some)
            .ok_or_else(|| not_understood(clause, n)),
        [word, ..] => Err(not_understood(clause, word)),
    }
}

fn parse_swap(clause: &str, w: &[String]) -> Result<Intent, GoalError> {
    let (SwapText { amount, sell, buy }, rest) = pair(clause, w)?;
    Ok(Intent::Swap {
        amount,
        sell,
        buy,
        max_slippage_bps: bps(clause, rest)?,
    })
}

/// `1h`, `30m`, `45s`, `2d`, or `<n> hour(s)|minute(s)|day(s)`, or `hourly`/`daily`.
fn duration(clause: &str, w: &[String]) -> Result<u32, GoalError> {
    let (number, unit) = match w {
        [one] if one == "hourly" => return Ok(3_600),
        [one] if one == "daily" => return Ok(86_400),
        [one] => {
            let split = one.find(|c: char| !c.is_ascii_digit()).unwrap_or(one.len());
            (&one[..split], &one[split..])
        }
        [n, unit] => (n.as_str(), unit.as_str()),
        _ => {
            return Err(not_understood(
                clause,
                w.first().map(String::as_str).unwrap_or(""),
            ))
        }
    };
    let whole = w.join(" ");
    let n: u32 = number.parse().map_err(|_| not_understood(clause, &whole))?;
    let unit_secs = match unit.trim_end_matches('s') {
        "" | "sec" | "second" => 1,
        "m" | "min" | "minute" => 60,
        "h" | "hr" | "hour" => 3_600,
        "d" | "day" => 86_400,
        other => return Err(not_understood(clause, other)),
    };
    n.checked_mul(unit_secs)
        .ok_or_else(|| not_understood(clause, number))
}

fn parse_dca(clause: &str, w: &[String]) -> Result<Intent, GoalError> {
    let (swap, rest) = match w.first() {
        Some(first) if is_decimal(first) && w.get(1).is_some_and(|x| x != "times") => {
            let (triple, rest) = pair(clause, w)?;
            (Some(triple), rest)
        }
        _ => (None, w),
    };
    let [times, times_word, rest @ ..] = rest else {
        return Err(not_understood(
            clause,
            rest.first().map(String::as_str).unwrap_or(""),
        ));
    };
    if times_word != "times" && times_word != "x" {
        return Err(not_understood(clause, times_word));
    }
    let times: u16 = times
        .parse()
        .ok()
        .filter(|t| *t > 0)
        .ok_or_else(|| not_understood(clause, times))?;
    let every_secs = match rest {
        [] => None,
        [every, tail @ ..] if every == "every" => Some(duration(clause, tail)?),
        [word, ..] => return Err(not_understood(clause, word)),
    };
    Ok(Intent::Dca {
        times,
        every_secs,
        swap,
    })
}

fn parse_rebalance(clause: &str, w: &[String]) -> Result<Intent, GoalError> {
    let rest = match w {
        [to, rest @ ..] if to == "to" => rest,
        _ => w,
    };
    let [weights, rest @ ..] = rest else {
        return Err(not_understood(clause, ""));
    };
    let weights_pct: Vec<u16> = weights
        .split('/')
        .map(|p| p.trim_end_matches('%').parse::<u16>())
        .collect::<Result<_, _>>()
        .map_err(|_| not_understood(clause, weights))?;
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
                ));
            }
        }
        [word, ..] => return Err(not_understood(clause, word)),
    };
    Ok(Intent::Rebalance {
        weights_pct,
        symbols,
        low_slippage,
    })
}

fn parse_fee_cap(clause: &str, w: &[String]) -> Result<Intent, GoalError> {
    match w {
        [fees, rest @ ..] if fees == "fees" || fees == "fee" => match bps(clause, rest)? {
            Some(bps) => Ok(Intent::FeeCap { bps }),
            None => Err(not_understood(clause, fees)),
        },
        [word, ..] => Err(not_understood(clause, word)),
        [] => Err(not_understood(clause, "cap")),
    }
}

/// `text` (decimal, whole tokens) in atoms of a `decimals`-decimal token, exactly.
pub fn to_atoms(text: &str, decimals: u8) -> Option<u64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > usize::from(decimals) {
        return None;
    }
    let scale = 10u64.checked_pow(u32::from(decimals))?;
    let fraction_atoms: u64 = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<width$}", width = usize::from(decimals))
            .parse()
            .ok()?
    };
    whole
        .parse::<u64>()
        .ok()?
        .checked_mul(scale)?
        .checked_add(fraction_atoms)
}

#[cfg(test)]
mod tests;
