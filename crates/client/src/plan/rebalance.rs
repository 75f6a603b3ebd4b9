//! The swaps that move a portfolio to target weights at oracle prices, routed through a hub
//! token (every pool quotes against it): overweight tokens are sold into the hub first, then
//! the hub buys the underweight ones. Integer math throughout; values in micro-USD.

/// One holding: atoms held, decimals, and the oracle price in micro-USD per whole token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holding {
    pub symbol: String,
    pub atoms: u64,
    pub decimals: u8,
    pub price_micro_usd: u64,
}

impl Holding {
    /// Value in micro-USD, rounded down.
    pub fn value(&self) -> u128 {
        u128::from(self.atoms) * u128::from(self.price_micro_usd)
            / 10u128.pow(u32::from(self.decimals))
    }

    /// Atoms worth `value` micro-USD, rounded down.
    fn atoms_for(&self, value: u128) -> u64 {
        let atoms =
            value * 10u128.pow(u32::from(self.decimals)) / u128::from(self.price_micro_usd.max(1));
        u64::try_from(atoms).unwrap_or(u64::MAX)
    }
}

/// A swap of `amount_in` atoms of `sell` into `buy`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RebalanceSwap {
    pub sell: String,
    pub buy: String,
    pub amount_in: u64,
    /// Whether it spends the hub that the sells produce (it must run after them).
    pub after_sells: bool,
}

/// Smallest move worth a swap: 0.5% of the portfolio.
pub const DUST_BPS: u128 = 50;

/// The swaps taking `holdings` to `weights_bps` (same order, summing to 10,000) through `hub`.
/// Moves smaller than [`DUST_BPS`] of the portfolio are skipped.
pub fn swaps_to_targets(
    holdings: &[Holding],
    weights_bps: &[u16],
    hub: &str,
) -> Vec<RebalanceSwap> {
    let total: u128 = holdings.iter().map(Holding::value).sum();
    let dust = total * DUST_BPS / 10_000;
    let target = |i: usize| total * u128::from(weights_bps[i]) / 10_000;
    let hub_holding = holdings.iter().find(|h| h.symbol == hub);
    let mut sells = Vec::new();
    let mut buys = Vec::new();
    for (i, holding) in holdings.iter().enumerate() {
        if holding.symbol == hub {
            continue;
        }
        let (value, goal) = (holding.value(), target(i));
        if value > goal && value - goal > dust {
            sells.push(RebalanceSwap {
                sell: holding.symbol.clone(),
                buy: hub.to_string(),
                amount_in: holding.atoms_for(value - goal),
                after_sells: false,
            });
        } else if goal > value && goal - value > dust {
            if let Some(hub_holding) = hub_holding {
                buys.push(RebalanceSwap {
                    sell: hub.to_string(),
                    buy: holding.symbol.clone(),
                    amount_in: hub_holding.atoms_for(goal - value),
                    after_sells: true,
                });
            }
        }
    }
    sells.extend(buys);
    sells
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holding(symbol: &str, whole: u64, decimals: u8, micro_usd: u64) -> Holding {
        Holding {
            symbol: symbol.into(),
            atoms: whole * 10u64.pow(u32::from(decimals)),
            decimals,
            price_micro_usd: micro_usd,
        }
    }

    #[test]
    fn test_rebalance_sells_overweight_into_the_hub_then_buys_underweight() {
        // $1,500 SOL, $100 USDC, $400 JUP ($2,000) -> 60/30/10 = $1,200 / $600 / $200.
        let holdings = [
            holding("SOL", 10, 9, 150_000_000),
            holding("USDC", 100, 6, 1_000_000),
            holding("JUP", 500, 6, 800_000),
        ];
        let swaps = swaps_to_targets(&holdings, &[6_000, 3_000, 1_000], "USDC");
        assert_eq!(
            swaps,
            vec![
                RebalanceSwap {
                    sell: "SOL".into(),
                    buy: "USDC".into(),
                    amount_in: 2 * 1_000_000_000,
                    after_sells: false
                },
                RebalanceSwap {
                    sell: "JUP".into(),
                    buy: "USDC".into(),
                    amount_in: 250 * 1_000_000,
                    after_sells: false
                },
            ]
        );
    }

    #[test]
    fn test_rebalance_buys_with_the_hub_and_skips_dust() {
        // $1,000 USDC only -> 50/50 SOL/USDC: buy $500 of SOL with USDC.
        let holdings = [
            holding("SOL", 0, 9, 150_000_000),
            holding("USDC", 1_000, 6, 1_000_000),
        ];
        let swaps = swaps_to_targets(&holdings, &[5_000, 5_000], "USDC");
        assert_eq!(
            swaps,
            vec![RebalanceSwap {
                sell: "USDC".into(),
                buy: "SOL".into(),
                amount_in: 500 * 1_000_000,
                after_sells: true
            }]
        );
        // Already within 0.5%: nothing to do.
        let holdings = [
            holding("SOL", 3, 9, 150_000_000),
            holding("USDC", 452, 6, 1_000_000),
        ];
        assert!(swaps_to_targets(&holdings, &[5_000, 5_000], "USDC").is_empty());
    }
}
