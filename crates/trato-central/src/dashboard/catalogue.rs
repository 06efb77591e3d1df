//! The unit catalogue: a CSV file with the header
//! `clues,nombre,tipo,ooad_umae,estado` (`tipo` is `OOAD` or `UMAE`), loaded
//! by `trato-central catalogue load FILE`. The whole file is checked first and
//! refused with every problem listed; nothing is loaded from a bad file.

use std::collections::HashSet;

use chrono::Utc;

use crate::error::StoreError;
use crate::store::dash::Unit;
use crate::store::Store;
use trato_domain::clues::validate_clues;

pub const HEADER: [&str; 5] = ["clues", "nombre", "tipo", "ooad_umae", "estado"];

#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("the catalogue has problems, nothing was loaded:\n{}", .0.join("\n"))]
    Invalid(Vec<String>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Parses and checks a catalogue; every problem is reported with its line.
pub fn parse(text: &str) -> Result<Vec<Unit>, CatalogueError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rd = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let mut problems = Vec::new();
    match rd.headers() {
        Ok(h) => {
            let got: Vec<String> = h.iter().map(|s| s.to_lowercase()).collect();
            if got != HEADER {
                return Err(CatalogueError::Invalid(vec![format!(
                    "line 1: the header must be `{}`, found `{}`",
                    HEADER.join(","),
                    got.join(",")
                )]));
            }
        }
        Err(e) => return Err(CatalogueError::Invalid(vec![format!("line 1: {e}")])),
    }
    let mut units = Vec::new();
    let mut seen = HashSet::new();
    for rec in rd.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                problems.push(e.to_string());
                continue;
            }
        };
        let line = rec.position().map_or(0, |p| p.line());
        let f = |i: usize| rec.get(i).unwrap_or("").to_owned();
        let (clues, name, kind, parent, state) = (f(0), f(1), f(2).to_lowercase(), f(3), f(4));
        if let Err(e) = validate_clues(&clues) {
            problems.push(format!("line {line}: {e}"));
        } else if !seen.insert(clues.clone()) {
            problems.push(format!("line {line}: {clues} appears twice"));
        }
        if kind != "ooad" && kind != "umae" {
            problems.push(format!(
                "line {line}: tipo must be OOAD or UMAE, not `{}`",
                f(2)
            ));
        }
        for (what, v) in [
            ("nombre", &name),
            ("ooad_umae", &parent),
            ("estado", &state),
        ] {
            if v.is_empty() || v.chars().count() > 200 {
                problems.push(format!("line {line}: {what} must be 1 to 200 characters"));
            }
        }
        units.push(Unit {
            clues,
            name,
            parent_kind: kind,
            parent,
            state,
        });
    }
    // One name must not be both an OOAD and a UMAE.
    let mut kinds = std::collections::HashMap::new();
    for u in &units {
        if let Some(k) = kinds.insert(u.parent.clone(), u.parent_kind.clone()) {
            if k != u.parent_kind {
                problems.push(format!("`{}` is listed both as OOAD and as UMAE", u.parent));
            }
        }
    }
    if units.is_empty() && problems.is_empty() {
        problems.push("the catalogue lists no unit".into());
    }
    if problems.is_empty() {
        Ok(units)
    } else {
        problems.dedup();
        Err(CatalogueError::Invalid(problems))
    }
}

/// Checks and loads a catalogue (inserting or updating by CLUES).
pub async fn load(store: &dyn Store, text: &str) -> Result<usize, CatalogueError> {
    let units = parse(text)?;
    Ok(store.dash().load_units(units, Utc::now()).await?)
}

/// The sample catalogue shipped with the crate.
pub const SAMPLE: &str = include_str!("../../catalogue/unidades-muestra.csv");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_is_valid() {
        let u = parse(SAMPLE).unwrap();
        assert!(u.iter().any(|u| u.clues == "DFIMS000020"));
        assert!(u.iter().any(|u| u.parent_kind == "umae"));
    }

    #[test]
    fn problems_are_listed_with_lines() {
        let bad = "clues,nombre,tipo,ooad_umae,estado\n\
                   DFIMS000020,HGZ 1,OOAD,OOAD CDMX Sur,Ciudad de México\n\
                   dfims000020,x,OOAD,y,z\n\
                   DFIMS000020,HGZ 1,OOAD,OOAD CDMX Sur,Ciudad de México\n\
                   NLIMS000315,HGZ 33,Delegación,,Nuevo León\n";
        let CatalogueError::Invalid(p) = parse(bad).unwrap_err() else {
            panic!()
        };
        let all = p.join("\n");
        assert!(
            all.contains("line 3") && all.contains("not a CLUES"),
            "{all}"
        );
        assert!(all.contains("line 4") && all.contains("twice"), "{all}");
        assert!(all.contains("line 5") && all.contains("tipo"), "{all}");
        assert!(all.contains("ooad_umae must be"), "{all}");
        assert!(matches!(
            parse("a,b\n1,2\n"),
            Err(CatalogueError::Invalid(_))
        ));
    }
}
