//! A plan step as the pages show it: what it does, the guards that fence every execution, and
//! where it stands in the lifecycle (the phase bar: Planning -> RFP -> Offers -> Hiring ->
//! Executing -> Completed).
use agentrunner_client::{
    conditions,
    flows::{manifest::capability_names, StepState},
};
use runner::state::{Plan, PlanStep, StepKind};
use serde::Serialize;

use super::tokens::{span, Tokens};

/// The lifecycle phases, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Phase {
    Planning,
    Rfp,
    Offers,
    Hiring,
    Executing,
    Completed,
}

/// Every phase with its label, in order.
pub const PHASES: [(Phase, &str); 6] = [
    (Phase::Planning, "Planning"),
    (Phase::Rfp, "RFP"),
    (Phase::Offers, "Offers"),
    (Phase::Hiring, "Hiring"),
    (Phase::Executing, "Executing"),
    (Phase::Completed, "Completed"),
];

impl Phase {
    /// The phase of a step in `state` (`flows::explain`'s stage) with `offers` live offers:
    /// an RFP without offers is "RFP", with some "Offers"; awaiting an award or the owner's
    /// approval is "Hiring"; a step with nothing more to do (done, failed, unfunded,
    /// cancelled) is "Completed".
    pub fn of(state: &StepState, offers: usize) -> Self {
        match state.stage {
            "Planning" => Self::Planning,
            "Bidding" if offers == 0 => Self::Rfp,
            "Bidding" => Self::Offers,
            "Hiring" | "Approving" => Self::Hiring,
            "Executing" => Self::Executing,
            _ => Self::Completed,
        }
    }

    pub fn label(self) -> &'static str {
        PHASES[self as usize].1
    }
}

/// One mark of the phase bar.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PhaseMark {
    pub label: &'static str,
    /// "done", "current" or "todo".
    pub state: &'static str,
}

/// The bar for a plan whose slowest step is at `phase`.
pub fn phase_bar(phase: Phase) -> Vec<PhaseMark> {
    PHASES
        .iter()
        .map(|(p, label)| PhaseMark {
            label,
            state: match p.cmp(&phase) {
                std::cmp::Ordering::Less => "done",
                std::cmp::Ordering::Equal if phase == Phase::Completed => "done",
                std::cmp::Ordering::Equal => "current",
                std::cmp::Ordering::Greater => "todo",
            },
        })
        .collect()
}

/// A guard as a row: what it limits and the limit.
#[derive(Clone, Debug, Serialize)]
pub struct GuardRow {
    pub name: &'static str,
    pub limit: String,
}

/// What a step does, in words, and its guards.
#[derive(Clone, Debug, Serialize)]
pub struct StepTerms {
    pub index: u16,
    /// "Swap", "DCA", "Rebalance", "Service".
    pub kind: &'static str,
    /// "Swap 1 SOL for USDC", "DCA 0.2 SOL into USDC, 5 times every 1 h".
    pub title: String,
    /// "after step 0", or empty.
    pub after: String,
    pub guards: Vec<GuardRow>,
}

fn kind_name(kind: StepKind) -> &'static str {
    match kind {
        StepKind::Swap => "Swap",
        StepKind::Dca => "DCA",
        StepKind::Rebalance => "Rebalance",
        StepKind::Service => "Service",
        StepKind::AddLiquidity => "Add liquidity",
        StepKind::RemoveLiquidity => "Remove liquidity",
    }
}

impl StepTerms {
    pub fn of(plan: &Plan, index: u16, step: &PlanStep, tokens: Tokens) -> Self {
        let kind = kind_name(step.kind);
        let title = match step.kind {
            StepKind::Service => {
                format!("Service: {}", capability_names(step.capability).join(", "))
            }
            StepKind::AddLiquidity => format!(
                "Add {} of liquidity for {}",
                tokens.amount(&step.mint_in, step.amount_in),
                tokens.symbol(&step.mint_out)
            ),
            StepKind::RemoveLiquidity => format!(
                "Exit {} to {}",
                tokens.amount(&step.mint_in, step.amount_in),
                tokens.symbol(&step.mint_out)
            ),
            _ if step.repeat > 1 => format!(
                "{kind} {} into {}, {} times every {}",
                tokens.amount(&step.mint_in, step.amount_in),
                tokens.symbol(&step.mint_out),
                step.repeat,
                span(i64::from(step.interval_secs))
            ),
            _ => format!(
                "{kind} {} for {}",
                tokens.amount(&step.mint_in, step.amount_in),
                tokens.symbol(&step.mint_out)
            ),
        };
        let after: Vec<String> = (0..plan.steps.len())
            .filter(|d| step.depends_on & (1 << d) != 0)
            .map(|d| format!("step {d}"))
            .collect();
        let g = &step.guards;
        let mut guards = vec![
            GuardRow {
                name: "Slippage cap",
                limit: format!("{} bps against the oracle price", g.max_slippage_bps),
            },
            GuardRow {
                name: "Vendor fee cap",
                limit: format!("{} bps of the notional", g.fee_cap_bps),
            },
            GuardRow {
                name: "Oracle freshness",
                limit: format!("published at most {} s before", g.oracle_max_age_secs),
            },
            GuardRow {
                name: "Oracle confidence",
                limit: format!("interval at most {} bps of the price", g.max_confidence_bps),
            },
        ];
        if let Some(mint) = conditions::watched_mint(tokens.0, step) {
            guards.push(GuardRow {
                name: "Condition",
                limit: conditions::describe(&g.trigger, &tokens.symbol(&mint)),
            });
        }
        if step.kind == StepKind::Service {
            guards.retain(|g| g.name == "Vendor fee cap");
        }
        Self {
            index,
            kind,
            title,
            after: if after.is_empty() {
                String::new()
            } else {
                format!("after {}", after.join(" and "))
            },
            guards,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(stage: &'static str) -> StepState {
        StepState {
            step: 0,
            stage,
            reason: String::new(),
        }
    }

    #[test]
    fn test_phases_follow_the_lifecycle_and_the_bar_marks_them() {
        assert_eq!(Phase::of(&state("Planning"), 0), Phase::Planning);
        assert_eq!(Phase::of(&state("Bidding"), 0), Phase::Rfp);
        assert_eq!(Phase::of(&state("Bidding"), 2), Phase::Offers);
        assert_eq!(Phase::of(&state("Hiring"), 2), Phase::Hiring);
        assert_eq!(Phase::of(&state("Approving"), 2), Phase::Hiring);
        assert_eq!(Phase::of(&state("Executing"), 2), Phase::Executing);
        for end in ["Done", "Failed", "Unfunded", "Cancelled"] {
            assert_eq!(Phase::of(&state(end), 0), Phase::Completed);
        }
        let bar: Vec<_> = phase_bar(Phase::Hiring).iter().map(|m| m.state).collect();
        assert_eq!(bar, ["done", "done", "done", "current", "todo", "todo"]);
        assert!(phase_bar(Phase::Completed)
            .iter()
            .all(|m| m.state == "done"));
        assert_eq!(Phase::Rfp.label(), "RFP");
    }
}
