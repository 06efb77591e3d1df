//! Writes a survey JSON document as an XLSForm workbook.
//!
//! `cargo run -p trato-xlsform --example write_xlsform -- assets/surveys/trato-digno-v1.json assets/surveys/trato-digno-v1.xlsx`
//! regenerates the shipped template; `tests/template.rs` proves it reads
//! back as the same survey.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        eprintln!("usage: write_xlsform SURVEY.json OUT.xlsx");
        return ExitCode::FAILURE;
    };
    let result = std::fs::read_to_string(input)
        .map_err(|e| format!("cannot read {input}: {e}"))
        .and_then(|text| {
            serde_json::from_str(&text).map_err(|e| format!("{input} is not JSON: {e}"))
        })
        .and_then(|doc| trato_xlsform::write::document_to_xlsx(&doc).map_err(|e| e.to_string()))
        .and_then(|bytes| {
            std::fs::write(output, bytes).map_err(|e| format!("cannot write {output}: {e}"))
        });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
