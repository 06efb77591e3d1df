//! A USB drive as the kiosk sees it, with no desktop: a filesystem image on
//! a loop device, mounted where the kiosk looks (`/media/<user>/<label>`).
//! Export to it, eject it through the staff button's code path
//! (`eject::eject`), mount it again: the file is whole.
//!
//! Needs root (loop devices, mount), as in CI; elsewhere it says so and
//! returns, unless `TRATO_REQUIRE_MOUNT` is set (CI sets it): then it
//! fails. FAT when the kernel has it, else ext4 (the kiosk's side does not
//! differ: it writes files and flushes the filesystem).
#![cfg(target_os = "linux")]

mod sync_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{Duration, Utc};
use sync_support::*;
use trato_kiosk_core::destinations;
use trato_kiosk_core::eject;
use trato_kiosk_core::export::{self, ExportFormat, ExportRequest};

fn sh(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{cmd} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn is_mounted(path: &Path) -> bool {
    Command::new("mountpoint")
        .arg("-q")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

/// A loop device with a fresh filesystem labelled `label`; detached on drop.
struct Drive {
    dev: String,
    _image: tempfile::TempDir,
}

impl Drive {
    fn new(label: &str) -> Drive {
        let image = tempfile::tempdir().unwrap();
        let file = image.path().join("usb.img");
        sh("truncate", &["-s", "32M", file.to_str().unwrap()]);
        let vfat = std::fs::read_to_string("/proc/filesystems")
            .unwrap()
            .lines()
            .any(|l| l.trim_end().ends_with("vfat"));
        if vfat {
            sh("mkfs.vfat", &["-n", label, file.to_str().unwrap()]);
        } else {
            eprintln!("this kernel has no vfat: the drive is ext4");
            sh("mkfs.ext4", &["-q", "-L", label, file.to_str().unwrap()]);
        }
        let dev = sh("losetup", &["--find", "--show", file.to_str().unwrap()]);
        Drive { dev, _image: image }
    }

    fn mount(&self, at: &Path) {
        std::fs::create_dir_all(at).unwrap();
        sh("mount", &[&self.dev, at.to_str().unwrap()]);
    }
}

impl Drop for Drive {
    fn drop(&mut self) {
        let _ = Command::new("losetup").args(["-d", &self.dev]).status();
    }
}

#[test]
fn an_export_to_a_usb_drive_survives_eject_and_remount() {
    if !sh("id", &["-u"]).eq("0") {
        assert!(
            std::env::var_os("TRATO_REQUIRE_MOUNT").is_none_or(|v| v.is_empty() || v == "0"),
            "TRATO_REQUIRE_MOUNT is set but the test is not run as root"
        );
        eprintln!(
            "SKIPPED: not root: the USB export test needs loop devices and mount (CI runs it as root)"
        );
        return;
    }
    let mut k = kiosk();
    let ids = k.add_responses(300);
    let drive = Drive::new("TRATOTEST");
    // Where the udev rule mounts it: /media/<kiosk user>/<label>.
    let user_dir = PathBuf::from(format!("/media/trato-test-{}", std::process::id()));
    let mount = user_dir.join("TRATOTEST");
    drive.mount(&mount);
    let cleanup = scopeguard(&mount, &user_dir);

    let offered = destinations::list(&k.kiosk.exports_dir());
    let usb = offered
        .iter()
        .find(|d| d.path == mount)
        .unwrap_or_else(|| panic!("the drive is not offered: {offered:?}"));
    assert!(usb.removable);
    assert_eq!(usb.label, "USB: TRATOTEST");

    let today = Utc::now().date_naive();
    let request = ExportRequest::new(
        today - Duration::days(2),
        today + Duration::days(1),
        ExportFormat::Csv,
        mount.clone(),
    );
    let summary =
        export::export(k.kiosk.store(), k.kiosk.settings(), &request, &mut |_| {}).unwrap();
    assert_eq!(summary.rows as usize, ids.len());
    let name = summary.path.file_name().unwrap().to_owned();
    let written = std::fs::read(&summary.path).unwrap();

    // What the staff button does (staff_eject): the drive must be one the
    // list offers, then it is flushed and unmounted, then audited.
    let own_folder = k.kiosk.exports_dir();
    let admin = k.kiosk.admin_cli();
    assert_eq!(
        admin.removable_drive(&own_folder).unwrap_err().code(),
        "drive_gone",
        "the kiosk's own folder is not a drive to eject"
    );
    let drive_path = admin.removable_drive(&mount).unwrap();
    let ejected = eject::eject(&drive_path).unwrap();
    admin.record_eject(&drive_path, ejected).unwrap();
    assert!(
        ejected.unmounted,
        "root may unmount: the drive is still mounted"
    );
    assert!(!is_mounted(&mount));
    let audit = k.kiosk.admin_cli().recent_audit(1).unwrap();
    assert_eq!(audit[0].action, "eject");
    assert_eq!(audit[0].params.unmounted, Some(true));

    drive.mount(&mount);
    let read_back = std::fs::read(mount.join(&name)).unwrap();
    assert_eq!(read_back.len(), written.len());
    assert!(
        read_back == written,
        "the file on the drive differs after eject and remount"
    );
    let rows = String::from_utf8_lossy(&read_back).lines().count();
    assert_eq!(rows, ids.len() + 1, "a header and one row per response");
    drop(cleanup);
}

/// Unmounts and removes the test's folders however the test ends.
struct Cleanup(PathBuf, PathBuf);

fn scopeguard(mount: &Path, user_dir: &Path) -> Cleanup {
    Cleanup(mount.to_owned(), user_dir.to_owned())
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
        let _ = std::fs::remove_dir(&self.0);
        let _ = std::fs::remove_dir(&self.1);
    }
}
