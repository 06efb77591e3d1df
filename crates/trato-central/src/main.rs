//! `trato-central`: the central receiver's command line. All logic lives in
//! the library so the tests run the same code.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};
use trato_central::dashboard::{auth, catalogue, rollup};
use trato_central::service_config::{self, ServiceConfig, Transport};
use trato_central::store::Scope;
use trato_central::surveys;
use trato_central::tls::{self, TlsFiles};
use trato_central::{admin, backup, open_store, serve, shutdown_signal, AppState, Config};

#[derive(Parser)]
#[command(
    name = "trato-central",
    version,
    about = "Trato Digno central receiver"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct Db {
    /// SQLite file path (created if missing) or a postgres:// URL.
    #[arg(long, env = "TRATO_CENTRAL_DB", default_value = "trato-central.db")]
    db: String,
}

// Parsed once at start: the size of the largest variant (`serve`'s many
// flags) costs nothing worth boxing for.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Receive kiosk batches over HTTP until SIGTERM or Ctrl-C.
    Serve {
        #[command(flatten)]
        db: Db,
        /// Address to listen on. Plain HTTP only on loopback or with --behind-proxy.
        #[arg(long, env = "TRATO_CENTRAL_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Settings file (TOML keys listen, db, tls_cert, tls_key, behind_proxy,
        /// secure_cookies); each key it sets replaces the command line's value.
        #[arg(long, env = "TRATO_CENTRAL_CONFIG", value_name = "FILE")]
        config: Option<PathBuf>,
        /// PEM certificate chain: serve HTTPS (read again on SIGHUP).
        #[arg(long, requires = "tls_key", value_name = "PEM")]
        tls_cert: Option<PathBuf>,
        /// PEM private key of --tls-cert.
        #[arg(long, requires = "tls_cert", value_name = "PEM")]
        tls_key: Option<PathBuf>,
        /// Plain HTTP on a network address, because a reverse proxy in front does TLS.
        #[arg(long)]
        behind_proxy: bool,
        /// Whole-request deadline, in seconds.
        #[arg(long, default_value_t = 30)]
        request_timeout_secs: u64,
        /// Seconds a connection has to send a request's headers (also
        /// between requests on a kept-alive connection).
        #[arg(long, default_value_t = 10)]
        header_timeout_secs: u64,
        /// Connections open at once (keep below the service's LimitNOFILE).
        /// Near it, each new connection closes the oldest one that has not
        /// sent a request yet.
        #[arg(long, default_value_t = 4096)]
        max_connections: usize,
        /// Requests a kiosk may make at once before being throttled.
        #[arg(long, default_value_t = 60)]
        rate_burst: u32,
        /// Requests per second a kiosk regains (0 turns the limit off).
        #[arg(long, default_value_t = 20.0)]
        rate_per_sec: f64,
        /// The centre is reached over https (a TLS proxy in front): replies
        /// carry HSTS and session cookies are Secure.
        #[arg(long, env = "TRATO_CENTRAL_BEHIND_TLS")]
        behind_tls: bool,
        /// Session cookies Secure (true) or not (false) whatever the rest
        /// says; by default Secure when served over TLS.
        #[arg(long, env = "TRATO_CENTRAL_SECURE_COOKIES")]
        secure_cookies: Option<bool>,
        /// A reverse proxy whose X-Forwarded-For names the client (repeat for
        /// several). Anyone else's X-Forwarded-For is ignored.
        #[arg(long = "trusted-proxy", value_name = "IP")]
        trusted_proxies: Vec<std::net::IpAddr>,
        /// Fewest answers to the headline question for a unit to be ranked
        /// on the tablero (fewer: listed apart as "Pocas respuestas").
        #[arg(long, default_value_t = 30)]
        ranking_min_responses: i64,
        #[command(flatten)]
        mail: MailArgs,
    },
    /// E-mail notifications: what is owed to whom and why.
    Mail {
        #[command(subcommand)]
        command: MailCommand,
    },
    /// Units: opening hours (a kiosk's silence counts only within them).
    Unit {
        #[command(subcommand)]
        command: UnitCommand,
    },
    /// Load and list the unit catalogue (CLUES, name, OOAD or UMAE, state).
    Catalogue {
        #[command(subcommand)]
        command: CatalogueCommand,
    },
    /// Dashboard accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Issue, list and revoke kiosk tokens.
    Kiosk {
        #[command(subcommand)]
        command: KioskCommand,
    },
    /// Publish survey versions.
    Survey {
        #[command(subcommand)]
        command: SurveyCommand,
    },
    /// Copy a SQLite database to a new file, safely while the centre serves
    /// (one consistent snapshot, checked). PostgreSQL: use pg_dump.
    Backup {
        #[command(flatten)]
        db: Db,
        /// The backup file to create (it must not exist).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Replace a SQLite database with a backup; refused while a centre
    /// serves it. The database replaced is kept beside it.
    Restore {
        #[command(flatten)]
        db: Db,
        /// The backup file to restore.
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
    },
    /// The dashboard's daily figures.
    Rollup {
        #[command(subcommand)]
        command: RollupCommand,
    },
}

/// E-mail settings of `serve`. The SMTP password comes only from the
/// configuration file (`smtp_password`) or `TRATO_SMTP_PASSWORD`.
#[derive(Args)]
struct MailArgs {
    /// SMTP server for e-mail notifications: smtp://HOST:PORT,
    /// smtp://HOST:587?tls=required (STARTTLS) or smtps://HOST:465. No
    /// password in it. Without it, no e-mail is sent (alerts still queue).
    #[arg(long, env = "TRATO_SMTP_URL", value_name = "URL")]
    smtp_url: Option<String>,
    /// Sender address, e.g. "Trato Digno <tratodigno@imss.gob.mx>".
    #[arg(long, env = "TRATO_MAIL_FROM", value_name = "ADDR")]
    mail_from: Option<String>,
    /// SMTP user (when not in the URL).
    #[arg(long, env = "TRATO_SMTP_USER")]
    smtp_user: Option<String>,
    /// Hour of the daily digest, HH:MM in each account's local time.
    #[arg(long, default_value = "07:00", value_name = "HH:MM")]
    digest_at: String,
    /// Opening hours without contact after which a kiosk counts as silent.
    #[arg(long, default_value_t = 24)]
    silent_after_hours: u32,
}

#[derive(Subcommand)]
enum MailCommand {
    /// Messages not yet accepted by the mail server (urgent alerts and
    /// digests), with attempts and the last error; exit 2 when any is owed.
    Status {
        #[command(flatten)]
        db: Db,
    },
}

#[derive(Subcommand)]
enum UnitCommand {
    /// Show or set a unit's opening hours (default: every day 07:00-20:00,
    /// the unit's local time).
    Hours {
        #[command(flatten)]
        db: Db,
        /// The unit's CLUES; without it, every unit with hours of its own.
        #[arg(long)]
        unit: Option<String>,
        /// Days open: todos, or lun,mar,mie,jue,vie,sab,dom and ranges (lun-vie).
        #[arg(long, requires_all = ["unit", "open", "close"])]
        days: Option<String>,
        /// Opening time, HH:MM.
        #[arg(long, requires_all = ["unit", "days", "close"])]
        open: Option<String>,
        /// Closing time, HH:MM (24:00 for open until midnight).
        #[arg(long, requires_all = ["unit", "days", "open"])]
        close: Option<String>,
    },
}

#[derive(Subcommand)]
enum RollupCommand {
    /// Recompute the dashboard's daily figures (and missing alerts) from the
    /// stored responses: for responses stored before the dashboard existed,
    /// or after a fix. Safe to repeat and to run while `serve` runs; one
    /// transaction per unit and month.
    Rebuild {
        #[command(flatten)]
        db: Db,
        /// First kiosk-local day to rebuild (YYYY-MM-DD); default: the first with data.
        #[arg(long)]
        from: Option<NaiveDate>,
        /// Last kiosk-local day to rebuild (YYYY-MM-DD); default: the last with data.
        #[arg(long)]
        to: Option<NaiveDate>,
    },
}

#[derive(Subcommand)]
enum KioskCommand {
    /// Register a kiosk; prints its id and token (the token only this once).
    Add {
        #[command(flatten)]
        db: Db,
        /// The unit's CLUES, e.g. DFIMS000020.
        #[arg(long)]
        unit: String,
        /// A name staff recognise, e.g. "Urgencias planta baja".
        #[arg(long)]
        name: String,
        /// The kiosk's own id (`trato-kiosk status` shows it): its stored
        /// responses carry it. Without it a new id is made.
        #[arg(long)]
        kiosk_id: Option<String>,
    },
    /// List kiosks (never their tokens).
    List {
        #[command(flatten)]
        db: Db,
    },
    /// Revoke a kiosk's token at once.
    Revoke {
        #[command(flatten)]
        db: Db,
        id: String,
    },
}

#[derive(Subcommand)]
enum CatalogueCommand {
    /// Check a CSV catalogue (header clues,nombre,tipo,ooad_umae,estado) and
    /// load it; units are inserted or updated by CLUES. Nothing is loaded
    /// from a file with any problem.
    Load {
        #[command(flatten)]
        db: Db,
        file: PathBuf,
    },
    /// List the loaded units.
    List {
        #[command(flatten)]
        db: Db,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a dashboard account; the password is read from standard input
    /// (first line).
    Add {
        #[command(flatten)]
        db: Db,
        /// national, ooad, umae or unit.
        #[arg(long)]
        role: String,
        /// OOAD/UMAE name (roles ooad, umae) or CLUES (role unit); empty for national.
        #[arg(long, default_value = "")]
        scope: String,
        #[arg(long)]
        name: String,
        /// E-mail address for alert notifications and the daily digest.
        #[arg(long, value_name = "ADDR")]
        email: Option<String>,
    },
    /// List accounts (never their passwords).
    List {
        #[command(flatten)]
        db: Db,
    },
    /// Disable an account: it cannot sign in, and its open sessions end at once.
    Disable {
        #[command(flatten)]
        db: Db,
        #[arg(long)]
        name: String,
    },
    /// Enable a disabled account again.
    Enable {
        #[command(flatten)]
        db: Db,
        #[arg(long)]
        name: String,
    },
    /// Set a new password, read from standard input (first line), never from
    /// the command line; the account's open sessions end at once.
    Passwd {
        #[command(flatten)]
        db: Db,
        #[arg(long)]
        name: String,
    },
    /// Set the account's e-mail address (an empty one clears it).
    SetEmail {
        #[command(flatten)]
        db: Db,
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
    },
}

/// The e-mail settings from the file (first) and the command line, or
/// `None` when no SMTP server is set.
fn mail_config(
    file: &ServiceConfig,
    smtp_url: Option<String>,
    args: &MailArgs,
) -> anyhow::Result<Option<trato_central::mail::MailConfig>> {
    let Some(smtp_url) = file.smtp_url.clone().or(smtp_url) else {
        return Ok(None);
    };
    let from = file
        .mail_from
        .clone()
        .or_else(|| args.mail_from.clone())
        .context("--smtp-url needs --mail-from (or mail_from in the configuration file)")?;
    let digest_at = file.digest_at.as_deref().unwrap_or(&args.digest_at);
    let digest_at = chrono::NaiveTime::parse_from_str(digest_at, "%H:%M")
        .with_context(|| format!("digest_at `{digest_at}` is not a time HH:MM"))?;
    let password = file.smtp_password.clone().or_else(|| {
        std::env::var(trato_central::mail::smtp::PASSWORD_ENV)
            .ok()
            .filter(|p| !p.is_empty())
    });
    Ok(Some(trato_central::mail::MailConfig {
        smtp_url,
        from,
        username: file.smtp_user.clone().or_else(|| args.smtp_user.clone()),
        password,
        digest_at,
    }))
}

/// The first line of standard input, without its line end.
fn password_from_stdin() -> anyhow::Result<String> {
    let mut password = String::new();
    std::io::stdin()
        .read_line(&mut password)
        .context("cannot read the password from standard input")?;
    Ok(password.trim_end_matches(['\r', '\n']).to_owned())
}

#[derive(Subcommand)]
enum SurveyCommand {
    /// Check a survey file (.json, or an XLSForm .xlsx) and list every problem.
    Validate { file: PathBuf },
    /// Validate a survey file (.json or .xlsx) and publish it for a scope: the kiosks of that
    /// scope switch to it (between patients) from that day. Among the
    /// publications in force for a unit, the narrowest scope wins.
    Publish {
        #[command(flatten)]
        db: Db,
        file: PathBuf,
        /// national, ooad:NAME, umae:NAME (as in the unit catalogue) or unit:CLUES.
        #[arg(long, conflicts_with_all = ["unit", "all"], required_unless_present_any = ["unit", "all"])]
        scope: Option<String>,
        /// Same as --scope unit:CLUES.
        #[arg(long, conflicts_with = "all")]
        unit: Option<String>,
        /// Same as --scope national.
        #[arg(long)]
        all: bool,
        /// First day in force (YYYY-MM-DD, from midnight central Mexico
        /// time); default: now.
        #[arg(long)]
        from: Option<NaiveDate>,
    },
    /// End a publication (its id from `survey list`) at once.
    Withdraw {
        #[command(flatten)]
        db: Db,
        id: i64,
    },
    /// Publications with their state (active, scheduled, superseded,
    /// withdrawn), and the survey each kiosk last said it runs.
    List {
        #[command(flatten)]
        db: Db,
        /// Also say which publication is in force for this unit.
        #[arg(long)]
        unit: Option<String>,
    },
}

/// The survey document in FILE, as text.
/// A survey file as JSON text: `.xlsx` (XLSForm) or `.json`, with every
/// problem listed in the error.
fn read_survey_file(file: &std::path::Path) -> anyhow::Result<String> {
    Ok(trato_xlsform::load_survey_file(file)?.to_json_pretty())
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve {
            db,
            listen,
            config: config_file,
            tls_cert,
            tls_key,
            behind_proxy,
            request_timeout_secs,
            header_timeout_secs,
            max_connections,
            rate_burst,
            rate_per_sec,
            behind_tls,
            secure_cookies,
            trusted_proxies,
            ranking_min_responses,
            mail,
        } => {
            let file = match &config_file {
                Some(path) => ServiceConfig::load(path)?,
                None => ServiceConfig::default(),
            };
            let listen = file.listen.unwrap_or(listen);
            // A TLS proxy in front (--behind-tls) is a proxy too.
            let behind_proxy = file.behind_proxy.unwrap_or(behind_proxy || behind_tls);
            let transport = service_config::transport(
                listen,
                file.tls_cert.clone().or(tls_cert),
                file.tls_key.clone().or(tls_key),
                behind_proxy,
            )?;
            let secure_cookies = file.secure_cookies.or(secure_cookies);
            let mailer = mail_config(&file, mail.smtp_url.clone(), &mail)?
                .map(trato_central::mail::Mailer::new)
                .transpose()?
                .map(std::sync::Arc::new);
            let silent_after_hours = file.silent_after_hours.unwrap_or(mail.silent_after_hours);
            let db = file.db.clone().unwrap_or(db.db);
            // Held while serving: `restore` refuses to replace the file under us.
            let _serve_lock = sqlite_path(&db)
                .map(|path| backup::ServeLock::try_acquire(&path))
                .transpose()?;
            let store = open_store(&db).await?;
            let config = Config {
                request_timeout: Duration::from_secs(request_timeout_secs.max(1)),
                header_read_timeout: Duration::from_secs(header_timeout_secs.max(1)),
                max_connections,
                rate_burst,
                rate_per_sec,
                served_over_tls: behind_tls || transport != Transport::Plain,
                secure_cookies,
                trusted_proxies,
                ranking_min_responses: file
                    .ranking_min_responses
                    .unwrap_or(ranking_min_responses)
                    .max(1),
                silent_after: chrono::Duration::hours(i64::from(silent_after_hours.max(1))),
                alert_due: file.alerts.clone().unwrap_or_default(),
                ..Config::default()
            };
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot listen on {listen}"))?;
            tracing::info!(
                "trato-central listening on {} ({}, {} database)",
                listener.local_addr().unwrap_or(listen),
                if transport == Transport::Plain {
                    "HTTP"
                } else {
                    "HTTPS"
                },
                store.backend()
            );
            let state = AppState::new(store, config);
            let mail_stop = std::sync::Arc::new(tokio::sync::Notify::new());
            let mail_task = match mailer {
                Some(m) => Some(trato_central::mail::spawn(
                    state.clone(),
                    m,
                    trato_central::mail::Pacing::default(),
                    mail_stop.clone(),
                )),
                None => {
                    tracing::info!("no --smtp-url: alerts are queued for e-mail but none is sent");
                    None
                }
            };
            match transport {
                Transport::Plain => serve(listener, state, shutdown_signal()).await?,
                Transport::Tls { cert, key } => {
                    let tls = tls::reloading(TlsFiles { cert, key })?;
                    tls::serve_tls(listener, tls, state, shutdown_signal()).await?
                }
            }
            if let Some(task) = mail_task {
                mail_stop.notify_one();
                let _ = task.await;
            }
            tracing::info!("stopped");
        }
        Command::Kiosk { command } => match command {
            KioskCommand::Add {
                db,
                unit,
                name,
                kiosk_id,
            } => {
                let store = open_store(&db.db).await?;
                let k =
                    admin::add_kiosk_with_id(&*store, &unit, &name, kiosk_id.as_deref()).await?;
                println!("kiosk_id: {}", k.id);
                println!("unit:     {}", k.unit_clues);
                println!("token:    {}", k.token);
                eprintln!("Copy the token into the kiosk now: the centre keeps only its hash and cannot show it again.");
            }
            KioskCommand::List { db } => {
                let store = open_store(&db.db).await?;
                let kiosks = admin::list_kiosks(&*store).await?;
                println!(
                    "{:<36}  {:<11}  {:<8}  {:<20}  NAME",
                    "ID", "UNIT", "STATE", "LAST SEEN"
                );
                for k in kiosks {
                    let state = if k.revoked_at.is_some() {
                        "revoked"
                    } else {
                        "active"
                    };
                    let seen = k
                        .last_seen_at
                        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                        .unwrap_or_else(|| "never".to_owned());
                    println!(
                        "{:<36}  {:<11}  {:<8}  {:<20}  {}",
                        k.id, k.unit_clues, state, seen, k.name
                    );
                }
            }
            KioskCommand::Revoke { db, id } => {
                let store = open_store(&db.db).await?;
                admin::revoke_kiosk(&*store, &id).await?;
                println!("revoked {id}");
            }
        },
        Command::Catalogue { command } => match command {
            CatalogueCommand::Load { db, file } => {
                let text = std::fs::read_to_string(&file)
                    .with_context(|| format!("cannot read {}", file.display()))?;
                let store = open_store(&db.db).await?;
                let n = catalogue::load(&*store, &text).await?;
                println!("loaded {n} units from {}", file.display());
            }
            CatalogueCommand::List { db } => {
                let store = open_store(&db.db).await?;
                println!(
                    "{:<11}  {:<4}  {:<40}  {:<20}  NAME",
                    "CLUES", "KIND", "OOAD/UMAE", "STATE"
                );
                for u in store.dash().units().await? {
                    println!(
                        "{:<11}  {:<4}  {:<40}  {:<20}  {}",
                        u.clues, u.parent_kind, u.parent, u.state, u.name
                    );
                }
            }
        },
        Command::User { command } => match command {
            UserCommand::Add {
                db,
                role,
                scope,
                name,
                email,
            } => {
                let password = password_from_stdin()?;
                let store = open_store(&db.db).await?;
                if let Some(email) = &email {
                    // Checked before the account exists, so a typo adds nothing.
                    auth::check_email(email)?;
                }
                let id = auth::add_account(&*store, &role, &scope, &name, &password).await?;
                if let Some(email) = &email {
                    auth::set_email(&*store, &name, email).await?;
                }
                println!("account {name} ({role} {scope}) created: {id}");
            }
            UserCommand::List { db } => {
                let store = open_store(&db.db).await?;
                println!(
                    "{:<24}  {:<8}  {:<8}  {:<32}  SCOPE",
                    "NAME", "ROLE", "STATE", "EMAIL"
                );
                for a in store.dash().list_accounts().await? {
                    let st = if a.disabled { "disabled" } else { "active" };
                    let email = a.email.as_deref().unwrap_or("-");
                    println!(
                        "{:<24}  {:<8}  {:<8}  {:<32}  {}",
                        a.name, a.role, st, email, a.scope
                    );
                }
            }
            UserCommand::Disable { db, name } => {
                let store = open_store(&db.db).await?;
                auth::set_disabled(&*store, &name, true).await?;
                println!("account {name} disabled; its sessions are ended");
            }
            UserCommand::Enable { db, name } => {
                let store = open_store(&db.db).await?;
                auth::set_disabled(&*store, &name, false).await?;
                println!("account {name} enabled");
            }
            UserCommand::Passwd { db, name } => {
                let password = password_from_stdin()?;
                let store = open_store(&db.db).await?;
                auth::set_password(&*store, &name, &password).await?;
                println!("password of {name} changed; its sessions are ended");
            }
            UserCommand::SetEmail { db, name, email } => {
                let store = open_store(&db.db).await?;
                auth::set_email(&*store, &name, &email).await?;
                println!("e-mail of {name} set");
            }
        },
        Command::Survey { command } => survey_command(command).await?,
        Command::Mail {
            command: MailCommand::Status { db },
        } => {
            let store = open_store(&db.db).await?;
            let status = trato_central::mail::status::status(&*store).await?;
            print!("{}", status.text);
            if status.owed > 0 {
                std::process::exit(2);
            }
        }
        Command::Unit {
            command:
                UnitCommand::Hours {
                    db,
                    unit,
                    days,
                    open,
                    close,
                },
        } => {
            use trato_central::opening_hours::{parse_days, parse_time, OpeningHours};
            let store = open_store(&db.db).await?;
            if let (Some(unit), Some(days), Some(open), Some(close)) = (&unit, days, open, close) {
                trato_domain::clues::validate_clues(unit)?;
                let hours =
                    OpeningHours::new(parse_days(&days)?, parse_time(&open)?, parse_time(&close)?)?;
                store
                    .fleet()
                    .set_unit_hours(unit, &hours, chrono::Utc::now())
                    .await?;
                println!("{unit}: {hours}");
            } else {
                let all = store.fleet().unit_hours().await?;
                match unit {
                    Some(unit) => {
                        let hours = all
                            .into_iter()
                            .find(|(u, _)| *u == unit)
                            .map(|(_, h)| h)
                            .unwrap_or_default();
                        println!("{unit}: {hours}");
                    }
                    None => {
                        println!("every other unit: {}", OpeningHours::default());
                        for (u, h) in all {
                            println!("{u}: {h}");
                        }
                    }
                }
            }
        }
        Command::Backup { db, out } => {
            let path = sqlite_path(&db.db).context(
                "backup copies a SQLite database; for PostgreSQL use pg_dump (docs/deploy.md)",
            )?;
            let report = tokio::task::spawn_blocking(move || backup::backup(&path, &out)).await??;
            println!(
                "{}: {} responses, {} bytes, integrity ok",
                report.path.display(),
                report.responses,
                report.bytes
            );
        }
        Command::Restore { db, from } => {
            let path = sqlite_path(&db.db).context(
                "restore replaces a SQLite database; for PostgreSQL use pg_restore (docs/deploy.md)",
            )?;
            let shown = path.display().to_string();
            match tokio::task::spawn_blocking(move || backup::restore(&from, &path)).await?? {
                Some(aside) => println!(
                    "restored {shown}; the database it replaced is kept as {}",
                    aside.display()
                ),
                None => println!("restored {shown}"),
            }
        }
        Command::Rollup { command } => match command {
            RollupCommand::Rebuild { db, from, to } => {
                if let (Some(f), Some(t)) = (from, to) {
                    anyhow::ensure!(f <= t, "--from {f} is after --to {t}");
                }
                let store = open_store(&db.db).await?;
                let started = std::time::Instant::now();
                let r = rollup::rebuild(
                    &*store,
                    from,
                    to,
                    rollup::log_every(Duration::from_secs(10)),
                )
                .await?;
                println!(
                    "rebuilt {} units in {} chunks: {} responses, {} daily rows, {} alerts added ({:.1} s)",
                    r.units,
                    r.chunks,
                    r.responses,
                    r.rows,
                    r.alerts_added,
                    started.elapsed().as_secs_f64()
                );
            }
        },
    }
    Ok(())
}

async fn survey_command(command: SurveyCommand) -> anyhow::Result<()> {
    match command {
        SurveyCommand::Validate { file } => {
            let def = trato_xlsform::load_survey_file(&file)?;
            println!(
                "ok: {} v{} ({} questions, languages: {})",
                def.id,
                def.version,
                def.questions.len(),
                def.languages.join(", ")
            );
        }
        SurveyCommand::Publish {
            db,
            file,
            scope,
            unit,
            all: _,
            from,
        } => {
            let scope = match (scope, unit) {
                (Some(s), _) => admin::parse_scope(&s)?,
                (None, Some(u)) => admin::parse_scope(&format!("unit:{u}"))?,
                (None, None) => Scope::National,
            };
            let json = read_survey_file(&file)?;
            let store = open_store(&db.db).await?;
            let active_from = from.map_or_else(chrono::Utc::now, admin::start_of_day);
            let def =
                admin::publish_survey_from(&*store, &json, scope.clone(), active_from).await?;
            let when = from.map_or_else(|| "now".to_owned(), |d| format!("from {d}"));
            println!(
                "published {} version {} for {scope}, {when}",
                def.id, def.version
            );
        }
        SurveyCommand::Withdraw { db, id } => {
            let store = open_store(&db.db).await?;
            admin::withdraw_publication(&*store, id).await?;
            println!("publication {id} withdrawn");
        }
        SurveyCommand::List { db, unit } => {
            let store = open_store(&db.db).await?;
            let now = chrono::Utc::now();
            let publications = store.publications().await?;
            println!(
                "{:>4}  {:<20}  {:>7}  {:<40}  {:<16}  STATE",
                "ID", "SURVEY", "VERSION", "SCOPE", "FROM (UTC)"
            );
            for (p, state) in surveys::states(&publications, now) {
                println!(
                    "{:>4}  {:<20}  {:>7}  {:<40}  {:<16}  {}",
                    p.id,
                    p.survey_id,
                    p.version,
                    p.scope.to_string(),
                    p.active_from.format("%Y-%m-%d %H:%M"),
                    state.as_str()
                );
            }
            if let Some(unit) = unit {
                let parent = store.unit_parent(&unit).await?;
                match surveys::in_force(&publications, &unit, parent.as_ref(), now) {
                    Some(p) => println!(
                        "in force for {unit}: {} version {} (publication {}, {})",
                        p.survey_id, p.version, p.id, p.scope
                    ),
                    None => println!("in force for {unit}: the default survey (nothing published)"),
                }
            }
            let kiosks = store.kiosk_surveys().await?;
            if !kiosks.is_empty() {
                println!();
                println!(
                    "{:<36}  {:<20}  {:>7}  {:>6}  {:<16}  PROBLEM",
                    "KIOSK", "RUNS", "VERSION", "FORMAT", "REPORTED (UTC)"
                );
                for k in kiosks {
                    println!(
                        "{:<36}  {:<20}  {:>7}  {:>6}  {:<16}  {}",
                        k.kiosk_id,
                        k.survey_id,
                        k.survey_version,
                        k.reads_format,
                        k.reported_at.format("%Y-%m-%d %H:%M"),
                        k.problem
                    );
                }
            }
        }
    }
    Ok(())
}

/// The file of a SQLite `--db`, or `None` for PostgreSQL.
fn sqlite_path(db: &str) -> Option<PathBuf> {
    if db.starts_with("postgres://") || db.starts_with("postgresql://") {
        None
    } else {
        Some(PathBuf::from(db.strip_prefix("sqlite://").unwrap_or(db)))
    }
}
