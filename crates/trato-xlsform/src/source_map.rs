//! Where each value of the converted document came from, so a problem the
//! domain finds at `questions[3].options[1].label.es` is reported at the
//! spreadsheet cell that holds it.

use std::collections::HashMap;

use crate::error::Location;

#[derive(Debug, Default, Clone)]
pub struct SourceMap(HashMap<String, Location>);

impl SourceMap {
    pub fn insert(&mut self, path: impl Into<String>, location: Location) {
        self.0.insert(path.into(), location);
    }

    /// Makes every path under `from` also known under `to`
    /// (`choices[4].label.es` as `questions[1].options[2].label.es`).
    pub fn alias(&mut self, from: &str, to: &str) {
        let copies: Vec<(String, Location)> = self
            .0
            .iter()
            .filter_map(|(path, location)| {
                let rest = path.strip_prefix(from)?;
                (rest.is_empty() || rest.starts_with(['.', '[']))
                    .then(|| (format!("{to}{rest}"), location.clone()))
            })
            .collect();
        self.0.extend(copies);
    }

    /// The cell of `path`, or of its nearest enclosing value that has one
    /// (`questions[2].hint.fr` falls back to `questions[2].hint`, then to
    /// `questions[2]`).
    pub fn locate(&self, path: &str) -> Option<&Location> {
        let mut path = path;
        loop {
            if let Some(location) = self.0.get(path) {
                return Some(location);
            }
            let cut = path.rfind(['.', '['])?;
            path = &path[..cut];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falls_back_to_the_enclosing_value() {
        let mut map = SourceMap::default();
        map.insert("questions[2]", Location::row("survey", 4));
        map.insert("questions[2].prompt.es", Location::cell("survey", 4, 2));
        assert_eq!(
            map.locate("questions[2].prompt.es")
                .map(ToString::to_string),
            Some("survey!C4".into())
        );
        assert_eq!(
            map.locate("questions[2].options[1].code")
                .map(ToString::to_string),
            Some("survey!4".into())
        );
        assert_eq!(map.locate("questions[3].id"), None);
    }
}
