//! Where staff can save an export: removable drives first (a USB stick is how
//! results leave a kiosk with no network), then the kiosk's own folder.
//! Platform specifics stay in this file.

use std::path::{Path, PathBuf};

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Destination {
    /// What staff read: the drive's label, or "Carpeta del quiosco".
    pub label: String,
    pub path: PathBuf,
    pub removable: bool,
}

/// Removable drives, then `local` (created if missing).
pub fn list(local: &Path) -> Vec<Destination> {
    let mut found = removable_drives(&platform::mount_roots());
    if std::fs::create_dir_all(local).is_ok() {
        found.push(Destination {
            label: "Carpeta del quiosco".to_owned(),
            path: local.to_owned(),
            removable: false,
        });
    }
    found
}

/// Mounted volumes under the given roots. Desktop automounters mount a USB
/// drive at `<root>/<user>/<label>` (udisks2) or `<root>/<label>` (older
/// setups): a directory that is itself a mount point counts, and so does any
/// directory one level below a root's user folder.
pub fn removable_drives(roots: &[PathBuf]) -> Vec<Destination> {
    let mut drives = Vec::new();
    for root in roots {
        for entry in subdirs(root) {
            if platform::is_mount_point(&entry) {
                drives.push(drive(entry));
            } else {
                drives.extend(
                    subdirs(&entry)
                        .into_iter()
                        .filter(|d| platform::is_mount_point(d))
                        .map(drive),
                );
            }
        }
    }
    drives.sort_by(|a, b| a.label.cmp(&b.label));
    drives
}

fn drive(path: PathBuf) -> Destination {
    let label = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    Destination {
        label: format!("USB: {label}"),
        path,
        removable: true,
    }
}

fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

#[cfg(unix)]
mod platform {
    use std::os::unix::fs::MetadataExt;
    use std::path::{Path, PathBuf};

    pub fn mount_roots() -> Vec<PathBuf> {
        vec![PathBuf::from("/media"), PathBuf::from("/run/media")]
    }

    /// A mount point sits on another device than its parent directory.
    pub fn is_mount_point(dir: &Path) -> bool {
        let (Ok(here), Some(Ok(parent))) = (dir.metadata(), dir.parent().map(Path::metadata))
        else {
            return false;
        };
        here.dev() != parent.dev()
    }
}

#[cfg(not(unix))]
mod platform {
    use std::path::{Path, PathBuf};

    /// Not yet for Windows (drive letters): only the kiosk's folder is offered.
    pub fn mount_roots() -> Vec<PathBuf> {
        Vec::new()
    }

    pub fn is_mount_point(_dir: &Path) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_folders_under_a_root_are_not_drives() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("user/NOT_A_DRIVE")).unwrap();
        assert!(removable_drives(&[root.path().to_owned()]).is_empty());
    }

    #[test]
    fn the_local_folder_is_always_offered_last() {
        let dir = tempfile::tempdir().unwrap();
        let local = dir.path().join("exportaciones");
        let list = list(&local);
        let last = list.last().unwrap();
        assert_eq!(last.path, local);
        assert!(!last.removable);
        assert!(local.is_dir());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_mounted_filesystem_counts_as_a_drive() {
        // /proc is a mount point on every Linux system: a stand-in for a USB drive.
        let drives = removable_drives(&[PathBuf::from("/")]);
        assert!(
            drives.iter().any(|d| d.path == Path::new("/proc")),
            "{drives:?}"
        );
    }
}
