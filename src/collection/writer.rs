//! Writing a document's planned edits, the same for every format: each changed file is staged
//! beside itself in its folder (opened again through the tree's folders, never through a link),
//! read back and checked, before any is renamed; then the files are flushed to disk together and
//! renamed in the plan's order (a folder's children first, the root last), each only if it is
//! still what was read, else read, planned and staged again alone.

use std::collections::{BTreeSet, HashSet, VecDeque};

use crate::atomic::{self, StagedAt, Stamp, WriteError};
use crate::collection::{AuthBlock, Document, Planned, Policy};
use crate::error::Failure;
use crate::folder::{Folders, Reopen};
use crate::redact::Shown as _;
use crate::splice;
use crate::ui::Ui;

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
/// `{{variable}}`), so its staged file is private until it is in place. Each file's bytes are
/// released by the document once staged, before the staged file is read back and checked: it
/// must read as the same kind of file, and (with `auth`) the root must hold it.
pub fn stage(
    doc: &mut dyn Document,
    planned: &Planned,
    auth: Option<&AuthBlock>,
    secret: bool,
) -> Result<Staged, Failure> {
    let folders = doc.folders().clone();
    let mut out = Staged {
        folders: folders.clone(),
        items: VecDeque::new(),
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
        let staged = atomic::stage_at(dir, f.folder, &f.name, &like, secret, |w| {
            splice::pieces(&f.bytes, &fe.edits).try_for_each(|piece| w.write_all(piece))
        })?;
        doc.release(fe.file);
        let back = staged.read_back(dir)?;
        if let Err(m) = doc.verify(fe.file, &back, auth) {
            staged.discard(dir);
            return Err(Failure::internal(format!(
                "patching {shown}: the result does not read back ({m}); nothing was written"
            ))
            .with_hint("please report this with the collection's structure (not its tokens)"));
        }
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
        let root = reopen.get(0)?;
        root.sync_all_files().map_err(|e| {
            Failure::io(format!(
                "could not flush {} to disk: {e}",
                root.path.shown()
            ))
            .with_hint("the collection is unchanged; check the disk")
        })?;
        let mut touched = BTreeSet::new();
        while let Some(item) = self.items.pop_front() {
            let dir = match reopen.get(item.staged.folder) {
                Ok(d) => d,
                Err(e) => {
                    self.items.push_front(item);
                    return Err(e);
                }
            };
            touched.insert(item.staged.folder);
            if let Some(w) = commit_item(dir, item, doc, redo)? {
                ui.warn(&w);
            }
        }
        for f in touched {
            if let Ok(dir) = reopen.get(f) {
                let _ = dir.sync();
            }
        }
        Ok(())
    }
}

/// Renames one staged file into place in `dir`; when another run changed the target meanwhile,
/// it is read and planned again alone, up to [`MAX_REREADS`] times.
fn commit_item(
    dir: &crate::fsat::Dir,
    item: Item,
    doc: &dyn Document,
    redo: Option<(&AuthBlock, Policy)>,
) -> Result<Option<String>, Failure> {
    let f = doc.file(item.file);
    let mut attempt = item.staged.commit(dir, &item.stamp);
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
        let staged = atomic::stage_at(dir, f.folder, &f.name, &stat, item.secret, |w| {
            splice::pieces(&bytes, &edits).try_for_each(|piece| w.write_all(piece))
        })?;
        let back = staged.read_back(dir)?;
        if let Err(m) = doc.verify(item.file, &back, Some(auth)) {
            staged.discard(dir);
            return Err(Failure::internal(format!(
                "patching {}: the result does not read back ({m}); nothing was written",
                f.path.shown()
            )));
        }
        attempt = staged.commit(dir, &Stamp::of_stat(&stat));
    }
    attempt.map_err(WriteError::failure)
}
