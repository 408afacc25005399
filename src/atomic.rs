//! Write a file so that it is always either the whole old or the whole new content: a temporary
//! file in the same folder (mode 0600 for its whole life), fsync, then, under a lock on the
//! folder, a last look at the original, the rename, and the original's permissions and owner
//! given to the new file through its open descriptor. Symlinks are followed, so the file they point to is replaced
//! and the link stays. Only regular files are replaced.

use crate::redact::Shown as _;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::error::Failure;

const TEMP_SUFFIX: &str = ".postman-cognito.tmp";

/// Removes temporary files for `name` (every name, when empty) left in `dir` by runs that were
/// killed mid-write (their process is gone). A live run's temporary file is never touched.
/// Their names: `.{name}.{pid}.{random}.postman-cognito.tmp`.
fn remove_stale_temps(dir: &Path, name: &str) {
    let prefix = format!(".{name}.");
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let file = e.file_name();
        let file = file.to_string_lossy();
        let Some(middle) = file
            .strip_prefix(if name.is_empty() { "." } else { &prefix })
            .and_then(|r| r.strip_suffix(TEMP_SUFFIX))
        else {
            continue;
        };
        let Some(pid) = middle
            .rsplit('.')
            .nth(1)
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !process_alive(pid) {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// Whether a process is running (Linux: /proc; elsewhere assume it is, and leave its file).
fn process_alive(pid: u32) -> bool {
    let proc_dir = Path::new("/proc");
    if !proc_dir.join("self").exists() {
        return true;
    }
    proc_dir.join(pid.to_string()).exists()
}

/// What a file looked like when it was read (or that it did not exist), to notice a change
/// before replacing it. The inode is part of it: every rename makes a new one, so a file that
/// another run replaced is noticed even with the same length and time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    len: u64,
    /// Nanoseconds since the epoch.
    modified: Option<i128>,
    inode: u64,
    exists: bool,
}

impl Stamp {
    pub fn of(meta: &fs::Metadata) -> Self {
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(meta);
        #[cfg(not(unix))]
        let inode = 0;
        Stamp {
            len: meta.len(),
            modified: meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
                .map(|d| d.as_nanos() as i128),
            inode,
            exists: true,
        }
    }

    /// The stamp of a file read through its folder's descriptor.
    pub fn of_stat(st: &crate::fsat::Stat) -> Self {
        Stamp {
            len: st.size,
            modified: Some(st.mtime_ns),
            inode: st.ino,
            exists: true,
        }
    }

    /// A file that does not exist yet: creating it must not replace one made meanwhile.
    pub fn absent() -> Self {
        Stamp {
            len: 0,
            modified: None,
            inode: 0,
            exists: false,
        }
    }

    /// Whether the file was there (a file to be created is not).
    pub fn exists(&self) -> bool {
        self.exists
    }

    fn now(path: &Path) -> Self {
        fs::metadata(path).map_or_else(|_| Stamp::absent(), |m| Stamp::of(&m))
    }
}

/// The real file behind `path` (following symlinks), or `path` when it does not exist yet.
pub fn resolve(path: &Path) -> PathBuf {
    fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Why a write did not happen.
#[derive(Debug)]
pub enum WriteError {
    /// The file changed since it was read (another process wrote it); nothing was written.
    Changed(Failure),
    Failed(Failure),
}

impl From<Failure> for WriteError {
    fn from(f: Failure) -> Self {
        WriteError::Failed(f)
    }
}

impl WriteError {
    pub fn failure(self) -> Failure {
        match self {
            WriteError::Changed(f) | WriteError::Failed(f) => f,
        }
    }
}

/// Replaces `target` with `bytes`. With `expect`, refuses when the file changed since it was
/// read. `mode_from` gives the permissions when the target is new.
pub fn write(
    target: &Path,
    bytes: &[u8],
    expect: Option<&Stamp>,
    mode_from: Option<&fs::Metadata>,
) -> Result<(), Failure> {
    stage(target, mode_from, |w| w.write_all(bytes))?
        .commit(expect)
        .map(|_| ())
        .map_err(WriteError::failure)
}

/// New content for a file, written and flushed to a temporary file beside it, not yet in place:
/// [`Staged::commit`] puts it there; dropping it leaves the file as it was.
pub struct Staged {
    tmp: tempfile::NamedTempFile,
    real: PathBuf,
    dir: PathBuf,
    shown: String,
    /// The target's metadata when staged (or `mode_from`'s for a new file).
    like: Option<fs::Metadata>,
    /// One of a batch: flushed by [`flush`], its folder by [`sync_dirs`].
    batch: bool,
}

/// Writes the new content of `target` with `fill` into a temporary file in the same folder,
/// readable by the user only, flushed to disk. The target's permissions (or `mode_from`'s when it
/// is new) and owner are given to it just before the rename. A target that exists and is not a
/// regular file (a device, a pipe, `/dev/stdout`) is refused.
pub fn stage(
    target: &Path,
    mode_from: Option<&fs::Metadata>,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<Staged, Failure> {
    stage_as(target, mode_from, fill, Batch::No)
}

/// Whether a staged file is one of many (a v3 folder's files): then it is not flushed on its
/// own, nor its folder after the rename; [`flush`] flushes them all at once before the first
/// rename and [`sync_dirs`] the folders after the last. `First` also removes the folder's stale
/// temporary files (once per folder, not once per file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Batch {
    No,
    First,
    Next,
}

/// [`stage`], for one file of many.
pub fn stage_as(
    target: &Path,
    mode_from: Option<&fs::Metadata>,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    batch: Batch,
) -> Result<Staged, Failure> {
    let real = resolve(target);
    let shown = target.shown().to_string();
    let existing = fs::metadata(&real).ok();
    if let Some(m) = &existing
        && !m.is_file()
    {
        return Err(Failure::io(format!(
            "refusing to replace {shown}: it is not a regular file (a device, a pipe or a folder)"
        ))
        .with_hint("write to a regular file, or use -o - for standard output"));
    }
    let dir = match real.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = real
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "collection".into());
    let io = |what: &str, e: std::io::Error| write_failure(&shown, what, e);
    match batch {
        Batch::No => remove_stale_temps(&dir, &name),
        Batch::First => remove_stale_temps(&dir, ""),
        Batch::Next => {}
    }
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}.{}.", std::process::id()))
        .suffix(TEMP_SUFFIX)
        .tempfile_in(&dir)
        .map_err(|e| {
            io(
                &format!("cannot create a temporary file in {}", dir.shown()),
                e,
            )
        })?;
    {
        let mut w = std::io::BufWriter::with_capacity(1 << 18, tmp.as_file());
        fill(&mut w)
            .and_then(|()| w.flush())
            .map_err(|e| io("writing the temporary file", e))?;
    }
    if batch == Batch::No {
        tmp.as_file()
            .sync_all()
            .map_err(|e| io("flushing to disk", e))?;
    }
    Ok(Staged {
        tmp,
        real,
        dir,
        shown,
        like: existing.or_else(|| mode_from.cloned()),
        batch: batch != Batch::No,
    })
}

fn write_failure(shown: &str, what: &str, e: std::io::Error) -> Failure {
    Failure::io(format!("could not write {shown}: {what}: {e}"))
        .with_hint("the original file is unchanged; check the folder's permissions and free space")
}

/// Flushes staged files of a batch to disk before the first of them is renamed: one `syncfs`
/// of their file system on Linux, else one fsync each.
pub fn flush(staged: &[&Staged]) -> Result<(), Failure> {
    let io = |s: &Staged, e: std::io::Error| write_failure(&s.shown, "flushing to disk", e);
    #[cfg(target_os = "linux")]
    if let Some(first) = staged.first() {
        return rustix::fs::syncfs(first.tmp.as_file()).map_err(|e| io(first, e.into()));
    }
    for s in staged {
        s.tmp.as_file().sync_all().map_err(|e| io(s, e))?;
    }
    Ok(())
}

/// Makes the renames into `dirs` durable (after a batch).
pub fn sync_dirs<'a>(dirs: impl IntoIterator<Item = &'a Path>) {
    let mut seen = std::collections::HashSet::new();
    for d in dirs {
        if seen.insert(d.to_path_buf())
            && let Ok(f) = fs::File::open(d)
        {
            let _ = f.sync_all();
        }
    }
}

/// Holds an exclusive lock on a folder (where the platform allows it), so that two runs of the
/// tool never check and rename into it at the same moment.
struct FolderLock(Option<fs::File>);

impl FolderLock {
    fn take(dir: &Path) -> FolderLock {
        let file = fs::File::open(dir).ok().filter(|f| f.lock().is_ok());
        FolderLock(file)
    }
}

impl Drop for FolderLock {
    fn drop(&mut self) {
        if let Some(f) = &self.0 {
            let _ = f.unlock();
        }
    }
}

impl Staged {
    /// The folder the file is renamed in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The temporary file holding the new content.
    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// Renames the new content over the target. With `expect`, refuses when the target changed
    /// since it was read. Returns a warning to show when the target's owner could not be kept.
    pub fn commit(self, expect: Option<&Stamp>) -> Result<Option<String>, WriteError> {
        let shown = &self.shown;
        let _lock = FolderLock::take(&self.dir);
        if let Some(expect) = expect
            && Stamp::now(&self.real) != *expect
        {
            return Err(WriteError::Changed(
                Failure::io(format!(
                    "{shown} changed on disk while postman-cognito was running; nothing was written"
                ))
                .with_hint("run the command again once nothing else is writing the file"),
            ));
        }
        let file = self
            .tmp
            .persist(&self.real)
            .map_err(|e| write_failure(shown, "replacing the file", e.error))?;
        // The mode and owner are given through the open file just after the rename, never
        // before: a temporary file holding a token is 0600 for its whole life, even when the
        // run is killed (then the new file is left readable by its owner only).
        let mut warning = None;
        if let Some(like) = &self.like {
            file.set_permissions(like.permissions())
                .map_err(|e| write_failure(shown, "setting permissions", e))?;
            warning = keep_owner(&file, like, shown);
        }
        // Make the rename itself durable (a batch's folders are flushed once, at the end).
        if !self.batch
            && let Ok(d) = fs::File::open(&self.dir)
        {
            let _ = d.sync_all();
        }
        Ok(warning)
    }
}

/// Gives `file` the owner and group of `like` (a file rewritten by root in a bind-mounted
/// checkout stays its owner's); when that is not permitted, the group alone, and a warning.
#[cfg(unix)]
fn keep_owner(file: &fs::File, like: &fs::Metadata, shown: &str) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let now = file.metadata().ok()?;
    if (now.uid(), now.gid()) == (like.uid(), like.gid()) {
        return None;
    }
    if std::os::unix::fs::fchown(file, Some(like.uid()), Some(like.gid())).is_ok() {
        return None;
    }
    let group_kept = std::os::unix::fs::fchown(file, None, Some(like.gid())).is_ok();
    Some(format!(
        "{shown} now belongs to you (user id {}{}); it belonged to user id {} and group id {}, \
         which only root can give back",
        now.uid(),
        if group_kept { ", its group kept" } else { "" },
        like.uid(),
        like.gid()
    ))
}

#[cfg(not(unix))]
fn keep_owner(_: &fs::File, _: &fs::Metadata, _: &str) -> Option<String> {
    None
}

/// New content for a file of a folder tree ([`crate::folder`]), written to a temporary file in
/// that folder through the folder's descriptor and not yet in place; [`StagedAt::commit`] puts
/// it there through the same folder, opened again. Not flushed: the caller flushes a whole batch
/// at once ([`crate::fsat::Dir::sync_all_files`]) before the first rename.
#[derive(Debug)]
pub struct StagedAt {
    /// The folder, by its number in the tree.
    pub folder: usize,
    tmp: std::ffi::OsString,
    name: std::ffi::OsString,
    shown: String,
    like: crate::fsat::Stat,
    /// It holds a token: 0600 until it is in place, then given the original's mode and owner.
    secret: bool,
    /// The owner could not be kept (known when the temporary file was made).
    warning: Option<String>,
}

/// The debug builds' fail points: `POSTMAN_COGNITO_DEBUG_ABORT_AFTER_RENAMES=N` (and
/// `..._AFTER_STAGED=N`) end the process at once, as a SIGKILL would, after its N-th rename (or
/// staged file), so that tests prove what a kill at that moment leaves without racing one.
pub fn fail_point(which: &str, count: usize) {
    #[cfg(debug_assertions)]
    if std::env::var(format!("POSTMAN_COGNITO_DEBUG_ABORT_AFTER_{which}"))
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
        == Some(count)
    {
        std::process::abort();
    }
    #[cfg(not(debug_assertions))]
    let _ = (which, count);
}

/// Renames into place so far (for the fail point).
static RENAMED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Removes the temporary files left in the open folder `dir` by runs whose process is gone.
pub fn remove_stale_temps_at(dir: &crate::fsat::Dir) {
    let Ok(entries) = dir.entries() else { return };
    for (name, kind) in entries {
        let file = name.to_string_lossy();
        let Some(middle) = file
            .strip_prefix('.')
            .and_then(|r| r.strip_suffix(TEMP_SUFFIX))
        else {
            continue;
        };
        let pid = middle
            .rsplit('.')
            .nth(1)
            .and_then(|p| p.parse::<u32>().ok());
        if kind == crate::fsat::Kind::File
            && pid.is_some_and(|p| p != std::process::id() && !process_alive(p))
        {
            let _ = dir.remove(&name);
        }
    }
}

/// This process's id and a part of a temporary file's name that no other file of this run has:
/// random bytes drawn once per run, then a counter (no system call per file).
fn temp_unique() -> (u32, String) {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static RUN: OnceLock<(u32, String)> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let (pid, run) = RUN.get_or_init(|| {
        let mut r = [0u8; 6];
        let _ = getrandom::fill(&mut r);
        (
            std::process::id(),
            r.iter().map(|b| format!("{b:02x}")).collect(),
        )
    });
    (
        *pid,
        format!("{run}{:x}", NEXT.fetch_add(1, Ordering::Relaxed)),
    )
}

/// Writes the new content of `name` in the open folder `dir` (folder number `folder`) with
/// `fill` into a temporary file beside it. A file that will hold a token (`secret`) is made
/// 0600; any other gets the original's mode and owner (`like`) at once, so that nothing more
/// is needed after the rename. With `sync`, it is flushed to disk at once (for a few files,
/// cheaper than flushing the whole file system once they are all staged).
pub fn stage_at(
    dir: &crate::fsat::Dir,
    folder: usize,
    name: &std::ffi::OsStr,
    like: &crate::fsat::Stat,
    secret: bool,
    sync: bool,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<StagedAt, Failure> {
    let shown = crate::redact::path(&dir.path.join(name));
    let (pid, unique) = temp_unique();
    let tmp: std::ffi::OsString =
        format!(".{}.{pid}.{unique}{TEMP_SUFFIX}", name.to_string_lossy()).into();
    let mode = if secret { 0o600 } else { like.mode & 0o7777 };
    let io = |what: &str, e: std::io::Error| write_failure(&shown, what, e);
    let file = dir.create(&tmp, mode).map_err(|e| {
        io(
            &format!("cannot create a temporary file in {}", dir.path.shown()),
            e,
        )
    })?;
    let mut warning = None;
    if !secret && !dir.creates_as(like) {
        warning = keep_owner_stat(&file, like, &shown);
    }
    let written = {
        let mut w = std::io::BufWriter::with_capacity(1 << 16, &file);
        fill(&mut w).and_then(|()| w.flush())
    }
    .and_then(|()| if sync { file.sync_all() } else { Ok(()) });
    if let Err(e) = written {
        let _ = dir.remove(&tmp);
        return Err(io("writing the temporary file", e));
    }
    Ok(StagedAt {
        folder,
        tmp,
        name: name.to_os_string(),
        shown,
        like: *like,
        secret,
        warning,
    })
}

impl StagedAt {
    /// Renames the new content over the target in the open folder `dir`, under a lock on the
    /// folder, if the target is still what was read (`expect`). Returns a warning to show when
    /// the target's owner could not be kept.
    pub fn commit(
        self,
        dir: &crate::fsat::Dir,
        expect: &Stamp,
    ) -> Result<Option<String>, WriteError> {
        let _lock = dir.lock();
        self.commit_locked(dir, expect)
    }

    /// [`StagedAt::commit`] with the folder's lock already held by the caller (a run that
    /// renames several files of one folder takes it once).
    pub fn commit_locked(
        self,
        dir: &crate::fsat::Dir,
        expect: &Stamp,
    ) -> Result<Option<String>, WriteError> {
        let shown = &self.shown;
        let now = dir
            .stat_at(&self.name)
            .map_or_else(|_| Stamp::absent(), |st| Stamp::of_stat(&st));
        if now != *expect {
            let _ = dir.remove(&self.tmp);
            return Err(WriteError::Changed(
                Failure::io(format!(
                    "{shown} changed on disk while postman-cognito was running; nothing was written"
                ))
                .with_hint("run the command again once nothing else is writing the file"),
            ));
        }
        dir.rename(&self.tmp, &self.name)
            .map_err(|e| write_failure(shown, "replacing the file", e))?;
        fail_point(
            "RENAMES",
            RENAMED.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1,
        );
        if !self.secret {
            return Ok(self.warning);
        }
        // A file that holds the token was 0600 until now: the original's mode and owner are
        // given to it through the file just renamed, opened without following a link.
        let (file, _) = dir.open_file(&self.name).map_err(|e| {
            write_failure(
                shown,
                "setting permissions",
                std::io::Error::other(e.to_string()),
            )
        })?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(fs::Permissions::from_mode(self.like.mode & 0o7777))
                .map_err(|e| write_failure(shown, "setting permissions", e))?;
        }
        Ok(keep_owner_stat(&file, &self.like, shown))
    }

    /// Removes the temporary file (the target stays as it was).
    pub fn discard(self, dir: &crate::fsat::Dir) {
        let _ = dir.remove(&self.tmp);
    }
}

/// Gives `file` the owner and group of `like`; when that is not permitted, the group alone, and
/// a warning.
fn keep_owner_stat(file: &fs::File, like: &crate::fsat::Stat, shown: &str) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let now = file.metadata().ok()?;
        if (now.uid(), now.gid()) == (like.uid, like.gid) {
            return None;
        }
        if crate::fsat::chown(file, like.uid, like.gid) {
            return None;
        }
        let group_kept = std::os::unix::fs::fchown(file, None, Some(like.gid)).is_ok();
        Some(format!(
            "{shown} now belongs to you (user id {}{}); it belonged to user id {} and group id {}, \
             which only root can give back",
            now.uid(),
            if group_kept { ", its group kept" } else { "" },
            like.uid,
            like.gid
        ))
    }
    #[cfg(not(unix))]
    {
        let _ = (file, like, shown);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(unix)]
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn replaces_keeps_mode_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.json");
        fs::write(&f, "old").unwrap();
        #[cfg(unix)]
        fs::set_permissions(&f, fs::Permissions::from_mode(0o640)).unwrap();
        let stamp = Stamp::of(&fs::metadata(&f).unwrap());
        write(&f, b"new", Some(&stamp), None).unwrap();
        assert_eq!(fs::read_to_string(&f).unwrap(), "new");
        #[cfg(unix)]
        assert_eq!(
            fs::metadata(&f).unwrap().permissions().mode() & 0o777,
            0o640
        );
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn refuses_a_file_changed_since_read() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.json");
        fs::write(&f, "old").unwrap();
        let stamp = Stamp::of(&fs::metadata(&f).unwrap());
        fs::write(&f, "changed by someone else").unwrap();
        let e = write(&f, b"new", Some(&stamp), None).unwrap_err();
        assert!(e.message.contains("changed on disk"), "{e:?}");
        assert_eq!(fs::read_to_string(&f).unwrap(), "changed by someone else");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn temps_of_dead_runs_are_cleaned_up_and_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.json");
        fs::write(&f, "old").unwrap();
        // PID 4294967 is above Linux's pid_max, so never alive; our own PID is.
        let dead = dir.path().join(".c.json.4294967.abc.postman-cognito.tmp");
        let live = dir.path().join(format!(
            ".c.json.{}.xyz.postman-cognito.tmp",
            std::process::id()
        ));
        let other = dir.path().join(".d.json.4294967.abc.postman-cognito.tmp");
        for p in [&dead, &live, &other] {
            fs::write(p, "partial").unwrap();
        }
        write(&f, b"new", None, None).unwrap();
        assert!(!dead.exists());
        assert!(live.exists());
        assert!(other.exists(), "only temps of this file are touched");
    }

    #[cfg(unix)]
    #[test]
    fn follows_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        let link = dir.path().join("link.json");
        fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write(&link, b"new", None, None).unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read_to_string(&real).unwrap(), "new");
    }
}
