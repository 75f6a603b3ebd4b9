//! A receipt as the drawer shows it: what was sold and bought, the oracle price the guards
//! used and its age, each guard with its limit and what was measured, the payment, the
//! transaction, the leaf, and where its proof leads (a PeriodRoot once anchored). The file
//! itself rides along for the browser's own verification.
use agentrunner_client::receipts::file::ReceiptFile;
use anchor_lang::prelude::Pubkey;
use runner::state::{Plan, PlanStep, StepKind};
use serde::Serialize;

use super::tokens::{span, Tokens};

/// A guard's verdict on one execution.
#[derive(Clone, Debug, Serialize)]
pub struct GuardVerdict {
    pub name: &'static str,
    pub limit: String,
    pub measured: String,
    pub held: bool,
}

/// One receipt.
#[derive(Clone, Debug, Serialize)]
pub struct ReceiptRow {
    pub step: u16,
    pub execution: u32,
    pub kind: String,
    /// Chain time of the execution, unix seconds.
    pub unix_time: i64,
    pub sold: String,
    pub bought: String,
    /// The input leg's oracle price as published: "$150.00".
    pub oracle_price: String,
    /// How old that price was when the step executed: "12 s".
    pub oracle_age: String,
    pub guards: Vec<GuardVerdict>,
    /// "0.05 USDC by grant <address>".
    pub payment: String,
    pub agent: String,
    pub transaction: String,
    pub leaf: String,
    pub tree: String,
    pub index: u64,
    /// The proof's nodes from the leaf up (hex), the root they lead to and the tree size it
    /// was taken at.
    pub proof: Vec<String>,
    pub root: String,
    pub tree_size: u64,
    /// The PeriodRoot whose root the file's proof leads to, once anchored.
    pub period_root: Option<String>,
    /// Whether the vendor's signature over the leaf came with the file.
    pub vendor_signed: bool,
    /// The file, for the browser's verifier (`<` escaped, so it can sit in a `<script>`).
    pub file_json: String,
}

/// `mantissa × 10^exponent` dollars, to the cent: "$150.00".
fn dollars(mantissa: i64, exponent: i32) -> String {
    let cents =
        runner::math::scale(u128::from(mantissa.unsigned_abs()), exponent + 2).unwrap_or(u128::MAX);
    let cents = u64::try_from(cents).unwrap_or(u64::MAX);
    format!("${}.{:02}", cents / 100, cents % 100)
}

impl ReceiptRow {
    /// The row of `file`, judged against `plan`'s step it records.
    pub fn of(file: &ReceiptFile, plan: &Plan, tokens: Tokens) -> Self {
        let r = &file.located.receipt;
        let mint = |text: &str| text.parse::<Pubkey>().unwrap_or_default();
        let (mint_in, mint_out) = (mint(&r.mint_in), mint(&r.mint_out));
        let step: Option<&PlanStep> = plan.steps.get(usize::from(r.step));
        let age = r.unix_time - r.guards.oracle_publish_time;
        let mut guards = Vec::new();
        if let Some(step) = step.filter(|s| s.kind != StepKind::Service) {
            let g = &step.guards;
            guards.push(GuardVerdict {
                name: "Oracle freshness",
                limit: format!("at most {} s old", g.oracle_max_age_secs),
                measured: format!("{} old", span(age)),
                held: age <= i64::from(g.oracle_max_age_secs),
            });
            guards.push(GuardVerdict {
                name: "Slippage cap",
                limit: format!("{} bps", g.max_slippage_bps),
                measured: format!("{} bps", r.guards.realized_slippage_bps),
                held: r.guards.realized_slippage_bps <= g.max_slippage_bps,
            });
            guards.push(GuardVerdict {
                name: "Venue allowlist",
                limit: format!("{} venue(s) allowed", plan.venues.len()),
                measured: r.venue.clone(),
                held: plan.venues.iter().any(|v| v.to_string() == r.venue),
            });
            guards.push(GuardVerdict {
                name: "Output account",
                limit: "the owner's own".into(),
                measured: format!("received {}", tokens.amount(&mint_out, r.amount_out)),
                held: r.amount_out > 0,
            });
        }
        Self {
            step: r.step,
            execution: r.execution,
            kind: r.kind.clone(),
            unix_time: r.unix_time,
            sold: tokens.amount(&mint_in, r.amount_in),
            bought: tokens.amount(&mint_out, r.amount_out),
            oracle_price: dollars(r.guards.oracle_price, r.guards.oracle_exponent),
            oracle_age: span(age),
            guards,
            payment: format!(
                "{} by {} {}",
                tokens.fee(r.payment.amount),
                r.payment.method,
                r.payment.reference
            ),
            agent: r.agent.clone(),
            transaction: file.located.transaction.clone(),
            leaf: file.located.leaf.clone(),
            tree: file.located.tree.clone(),
            index: file.located.index,
            proof: file
                .proof
                .as_ref()
                .map_or_else(Vec::new, |p| p.nodes.clone()),
            root: file
                .proof
                .as_ref()
                .map_or_else(String::new, |p| p.root.clone()),
            tree_size: file.proof.as_ref().map_or(0, |p| p.tree_size),
            period_root: file.period_root.clone(),
            vendor_signed: file.vendor.is_some(),
            file_json: serde_json::to_string(file)
                .unwrap_or_default()
                .replace('<', "\\u003c"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::dollars;

    #[test]
    fn test_oracle_prices_read_in_dollars_and_cents() {
        assert_eq!(dollars(150_00000000, -8), "$150.00");
        assert_eq!(dollars(139_99999999, -8), "$139.99");
        assert_eq!(dollars(1_5, -1), "$1.50");
    }
}
