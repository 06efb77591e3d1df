//! "Retirar memoria": after an export to a USB drive, everything written to
//! it is made durable on the drive before staff read "Puede retirar la
//! memoria", and the drive is unmounted where this user may do it.
//!
//! The export has already made its file durable (fsync of the file, then of
//! its folder). The flush here is what makes pulling the drive safe for
//! everything else on it: `sync -f` (syncfs(2))
//! writes the whole filesystem's dirty data and metadata and returns only
//! when the drive has it. Unmounting afterwards is a courtesy: a kiosk's
//! drives are mounted by systemd-mount for the kiosk user, which may not
//! unmount them itself; udev's remove rule cleans up when the drive goes.

use std::path::{Path, PathBuf};
#[cfg(unix)]
use std::process::Command;

#[derive(Debug, thiserror::Error)]
pub enum EjectError {
    #[error("{0} is not a mounted drive")]
    NotMounted(PathBuf),
    #[error("the data could not be written to the drive at {path}: {detail}")]
    Flush { path: PathBuf, detail: String },
}

/// What happened to the drive; either way it may now be pulled out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ejected {
    /// Whether it was also unmounted (else it stays listed until pulled).
    pub unmounted: bool,
}

/// Flushes the drive mounted at `mount`, then tries to unmount it.
pub fn eject(mount: &Path) -> Result<Ejected, EjectError> {
    if !mount.is_dir() {
        return Err(EjectError::NotMounted(mount.to_owned()));
    }
    flush(mount)?;
    Ok(Ejected {
        unmounted: unmount(mount),
    })
}

#[cfg(unix)]
fn flush(mount: &Path) -> Result<(), EjectError> {
    let failed = |detail: String| EjectError::Flush {
        path: mount.to_owned(),
        detail,
    };
    let out = Command::new("sync")
        .arg("-f")
        .arg(mount)
        .output()
        .map_err(|e| failed(format!("cannot run sync: {e}")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(failed(
            String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        ))
    }
}

/// Windows: each file was already flushed when written (the export syncs
/// it); "safe removal" is the system's own.
#[cfg(not(unix))]
fn flush(_mount: &Path) -> Result<(), EjectError> {
    Ok(())
}

#[cfg(unix)]
fn unmount(mount: &Path) -> bool {
    let quiet = |cmd: &mut Command| {
        cmd.stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    // Never wait on a password prompt: there is no one at a terminal.
    let done = quiet(
        Command::new("systemd-mount")
            .args(["--no-ask-password", "--umount"])
            .arg(mount),
    ) || quiet(Command::new("umount").arg(mount));
    if !done {
        tracing::info!(mount = %mount.display(), "drive flushed; not unmounted (not allowed for this user)");
    }
    done
}

#[cfg(not(unix))]
fn unmount(_mount: &Path) -> bool {
    false
}
