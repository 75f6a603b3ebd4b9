//! Mints as people read them: symbols and amounts in whole tokens, from the deployment.
use agentrunner_client::{deployment::Deployment, units};
use anchor_lang::prelude::Pubkey;

/// The deployment's tokens by mint.
#[derive(Clone, Copy)]
pub struct Tokens<'a>(pub &'a Deployment);

impl Tokens<'_> {
    /// The mint's symbol ("SOL", an LP token "SOL-USDC-LP"), or its address when the
    /// deployment does not know it.
    pub fn symbol(&self, mint: &Pubkey) -> String {
        self.known(mint)
            .map_or_else(|| mint.to_string(), |(symbol, _)| symbol)
    }

    /// `atoms` of `mint` in whole tokens with its symbol: "1.5 SOL".
    pub fn amount(&self, mint: &Pubkey, atoms: u64) -> String {
        match self.known(mint) {
            Some((symbol, decimals)) => format!("{} {symbol}", units::amount(atoms, decimals)),
            None => format!("{atoms} atoms of {mint}"),
        }
    }

    /// The symbol and decimals of a deployment token or pool LP token, as the planner
    /// names them.
    fn known(&self, mint: &Pubkey) -> Option<(String, u8)> {
        self.0
            .book()
            .by_mint(mint)
            .map(|t| (t.symbol.clone(), t.decimals))
    }

    /// `atoms` of the fee token: "0.05 USDC".
    pub fn fee(&self, atoms: u64) -> String {
        match self.0.token(&self.0.fee_token) {
            Ok(t) => format!("{} {}", units::amount(atoms, t.decimals), t.symbol),
            Err(_) => format!("{atoms} atoms"),
        }
    }
}

/// Micro-USD as dollars: "$1,500.25" without the grouping — "$1500.25".
pub fn usd(micro_usd: u64) -> String {
    format!("${}", units::amount(micro_usd, 6))
}

/// A span of seconds, short: "45 s", "15 min", "2 h", "3 d".
pub fn span(secs: i64) -> String {
    let secs = secs.max(0);
    match secs {
        s if s < 120 => format!("{s} s"),
        s if s % 86_400 == 0 => format!("{} d", s / 86_400),
        s if s % 3_600 == 0 => format!("{} h", s / 3_600),
        s if s < 7_200 => format!("{} min", s / 60),
        s if s < 172_800 => format!("{} h", s / 3_600),
        s => format!("{} d", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_spans_and_dollars_read_short() {
        assert_eq!(span(-3), "0 s");
        assert_eq!(span(90), "90 s");
        assert_eq!(span(900), "15 min");
        assert_eq!(span(3_600), "1 h");
        assert_eq!(span(5_400), "90 min");
        assert_eq!(span(7_200), "2 h");
        assert_eq!(span(604_800), "7 d");
        assert_eq!(usd(1_500_250_000), "$1500.25");
    }
}
