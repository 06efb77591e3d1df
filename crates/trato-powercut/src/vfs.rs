//! The SQLite side: a VFS that wraps the default one (file by file, the real
//! file object lives right after ours) and reports to the volume a path
//! belongs to. Paths outside every volume pass straight through.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::path::{Path, PathBuf};
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Arc, Mutex, Once, Weak};

use rusqlite::ffi;

use crate::{Inner, Undo};

static REAL: AtomicPtr<ffi::sqlite3_vfs> = AtomicPtr::new(ptr::null_mut());
static VOLUMES: Mutex<Vec<Weak<Inner>>> = Mutex::new(Vec::new());

/// Our part of an open file; the real VFS's file object follows at `REAL_OFFSET`.
#[repr(C)]
struct File {
    base: ffi::sqlite3_file,
    handle: *mut Handle,
}

const REAL_OFFSET: usize = std::mem::size_of::<File>().next_multiple_of(16);

struct Handle {
    volume: Option<Arc<Inner>>,
    path: PathBuf,
    /// SQLite's unix VFS syncs the directory on this file's first sync.
    dir_sync_pending: bool,
}

static METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    // 2: shared memory, no memory-mapped reads (every read goes through xRead).
    iVersion: 2,
    xClose: Some(x_close),
    xRead: Some(x_read),
    xWrite: Some(x_write),
    xTruncate: Some(x_truncate),
    xSync: Some(x_sync),
    xFileSize: Some(x_file_size),
    xLock: Some(x_lock),
    xUnlock: Some(x_unlock),
    xCheckReservedLock: Some(x_check_reserved_lock),
    xFileControl: Some(x_file_control),
    xSectorSize: Some(x_sector_size),
    xDeviceCharacteristics: Some(x_device_characteristics),
    xShmMap: Some(x_shm_map),
    xShmLock: Some(x_shm_lock),
    xShmBarrier: Some(x_shm_barrier),
    xShmUnmap: Some(x_shm_unmap),
    xFetch: None,
    xUnfetch: None,
};

/// Registers the VFS as the process's default, once.
pub(crate) fn register() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| unsafe {
        assert_eq!(ffi::sqlite3_initialize(), ffi::SQLITE_OK);
        let real = ffi::sqlite3_vfs_find(ptr::null());
        assert!(!real.is_null(), "SQLite has no default VFS");
        REAL.store(real, Ordering::SeqCst);
        let mut vfs = *real;
        vfs.szOsFile = (REAL_OFFSET as c_int) + (*real).szOsFile;
        vfs.zName = c"powercut".as_ptr();
        vfs.pNext = ptr::null_mut();
        vfs.xOpen = Some(x_open);
        vfs.xDelete = Some(x_delete);
        let vfs = Box::leak(Box::new(vfs));
        assert_eq!(ffi::sqlite3_vfs_register(vfs, 1), ffi::SQLITE_OK);
    });
}

pub(crate) fn mount(inner: &Arc<Inner>) {
    let mut volumes = VOLUMES.lock().unwrap_or_else(|p| p.into_inner());
    volumes.retain(|v| v.strong_count() > 0);
    volumes.push(Arc::downgrade(inner));
}

pub(crate) fn unmount(inner: &Arc<Inner>) {
    let mut volumes = VOLUMES.lock().unwrap_or_else(|p| p.into_inner());
    volumes.retain(|v| v.strong_count() > 0 && !ptr::eq(v.as_ptr(), Arc::as_ptr(inner)));
}

fn volume_of(path: &Path) -> Option<Arc<Inner>> {
    let volumes = VOLUMES.lock().unwrap_or_else(|p| p.into_inner());
    volumes
        .iter()
        .filter_map(Weak::upgrade)
        .find(|v| path.starts_with(v.root()))
}

fn real_vfs() -> *mut ffi::sqlite3_vfs {
    REAL.load(Ordering::SeqCst)
}

unsafe fn path_of(name: *const c_char) -> PathBuf {
    let bytes = CStr::from_ptr(name).to_bytes();
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
    }
}

unsafe fn real(file: *mut ffi::sqlite3_file) -> *mut ffi::sqlite3_file {
    file.cast::<u8>().add(REAL_OFFSET).cast()
}

unsafe fn methods(file: *mut ffi::sqlite3_file) -> &'static ffi::sqlite3_io_methods {
    &*(*real(file)).pMethods
}

unsafe fn handle<'a>(file: *mut ffi::sqlite3_file) -> &'a mut Handle {
    &mut *(*file.cast::<File>()).handle
}

unsafe extern "C" fn x_open(
    _vfs: *mut ffi::sqlite3_vfs,
    name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    let ours = file.cast::<File>();
    (*ours).base.pMethods = ptr::null();
    let path = if name.is_null() {
        PathBuf::new()
    } else {
        path_of(name)
    };
    let volume = if name.is_null() {
        None
    } else {
        volume_of(&path)
    };
    let mut state = volume.as_ref().map(|v| v.lock());
    if state.as_ref().is_some_and(|s| s.is_dead()) {
        return ffi::SQLITE_CANTOPEN;
    }
    let existed = path.exists();
    let real_vfs = real_vfs();
    let rc = ((*real_vfs).xOpen.expect("xOpen"))(real_vfs, name, real(file), flags, out_flags);
    if rc != ffi::SQLITE_OK {
        return rc;
    }
    if let Some(s) = state.as_mut() {
        s.opened(&path, existed);
    }
    drop(state);
    let journal =
        ffi::SQLITE_OPEN_MAIN_JOURNAL | ffi::SQLITE_OPEN_SUPER_JOURNAL | ffi::SQLITE_OPEN_WAL;
    let dir_sync_pending = flags & ffi::SQLITE_OPEN_CREATE != 0 && flags & journal != 0;
    ptr::write(
        ptr::addr_of_mut!((*ours).handle),
        Box::into_raw(Box::new(Handle {
            volume,
            path,
            dir_sync_pending,
        })),
    );
    (*ours).base.pMethods = &METHODS;
    ffi::SQLITE_OK
}

unsafe extern "C" fn x_delete(
    _vfs: *mut ffi::sqlite3_vfs,
    name: *const c_char,
    sync_dir: c_int,
) -> c_int {
    let real_vfs = real_vfs();
    let path = path_of(name);
    let Some(volume) = volume_of(&path) else {
        return ((*real_vfs).xDelete.expect("xDelete"))(real_vfs, name, sync_dir);
    };
    let mut s = volume.lock();
    if !s.tick() {
        return ffi::SQLITE_IOERR_DELETE;
    }
    if s.deleting(&path).is_err() {
        return ffi::SQLITE_IOERR_DELETE;
    }
    let rc = ((*real_vfs).xDelete.expect("xDelete"))(real_vfs, name, 0);
    if rc == ffi::SQLITE_OK && sync_dir != 0 {
        if let Some(dir) = path.parent() {
            s.dir_synced(dir);
        }
    }
    rc
}

unsafe extern "C" fn x_close(file: *mut ffi::sqlite3_file) -> c_int {
    let rc = (methods(file).xClose.expect("xClose"))(real(file));
    let ours = file.cast::<File>();
    let handle = Box::from_raw((*ours).handle);
    if let Some(volume) = &handle.volume {
        volume.lock().closed();
    }
    (*ours).base.pMethods = ptr::null();
    rc
}

unsafe extern "C" fn x_read(
    file: *mut ffi::sqlite3_file,
    buf: *mut c_void,
    amount: c_int,
    offset: ffi::sqlite3_int64,
) -> c_int {
    if let Some(volume) = &handle(file).volume {
        if volume.lock().is_dead() {
            return ffi::SQLITE_IOERR_READ;
        }
    }
    (methods(file).xRead.expect("xRead"))(real(file), buf, amount, offset)
}

/// The file's size and the bytes at `offset..offset + len` that exist now.
unsafe fn old_bytes(file: *mut ffi::sqlite3_file, offset: u64, len: u64) -> Option<(u64, Vec<u8>)> {
    let mut size: ffi::sqlite3_int64 = 0;
    if (methods(file).xFileSize.expect("xFileSize"))(real(file), &mut size) != ffi::SQLITE_OK {
        return None;
    }
    let size = size as u64;
    let end = (offset + len).min(size);
    let mut old = vec![0u8; end.saturating_sub(offset) as usize];
    if !old.is_empty() {
        let rc = (methods(file).xRead.expect("xRead"))(
            real(file),
            old.as_mut_ptr().cast(),
            old.len() as c_int,
            offset as ffi::sqlite3_int64,
        );
        if rc != ffi::SQLITE_OK {
            return None;
        }
    }
    Some((size, old))
}

unsafe extern "C" fn x_write(
    file: *mut ffi::sqlite3_file,
    buf: *const c_void,
    amount: c_int,
    offset: ffi::sqlite3_int64,
) -> c_int {
    let h = handle(file);
    let Some(volume) = &h.volume else {
        return (methods(file).xWrite.expect("xWrite"))(real(file), buf, amount, offset);
    };
    let mut s = volume.lock();
    if !s.tick() {
        return ffi::SQLITE_IOERR_WRITE;
    }
    let (offset_u, len) = (offset as u64, amount as u64);
    let Some((size, old)) = old_bytes(file, offset_u, len) else {
        return ffi::SQLITE_IOERR_WRITE;
    };
    if !volume.fits(&s, size, size.max(offset_u + len)) {
        s.refused_full();
        return ffi::SQLITE_FULL;
    }
    let rc = (methods(file).xWrite.expect("xWrite"))(real(file), buf, amount, offset);
    if rc == ffi::SQLITE_OK {
        s.written(&h.path, Undo::new(offset_u, old, size));
    }
    rc
}

unsafe extern "C" fn x_truncate(file: *mut ffi::sqlite3_file, size: ffi::sqlite3_int64) -> c_int {
    let h = handle(file);
    let Some(volume) = &h.volume else {
        return (methods(file).xTruncate.expect("xTruncate"))(real(file), size);
    };
    let mut s = volume.lock();
    if !s.tick() {
        return ffi::SQLITE_IOERR_TRUNCATE;
    }
    let new_size = size as u64;
    let Some((old_size, tail)) = old_bytes(file, new_size, u64::MAX / 2) else {
        return ffi::SQLITE_IOERR_TRUNCATE;
    };
    if !volume.fits(&s, old_size, new_size) {
        s.refused_full();
        return ffi::SQLITE_FULL;
    }
    let rc = (methods(file).xTruncate.expect("xTruncate"))(real(file), size);
    if rc == ffi::SQLITE_OK {
        s.written(&h.path, Undo::new(new_size, tail, old_size));
    }
    rc
}

unsafe extern "C" fn x_sync(file: *mut ffi::sqlite3_file, flags: c_int) -> c_int {
    let h = handle(file);
    let Some(volume) = &h.volume else {
        return (methods(file).xSync.expect("xSync"))(real(file), flags);
    };
    let mut s = volume.lock();
    if !s.tick() {
        return ffi::SQLITE_IOERR_FSYNC;
    }
    // The volume is the disk: the real fsync would add time, not durability.
    s.synced(&h.path);
    if std::mem::take(&mut h.dir_sync_pending) {
        if let Some(dir) = h.path.parent() {
            s.dir_synced(dir);
        }
    }
    ffi::SQLITE_OK
}

unsafe extern "C" fn x_file_size(
    file: *mut ffi::sqlite3_file,
    size: *mut ffi::sqlite3_int64,
) -> c_int {
    (methods(file).xFileSize.expect("xFileSize"))(real(file), size)
}

unsafe extern "C" fn x_lock(file: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    (methods(file).xLock.expect("xLock"))(real(file), level)
}

unsafe extern "C" fn x_unlock(file: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    (methods(file).xUnlock.expect("xUnlock"))(real(file), level)
}

unsafe extern "C" fn x_check_reserved_lock(file: *mut ffi::sqlite3_file, out: *mut c_int) -> c_int {
    (methods(file)
        .xCheckReservedLock
        .expect("xCheckReservedLock"))(real(file), out)
}

unsafe extern "C" fn x_file_control(
    file: *mut ffi::sqlite3_file,
    op: c_int,
    arg: *mut c_void,
) -> c_int {
    if let Some(volume) = &handle(file).volume {
        match op {
            // A hint may grow the file outside xWrite; SQLite needs none of it.
            ffi::SQLITE_FCNTL_SIZE_HINT => return ffi::SQLITE_OK,
            ffi::SQLITE_FCNTL_PRAGMA => {
                if let Some(value) = volume.lock().synchronous_override() {
                    override_synchronous(arg.cast(), value);
                }
            }
            _ => {}
        }
    }
    (methods(file).xFileControl.expect("xFileControl"))(real(file), op, arg)
}

/// `args` is SQLite's `[result, name, value, 0]`; the value string is the
/// parser's own writable copy, which the pragma then reads.
unsafe fn override_synchronous(args: *mut *mut c_char, value: &str) {
    let (name, current) = (*args.add(1), *args.add(2));
    if name.is_null() || current.is_null() {
        return;
    }
    if !CStr::from_ptr(name)
        .to_bytes()
        .eq_ignore_ascii_case(b"synchronous")
    {
        return;
    }
    let level: &[u8] = match value.to_ascii_uppercase().as_str() {
        "OFF" => b"0",
        "NORMAL" => b"1",
        "FULL" => b"2",
        _ => b"3",
    };
    // Every value has at least one character and its NUL.
    *current = level[0] as c_char;
    *current.add(1) = 0;
}

unsafe extern "C" fn x_sector_size(file: *mut ffi::sqlite3_file) -> c_int {
    (methods(file).xSectorSize.expect("xSectorSize"))(real(file))
}

unsafe extern "C" fn x_device_characteristics(file: *mut ffi::sqlite3_file) -> c_int {
    (methods(file)
        .xDeviceCharacteristics
        .expect("xDeviceCharacteristics"))(real(file))
}

unsafe extern "C" fn x_shm_map(
    file: *mut ffi::sqlite3_file,
    page: c_int,
    page_size: c_int,
    extend: c_int,
    out: *mut *mut c_void,
) -> c_int {
    (methods(file).xShmMap.expect("xShmMap"))(real(file), page, page_size, extend, out)
}

unsafe extern "C" fn x_shm_lock(
    file: *mut ffi::sqlite3_file,
    offset: c_int,
    n: c_int,
    flags: c_int,
) -> c_int {
    (methods(file).xShmLock.expect("xShmLock"))(real(file), offset, n, flags)
}

unsafe extern "C" fn x_shm_barrier(file: *mut ffi::sqlite3_file) {
    (methods(file).xShmBarrier.expect("xShmBarrier"))(real(file))
}

unsafe extern "C" fn x_shm_unmap(file: *mut ffi::sqlite3_file, delete: c_int) -> c_int {
    (methods(file).xShmUnmap.expect("xShmUnmap"))(real(file), delete)
}
