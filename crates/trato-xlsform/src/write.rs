//! A survey JSON document written as an XLSForm workbook: how the shipped
//! template `assets/surveys/trato-digno-v1.xlsx` is made
//! (`cargo run -p trato-xlsform --example write_xlsform`), and a starting
//! point for a coordinator who has only the JSON. Reading the result back
//! gives the same survey.

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};
use serde_json::Value;

use crate::convert::{
    ALERTS, APPEARANCE_FACES, APPEARANCE_YES_NO, CHOICES, RECOMMEND_PARAMETERS, SETTINGS, SURVEY,
};

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("the document is not a survey: {0}")]
    Shape(String),
    #[error("cannot write the workbook: {0}")]
    Xlsx(#[from] XlsxError),
}

/// A sheet as text: a header row and data rows, blank cells as "".
struct Grid {
    name: &'static str,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Grid {
    fn new(name: &'static str) -> Self {
        Self {
            name,
            header: Vec::new(),
            rows: Vec::new(),
        }
    }

    fn column(&mut self, header: String) -> usize {
        self.header.push(header);
        self.header.len() - 1
    }

    /// Drops columns with no value in any row (optional ones nobody used).
    fn without_empty_columns(mut self, keep: usize) -> Self {
        let used: Vec<bool> = (0..self.header.len())
            .map(|c| c < keep || self.rows.iter().any(|r| !r[c].is_empty()))
            .collect();
        let pick = |row: Vec<String>| -> Vec<String> {
            row.into_iter()
                .zip(&used)
                .filter_map(|(v, u)| u.then_some(v))
                .collect()
        };
        let header = std::mem::take(&mut self.header);
        let rows = std::mem::take(&mut self.rows);
        self.rows = rows.into_iter().map(pick).collect();
        self.header = pick(header);
        self
    }
}

/// How a language is written in column headers: `Español (es)`.
pub fn language_header(code: &str) -> String {
    let name = match code.split('-').next().unwrap_or(code) {
        "es" => "Español",
        "en" => "English",
        "fr" => "Français",
        "pt" => "Português",
        _ => code,
    };
    format!("{name} ({code})")
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn localized(value: &Value, key: &str, language: &str) -> String {
    value
        .get(key)
        .and_then(|t| t.get(language))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn yes(flag: bool) -> String {
    if flag { "yes" } else { "no" }.to_owned()
}

pub fn document_to_xlsx(document: &Value) -> Result<Vec<u8>, WriteError> {
    let languages: Vec<String> = document
        .get("languages")
        .and_then(Value::as_array)
        .ok_or_else(|| WriteError::Shape("no languages".into()))?
        .iter()
        .filter_map(|l| l.as_str().map(str::to_owned))
        .collect();
    let questions = document
        .get("questions")
        .and_then(Value::as_array)
        .ok_or_else(|| WriteError::Shape("no questions".into()))?;
    let (survey, choices) = survey_and_choices(questions, &languages);
    let mut grids = vec![survey, choices, settings(document, &languages)];
    if let Some(alerts) = document.get("alerts").and_then(Value::as_array) {
        grids.push(alerts_grid(alerts, &languages));
    }
    let mut workbook = Workbook::new();
    // A fixed date, so the same survey makes the same file.
    let properties = DocProperties::new()
        .set_creation_datetime(&ExcelDateTime::from_ymd(2026, 1, 1)?)
        .set_title(text(document, "id"));
    workbook.set_properties(&properties);
    let bold = Format::new().set_bold();
    for grid in grids {
        write_grid(workbook.add_worksheet(), &grid, &bold)?;
    }
    Ok(workbook.save_to_buffer()?)
}

fn write_grid(sheet: &mut Worksheet, grid: &Grid, bold: &Format) -> Result<(), XlsxError> {
    sheet.set_name(grid.name)?;
    for (c, header) in grid.header.iter().enumerate() {
        let col = u16::try_from(c).unwrap_or(u16::MAX);
        sheet.write_string_with_format(0, col, header, bold)?;
        let widest = std::iter::once(header)
            .chain(grid.rows.iter().map(|r| &r[c]))
            .map(|s| s.chars().count())
            .max()
            .unwrap_or(8);
        sheet.set_column_width(col, (widest.clamp(8, 60) + 2) as f64)?;
    }
    for (r, row) in grid.rows.iter().enumerate() {
        let excel_row = u32::try_from(r + 1).unwrap_or(u32::MAX);
        for (c, value) in row.iter().enumerate() {
            if !value.is_empty() {
                sheet.write_string(excel_row, u16::try_from(c).unwrap_or(u16::MAX), value)?;
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

/// The name of a question's choice list: shared by questions whose options
/// are the same (every yes/no question of a survey uses `si_no`).
fn list_name(question: &Value, lists: &[(String, Value)]) -> (String, bool) {
    let options = question.get("options").cloned().unwrap_or(Value::Null);
    if let Some((name, _)) = lists.iter().find(|(_, o)| *o == options) {
        return (name.clone(), false);
    }
    let base = match text(question, "kind") {
        "faces" => "caras".to_owned(),
        "yes_no" => {
            let codes: Vec<&str> = options
                .as_array()
                .map(|a| a.iter().map(|o| text(o, "code")).collect())
                .unwrap_or_default();
            codes.join("_")
        }
        _ => text(question, "id").to_owned(),
    };
    let mut name = base.clone();
    let mut n = 2;
    while lists.iter().any(|(l, _)| *l == name) {
        name = format!("{base}_{n}");
        n += 1;
    }
    (name, true)
}

fn survey_and_choices(questions: &[Value], languages: &[String]) -> (Grid, Grid) {
    let mut survey = Grid::new(SURVEY);
    let type_c = survey.column("type".into());
    let name_c = survey.column("name".into());
    let label_c: Vec<usize> = languages
        .iter()
        .map(|l| survey.column(format!("label::{}", language_header(l))))
        .collect();
    let hint_c: Vec<usize> = languages
        .iter()
        .map(|l| survey.column(format!("hint::{}", language_header(l))))
        .collect();
    let required_c = survey.column("required".into());
    let relevant_c = survey.column("relevant".into());
    let appearance_c = survey.column("appearance".into());
    let headline_c = survey.column("headline".into());
    let max_chars_c = survey.column("max_chars".into());
    let parameters_c = survey.column("parameters".into());
    let indicator_c = survey.column("indicator".into());
    let indicator_label_c: Vec<usize> = languages
        .iter()
        .map(|l| survey.column(format!("indicator_label::{}", language_header(l))))
        .collect();

    let mut choices = Grid::new(CHOICES);
    choices.column("list_name".into());
    choices.column("name".into());
    for l in languages {
        choices.column(format!("label::{}", language_header(l)));
    }
    choices.column("sentiment".into());

    let mut lists: Vec<(String, Value)> = Vec::new();
    for q in questions {
        let mut row = vec![String::new(); survey.header.len()];
        let kind = text(q, "kind");
        let (list, new) = list_name(q, &lists);
        row[type_c] = match kind {
            "faces" | "yes_no" | "single_choice" => format!("select_one {list}"),
            "multiple_choice" => format!("select_multiple {list}"),
            "recommend" => "range".into(),
            _ => "text".into(),
        };
        row[appearance_c] = match kind {
            "faces" => APPEARANCE_FACES.into(),
            "yes_no" => APPEARANCE_YES_NO.into(),
            _ => String::new(),
        };
        if kind == "recommend" {
            row[parameters_c] = RECOMMEND_PARAMETERS.into();
        }
        row[name_c] = text(q, "id").into();
        for (l, c) in languages.iter().zip(&label_c) {
            row[*c] = localized(q, "prompt", l);
        }
        for (l, c) in languages.iter().zip(&hint_c) {
            row[*c] = localized(q, "hint", l);
        }
        row[required_c] = yes(q.get("required").and_then(Value::as_bool).unwrap_or(false));
        if q.get("headline").and_then(Value::as_bool) == Some(true) {
            row[headline_c] = yes(true);
        }
        if let Some(n) = q.get("max_chars").and_then(Value::as_u64) {
            row[max_chars_c] = n.to_string();
        }
        if let Some(indicator) = q.get("indicator") {
            row[indicator_c] = text(indicator, "key").into();
            for (l, c) in languages.iter().zip(&indicator_label_c) {
                row[*c] = localized(indicator, "label", l);
            }
        }
        if let Some(cond) = q.get("show_if") {
            row[relevant_c] = relevant(cond, questions);
        }
        survey.rows.push(row);
        if new && kind != "free_text" && kind != "recommend" {
            let options = q.get("options").cloned().unwrap_or(Value::Null);
            for o in options.as_array().into_iter().flatten() {
                let mut r = vec![list.clone(), text(o, "code").into()];
                r.extend(languages.iter().map(|l| localized(o, "label", l)));
                r.push(text(o, "sentiment").into());
                choices.rows.push(r);
            }
            lists.push((list, options));
        }
    }
    let keep = 2 + 2 * languages.len() + 2; // type, name, labels, hints, required, relevant
    (
        survey.without_empty_columns(keep),
        choices.without_empty_columns(2 + languages.len()),
    )
}

/// `show_if` in XLSForm words: `selected()` for a multiple-choice question,
/// `=` for one that takes one answer.
fn relevant(cond: &Value, questions: &[Value]) -> String {
    let target = text(cond, "question");
    let multiple = questions
        .iter()
        .any(|q| text(q, "id") == target && text(q, "kind") == "multiple_choice");
    cond.get("any_of")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|code| {
            if multiple {
                format!("selected(${{{target}}}, '{code}')")
            } else {
                format!("${{{target}}} = '{code}'")
            }
        })
        .collect::<Vec<_>>()
        .join(" or ")
}

fn settings(document: &Value, languages: &[String]) -> Grid {
    let mut grid = Grid::new(SETTINGS);
    let mut row = Vec::new();
    grid.column("form_id".into());
    row.push(text(document, "id").to_owned());
    grid.column("version".into());
    row.push(
        document
            .get("version")
            .and_then(Value::as_u64)
            .unwrap_or(1)
            .to_string(),
    );
    grid.column("default_language".into());
    row.push(
        languages
            .first()
            .map(|l| language_header(l))
            .unwrap_or_default(),
    );
    for l in languages {
        grid.column(format!("form_title::{}", language_header(l)));
        row.push(localized(document, "title", l));
    }
    grid.rows.push(row);
    grid
}

fn alerts_grid(alerts: &[Value], languages: &[String]) -> Grid {
    let mut grid = Grid::new(ALERTS);
    grid.column("reason".into());
    for l in languages {
        grid.column(format!("label::{}", language_header(l)));
    }
    grid.column("question".into());
    grid.column("any_of".into());
    // Only when a rule uses it, so older templates stay as they were.
    let urgent = alerts
        .iter()
        .any(|a| a.get("urgent").and_then(Value::as_bool).unwrap_or(false));
    if urgent {
        grid.column("urgent".into());
    }
    for a in alerts {
        let mut row = vec![text(a, "reason").to_owned()];
        row.extend(languages.iter().map(|l| localized(a, "label", l)));
        row.push(text(a, "question").to_owned());
        let codes: Vec<&str> = a
            .get("any_of")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        row.push(codes.join(" "));
        if urgent {
            row.push(yes(a
                .get("urgent")
                .and_then(Value::as_bool)
                .unwrap_or(false)));
        }
        grid.rows.push(row);
    }
    grid
}
