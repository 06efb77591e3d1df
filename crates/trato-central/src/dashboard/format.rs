//! Numbers as Mexico writes them, for pages and the printed report: a comma
//! between thousands and a point before decimals ("2,198", "68.9 %").
//! CSV and XLSX carry plain numbers (XLSX with number formats) instead.

/// An integer with thousands separators: `2198` → "2,198".
pub fn mx_int(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A percentage with one decimal and a no-break space before the sign
/// ("68.9 %", never split across lines); "—" when there is none (no
/// answers with an opinion).
pub fn mx_pct(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |x| format!("{x:.1}\u{a0}%"))
}

/// A change in percentage points with its sign: "+3.2 pts", "−1.0 pts".
pub fn mx_points(v: Option<f64>) -> String {
    match v {
        None => "—".to_owned(),
        Some(x) if x.abs() < 0.05 => "0.0\u{a0}pts".to_owned(),
        Some(x) if x > 0.0 => format!("+{x:.1}\u{a0}pts"),
        Some(x) => format!("−{:.1}\u{a0}pts", -x),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_group_thousands() {
        assert_eq!(mx_int(0), "0");
        assert_eq!(mx_int(999), "999");
        assert_eq!(mx_int(2198), "2,198");
        assert_eq!(mx_int(1_234_567), "1,234,567");
        assert_eq!(mx_int(-45_000), "-45,000");
    }

    #[test]
    fn percentages_and_points() {
        assert_eq!(mx_pct(Some(68.94)), "68.9\u{a0}%");
        assert_eq!(mx_pct(Some(100.0)), "100.0\u{a0}%");
        assert_eq!(mx_pct(None), "—");
        assert_eq!(mx_points(Some(3.24)), "+3.2\u{a0}pts");
        assert_eq!(mx_points(Some(-1.0)), "−1.0\u{a0}pts");
        assert_eq!(mx_points(Some(0.01)), "0.0\u{a0}pts");
    }
}
