use super::{roles::*, *};
use crate::broker::Strategy;
use anchor_lang::prelude::Pubkey;

#[test]
fn test_precedence_is_defaults_then_file_then_env_then_flags() {
    let dir = std::env::temp_dir().join(format!("agentrunner-settings-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("broker.toml");
    std::fs::write(
        &file,
        "url = \"http://file:1\"\ninterval_secs = 9\n[strategy]\nprice = 70000\neta_ms = 500\n",
    )
    .unwrap();
    let agent = Pubkey::new_unique();
    let flags = Flags::<BrokerFlags> {
        common: CommonFlags {
            config: Some(file),
            url: Some("http://flag:3".into()),
            set: vec!["strategy.eta_ms=650".into()],
            ..CommonFlags::default()
        },
        keeper: BrokerFlags {
            agent: Some(agent),
            ..BrokerFlags::default()
        },
    };
    let env = [
        ("AGENTRUNNER__INTERVAL_SECS".to_string(), "11".to_string()),
        (
            "AGENTRUNNER_BROKER__INTERVAL_SECS".to_string(),
            "12".to_string(),
        ),
        (
            "AGENTRUNNER__STRATEGY__PRICE".to_string(),
            "60000".to_string(),
        ),
        ("UNRELATED".to_string(), "x".to_string()),
    ];
    let settings = Settings::<BrokerSettings>::load("broker", &flags, env).unwrap();
    assert_eq!(settings.common.url, "http://flag:3");
    assert_eq!(
        settings.common.interval_secs, 12,
        "keeper env beats shared env beats file"
    );
    assert_eq!(settings.keeper.strategy.price, 60_000, "env beats file");
    assert_eq!(settings.keeper.strategy.eta_ms, 650, "--set beats file");
    assert_eq!(
        settings.keeper.strategy.success_rate_bps,
        Strategy::default().success_rate_bps
    );
    assert_eq!(settings.keeper.agent, Some(agent.to_string()), "typed flag");
    assert!(
        settings.common.journal.ends_with("journal/broker.journal"),
        "a journal of its own: {}",
        settings.common.journal.display()
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn test_bad_and_unknown_settings_are_refused_with_the_reason() {
    let with = |set: &str| Flags::<AnchorerFlags> {
        common: CommonFlags {
            set: vec![set.into()],
            ..CommonFlags::default()
        },
        keeper: AnchorerFlags::default(),
    };
    let error = Settings::<AnchorerSettings>::load("anchorer", &with("interval_secs=soon"), [])
        .unwrap_err();
    assert!(format!("{error:#}").contains("interval_secs"), "{error:#}");
    // The broker's settings mean nothing to the anchorer.
    let error =
        Settings::<AnchorerSettings>::load("anchorer", &with("bid_secs=5"), []).unwrap_err();
    assert!(
        format!("{error:#}").contains("unknown setting `bid_secs`"),
        "{error:#}"
    );
}

#[test]
fn test_help_lists_every_setting_with_its_default() {
    let help = settings_help::<BrokerSettings>("broker");
    for field in [
        "url",
        "keypair",
        "journal",
        "metrics_bind",
        "agent",
        "strategy",
        "data_price",
    ] {
        assert!(help.contains(&format!("  {field} = ")), "{field}: {help}");
    }
    let flags = Flags::<BrokerFlags>::parse_for(
        "broker",
        "a vendor's keeper",
        help,
        [
            "broker",
            "--agent",
            "11111111111111111111111111111112",
            "--once",
        ]
        .map(String::from),
    )
    .unwrap();
    assert!(flags.common.once && flags.keeper.agent.is_some());
}
