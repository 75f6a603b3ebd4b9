//! The quantities a goal names: how much to sell (tokens, dollars, or a share of a balance),
//! percentages and basis points.
use super::{not_understood, GoalError};

/// How much of the sold token a swap sells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Amount {
    /// Whole tokens, decimal text (`1.5 SOL`).
    Tokens(String),
    /// US dollars' worth at the oracle price when planning, decimal text (`$50 of SOL`).
    Usd(String),
    /// A share of the owner's balance when planning, bps: `half my JUP` is 5,000, `all my JUP`
    /// 10,000, `25% of my SOL` 2,500.
    Share(u16),
}

/// Examples shown when an amount is not understood.
pub const AMOUNT_HINT: &str =
    "write the amount as \"1.5 SOL\", \"$50 of SOL\", \"half my SOL\", \"25% of my SOL\" or \"all my SOL\"";

/// Examples shown when a slippage or fee cap is not understood.
pub const BPS_HINT: &str = "write a cap as \"30 bps\", \"<=30 bps\", \"max 1%\" or \"0.5%\"";

pub fn is_decimal(text: &str) -> bool {
    let mut parts = text.split('.');
    let whole = parts.next().unwrap_or("");
    let fraction = parts.next();
    parts.next().is_none()
        && !whole.is_empty()
        && whole.chars().all(|c| c.is_ascii_digit())
        && fraction.is_none_or(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_digit()))
}

/// `text` (decimal, whole units) in atoms of a `decimals`-decimal unit, exactly.
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

/// `N%` (up to two decimals, at most 100%) in bps.
pub fn percent_bps(text: &str) -> Option<u16> {
    let number = text.strip_suffix('%')?;
    if !is_decimal(number) {
        return None;
    }
    to_atoms(number, 2)
        .filter(|bps| *bps <= 10_000)
        .map(|bps| bps as u16)
}

/// Parses `<amount> <SYMBOL>` at the start of `w`: the amount, the symbol (upper case) and the
/// rest. Forms: `1.5 SOL`, `$50 of SOL`, `$50 SOL`, `50 usd of SOL`, `half [of] my SOL`,
/// `all [of] my SOL`, `25% of my SOL`.
pub fn amount_of<'a>(
    clause: &str,
    w: &'a [String],
) -> Result<(Amount, String, &'a [String]), GoalError> {
    let hint = |word: &str| not_understood(clause, word, AMOUNT_HINT);
    let first = w.first().map(String::as_str).unwrap_or("");
    // A share of a balance: `half|all|N% [of] my SYMBOL`.
    let share = match first {
        "half" => Some(5_000),
        "all" => Some(10_000),
        other => percent_bps(other).filter(|bps| *bps > 0),
    };
    if let Some(bps) = share {
        let rest = &w[1..];
        let rest = rest.strip_prefix(&["of".to_string()]).unwrap_or(rest);
        return match rest {
            [my, symbol, rest @ ..] if my == "my" => {
                Ok((Amount::Share(bps), symbol.to_uppercase(), rest))
            }
            [word, ..] => Err(hint(word)),
            [] => Err(hint(first)),
        };
    }
    // Dollars: `$50 [of] SYMBOL` or `50 usd|dollars [of] SYMBOL`.
    let (dollars, rest) = match w {
        [d, rest @ ..] if d.starts_with('$') => (Some(d[1..].to_string()), rest),
        [n, unit, rest @ ..] if is_decimal(n) && matches!(unit.as_str(), "usd" | "dollars") => {
            (Some(n.clone()), rest)
        }
        _ => (None, w),
    };
    if let Some(dollars) = dollars {
        if !is_decimal(&dollars) {
            return Err(hint(first));
        }
        let rest = rest.strip_prefix(&["of".to_string()]).unwrap_or(rest);
        return match rest {
            [symbol, rest @ ..] => Ok((Amount::Usd(dollars), symbol.to_uppercase(), rest)),
            [] => Err(hint(first)),
        };
    }
    match w {
        [n, symbol, rest @ ..] if is_decimal(n) => {
            Ok((Amount::Tokens(n.clone()), symbol.to_uppercase(), rest))
        }
        [word, ..] => Err(hint(word)),
        [] => Err(hint("")),
    }
}
