//! The narrator: each [`Phase`] of the journey as sections, sentences and tables. It only
//! reads the report; every figure it shows was measured by the script.
use agentrunner_client::units::amount;
use anchor_lang::prelude::Pubkey;

use crate::report::Phase;

/// Where the narration goes.
pub trait Narrator {
    fn section(&mut self, title: &str);
    fn line(&mut self, text: &str);
    /// Rows of cells; the first row is the header.
    fn table(&mut self, rows: Vec<Vec<String>>);
}

/// `abcd…wxyz`.
pub fn short(key: &Pubkey) -> String {
    let s = key.to_string();
    format!("{}…{}", &s[..4], &s[s.len() - 4..])
}

fn usdc(atoms: u64) -> String {
    format!("{} USDC", amount(atoms, 6))
}

fn header(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| c.to_string()).collect()
}

fn check(ok: bool) -> String {
    if ok { "✓" } else { "✗" }.into()
}

/// Tells `phase`.
pub fn narrate(phase: Phase<'_>, n: &mut dyn Narrator) {
    match phase {
        Phase::Deployment(d) => {
            n.section("Deployment on the embedded chain");
            let programs: Vec<String> = d
                .programs
                .iter()
                .map(|(name, id)| format!("{name} {}", short(id)))
                .collect();
            n.line(&format!(
                "real bank in-process; programs: {}",
                programs.join(", ")
            ));
            let mut rows = vec![header(&["token", "mint", "Pyth feed", "price"])];
            for t in &d.tokens {
                rows.push(vec![
                    t.symbol.clone(),
                    short(&t.mint),
                    format!("{}…", &t.feed[..8.min(t.feed.len())]),
                    format!("${}", amount(t.price.max(0) as u64, 8)),
                ]);
            }
            n.table(rows);
            let pools: Vec<String> = d
                .pools
                .iter()
                .map(|p| {
                    format!(
                        "{}/{} {} / {} ({} bps)",
                        p.pair.0,
                        p.pair.1,
                        amount(p.reserves.0, p.decimals.0),
                        amount(p.reserves.1, p.decimals.1),
                        p.fee_bps
                    )
                })
                .collect();
            n.line(&format!("pools: {}", pools.join(", ")));
        }
        Phase::Vendors(vendors) => {
            n.section("Vendors register and are certified A–D");
            let mut rows = vec![header(&[
                "vendor", "fee/exec", "A", "B", "C", "D", "p95 ms", "success",
            ])];
            for v in vendors {
                let mut row = vec![v.name.clone(), usdc(v.price)];
                row.extend(
                    v.stages
                        .iter()
                        .map(|s| if s.passed { "pass" } else { "FAIL" }.into()),
                );
                while row.len() < 6 {
                    row.push("-".into());
                }
                let shown = v.failed().or(v.stages.last());
                row.extend(shown.map_or(["-".to_string(), "-".to_string()], |s| {
                    [
                        s.p95_latency_ms.to_string(),
                        format!("{:.2}%", f64::from(s.success_rate_bps) / 100.0),
                    ]
                }));
                rows.push(row);
            }
            n.table(rows);
            for v in vendors {
                if let Some(s) = v.failed() {
                    n.line(&format!(
                        "{} failed stage {}: {}",
                        v.name,
                        s.stage,
                        s.reasons.join("; ")
                    ));
                }
            }
        }
        Phase::MarketData(x) => {
            n.section("Market data over HTTP x402, then Goal → PlanGraph");
            n.line(&format!(
                "GET /ohlcv?symbol=SOL from {} → {} Payment Required: {} atoms of USDC, schemes {}, network {}",
                x.vendor,
                x.status,
                x.asked,
                x.schemes.join(" | "),
                x.network
            ));
            n.line(&format!(
                "paid {} requests with cumulative vouchers (PAYMENT-SIGNATURE → 200 + PAYMENT-RESPONSE); {} settled them in {} transaction(s): {} atoms; {} atoms back to the owner",
                x.requests, x.vendor, x.settlements, x.vendor_received, x.refunded
            ));
        }
        Phase::Plan(p) => {
            n.line(&format!("goal: \"{}\"", p.goal));
            let mut rows = vec![header(&[
                "step", "kind", "trade", "runs", "after", "slippage", "fee cap",
            ])];
            for (s, decimals) in p.graph.steps.iter().zip(&p.sell_decimals) {
                rows.push(vec![
                    s.id.to_string(),
                    format!("{:?}", s.kind),
                    format!("{} {} → {}", amount(s.amount_in, *decimals), s.sell, s.buy),
                    if s.repeat > 1 {
                        format!("{} × every {}s", s.repeat, s.interval_secs)
                    } else {
                        "1".into()
                    },
                    format!("{:?}", s.depends_on),
                    format!("{} bps", s.guards.max_slippage_bps),
                    format!("{} bps", s.guards.fee_cap_bps),
                ]);
            }
            n.table(rows);
            n.line(&format!(
                "caps: ${} per execution, ${} per day; plan hash {}",
                amount(p.graph.policy.notional_cap_usd, 6),
                amount(p.graph.policy.daily_cap_usd, 6),
                hex::encode(&p.graph.hash()[..8])
            ));
            n.line(&format!(
                "owner signed create_plan: plan {} ({} bytes)",
                short(&p.plan),
                p.create_bytes
            ));
        }
        Phase::Offers(o) => {
            n.section("RFPs, offers, award");
            for (vendor, why) in &o.abstained {
                n.line(&format!("{vendor} does not bid: {why}"));
            }
            let mut rows = vec![header(&[
                "step",
                "offers (fee per execution, reliability, utility)",
                "awarded (utility = reliability × guards / price)",
            ])];
            for step in &o.steps {
                let offers: Vec<String> = step
                    .offers
                    .iter()
                    .map(|line| {
                        format!(
                            "{} {} ({:.2}%, {:.2})",
                            line.vendor,
                            usdc(line.price),
                            line.reliability_bps as f64 / 100.0,
                            line.utility
                        )
                    })
                    .collect();
                rows.push(vec![
                    step.step.to_string(),
                    offers.join(", "),
                    step.winner.clone(),
                ]);
            }
            n.table(rows);
        }
        Phase::Approval(a) => {
            n.section("Approval: one owner signature");
            n.line(&format!(
                "{} output accounts, open_budget, {} grants, approve_plan over {} input mints in {} transaction(s): {} bytes, {} signature(s)",
                a.output_accounts, a.grants, a.input_mints, a.transactions, a.bytes, a.signatures
            ));
            n.line(&format!(
                "fee budget {}; the owner's delegate may move {} {} for this plan, one step's input at a time into staging; capital stays in the owner's account",
                usdc(a.deposit),
                amount(a.reserved_input, a.input_decimals),
                a.input_symbol
            ));
        }
        Phase::Execution(e) => {
            n.section("Guarded execution");
            let ((sell, sell_decimals), (buy, buy_decimals)) = &e.pair;
            for x in &e.landed {
                if x.step == e.stale.step && x.execution == 0 {
                    n.line(&format!(
                        "✗ {} forces step {} on a 1-hour-old price (guard checks off): refused on-chain — {}; accounts unchanged: {}",
                        e.stale.vendor, e.stale.step, e.stale.refusal, e.stale.changed_nothing
                    ));
                }
                n.line(&format!(
                    "✓ step {} #{} by {}: {} {sell} → {} {buy}, slippage {} bps vs oracle, fee {}, receipt leaf {}…",
                    x.step,
                    x.execution,
                    x.vendor,
                    amount(x.amount_in, *sell_decimals),
                    amount(x.amount_out, *buy_decimals),
                    x.slippage_bps,
                    usdc(x.fee),
                    &x.leaf[..12.min(x.leaf.len())]
                ));
            }
            n.line(&format!("plan finished: {}", e.plan_finished));
        }
        Phase::Anchoring(anchored) => {
            n.section("Period anchoring");
            for (shard, outcome) in anchored {
                n.line(&format!("shard {shard}: {outcome}"));
            }
        }
        Phase::Verification(v) => {
            n.section("Independent verification of every receipt");
            let mut rows = vec![header(&[
                "step",
                "#",
                "leaf",
                "index",
                "PeriodRoot",
                "off-chain",
                "on-chain",
            ])];
            for r in &v.receipts {
                rows.push(vec![
                    r.step.to_string(),
                    r.execution.to_string(),
                    format!("{}…", &hex::encode(r.leaf)[..12]),
                    r.index.to_string(),
                    r.period_root.as_ref().map_or("-".into(), short),
                    check(r.verified_off_chain),
                    check(r.verified_on_chain),
                ]);
            }
            n.table(rows);
            n.line(&format!(
                "receipt files (self-contained; check any later with `agentrunner verify <file>`, offline): {}",
                v.files_dir.display()
            ));
        }
        Phase::Settlement(refunded) => {
            n.section("Settlement: unused budget back to the owner");
            n.line(&format!(
                "refunded {}; grants, budget and plan closed (rent back to the owner)",
                usdc(refunded)
            ));
        }
        Phase::Books(c) => {
            n.section("Money conserved");
            n.table(vec![
                header(&["flow", "amount", "equals"]),
                vec![
                    "owner SOL out".into(),
                    amount(c.owner_sol_spent, 9),
                    format!(
                        "pool SOL in {} = Σ receipts amount_in {}",
                        amount(c.pool_sol_received, 9),
                        amount(c.sum_amount_in, 9)
                    ),
                ],
                vec![
                    "owner USDC in".into(),
                    amount(c.owner_usdc_received, 6),
                    format!(
                        "pool USDC out {} = Σ receipts amount_out {}",
                        amount(c.pool_usdc_paid, 6),
                        amount(c.sum_amount_out, 6)
                    ),
                ],
                vec![
                    "fee budget".into(),
                    amount(c.fees_deposited, 6),
                    format!(
                        "paid {} (vendors got {}) + refunded {}",
                        amount(c.fees_paid, 6),
                        amount(c.vendors_received, 6),
                        amount(c.fees_refunded, 6)
                    ),
                ],
            ]);
            n.line(if c.holds() {
                "✓ every atom accounted for"
            } else {
                "✗ MISMATCH"
            });
        }
    }
}
