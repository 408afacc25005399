//! Files reached through their folder's descriptor (`openat` and friends): a folder is opened
//! once, and every file and subfolder in it is opened relative to it, never following a
//! symbolic link. A link planted (or a folder swapped for one) below the folder the user named
//! can then neither redirect a read nor a write: opening it fails, and the caller refuses it
//! with its place. Elsewhere than Unix, paths are used (no descriptors to hold).

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// Largest file read: beyond this a file is refused rather than loaded.
pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;

/// What a file or folder is and who may write it, read without following a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    pub dev: u64,
    pub ino: u64,
    /// The permission bits and the type (`S_IFMT`).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    pub nlink: u64,
    /// Last modification, in nanoseconds since the epoch.
    pub mtime_ns: i128,
}

/// The kind of a directory entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Link,
    Other,
}

impl Stat {
    pub fn kind(&self) -> Kind {
        match self.mode & 0o170_000 {
            0o100_000 => Kind::File,
            0o040_000 => Kind::Dir,
            0o120_000 => Kind::Link,
            _ => Kind::Other,
        }
    }

    /// What `meta` (read by path) says, in the same terms.
    pub fn of_meta(m: &std::fs::Metadata) -> Stat {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Stat {
                dev: m.dev(),
                ino: m.ino(),
                mode: m.mode(),
                uid: m.uid(),
                gid: m.gid(),
                size: m.size(),
                nlink: m.nlink(),
                mtime_ns: i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec()),
            }
        }
        #[cfg(not(unix))]
        stat_of_meta(m)
    }

    /// The same file as `other` (device and inode).
    pub fn same(&self, other: &Stat) -> bool {
        (self.dev, self.ino) == (other.dev, other.ino)
    }

    /// Why the caller may not trust this file or folder to hold its secrets: owned by another
    /// user, writable by every user, or by a group other than the caller's own.
    pub fn distrust(&self) -> Option<String> {
        #[cfg(unix)]
        {
            let (me, my_group) = imp::ids();
            if self.uid != me {
                return Some(format!(
                    "it is owned by user id {}, not by you (user id {me})",
                    self.uid
                ));
            }
            if self.mode & 0o002 != 0 {
                return Some("every user can write it".into());
            }
            if self.mode & 0o020 != 0 && self.gid != my_group {
                return Some(format!("the group with id {} can write it", self.gid));
            }
        }
        None
    }
}

#[cfg(unix)]
fn stat_of(s: &rustix::fs::Stat) -> Stat {
    #[allow(clippy::useless_conversion, clippy::unnecessary_cast)]
    Stat {
        dev: s.st_dev as u64,
        ino: s.st_ino as u64,
        mode: s.st_mode as u32,
        uid: s.st_uid,
        gid: s.st_gid,
        size: s.st_size as u64,
        nlink: s.st_nlink as u64,
        mtime_ns: i128::from(s.st_mtime) * 1_000_000_000 + i128::from(s.st_mtime_nsec),
    }
}

#[cfg(not(unix))]
fn stat_of_meta(m: &std::fs::Metadata) -> Stat {
    let kind = if m.file_type().is_symlink() {
        0o120_000
    } else if m.is_dir() {
        0o040_000
    } else if m.is_file() {
        0o100_000
    } else {
        0
    };
    Stat {
        dev: 0,
        ino: 0,
        mode: kind
            | if m.permissions().readonly() {
                0o444
            } else {
                0o644
            },
        uid: 0,
        gid: 0,
        size: m.len(),
        nlink: 1,
        mtime_ns: m
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as i128),
    }
}

/// Why an open failed: a link or not a folder where one was wanted, or any other error.
#[derive(Debug)]
pub enum OpenError {
    /// A symbolic link stands there.
    Link,
    /// Something other than what was wanted (a file where a folder was wanted, a pipe).
    Wrong(Kind),
    Io(io::Error),
}

impl OpenError {
    pub fn not_found(&self) -> bool {
        matches!(self, OpenError::Io(e) if e.kind() == io::ErrorKind::NotFound)
    }
}

impl From<io::Error> for OpenError {
    fn from(e: io::Error) -> Self {
        OpenError::Io(e)
    }
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenError::Link => f.write_str("it is a symbolic link"),
            OpenError::Wrong(Kind::Dir) => f.write_str("it is a folder"),
            OpenError::Wrong(Kind::File) => f.write_str("it is a file, not a folder"),
            OpenError::Wrong(_) => {
                f.write_str("it is not a regular file (a pipe, a device or a socket)")
            }
            OpenError::Io(e) => write!(f, "{e}"),
        }
    }
}

/// An open folder.
#[derive(Debug)]
pub struct Dir {
    #[cfg(unix)]
    fd: std::os::fd::OwnedFd,
    /// Its path, for messages (and the file system, elsewhere than Unix).
    pub path: PathBuf,
    /// Its stat, once asked for.
    #[cfg(unix)]
    stat: std::cell::Cell<Option<Stat>>,
}

#[cfg(unix)]
mod imp {
    use super::*;
    use rustix::fs::{AtFlags, Mode, OFlags};
    use rustix::io::Errno;

    fn err(e: Errno) -> io::Error {
        io::Error::from_raw_os_error(e.raw_os_error())
    }

    /// A failed open without following a link: ELOOP means a link stood there.
    fn open_error(e: Errno) -> OpenError {
        match e {
            Errno::LOOP | Errno::MLINK => OpenError::Link,
            Errno::NOTDIR => OpenError::Wrong(Kind::File),
            other => OpenError::Io(err(other)),
        }
    }

    impl Dir {
        /// Opens the folder at `path` (links in `path` itself are followed: the user named it).
        pub fn open(path: &Path) -> Result<Dir, OpenError> {
            let fd = rustix::fs::open(
                path,
                OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
                Mode::empty(),
            )
            .map_err(|e| match e {
                Errno::NOTDIR => OpenError::Wrong(Kind::File),
                other => OpenError::Io(err(other)),
            })?;
            Ok(Dir {
                fd,
                path: path.to_path_buf(),
                stat: std::cell::Cell::new(None),
            })
        }

        /// Opens the folder `name` in this one, refusing a link.
        pub fn child(&self, name: &OsStr) -> Result<Dir, OpenError> {
            let fd = rustix::fs::openat(
                &self.fd,
                name,
                OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::empty(),
            )
            .map_err(|e| match e {
                // With O_DIRECTORY, a link fails as "not a folder": tell the two apart.
                Errno::NOTDIR | Errno::LOOP => match self.stat_at(name) {
                    Ok(st) if st.kind() == Kind::Link => OpenError::Link,
                    Ok(st) => OpenError::Wrong(st.kind()),
                    Err(e) => OpenError::Io(e),
                },
                other => open_error(other),
            })?;
            Ok(Dir {
                fd,
                path: self.path.join(name),
                stat: std::cell::Cell::new(None),
            })
        }

        /// The folder's stat (asked of the system once: an open folder stays the same folder).
        pub fn stat(&self) -> io::Result<Stat> {
            if let Some(st) = self.stat.get() {
                return Ok(st);
            }
            let st = rustix::fs::fstat(&self.fd)
                .map(|s| stat_of(&s))
                .map_err(err)?;
            self.stat.set(Some(st));
            Ok(st)
        }

        /// Whether a file created in this folder now gets the owner and group of `like`
        /// already (the caller's user, and the caller's group or the folder's set-group-id
        /// group), so that nothing needs checking or changing.
        pub fn creates_as(&self, like: &Stat) -> bool {
            let Ok(me) = self.stat() else { return false };
            let (uid, gid) = ids();
            let group = if me.mode & 0o2000 != 0 { me.gid } else { gid };
            like.uid == uid && like.gid == group
        }

        /// What `name` in this folder is, not following a link.
        pub fn stat_at(&self, name: &OsStr) -> io::Result<Stat> {
            rustix::fs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW)
                .map(|s| stat_of(&s))
                .map_err(err)
        }

        /// The names in this folder (but `.` and `..`), with what each is.
        pub fn entries(&self) -> io::Result<Vec<(OsString, Kind)>> {
            use std::os::unix::ffi::OsStrExt;
            let mut dir = rustix::fs::Dir::read_from(&self.fd).map_err(err)?;
            let mut out = Vec::new();
            while let Some(entry) = dir.read() {
                let entry = entry.map_err(err)?;
                let bytes = entry.file_name().to_bytes();
                if bytes == b"." || bytes == b".." {
                    continue;
                }
                let name = OsStr::from_bytes(bytes).to_os_string();
                let kind = match entry.file_type() {
                    rustix::fs::FileType::RegularFile => Kind::File,
                    rustix::fs::FileType::Directory => Kind::Dir,
                    rustix::fs::FileType::Symlink => Kind::Link,
                    rustix::fs::FileType::Unknown => self.stat_at(&name)?.kind(),
                    _ => Kind::Other,
                };
                out.push((name, kind));
            }
            Ok(out)
        }

        /// Opens the regular file `name` for reading, refusing a link or anything else.
        pub fn open_file(&self, name: &OsStr) -> Result<(File, Stat), OpenError> {
            let fd = rustix::fs::openat(
                &self.fd,
                name,
                OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK,
                Mode::empty(),
            )
            .map_err(open_error)?;
            let st = rustix::fs::fstat(&fd).map(|s| stat_of(&s)).map_err(err)?;
            if st.kind() != Kind::File {
                return Err(OpenError::Wrong(st.kind()));
            }
            Ok((File::from(fd), st))
        }

        /// Creates the file `name`, which must not exist, with `mode` (before the umask is
        /// applied, then set exactly).
        pub fn create(&self, name: &OsStr, mode: u32) -> io::Result<File> {
            let mode = mode & 0o7777;
            // Created with the mode itself when the umask leaves it whole (no further call);
            // else 0600, then set exactly. Never more open than `mode` at any moment.
            let whole = mode & 0o7000 == 0 && umask().is_some_and(|u| mode & u == 0);
            let fd = rustix::fs::openat(
                &self.fd,
                name,
                OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::from_raw_mode(if whole { mode } else { 0o600 & mode }),
            )
            .map_err(err)?;
            if !whole && mode != 0o600 {
                rustix::fs::fchmod(&fd, Mode::from_raw_mode(mode)).map_err(err)?;
            }
            Ok(File::from(fd))
        }

        /// Opens (or creates, 0600) the file `name` for reading and writing, refusing a link.
        pub fn open_rw(&self, name: &OsStr) -> Result<File, OpenError> {
            let fd = rustix::fs::openat(
                &self.fd,
                name,
                OFlags::RDWR | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::from_raw_mode(0o600),
            )
            .map_err(open_error)?;
            Ok(File::from(fd))
        }

        pub fn rename(&self, from: &OsStr, to: &OsStr) -> io::Result<()> {
            rustix::fs::renameat(&self.fd, from, &self.fd, to).map_err(err)
        }

        /// Removes the file (or link) `name`; a link is removed, never what it points to.
        pub fn remove(&self, name: &OsStr) -> io::Result<()> {
            rustix::fs::unlinkat(&self.fd, name, AtFlags::empty()).map_err(err)
        }

        /// Makes the folder `name` (mode before the umask); an existing one is no error.
        pub fn make_dir(&self, name: &OsStr, mode: u32) -> io::Result<()> {
            match rustix::fs::mkdirat(&self.fd, name, Mode::from_raw_mode(mode)) {
                Ok(()) | Err(Errno::EXIST) => Ok(()),
                Err(e) => Err(err(e)),
            }
        }

        /// Sets this folder's permission bits.
        pub fn set_mode(&self, mode: u32) -> io::Result<()> {
            rustix::fs::fchmod(&self.fd, Mode::from_raw_mode(mode)).map_err(err)
        }

        /// Whether the caller may write the file `name` (its mode, owner and ACLs; root may
        /// write any file).
        pub fn may_write(&self, name: &OsStr) -> bool {
            rustix::fs::accessat(
                &self.fd,
                name,
                rustix::fs::Access::WRITE_OK,
                AtFlags::EACCESS,
            )
            .is_ok()
        }

        /// Waits for the exclusive lock on this folder (held until the returned value drops).
        pub fn lock(&self) -> io::Result<Locked<'_>> {
            rustix::fs::flock(&self.fd, rustix::fs::FlockOperation::LockExclusive).map_err(err)?;
            Ok(Locked(self))
        }

        /// Makes the renames in this folder durable.
        pub fn sync(&self) -> io::Result<()> {
            rustix::fs::fsync(&self.fd).map_err(err)
        }

        /// Flushes every file of this folder's file system to disk (Linux), else this folder.
        pub fn sync_all_files(&self) -> io::Result<()> {
            #[cfg(target_os = "linux")]
            return rustix::fs::syncfs(&self.fd).map_err(err);
            #[cfg(not(target_os = "linux"))]
            self.sync()
        }
    }

    /// A lock on a folder.
    pub struct Locked<'a>(&'a Dir);

    impl Drop for Locked<'_> {
        fn drop(&mut self) {
            let _ = rustix::fs::flock(&self.0.fd, rustix::fs::FlockOperation::Unlock);
        }
    }

    /// The effective user and group ids, asked once.
    pub fn ids() -> (u32, u32) {
        static IDS: std::sync::OnceLock<(u32, u32)> = std::sync::OnceLock::new();
        *IDS.get_or_init(|| {
            (
                rustix::process::geteuid().as_raw(),
                rustix::process::getegid().as_raw(),
            )
        })
    }

    /// The process's umask, read once from /proc/self/status (Linux); `None` when it cannot be
    /// read (then every created file's mode is set explicitly).
    pub fn umask() -> Option<u32> {
        static UMASK: std::sync::OnceLock<Option<u32>> = std::sync::OnceLock::new();
        *UMASK.get_or_init(|| {
            let status = std::fs::read_to_string("/proc/self/status").ok()?;
            let line = status.lines().find(|l| l.starts_with("Umask:"))?;
            u32::from_str_radix(line.trim_start_matches("Umask:").trim(), 8).ok()
        })
    }

    /// Gives `file` the owner and group `uid`/`gid`; `false` when that is not permitted.
    pub fn chown(file: &File, uid: u32, gid: u32) -> bool {
        use rustix::fs::{Gid, Uid};
        rustix::fs::fchown(file, Some(Uid::from_raw(uid)), Some(Gid::from_raw(gid))).is_ok()
    }

    /// Raises this process's limit on open descriptors to the most it may have: a walk holds
    /// one descriptor per level of a deep tree.
    pub fn raise_descriptor_limit() {
        use rustix::process::{Resource, getrlimit, setrlimit};
        let l = getrlimit(Resource::Nofile);
        if let Some(max) = l.maximum
            && l.current.is_some_and(|c| c < max)
        {
            let mut want = l;
            want.current = Some(max);
            let _ = setrlimit(Resource::Nofile, want);
        }
    }
}

#[cfg(not(unix))]
mod imp {
    use super::*;

    impl Dir {
        pub fn open(path: &Path) -> Result<Dir, OpenError> {
            let m = std::fs::metadata(path)?;
            if !m.is_dir() {
                return Err(OpenError::Wrong(Kind::File));
            }
            Ok(Dir {
                path: path.to_path_buf(),
            })
        }

        pub fn child(&self, name: &OsStr) -> Result<Dir, OpenError> {
            let p = self.path.join(name);
            let m = std::fs::symlink_metadata(&p)?;
            if m.file_type().is_symlink() {
                return Err(OpenError::Link);
            }
            if !m.is_dir() {
                return Err(OpenError::Wrong(Kind::File));
            }
            Ok(Dir { path: p })
        }

        pub fn stat(&self) -> io::Result<Stat> {
            std::fs::metadata(&self.path).map(|m| stat_of_meta(&m))
        }

        pub fn stat_at(&self, name: &OsStr) -> io::Result<Stat> {
            std::fs::symlink_metadata(self.path.join(name)).map(|m| stat_of_meta(&m))
        }

        pub fn entries(&self) -> io::Result<Vec<(OsString, Kind)>> {
            let mut out = Vec::new();
            for e in std::fs::read_dir(&self.path)? {
                let e = e?;
                let t = e.file_type()?;
                let kind = if t.is_symlink() {
                    Kind::Link
                } else if t.is_dir() {
                    Kind::Dir
                } else if t.is_file() {
                    Kind::File
                } else {
                    Kind::Other
                };
                out.push((e.file_name(), kind));
            }
            Ok(out)
        }

        pub fn open_file(&self, name: &OsStr) -> Result<(File, Stat), OpenError> {
            let st = self.stat_at(name)?;
            match st.kind() {
                Kind::Link => return Err(OpenError::Link),
                Kind::File => {}
                k => return Err(OpenError::Wrong(k)),
            }
            Ok((File::open(self.path.join(name))?, st))
        }

        pub fn create(&self, name: &OsStr, _mode: u32) -> io::Result<File> {
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(self.path.join(name))
        }

        pub fn open_rw(&self, name: &OsStr) -> Result<File, OpenError> {
            Ok(std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(self.path.join(name))?)
        }

        pub fn rename(&self, from: &OsStr, to: &OsStr) -> io::Result<()> {
            std::fs::rename(self.path.join(from), self.path.join(to))
        }

        pub fn remove(&self, name: &OsStr) -> io::Result<()> {
            std::fs::remove_file(self.path.join(name))
        }

        pub fn make_dir(&self, name: &OsStr, _mode: u32) -> io::Result<()> {
            match std::fs::create_dir(self.path.join(name)) {
                Err(e) if e.kind() != io::ErrorKind::AlreadyExists => Err(e),
                _ => Ok(()),
            }
        }

        pub fn set_mode(&self, _mode: u32) -> io::Result<()> {
            Ok(())
        }

        pub fn may_write(&self, name: &OsStr) -> bool {
            std::fs::metadata(self.path.join(name)).is_ok_and(|m| !m.permissions().readonly())
        }

        pub fn creates_as(&self, _like: &Stat) -> bool {
            false
        }

        pub fn lock(&self) -> io::Result<Locked<'_>> {
            Ok(Locked(self))
        }

        pub fn sync(&self) -> io::Result<()> {
            Ok(())
        }

        pub fn sync_all_files(&self) -> io::Result<()> {
            Ok(())
        }
    }

    pub struct Locked<'a>(#[allow(dead_code)] &'a Dir);

    pub fn chown(_file: &File, _uid: u32, _gid: u32) -> bool {
        true
    }

    pub fn raise_descriptor_limit() {}
}

pub use imp::{Locked, chown, raise_descriptor_limit};

impl Dir {
    /// Reads the regular file `name` whole, refusing a link, anything but a regular file, and a
    /// file over `max` bytes (before reading it).
    pub fn read(&self, name: &OsStr, max: u64) -> Result<(Vec<u8>, Stat), ReadError> {
        use std::io::Read;
        let (mut file, st) = self.open_file(name).map_err(ReadError::Open)?;
        if st.size > max {
            return Err(ReadError::TooBig(st.size));
        }
        // Read into a buffer of the size fstat gave, with no further size probe or seek (a
        // file that grows meanwhile is read as far as it was: its stamp, checked before it is
        // replaced, tells the change).
        let size = usize::try_from(st.size).unwrap_or(0);
        let mut bytes = vec![0u8; size];
        let mut filled = 0;
        while filled < size {
            match file.read(&mut bytes[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(ReadError::Open(OpenError::Io(e))),
            }
        }
        bytes.truncate(filled);
        Ok((bytes, st))
    }
}

/// Why a file could not be read.
#[derive(Debug)]
pub enum ReadError {
    Open(OpenError),
    TooBig(u64),
}
