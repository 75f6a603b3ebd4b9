//! Aligned text tables.

/// Percentile `pct` (0..=100) of `samples` in milliseconds with `decimals` decimals, "-" when
/// there are none (sorts `samples`).
pub fn percentile_ms(samples: &mut [std::time::Duration], pct: usize, decimals: usize) -> String {
    if samples.is_empty() {
        return "-".into();
    }
    samples.sort_unstable();
    let at = (samples.len() - 1) * pct / 100;
    format!("{:.decimals$}", samples[at].as_secs_f64() * 1_000.0)
}

/// Prints a titled table; the first row is the header.
pub fn print(title: &str, rows: &[Vec<String>]) {
    println!("\n### {title}\n");
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for (i, row) in rows.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, cell)| format!("{cell:<width$}", width = widths[c]))
            .collect();
        println!("| {} |", cells.join(" | "));
        if i == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            println!("|-{}-|", rule.join("-|-"));
        }
    }
}
