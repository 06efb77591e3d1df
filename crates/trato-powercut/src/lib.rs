//! A power cut for SQLite, for tests: the disk under a [`Volume`] keeps what
//! was written only once it is synced, and a cut throws the rest away.
//!
//! SIGKILL keeps the operating system's page cache, so a kill test passes
//! even with `synchronous=OFF`. A power cut does not: what was written but
//! never `fsync`ed is gone, and so is a file whose directory entry was never
//! synced. This crate gives SQLite that disk, as SQLite's own crash tests do,
//! one level up from a FUSE filesystem such as LazyFS: a VFS wrapping the
//! platform's default one is registered as the default VFS of the process, so
//! product code that opens its database by path runs on it unchanged.
//!
//! For files under a volume's root (and only those):
//! - every write and truncate goes to the real file at once (so every
//!   connection reads it, as through the page cache) and its old bytes are
//!   kept; a sync of the file forgets them (the data is now durable);
//! - a file created through the VFS has no durable directory entry until its
//!   directory is synced; a deleted file keeps its durable content until then.
//!   The directory is synced where SQLite's unix VFS syncs it: on the first
//!   sync of a WAL or journal opened with `SQLITE_OPEN_CREATE`, and on a
//!   delete asked with `dirSync`;
//! - the WAL index (`-shm`) is the real VFS's shared memory, untouched: it
//!   need not survive a power cut (SQLite rebuilds it), as on tmpfs;
//! - a cut ([`Volume::cut_after`], [`Volume::power_cut`]) stops the machine:
//!   every later write, sync, delete or read through an already open file
//!   fails and changes nothing. [`Volume::remount`] then writes, in a new
//!   directory, exactly what the disk would hold after the reboot.
//!
//! Real `fsync`s are skipped: durability here is the volume's model, and
//! the tests run at memory speed.

mod vfs;

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

/// A directory whose files live on the simulated disk.
pub struct Volume {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    root: PathBuf,
    state: Mutex<State>,
}

#[derive(Default)]
pub(crate) struct State {
    /// The power is off: nothing reaches the disk any more.
    dead: bool,
    /// Writes, truncates, syncs and deletes so far.
    ops: u64,
    cut_at: Option<u64>,
    files: HashMap<PathBuf, FileLog>,
    /// Deleted files whose deletion is not durable yet: their durable content.
    tombstones: HashMap<PathBuf, Vec<u8>>,
    open_files: usize,
    capacity: Option<u64>,
    synchronous_override: Option<&'static str>,
    stats: Stats,
}

/// What the volume saw, for tests that must show the layer was exercised.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub writes: u64,
    pub file_syncs: u64,
    pub dir_syncs: u64,
    /// Writes refused for lack of space.
    pub full: u64,
}

/// One file's writes since its last sync.
#[derive(Default)]
pub(crate) struct FileLog {
    undo: Vec<Undo>,
    /// The file's directory entry would survive a cut.
    entry_durable: bool,
}

/// The bytes a write or truncate replaced, and the file's size before it.
pub(crate) struct Undo {
    offset: u64,
    old: Vec<u8>,
    old_size: u64,
}

/// At a remount, what became of the writes that were never synced.
pub enum Unsynced<'a> {
    /// All lost (the strict model, as LazyFS's default).
    Lost,
    /// Per file, an arbitrary prefix of them reached the disk, the rest lost:
    /// the disk wrote back in order and stopped somewhere.
    RandomPrefix(&'a mut fastrand::Rng),
}

impl Volume {
    /// Makes `root` (created if needed) a volume. Files already there are
    /// durable.
    pub fn new(root: &Path) -> io::Result<Volume> {
        std::fs::create_dir_all(root)?;
        let root = std::fs::canonicalize(root)?;
        vfs::register();
        let inner = Arc::new(Inner {
            root,
            state: Mutex::new(State::default()),
        });
        vfs::mount(&inner);
        Ok(Volume { inner })
    }

    pub fn root(&self) -> &Path {
        &self.inner.root
    }

    /// The power goes off when the `n`th write, truncate, sync or delete from
    /// now is attempted (`n` ≥ 1): that operation fails and does nothing.
    pub fn cut_after(&self, n: u64) {
        let mut s = self.inner.lock();
        s.cut_at = Some(s.ops + n.max(1));
    }

    /// Operations (writes, truncates, syncs, deletes) seen so far.
    pub fn ops(&self) -> u64 {
        self.inner.lock().ops
    }

    /// The power goes off now (if it has not already).
    pub fn power_cut(&self) {
        self.inner.lock().dead = true;
    }

    pub fn is_cut(&self) -> bool {
        self.inner.lock().dead
    }

    /// Files open through the VFS right now.
    pub fn open_files(&self) -> usize {
        self.inner.lock().open_files
    }

    pub fn stats(&self) -> Stats {
        self.inner.lock().stats
    }

    /// Makes everything written so far durable, as a clean shutdown does.
    pub fn sync_all(&self) {
        let mut s = self.inner.lock();
        for log in s.files.values_mut() {
            log.undo.clear();
            log.entry_durable = true;
        }
        s.tombstones.clear();
    }

    /// Bytes the volume may hold (files other than `-shm`); a write that
    /// would go past it fails with `SQLITE_FULL`, as on a full disk.
    /// `None`: unlimited.
    pub fn set_capacity(&self, bytes: Option<u64>) {
        self.inner.lock().capacity = bytes;
    }

    /// Bytes the volume's files hold now (`-shm` excluded).
    pub fn used_bytes(&self) -> io::Result<u64> {
        self.inner.used_bytes()
    }

    /// For a negative control only: every `PRAGMA synchronous = ...` on a
    /// database of this volume sets `value` instead (for example "OFF"),
    /// so the product's own code runs with that setting.
    pub fn override_synchronous(&self, value: Option<&'static str>) {
        self.inner.lock().synchronous_override = value;
    }

    /// Cuts the power (if not already) and writes what the disk holds after
    /// the reboot into `new_root`, which becomes a new volume. Only the
    /// root's own files are carried (not subdirectories); `-shm` files are
    /// not (their content does not survive).
    pub fn remount(&self, new_root: &Path, unsynced: Unsynced<'_>) -> io::Result<Volume> {
        let mut s = self.inner.lock();
        s.dead = true;
        std::fs::create_dir_all(new_root)?;
        let mut rng = match unsynced {
            Unsynced::Lost => None,
            Unsynced::RandomPrefix(rng) => Some(rng),
        };
        for entry in std::fs::read_dir(&self.inner.root)? {
            let entry = entry?;
            let name = entry.file_name();
            if !entry.file_type()?.is_file() || is_shm(Path::new(&name)) {
                continue;
            }
            let path = self.inner.root.join(&name);
            let bytes = match s.files.get(&path) {
                Some(log) if !log.entry_durable => continue,
                Some(log) => {
                    let keep = rng.as_mut().map_or(0, |r| r.usize(0..=log.undo.len()));
                    after_cut(std::fs::read(&path)?, &log.undo[keep..])
                }
                None => std::fs::read(&path)?,
            };
            std::fs::write(new_root.join(&name), bytes)?;
        }
        for (path, content) in &s.tombstones {
            if let Some(name) = path.file_name() {
                std::fs::write(new_root.join(name), content)?;
            }
        }
        drop(s);
        Volume::new(new_root)
    }
}

impl Drop for Volume {
    fn drop(&mut self) {
        vfs::unmount(&self.inner);
    }
}

impl Inner {
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    fn used_bytes(&self) -> io::Result<u64> {
        let mut total = 0;
        for entry in std::fs::read_dir(&self.root)? {
            let entry = entry?;
            if entry.file_type()?.is_file() && !is_shm(Path::new(&entry.file_name())) {
                total += entry.metadata()?.len();
            }
        }
        Ok(total)
    }

    /// Whether growing a file from `size` to `new_size` bytes fits.
    pub(crate) fn fits(&self, s: &State, size: u64, new_size: u64) -> bool {
        match s.capacity {
            Some(capacity) if new_size > size => self
                .used_bytes()
                .map(|used| used + (new_size - size) <= capacity)
                .unwrap_or(false),
            _ => true,
        }
    }
}

impl State {
    /// Counts one mutating operation; false when the power is (now) off.
    pub(crate) fn tick(&mut self) -> bool {
        if self.dead {
            return false;
        }
        self.ops += 1;
        if self.cut_at == Some(self.ops) {
            self.dead = true;
        }
        !self.dead
    }

    pub(crate) fn is_dead(&self) -> bool {
        self.dead
    }

    pub(crate) fn opened(&mut self, path: &Path, existed: bool) {
        self.open_files += 1;
        self.files.entry(path.to_owned()).or_insert(FileLog {
            undo: Vec::new(),
            entry_durable: existed,
        });
    }

    pub(crate) fn closed(&mut self) {
        self.open_files = self.open_files.saturating_sub(1);
    }

    pub(crate) fn written(&mut self, path: &Path, undo: Undo) {
        self.stats.writes += 1;
        self.files
            .entry(path.to_owned())
            .or_default()
            .undo
            .push(undo);
    }

    pub(crate) fn refused_full(&mut self) {
        self.stats.full += 1;
    }

    /// The file's data is durable.
    pub(crate) fn synced(&mut self, path: &Path) {
        self.stats.file_syncs += 1;
        if let Some(log) = self.files.get_mut(path) {
            log.undo.clear();
        }
    }

    /// The directory is synced: its entries (new files, deletions) are durable.
    pub(crate) fn dir_synced(&mut self, dir: &Path) {
        self.stats.dir_syncs += 1;
        for (path, log) in &mut self.files {
            if path.parent() == Some(dir) {
                log.entry_durable = true;
            }
        }
        self.tombstones.retain(|path, _| path.parent() != Some(dir));
    }

    /// A file is being deleted: keep what a cut would bring back.
    pub(crate) fn deleting(&mut self, path: &Path) -> io::Result<()> {
        match self.files.remove(path) {
            // Never durably there: a cut brings back whatever was before.
            Some(log) if !log.entry_durable => {}
            Some(log) => {
                let durable = after_cut(std::fs::read(path)?, &log.undo);
                self.tombstones.insert(path.to_owned(), durable);
            }
            None => {
                if let Ok(bytes) = std::fs::read(path) {
                    self.tombstones.insert(path.to_owned(), bytes);
                }
            }
        }
        Ok(())
    }

    pub(crate) fn synchronous_override(&self) -> Option<&'static str> {
        self.synchronous_override
    }
}

impl Undo {
    pub(crate) fn new(offset: u64, old: Vec<u8>, old_size: u64) -> Undo {
        Undo {
            offset,
            old,
            old_size,
        }
    }
}

/// A file's bytes once the given unsynced writes (oldest first) are undone.
fn after_cut(mut bytes: Vec<u8>, lost: &[Undo]) -> Vec<u8> {
    for undo in lost.iter().rev() {
        bytes.resize(undo.old_size as usize, 0);
        let start = undo.offset as usize;
        bytes[start..start + undo.old.len()].copy_from_slice(&undo.old);
    }
    bytes
}

pub(crate) fn is_shm(path: &Path) -> bool {
    path.to_string_lossy().ends_with("-shm")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undoing_writes_restores_the_old_bytes_and_size() {
        let lost = [
            Undo::new(2, b"cd".to_vec(), 4),    // "abcd" -> "abXY"
            Undo::new(4, Vec::new(), 4),        // "abXY" -> "abXYZZ"
            Undo::new(1, b"bXYZZ".to_vec(), 6), // truncate to 1
        ];
        assert_eq!(after_cut(b"a".to_vec(), &lost), b"abcd");
        assert_eq!(after_cut(b"a".to_vec(), &lost[2..]), b"abXYZZ");
    }
}
