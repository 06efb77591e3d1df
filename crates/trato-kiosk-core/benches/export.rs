//! Export benchmark: N responses of the default survey (1,000,000 unless
//! `--rows N`), exported to CSV and XLSX, each in a child process so its
//! peak memory (VmHWM) is its own; beside two floors: the same joined
//! statement's rows pivoted into the same columns and written through the
//! same `csv` crate with raw values (the floor the CSV export is held to:
//! about the same bytes), and `sqlite3 -csv` running the joined statement
//! (one line per answer row: several times the bytes, so only a reference).
//!
//! `cargo bench -p trato-kiosk-core --bench export [-- --rows N] [--dir DIR]`
//! (`--dir` keeps and reuses the generated database). Not part of `cargo test`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeZone, Utc};
use trato_kiosk_core::export::{
    export_database, rows_statement, ExportFormat, ExportRequest, Period,
};
use trato_kiosk_core::{survey_catalog, KioskSettings, Store};

type Error = Box<dyn std::error::Error>;

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("child") => return child(&args[2..]),
        Some("floor") => return floor_csv(&args[2..]),
        _ => {}
    }
    let rows: u64 = flag(&args, "--rows").map_or(Ok(1_000_000), |v| v.parse())?;
    let keep = flag(&args, "--dir").map(PathBuf::from);
    let tmp = tempfile::tempdir()?;
    let dir = keep.clone().unwrap_or_else(|| tmp.path().to_owned());
    std::fs::create_dir_all(&dir)?;
    let db = dir.join(format!("bench-{rows}.sqlite3"));
    if !db.exists() {
        let started = Instant::now();
        generate(&db, rows)?;
        println!(
            "generated {rows} responses in {:.1} s ({} MB)",
            started.elapsed().as_secs_f64(),
            std::fs::metadata(&db)?.len() / 1_000_000
        );
    }

    // The exports go beside the database's folder, never inside it: the
    // export refuses a destination in the data folder (`InsideDataFolder`).
    let out_dir = tempfile::Builder::new()
        .prefix("export-bench-out")
        .tempdir_in(dir.parent().unwrap_or(&dir))?;
    let out = out_dir.path().to_owned();
    let (from, to) = period();
    let sql = rows_statement(&Period::new(from, to, None)?);
    let floor = measure(
        Command::new(std::env::current_exe()?)
            .arg("floor")
            .arg(&db)
            .arg(out.join("floor.csv"))
            .stdout(Stdio::null()),
    )?;
    report("pivoted csv (floor)", &floor, &out.join("floor.csv"));
    let sqlite_file = std::fs::File::create(out.join("sqlite3.csv"))?;
    let sqlite = measure(
        Command::new("sqlite3")
            .arg("-csv")
            .arg(&db)
            .arg(&sql)
            .stdout(sqlite_file),
    )?;
    report("sqlite3 -csv", &sqlite, &out.join("sqlite3.csv"));

    for format in ["csv", "xlsx"] {
        let file = out.join(format!("export.{format}"));
        let run = measure(
            Command::new(std::env::current_exe()?)
                .args(["child", format])
                .arg(&db)
                .arg(&file)
                .stdout(Stdio::null()),
        )?;
        report(&format!("export {format}"), &run, &file);
        if format == "csv" {
            println!(
                "  csv / pivoted floor: {:.2}x wall, {:.2}x cpu; csv / sqlite3: {:.2}x wall, {:.2}x cpu",
                run.secs / floor.secs,
                run.cpu_secs / floor.cpu_secs,
                run.secs / sqlite.secs,
                run.cpu_secs / sqlite.cpu_secs
            );
        }
    }
    if keep.is_none() {
        drop(tmp);
    }
    Ok(())
}

fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

fn period() -> (NaiveDate, NaiveDate) {
    let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default();
    (day(1), day(30))
}

struct Run {
    secs: f64,
    /// User + system CPU time: unlike wall time, barely moved by other load.
    cpu_secs: f64,
    peak_kb: u64,
}

fn report(what: &str, run: &Run, file: &Path) {
    let mb = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0) / 1_000_000;
    println!(
        "{what:<22} {:>7.1} s (cpu {:>5.1} s)  peak {:>5} MB  file {mb} MB",
        run.secs,
        run.cpu_secs,
        run.peak_kb / 1024
    );
}

/// Runs `cmd`, polling its VmHWM (peak resident memory, monotonic) until it
/// exits: the last reading is its peak to within the polling interval.
fn measure(cmd: &mut Command) -> Result<Run, Error> {
    let started = Instant::now();
    let mut child = cmd.spawn()?;
    let status_path = format!("/proc/{}/status", child.id());
    let stat_path = format!("/proc/{}/stat", child.id());
    let mut peak_kb = 0;
    let mut cpu_secs: f64 = 0.0;
    loop {
        if let Some(status) = child.try_wait()? {
            if !status.success() {
                return Err(format!("{cmd:?} failed: {status}").into());
            }
            break;
        }
        if let Ok(status) = std::fs::read_to_string(&status_path) {
            peak_kb = peak_kb.max(vm_hwm_kb(&status));
        }
        if let Ok(stat) = std::fs::read_to_string(&stat_path) {
            cpu_secs = cpu_secs.max(cpu_seconds(&stat));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(Run {
        secs: started.elapsed().as_secs_f64(),
        cpu_secs,
        peak_kb,
    })
}

/// utime + stime from `/proc/PID/stat`, in seconds (USER_HZ is 100 on Linux).
fn cpu_seconds(stat: &str) -> f64 {
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

fn vm_hwm_kb(status: &str) -> u64 {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// `child FORMAT DB OUT`: one export, as the Tauri shell would run it.
fn child(args: &[String]) -> Result<(), Error> {
    let [format, db, out] = args else {
        return Err("usage: child csv|xlsx DB OUT".into());
    };
    let mut settings = KioskSettings::defaults();
    settings.unit_clues = "DFIMS000020".into();
    let (from, to) = period();
    let req = ExportRequest::new(from, to, format.parse()?, PathBuf::from(out));
    let summary = export_database(Path::new(db), &settings, &req, &mut |_| {})?;
    let status = std::fs::read_to_string("/proc/self/status")?;
    println!(
        "{} rows={} bytes={} peak_kb={}",
        if req.format == ExportFormat::Csv {
            "csv"
        } else {
            "xlsx"
        },
        summary.rows,
        summary.bytes,
        vm_hwm_kb(&status)
    );
    Ok(())
}

/// A text column as `&str`; NULL reads as empty.
fn text(v: rusqlite::types::ValueRef<'_>) -> Result<&str, rusqlite::types::FromSqlError> {
    v.as_str_or_null().map(Option::unwrap_or_default)
}

/// `floor DB OUT`: what any CSV of these responses must do, and no more:
/// the export's own statement, its rows pivoted into one line per response
/// with the export's columns (the date and time cut from the stored UTC
/// stamp, codes where the export writes labels), written through the `csv`
/// crate after a byte-order mark and synced to the disk, as the export is.
fn floor_csv(args: &[String]) -> Result<(), Error> {
    let [db, out] = args else {
        return Err("usage: floor DB OUT".into());
    };
    let questions: Vec<String> = survey_catalog::default_survey()?
        .questions
        .into_iter()
        .map(|q| q.id)
        .collect();
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let (from, to) = period();
    let mut stmt = conn.prepare(&rows_statement(&Period::new(from, to, None)?))?;
    let mut rows = stmt.query([])?;
    let mut file = std::io::BufWriter::new(std::fs::File::create(out)?);
    std::io::Write::write_all(&mut file, b"\xEF\xBB\xBF")?;
    let mut w = csv::Writer::from_writer(file);
    let mut header: Vec<String> = [
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
        "version_encuesta",
    ]
    .map(String::from)
    .to_vec();
    for q in &questions {
        header.push(q.clone());
        header.push(format!("{q}_codigo"));
    }
    w.write_record(&header)?;
    let mut fixed: Vec<String> = vec![String::new(); 12];
    let mut cells: Vec<(String, String)> = vec![Default::default(); questions.len()];
    let mut started = false;
    let flush = |w: &mut csv::Writer<_>, fixed: &[String], cells: &[(String, String)]| {
        for f in fixed {
            w.write_field(f)?;
        }
        for (shown, codes) in cells {
            w.write_field(shown)?;
            w.write_field(codes)?;
        }
        w.write_record(None::<&[u8]>)
    };
    while let Some(r) = rows.next()? {
        let id = text(r.get_ref(0)?)?;
        if !started || fixed[0] != id {
            if started {
                flush(&mut w, &fixed, &cells)?;
            }
            started = true;
            let finished = text(r.get_ref(6)?)?;
            let values = [
                id,
                text(r.get_ref(1)?)?,
                text(r.get_ref(2)?)?,
                text(r.get_ref(3)?)?,
                text(r.get_ref(4)?)?,
                finished.get(..10).unwrap_or_default(),
                finished.get(11..19).unwrap_or_default(),
                text(r.get_ref(5)?)?,
                text(r.get_ref(8)?)?,
                text(r.get_ref(9)?)?,
                text(r.get_ref(10)?)?,
            ];
            for (field, value) in fixed.iter_mut().zip(values) {
                field.clear();
                field.push_str(value);
            }
            fixed[11] = r.get::<_, i64>(11)?.to_string();
            for (shown, codes) in &mut cells {
                shown.clear();
                codes.clear();
            }
        }
        let question = text(r.get_ref(12)?)?;
        let Some((shown, codes)) = questions
            .iter()
            .position(|q| q == question)
            .and_then(|i| cells.get_mut(i))
        else {
            continue;
        };
        let code = text(r.get_ref(13)?)?;
        if !code.is_empty() {
            if !codes.is_empty() {
                codes.push_str("; ");
                shown.push_str("; ");
            }
            codes.push_str(code);
            shown.push_str(code);
        }
        let comment = text(r.get_ref(14)?)?;
        if !comment.is_empty() {
            if !shown.is_empty() {
                shown.push_str("; ");
            }
            shown.push_str(comment);
        }
    }
    if started {
        flush(&mut w, &fixed, &cells)?;
    }
    let file = w.into_inner().map_err(|e| e.to_string())?;
    file.into_inner().map_err(|e| e.to_string())?.sync_all()?;
    Ok(())
}

const COMMENTS: [&str; 6] = [
    "Muy amables en la ventanilla, gracias.",
    "La espera fue muy larga y nadie nos informó del retraso.",
    "El médico me explicó todo con paciencia. Excelente atención.",
    "Faltan sillas en la sala de espera; el baño estaba sucio.",
    "La enfermera Peña fue muy atenta con mi mamá 🙂",
    "No había medicamento en farmacia, tuve que regresar.",
];
const SERVICES: [&str; 4] = ["Consulta externa", "Urgencias", "Farmacia", "Laboratorio"];

/// Writes `n` responses to the default survey in one transaction: the same
/// rows the kiosk stores, without its per-response fsync.
fn generate(db: &Path, n: u64) -> Result<(), Error> {
    let survey = survey_catalog::default_survey()?;
    {
        let (mut store, _) = Store::open(db)?;
        store.install_survey(&survey)?;
    }
    let mut conn = rusqlite::Connection::open(db)?;
    conn.pragma_update(None, "synchronous", "OFF")?;
    let tx = conn.transaction()?;
    {
        let mut response = tx.prepare(
            "INSERT INTO responses (id, seq, survey_id, survey_version, unit_clues, unit_name,
                 service_area, kiosk_id, language, started_at, finished_at, utc_offset_minutes,
                 status, flag_reason)
             VALUES (?1, ?2, ?8, ?9, 'DFIMS000020', 'HGZ 1 \"Gómez Farías\"',
                 ?3, 'kiosco-1', ?4, ?5, ?6, -360, ?7, NULL)",
        )?;
        let mut answer = tx.prepare(
            "INSERT INTO answers (response_id, question_id, position, option_code, text)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        let mut rng = fastrand::Rng::with_seed(20261101);
        // November 2026 in Mexico City (UTC-6), spread evenly.
        let start = Utc
            .with_ymd_and_hms(2026, 11, 1, 6, 0, 0)
            .single()
            .ok_or("date")?;
        let span_ms = 30 * 86_400_000 / i64::try_from(n.max(1))?;
        let stamp = |t: chrono::DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        for i in 0..i64::try_from(n)? {
            let id = uuid::Uuid::from_u128(rng.u128(..)).to_string();
            let finished = start + chrono::Duration::milliseconds(i * span_ms);
            let started = finished - chrono::Duration::seconds(rng.i64(30..180));
            let abandoned = rng.u8(..100) < 3;
            response.execute(rusqlite::params![
                id,
                i + 1,
                SERVICES[rng.usize(..SERVICES.len())],
                if rng.u8(..10) == 0 { "en" } else { "es" },
                stamp(started),
                stamp(finished),
                if abandoned { "abandoned" } else { "complete" },
                survey.id,
                survey.version,
            ])?;
            let trato = ["1", "2", "3", "4", "4", "5", "5", "5"][rng.usize(..8)];
            answer.execute(rusqlite::params![id, "trato", 0, trato, None::<&str>])?;
            if abandoned {
                continue;
            }
            for (q, codes) in [
                ("saludo", &["si", "si", "no"][..]),
                ("escucha", &["si", "no", "en_parte"][..]),
                ("respuesta", &["si", "no", "en_parte"][..]),
                ("respeto", &["si", "si", "no"][..]),
                (
                    "espera",
                    &["menos_30", "30_a_60", "1_a_2_horas", "mas_2_horas"][..],
                ),
            ] {
                let code = codes[rng.usize(..codes.len())];
                answer.execute(rusqlite::params![id, q, 0, code, None::<&str>])?;
            }
            if matches!(trato, "1" | "2") {
                let options = ["trato_personal", "tiempo_espera", "informacion", "limpieza"];
                for (pos, code) in (0_i64..).zip(options.iter().take(rng.usize(1..=3))) {
                    answer.execute(rusqlite::params![id, "mejorar", pos, code, None::<&str>])?;
                }
            }
            if rng.u8(..5) == 0 {
                let text = COMMENTS[rng.usize(..COMMENTS.len())];
                answer.execute(rusqlite::params![id, "comentario", 0, None::<&str>, text])?;
            }
        }
    }
    tx.commit()?;
    Ok(())
}
