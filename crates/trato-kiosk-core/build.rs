//! Embeds the patient screens' language files (`ui/lang/<code>.js`) so the
//! kiosk knows which languages its UI speaks from the very files the UI
//! loads, never from a list kept by hand (`src/ui_languages.rs`).

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo");
    let dir = Path::new(&manifest).join("../../ui/lang");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let path = entry.path();
            let code = path.file_name()?.to_str()?.strip_suffix(".js")?.to_owned();
            Some((code, path.canonicalize().ok()?.display().to_string()))
        })
        .collect();
    files.sort();
    let mut out = String::from("/// Each UI language file: its code and its text.\n");
    out.push_str("pub(crate) const FILES: &[(&str, &str)] = &[\n");
    for (code, path) in &files {
        println!("cargo:rerun-if-changed={path}");
        let _ = writeln!(out, "    ({code:?}, include_str!({path:?})),");
    }
    out.push_str("];\n");
    let target =
        Path::new(&std::env::var("OUT_DIR").expect("set by cargo")).join("ui_lang_files.rs");
    std::fs::write(&target, out).unwrap_or_else(|e| panic!("{}: {e}", target.display()));
}
