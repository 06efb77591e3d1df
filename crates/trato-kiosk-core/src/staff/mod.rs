//! Staff mode: PINs, the lockout, sessions, roles and the audit log, for
//! both the Tauri commands and the command line.
//!
//! # How the shell uses it
//!
//! * First run: while no IT PIN exists, [`Kiosk::complete_setup`] sets the
//!   unit and both PINs at once, unauthenticated (there is nobody to log in
//!   yet). Only a true first run: a kiosk whose database was quarantined gets
//!   its PINs back from the identity copy (`store::identity`), and without a
//!   usable copy the setup is refused until IT restores it. [`Kiosk::setup_status`] tells the UI whether to show the setup
//!   screen.
//! * Staff screen: [`Kiosk::staff_login`] with the PIN from the pad returns a
//!   [`StaffSession`]; every admin command then calls
//!   [`Kiosk::admin`]`(token, needed_role)` and uses the returned [`Admin`],
//!   whose methods check the role again and write the audit log. A session
//!   ends after `staff.session_minutes` without an authorised call.
//! * Command line: [`Kiosk::admin_cli`] gives an IT [`Admin`] without a PIN:
//!   whoever can run the CLI as the kiosk's OS account can already read its
//!   database, so a PIN would add nothing; its actions are audited with
//!   origin `cli`.

mod audit;
mod lockout;
mod pin;
mod session;

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::Connection;
use serde::Serialize;

pub use audit::{AuditAction, AuditEntry, AuditParams, Origin, ValueChange};
pub use lockout::{lockout_duration, FailureOutcome, LockoutState, MAX_FAILURES};
pub use pin::{hash_pin, validate_phc, validate_pin, verify_pin, PinError, PIN_LEN};
pub use session::{Sessions, StaffSession};

use crate::export::ExportFormat;
use crate::settings::KioskSettings;
use crate::store::StoreError;
use crate::{ErrorCode, Kiosk, KioskError};
use trato_domain::SurveyDefinition;

/// PINs of the demo configuration (`trato-kiosk --demo`), shown in its
/// terminal; never use them on a real kiosk (its data directory is separate).
pub const DEMO_STAFF_PIN: &str = "2580";
pub const DEMO_IT_PIN: &str = "1470";

/// Who is acting. IT can do everything staff can, plus configuration, PINs
/// and leaving kiosk mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Staff,
    It,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Staff => "staff",
            Role::It => "it",
        }
    }

    /// Whether this role may do what needs `needed`.
    pub fn allows(self, needed: Role) -> bool {
        self == Role::It || needed == Role::Staff
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "staff" => Ok(Role::Staff),
            "it" => Ok(Role::It),
            _ => Err(UnknownRole(s.to_owned())),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}`: `staff` or `it`")]
pub struct UnknownRole(pub String);

/// Why a login or an admin call was refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("wrong PIN; {attempts_left} more before the pad locks")]
    WrongPin { attempts_left: u32 },
    #[error("too many wrong PINs: the pad is locked for {} more minute(s)", retry_after_seconds.div_ceil(60))]
    Locked {
        until: DateTime<Utc>,
        retry_after_seconds: u64,
    },
    #[error("no PIN is set on this kiosk yet: complete the first-run setup")]
    NotConfigured,
    #[error("staff mode is closed or timed out: enter the PIN again")]
    Unauthorized,
    #[error("this needs the {needed} role (signed in as {role})")]
    Forbidden { role: Role, needed: Role },
    #[error("this kiosk is already set up: sign in as IT to change it")]
    AlreadySetUp,
    #[error("this kiosk lost its configuration with a damaged database: IT must restore it from the command line (`trato-kiosk config import` and `trato-kiosk pin set`)")]
    RecoveryNeeded,
    #[error("no secure random numbers available: {0}")]
    Random(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for AuthError {
    fn from(e: rusqlite::Error) -> Self {
        AuthError::Store(e.into())
    }
}

impl AuthError {
    /// A stable, machine-readable code (as [`KioskError::code`]).
    pub fn code(&self) -> &'static str {
        self.error_code().as_str()
    }

    pub fn error_code(&self) -> ErrorCode {
        match self {
            AuthError::WrongPin { .. } => ErrorCode::WrongPin,
            AuthError::Locked { .. } => ErrorCode::Locked,
            AuthError::NotConfigured => ErrorCode::NotConfigured,
            AuthError::Unauthorized => ErrorCode::Unauthorized,
            AuthError::Forbidden { .. } => ErrorCode::Forbidden,
            AuthError::AlreadySetUp => ErrorCode::AlreadySetUp,
            AuthError::RecoveryNeeded => ErrorCode::RecoveryNeeded,
            AuthError::Random(_) => ErrorCode::Internal,
            AuthError::Store(e) if e.is_disk_full() => ErrorCode::StorageFull,
            AuthError::Store(_) => ErrorCode::Storage,
        }
    }

    fn locked(until: DateTime<Utc>, now: DateTime<Utc>) -> Self {
        let left = (until - now).num_milliseconds().max(0) as u64;
        AuthError::Locked {
            until,
            retry_after_seconds: left.div_ceil(1000),
        }
    }
}

/// What the first-run screen needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetupStatus {
    pub unit_set: bool,
    pub staff_pin_set: bool,
    pub it_pin_set: bool,
    /// This folder held a set-up kiosk whose PINs are gone (a damaged
    /// database with no usable identity copy): the first-run setup is
    /// refused, and IT restores the kiosk from the command line.
    pub recovery_needed: bool,
}

impl SetupStatus {
    /// Unit CLUES and both PINs set: the kiosk starts on the survey.
    pub fn configured(&self) -> bool {
        self.unit_set && self.staff_pin_set && self.it_pin_set
    }
}

impl Kiosk {
    /// Which parts of the first-run setup are done.
    pub fn setup_status(&self) -> Result<SetupStatus, KioskError> {
        let conn = self.store.conn();
        let it_pin_set = pin::stored_hash(conn, Role::It)?.is_some();
        Ok(SetupStatus {
            unit_set: !self.settings.unit_clues.is_empty(),
            staff_pin_set: pin::stored_hash(conn, Role::Staff)?.is_some(),
            it_pin_set,
            recovery_needed: !it_pin_set && self.store.identity_lost(self.open_report()),
        })
    }

    /// Unit CLUES set and both PINs set. A kiosk that is not starts on the
    /// setup screen rather than the survey.
    pub fn is_configured(&self) -> Result<bool, KioskError> {
        Ok(self.setup_status()?.configured())
    }

    /// First run: sets the settings in `pairs` (which must leave a unit CLUES
    /// set) and both PINs, all in one transaction, audited as `setup`.
    /// Allowed only while no IT PIN exists; afterwards IT logs in and uses
    /// [`Admin`].
    pub fn complete_setup(
        &mut self,
        pairs: &[(&str, &str)],
        staff_pin: &str,
        it_pin: &str,
    ) -> Result<(), KioskError> {
        let status = self.setup_status()?;
        if status.it_pin_set {
            return Err(AuthError::AlreadySetUp.into());
        }
        if status.recovery_needed {
            return Err(AuthError::RecoveryNeeded.into());
        }
        let next = self.settings.with_changes(pairs)?;
        if next.unit_clues.is_empty() {
            return Err(crate::SettingsError::Invalid {
                key: "unit.clues".into(),
                rule: "required to finish the setup (for example DFIMS000020)".into(),
            }
            .into());
        }
        validate_pin(staff_pin)?;
        validate_pin(it_pin)?;
        if staff_pin == it_pin {
            return Err(PinError::SameAsOtherRole.into());
        }
        let survey = self.survey_for(&next)?;
        let staff_phc = hash_pin(staff_pin)?;
        let it_phc = hash_pin(it_pin)?;
        let now = self.clock.now();
        let detail = AuditParams {
            unit: Some(next.unit_clues.clone()),
            keys: Some(self.settings.changed_keys(&next)),
            ..Default::default()
        };
        let tx = self
            .store
            .conn_mut()
            .transaction()
            .map_err(StoreError::from)?;
        put_settings(&tx, &next.to_pairs())?;
        pin::store_hash(&tx, Role::Staff, &staff_phc, now)?;
        pin::store_hash(&tx, Role::It, &it_phc, now)?;
        audit::append(
            &tx,
            now,
            Some(Role::It),
            Origin::Setup,
            AuditAction::Setup,
            &detail,
        )?;
        tx.commit().map_err(StoreError::from)?;
        self.store.save_identity();
        self.settings = next;
        self.survey = survey;
        Ok(())
    }

    /// Checks a PIN from the pad: the IT PIN first, then the staff PIN.
    /// While the pad is locked the PIN is not even checked. Every attempt
    /// is audited; the lockout state is saved before this returns.
    pub fn staff_login(&mut self, pin: &str) -> Result<StaffSession, AuthError> {
        let now = self.clock.now();
        let it_phc = pin::stored_hash(self.store.conn(), Role::It)?;
        let staff_phc = pin::stored_hash(self.store.conn(), Role::Staff)?;
        if it_phc.is_none() && staff_phc.is_none() {
            return Err(AuthError::NotConfigured);
        }
        let mut state = LockoutState::load(self.store.conn())?;
        state.clamp_to_clock(now);
        if let Err(until) = state.check(now) {
            let detail = AuditParams {
                until: Some(crate::store::timestamp(until)),
                ..Default::default()
            };
            // One row per lock period: a child tapping the locked pad all
            // afternoon must not fill the disk.
            let last = audit::recent(self.store.conn(), 1)?;
            let logged = last.first().is_some_and(|e| {
                e.action == AuditAction::LoginRefused.as_str() && e.params == detail
            });
            if !logged {
                audit::append(
                    self.store.conn(),
                    now,
                    None,
                    Origin::Screen,
                    AuditAction::LoginRefused,
                    &detail,
                )?;
            }
            return Err(AuthError::locked(until, now));
        }
        // A string that cannot be a PIN is a wrong PIN, without hashing it.
        let well_formed = PIN_LEN.contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit());
        let matches = |phc: &Option<String>| {
            well_formed && phc.as_deref().is_some_and(|h| verify_pin(h, pin))
        };
        let role = if matches(&it_phc) {
            Some(Role::It)
        } else if matches(&staff_phc) {
            Some(Role::Staff)
        } else {
            None
        };
        let tx = self.store.conn_mut().transaction()?;
        let result = match role {
            Some(role) => {
                state.record_success();
                state.save(&tx)?;
                audit::append(
                    &tx,
                    now,
                    Some(role),
                    Origin::Screen,
                    AuditAction::Login,
                    &AuditParams::default(),
                )?;
                Ok(role)
            }
            None => match state.record_failure(now) {
                FailureOutcome::TriesLeft(attempts_left) => {
                    state.save(&tx)?;
                    let detail = AuditParams {
                        attempts_left: Some(attempts_left),
                        ..Default::default()
                    };
                    audit::append(
                        &tx,
                        now,
                        None,
                        Origin::Screen,
                        AuditAction::LoginFailed,
                        &detail,
                    )?;
                    Err(AuthError::WrongPin { attempts_left })
                }
                FailureOutcome::LockedUntil(until) => {
                    state.save(&tx)?;
                    let detail = AuditParams {
                        lockouts: Some(state.lockouts),
                        failures: Some(MAX_FAILURES),
                        until: Some(crate::store::timestamp(until)),
                        ..Default::default()
                    };
                    audit::append(
                        &tx,
                        now,
                        None,
                        Origin::Screen,
                        AuditAction::Lockout,
                        &detail,
                    )?;
                    Err(AuthError::locked(until, now))
                }
            },
        };
        tx.commit()?;
        // The lockout goes with the PINs into the identity copy.
        self.store.save_identity();
        let role = result?;
        self.staff_sessions.start(role, now, self.session_ttl())
    }

    /// The current lockout, for the PIN pad to show a countdown.
    pub fn pin_lockout(&self) -> Result<LockoutState, KioskError> {
        let mut state = LockoutState::load(self.store.conn())?;
        state.clamp_to_clock(self.clock.now());
        Ok(state)
    }

    /// The live session for `token` (without extending it), e.g. to show the
    /// time left. `None` once it has ended or timed out.
    pub fn staff_session(&self, token: &str) -> Option<StaffSession> {
        self.staff_sessions.peek(token, self.clock.now())
    }

    /// Ends a session; audited when there was one to end.
    pub fn staff_logout(&mut self, token: &str) -> Result<(), KioskError> {
        if let Some(role) = self.staff_sessions.end(token) {
            self.audit(
                Some(role),
                Origin::Screen,
                AuditAction::Logout,
                &AuditParams::default(),
            )?;
        }
        Ok(())
    }

    /// Checks the session `token` allows `needed` and extends it; the
    /// returned [`Admin`] is what every admin command works through.
    pub fn admin(&mut self, token: &str, needed: Role) -> Result<Admin<'_>, AuthError> {
        let now = self.clock.now();
        let ttl = self.session_ttl();
        let role = self.staff_sessions.authorize(token, needed, now, ttl)?;
        Ok(Admin {
            kiosk: self,
            role,
            origin: Origin::Screen,
        })
    }

    /// The command line acts as IT without a PIN (see the module docs);
    /// everything it changes is still audited, with origin `cli`.
    pub fn admin_cli(&mut self) -> Admin<'_> {
        Admin {
            kiosk: self,
            role: Role::It,
            origin: Origin::Cli,
        }
    }

    /// The sync task acts as IT for what the centre publishes (a newer
    /// survey); audited with origin `sync`.
    pub fn admin_sync(&mut self) -> Admin<'_> {
        Admin {
            kiosk: self,
            role: Role::It,
            origin: Origin::Sync,
        }
    }

    fn session_ttl(&self) -> Duration {
        Duration::minutes(i64::from(self.settings.staff_session_minutes))
    }

    fn audit(
        &self,
        role: Option<Role>,
        origin: Origin,
        action: AuditAction,
        detail: &AuditParams,
    ) -> Result<(), StoreError> {
        audit::append(
            self.store.conn(),
            self.clock.now(),
            role,
            origin,
            action,
            detail,
        )
    }
}

/// An authorised staff or IT user acting on the kiosk. Obtained only through
/// [`Kiosk::admin`] (a live session) or [`Kiosk::admin_cli`]; each method
/// checks the role it needs and writes the audit log.
pub struct Admin<'a> {
    kiosk: &'a mut Kiosk,
    role: Role,
    origin: Origin,
}

impl fmt::Debug for Admin<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Admin")
            .field("role", &self.role)
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl Admin<'_> {
    pub fn role(&self) -> Role {
        self.role
    }

    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// Read access for status, summaries and exports.
    pub fn kiosk(&self) -> &Kiosk {
        self.kiosk
    }

    fn require(&self, needed: Role) -> Result<(), AuthError> {
        if self.role.allows(needed) {
            Ok(())
        } else {
            Err(AuthError::Forbidden {
                role: self.role,
                needed,
            })
        }
    }

    fn audit(&self, action: AuditAction, detail: &AuditParams) -> Result<(), StoreError> {
        self.kiosk
            .audit(Some(self.role), self.origin, action, detail)
    }

    /// Settings for display, secrets redacted (IT).
    pub fn settings_redacted(&self) -> Result<Vec<(String, String)>, KioskError> {
        self.require(Role::It)?;
        Ok(self.kiosk.settings.redacted_pairs())
    }

    /// Validates and stores settings, all or none (IT). The change and its
    /// audit rows commit together: `config_change` lists the keys changed
    /// (never values, so no secret reaches the log) and a new CLUES adds a
    /// `unit_change` row `OLD -> NEW`. Returns the keys changed.
    pub fn update_settings(&mut self, pairs: &[(&str, &str)]) -> Result<Vec<String>, KioskError> {
        self.require(Role::It)?;
        let kiosk = &mut *self.kiosk;
        let next = kiosk.settings.with_changes(pairs)?;
        let changed = kiosk.settings.changed_keys(&next);
        if changed.is_empty() {
            return Ok(changed);
        }
        let survey = kiosk.survey_for(&next)?;
        let now = kiosk.clock.now();
        let tx = kiosk
            .store
            .conn_mut()
            .transaction()
            .map_err(StoreError::from)?;
        put_settings(&tx, &next.to_pairs())?;
        let role = Some(self.role);
        audit::append(
            &tx,
            now,
            role,
            self.origin,
            AuditAction::ConfigChange,
            &AuditParams {
                keys: Some(changed.clone()),
                ..Default::default()
            },
        )?;
        // Which unit answers belong to is what reports group by: its
        // identity changes get their own row with the old and new values.
        let unit_changes: Vec<ValueChange> = changed
            .iter()
            .filter(|k| k.starts_with("unit."))
            .map(|k| ValueChange {
                key: k.clone(),
                old: kiosk.settings.get(k).unwrap_or_default(),
                new: next.get(k).unwrap_or_default(),
            })
            .collect();
        if !unit_changes.is_empty() {
            let detail = AuditParams {
                changes: Some(unit_changes),
                ..Default::default()
            };
            audit::append(
                &tx,
                now,
                role,
                self.origin,
                AuditAction::UnitChange,
                &detail,
            )?;
        }
        tx.commit().map_err(StoreError::from)?;
        kiosk.store.save_identity();
        kiosk.settings = next;
        kiosk.survey = survey;
        Ok(changed)
    }

    /// Applies a deployment TOML file (IT), as [`Admin::update_settings`].
    pub fn import_toml(&mut self, text: &str) -> Result<Vec<String>, KioskError> {
        self.require(Role::It)?;
        let pairs = KioskSettings::parse_toml(text)?;
        let borrowed: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.update_settings(&borrowed)
    }

    /// The settings as TOML (IT); secrets only when asked, and that is
    /// audited. With secrets, the `[pins]` table carries both PINs' hashes
    /// (never a PIN), so one file configures a fleet; without, no hash.
    pub fn export_toml(&self, include_secrets: bool) -> Result<String, KioskError> {
        self.require(Role::It)?;
        let mut out = self.kiosk.settings.to_toml(include_secrets);
        if include_secrets {
            self.audit(
                AuditAction::Export,
                &AuditParams {
                    config_with_secrets: Some(true),
                    ..Default::default()
                },
            )?;
            out.push_str("\n[pins]\n");
            for role in [Role::Staff, Role::It] {
                if let Some(phc) = pin::stored_hash(self.kiosk.store.conn(), role)? {
                    out.push_str(&format!("{role} = {}\n", toml::Value::String(phc)));
                }
            }
        } else {
            out.push_str("\n# [pins]  (hidden; export with secrets to include the PIN hashes)\n");
        }
        Ok(out)
    }

    /// Sets PINs from hashes a config file carries (IT): each hash is
    /// checked first, all or none, and a role whose hash is already the
    /// stored one is left alone. Returns the roles changed, each audited.
    pub fn import_pin_hashes(
        &mut self,
        hashes: &[(Role, String)],
    ) -> Result<Vec<Role>, KioskError> {
        self.require(Role::It)?;
        for (_, phc) in hashes {
            pin::validate_phc(phc)?;
        }
        let staff = hashes.iter().find(|(r, _)| *r == Role::Staff);
        let it = hashes.iter().find(|(r, _)| *r == Role::It);
        if let (Some((_, a)), Some((_, b))) = (staff, it) {
            if a == b {
                return Err(PinError::SameAsOtherRole.into());
            }
        }
        let now = self.kiosk.clock.now();
        let (role, origin) = (self.role, self.origin);
        let tx = self
            .kiosk
            .store
            .conn_mut()
            .transaction()
            .map_err(StoreError::from)?;
        let mut changed = Vec::new();
        for (target, phc) in hashes {
            if pin::stored_hash(&tx, *target)?.as_deref() == Some(phc.as_str()) {
                continue;
            }
            pin::store_hash(&tx, *target, phc, now)?;
            let detail = AuditParams {
                role: Some(*target),
                imported: Some(true),
                ..Default::default()
            };
            audit::append(
                &tx,
                now,
                Some(role),
                origin,
                AuditAction::PinChange,
                &detail,
            )?;
            changed.push(*target);
        }
        tx.commit().map_err(StoreError::from)?;
        if !changed.is_empty() {
            self.kiosk.store.save_identity();
        }
        Ok(changed)
    }

    /// Sets `role`'s PIN (IT). The two roles' PINs must differ, or the IT
    /// PIN would log in as IT whoever meant to use it as staff.
    pub fn set_pin(&mut self, role: Role, new_pin: &str) -> Result<(), KioskError> {
        self.require(Role::It)?;
        validate_pin(new_pin)?;
        let other = match role {
            Role::It => Role::Staff,
            Role::Staff => Role::It,
        };
        if pin::stored_hash(self.kiosk.store.conn(), other)?
            .is_some_and(|h| verify_pin(&h, new_pin))
        {
            return Err(PinError::SameAsOtherRole.into());
        }
        let phc = hash_pin(new_pin)?;
        let now = self.kiosk.clock.now();
        let tx = self
            .kiosk
            .store
            .conn_mut()
            .transaction()
            .map_err(StoreError::from)?;
        pin::store_hash(&tx, role, &phc, now)?;
        let detail = AuditParams {
            role: Some(role),
            ..Default::default()
        };
        audit::append(
            &tx,
            now,
            Some(self.role),
            self.origin,
            AuditAction::PinChange,
            &detail,
        )?;
        tx.commit().map_err(StoreError::from)?;
        self.kiosk.store.save_identity();
        Ok(())
    }

    /// Installs a survey version and makes it active (IT). Responses already
    /// stored keep the version they were answered with; installing a version
    /// that is already there only activates it. Audited as a config change.
    pub fn install_survey(&mut self, survey: &SurveyDefinition) -> Result<bool, KioskError> {
        self.require(Role::It)?;
        let issues = survey.validate();
        if !issues.is_empty() {
            return Err(trato_domain::SurveyError::Invalid(issues).into());
        }
        let new = self.kiosk.store.install_survey(survey)?;
        let version = survey.version.to_string();
        self.update_settings(&[
            ("survey.active_id", survey.id.as_str()),
            ("survey.active_version", version.as_str()),
        ])?;
        Ok(new)
    }

    /// Records an export the shell made (staff): period, format, destination.
    pub fn record_export(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        format: ExportFormat,
        destination: &Path,
    ) -> Result<(), KioskError> {
        self.require(Role::Staff)?;
        let detail = AuditParams {
            from: Some(from.to_string()),
            to: Some(to.to_string()),
            format: Some(format.extension().to_owned()),
            destination: Some(destination.display().to_string()),
            ..Default::default()
        };
        Ok(self.audit(AuditAction::Export, &detail)?)
    }

    /// Records a "sync now" request (staff), before the shell starts it.
    pub fn record_sync_now(&self) -> Result<(), KioskError> {
        self.require(Role::Staff)?;
        Ok(self.audit(AuditAction::SyncNow, &AuditParams::default())?)
    }

    /// The USB drive at `mount`, if the export list offers it now (staff):
    /// the only paths the staff screen may eject. The flush itself
    /// ([`crate::eject::eject`]) runs without the kiosk, so patients are not
    /// kept waiting while a slow drive writes.
    pub fn removable_drive(&self, mount: &Path) -> Result<std::path::PathBuf, KioskError> {
        self.require(Role::Staff)?;
        crate::destinations::listed(mount, &self.kiosk.exports_dir())
            .filter(|d| d.removable)
            .map(|d| d.path)
            .ok_or_else(|| crate::eject::EjectError::NotMounted(mount.to_owned()).into())
    }

    /// Records a drive made safe to pull out (staff).
    pub fn record_eject(
        &self,
        mount: &Path,
        ejected: crate::eject::Ejected,
    ) -> Result<(), KioskError> {
        self.require(Role::Staff)?;
        let detail = AuditParams {
            destination: Some(mount.display().to_string()),
            unmounted: Some(ejected.unmounted),
            ..Default::default()
        };
        Ok(self.audit(AuditAction::Eject, &detail)?)
    }

    /// Leaving kiosk mode (IT): audited, and every staff session ends. The
    /// shell closes the kiosk window only after this returns `Ok`.
    pub fn leave_kiosk_mode(self) -> Result<(), KioskError> {
        self.require(Role::It)?;
        self.audit(AuditAction::Exit, &AuditParams::default())?;
        self.kiosk.staff_sessions.end_all();
        Ok(())
    }

    /// The newest `limit` audit rows, newest first (staff).
    pub fn recent_audit(&self, limit: u32) -> Result<Vec<AuditEntry>, KioskError> {
        self.require(Role::Staff)?;
        Ok(audit::recent(self.kiosk.store.conn(), limit)?)
    }
}

/// Writes every setting inside the caller's transaction.
fn put_settings(conn: &Connection, pairs: &[(String, String)]) -> Result<(), StoreError> {
    let mut stmt = conn.prepare(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?;
    for (key, value) in pairs {
        stmt.execute((key, value))?;
    }
    Ok(())
}
