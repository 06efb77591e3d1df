//! The `trato-kiosk` command line: with no subcommand it runs the kiosk;
//! subcommands are the IT tools, usable headless over SSH or in scripts.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use trato_kiosk_core::{data_dir, Kiosk};

#[derive(Debug, Parser)]
#[command(name = "trato-kiosk", version, about = "Quiosco de la encuesta de Trato Digno (IMSS)")]
pub struct Cli {
    /// Where the kiosk keeps its database [default: the platform's app-data directory]
    #[arg(long, global = true, env = data_dir::DATA_DIR_ENV, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Run as a demo kiosk: a data directory of its own and a sample unit
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
    /// Show what is stored and the database's health
    Status {
        /// Machine-readable output
        #[arg(long)]
        json: bool,
    },
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
        .try_init();
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let dir = resolve_dir(&cli)?;
    match cli.command.unwrap_or(Command::Run { window_size: None }) {
        Command::Run { window_size } => {
            let _lock = data_dir::InstanceLock::acquire(&dir)?;
            let kiosk = open_kiosk(&dir, cli.demo)?;
            tracing::info!(data_dir = %dir.display(), "starting the kiosk");
            crate::run(kiosk, window_size)?;
        }
        Command::Status { json } => {
            let kiosk = open_kiosk(&dir, cli.demo)?;
            print_status(&kiosk, json)?;
        }
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

fn open_kiosk(dir: &std::path::Path, demo: bool) -> anyhow::Result<Kiosk> {
    let mut kiosk = Kiosk::open(dir)
        .with_context(|| format!("cannot open the kiosk data in {}", dir.display()))?;
    if let Some(moved) = &kiosk.open_report().quarantined {
        eprintln!(
            "warning: the database failed its integrity check and was moved to {}; a new one was started",
            moved.display()
        );
    }
    if demo && !kiosk.settings().demo {
        kiosk.update_settings(&[
            ("kiosk.demo", "true"),
            ("unit.clues", "DFIMS000020"),
            ("unit.name", "Unidad de demostración"),
        ])?;
    }
    Ok(kiosk)
}

fn print_status(kiosk: &Kiosk, json: bool) -> anyhow::Result<()> {
    let store = kiosk.store();
    let counts = store.response_counts()?;
    let check = store.quick_check()?;
    let settings = kiosk.settings();
    let status = serde_json::json!({
        "data_dir": store.path().parent(),
        "unit": { "clues": settings.unit_clues, "name": settings.unit_name },
        "kiosk_id": settings.kiosk_id,
        "demo": settings.demo,
        "survey": { "id": settings.survey_id, "version": settings.survey_version },
        "responses": counts,
        "database": { "bytes": store.size_bytes(), "quick_check": check, "schema_version": store.schema_version()? },
    });
    if json {
        println!("{}", serde_json::to_string_pretty(&status)?);
    } else {
        println!("Unidad:        {} {}", settings.unit_clues, settings.unit_name);
        println!("Quiosco:       {}{}", settings.kiosk_id, if settings.demo { " (DEMO)" } else { "" });
        println!("Encuesta:      {} v{}", settings.survey_id, settings.survey_version);
        println!(
            "Respuestas:    {} (completas {}, abandonadas {}, marcadas {})",
            counts.total, counts.complete, counts.abandoned, counts.flagged
        );
        println!("Por enviar:    {}", counts.pending);
        println!("Base de datos: {} bytes, verificación: {}", store.size_bytes(), check);
    }
    Ok(())
}
