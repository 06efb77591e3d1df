//! The `relevant` column: the part of XLSForm's expression language that a
//! survey's `show_if` can say. Terms `${q} = 'x'` or `selected(${q}, 'x')`,
//! joined by `or`, all about the same question.

/// A parsed `relevant`: show when `question` was answered with one of `codes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relevant {
    pub question: String,
    pub codes: Vec<String>,
    /// Whether any term used `=` (which means "the one answer is", so it
    /// cannot stand for a multiple-choice question).
    pub uses_equals: bool,
}

/// Why an expression is outside the subset, in Spanish and English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelevantError {
    pub es: String,
    pub en: String,
}

fn err(es: impl Into<String>, en: impl Into<String>) -> RelevantError {
    RelevantError {
        es: es.into(),
        en: en.into(),
    }
}

const EXPECTED_ES: &str =
    "se esperaba ${pregunta} = 'código' o selected(${pregunta}, 'código'), unidos con or";
const EXPECTED_EN: &str =
    "expected ${question} = 'code' or selected(${question}, 'code'), joined with or";

pub fn parse(expression: &str) -> Result<Relevant, RelevantError> {
    let mut p = Parser {
        s: expression,
        pos: 0,
    };
    let mut terms = vec![p.term()?];
    loop {
        p.skip_ws();
        if p.at_end() {
            break;
        }
        if p.keyword("or") {
            terms.push(p.term()?);
        } else if p.keyword("and") {
            return Err(err(
                "\"and\" no se puede usar: una pregunta se muestra según las respuestas a UNA pregunta anterior",
                "\"and\" is not supported: a question is shown by the answers to ONE earlier question",
            ));
        } else {
            return Err(p.unexpected());
        }
    }
    let question = terms[0].question.clone();
    if let Some(other) = terms.iter().find(|t| t.question != question) {
        return Err(err(
            format!(
                "todas las partes deben nombrar la misma pregunta (${{{question}}} y ${{{}}})",
                other.question
            ),
            format!(
                "every part must name the same question (${{{question}}} and ${{{}}})",
                other.question
            ),
        ));
    }
    let mut codes: Vec<String> = Vec::new();
    for t in &terms {
        if !codes.contains(&t.code) {
            codes.push(t.code.clone());
        }
    }
    Ok(Relevant {
        question,
        codes,
        uses_equals: terms.iter().any(|t| t.equals),
    })
}

struct Term {
    question: String,
    code: String,
    equals: bool,
}

struct Parser<'a> {
    s: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.s[self.pos..]
    }

    fn at_end(&self) -> bool {
        self.rest().is_empty()
    }

    fn skip_ws(&mut self) {
        let trimmed = self.rest().trim_start();
        self.pos = self.s.len() - trimmed.len();
    }

    fn eat(&mut self, token: &str) -> bool {
        self.skip_ws();
        if self.rest().starts_with(token) {
            self.pos += token.len();
            true
        } else {
            false
        }
    }

    /// A word followed by a space, `(` or `$`, so `order` is not `or`.
    fn keyword(&mut self, word: &str) -> bool {
        self.skip_ws();
        let rest = self.rest();
        let follows = rest[word.len().min(rest.len())..].chars().next();
        if rest.starts_with(word)
            && matches!(follows, Some(c) if c.is_whitespace() || c == '(' || c == '$')
        {
            self.pos += word.len();
            true
        } else {
            false
        }
    }

    fn unexpected(&self) -> RelevantError {
        let near: String = self.rest().chars().take(20).collect();
        err(
            format!("no se entiende \"{near}\": {EXPECTED_ES}"),
            format!("cannot read \"{near}\": {EXPECTED_EN}"),
        )
    }

    fn expect(&mut self, token: &str) -> Result<(), RelevantError> {
        if self.eat(token) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn term(&mut self) -> Result<Term, RelevantError> {
        if self.eat("selected") {
            self.expect("(")?;
            let question = self.reference()?;
            self.expect(",")?;
            let code = self.literal()?;
            self.expect(")")?;
            return Ok(Term {
                question,
                code,
                equals: false,
            });
        }
        let question = self.reference()?;
        self.skip_ws();
        if self.rest().starts_with("!=")
            || self.rest().starts_with("<")
            || self.rest().starts_with(">")
        {
            return Err(err(
                format!("solo se puede comparar con \"=\": {EXPECTED_ES}"),
                format!("only \"=\" comparisons are supported: {EXPECTED_EN}"),
            ));
        }
        self.expect("=")?;
        let code = self.literal()?;
        Ok(Term {
            question,
            code,
            equals: true,
        })
    }

    /// `${name}`.
    fn reference(&mut self) -> Result<String, RelevantError> {
        self.expect("${")?;
        let end = self.rest().find('}').ok_or_else(|| self.unexpected())?;
        let name = self.rest()[..end].trim().to_owned();
        if name.is_empty() {
            return Err(self.unexpected());
        }
        self.pos += end + 1;
        Ok(name)
    }

    /// `'code'`, `"code"`, or a bare whole number (`1`).
    fn literal(&mut self) -> Result<String, RelevantError> {
        self.skip_ws();
        let rest = self.rest();
        let Some(first) = rest.chars().next() else {
            return Err(self.unexpected());
        };
        if first == '\'' || first == '"' {
            let end = rest[1..].find(first).ok_or_else(|| self.unexpected())?;
            let code = rest[1..=end].to_owned();
            self.pos += end + 2;
            return Ok(code);
        }
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() {
            return Err(self.unexpected());
        }
        self.pos += digits.len();
        Ok(digits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Relevant {
        parse(s).unwrap_or_else(|e| panic!("{s}: {}", e.en))
    }

    #[test]
    fn equals_and_selected_joined_by_or() {
        let r = ok("${trato} = '1' or ${trato} = '2'");
        assert_eq!(r.question, "trato");
        assert_eq!(r.codes, ["1", "2"]);
        assert!(r.uses_equals);
        let r = ok("selected(${mejorar}, 'limpieza') or selected( ${mejorar} , \"otro\" )");
        assert_eq!(r.codes, ["limpieza", "otro"]);
        assert!(!r.uses_equals);
        assert_eq!(ok("${trato}=1").codes, ["1"]);
        assert_eq!(ok("${q}='a' or ${q}='a'").codes, ["a"]);
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in [
            "",
            "${trato} = '1' and ${saludo} = 'si'",
            "${trato} = '1' or ${saludo} = 'si'",
            "${trato} != '1'",
            "${trato} > 3",
            "not(selected(${q}, 'a'))",
            "${trato} = '1' or",
            "${trato} = '1')",
            "${trato = '1'",
            "${trato} = 'sin cerrar",
            "string-length(${c}) > 0",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
