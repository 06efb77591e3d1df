//! The XLSForm subset, sheet by sheet, turned into the survey JSON document
//! (`docs/survey-format.md`). Every problem the spreadsheet itself shows
//! (an unknown type, column or sheet, a missing language, a bad `relevant`)
//! is collected here with its cell; the rules of the survey format are left
//! to `trato-domain`, whose findings `lib.rs` maps back through the
//! [`SourceMap`] built here.

use std::collections::{HashMap, HashSet};

use serde_json::{json, Map, Value};

use crate::error::{CellError, Location};
use crate::relevant;
use crate::sheet::{Column, Row, Table};
use crate::source_map::SourceMap;

pub const SURVEY: &str = "survey";
pub const CHOICES: &str = "choices";
pub const SETTINGS: &str = "settings";
pub const ALERTS: &str = "alerts";
/// Sheets for people, not for the converter (instructions for whoever fills
/// the form in): read by nobody, refused by nobody.
pub const NOTE_SHEETS: [&str; 2] = ["notas", "notes"];

/// The survey-format version that declarations (indicator, sentiment,
/// alerts) need.
pub const DECLARATIONS_FORMAT: u32 = 2;

/// What XLSForm calls the kinds (the `appearance` of a `select_one`).
pub const APPEARANCE_FACES: &str = "faces";
pub const APPEARANCE_YES_NO: &str = "yes_no";
/// The one `range` a survey can hold: a 0-10 recommendation question.
pub const RECOMMEND_PARAMETERS: &str = "start=0 end=10 step=1";

/// The column family of recorded audio files (`audio::Español (es)`).
pub const AUDIO: &str = "audio";

pub const SENTIMENTS: [&str; 4] = ["positive", "neutral", "negative", "none"];

/// The result: the document as far as it could be built, where its values
/// came from, and every problem found.
pub struct Conversion {
    pub document: Value,
    pub sources: SourceMap,
    pub errors: Vec<CellError>,
}

pub fn convert(tables: &[Table]) -> Conversion {
    let mut c = Converter::default();
    let document = c.run(tables);
    Conversion {
        document,
        sources: c.sources,
        errors: c.errors,
    }
}

#[derive(Default)]
struct Converter {
    errors: Vec<CellError>,
    sources: SourceMap,
    /// Language codes, default first.
    languages: Vec<String>,
    declarations: bool,
}

/// A list of the `choices` sheet.
struct ChoiceList {
    name: String,
    rows: Vec<Choice>,
    used: bool,
}

struct Choice {
    row: u32,
    name: String,
    label: Map<String, Value>,
    audio: Option<Map<String, Value>>,
    sentiment: Option<String>,
}

/// What later rows need to know about an earlier question row.
struct Known {
    row: u32,
    /// None when the row's type was refused (nothing is said about it twice).
    type_name: Option<String>,
}

fn find<'a>(tables: &'a [Table], name: &str) -> Option<&'a Table> {
    tables.iter().find(|t| t.name == name)
}

impl Converter {
    fn error(&mut self, location: Location, es: impl Into<String>, en: impl Into<String>) {
        self.errors.push(CellError::at(location, es, en));
    }

    fn run(&mut self, tables: &[Table]) -> Value {
        for t in tables {
            let known = [SURVEY, CHOICES, SETTINGS, ALERTS];
            if !known.contains(&t.name.as_str()) && !NOTE_SHEETS.contains(&t.name.as_str()) {
                self.error(
                    Location::sheet(&t.name),
                    format!(
                        "hoja desconocida \"{}\": las hojas son survey, choices, settings, alerts (y notas)",
                        t.name
                    ),
                    format!(
                        "unknown sheet \"{}\": the sheets are survey, choices, settings, alerts (and notes)",
                        t.name
                    ),
                );
            }
        }
        let Some(survey) = find(tables, SURVEY) else {
            self.error(
                Location::sheet(SURVEY),
                "falta la hoja \"survey\" con las preguntas",
                "the sheet \"survey\" with the questions is missing",
            );
            return Value::Null;
        };
        let settings = find(tables, SETTINGS);
        self.read_languages(survey, settings);
        let mut document = Map::new();
        match settings {
            Some(s) => self.settings(s, &mut document),
            None => {
                self.error(
                    Location::sheet(SETTINGS),
                    "falta la hoja \"settings\" (form_id, version, form_title::…)",
                    "the sheet \"settings\" (form_id, version, form_title::…) is missing",
                );
                document.insert("id".into(), json!(""));
                document.insert("version".into(), json!(1));
                document.insert("title".into(), json!({}));
            }
        }
        document.insert("languages".into(), json!(self.languages));
        let mut lists = find(tables, CHOICES)
            .map(|t| self.choices(t))
            .unwrap_or_default();
        let questions = self.questions(survey, &mut lists);
        for list in lists.iter().filter(|l| !l.used) {
            let row = list.rows.first().map_or(2, |c| c.row);
            let at = find(tables, CHOICES)
                .and_then(|t| t.column("list_name").map(|c| t.cell(row, c.index)))
                .unwrap_or_else(|| Location::row(CHOICES, row));
            self.error(
                at,
                format!("ninguna pregunta usa la lista \"{}\"", list.name),
                format!("no question uses the list \"{}\"", list.name),
            );
        }
        document.insert("questions".into(), Value::Array(questions));
        if let Some(alerts) = find(tables, ALERTS) {
            let rules = self.alerts(alerts, survey);
            document.insert("alerts".into(), Value::Array(rules));
            self.declarations = true;
        }
        if self.declarations {
            document.insert("format".into(), json!(DECLARATIONS_FORMAT));
            self.sources.insert("format", Location::sheet(SETTINGS));
        }
        Value::Object(document)
    }

    /// The survey's languages are those of the `label::…` columns of the
    /// `survey` sheet, in column order, with `default_language` moved first.
    fn read_languages(&mut self, survey: &Table, settings: Option<&Table>) {
        let mut columns: Vec<&Column> = Vec::new();
        for c in survey.columns.iter().filter(|c| c.base == "label") {
            match &c.language {
                Some(code) if columns.iter().any(|k| k.language.as_ref() == Some(code)) => self
                    .error(
                        survey.cell(1, c.index),
                        format!("el idioma \"{code}\" ya tiene su columna label"),
                        format!("the language \"{code}\" already has its label column"),
                    ),
                Some(_) => columns.push(c),
                None => {} // reported with the other columns
            }
        }
        if columns.is_empty() {
            self.error(
                Location::row(SURVEY, 1),
                "falta una columna label por idioma, por ejemplo label::Español (es)",
                "a label column per language is needed, for example label::Español (es)",
            );
        }
        let default = settings.and_then(|s| {
            let col = s.column("default_language")?;
            let row = s.rows.first()?;
            Some((
                row.get(col.index)?.to_owned(),
                s.cell(row.number, col.index),
            ))
        });
        if let Some((wanted, at)) = default {
            let found = columns.iter().position(|c| {
                c.language.as_deref() == Some(wanted.as_str())
                    || c.language_name.as_deref() == Some(wanted.as_str())
            });
            match found {
                Some(i) => {
                    let c = columns.remove(i);
                    columns.insert(0, c);
                }
                None => self.error(
                    at,
                    format!(
                        "default_language \"{wanted}\" no es el idioma de ninguna columna label::… de la hoja survey"
                    ),
                    format!(
                        "default_language \"{wanted}\" is not the language of any label::… column of the survey sheet"
                    ),
                ),
            }
        }
        self.sources.insert("languages", Location::row(SURVEY, 1));
        for (i, c) in columns.iter().enumerate() {
            self.sources
                .insert(format!("languages[{i}]"), survey.cell(1, c.index));
        }
        self.languages = columns.iter().filter_map(|c| c.language.clone()).collect();
    }

    /// Checks a sheet's columns: `plain` ones take no language, `localized`
    /// ones need one of the survey's, each once; any other is an error.
    /// A localized family that is there must have every language.
    fn check_columns(&mut self, table: &Table, plain: &[&str], localized: &[&str]) {
        let mut seen: HashSet<(String, Option<String>)> = HashSet::new();
        for c in &table.columns {
            let at = table.cell(1, c.index);
            let header = &c.header;
            if !seen.insert((c.base.clone(), c.language.clone())) {
                self.error(
                    at,
                    format!("la columna \"{header}\" está repetida"),
                    format!("the column \"{header}\" is repeated"),
                );
                continue;
            }
            match (
                &c.language,
                plain.contains(&c.base.as_str()),
                localized.contains(&c.base.as_str()),
            ) {
                (None, true, _) => {}
                (Some(code), _, true) => {
                    if !self.languages.contains(code) {
                        self.error(
                            at,
                            format!(
                                "\"{header}\": el idioma \"{code}\" no tiene columna label::… en la hoja survey; \
                                 escriba el idioma así: Español (es)"
                            ),
                            format!(
                                "\"{header}\": the language \"{code}\" has no label::… column in the survey sheet; \
                                 write the language like this: English (en)"
                            ),
                        );
                    }
                }
                (None, false, true) => self.error(
                    at,
                    format!("la columna \"{header}\" necesita su idioma: {header}::Español (es)"),
                    format!("the column \"{header}\" needs its language: {header}::English (en)"),
                ),
                (Some(_), true, false) => self.error(
                    at,
                    format!("la columna \"{}\" no lleva idioma", c.base),
                    format!("the column \"{}\" takes no language", c.base),
                ),
                _ => self.error(
                    at,
                    format!(
                        "columna desconocida \"{header}\" en la hoja {}: las columnas son {}",
                        table.name,
                        column_list(plain, localized)
                    ),
                    format!(
                        "unknown column \"{header}\" in the {} sheet: the columns are {}",
                        table.name,
                        column_list(plain, localized)
                    ),
                ),
            }
        }
        // Recorded audio may be given for some languages only.
        for base in localized.iter().filter(|b| **b != AUDIO) {
            self.check_family(table, base);
        }
    }

    fn check_family(&mut self, table: &Table, base: &str) {
        let family: Vec<&Column> = table
            .columns
            .iter()
            .filter(|c| c.base == *base && c.language.is_some())
            .collect();
        let Some(first) = family.first() else {
            return;
        };
        for code in self.languages.clone() {
            if !family.iter().any(|c| c.language.as_ref() == Some(&code)) {
                self.error(
                    table.cell(1, first.index),
                    format!("falta la columna {base}::… del idioma \"{code}\""),
                    format!("the {base}::… column for the language \"{code}\" is missing"),
                );
            }
        }
    }

    /// Recorded audio file names (`audio::Español (es)`), for the languages
    /// whose cell is filled; None when none is. The file is looked for
    /// beside the survey file when the survey is installed.
    fn audio(&mut self, table: &Table, row: &Row, path: &str) -> Option<Map<String, Value>> {
        let mut files = Map::new();
        for c in table.columns.iter().filter(|c| c.base == AUDIO) {
            let Some(code) = c.language.clone().filter(|l| self.languages.contains(l)) else {
                continue;
            };
            if let Some(file) = row.get(c.index) {
                self.sources
                    .insert(format!("{path}.{code}"), table.cell(row.number, c.index));
                files.insert(code, json!(file));
            }
        }
        (!files.is_empty()).then_some(files)
    }

    /// Requires a family (`label`) to have columns at all.
    fn require_family(&mut self, table: &Table, base: &str) {
        if !table
            .columns
            .iter()
            .any(|c| c.base == base && c.language.is_some())
        {
            self.error(
                Location::row(&table.name, 1),
                format!("faltan las columnas {base}::… de cada idioma, por ejemplo {base}::Español (es)"),
                format!("the {base}::… columns of each language are missing, for example {base}::English (en)"),
            );
        }
    }

    /// A localized text from a family of columns: None when every cell is
    /// blank; otherwise each language's cell must be filled. Records the
    /// source of `path` and `path.<code>`.
    fn localized(
        &mut self,
        table: &Table,
        row: &Row,
        base: &str,
        path: &str,
    ) -> Option<Map<String, Value>> {
        let family: Vec<(String, u32)> = table
            .columns
            .iter()
            .filter(|c| c.base == base)
            .filter_map(|c| Some((c.language.clone()?, c.index)))
            .filter(|(code, _)| self.languages.contains(code))
            .collect();
        let first = family.first().map(|(_, i)| *i);
        self.sources.insert(
            path,
            first.map_or_else(
                || Location::row(&table.name, row.number),
                |i| table.cell(row.number, i),
            ),
        );
        if family.iter().all(|(_, i)| row.get(*i).is_none()) {
            return None;
        }
        let mut text = Map::new();
        for (code, index) in family {
            self.sources
                .insert(format!("{path}.{code}"), table.cell(row.number, index));
            match row.get(index) {
                Some(s) => {
                    text.insert(code, json!(s));
                }
                None => self.error(
                    table.cell(row.number, index),
                    format!("falta el texto en el idioma \"{code}\""),
                    format!("the text in the language \"{code}\" is missing"),
                ),
            }
        }
        Some(text)
    }

    fn required_text(
        &mut self,
        table: &Table,
        row: &Row,
        base: &str,
        path: &str,
    ) -> Map<String, Value> {
        match self.localized(table, row, base, path) {
            Some(text) => text,
            None => {
                if table
                    .columns
                    .iter()
                    .any(|c| c.base == base && c.language.is_some())
                {
                    let at = self
                        .sources
                        .locate(path)
                        .cloned()
                        .unwrap_or_else(|| Location::row(&table.name, row.number));
                    self.error(
                        at,
                        format!("falta el texto {base}"),
                        format!("the {base} text is missing"),
                    );
                }
                Map::new()
            }
        }
    }

    /// A plain cell: its text and its location (the row when the column is absent).
    fn plain<'r>(&self, table: &Table, row: &'r Row, base: &str) -> (Option<&'r str>, Location) {
        match table.column(base) {
            Some(c) => (row.get(c.index), table.cell(row.number, c.index)),
            None => (None, Location::row(&table.name, row.number)),
        }
    }

    fn settings(&mut self, table: &Table, document: &mut Map<String, Value>) {
        self.check_columns(
            table,
            &["form_id", "version", "default_language"],
            &["form_title"],
        );
        self.require_family(table, "form_title");
        for extra in table.rows.iter().skip(1) {
            self.error(
                Location::row(SETTINGS, extra.number),
                "la hoja settings tiene una sola fila de datos (la 2)",
                "the settings sheet has a single row of values (row 2)",
            );
        }
        let empty = Row::empty(2);
        let row = table.rows.first().unwrap_or(&empty);
        let (id, at) = self.plain(table, row, "form_id");
        self.sources.insert("id", at.clone());
        if id.is_none() {
            self.error(
                at,
                "falta form_id (el id de la encuesta)",
                "form_id (the survey id) is missing",
            );
        }
        document.insert("id".into(), json!(id.unwrap_or_default()));
        let (version, at) = self.plain(table, row, "version");
        self.sources.insert("version", at.clone());
        let number = match version.map(str::parse::<u32>) {
            Some(Ok(n)) => n,
            Some(Err(_)) => {
                self.error(
                    at,
                    format!(
                        "version \"{}\" no es un número entero",
                        version.unwrap_or_default()
                    ),
                    format!(
                        "version \"{}\" is not a whole number",
                        version.unwrap_or_default()
                    ),
                );
                1
            }
            None => {
                self.error(
                    at,
                    "falta version (1, 2, 3…)",
                    "version (1, 2, 3…) is missing",
                );
                1
            }
        };
        document.insert("version".into(), json!(number));
        let title = self.required_text(table, row, "form_title", "title");
        document.insert("title".into(), Value::Object(title));
    }

    fn choices(&mut self, table: &Table) -> Vec<ChoiceList> {
        self.check_columns(
            table,
            &["list_name", "name", "sentiment"],
            &["label", AUDIO],
        );
        self.require_family(table, "label");
        let mut lists: Vec<ChoiceList> = Vec::new();
        for row in &table.rows {
            let (list, list_at) = self.plain(table, row, "list_name");
            let (name, name_at) = self.plain(table, row, "name");
            let (sentiment, sentiment_at) = self.plain(table, row, "sentiment");
            let source = format!("choices[{}]", row.number);
            let label = self.required_text(table, row, "label", &format!("{source}.label"));
            let audio = self.audio(table, row, &format!("{source}.audio"));
            self.sources
                .insert(format!("{source}.code"), name_at.clone());
            self.sources
                .insert(format!("{source}.sentiment"), sentiment_at.clone());
            let Some(list) = list else {
                self.error(list_at, "falta list_name", "list_name is missing");
                continue;
            };
            let Some(name) = name else {
                self.error(
                    name_at,
                    "falta name (el código de la opción)",
                    "name (the option's code) is missing",
                );
                continue;
            };
            if let Some(s) = sentiment.filter(|s| !SENTIMENTS.contains(s)) {
                self.error(
                    sentiment_at,
                    format!("sentiment \"{s}\" no existe: use positive, neutral, negative o none"),
                    format!(
                        "sentiment \"{s}\" does not exist: use positive, neutral, negative or none"
                    ),
                );
            }
            let index = match lists.iter().position(|l| l.name == list) {
                Some(i) => i,
                None => {
                    lists.push(ChoiceList {
                        name: list.to_owned(),
                        rows: Vec::new(),
                        used: false,
                    });
                    lists.len() - 1
                }
            };
            if lists[index].rows.iter().any(|c| c.name == name) {
                self.error(
                    name_at,
                    format!("la opción \"{name}\" ya está en la lista \"{list}\""),
                    format!("the option \"{name}\" is already in the list \"{list}\""),
                );
                // Kept, so the list's other options are still counted right.
            }
            lists[index].rows.push(Choice {
                row: row.number,
                name: name.to_owned(),
                label,
                audio,
                sentiment: sentiment
                    .filter(|s| SENTIMENTS.contains(s))
                    .map(str::to_owned),
            });
        }
        lists
    }

    fn questions(&mut self, table: &Table, lists: &mut [ChoiceList]) -> Vec<Value> {
        self.check_columns(
            table,
            &[
                "type",
                "name",
                "required",
                "relevant",
                "appearance",
                "headline",
                "max_chars",
                "parameters",
                "indicator",
            ],
            &["label", "hint", "indicator_label", AUDIO],
        );
        self.sources.insert("questions", Location::sheet(SURVEY));
        let mut known: HashMap<String, Known> = HashMap::new();
        let mut questions = Vec::new();
        for row in &table.rows {
            let path = format!("questions[{}]", questions.len());
            self.sources
                .insert(path.clone(), Location::row(SURVEY, row.number));
            let (name, name_at) = self.plain(table, row, "name");
            let Some(name) = name else {
                self.error(
                    name_at,
                    "falta name (el id de la pregunta)",
                    "name (the question's id) is missing",
                );
                // Its other problems are still worth knowing.
                self.question(table, row, &path, lists, &known);
                continue;
            };
            if let Some(first) = known.get(name) {
                let first = first.row;
                self.error(
                    name_at,
                    format!("el nombre \"{name}\" ya lo usa otra pregunta (fila {first})"),
                    format!(
                        "the name \"{name}\" is already used by another question (row {first})"
                    ),
                );
                self.question(table, row, &path, lists, &known);
                continue;
            }
            self.sources.insert(format!("{path}.id"), name_at);
            let question = self.question(table, row, &path, lists, &known);
            let type_name = question.as_ref().map(|(_, t)| t.clone());
            known.insert(
                name.to_owned(),
                Known {
                    row: row.number,
                    type_name,
                },
            );
            if let Some((mut q, _)) = question {
                q.insert("id".into(), json!(name));
                questions.push(Value::Object(q));
            }
        }
        questions
    }

    /// One question row (without its id), and its XLSForm type word
    /// (`select_one`...), or None when the type is refused.
    fn question(
        &mut self,
        table: &Table,
        row: &Row,
        path: &str,
        lists: &mut [ChoiceList],
        known: &HashMap<String, Known>,
    ) -> Option<(Map<String, Value>, String)> {
        let mut q = Map::new();
        let prompt = self.required_text(table, row, "label", &format!("{path}.prompt"));
        q.insert("prompt".into(), Value::Object(prompt));
        if let Some(hint) = self.localized(table, row, "hint", &format!("{path}.hint")) {
            q.insert("hint".into(), Value::Object(hint));
        }
        if let Some(audio) = self.audio(table, row, &format!("{path}.audio")) {
            q.insert("audio".into(), Value::Object(audio));
        }
        let required = self.boolean(table, row, "required", &format!("{path}.required"));
        q.insert("required".into(), json!(required));
        if self.boolean(table, row, "headline", &format!("{path}.headline")) {
            q.insert("headline".into(), json!(true));
        }
        let (max_chars, at) = self.plain(table, row, "max_chars");
        self.sources.insert(format!("{path}.max_chars"), at.clone());
        if let Some(text) = max_chars {
            match text.parse::<u32>() {
                Ok(n) => {
                    q.insert("max_chars".into(), json!(n));
                }
                Err(_) => self.error(
                    at,
                    format!("max_chars \"{text}\" no es un número entero"),
                    format!("max_chars \"{text}\" is not a whole number"),
                ),
            }
        }
        self.indicator(table, row, path, &mut q);
        let (kind, type_name) = self.kind(table, row, path, lists, &mut q)?;
        q.insert("kind".into(), json!(kind));
        self.relevant(table, row, path, known, &mut q);
        Some((q, type_name))
    }

    fn boolean(&mut self, table: &Table, row: &Row, base: &str, path: &str) -> bool {
        let (value, at) = self.plain(table, row, base);
        self.sources.insert(path, at.clone());
        match value.map(str::to_lowercase).as_deref() {
            None | Some("no" | "false" | "false()" | "0") => false,
            Some("yes" | "true" | "true()" | "1") => true,
            Some(other) => {
                self.error(
                    at,
                    format!("{base} es yes o no, no \"{other}\""),
                    format!("{base} is yes or no, not \"{other}\""),
                );
                false
            }
        }
    }

    fn indicator(&mut self, table: &Table, row: &Row, path: &str, q: &mut Map<String, Value>) {
        let (key, at) = self.plain(table, row, "indicator");
        self.sources.insert(format!("{path}.indicator"), at.clone());
        self.sources
            .insert(format!("{path}.indicator.key"), at.clone());
        let label = self.localized(
            table,
            row,
            "indicator_label",
            &format!("{path}.indicator.label"),
        );
        match (key, label) {
            (Some(key), label) => {
                let mut indicator = Map::new();
                indicator.insert("key".into(), json!(key));
                if let Some(label) = label {
                    indicator.insert("label".into(), Value::Object(label));
                }
                q.insert("indicator".into(), Value::Object(indicator));
                self.declarations = true;
            }
            (None, Some(_)) => self.error(
                at,
                "indicator_label sin indicator: escriba la clave del indicador",
                "indicator_label without indicator: write the indicator's key",
            ),
            (None, None) => {}
        }
    }

    /// The kind from `type` and `appearance`, with the options of its list.
    fn kind(
        &mut self,
        table: &Table,
        row: &Row,
        path: &str,
        lists: &mut [ChoiceList],
        q: &mut Map<String, Value>,
    ) -> Option<(&'static str, String)> {
        let (type_text, type_at) = self.plain(table, row, "type");
        let (appearance, appearance_at) = self.plain(table, row, "appearance");
        let (parameters, parameters_at) = self.plain(table, row, "parameters");
        self.sources.insert(format!("{path}.kind"), type_at.clone());
        self.sources
            .insert(format!("{path}.options"), type_at.clone());
        let Some(type_text) = type_text else {
            self.error(type_at, "falta type", "type is missing");
            return None;
        };
        let words: Vec<&str> = type_text.split_whitespace().collect();
        let (base, list) = match words.as_slice() {
            [base @ ("select_one" | "select_multiple"), list] => (*base, Some(*list)),
            [base @ ("text" | "range")] => (*base, None),
            _ => {
                self.error(
                    type_at,
                    format!(
                        "tipo desconocido \"{type_text}\": use select_one LISTA, select_multiple LISTA, text o range"
                    ),
                    format!("unknown type \"{type_text}\": use select_one LIST, select_multiple LIST, text or range"),
                );
                return None;
            }
        };
        let kind = match (base, appearance) {
            ("select_one", None) => "single_choice",
            ("select_one", Some(APPEARANCE_FACES)) => "faces",
            ("select_one", Some(APPEARANCE_YES_NO)) => "yes_no",
            ("select_multiple", None) => "multiple_choice",
            ("text", None) => "free_text",
            ("range", None) => "recommend",
            (_, a) => {
                let a = a.unwrap_or_default();
                self.error(
                    appearance_at,
                    format!("appearance \"{a}\" no se admite aquí: solo faces o yes_no en un select_one"),
                    format!("appearance \"{a}\" is not supported here: only faces or yes_no on a select_one"),
                );
                return None;
            }
        };
        self.parameters(kind, parameters, parameters_at)?;
        if let Some(list) = list {
            let Some(found) = lists.iter_mut().find(|l| l.name == list) else {
                self.error(
                    type_at,
                    format!("la lista \"{list}\" no está en la hoja choices"),
                    format!("the list \"{list}\" is not in the choices sheet"),
                );
                return None;
            };
            found.used = true;
            let options = self.options(path, found);
            q.insert("options".into(), Value::Array(options));
        }
        Some((kind, base.to_owned()))
    }

    /// `parameters` belongs to `range` alone, and says 0 to 10.
    fn parameters(&mut self, kind: &str, parameters: Option<&str>, at: Location) -> Option<()> {
        let normal = parameters.map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "));
        let ok = match (kind, normal.as_deref()) {
            ("recommend", Some(p)) => p == RECOMMEND_PARAMETERS || p == "start=0 end=10",
            ("recommend", None) => false,
            (_, None) => true,
            _ => false,
        };
        if ok {
            return Some(());
        }
        if kind == "recommend" {
            self.error(
                at,
                format!("un range es la pregunta de recomendación de 0 a 10: parameters debe ser \"{RECOMMEND_PARAMETERS}\""),
                format!("a range is the 0-10 recommendation question: parameters must be \"{RECOMMEND_PARAMETERS}\""),
            );
        } else {
            self.error(
                at,
                "parameters solo va con el tipo range",
                "parameters belongs to the range type only",
            );
        }
        None
    }

    fn options(&mut self, path: &str, list: &ChoiceList) -> Vec<Value> {
        let mut options = Vec::new();
        for (j, choice) in list.rows.iter().enumerate() {
            let opath = format!("{path}.options[{j}]");
            self.sources
                .insert(opath.clone(), Location::row(CHOICES, choice.row));
            self.sources
                .alias(&format!("choices[{}]", choice.row), &opath);
            let mut option = Map::new();
            option.insert("code".into(), json!(choice.name));
            option.insert("label".into(), Value::Object(choice.label.clone()));
            if let Some(audio) = &choice.audio {
                option.insert("audio".into(), Value::Object(audio.clone()));
            }
            if let Some(s) = &choice.sentiment {
                option.insert("sentiment".into(), json!(s));
                self.declarations = true;
            }
            options.push(Value::Object(option));
        }
        options
    }

    fn relevant(
        &mut self,
        table: &Table,
        row: &Row,
        path: &str,
        known: &HashMap<String, Known>,
        q: &mut Map<String, Value>,
    ) {
        let (expression, at) = self.plain(table, row, "relevant");
        self.sources.insert(format!("{path}.show_if"), at.clone());
        let Some(expression) = expression else {
            return;
        };
        let parsed = match relevant::parse(expression) {
            Ok(r) => r,
            Err(e) => {
                self.error(
                    at,
                    format!("relevant: {}", e.es),
                    format!("relevant: {}", e.en),
                );
                return;
            }
        };
        let target = &parsed.question;
        match known.get(target).map(|k| k.type_name.as_deref()) {
            None => {
                let later = table.column("name").is_some_and(|c| {
                    table
                        .rows
                        .iter()
                        .any(|r| r.number > row.number && r.get(c.index) == Some(target))
                });
                let (es, en) = if later {
                    (
                        format!("relevant: ${{{target}}} no es una pregunta anterior; solo se puede depender de preguntas de más arriba"),
                        format!("relevant: ${{{target}}} is not an earlier question; a question can only depend on questions above it"),
                    )
                } else {
                    (
                        format!("relevant: no hay ninguna pregunta \"{target}\""),
                        format!("relevant: there is no question \"{target}\""),
                    )
                };
                self.error(at, es, en);
                return;
            }
            // The earlier row was refused and already reported.
            Some(None) => return,
            Some(Some("text")) => {
                self.error(
                    at,
                    format!("relevant: ${{{target}}} es de texto libre; una condición necesita opciones"),
                    format!("relevant: ${{{target}}} is free text; a condition needs options"),
                );
                return;
            }
            Some(Some("select_multiple")) if parsed.uses_equals => {
                self.error(
                    at,
                    format!("relevant: ${{{target}}} admite varias respuestas; use selected(${{{target}}}, 'código')"),
                    format!("relevant: ${{{target}}} takes several answers; use selected(${{{target}}}, 'code')"),
                );
                return;
            }
            Some(Some(_)) => {}
        }
        q.insert(
            "show_if".into(),
            json!({ "question": parsed.question, "any_of": parsed.codes }),
        );
    }

    fn alerts(&mut self, table: &Table, survey: &Table) -> Vec<Value> {
        self.check_columns(
            table,
            &["reason", "question", "any_of", "urgent"],
            &["label"],
        );
        self.require_family(table, "label");
        let names: HashSet<&str> = survey
            .column("name")
            .map(|c| survey.rows.iter().filter_map(|r| r.get(c.index)).collect())
            .unwrap_or_default();
        self.sources.insert("alerts", Location::sheet(ALERTS));
        let mut rules = Vec::new();
        for row in &table.rows {
            let path = format!("alerts[{}]", rules.len());
            self.sources
                .insert(path.clone(), Location::row(ALERTS, row.number));
            let (reason, reason_at) = self.plain(table, row, "reason");
            let (question, question_at) = self.plain(table, row, "question");
            let (any_of, any_of_at) = self.plain(table, row, "any_of");
            let label = self.required_text(table, row, "label", &format!("{path}.label"));
            let urgent = self.boolean(table, row, "urgent", &format!("{path}.urgent"));
            self.sources
                .insert(format!("{path}.reason"), reason_at.clone());
            self.sources
                .insert(format!("{path}.question"), question_at.clone());
            self.sources
                .insert(format!("{path}.any_of"), any_of_at.clone());
            if reason.is_none() {
                self.error(
                    reason_at,
                    "falta reason (la clave de la alerta)",
                    "reason (the alert's key) is missing",
                );
            }
            match question {
                None => self.error(question_at, "falta question", "question is missing"),
                Some(q) if !names.contains(q) => self.error(
                    question_at,
                    format!("no hay ninguna pregunta \"{q}\" en la hoja survey"),
                    format!("there is no question \"{q}\" in the survey sheet"),
                ),
                Some(_) => {}
            }
            let codes: Vec<&str> = any_of
                .map(|a| a.split_whitespace().collect())
                .unwrap_or_default();
            if codes.is_empty() {
                self.error(
                    any_of_at,
                    "falta any_of: los códigos que dan la alerta, separados por espacios",
                    "any_of is missing: the codes that raise the alert, separated by spaces",
                );
            }
            let mut rule = json!({
                "reason": reason.unwrap_or_default(),
                "label": label,
                "question": question.unwrap_or_default(),
                "any_of": codes,
            });
            if urgent {
                rule["urgent"] = json!(true);
            }
            rules.push(rule);
        }
        rules
    }
}

fn column_list(plain: &[&str], localized: &[&str]) -> String {
    plain
        .iter()
        .map(|p| (*p).to_owned())
        .chain(localized.iter().map(|l| format!("{l}::…")))
        .collect::<Vec<_>>()
        .join(", ")
}
