//! Ranking units so a committee acts on signal, not noise: a unit with too
//! few answers to its headline indicator is set apart ("Pocas respuestas"),
//! never ranked first or last by chance, and every percentage carries its
//! 95 % Wilson interval.

use serde::Serialize;

/// z for a two-sided 95 % interval.
const Z95: f64 = 1.959_963_984_540_054;

/// The 95 % Wilson score interval of `positive` out of `n`, in percent,
/// rounded to one decimal; `None` when `n` is 0. Unlike the normal
/// approximation it stays within 0..100 and is honest at small `n`.
pub fn wilson(positive: i64, n: i64) -> Option<(f64, f64)> {
    if n <= 0 {
        return None;
    }
    let (k, n) = (positive.clamp(0, n) as f64, n as f64);
    let p = k / n;
    let z2 = Z95 * Z95;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z95 * ((p * (1.0 - p) + z2 / (4.0 * n)) / n).sqrt() / (1.0 + z2 / n);
    let r = |x: f64| (x.clamp(0.0, 1.0) * 1000.0).round() / 10.0;
    Some((r(centre - half), r(centre + half)))
}

/// Where a unit stands in the ranking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Enough answers: ranked by its headline percentage.
    Ranked,
    /// Fewer answers than the minimum: listed apart.
    FewResponses,
}

/// A unit's standing given the answers with an opinion to its headline
/// indicator and the minimum the centre is configured with.
pub fn standing(answers: i64, min_responses: i64) -> Standing {
    if answers >= min_responses.max(1) {
        Standing::Ranked
    } else {
        Standing::FewResponses
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_published_values() {
        // 81 of 263: 30.8 % with 95 % Wilson interval 25.5 %..36.6 %.
        assert_eq!(wilson(81, 263), Some((25.5, 36.6)));
        assert_eq!(wilson(0, 10), Some((0.0, 27.8)));
        assert_eq!(wilson(10, 10), Some((72.2, 100.0)));
        assert_eq!(wilson(0, 0), None);
    }

    #[test]
    fn few_answers_are_set_apart() {
        assert_eq!(standing(29, 30), Standing::FewResponses);
        assert_eq!(standing(30, 30), Standing::Ranked);
        assert_eq!(standing(0, 0), Standing::FewResponses);
    }
}
