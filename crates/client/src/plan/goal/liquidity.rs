//! Liquidity clauses: providing one token to a pool (`add 100 USDC of liquidity to SOL/USDC`,
//! `provide $50 of USDC to the SOL-USDC pool`) and exiting an LP position (`exit LP`, `exit my
//! SOL/USDC LP to USDC`, `withdraw half my LP`). The pool is named by its pair (`SOL/USDC` or
//! `SOL-USDC`); an exit without one leaves the pool to the planner (the one LP position the
//! owner holds).
use super::{
    amount::{amount_of, is_decimal, percent_bps},
    not_understood, Amount, GoalError, Intent,
};

const ADD_HINT: &str = "write \"add 100 USDC of liquidity to SOL/USDC\" or \"provide $50 of \
                        USDC to the SOL-USDC pool\"";
const EXIT_HINT: &str = "write \"exit LP\", \"exit my SOL/USDC LP to USDC\" or \"withdraw half \
                         my LP\"";

/// Words that only join a liquidity clause's parts.
fn filler(word: &str) -> bool {
    matches!(
        word,
        "of" | "the" | "my" | "liquidity" | "lp" | "pool" | "position" | "positions" | "from"
    )
}

/// A pool's pair as written (`sol/usdc`, `sol-usdc`), upper case.
fn pair(word: &str) -> Option<(String, String)> {
    let (a, b) = word.split_once('/').or_else(|| word.split_once('-'))?;
    (!a.is_empty() && !b.is_empty() && !b.contains(['/', '-']))
        .then(|| (a.to_uppercase(), b.to_uppercase()))
}

/// After `add`/`provide`/`deposit`: `[liquidity with] <amount> <TOKEN> [of liquidity] [to|into
/// [the] <PAIR> [pool]]`.
pub(super) fn parse_add(clause: &str, w: &[String]) -> Result<Intent, GoalError> {
    let w = match w {
        [liquidity, with, rest @ ..] if liquidity == "liquidity" && with == "with" => rest,
        _ => w,
    };
    let (amount, token, rest) = amount_of(clause, w)?;
    let rest: Vec<&String> = rest.iter().filter(|x| !filler(x)).collect();
    let pair = match rest.as_slice() {
        [] => None,
        [to, named, extra @ ..] if matches!(to.as_str(), "to" | "into" | "in") => {
            let named = self::pair(named).ok_or_else(|| not_understood(clause, named, ADD_HINT))?;
            if let Some(word) = extra.first() {
                return Err(not_understood(clause, word, ADD_HINT));
            }
            Some(named)
        }
        [word, ..] => return Err(not_understood(clause, word, ADD_HINT)),
    };
    Ok(Intent::AddLiquidity {
        amount,
        token,
        pair,
        when: None,
    })
}

/// After `exit`/`withdraw`/`remove`/`close`: `[all|half|N%|<amount>] [my] [<PAIR>] [LP|
/// liquidity|position] [to <TOKEN>]`; all of it when no amount is written.
pub(super) fn parse_exit(clause: &str, w: &[String]) -> Result<Intent, GoalError> {
    let (body, to) = match w.iter().position(|x| x == "to" || x == "into") {
        Some(at) => match &w[at + 1..] {
            [token] => (&w[..at], Some(token.to_uppercase())),
            [word, ..] => return Err(not_understood(clause, word, EXIT_HINT)),
            [] => return Err(not_understood(clause, &w[at], EXIT_HINT)),
        },
        None => (w, None),
    };
    let mut amount = None;
    let mut pair = None;
    for word in body.iter().filter(|x| !filler(x)) {
        let share = match word.as_str() {
            "all" | "everything" => Some(10_000),
            "half" => Some(5_000),
            other => percent_bps(other).filter(|bps| *bps > 0),
        };
        match (share, self::pair(word)) {
            (Some(bps), _) if amount.is_none() => amount = Some(Amount::Share(bps)),
            (None, Some(named)) if pair.is_none() => pair = Some(named),
            (None, None) if amount.is_none() && is_decimal(word) => {
                amount = Some(Amount::Tokens(word.clone()))
            }
            _ => return Err(not_understood(clause, word, EXIT_HINT)),
        }
    }
    Ok(Intent::RemoveLiquidity {
        amount: amount.unwrap_or(Amount::Share(10_000)),
        pair,
        to,
        when: None,
    })
}

#[cfg(test)]
mod tests {
    use super::{super::parse_goal, *};

    fn add(amount: Amount, token: &str, pair: Option<(&str, &str)>) -> Intent {
        Intent::AddLiquidity {
            amount,
            token: token.into(),
            pair: pair.map(|(a, b)| (a.into(), b.into())),
            when: None,
        }
    }

    fn exit(amount: Amount, pair: Option<(&str, &str)>, to: Option<&str>) -> Intent {
        Intent::RemoveLiquidity {
            amount,
            pair: pair.map(|(a, b)| (a.into(), b.into())),
            to: to.map(Into::into),
            when: None,
        }
    }

    #[test]
    fn test_liquidity_clauses_in_their_forms() {
        let sol_usdc = Some(("SOL", "USDC"));
        for (goal, expected) in [
            (
                "add 100 USDC of liquidity to SOL/USDC",
                add(Amount::Tokens("100".into()), "USDC", sol_usdc),
            ),
            (
                "provide $50 of USDC to the SOL-USDC pool",
                add(Amount::Usd("50".into()), "USDC", sol_usdc),
            ),
            (
                "provide liquidity with half my USDC",
                add(Amount::Share(5_000), "USDC", None),
            ),
            ("exit LP", exit(Amount::Share(10_000), None, None)),
            (
                "exit my SOL/USDC LP to USDC",
                exit(Amount::Share(10_000), sol_usdc, Some("USDC")),
            ),
            (
                "withdraw half my LP",
                exit(Amount::Share(5_000), None, None),
            ),
            (
                "remove 1.5 SOL-USDC LP to SOL",
                exit(Amount::Tokens("1.5".into()), sol_usdc, Some("SOL")),
            ),
        ] {
            assert_eq!(parse_goal(goal).unwrap(), vec![expected], "{goal}");
        }
        let refused = parse_goal("add 100 USDC to SOL USDC").unwrap_err();
        assert!(refused.to_string().contains("(at \"sol\")"), "{refused}");
        let refused = parse_goal("exit my LP to SOL and USDC").unwrap_err();
        assert!(refused.to_string().contains("\"sol\""), "{refused}");
    }
}
