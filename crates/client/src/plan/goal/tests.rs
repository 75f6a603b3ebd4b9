use super::*;

fn swap(amount: &str, sell: &str, buy: &str, bps: Option<u16>) -> Intent {
    Intent::Swap {
        swap: SwapText {
            amount: Amount::Tokens(amount.into()),
            sell: sell.into(),
            buy: buy.into(),
        },
        max_slippage_bps: bps,
        when: None,
    }
}

#[test]
fn test_the_seed_goal_parses_into_a_swap_then_a_dca() {
    assert_eq!(
        parse_goal("Swap 1 SOL->USDC <=30 bps; then DCA 5 times").unwrap(),
        vec![
            swap("1", "SOL", "USDC", Some(30)),
            Intent::Dca {
                times: 5,
                every_secs: None,
                swap: None,
                max_slippage_bps: None,
                when: None,
            }
        ]
    );
}

#[test]
fn test_spelling_variants_parse_the_same() {
    let expected = vec![
        swap("0.5", "SOL", "USDC", Some(25)),
        Intent::Dca {
            times: 3,
            every_secs: Some(1_800),
            swap: None,
            max_slippage_bps: None,
            when: None,
        },
    ];
    for goal in [
        "swap 0.5 sol to usdc max 25 bps then dca 3 times every 30m",
        "Swap 0.5 SOL → USDC <= 25 bps, then DCA 3 times every 30 minutes",
        "SWAP 0.5 SOL into USDC slippage 25 bps; DCA 3 times every 1800s",
    ] {
        assert_eq!(parse_goal(goal).unwrap(), expected, "{goal}");
    }
}

#[test]
fn test_rebalance_with_symbols_routes_and_fee_cap() {
    assert_eq!(
        parse_goal(
            "Rebalance to 60/30/10 [SOL/USDC/JUP] using low-slippage routes; cap fees at 5 bps"
        )
        .unwrap(),
        vec![
            Intent::Rebalance {
                weights_pct: vec![60, 30, 10],
                symbols: Some(vec!["SOL".into(), "USDC".into(), "JUP".into()]),
                low_slippage: true
            },
            Intent::FeeCap { bps: 5 }
        ]
    );
}

#[test]
fn test_standalone_dca_with_its_own_pair() {
    assert_eq!(
        parse_goal("DCA 10 USDC->SOL 4 times every 1h").unwrap(),
        vec![Intent::Dca {
            times: 4,
            every_secs: Some(3_600),
            swap: Some(SwapText {
                amount: Amount::Tokens("10".into()),
                sell: "USDC".into(),
                buy: "SOL".into()
            }),
            max_slippage_bps: None,
            when: None,
        }]
    );
}

#[test]
fn test_unparseable_goals_name_the_part_not_understood() {
    let cases = [
        ("Swap one SOL->USDC", "one"),
        ("Swap 1 SOL=>USDC", "sol=>usdc"),
        ("Swap 1 SOL->USDC <=30 pct", "30"),
        ("Buy the dip", "the"),
        ("Swap 1 SOL->USDC; then DCA five times", "five"),
        ("DCA 5 times every fortnight", "fortnight"),
    ];
    for (goal, word) in cases {
        match parse_goal(goal) {
            Err(GoalError::NotUnderstood { word: got, .. }) => assert_eq!(got, word, "{goal}"),
            other => panic!("{goal}: {other:?}"),
        }
    }
    assert!(matches!(
        parse_goal("Rebalance to 60/30/20"),
        Err(GoalError::Invalid { .. })
    ));
    assert!(matches!(
        parse_goal("rebalance to 50/50 SOL/USDC if SOL is above $200"),
        Err(GoalError::Unsupported { .. })
    ));
}

#[test]
fn test_amounts_convert_to_atoms_exactly() {
    assert_eq!(to_atoms("1", 9), Some(1_000_000_000));
    assert_eq!(to_atoms("0.000000001", 9), Some(1));
    assert_eq!(to_atoms("2.5", 6), Some(2_500_000));
    assert_eq!(to_atoms("0.0000001", 6), None);
    assert_eq!(to_atoms("18446744073709.551616", 6), None);
}
