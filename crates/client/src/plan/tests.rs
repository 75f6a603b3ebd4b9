use super::*;

/// The fixed deployment of docs/GOALS.md's table.
pub(super) fn context() -> PlanContext {
    let token = |symbol: &str, decimals: u8, feed: u8| Token {
        symbol: symbol.into(),
        mint: Pubkey::new_from_array([feed; 32]),
        decimals,
        pyth_feed: [feed; 32],
        price_account: Pubkey::new_from_array([feed + 100; 32]),
        pool: None,
    };
    let lp = Token {
        pool: Some(("SOL".into(), "USDC".into())),
        pyth_feed: [0; 32],
        ..token("SOL-USDC-LP", 9, 4)
    };
    PlanContext {
        book: TokenBook {
            tokens: vec![
                token("SOL", 9, 1),
                token("USDC", 6, 2),
                token("JUP", 6, 3),
                lp,
            ],
        },
        prices: vec![
            ("SOL".into(), 150_000_000),
            ("USDC".into(), 1_000_000),
            ("JUP".into(), 800_000),
            ("SOL-USDC-LP".into(), 300_000_000),
        ],
        holdings: vec![
            ("SOL".into(), 10_000_000_000),
            ("USDC".into(), 100_000_000),
            ("JUP".into(), 500_000_000),
            ("SOL-USDC-LP".into(), 2_000_000_000),
        ],
        venues: vec![Pubkey::new_from_array([9; 32])],
        pools: vec![("SOL".into(), "USDC".into()), ("JUP".into(), "USDC".into())],
        fee_token: "USDC".into(),
        hub: "USDC".into(),
        default_interval_secs: 3_600,
        // Vendors ask 0.01 USDC per swap or DCA execution.
        asks: vec![
            (NodeKind::Swap.capability(), 10_000),
            (NodeKind::Dca.capability(), 10_000),
            (NodeKind::AddLiquidity.capability(), 10_000),
        ],
    }
}

#[test]
fn test_seed_goal_plans_a_swap_and_a_dependent_dca_with_capped_policy() {
    let graph = plan_goal("Swap 1 SOL->USDC <=30 bps; then DCA 5 times", &context()).unwrap();
    assert_eq!(graph.steps.len(), 2);
    let (swap, dca) = (&graph.steps[0], &graph.steps[1]);
    assert_eq!(
        (swap.kind, swap.amount_in, swap.guards.max_slippage_bps),
        (NodeKind::Swap, 1_000_000_000, 30)
    );
    assert_eq!(
        (dca.kind, dca.repeat, dca.interval_secs),
        (NodeKind::Dca, 5, 3_600)
    );
    assert_eq!(
        (dca.sell.as_str(), dca.buy.as_str(), dca.amount_in),
        ("SOL", "USDC", 1_000_000_000)
    );
    assert_eq!(dca.depends_on, vec![0]);
    assert_eq!(dca.guards, swap.guards);
    // $150 per execution, $900 in all, plus 10%.
    assert_eq!(
        (graph.policy.notional_cap_usd, graph.policy.daily_cap_usd),
        (165_000_000, 990_000_000)
    );
    assert_eq!(
        graph.policy.tokens,
        vec!["SOL".to_string(), "USDC".to_string()]
    );

    let args = graph
        .create_args(7, Pubkey::new_unique(), &context().book)
        .unwrap();
    assert_eq!(args.plan_hash, graph.hash());
    assert_eq!(
        (
            args.steps[1].mint_in,
            args.steps[1].mint_out,
            args.steps[1].depends_on
        ),
        (0, 1, 0b1)
    );
}

#[test]
fn test_plan_hash_is_canonical_and_sensitive_to_every_change() {
    let ctx = context();
    let a = plan_goal("Swap 1 SOL->USDC <=30 bps; then DCA 5 times", &ctx).unwrap();
    let b = plan_goal("Swap 1 SOL->USDC <=30 bps; then DCA 5 times", &ctx).unwrap();
    assert_eq!(a.hash(), b.hash());
    let reparsed: PlanGraph = serde_json::from_slice(&a.canonical_json()).unwrap();
    assert_eq!(reparsed.hash(), a.hash());
    let mut changed = a.clone();
    changed.steps[1].repeat = 6;
    assert_ne!(changed.hash(), a.hash());
}

#[test]
fn test_rebalance_goal_plans_sells_before_buys_with_low_slippage_and_fee_cap() {
    let mut ctx = context();
    // $1,500 SOL, $100 USDC, $400 JUP -> 40/40/20: sell $700 of SOL, buy nothing of JUP.
    let graph = plan_goal(
        "Rebalance to 40/40/20 [SOL/USDC/JUP] using low-slippage routes; cap fees at 5 bps",
        &ctx,
    )
    .unwrap();
    assert_eq!(graph.steps.len(), 1);
    assert_eq!(
        (graph.steps[0].sell.as_str(), graph.steps[0].amount_in),
        ("SOL", 4_666_666_666)
    );
    assert_eq!(
        (
            graph.steps[0].guards.max_slippage_bps,
            graph.steps[0].guards.fee_cap_bps
        ),
        (30, 5)
    );
    // Mostly USDC -> 60/30/10: buy SOL and JUP with USDC, after nothing to sell.
    ctx.holdings = vec![("USDC".into(), 2_000_000_000)];
    let graph = plan_goal("Rebalance to 60/30/10", &ctx).unwrap();
    let buys: Vec<(&str, u64)> = graph
        .steps
        .iter()
        .map(|s| (s.buy.as_str(), s.amount_in))
        .collect();
    assert_eq!(buys, vec![("SOL", 1_200_000_000), ("JUP", 200_000_000)]);
}

#[test]
fn test_plans_that_cannot_run_are_refused_with_a_reason() {
    let ctx = context();
    for (goal, reason) in [
        ("then DCA 5 times", "needs a swap"),
        ("Swap 1 BONK->USDC", "unknown token BONK"),
        ("Swap 0.0000000001 SOL->USDC", "at most 9 decimals"),
        ("cap fees at 5 bps", "nothing to execute"),
    ] {
        match plan_goal(goal, &ctx) {
            Err(PlanError::Invalid(text)) => assert!(text.contains(reason), "{goal}: {text}"),
            other => panic!("{goal}: {other:?}"),
        }
    }
}

fn interval(secs: u32) -> String {
    match secs {
        s if s % 604_800 == 0 => format!("{}w", s / 604_800),
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3_600 == 0 => format!("{}h", s / 3_600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// The plan in the words of docs/GOALS.md's table.
fn summary(ctx: &PlanContext, graph: &PlanGraph) -> String {
    graph
        .steps
        .iter()
        .map(|s| {
            let decimals = ctx.book.get(&s.sell).unwrap().decimals;
            let mut text = format!(
                "{} {} {}->{} slip {} fee {}",
                format!("{:?}", s.kind).to_lowercase(),
                crate::units::amount(s.amount_in, decimals),
                s.sell,
                s.buy,
                s.guards.max_slippage_bps,
                s.guards.fee_cap_bps
            );
            if s.kind == NodeKind::Dca {
                text += &format!(" x{} every {}", s.repeat, interval(s.interval_secs));
            }
            if !s.depends_on.is_empty() {
                let after: Vec<String> = s.depends_on.iter().map(u8::to_string).collect();
                text += &format!(" after {}", after.join(","));
            }
            let dollars = |micro_usd: &u64| crate::units::amount(*micro_usd, 6);
            text += &match &s.when {
                None => String::new(),
                Some(When::PriceAtLeast { token, micro_usd }) => {
                    format!(" if {token}>=${}", dollars(micro_usd))
                }
                Some(When::PriceAtMost { token, micro_usd }) => {
                    format!(" if {token}<=${}", dollars(micro_usd))
                }
                Some(When::VolatilityAtLeast { token, bps }) => {
                    format!(" if {token} vol>={bps}bps")
                }
            };
            text
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[test]
fn test_every_phrasing_in_docs_goals_md_plans_or_is_refused_as_documented() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/GOALS.md"))
        .unwrap();
    let table = doc
        .split("<!-- phrasings:begin -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- phrasings:end -->").next())
        .expect("docs/GOALS.md marks its table");
    let ctx = context();
    let mut rows = 0;
    for line in table.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        let (goal, expected) = (cells[0].trim_matches('`'), cells[1]);
        rows += 1;
        match (plan_goal(goal, &ctx), expected.strip_prefix("refused")) {
            (Ok(graph), None) => assert_eq!(summary(&ctx, &graph), expected, "{goal}"),
            (Err(PlanError::Goal(GoalError::NotUnderstood { word, hint, .. })), Some(at)) => {
                assert_eq!(format!(" at \"{word}\""), at, "{goal}");
                assert!(!hint.is_empty(), "{goal}: says what to write instead");
            }
            (Err(error), Some(reason)) => {
                let reason = reason.trim_start_matches(':').trim();
                assert!(error.to_string().contains(reason), "{goal}: {error}");
            }
            (got, _) => panic!("{goal}: expected {expected}, got {got:?}"),
        }
    }
    assert!(rows >= 50, "{rows} phrasings");
}

#[test]
fn test_conditions_become_on_chain_triggers_on_the_watched_leg() {
    use runner::trigger::{Leg, Trigger};
    let ctx = context();
    let trigger = |goal: &str| {
        let graph = plan_goal(goal, &ctx).unwrap();
        let args = graph
            .create_args(1, Pubkey::new_unique(), &ctx.book)
            .unwrap();
        args.steps[0].guards.trigger
    };
    assert_eq!(
        trigger("sell 1 SOL for USDC if SOL is above $200"),
        Trigger::PriceAtLeast {
            leg: Leg::Input,
            micro_usd: 200_000_000
        }
    );
    assert_eq!(
        trigger("buy SOL with 50 USDC if SOL drops below $120.5"),
        Trigger::PriceAtMost {
            leg: Leg::Output,
            micro_usd: 120_500_000
        }
    );
    assert_eq!(
        trigger("buy SOL with 20 USDC if volatility spikes"),
        Trigger::VolatilityAtLeast {
            leg: Leg::Output,
            bps: goal::condition::DEFAULT_SPIKE_BPS
        }
    );
    assert_eq!(trigger("swap 1 SOL to USDC"), Trigger::Always);
    // A condition is part of what the owner approves: it changes the plan hash.
    let plain = plan_goal("sell 1 SOL for USDC", &ctx).unwrap();
    let gated = plan_goal("sell 1 SOL for USDC if SOL is above $200", &ctx).unwrap();
    assert_ne!(plain.hash(), gated.hash());
    assert!(!String::from_utf8(plain.canonical_json())
        .unwrap()
        .contains("when"));
}

#[test]
fn test_portfolio_ops_rebalances_and_exits_lp_when_sols_volatility_spikes() {
    let graph = plan_goal(
        "Rebalance to 60/30/10 using low-slippage routes; cap fees at 5 bps; exit LP if volatility spikes",
        &context(),
    )
    .unwrap();
    let exit = graph.steps.last().unwrap();
    assert_eq!(exit.kind, NodeKind::RemoveLiquidity);
    assert_eq!(
        (exit.sell.as_str(), exit.buy.as_str()),
        ("SOL-USDC-LP", "USDC")
    );
    assert_eq!(exit.amount_in, 2_000_000_000, "all of the position");
    assert_eq!(
        exit.when,
        Some(When::VolatilityAtLeast {
            token: "SOL".into(),
            bps: goal::condition::DEFAULT_SPIKE_BPS
        })
    );
    assert_eq!(exit.guards.fee_cap_bps, 5);
    assert!(graph.steps[..graph.steps.len() - 1]
        .iter()
        .all(|s| s.kind == NodeKind::Rebalance && s.guards.max_slippage_bps == LOW_SLIPPAGE_BPS));
    // The LP token is priced from its pool: both of the pool's tokens are in the policy.
    for symbol in ["SOL", "USDC", "JUP", "SOL-USDC-LP"] {
        assert!(
            graph.policy.tokens.contains(&symbol.to_string()),
            "{symbol}"
        );
    }
    let args = graph
        .create_args(1, Pubkey::new_unique(), &context().book)
        .unwrap();
    let lp = args
        .mints
        .iter()
        .find(|m| m.source == runner::state::OracleSource::Pool)
        .unwrap();
    assert_eq!(lp.oracle, Pubkey::new_from_array([104; 32]));
    let step = args.steps.last().unwrap();
    assert!(matches!(
        step.guards.trigger,
        runner::trigger::Trigger::VolatilityAtLeast {
            leg: runner::trigger::Leg::PoolOther,
            ..
        }
    ));
}

#[test]
fn test_liquidity_goals_name_their_pool_and_position_or_are_refused_saying_which() {
    let ctx = context();
    let add = plan_goal("add 100 USDC of liquidity to SOL/USDC", &ctx).unwrap();
    assert_eq!(
        (
            add.steps[0].kind,
            add.steps[0].sell.as_str(),
            add.steps[0].buy.as_str()
        ),
        (NodeKind::AddLiquidity, "USDC", "SOL-USDC-LP")
    );
    assert_eq!(add.steps[0].amount_in, 100_000_000);
    let exit = plan_goal("withdraw half my LP to SOL", &ctx).unwrap();
    assert_eq!(
        (exit.steps[0].buy.as_str(), exit.steps[0].amount_in),
        ("SOL", 1_000_000_000)
    );
    for (goal, says) in [
        ("add 100 USDC of liquidity", "several pools trade USDC"),
        ("add 10 JUP to SOL/USDC", "holds no JUP"),
        ("exit my JUP/SOL LP", "no pool trades JUP for SOL"),
        ("exit LP to JUP", "pays out SOL or USDC, not JUP"),
        ("exit LP if JUP is above $1", "the condition watches JUP"),
    ] {
        let refused = plan_goal(goal, &ctx).unwrap_err().to_string();
        assert!(refused.contains(says), "{goal}: {refused}");
    }
    let mut empty = context();
    empty.holdings.retain(|(s, _)| s != "SOL-USDC-LP");
    let refused = plan_goal("exit LP", &empty).unwrap_err().to_string();
    assert!(refused.contains("no LP tokens"), "{refused}");
}
