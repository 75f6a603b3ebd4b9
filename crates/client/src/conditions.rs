//! Conditional steps off-chain: a step's trigger in words, and whether it holds now, judged by
//! the runner's own rule (`runner::trigger`) on the guarded reading of the pinned oracle
//! account — what brokers check before they execute and what `status` says a step waits for.
use anchor_lang::prelude::{Clock, Pubkey};
use runner::{
    math::UsdPrice,
    oracle::Reading,
    state::{Plan, PlanStep, StepKind},
    trigger::{Leg, Trigger},
};
use solana_account::Account;

use crate::{
    deployment::Deployment,
    pinned::{self, Unpriced},
    units::amount,
};

/// `trigger` in words, `symbol` naming the watched token: "SOL at or below $140".
pub fn describe(trigger: &Trigger, symbol: &str) -> String {
    match *trigger {
        Trigger::Always => "always".into(),
        Trigger::PriceAtLeast { micro_usd, .. } => {
            format!("{symbol} at or above ${}", amount(micro_usd, 6))
        }
        Trigger::PriceAtMost { micro_usd, .. } => {
            format!("{symbol} at or below ${}", amount(micro_usd, 6))
        }
        Trigger::VolatilityAtLeast { bps, .. } => {
            format!("{symbol} at least {bps} bps away from its EMA price")
        }
    }
}

/// A guarded reading's price and, for volatility triggers, its distance from the EMA, in
/// words: "$150" or "$150, 120 bps from its EMA".
pub fn observed(trigger: &Trigger, reading: &Reading) -> String {
    let price = dollars(reading.price);
    match (trigger, reading.ema) {
        (Trigger::VolatilityAtLeast { .. }, Some(ema)) if ema > 0 => {
            let bps = reading.price.mantissa.abs_diff(ema) * 10_000 / ema;
            format!("{price}, {bps} bps from its EMA")
        }
        _ => price,
    }
}

/// `price` in dollars, to the cent (rounded down).
fn dollars(price: UsdPrice) -> String {
    let cents = runner::math::scale(price.mantissa, price.exponent + 2).unwrap_or(u128::MAX);
    format!("${}", amount(u64::try_from(cents).unwrap_or(u64::MAX), 2))
}

/// Whether `step`'s trigger holds now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Judged {
    /// The step has no trigger, or it holds on a fresh reading.
    Holds,
    /// It does not hold: why, in words ("SOL at or below $140; now $150").
    Waits(String),
    /// The watched price cannot be judged (stale, unverified, missing): the runner would
    /// refuse the execution for this reason.
    Unjudgeable(String),
}

/// The mint `step`'s trigger watches: one of its legs, or — a liquidity step watching its
/// pool's other token — that token, from the deployment's pool of the step's LP token (the
/// runner reads the same pool on-chain). `None`: no trigger, or a pool the deployment does
/// not know.
pub fn watched_mint(deployment: &Deployment, step: &PlanStep) -> Option<Pubkey> {
    let trigger = step.guards.trigger;
    if trigger.leg() != Some(Leg::PoolOther) {
        return trigger.watched_mint(step);
    }
    let (lp, token) = match step.kind {
        StepKind::AddLiquidity => (step.mint_out, step.mint_in),
        _ => (step.mint_in, step.mint_out),
    };
    let (_, pool) = deployment.pool_of_lp(&lp)?;
    Some(if pool.mint_a == token {
        pool.mint_b
    } else {
        pool.mint_a
    })
}

/// The oracle account `step`'s trigger is judged on: the plan's pinned account of the mint it
/// watches (`None`: no trigger, or a mint outside the plan).
pub fn watched_oracle(deployment: &Deployment, plan: &Plan, step: &PlanStep) -> Option<Pubkey> {
    let mint = watched_mint(deployment, step)?;
    pinned::policy(plan, &mint).ok().map(|p| p.oracle)
}

/// Judges `step`'s trigger on `account`, what lives at its [`watched_oracle`], with the step's
/// guards, at `clock`, as the runner will; `symbol` names mints in the words.
pub fn judge(
    deployment: &Deployment,
    plan: &Plan,
    step: &PlanStep,
    account: Option<&Account>,
    clock: &Clock,
    symbol: impl Fn(&Pubkey) -> String,
) -> Judged {
    let trigger = step.guards.trigger;
    let Some(mint) = watched_mint(deployment, step) else {
        return Judged::Holds;
    };
    let reading = pinned::policy(plan, &mint)
        .and_then(|policy| pinned::reading(&policy, &step.guards, account, clock));
    match reading {
        Err(Unpriced::NotInPlan(_)) => {
            Judged::Unjudgeable(format!("{} is not in the plan", symbol(&mint)))
        }
        Err(Unpriced::Missing(oracle)) => Judged::Unjudgeable(format!(
            "{}'s price account {oracle} is missing",
            symbol(&mint)
        )),
        Err(Unpriced::Refused(e)) => Judged::Unjudgeable(format!("{}'s price: {e}", symbol(&mint))),
        Ok(reading) => match trigger.holds_at(&reading) {
            Ok(true) => Judged::Holds,
            Ok(false) => Judged::Waits(format!(
                "{}; now {}",
                describe(&trigger, &symbol(&mint)),
                observed(&trigger, &reading)
            )),
            Err(e) => Judged::Unjudgeable(e.to_string()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use runner::trigger::Leg;

    #[test]
    fn test_triggers_and_prices_in_words() {
        let reading = Reading {
            price: UsdPrice {
                mantissa: 150_12345678,
                exponent: -8,
            },
            ema: Some(148_00000000),
            publish_time: 0,
            feed: [0; 32],
            raw_price: 150_12345678,
            raw_exponent: -8,
        };
        let stop = Trigger::PriceAtMost {
            leg: Leg::Input,
            micro_usd: 140_500_000,
        };
        assert_eq!(describe(&stop, "SOL"), "SOL at or below $140.5");
        assert_eq!(observed(&stop, &reading), "$150.12");
        let spike = Trigger::VolatilityAtLeast {
            leg: Leg::Input,
            bps: 200,
        };
        assert_eq!(
            describe(&spike, "SOL"),
            "SOL at least 200 bps away from its EMA price"
        );
        assert_eq!(observed(&spike, &reading), "$150.12, 143 bps from its EMA");
    }
}
