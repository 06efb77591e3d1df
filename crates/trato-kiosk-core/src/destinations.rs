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
    let mut found = platform::removable_drives();
    if std::fs::create_dir_all(local).is_ok() {
        found.push(Destination {
            label: "Carpeta del quiosco".to_owned(),
            path: local.to_owned(),
            removable: false,
        });
    }
    found
}

/// The destination staff chose, if it is one that [`list`] offers now. The
/// staff screen sends back a path from the list; anything else (a path typed
/// or forged by the caller, a drive pulled out since) is refused here, so a
/// staff session can never steer an export onto the kiosk's own files.
pub fn listed(chosen: &Path, local: &Path) -> Option<Destination> {
    let offered = list(local);
    let chosen = chosen.canonicalize().ok()?;
    offered
        .into_iter()
        .find(|d| d.path.canonicalize().is_ok_and(|p| p == chosen))
}

/// Mounted volumes under the given roots (Unix). Desktop automounters mount a
/// USB drive at `<root>/<user>/<label>` (udisks2) or `<root>/<label>` (older
/// setups): a directory that is itself a mount point counts, and so does any
/// directory one level below a root's user folder.
#[cfg(unix)]
pub fn drives_mounted_under(roots: &[PathBuf]) -> Vec<Destination> {
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

#[cfg(unix)]
fn drive(path: PathBuf) -> Destination {
    let label = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    usb(label, path)
}

/// A removable drive as staff see it: "USB: <label>".
fn usb(label: String, path: PathBuf) -> Destination {
    Destination {
        label: format!("USB: {label}"),
        path,
        removable: true,
    }
}

#[cfg(unix)]
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

    use super::Destination;

    pub fn removable_drives() -> Vec<Destination> {
        super::drives_mounted_under(&[PathBuf::from("/media"), PathBuf::from("/run/media")])
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

/// Windows: drive letters whose type is "removable" (USB sticks, card
/// readers), labelled with the volume name Explorer shows.
#[cfg(windows)]
mod platform {
    use std::path::PathBuf;

    use windows_sys::Win32::Storage::FileSystem::{
        GetDriveTypeW, GetLogicalDrives, GetVolumeInformationW,
    };
    use windows_sys::Win32::System::WindowsProgramming::DRIVE_REMOVABLE;

    use super::{usb, Destination};

    pub fn removable_drives() -> Vec<Destination> {
        // SAFETY: no arguments; returns a bit mask of the drive letters in use.
        let letters = unsafe { GetLogicalDrives() };
        (0..26u8)
            .filter(|i| letters & (1 << i) != 0)
            .filter_map(|i| {
                let root = format!("{}:\\", char::from(b'A' + i));
                let wide = wide(&root);
                // SAFETY: `wide` is a NUL-terminated UTF-16 path that outlives the call.
                if unsafe { GetDriveTypeW(wide.as_ptr()) } != DRIVE_REMOVABLE {
                    return None;
                }
                // A card reader with no card is removable too, but nothing can be saved there.
                let name = volume_name(&wide)?;
                let label = if name.is_empty() {
                    root.clone()
                } else {
                    format!("{name} ({})", &root[..2])
                };
                Some(usb(label, PathBuf::from(root)))
            })
            .collect()
    }

    /// The volume's label (empty when it has none); `None` when the drive
    /// holds no medium.
    fn volume_name(root: &[u16]) -> Option<String> {
        let mut name = [0u16; 261];
        // SAFETY: `root` is NUL-terminated; `name` is a writable buffer of the
        // length passed; the optional out-parameters are null, which the API allows.
        let ok = unsafe {
            GetVolumeInformationW(
                root.as_ptr(),
                name.as_mut_ptr(),
                name.len() as u32,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                0,
            )
        };
        if ok == 0 {
            return None;
        }
        let len = name.iter().position(|&c| c == 0).unwrap_or(name.len());
        Some(String::from_utf16_lossy(&name[..len]))
    }

    fn wide(s: &str) -> Vec<u16> {
        s.encode_utf16().chain(std::iter::once(0)).collect()
    }
}

#[cfg(not(any(unix, windows)))]
mod platform {
    /// Elsewhere only the kiosk's folder is offered.
    pub fn removable_drives() -> Vec<super::Destination> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn plain_folders_under_a_root_are_not_drives() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("user/NOT_A_DRIVE")).unwrap();
        assert!(drives_mounted_under(&[root.path().to_owned()]).is_empty());
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

    #[cfg(windows)]
    #[test]
    fn the_system_drive_is_not_offered_as_removable() {
        let system = std::env::var("SystemDrive").unwrap_or_else(|_| "C:".to_owned());
        let drives = platform::removable_drives();
        assert!(
            drives.iter().all(|d| !d.path.starts_with(&system)),
            "{drives:?}"
        );
        assert!(drives
            .iter()
            .all(|d| d.removable && d.label.starts_with("USB: ")));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_mounted_filesystem_counts_as_a_drive() {
        // /proc is a mount point on every Linux system: a stand-in for a USB drive.
        let drives = drives_mounted_under(&[PathBuf::from("/")]);
        assert!(
            drives.iter().any(|d| d.path == Path::new("/proc")),
            "{drives:?}"
        );
    }
}
