//! The workbook as tables: each sheet's first row names its columns, every
//! other non-blank row is data. Cells become trimmed text, positions stay
//! absolute so errors can name them.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};

use crate::error::{CellError, Location};

/// A column header, split at `::`: `label::Español (es)` is base `label`
/// with language `es`.
#[derive(Debug, Clone)]
pub struct Column {
    pub index: u32,
    pub header: String,
    pub base: String,
    /// The language code of a `base::Name (code)` header.
    pub language: Option<String>,
    /// The text after `::` as written (`Español (es)`).
    pub language_name: Option<String>,
}

/// One data row: its Excel row number and its non-blank cells by column.
#[derive(Debug, Clone)]
pub struct Row {
    pub number: u32,
    cells: BTreeMap<u32, String>,
}

impl Row {
    /// A row with no cells (the values of a sheet that has none).
    pub fn empty(number: u32) -> Self {
        Self {
            number,
            cells: BTreeMap::new(),
        }
    }

    /// The trimmed text of a cell, None when blank.
    pub fn get(&self, column: u32) -> Option<&str> {
        self.cells.get(&column).map(String::as_str)
    }
}

#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
}

impl Table {
    pub fn column(&self, base: &str) -> Option<&Column> {
        self.columns
            .iter()
            .find(|c| c.base == base && c.language.is_none())
    }

    pub fn cell(&self, row: u32, column: u32) -> Location {
        Location::cell(&self.name, row, column)
    }
}

/// The sheets of a workbook by lower-cased name, each read as a table.
pub fn read_workbook(bytes: &[u8]) -> Result<Vec<Table>, Vec<CellError>> {
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| {
        vec![CellError {
            location: None,
            es: format!("el archivo no es un libro de Excel .xlsx legible ({e})"),
            en: format!("the file is not a readable Excel .xlsx workbook ({e})"),
        }]
    })?;
    let mut tables = Vec::new();
    let mut errors = Vec::new();
    for name in workbook.sheet_names() {
        match workbook.worksheet_range(&name) {
            Ok(range) => tables.push(read_table(&name, &range, &mut errors)),
            Err(e) => errors.push(CellError::at(
                Location::sheet(&name),
                format!("no se puede leer la hoja ({e})"),
                format!("cannot read the sheet ({e})"),
            )),
        }
    }
    if errors.is_empty() {
        Ok(tables)
    } else {
        Err(errors)
    }
}

fn read_table(name: &str, range: &calamine::Range<Data>, errors: &mut Vec<CellError>) -> Table {
    let sheet = name.trim().to_lowercase();
    let (top, left) = range.start().unwrap_or((0, 0));
    let mut header: BTreeMap<u32, String> = BTreeMap::new();
    let mut rows: BTreeMap<u32, BTreeMap<u32, String>> = BTreeMap::new();
    for (r, c, data) in range.used_cells() {
        let (Ok(r), Ok(c)) = (u32::try_from(r), u32::try_from(c)) else {
            continue;
        };
        let (row, column) = (top + r, left + c);
        match cell_text(data) {
            Ok(None) => {}
            Ok(Some(text)) if row == 0 => {
                header.insert(column, text);
            }
            Ok(Some(text)) => {
                rows.entry(row).or_default().insert(column, text);
            }
            Err((es, en)) => errors.push(CellError::at(
                Location::cell(&sheet, row + 1, column),
                es,
                en,
            )),
        }
    }
    let columns = header
        .into_iter()
        .map(|(index, header)| parse_header(index, header))
        .collect::<Vec<_>>();
    let rows = rows
        .into_iter()
        .map(|(row, cells)| Row {
            number: row + 1,
            cells,
        })
        .collect::<Vec<_>>();
    for row in &rows {
        for column in row.cells.keys() {
            if !columns.iter().any(|c| c.index == *column) {
                errors.push(CellError::at(
                    Location::cell(&sheet, row.number, *column),
                    "esta celda no tiene nombre de columna en la fila 1",
                    "this cell has no column name in row 1",
                ));
            }
        }
    }
    Table {
        name: sheet,
        columns,
        rows,
    }
}

fn parse_header(index: u32, header: String) -> Column {
    let (base, language_name) = match header.split_once("::") {
        Some((base, rest)) => (base.trim().to_lowercase(), Some(rest.trim().to_owned())),
        None => (header.trim().to_lowercase(), None),
    };
    let language = language_name.as_deref().map(language_code);
    Column {
        index,
        header,
        base,
        language,
        language_name,
    }
}

/// `Español (es)` → `es`; a bare code (`es`) is itself.
fn language_code(name: &str) -> String {
    match (name.rfind('('), name.ends_with(')')) {
        (Some(open), true) => name[open + 1..name.len() - 1].trim().to_owned(),
        _ => name.trim().to_owned(),
    }
}

/// A cell as text: strings trimmed, whole numbers without a decimal point
/// (a code typed as `1` reads as `"1"`), booleans as `TRUE`/`FALSE`.
/// Dates and formula errors are refused.
fn cell_text(data: &Data) -> Result<Option<String>, (String, String)> {
    let text = match data {
        Data::Empty => return Ok(None),
        Data::String(s) => s.trim().to_owned(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        Data::DateTime(_) | Data::DateTimeIso(_) | Data::DurationIso(_) => {
            return Err((
                "una fecha u hora no cabe aquí; escriba el valor como texto".into(),
                "a date or time does not belong here; type the value as text".into(),
            ))
        }
        Data::Error(e) => {
            return Err((
                format!("la celda tiene un error de fórmula ({e})"),
                format!("the cell holds a formula error ({e})"),
            ))
        }
    };
    Ok((!text.is_empty()).then_some(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_codes_come_from_the_parentheses() {
        assert_eq!(language_code("Español (es)"), "es");
        assert_eq!(language_code("English (en)"), "en");
        assert_eq!(language_code("es-MX"), "es-MX");
        let c = parse_header(3, "Label::English (en)".into());
        assert_eq!(c.base, "label");
        assert_eq!(c.language.as_deref(), Some("en"));
    }

    #[test]
    fn numbers_read_as_codes() {
        assert_eq!(cell_text(&Data::Float(4.0)), Ok(Some("4".into())));
        assert_eq!(cell_text(&Data::Int(10)), Ok(Some("10".into())));
        assert_eq!(cell_text(&Data::Float(2.5)), Ok(Some("2.5".into())));
        assert_eq!(cell_text(&Data::String("  ".into())), Ok(None));
        assert!(cell_text(&Data::Error(calamine::CellErrorType::Ref)).is_err());
    }
}
