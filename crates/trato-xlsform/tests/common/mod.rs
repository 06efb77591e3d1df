//! Workbooks made cell by cell for the tests: a valid small survey, and
//! ways to break it one cell at a time.

#![allow(dead_code)]

use rust_xlsxwriter::Workbook;

/// A sheet as rows of cells; "" is a blank cell.
pub type Sheet = Vec<Vec<String>>;

pub struct Book(pub Vec<(String, Sheet)>);

fn sheet(rows: &[&[&str]]) -> Sheet {
    rows.iter()
        .map(|r| r.iter().map(|c| (*c).to_owned()).collect())
        .collect()
}

impl Book {
    /// A valid survey: faces, yes/no, a multiple choice shown after a bad
    /// face, and a comment. Columns of `survey`: A type, B name, C-D label,
    /// E-F hint, G required, H relevant, I appearance.
    pub fn valid() -> Self {
        let survey = sheet(&[
            &[
                "type",
                "name",
                "label::Español (es)",
                "label::English (en)",
                "hint::Español (es)",
                "hint::English (en)",
                "required",
                "relevant",
                "appearance",
            ],
            &[
                "select_one caras",
                "trato",
                "¿Cómo le trataron hoy?",
                "How were you treated today?",
                "",
                "",
                "yes",
                "",
                "faces",
            ],
            &[
                "select_one si_no",
                "saludo",
                "¿Le saludaron?",
                "Were you greeted?",
                "",
                "",
                "yes",
                "",
                "yes_no",
            ],
            &[
                "select_multiple mejorar",
                "mejorar",
                "¿Qué podemos mejorar?",
                "What can we improve?",
                "Puede elegir varias.",
                "You can choose more than one.",
                "no",
                "${trato} = '1' or ${trato} = '2'",
                "",
            ],
            &[
                "text",
                "comentario",
                "¿Algún comentario?",
                "Any comment?",
                "",
                "",
                "",
                "",
                "",
            ],
        ]);
        // Columns of `choices`: A list_name, B name, C-D label.
        let choices = sheet(&[
            &[
                "list_name",
                "name",
                "label::Español (es)",
                "label::English (en)",
            ],
            &["caras", "1", "Muy mal", "Very poor"],
            &["caras", "2", "Mal", "Poor"],
            &["caras", "3", "Regular", "Fair"],
            &["caras", "4", "Bien", "Good"],
            &["caras", "5", "Muy bien", "Very good"],
            &["si_no", "si", "Sí", "Yes"],
            &["si_no", "no", "No", "No"],
            &[
                "mejorar",
                "trato_personal",
                "Trato del personal",
                "How staff treated you",
            ],
            &["mejorar", "limpieza", "Limpieza", "Cleanliness"],
            &["mejorar", "otro", "Otro", "Something else"],
        ]);
        let settings = sheet(&[
            &[
                "form_id",
                "version",
                "default_language",
                "form_title::Español (es)",
                "form_title::English (en)",
            ],
            &[
                "ejemplo",
                "3",
                "Español (es)",
                "Encuesta breve",
                "Short survey",
            ],
        ]);
        Self(vec![
            ("survey".into(), survey),
            ("choices".into(), choices),
            ("settings".into(), settings),
        ])
    }

    pub fn sheet_mut(&mut self, name: &str) -> &mut Sheet {
        &mut self
            .0
            .iter_mut()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no sheet {name}"))
            .1
    }

    /// Sets a cell by Excel reference on a sheet (`"C3"`), growing the grid.
    pub fn set(mut self, sheet: &str, cell: &str, value: &str) -> Self {
        let (col, row) = parse_ref(cell);
        let grid = self.sheet_mut(sheet);
        while grid.len() <= row {
            grid.push(Vec::new());
        }
        let r = &mut grid[row];
        while r.len() <= col {
            r.push(String::new());
        }
        r[col] = value.to_owned();
        self
    }

    pub fn add_sheet(mut self, name: &str, rows: &[&[&str]]) -> Self {
        self.0.push((name.to_owned(), sheet(rows)));
        self
    }

    pub fn xlsx(&self) -> Vec<u8> {
        let mut workbook = Workbook::new();
        for (name, rows) in &self.0 {
            let ws = workbook.add_worksheet();
            ws.set_name(name).unwrap();
            for (r, row) in rows.iter().enumerate() {
                for (c, value) in row.iter().enumerate() {
                    if !value.is_empty() {
                        ws.write_string(r as u32, c as u16, value).unwrap();
                    }
                }
            }
        }
        workbook.save_to_buffer().unwrap()
    }

    /// Every error, as the command lines print them.
    pub fn errors(&self) -> Vec<String> {
        match trato_xlsform::survey_from_xlsx(&self.xlsx()) {
            Ok(s) => panic!("expected errors, got survey {} v{}", s.id, s.version),
            Err(errors) => errors.iter().map(ToString::to_string).collect(),
        }
    }
}

/// `"C3"` → (column 2, row index 2).
fn parse_ref(cell: &str) -> (usize, usize) {
    let letters: String = cell.chars().take_while(char::is_ascii_uppercase).collect();
    let row: usize = cell[letters.len()..].parse().unwrap();
    let col = letters
        .bytes()
        .fold(0usize, |n, b| n * 26 + usize::from(b - b'A' + 1))
        - 1;
    (col, row - 1)
}

/// The one error reported at `location` (`"survey!A3"`); fails unless
/// there is exactly one there and it has both languages' words.
pub fn error_at<'a>(errors: &'a [String], location: &str, es: &str, en: &str) -> &'a str {
    let prefix = format!("{location}: ");
    let found: Vec<&String> = errors.iter().filter(|e| e.starts_with(&prefix)).collect();
    assert_eq!(
        found.len(),
        1,
        "one error at {location} expected in {errors:#?}"
    );
    let e = found[0];
    let (spanish, english) = e[prefix.len()..]
        .split_once(" | ")
        .expect("Spanish | English");
    assert!(spanish.contains(es), "{e}: Spanish should say {es:?}");
    assert!(english.contains(en), "{e}: English should say {en:?}");
    e
}
