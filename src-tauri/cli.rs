//! The `trato-kiosk` command line: with no subcommand it runs the kiosk;
//! subcommands are the IT tools, usable headless over SSH or in scripts for
//! mass deployment. Each validates exactly as the staff screen does (the same
//! core calls), exits non-zero with a message naming the problem, and
//! changes nothing on error.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};
use trato_domain::SurveyDefinition;
use trato_kiosk_core::config_files::{self, ConfigFile};
use trato_kiosk_core::export::{self, ExportFormat, ExportRequest};
use trato_kiosk_core::staff::{DEMO_IT_PIN, DEMO_STAFF_PIN};
use trato_kiosk_core::sync::{SyncError, SyncOptions, Syncer};
use trato_kiosk_core::{data_dir, Kiosk, Role};

use crate::kiosk_window::WindowPlan;

#[derive(Debug, Parser)]
#[command(
    name = "trato-kiosk",
    version,
    about = "Quiosco de la encuesta de Trato Digno (IMSS)"
)]
pub struct Cli {
    /// Where the kiosk keeps its database [default: the platform's app-data directory]
    #[arg(long, global = true, env = data_dir::DATA_DIR_ENV, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Run as a demo kiosk: a data directory of its own, a sample unit and demo PINs
    #[arg(long, global = true)]
    pub demo: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the kiosk window (the default)
    Run {
        /// Window size instead of full screen, e.g. 1280x800 (tests, screenshots)
        #[arg(long, value_parser = parse_size, value_name = "WxH")]
        window_size: Option<(u32, u32)>,
    },
    /// Show what is stored, what waits to be sent and the database's health
    Status {
        /// Machine-readable output
        #[arg(long)]
        json: bool,
    },
    /// Send pending responses to the centre now (one sync), and pick up a newer survey
    Sync {
        /// One sync, then exit: non-zero, with the reason, if it failed
        #[arg(long)]
        once: bool,
    },
    /// Show or change this kiosk's settings
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Set a PIN; the new PIN is read from standard input, never from the command line
    #[command(subcommand)]
    Pin(PinCommand),
    /// Check or install a survey definition
    #[command(subcommand)]
    Survey(SurveyCommand),
    /// Export responses of a period (the unit's local days, both included)
    Export {
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: NaiveDate,
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: NaiveDate,
        /// Only this service area
        #[arg(long)]
        service: Option<String>,
        #[arg(long, value_enum)]
        format: FormatArg,
        /// A file, or a folder to write a file with a generated name into
        #[arg(long, value_name = "PATH")]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print every setting (the token redacted)
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Set one setting, e.g. `config set unit.clues DFIMS000020`
    Set { key: String, value: String },
    /// Apply every setting in one or more TOML files, all or none; a key in a
    /// later file replaces it in an earlier one (the fleet's file, then this kiosk's)
    Import {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Do nothing if these files are the ones last imported with this flag
        /// (the service imports at every start; changes made on screen stand)
        #[arg(long)]
        if_changed: bool,
    },
    /// Print the settings as TOML (for `config import` on another kiosk)
    Export {
        /// Include the sync token in clear and both PINs' hashes (`[pins]`)
        #[arg(long)]
        with_secrets: bool,
    },
    /// Print the systemd-timesyncd drop-in for `clock.ntp_servers` in these
    /// files (nothing when they name no server); the service's root import
    /// step writes it to /etc/systemd/timesyncd.conf.d/trato-kiosk.conf
    Timesyncd {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum PinCommand {
    /// `echo 482913 | trato-kiosk pin set staff`
    Set {
        #[arg(value_enum)]
        role: RoleArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum SurveyCommand {
    /// Check a survey file (.json, or an XLSForm .xlsx) and list every problem with its path or cell
    Validate { file: PathBuf },
    /// Install a survey file (.json or .xlsx) and make it active (earlier responses keep their version)
    Install { file: PathBuf },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Staff,
    It,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Csv,
    Xlsx,
}

fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("expected WIDTHxHEIGHT, got {s:?}"))?;
    let parse = |v: &str| {
        v.parse::<u32>()
            .ok()
            .filter(|n| (200..=10_000).contains(n))
            .ok_or_else(|| format!("{v:?} is not a size in pixels from 200 to 10000"))
    };
    Ok((parse(w)?, parse(h)?))
}

pub fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Logs go to stderr: journald under systemd, the console when run by hand.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let dir = resolve_dir(&cli)?;
    let command = cli.command.unwrap_or(Command::Run { window_size: None });
    // Only the survey validator and the timesyncd drop-in work without the database.
    if let Command::Survey(SurveyCommand::Validate { file }) = &command {
        return validate_survey(file);
    }
    // Nor does reading the clock settings for the root import step.
    if let Command::Config(ConfigCommand::Timesyncd { files }) = &command {
        let deployment = config_files::merged(&read_config_files(files)?)?;
        if let Some(servers) = deployment.ntp_servers.filter(|s| !s.is_empty()) {
            print!("{}", config_files::timesyncd_drop_in(&servers));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let _lock = data_dir::InstanceLock::acquire(&dir)?;
    let mut kiosk = open_kiosk(&dir, cli.demo)?;
    if let Command::Config(ConfigCommand::Import { files, if_changed }) = &command {
        return import_config(&mut kiosk, &dir, files, *if_changed);
    }
    match command {
        Command::Run { window_size } => {
            tracing::info!(data_dir = %dir.display(), "starting the kiosk");
            crate::run(kiosk, WindowPlan { size: window_size })?;
        }
        Command::Status { json } => print_status(&kiosk, json)?,
        Command::Sync { once } => {
            if !once {
                bail!("the kiosk window syncs in the background; for one sync now use `trato-kiosk sync --once`");
            }
            return sync_once(&mut kiosk);
        }
        Command::Config(config) => run_config(&mut kiosk, config)?,
        Command::Pin(PinCommand::Set { role }) => {
            let pin = read_pin()?;
            let role = match role {
                RoleArg::Staff => Role::Staff,
                RoleArg::It => Role::It,
            };
            kiosk.admin_cli().set_pin(role, &pin)?;
            eprintln!("PIN de {} actualizado.", role.as_str());
        }
        Command::Survey(SurveyCommand::Install { file }) => {
            let survey = load_survey(&file)?;
            // Recorded audio is resolved beside the survey file and copied
            // into the data folder first: a file missing refuses the install.
            let beside = file
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let recordings = trato_kiosk_core::read_aloud::recordings::copy_from(
                &survey,
                beside,
                &trato_kiosk_core::read_aloud::audio_dir(&dir),
            )?;
            warn_language_gaps(&survey);
            let new = kiosk.admin_cli().install_survey(&survey)?;
            if recordings > 0 {
                println!("{recordings} grabaciones de audio copiadas");
            }
            println!(
                "{} {} v{}: activa{}",
                if new { "Instalada" } else { "Ya instalada" },
                survey.id,
                survey.version,
                if new {
                    ""
                } else {
                    " (sin cambios en la definición)"
                }
            );
        }
        Command::Survey(SurveyCommand::Validate { .. }) => unreachable!("handled above"),
        Command::Export {
            from,
            to,
            service,
            format,
            out,
        } => run_export(&mut kiosk, from, to, service, format, out)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn resolve_dir(cli: &Cli) -> anyhow::Result<PathBuf> {
    let dir = data_dir::resolve(cli.data_dir.as_deref())?;
    // The demo never writes into a real kiosk's directory.
    Ok(if cli.demo && cli.data_dir.is_none() {
        dir.join("demo")
    } else {
        dir
    })
}

fn open_kiosk(dir: &Path, demo: bool) -> anyhow::Result<Kiosk> {
    let mut kiosk = Kiosk::open(dir)
        .with_context(|| format!("cannot open the kiosk data in {}", dir.display()))?;
    if let Some(moved) = &kiosk.open_report().quarantined {
        eprintln!(
            "warning: the database failed its integrity check and was moved to {}; a new one was started",
            moved.display()
        );
    }
    if demo {
        if !kiosk.is_configured()? {
            kiosk.complete_setup(
                &[
                    ("kiosk.demo", "true"),
                    ("unit.clues", "DFIMS000020"),
                    ("unit.name", "Unidad de demostración"),
                    ("kiosk.label", "Quiosco de demostración"),
                ],
                DEMO_STAFF_PIN,
                DEMO_IT_PIN,
            )?;
        }
        if kiosk.settings().demo {
            eprintln!(
                "DEMO: datos en {}; PIN de personal {DEMO_STAFF_PIN}, PIN de TI {DEMO_IT_PIN} \
                 (mantenga presionada 3 s la esquina superior izquierda para el modo de personal)",
                dir.display()
            );
        }
    }
    Ok(kiosk)
}

fn run_config(kiosk: &mut Kiosk, command: ConfigCommand) -> anyhow::Result<()> {
    match command {
        ConfigCommand::Show { json } => {
            let pairs = kiosk.admin_cli().settings_redacted()?;
            if json {
                let map: serde_json::Map<String, serde_json::Value> =
                    pairs.into_iter().map(|(k, v)| (k, v.into())).collect();
                println!("{}", serde_json::to_string_pretty(&map)?);
            } else {
                let width = pairs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
                for (key, value) in pairs {
                    println!("{key:<width$}  {value}");
                }
            }
        }
        ConfigCommand::Set { key, value } => {
            let changed = kiosk.admin_cli().update_settings(&[(&key, &value)])?;
            if changed.is_empty() {
                eprintln!("{key}: sin cambios");
            } else {
                eprintln!("{key}: actualizado");
            }
        }
        ConfigCommand::Import { .. } | ConfigCommand::Timesyncd { .. } => {
            unreachable!("handled in run")
        }
        ConfigCommand::Export { with_secrets } => {
            print!("{}", kiosk.admin_cli().export_toml(with_secrets)?);
        }
    }
    Ok(())
}

/// `config import`: the files merged key by key, applied all or none; with
/// `if_changed`, skipped when they are the files last imported that way.
fn import_config(
    kiosk: &mut Kiosk,
    dir: &Path,
    paths: &[PathBuf],
    if_changed: bool,
) -> anyhow::Result<ExitCode> {
    let files = read_config_files(paths)?;
    if if_changed && !config_files::changed_since_last_import(dir, &files) {
        eprintln!("configuración sin cambios desde la última importación");
        return Ok(ExitCode::SUCCESS);
    }
    let deployment = config_files::merged(&files)?;
    let borrowed: Vec<(&str, &str)> = deployment
        .settings
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut changed = kiosk.admin_cli().update_settings(&borrowed)?;
    let pins = kiosk.admin_cli().import_pin_hashes(&deployment.pins)?;
    changed.extend(pins.iter().map(|role| format!("PIN {role}")));
    if if_changed {
        config_files::record_import(dir, &files)?;
    }
    eprintln!(
        "{} ajuste(s) cambiado(s): {}",
        changed.len(),
        changed.join(", ")
    );
    Ok(ExitCode::SUCCESS)
}

fn read_config_files(paths: &[PathBuf]) -> anyhow::Result<Vec<ConfigFile>> {
    paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            Ok(ConfigFile {
                path: path.clone(),
                text,
            })
        })
        .collect()
}

/// The new PIN, from the first line of standard input: never an argument
/// (other users see arguments in `ps`), never echoed.
fn read_pin() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Nuevo PIN (4 a 8 dígitos; no se muestra): ");
        std::io::stderr().flush()?;
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    let pin = line.trim_end_matches(['\r', '\n']).to_owned();
    if pin.is_empty() {
        bail!("no PIN on standard input: `echo 482913 | trato-kiosk pin set staff`");
    }
    Ok(pin)
}

/// A survey file: an XLSForm `.xlsx` or the JSON document. On error, every
/// problem (with its cell or path) is in the message.
fn load_survey(file: &Path) -> anyhow::Result<SurveyDefinition> {
    Ok(trato_xlsform::load_survey_file(file)?)
}

/// Warns (stderr, not an error) about each survey language the patient
/// screens have no words for: those patients would see Spanish buttons.
fn warn_language_gaps(survey: &SurveyDefinition) {
    for gap in trato_kiosk_core::ui_languages::gaps(survey) {
        eprintln!("{}", gap.in_words());
    }
}

fn validate_survey(file: &Path) -> anyhow::Result<ExitCode> {
    let survey = load_survey(file)?;
    warn_language_gaps(&survey);
    println!(
        "ok: {} v{} ({} preguntas, idiomas: {})",
        survey.id,
        survey.version,
        survey.questions.len(),
        survey.languages.join(", ")
    );
    Ok(ExitCode::SUCCESS)
}

fn run_export(
    kiosk: &mut Kiosk,
    from: NaiveDate,
    to: NaiveDate,
    service: Option<String>,
    format: FormatArg,
    out: PathBuf,
) -> anyhow::Result<()> {
    let format = match format {
        FormatArg::Csv => ExportFormat::Csv,
        FormatArg::Xlsx => ExportFormat::Xlsx,
    };
    let mut request = ExportRequest::new(from, to, format, out.clone());
    request.service = service;
    let admin = kiosk.admin_cli();
    admin.record_export(from, to, format, &out)?;
    let show_progress = std::io::stderr().is_terminal();
    let summary = export::export(
        admin.kiosk().store(),
        admin.kiosk().settings(),
        &request,
        &mut |p| {
            if show_progress && p.total > 0 {
                eprint!("\r{} / {} respuestas", p.done, p.total);
            }
        },
    )?;
    if show_progress {
        eprintln!();
    }
    println!("{} ({} respuestas)", summary.path.display(), summary.rows);
    Ok(())
}

/// One sync through its own connection (as the window's background task
/// does), then a report: what was sent, what the centre rejected and why.
fn sync_once(kiosk: &mut Kiosk) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the sync runtime")?;
    let mut syncer = Syncer::open(kiosk.store().path(), SyncOptions::default())?;
    let report = match runtime.block_on(syncer.run_once()) {
        Ok(report) => report,
        Err(SyncError::NotConfigured) => {
            eprintln!(
                "error: {} Configure it with `trato-kiosk config set sync.endpoint https://...` and `sync.token`.",
                SyncError::NotConfigured.in_words()
            );
            return Ok(ExitCode::from(2));
        }
        Err(error) => {
            eprintln!("error: {}\n({error})", error.in_words());
            return Ok(ExitCode::FAILURE);
        }
    };
    println!(
        "Enviadas: {} ({} nuevas en el centro, {} ya estaban) en {} lote(s)",
        report.sent(),
        report.stored,
        report.duplicate,
        report.batches
    );
    println!("Rechazadas: {}", report.rejected.len());
    for r in &report.rejected {
        println!(
            "  {} {}",
            r.id,
            trato_kiosk_core::sync::apply::reject_text(r.reason, &r.detail)
        );
    }
    println!("Por enviar: {}", report.pending);
    if let Some(ms) = report.clock_offset_ms {
        println!(
            "Diferencia de reloj con el centro: {:+.1} s",
            ms as f64 / 1000.0
        );
    }
    if report.purged > 0 {
        println!(
            "Depuradas (enviadas hace más de sync.retention_days): {}",
            report.purged
        );
    }
    if let Some(survey) = report.new_survey {
        kiosk.adopt_centre_survey(&survey)?;
        println!(
            "Encuesta del centro instalada y activa: {} v{}",
            survey.id, survey.version
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn print_status(kiosk: &Kiosk, json: bool) -> anyhow::Result<()> {
    let store = kiosk.store();
    let counts = store.response_counts()?;
    let check = store.quick_check()?;
    let last_sync = store.last_sync()?;
    let settings = kiosk.settings();
    let status = serde_json::json!({
        "data_dir": store.path().parent(),
        "configured": kiosk.is_configured()?,
        "unit": { "clues": settings.unit_clues, "name": settings.unit_name },
        "kiosk_id": settings.kiosk_id,
        "demo": settings.demo,
        "survey": { "id": settings.survey_id, "version": settings.survey_version },
        "responses": counts,
        "last_sync": last_sync,
        "database": {
            "bytes": store.size_bytes(),
            "quick_check": check,
            "schema_version": store.schema_version()?,
        },
    });
    if json {
        println!("{}", serde_json::to_string_pretty(&status)?);
        return Ok(());
    }
    println!(
        "Unidad:          {} {}",
        settings.unit_clues, settings.unit_name
    );
    println!(
        "Quiosco:         {}{}",
        settings.kiosk_id,
        if settings.demo { " (DEMO)" } else { "" }
    );
    println!(
        "Encuesta activa: {} v{}",
        settings.survey_id, settings.survey_version
    );
    println!(
        "Respuestas:      {} (completas {}, abandonadas {}, marcadas {})",
        counts.total, counts.complete, counts.abandoned, counts.flagged
    );
    println!(
        "Envío:           {} por enviar, {} enviadas, {} rechazadas",
        counts.pending, counts.sent, counts.rejected
    );
    match last_sync {
        Some(s) if s.ok => println!("Última sincronización: {} (correcta)", s.finished_at),
        Some(s) => println!(
            "Última sincronización: {} (falló: {})",
            s.finished_at,
            s.error.unwrap_or_default()
        ),
        None => println!("Última sincronización: nunca"),
    }
    println!(
        "Base de datos:   {} bytes, verificación: {}",
        store.size_bytes(),
        check
    );
    Ok(())
}
