//! A collection kept as a folder of files (a Postman v3 collection, a Bruno collection), read
//! and written through folder descriptors. Every folder below the root is opened relative to its
//! parent without following a link, and remembered by its identity (device and inode); a write
//! opens the folder again the same way and checks that it is still the folder that was read, so
//! a link planted in the tree, or a folder swapped for one while the run waits for Cognito,
//! cannot redirect a read or a write out of the tree. Descriptors are held only along the path
//! being worked on: a deep tree holds one per level, a wide one a few.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use crate::error::Failure;
use crate::fsat::{Dir, Kind, OpenError, ReadError, Stat};
use crate::redact::Shown as _;

/// A folder of the tree: where it is and what it was when read.
#[derive(Debug, Clone)]
pub struct Folder {
    pub path: PathBuf,
    /// Its parent (`None` for the root).
    pub parent: Option<usize>,
    /// Its name in its parent.
    pub name: OsString,
    pub stat: Stat,
}

/// The folders of a tree read so far; folder 0 is the root.
#[derive(Debug, Clone)]
pub struct Folders {
    pub list: Vec<Folder>,
}

/// The largest file read in a tree.
pub const MAX_FILE_BYTES: u64 = crate::fsat::MAX_FILE_BYTES;

/// A link inside a tree, refused with its place.
pub fn link_refused(path: &Path) -> Failure {
    Failure::bad_input(format!(
        "{} is a symbolic link inside a collection folder; postman-cognito follows no link there",
        path.shown()
    ))
    .with_hint(
        "replace the link with the file or folder itself (a link there could send the token out \
         of the collection); nothing was written",
    )
}

/// Why `path` could not be opened, as a failure.
pub fn open_failure(path: &Path, e: OpenError) -> Failure {
    match e {
        OpenError::Link => link_refused(path),
        OpenError::Wrong(Kind::Dir) => Failure::bad_input(format!(
            "{} is a folder, where a file was expected",
            path.shown()
        )),
        OpenError::Wrong(Kind::File) => Failure::bad_input(format!(
            "{} is a file, where a folder was expected",
            path.shown()
        )),
        OpenError::Wrong(_) => Failure::bad_input(format!(
            "{} is not a regular file (a pipe, a device or a socket)",
            path.shown()
        )),
        OpenError::Io(e) => Failure::io(format!("cannot read {}: {e}", path.shown())),
    }
}

impl Folders {
    /// Opens the root folder (a link in its own path is followed: the user named it).
    pub fn open_root(path: &Path) -> Result<(Folders, Dir), Failure> {
        crate::fsat::raise_descriptor_limit();
        let dir = Dir::open(path).map_err(|e| open_failure(path, e))?;
        let stat = dir
            .stat()
            .map_err(|e| Failure::io(format!("cannot read {}: {e}", path.shown())))?;
        Ok((
            Folders {
                list: vec![Folder {
                    path: path.to_path_buf(),
                    parent: None,
                    name: OsString::new(),
                    stat,
                }],
            },
            dir,
        ))
    }

    /// Opens the subfolder `name` of folder `parent` (open as `dir`), refusing a link, and
    /// records it; returns its number and the open folder.
    pub fn enter(
        &mut self,
        parent: usize,
        dir: &Dir,
        name: &OsStr,
    ) -> Result<(usize, Dir), Failure> {
        let path = dir.path.join(name);
        let child = dir.child(name).map_err(|e| open_failure(&path, e))?;
        let stat = child
            .stat()
            .map_err(|e| Failure::io(format!("cannot read {}: {e}", path.shown())))?;
        self.list.push(Folder {
            path,
            parent: Some(parent),
            name: name.to_os_string(),
            stat,
        });
        Ok((self.list.len() - 1, child))
    }

    /// The names in an open folder, sorted, with what each is.
    pub fn entries(dir: &Dir) -> Result<Vec<(OsString, Kind)>, Failure> {
        let mut v = dir
            .entries()
            .map_err(|e| Failure::io(format!("cannot read {}: {e}", dir.path.shown())))?;
        v.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(v)
    }

    /// Reads the regular file `name` of an open folder, refusing a link, anything but a regular
    /// file and a file over the size limit.
    pub fn read(dir: &Dir, name: &OsStr) -> Result<(Vec<u8>, Stat), Failure> {
        let path = dir.path.join(name);
        dir.read(name, MAX_FILE_BYTES).map_err(|e| match e {
            ReadError::Open(e) => open_failure(&path, e),
            ReadError::TooBig(n) => Failure::bad_input(format!(
                "{} is {} MiB; postman-cognito reads files up to {} MiB",
                path.shown(),
                n >> 20,
                MAX_FILE_BYTES >> 20
            )),
        })
    }

    /// The folders from the root down to `i`.
    fn chain(&self, i: usize) -> Vec<usize> {
        let mut chain = vec![i];
        while let Some(p) = self.list[*chain.last().expect("not empty")].parent {
            chain.push(p);
        }
        chain.reverse();
        chain
    }
}

/// Opens the folders of a tree again, for writing: each through its parent without following a
/// link, checked to be the folder that was read. Keeps the folders along the last path open, so
/// that visiting folders in the tree's order opens each once.
pub struct Reopen<'a> {
    folders: &'a Folders,
    open: Vec<(usize, Dir)>,
}

impl<'a> Reopen<'a> {
    pub fn new(folders: &'a Folders) -> Self {
        Reopen {
            folders,
            open: Vec::new(),
        }
    }

    /// Folder `i`, open.
    pub fn get(&mut self, i: usize) -> Result<&Dir, Failure> {
        let chain = self.folders.chain(i);
        let keep = self
            .open
            .iter()
            .zip(&chain)
            .take_while(|((a, _), b)| a == *b)
            .count();
        self.open.truncate(keep);
        for &f in &chain[keep..] {
            let folder = &self.folders.list[f];
            let swapped = || {
                Failure::io(format!(
                    "{} changed while postman-cognito was running (it is not the folder that was \
                     read: replaced, or swapped for a link); nothing more was written",
                    folder.path.shown()
                ))
                .with_hint("run the command again once nothing else changes the folder")
            };
            let dir = match self.open.last() {
                None => Dir::open(&folder.path).map_err(|e| open_failure(&folder.path, e))?,
                Some((_, parent)) => parent.child(&folder.name).map_err(|e| match e {
                    OpenError::Link => swapped(),
                    e => open_failure(&folder.path, e),
                })?,
            };
            let now = dir
                .stat()
                .map_err(|e| Failure::io(format!("cannot read {}: {e}", folder.path.shown())))?;
            if !now.same(&folder.stat) {
                return Err(swapped());
            }
            self.open.push((f, dir));
        }
        Ok(&self.open.last().expect("the chain is not empty").1)
    }
}
