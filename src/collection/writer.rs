//! Writing a document's planned edits, the same for every format: each changed file is staged
//! beside itself in its folder (opened again through the tree's folders, never through a link),
//! made in place of the file's old bytes and checked in memory before it is written, before any
//! is renamed; then the files are flushed to disk (each as it is staged when they are few, the file
//! system once when they are many) and renamed in the plan's order (a folder's children first,
//! the root last, one lock per folder), each only if it is still what was read, else read,
//! planned and staged again alone; finally the renames are made durable the same way.

use std::collections::{BTreeSet, HashSet, VecDeque};

use crate::atomic::{self, StagedAt, Stamp, WriteError};
use crate::collection::{AuthBlock, Document, Planned, Policy};
use crate::error::Failure;
use crate::folder::{Folders, Reopen};
use crate::redact::Shown as _;
use crate::splice;
use crate::ui::Ui;

/// Up to this many changed files, each is flushed to disk as it is staged; above, the file
/// system is flushed once (`syncfs`), which also waits on other processes' writes.
const SYNC_EACH: usize = 16;

/// How often a file that another run changed meanwhile is read and planned again.
pub const MAX_REREADS: u32 = 10;

/// One staged file.
struct Item {
    file: usize,
    staged: StagedAt,
    /// What the file must still be on disk to be replaced.
    stamp: Stamp,
    /// It holds the token itself: private until it is in place.
    secret: bool,
}

/// A document's changed files, staged. What is left staged when this is dropped (a failure on
/// the way) is removed.
pub struct Staged {
    folders: Folders,
    items: VecDeque<Item>,
    /// Every staged file is on disk already.
    synced: bool,
}

impl Drop for Staged {
    fn drop(&mut self) {
        let mut folders = Reopen::new(&self.folders);
        for item in self.items.drain(..) {
            if let Ok(dir) = folders.get(item.staged.folder) {
                item.staged.discard(dir);
            }
        }
    }
}

/// Stages every file `planned` changes; `secret`: the root gets the token itself (not a
/// `{{variable}}`), so its staged file is private until it is in place. Each file's new bytes
/// are made by the document ([`Document::edited`]), then checked before they are written: they
/// must read as the same kind of file, and (with `auth`) the root must hold it.
pub fn stage(
    doc: &mut dyn Document,
    planned: &Planned,
    auth: Option<&AuthBlock>,
    secret: bool,
) -> Result<Staged, Failure> {
    let folders = doc.folders().clone();
    // A few files are each flushed as they are staged; many, by one flush of the file system
    // once all are staged.
    let sync = planned.files.len() <= SYNC_EACH;
    let mut out = Staged {
        folders: folders.clone(),
        items: VecDeque::new(),
        synced: sync,
    };
    let mut reopen = Reopen::new(&folders);
    let mut cleaned = HashSet::new();
    for fe in &planned.files {
        let f = doc.file(fe.file);
        let dir = reopen.get(f.folder)?;
        if cleaned.insert(f.folder) {
            atomic::remove_stale_temps_at(dir);
        }
        let secret = secret && fe.file == doc.root_file();
        let like = f
            .stat
            .ok_or_else(|| Failure::internal("a file not read from disk"))?;
        let stamp = f.stamp.clone();
        let shown = f.path.shown();
        let unreadable = |m: String| {
            Failure::internal(format!(
                "patching {shown}: the result does not read back ({m}); nothing was written"
            ))
            .with_hint("please report this with the collection's structure (not its tokens)")
        };
        let (folder, name) = (f.folder, f.name.clone());
        // The new content is made (in place of the old for a large file), checked in memory,
        // and written from those very bytes.
        let new = doc.edited(fe.file, &fe.edits);
        doc.verify(fe.file, &new, auth).map_err(unreadable)?;
        let staged = atomic::stage_at(dir, folder, &name, &like, secret, sync, |w| {
            w.write_all(&new)
        })?;
        out.items.push_back(Item {
            file: fe.file,
            staged,
            stamp,
            secret,
        });
        atomic::fail_point("STAGED", out.items.len());
    }
    Ok(out)
}

/// Steps aside for a random moment so that racing runs do not collide again.
pub fn step_aside(tries: u32) {
    let mut r = [0u8; 1];
    let _ = getrandom::fill(&mut r);
    std::thread::sleep(std::time::Duration::from_millis(
        u64::from(r[0] % 20) * u64::from(tries),
    ));
}

impl Staged {
    /// Flushes every staged file to disk, then renames them into place one by one, each through
    /// its folder opened again. A file that another run changed meanwhile is read and planned
    /// again alone when `redo` says how (`refresh`: the auth and the policy), else refused.
    /// Finally makes the renames durable.
    pub fn commit(
        mut self,
        doc: &dyn Document,
        redo: Option<(&AuthBlock, Policy)>,
        ui: &Ui,
    ) -> Result<(), Failure> {
        if self.items.is_empty() {
            return Ok(());
        }
        let folders = self.folders.clone();
        let mut reopen = Reopen::new(&folders);
        if !self.synced {
            let root = reopen.get(0)?;
            root.sync_all_files().map_err(|e| {
                Failure::io(format!(
                    "could not flush {} to disk: {e}",
                    root.path.shown()
                ))
                .with_hint("the collection is unchanged; check the disk")
            })?;
        }
        let mut touched = BTreeSet::new();
        while let Some(item) = self.items.pop_front() {
            let folder = item.staged.folder;
            let dir = match reopen.get(folder) {
                Ok(d) => d,
                Err(e) => {
                    self.items.push_front(item);
                    return Err(e);
                }
            };
            touched.insert(folder);
            // The folder's lock is taken once for the files of it that come one after another.
            let _lock = dir.lock();
            let mut next = Some(item);
            while let Some(item) = next {
                if let Some(w) = commit_item(dir, item, doc, redo)? {
                    ui.warn(&w);
                }
                next = match self.items.front() {
                    Some(i) if i.staged.folder == folder => self.items.pop_front(),
                    _ => None,
                };
            }
        }
        // The renames made durable: each folder flushed when they are few, else the file
        // system once.
        if touched.len() <= SYNC_EACH {
            for f in touched {
                if let Ok(dir) = reopen.get(f) {
                    let _ = dir.sync();
                }
            }
        } else if let Ok(root) = reopen.get(0) {
            let _ = root.sync_all_files();
        }
        Ok(())
    }
}

/// Renames one staged file into place in `dir` (its lock held); when another run changed the
/// target meanwhile,
/// it is read and planned again alone, up to [`MAX_REREADS`] times.
fn commit_item(
    dir: &crate::fsat::Dir,
    item: Item,
    doc: &dyn Document,
    redo: Option<(&AuthBlock, Policy)>,
) -> Result<Option<String>, Failure> {
    let f = doc.file(item.file);
    let mut attempt = item.staged.commit_locked(dir, &item.stamp);
    let mut tries = 0;
    while let (Err(WriteError::Changed(_)), Some((auth, policy))) = (&attempt, redo) {
        if tries == MAX_REREADS {
            break;
        }
        tries += 1;
        step_aside(tries);
        let (bytes, stat) = Folders::read(dir, &f.name)?;
        let edits = doc.replan(item.file, &bytes, auth, policy)?;
        if !splice::changes(&bytes, &edits) {
            return Ok(None);
        }
        let mut new = bytes;
        splice::apply_in_place(&mut new, &edits);
        if let Err(m) = doc.verify(item.file, &new, Some(auth)) {
            return Err(Failure::internal(format!(
                "patching {}: the result does not read back ({m}); nothing was written",
                f.path.shown()
            )));
        }
        let staged = atomic::stage_at(dir, f.folder, &f.name, &stat, item.secret, true, |w| {
            w.write_all(&new)
        })?;
        attempt = staged.commit_locked(dir, &Stamp::of_stat(&stat));
    }
    attempt.map_err(WriteError::failure)
}
