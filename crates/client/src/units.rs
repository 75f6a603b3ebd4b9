//! Token amounts for people: atoms as whole tokens with their decimals.

/// `atoms` of a token with `decimals`, as whole tokens without trailing zeros
/// (`amount(1_500_000, 6)` is `"1.5"`).
pub fn amount(atoms: u64, decimals: u8) -> String {
    let scale = 10u64.pow(u32::from(decimals));
    let fraction = format!("{:0width$}", atoms % scale, width = usize::from(decimals));
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() {
        format!("{}", atoms / scale)
    } else {
        format!("{}.{fraction}", atoms / scale)
    }
}

#[cfg(test)]
mod tests {
    use super::amount;

    #[test]
    fn whole_tokens_without_trailing_zeros() {
        assert_eq!(amount(1_500_000, 6), "1.5");
        assert_eq!(amount(2_000_000_000, 9), "2");
        assert_eq!(amount(1, 6), "0.000001");
        assert_eq!(amount(7, 0), "7");
    }
}
