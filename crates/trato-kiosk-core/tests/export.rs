//! Staff exports against real SQLite files, read back with real readers: the
//! `csv` crate for CSV and `calamine` for XLSX.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use calamine::{open_workbook, Data, Reader, Xlsx};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use trato_domain::{Answer, Response, ResponseStatus, SurveyDefinition};
use trato_kiosk_core::clock::Clock;
use trato_kiosk_core::data_dir::database_path;
use trato_kiosk_core::export::{
    default_file_name, export, export_database, ExportError, ExportFormat, ExportRequest, Progress,
};
use trato_kiosk_core::{Kiosk, KioskSettings, Store};
use uuid::Uuid;

/// A clock the test moves, with a settable UTC offset.
struct TestClock(Mutex<(DateTime<Utc>, i32)>);

impl TestClock {
    fn set(&self, at: DateTime<Utc>, offset_minutes: i32) {
        *self.0.lock().unwrap() = (at, offset_minutes);
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        self.0.lock().unwrap().0
    }
    fn utc_offset_minutes(&self) -> i32 {
        self.0.lock().unwrap().1
    }
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn choice(question: &str, codes: &[&str]) -> Answer {
    Answer {
        question: question.into(),
        codes: codes.iter().map(|c| (*c).to_owned()).collect(),
        text: None,
    }
}

fn comment(text: &str) -> Answer {
    Answer {
        question: "comentario".into(),
        codes: vec![],
        text: Some(text.into()),
    }
}

fn answers(trato: &str, extra: Vec<Answer>) -> Vec<Answer> {
    let mut a = vec![
        choice("trato", &[trato]),
        choice("saludo", &["si"]),
        choice("escucha", &["en_parte"]),
        choice("respuesta", &["no"]),
        choice("respeto", &["si"]),
        choice("espera", &["1_a_2_horas"]),
    ];
    a.extend(extra);
    a
}

const UNIT_NAME: &str = "HGZ Nº 1 \"Gómez Farías\", Peñón";

/// A kiosk data directory with responses stored through the real flow.
struct Fixture {
    dir: tempfile::TempDir,
    ids: HashMap<&'static str, Uuid>,
}

impl Fixture {
    fn db(&self) -> PathBuf {
        database_path(self.dir.path())
    }

    /// The store and settings, as the staff screen would use them.
    fn open(&self) -> (Store, KioskSettings) {
        let (mut store, _) = Store::open(&self.db()).unwrap();
        let settings = KioskSettings::load_or_init(&mut store).unwrap();
        (store, settings)
    }
}

/// Sets the service responses are recorded under. Kiosks with a catalogue of
/// service areas need it listed first; older settings have no such key.
fn set_service(kiosk: &mut Kiosk, service: &str) {
    let with_areas = kiosk.update_settings(&[
        ("service.areas", "Consulta externa,Urgencias"),
        ("service.default", service),
    ]);
    if let Err(e) = with_areas {
        assert_eq!(e.code(), "unknown_setting", "{e}");
        kiosk
            .update_settings(&[("service.default", service)])
            .unwrap();
    }
}

/// Mexico City is UTC-6 (-360 minutes). The period under test is November 2026.
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(TestClock(Mutex::new((utc(2026, 11, 2, 16, 0), -360))));
    let mut kiosk = Kiosk::open_with_clock(dir.path(), clock.clone()).unwrap();
    kiosk
        .update_settings(&[("unit.clues", "DFIMS000020"), ("unit.name", UNIT_NAME)])
        .unwrap();
    set_service(&mut kiosk, "Consulta externa");
    let mut ids = HashMap::new();
    let submit = |kiosk: &mut Kiosk, at: DateTime<Utc>, language: &str, a: Vec<Answer>| {
        clock.set(at - Duration::seconds(75), -360);
        let id = kiosk.start_survey(language).unwrap();
        clock.set(at, -360);
        kiosk.submit(id, language, &a).unwrap();
        id
    };

    // UTC date is 1 November, local date (UTC-6) is 31 October: outside.
    ids.insert(
        "before",
        submit(
            &mut kiosk,
            utc(2026, 11, 1, 3, 0),
            "es",
            answers("5", vec![]),
        ),
    );
    // First local minutes of 1 November: inside.
    ids.insert(
        "first",
        submit(
            &mut kiosk,
            utc(2026, 11, 1, 6, 1),
            "es",
            answers("4", vec![]),
        ),
    );
    let formula = answers(
        "1",
        vec![
            choice("mejorar", &["tiempo_espera", "limpieza"]),
            comment("=HYPERLINK(\"http://example.com\",\"clic\")"),
        ],
    );
    ids.insert(
        "formula",
        submit(&mut kiosk, utc(2026, 11, 5, 17, 30), "es", formula),
    );
    let plus = answers("2", vec![comment("+52 es la lada; atención rápida")]);
    ids.insert(
        "plus",
        submit(&mut kiosk, utc(2026, 11, 5, 18, 0), "en", plus),
    );
    let at = answers(
        "3",
        vec![comment("@SUM(A1:A9) ñandú 🙂 Señora Peña, gracias")],
    );
    ids.insert("at", submit(&mut kiosk, utc(2026, 11, 12, 15, 0), "es", at));
    set_service(&mut kiosk, "Urgencias");
    let urgent = utc(2026, 11, 20, 20, 0);
    ids.insert(
        "urgencias",
        submit(&mut kiosk, urgent, "es", answers("5", vec![])),
    );
    // Two seconds after the previous one: flagged, still exported.
    let soon = urgent + Duration::seconds(2);
    ids.insert(
        "flagged",
        submit(&mut kiosk, soon, "es", answers("5", vec![])),
    );
    // Abandoned with only the headline answered.
    clock.set(utc(2026, 11, 21, 15, 0), -360);
    let id = kiosk.start_survey("es").unwrap();
    clock.set(utc(2026, 11, 21, 15, 1), -360);
    kiosk.abandon(id, "es", &[choice("trato", &["2"])]).unwrap();
    ids.insert("abandoned", id);
    set_service(&mut kiosk, "Consulta externa");
    // UTC date is 1 December, local date is 30 November 20:30: inside.
    ids.insert(
        "last",
        submit(
            &mut kiosk,
            utc(2026, 12, 1, 2, 30),
            "es",
            answers("4", vec![]),
        ),
    );
    // Local 1 December: outside.
    ids.insert(
        "after",
        submit(
            &mut kiosk,
            utc(2026, 12, 1, 6, 0),
            "es",
            answers("4", vec![]),
        ),
    );
    drop(kiosk);

    // Text the kiosk flow would clean (a leading tab) but an older kiosk or a
    // damaged import could hold: stored directly, still neutralised.
    let (mut store, _) = Store::open(&database_path(dir.path())).unwrap();
    let raw = Response {
        id: Uuid::now_v7(),
        survey_id: "trato-digno".into(),
        survey_version: 1,
        unit_clues: "DFIMS000020".into(),
        unit_name: UNIT_NAME.into(),
        service_area: "-Farmacia".into(),
        kiosk_id: "kiosco-2".into(),
        language: "es".into(),
        started_at: utc(2026, 11, 15, 14, 0),
        finished_at: utc(2026, 11, 15, 14, 1),
        utc_offset_minutes: -360,
        status: ResponseStatus::Complete,
        flag_reason: None,
        answers: answers("5", vec![comment("\t=1+1")]),
    };
    store.insert_response(&raw).unwrap();
    ids.insert("raw", raw.id);
    Fixture { dir, ids }
}

fn request(format: ExportFormat, out: &Path) -> ExportRequest {
    ExportRequest::new(day(2026, 11, 1), day(2026, 11, 30), format, out.to_owned())
}

fn run(
    fx: &Fixture,
    req: &ExportRequest,
) -> Result<trato_kiosk_core::export::ExportSummary, ExportError> {
    let (store, settings) = fx.open();
    export(&store, &settings, req, &mut |_| {})
}

/// Reads a CSV export: (BOM present, header, records).
fn read_csv(path: &Path) -> (bool, Vec<String>, Vec<Vec<String>>) {
    let bytes = std::fs::read(path).unwrap();
    let bom = bytes.starts_with(b"\xEF\xBB\xBF");
    let body = if bom { &bytes[3..] } else { &bytes[..] };
    let mut reader = csv::Reader::from_reader(body);
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let records = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (bom, header, records)
}

fn by_id<'a>(header: &[String], records: &'a [Vec<String>], id: Uuid) -> HashMap<String, &'a str> {
    let record = records
        .iter()
        .find(|r| r[header.iter().position(|h| h == "id_respuesta").unwrap()] == id.to_string())
        .unwrap_or_else(|| panic!("row {id} missing"));
    header
        .iter()
        .cloned()
        .zip(record.iter().map(String::as_str))
        .collect()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn csv_has_a_bom_a_header_and_every_stored_value() {
    let fx = fixture();
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("noviembre.csv");
    let summary = run(&fx, &request(ExportFormat::Csv, &path)).unwrap();
    assert_eq!(summary.path, path);
    assert_eq!(summary.file_name, "noviembre.csv");
    assert_eq!(summary.rows, 9);
    assert_eq!(files_in(out.path()), ["noviembre.csv"]);

    let (bom, header, records) = read_csv(&path);
    assert!(bom, "UTF-8 BOM so Excel reads accents");
    assert_eq!(
        header[..12],
        [
            "id_respuesta",
            "clues",
            "unidad",
            "servicio",
            "kiosco",
            "fecha_local",
            "hora_local",
            "idioma",
            "estado",
            "motivo_marca",
            "encuesta",
            "version_encuesta"
        ]
    );
    assert_eq!(
        header[12..16],
        ["trato", "trato_codigo", "saludo", "saludo_codigo"]
    );
    assert_eq!(header.last().map(String::as_str), Some("comentario_codigo"));
    assert_eq!(records.len(), 9);

    // Every row against the store's own reading of the response.
    let (store, _settings) = fx.open();
    for record in &records {
        let row: HashMap<&str, &str> = header
            .iter()
            .map(String::as_str)
            .zip(record.iter().map(String::as_str))
            .collect();
        let id: Uuid = row["id_respuesta"].parse().unwrap();
        let stored = store.response(id).unwrap().unwrap();
        // The fixture's kiosk answers the default v2; one raw row is v1.
        let survey = store.survey("trato-digno", stored.survey_version).unwrap();
        let local =
            stored.finished_at.naive_utc() + Duration::minutes(stored.utc_offset_minutes.into());
        assert_eq!(row["fecha_local"], local.format("%Y-%m-%d").to_string());
        assert_eq!(row["hora_local"], local.format("%H:%M:%S").to_string());
        assert_eq!(row["clues"], stored.unit_clues);
        assert_eq!(row["unidad"], stored.unit_name);
        assert_eq!(row["kiosco"], stored.kiosk_id);
        assert_eq!(row["idioma"], stored.language);
        assert_eq!(row["encuesta"], "trato-digno");
        assert_eq!(row["version_encuesta"], stored.survey_version.to_string());
        for q in &survey.questions {
            let answer = stored.answers.iter().find(|a| a.question == q.id);
            let codes = answer.map(|a| a.codes.join("; ")).unwrap_or_default();
            let mut labels: Vec<String> = answer
                .map(|a| {
                    a.codes
                        .iter()
                        .map(|c| q.option(c).unwrap().label["es"].clone())
                        .collect()
                })
                .unwrap_or_default();
            labels.extend(answer.and_then(|a| a.text.clone()));
            let expect_label = labels.join("; ");
            let neutral = |s: &str| match s.chars().next() {
                Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
                _ => s.to_owned(),
            };
            assert_eq!(row[q.id.as_str()], neutral(&expect_label), "{id} {}", q.id);
            assert_eq!(
                row[format!("{}_codigo", q.id).as_str()],
                codes,
                "{id} {}",
                q.id
            );
        }
    }

    let first = by_id(&header, &records, fx.ids["first"]);
    assert_eq!(first["unidad"], UNIT_NAME);
    assert_eq!(first["fecha_local"], "2026-11-01");
    assert_eq!(first["hora_local"], "00:01:00");
    assert_eq!(first["estado"], "completa");
    assert_eq!(first["trato"], "Bien");
    assert_eq!(first["trato_codigo"], "4");
    assert_eq!(first["escucha"], "En parte");
    assert_eq!(first["mejorar"], "");

    let formula = by_id(&header, &records, fx.ids["formula"]);
    assert_eq!(formula["mejorar"], "Tiempo de espera; Limpieza");
    assert_eq!(formula["mejorar_codigo"], "tiempo_espera; limpieza");
    let at = by_id(&header, &records, fx.ids["at"]);
    assert!(at["comentario"].contains("ñandú 🙂 Señora Peña"));
    // Labels are in the export's language, whatever the patient's.
    assert_eq!(by_id(&header, &records, fx.ids["plus"])["trato"], "Mal");

    let flagged = by_id(&header, &records, fx.ids["flagged"]);
    assert_eq!(flagged["estado"], "marcada");
    assert_eq!(flagged["motivo_marca"], "demasiado pronto tras la anterior");
    let abandoned = by_id(&header, &records, fx.ids["abandoned"]);
    assert_eq!(abandoned["estado"], "abandonada");
    assert_eq!(abandoned["trato_codigo"], "2");
    assert_eq!(abandoned["saludo"], "");
}

#[test]
fn csv_neutralises_formula_like_text() {
    let fx = fixture();
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("x.csv");
    run(&fx, &request(ExportFormat::Csv, &path)).unwrap();
    let (_, header, records) = read_csv(&path);
    let comment = |name: &str| by_id(&header, &records, fx.ids[name])["comentario"].to_owned();
    assert_eq!(
        comment("formula"),
        "'=HYPERLINK(\"http://example.com\",\"clic\")"
    );
    assert_eq!(comment("plus"), "'+52 es la lada; atención rápida");
    assert_eq!(comment("at"), "'@SUM(A1:A9) ñandú 🙂 Señora Peña, gracias");
    assert_eq!(comment("raw"), "'\t=1+1");
    assert_eq!(
        by_id(&header, &records, fx.ids["raw"])["servicio"],
        "'-Farmacia"
    );
    // No cell of the file starts a formula.
    for record in &records {
        for cell in record {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell:?}"
            );
        }
    }
}

#[test]
fn the_period_is_inclusive_on_local_days() {
    let fx = fixture();
    let out = tempfile::tempdir().unwrap();
    let ids = |from: NaiveDate, to: NaiveDate| -> Vec<Uuid> {
        let path = out.path().join(format!("{from}_{to}.csv"));
        let req = ExportRequest::new(from, to, ExportFormat::Csv, path.clone());
        run(&fx, &req).unwrap();
        let (_, _, records) = read_csv(&path);
        records.iter().map(|r| r[0].parse().unwrap()).collect()
    };
    let november = ids(day(2026, 11, 1), day(2026, 11, 30));
    assert!(november.contains(&fx.ids["first"]));
    assert!(
        november.contains(&fx.ids["last"]),
        "UTC 1 Dec 02:30 is local 30 Nov"
    );
    assert!(
        !november.contains(&fx.ids["before"]),
        "UTC 1 Nov 03:00 is local 31 Oct"
    );
    assert!(!november.contains(&fx.ids["after"]));
    // Time order.
    assert_eq!(november.first(), Some(&fx.ids["first"]));
    assert_eq!(november.last(), Some(&fx.ids["last"]));

    assert_eq!(
        ids(day(2026, 10, 31), day(2026, 10, 31)),
        [fx.ids["before"]]
    );
    assert_eq!(ids(day(2026, 11, 30), day(2026, 11, 30)), [fx.ids["last"]]);
    assert_eq!(ids(day(2026, 12, 1), day(2026, 12, 1)), [fx.ids["after"]]);
    assert_eq!(
        ids(day(2026, 11, 5), day(2026, 11, 5)),
        [fx.ids["formula"], fx.ids["plus"]]
    );
}

#[test]
fn a_service_filter_keeps_only_that_service() {
    let fx = fixture();
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("urg.csv");
    let mut req = request(ExportFormat::Csv, &path);
    req.service = Some("Urgencias".into());
    let summary = run(&fx, &req).unwrap();
    assert_eq!(summary.rows, 3);
    let (_, header, records) = read_csv(&path);
    let service = header.iter().position(|h| h == "servicio").unwrap();
    assert!(records.iter().all(|r| r[service] == "Urgencias"));
    let ids: Vec<Uuid> = records.iter().map(|r| r[0].parse().unwrap()).collect();
    assert_eq!(
        ids,
        [fx.ids["urgencias"], fx.ids["flagged"], fx.ids["abandoned"]]
    );
}

#[test]
fn an_empty_period_gives_the_header_only() {
    let fx = fixture();
    let out = tempfile::tempdir().unwrap();
    let mut req = request(ExportFormat::Csv, &out.path().join("vacio.csv"));
    req.from = day(2025, 1, 1);
    req.to = day(2025, 1, 31);
    assert_eq!(run(&fx, &req).unwrap().rows, 0);
    let (bom, header, records) = read_csv(&req.out);
    assert!(bom);
    assert!(
        header.contains(&"trato_codigo".to_owned()),
        "columns of the active survey"
    );
    assert!(records.is_empty());

    req.format = ExportFormat::Xlsx;
    req.out = out.path().join("vacio.xlsx");
    assert_eq!(run(&fx, &req).unwrap().rows, 0);
    let mut book: Xlsx<_> = open_workbook(&req.out).unwrap();
    let rows = book.worksheet_range("Respuestas").unwrap();
    assert_eq!(rows.height(), 1);
    assert!(book.worksheet_range("Resumen").is_ok());
}

#[test]
fn a_backwards_period_is_refused_and_writes_nothing() {
    let fx = fixture();
    let out = tempfile::tempdir().unwrap();
    let mut req = request(ExportFormat::Csv, out.path());
    req.from = day(2026, 12, 1);
    req.to = day(2026, 11, 1);
    let err = run(&fx, &req).unwrap_err();
    assert!(matches!(err, ExportError::BackwardsPeriod { .. }), "{err}");
    assert_eq!(err.code(), "backwards_period");
    assert!(err.to_string().contains("2026-12-01"), "{err}");
    assert!(files_in(out.path()).is_empty());
}

#[test]
fn an_unwritable_destination_is_refused_and_leaves_no_file() {
    let fx = fixture();
    let out = tempfile::tempdir().unwrap();
    // A folder that does not exist.
    let missing = out.path().join("no-existe").join("x.csv");
    let err = run(&fx, &request(ExportFormat::Csv, &missing)).unwrap_err();
    assert_eq!(err.code(), "no_such_folder", "{err}");
    // A "folder" that is a file.
    let file = out.path().join("archivo");
    std::fs::write(&file, b"x").unwrap();
    let err = run(&fx, &request(ExportFormat::Xlsx, &file.join("x.xlsx"))).unwrap_err();
    assert_eq!(err.code(), "no_such_folder", "{err}");
    assert_eq!(files_in(out.path()), ["archivo"]);
    // A folder nobody can write, even root: /proc.
    let err = run(&fx, &request(ExportFormat::Csv, Path::new("/proc/x.csv"))).unwrap_err();
    assert_eq!(err.code(), "not_writable", "{err}");
}

#[test]
fn a_folder_destination_gets_a_generated_name_and_demo_is_marked() {
    let fx = fixture();
    let out = tempfile::tempdir().unwrap();
    let summary = run(&fx, &request(ExportFormat::Csv, out.path())).unwrap();
    assert_eq!(
        summary.file_name,
        "trato-digno_DFIMS000020_2026-11-01_2026-11-30.csv"
    );
    assert_eq!(
        files_in(out.path()),
        std::slice::from_ref(&summary.file_name)
    );
    let (_, header, _) = read_csv(&summary.path);
    assert_eq!(header[0], "id_respuesta");

    let (store, mut settings) = fx.open();
    settings.demo = true;
    let mut req = request(ExportFormat::Csv, out.path());
    req.service = Some("Hospitalización".into());
    assert_eq!(
        default_file_name(&settings, &req),
        "DEMO_trato-digno_DFIMS000020_hospitalizacion_2026-11-01_2026-11-30.csv"
    );
    req.service = None;
    let summary = export(&store, &settings, &req, &mut |_| {}).unwrap();
    assert!(summary.file_name.starts_with("DEMO_trato-digno_"));
    let (_, header, records) = read_csv(&summary.path);
    assert_eq!(header[0], "demo");
    assert!(records.iter().all(|r| r[0] == "DEMO"));

    req.format = ExportFormat::Xlsx;
    let summary = export(&store, &settings, &req, &mut |_| {}).unwrap();
    let mut book: Xlsx<_> = open_workbook(&summary.path).unwrap();
    let resumen = book.worksheet_range("Resumen").unwrap();
    assert!(resumen
        .rows()
        .any(|r| r.iter().any(|c| c.to_string().starts_with("DEMO"))));
    let rows = book.worksheet_range("Respuestas").unwrap();
    assert_eq!(rows.get((1, 0)), Some(&Data::String("DEMO".into())));
}

/// The security review exported over `kiosk.db`: the database folder is off
/// limits (but for its export folder), and no export ever replaces a file.
#[test]
fn an_export_never_lands_in_the_data_folder_nor_replaces_a_file() {
    let fx = fixture();
    let db = fx.db();
    let db_bytes = std::fs::read(&db).unwrap();
    let err = run(&fx, &request(ExportFormat::Csv, &db)).unwrap_err();
    assert_eq!(err.code(), "destination_forbidden", "{err}");
    let err = run(&fx, &request(ExportFormat::Csv, fx.dir.path())).unwrap_err();
    assert_eq!(err.code(), "destination_forbidden", "{err}");
    let sneaky = fx
        .dir
        .path()
        .join("exportaciones")
        .join("..")
        .join("kiosk.db");
    std::fs::create_dir_all(fx.dir.path().join("exportaciones")).unwrap();
    let err = run(&fx, &request(ExportFormat::Csv, &sneaky)).unwrap_err();
    assert_eq!(err.code(), "destination_forbidden", "{err}");
    assert_eq!(
        std::fs::read(&db).unwrap(),
        db_bytes,
        "the database is untouched"
    );

    // The kiosk's own export folder is allowed.
    let exports = fx.dir.path().join("exportaciones");
    let summary = run(&fx, &request(ExportFormat::Csv, &exports)).unwrap();
    assert!(summary.path.starts_with(exports.canonicalize().unwrap()));

    // A file given by name that exists is refused and kept as it was.
    let out = tempfile::tempdir().unwrap();
    let taken = out.path().join("informe.csv");
    std::fs::write(&taken, b"do not lose me").unwrap();
    let err = run(&fx, &request(ExportFormat::Csv, &taken)).unwrap_err();
    assert_eq!(err.code(), "destination_exists", "{err}");
    assert_eq!(std::fs::read(&taken).unwrap(), b"do not lose me");
}

#[test]
fn the_same_period_exported_twice_to_a_folder_keeps_both_files() {
    let fx = fixture();
    let out = tempfile::tempdir().unwrap();
    let first = run(&fx, &request(ExportFormat::Csv, out.path())).unwrap();
    let first_bytes = std::fs::read(&first.path).unwrap();
    let second = run(&fx, &request(ExportFormat::Csv, out.path())).unwrap();
    assert_eq!(
        second.file_name,
        "trato-digno_DFIMS000020_2026-11-01_2026-11-30_2.csv"
    );
    assert_eq!(std::fs::read(&first.path).unwrap(), first_bytes);
    assert_eq!(files_in(out.path()).len(), 2);
}

#[test]
fn staff_may_only_pick_a_destination_the_kiosk_listed() {
    use trato_kiosk_core::destinations;
    let fx = fixture();
    let exports = fx.dir.path().join("exportaciones");
    let listed = destinations::listed(&exports, &exports).expect("the export folder is listed");
    assert!(!listed.removable);
    for forged in [
        fx.dir.path().to_owned(),
        fx.db(),
        exports.join(".."),
        PathBuf::from("/tmp"),
        PathBuf::from("/media/../tmp"),
    ] {
        assert!(
            destinations::listed(&forged, &exports).is_none(),
            "{} must not be accepted",
            forged.display()
        );
    }
}

fn column(range: &calamine::Range<Data>, name: &str) -> usize {
    range
        .rows()
        .next()
        .unwrap()
        .iter()
        .position(|c| *c == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

#[test]
fn xlsx_has_typed_cells() {
    let fx = fixture();
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("noviembre.xlsx");
    let summary = run(&fx, &request(ExportFormat::Xlsx, &path)).unwrap();
    assert_eq!(summary.rows, 9);
    assert_eq!(files_in(out.path()), ["noviembre.xlsx"]);

    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(book.sheet_names(), ["Respuestas", "Resumen"]);
    let range = book.worksheet_range("Respuestas").unwrap();
    assert_eq!(range.height(), 10);
    let (date, time, version) = (
        column(&range, "fecha_local"),
        column(&range, "hora_local"),
        column(&range, "version_encuesta"),
    );
    let (trato, trato_code, comment) = (
        column(&range, "trato"),
        column(&range, "trato_codigo"),
        column(&range, "comentario"),
    );
    let id_col = column(&range, "id_respuesta");
    let first = range
        .rows()
        .find(|r| r[id_col].to_string() == fx.ids["first"].to_string())
        .unwrap();
    match &first[date] {
        Data::DateTime(d) => {
            assert!(d.is_datetime());
            assert_eq!(d.as_datetime().unwrap().date(), day(2026, 11, 1));
        }
        other => panic!("date cell is {other:?}"),
    }
    match &first[time] {
        Data::DateTime(t) => assert!((t.as_f64() - 60.0 / 86_400.0).abs() < 1e-9, "00:01:00"),
        other => panic!("time cell is {other:?}"),
    }
    assert_eq!(first[version], Data::Float(2.0));
    assert_eq!(first[trato], Data::String("Bien".into()));
    assert_eq!(first[trato_code], Data::Float(4.0));
    let at = range
        .rows()
        .find(|r| r[id_col].to_string() == fx.ids["at"].to_string())
        .unwrap();
    // Typed text cells hold the stored text as is, accents and emoji intact.
    assert_eq!(
        at[comment],
        Data::String("@SUM(A1:A9) ñandú 🙂 Señora Peña, gracias".into())
    );
    assert_eq!(at[column(&range, "unidad")], Data::String(UNIT_NAME.into()));
}

/// Option counts, answered counts per question and responses per day.
type SqlCounts = (
    HashMap<(String, String), f64>,
    HashMap<String, f64>,
    Vec<(NaiveDate, f64)>,
);

/// Counts straight from SQL on the same file, to check the summary sheet.
fn sql_counts(db: &Path) -> SqlCounts {
    let conn = rusqlite::Connection::open(db).unwrap();
    let period = "date(r.finished_at, r.utc_offset_minutes || ' minutes') BETWEEN '2026-11-01' AND '2026-11-30'";
    let mut options = HashMap::new();
    let mut stmt = conn
        .prepare(&format!(
            "SELECT a.question_id, a.option_code, COUNT(*) FROM answers a JOIN responses r ON r.id = a.response_id
             WHERE {period} AND a.option_code IS NOT NULL GROUP BY 1, 2"
        ))
        .unwrap();
    for row in stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, f64>(2)?)))
        .unwrap()
    {
        let (q, c, n) = row.unwrap();
        options.insert((q, c), n);
    }
    let mut answered = HashMap::new();
    let mut stmt = conn
        .prepare(&format!(
            "SELECT a.question_id, COUNT(DISTINCT a.response_id) FROM answers a JOIN responses r ON r.id = a.response_id
             WHERE {period} GROUP BY 1"
        ))
        .unwrap();
    for row in stmt
        .query_map([], |r| Ok((r.get(0)?, r.get::<_, f64>(1)?)))
        .unwrap()
    {
        let (q, n) = row.unwrap();
        answered.insert(q, n);
    }
    let mut stmt = conn
        .prepare(&format!(
            "SELECT date(r.finished_at, r.utc_offset_minutes || ' minutes') d, COUNT(*) FROM responses r
             WHERE {period} GROUP BY d ORDER BY d"
        ))
        .unwrap();
    let days = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, f64>(1)?)))
        .unwrap()
        .map(|r| {
            let (d, n) = r.unwrap();
            (NaiveDate::parse_from_str(&d, "%Y-%m-%d").unwrap(), n)
        })
        .collect();
    (options, answered, days)
}

#[test]
fn xlsx_summary_figures_equal_sql_counts() {
    let fx = fixture();
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("resumen.xlsx");
    run(&fx, &request(ExportFormat::Xlsx, &path)).unwrap();
    let (options, answered, days) = sql_counts(&fx.db());

    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    let range = book.worksheet_range("Resumen").unwrap();
    let rows: Vec<&[Data]> = range.rows().collect();
    let cell = |r: &[Data], c: usize| r.get(c).map(ToString::to_string).unwrap_or_default();
    let number = |r: &[Data], c: usize| match r.get(c) {
        Some(Data::Float(f)) => *f,
        Some(Data::Int(i)) => *i as f64,
        other => panic!("not a number: {other:?}"),
    };

    // Responses per local day.
    let daily: Vec<(NaiveDate, f64)> = rows
        .iter()
        .filter_map(|r| match r.first() {
            Some(Data::DateTime(d)) if r.get(1).is_some_and(|c| *c != Data::Empty) => {
                Some((d.as_datetime().unwrap().date(), number(r, 1)))
            }
            _ => None,
        })
        .collect();
    // The "Periodo" row also starts with a label, not a date, so only days remain.
    assert_eq!(daily, days);

    // Per option: count and percentage of those who answered.
    let mut checked = 0;
    for ((q, code), n) in &options {
        let row = rows
            .iter()
            .find(|r| cell(r, 0) == *q && cell(r, 2) == *code)
            .unwrap_or_else(|| panic!("no summary row for {q}={code}"));
        assert_eq!(number(row, 3), *n, "{q}={code}");
        let pct = number(row, 4);
        assert!((pct - n / answered[q]).abs() < 1e-9, "{q}={code}: {pct}");
        checked += 1;
    }
    assert_eq!(checked, 12, "every chosen option of the period");
    for (q, n) in &answered {
        if q == "comentario" {
            continue; // free text: no option counts
        }
        let row = rows
            .iter()
            .find(|r| cell(r, 0) == *q && cell(r, 2) == "total")
            .unwrap();
        assert_eq!(number(row, 3), *n, "answered {q}");
    }
    // An option nobody chose is listed with zero.
    let zero = rows
        .iter()
        .find(|r| cell(r, 0) == "mejorar" && cell(r, 2) == "otro")
        .unwrap();
    assert_eq!(number(zero, 3), 0.0);

    // % positive and % negative of the faces question (NHS FFT).
    let count = |c: &str| {
        options
            .get(&("trato".to_owned(), c.to_owned()))
            .copied()
            .unwrap_or(0.0)
    };
    let base = answered["trato"];
    let positive = rows
        .iter()
        .find(|r| cell(r, 0) == "trato" && cell(r, 2) == "4+5")
        .unwrap();
    assert_eq!(number(positive, 3), count("4") + count("5"));
    assert!((number(positive, 4) - (count("4") + count("5")) / base).abs() < 1e-9);
    let negative = rows
        .iter()
        .find(|r| cell(r, 0) == "trato" && cell(r, 2) == "1+2")
        .unwrap();
    assert_eq!(number(negative, 3), count("1") + count("2"));
    assert!((number(negative, 4) - (count("1") + count("2")) / base).abs() < 1e-9);
    // Labels from the options the survey declares positive / negative: for
    // v1 exactly what the sheet always said.
    assert_eq!(cell(positive, 1), "% positivo (Bien + Muy bien)");
    assert_eq!(cell(negative, 1), "% negativo (Muy mal + Mal)");
}

/// % positive and % negative follow the sentiments the newest version
/// declares, not fixed codes; a faces question without an indicator has none.
#[test]
fn positive_and_negative_follow_the_declared_sentiments() {
    let fx = fixture();
    let (mut store, settings) = fx.open();
    let mut v2: serde_json::Value =
        serde_json::to_value(store.survey("trato-digno", 1).unwrap()).unwrap();
    v2["version"] = 3.into(); // 2 is the shipped default v2
    let qs = v2["questions"].as_array_mut().unwrap();
    // "Regular" counts as positive in v2; only "Muy mal" as negative.
    let trato = qs.iter_mut().find(|q| q["id"] == "trato").unwrap();
    for (code, sentiment) in [("2", "neutral"), ("3", "positive")] {
        let o = trato["options"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|o| o["code"] == code)
            .unwrap();
        o["sentiment"] = sentiment.into();
    }
    let mut comodidad = trato.clone();
    comodidad["id"] = "comodidad".into();
    comodidad["required"] = false.into();
    comodidad["headline"] = false.into();
    comodidad.as_object_mut().unwrap().remove("indicator");
    for o in comodidad["options"].as_array_mut().unwrap() {
        o.as_object_mut().unwrap().remove("sentiment");
    }
    qs.push(comodidad);
    let v2 = SurveyDefinition::from_json(&v2.to_string()).unwrap();
    store.install_survey(&v2).unwrap();
    // The newest version answered in the period gives the meaning.
    store
        .insert_response(&Response {
            id: Uuid::now_v7(),
            survey_id: "trato-digno".into(),
            survey_version: 3,
            unit_clues: "DFIMS000020".into(),
            unit_name: UNIT_NAME.into(),
            service_area: "Consulta externa".into(),
            kiosk_id: settings.kiosk_id.clone(),
            language: "es".into(),
            started_at: utc(2026, 11, 25, 16, 0),
            finished_at: utc(2026, 11, 25, 16, 1),
            utc_offset_minutes: -360,
            status: ResponseStatus::Complete,
            flag_reason: None,
            answers: vec![choice("trato", &["3"]), choice("comodidad", &["4"])],
        })
        .unwrap();

    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("v2.xlsx");
    export(
        &store,
        &settings,
        &request(ExportFormat::Xlsx, &path),
        &mut |_| {},
    )
    .unwrap();
    let (options, answered, _) = sql_counts(&fx.db());
    let count = |c: &str| {
        options
            .get(&("trato".to_owned(), c.to_owned()))
            .copied()
            .unwrap_or(0.0)
    };
    assert!(
        count("1") > 0.0 && count("3") > 0.0,
        "the data answers 1 and 3"
    );
    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    let range = book.worksheet_range("Resumen").unwrap();
    let rows: Vec<&[Data]> = range.rows().collect();
    let cell = |r: &[Data], c: usize| r.get(c).map(ToString::to_string).unwrap_or_default();
    let find = |code: &str| {
        rows.iter()
            .find(|r| cell(r, 0) == "trato" && cell(r, 2) == code && cell(r, 1).starts_with('%'))
            .unwrap_or_else(|| panic!("no trato % row {code}"))
    };
    let positive = find("3+4+5");
    assert_eq!(cell(positive, 1), "% positivo (Regular + Bien + Muy bien)");
    assert_eq!(
        positive[3],
        Data::Float(count("3") + count("4") + count("5"))
    );
    let negative = find("1");
    assert_eq!(cell(negative, 1), "% negativo (Muy mal)");
    assert_eq!(negative[3], Data::Float(count("1")));
    assert!(answered["trato"] > 0.0);
    assert!(
        !rows
            .iter()
            .any(|r| cell(r, 0) == "comodidad" && cell(r, 1).starts_with('%')),
        "no indicator, no % rows"
    );
    assert!(rows.iter().any(|r| cell(r, 0) == "comodidad"));
}

#[test]
fn xlsx_has_a_chart_of_the_headline_question() {
    let fx = fixture();
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("grafica.xlsx");
    run(&fx, &request(ExportFormat::Xlsx, &path)).unwrap();
    let file = std::fs::File::open(&path).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut chart = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/charts/chart1.xml").unwrap(),
        &mut chart,
    )
    .unwrap();
    assert!(chart.contains("<c:barChart>"), "a column chart");
    assert!(
        chart.contains("Resumen!$B$"),
        "categories are the option labels"
    );
}

#[test]
fn progress_counts_up_to_the_total() {
    let fx = fixture();
    let out = tempfile::tempdir().unwrap();
    let (store, settings) = fx.open();
    for format in [ExportFormat::Csv, ExportFormat::Xlsx] {
        let mut seen: Vec<Progress> = Vec::new();
        export(&store, &settings, &request(format, out.path()), &mut |p| {
            seen.push(p)
        })
        .unwrap();
        assert!(seen.iter().all(|p| p.total == 9));
        assert!(seen.windows(2).all(|w| w[0].done <= w[1].done));
        assert_eq!(seen.first().map(|p| p.done), Some(0));
        let last = seen.last().unwrap();
        assert_eq!((last.done, last.finishing), (9, true));
    }
}

#[test]
fn export_database_works_beside_an_open_kiosk() {
    let fx = fixture();
    // The kiosk keeps its own connection open (as the running app does).
    let kiosk = Kiosk::open(fx.dir.path()).unwrap();
    let out = tempfile::tempdir().unwrap();
    let summary = export_database(
        &fx.db(),
        kiosk.settings(),
        &request(ExportFormat::Csv, out.path()),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(summary.rows, 9);
    let thread = {
        let db = fx.db();
        let settings = kiosk.settings().clone();
        let req = request(ExportFormat::Xlsx, out.path());
        std::thread::spawn(move || export_database(&db, &settings, &req, &mut |_| {}))
    };
    assert_eq!(thread.join().unwrap().unwrap().rows, 9);
}

#[test]
fn several_survey_versions_export_the_union_of_their_questions() {
    let fx = fixture();
    let (mut store, settings) = fx.open();
    let mut v2: SurveyDefinition = store.survey("trato-digno", 1).unwrap();
    v2.version = 3; // 2 is the shipped default v2
    v2.questions.retain(|q| q.id != "respeto");
    let recommend: trato_domain::Question = serde_json::from_value(serde_json::json!({
        "id": "recomienda", "kind": "recommend", "required": false,
        "prompt": {"es": "¿Nos recomendaría?", "en": "Would you recommend us?"}
    }))
    .unwrap();
    v2.questions.insert(1, recommend);
    store.install_survey(&v2).unwrap();
    let response = Response {
        id: Uuid::now_v7(),
        survey_id: "trato-digno".into(),
        survey_version: 3,
        unit_clues: "DFIMS000020".into(),
        unit_name: UNIT_NAME.into(),
        service_area: "Consulta externa".into(),
        kiosk_id: settings.kiosk_id.clone(),
        language: "es".into(),
        started_at: utc(2026, 11, 25, 16, 0),
        finished_at: utc(2026, 11, 25, 16, 1),
        utc_offset_minutes: -360,
        status: ResponseStatus::Complete,
        flag_reason: None,
        answers: vec![choice("trato", &["5"]), choice("recomienda", &["9"])],
    };
    store.insert_response(&response).unwrap();

    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("v.csv");
    export(
        &store,
        &settings,
        &request(ExportFormat::Csv, &path),
        &mut |_| {},
    )
    .unwrap();
    let (_, header, records) = read_csv(&path);
    let questions: Vec<&str> = header[12..].iter().step_by(2).map(String::as_str).collect();
    assert_eq!(
        questions,
        [
            "trato",
            "saludo",
            "escucha",
            "respuesta",
            "respeto",
            "espera",
            "mejorar",
            "comentario",
            "recomienda"
        ]
    );
    let row = by_id(&header, &records, response.id);
    assert_eq!(row["version_encuesta"], "3");
    assert_eq!(row["recomienda"], "9");
    assert_eq!(row["respeto"], "");
    let old = by_id(&header, &records, fx.ids["first"]);
    assert_eq!(old["recomienda"], "");

    let xlsx = out.path().join("v.xlsx");
    export(
        &store,
        &settings,
        &request(ExportFormat::Xlsx, &xlsx),
        &mut |_| {},
    )
    .unwrap();
    let mut book: Xlsx<_> = open_workbook(&xlsx).unwrap();
    let range = book.worksheet_range("Respuestas").unwrap();
    let rec = column(&range, "recomienda");
    let id_col = column(&range, "id_respuesta");
    let row = range
        .rows()
        .find(|r| r[id_col].to_string() == response.id.to_string())
        .unwrap();
    assert_eq!(row[rec], Data::Float(9.0), "0-10 answers are numbers");
    assert_eq!(row[column(&range, "version_encuesta")], Data::Float(3.0));
}
