//! A full disk, for real: the kiosk's data folder on a small ext4
//! filesystem (an image file on a loop device), filled by another file
//! until the kernel says `ENOSPC`. The kiosk refuses the next response with
//! `storage_full` (the patient's "No pudimos guardar su respuesta", staff's
//! "El disco del quiosco está lleno"), keeps every response it stored,
//! whole, with `integrity_check` ok, and stores again once space is freed.
//! `durability.rs` does the same on the power-cut layer's simulated disk;
//! this one checks that SQLite on a real filesystem behaves as modelled.
//!
//! Mounting needs root: the test is skipped otherwise, unless
//! `TRATO_REQUIRE_MOUNT` is set (CI sets it), which makes it fail instead.
#![cfg(target_os = "linux")]

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

mod full_disk_support;

use full_disk_support::{
    answer_until_refused, answers, assert_nothing_damaged, assert_recovers,
    assert_staff_told_the_disk_is_full, set_up_kiosk, Stored,
};
use trato_kiosk_core::Kiosk;

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn run(cmd: &str, args: &[&str]) -> Result<(), String> {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .map_err(|e| format!("{cmd}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd} {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// A small ext4 filesystem mounted on a folder; unmounted when dropped.
struct SmallDisk {
    mount: PathBuf,
    _work: tempfile::TempDir,
}

impl SmallDisk {
    fn new(mib: u32) -> Result<Self, String> {
        let work = tempfile::tempdir().map_err(|e| e.to_string())?;
        let image = work.path().join("disk.img");
        let mount = work.path().join("mnt");
        std::fs::create_dir(&mount).map_err(|e| e.to_string())?;
        File::create(&image)
            .and_then(|f| f.set_len(u64::from(mib) << 20))
            .map_err(|e| e.to_string())?;
        // No blocks reserved for root: the test runs as root, and the
        // kiosk's service user would not get them either.
        run("mkfs.ext4", &["-q", "-F", "-m", "0", path(&image)])?;
        run("mount", &["-o", "loop", path(&image), path(&mount)])?;
        Ok(Self { mount, _work: work })
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        if run("umount", &[path(&self.mount)]).is_err() {
            let _ = run("umount", &["-l", path(&self.mount)]);
        }
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temporary path")
}

/// Writes `path` until the filesystem is full; the bytes written.
fn fill(path: &Path) -> u64 {
    let mut f = File::create(path).unwrap();
    let block = vec![0x5a_u8; 64 << 10];
    let mut written = 0;
    loop {
        match f.write(&block) {
            Ok(0) => break,
            Ok(n) => written += n as u64,
            Err(e) if e.raw_os_error() == Some(28) => break, // ENOSPC
            Err(e) => panic!("filling the disk: {e}"),
        }
    }
    // Whatever could not be written in a whole block, byte by byte.
    while f.write(&[0]).is_ok_and(|n| n == 1) {
        written += 1;
    }
    let _ = f.sync_all();
    written
}

#[test]
fn a_real_full_disk_refuses_a_response_clearly_keeps_everything_stored_and_recovers() {
    let required =
        std::env::var_os("TRATO_REQUIRE_MOUNT").is_some_and(|v| !v.is_empty() && v != "0");
    if !is_root() {
        assert!(
            !required,
            "TRATO_REQUIRE_MOUNT is set but the test is not run as root: it cannot mount a small filesystem"
        );
        eprintln!("skipped: mounting a small filesystem needs root (TRATO_REQUIRE_MOUNT=1 makes this fail)");
        return;
    }
    let disk = SmallDisk::new(16).expect("a 16 MiB ext4 filesystem on a loop device");
    let root = disk.mount.join("trato");
    let mut kiosk = set_up_kiosk(&root);
    let mut stored: Vec<Stored> = Vec::new();
    for n in 0..20 {
        let id = kiosk.start_survey("es").unwrap();
        kiosk.submit(id, "es", &answers(n)).unwrap();
        stored.push((id, answers(n)));
    }
    assert!(kiosk.last_write_failure().is_none());

    // Something else on the disk (logs, an export) takes every free block.
    let filler = disk.mount.join("filler.bin");
    let filled = fill(&filler);
    assert!(
        filled > 1 << 20,
        "only {filled} bytes to fill: the disk was not free"
    );

    // Patients keep answering until SQLite needs a block it cannot get.
    let (refused, error) = answer_until_refused(&mut kiosk, 20..5_000, &mut stored);
    assert_eq!(error.code(), "storage_full", "{error}");
    // The next one is refused too, with the same code: the kiosk does not
    // pretend to store while the disk stays full.
    let first_refused = refused.0;
    let id = kiosk.start_survey("es").unwrap();
    let again = kiosk.submit(id, "es", &answers(9_999)).unwrap_err();
    assert_eq!(again.code(), "storage_full", "{again}");
    let refused = (id, answers(9_999));

    assert_staff_told_the_disk_is_full(&mut kiosk);
    assert_nothing_damaged(&kiosk, &root, &stored, &[first_refused, refused.0]);
    println!(
        "{} responses stored before the disk was full ({filled} bytes of filler)",
        stored.len()
    );

    // Space is freed.
    std::fs::remove_file(&filler).unwrap();
    assert_recovers(&mut kiosk, &refused);

    // And after a restart on the same disk, everything is still there.
    drop(kiosk);
    let kiosk = Kiosk::open(&root).unwrap();
    assert_nothing_damaged(&kiosk, &root, &stored, &[]);
    drop(kiosk);
}
