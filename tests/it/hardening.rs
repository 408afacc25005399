//! Trying to break the file handling: SIGKILL at many points of a write (the file is always the
//! whole old or the whole new content, and no temporary file outlives the next run), a full
//! disk (a tiny tmpfs), permissions seen by an unprivileged user (root ignores file modes, so
//! those cases run the binary as `nobody` through setpriv), and a 1 GB file.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

#[allow(unused_imports)]
use crate::support;
use crate::support::*;
use predicates::prelude::*;
use serde_json::Value;

/// A collection of about `mb` MB, so that a write takes long enough to be interrupted.
fn big_collection(dir: &Path, mb: usize) -> std::path::PathBuf {
    let mut doc: Value =
        parse(&std::fs::read(fixture("collections/v21-tabs-oauth2.json")).unwrap());
    let items = doc["item"].as_array().unwrap().clone();
    let one = serde_json::to_vec(&items).unwrap().len();
    let copies = (mb << 20) / one + 1;
    let mut all = Vec::new();
    for _ in 0..copies {
        all.extend(items.iter().cloned());
    }
    doc["item"] = Value::Array(all);
    let path = dir.join("big.postman_collection.json");
    let mut text = serde_json::to_string_pretty(&doc)
        .unwrap()
        .replace("  ", "\t");
    text.push('\n');
    std::fs::write(&path, text).unwrap();
    path
}

fn temps_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".postman-cognito.tmp"))
        .collect()
}

/// A run on `file` ended at once (as by a SIGKILL) at a debug-build fail point: after the file
/// was staged (`STAGED`) or renamed (`RENAMES`).
fn killed_at(file: &Path, point: &str) {
    let o = std_bin()
        .arg("refresh")
        .arg(file)
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .env(format!("POSTMAN_COGNITO_DEBUG_ABORT_AFTER_{point}"), "1")
        .output()
        .unwrap();
    assert!(!o.status.success(), "the run was not stopped at {point}");
}

#[cfg(unix)]
#[test]
fn a_kill_after_staging_leaves_the_old_file_and_a_private_staged_one() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, file) = temp_copy(&fixture("collections/v21-tabs-oauth2.json"));
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let old = std::fs::read(&file).unwrap();
    killed_at(&file, "STAGED");
    assert_eq!(std::fs::read(&file).unwrap(), old, "the file changed");
    let temps = temps_in(dir.path());
    assert_eq!(temps.len(), 1, "{temps:?}");
    let mode = std::fs::metadata(dir.path().join(&temps[0]))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(
        mode & 0o077,
        0,
        "the staged file with the token is not private"
    );
    // The next run removes it, and completes.
    bin()
        .arg("refresh")
        .arg(&file)
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .assert()
        .success();
    assert_eq!(temps_in(dir.path()), Vec::<String>::new());
}

#[cfg(unix)]
#[test]
fn a_kill_right_after_the_rename_leaves_the_new_file_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let (_dir, file) = temp_copy(&fixture("collections/v21-tabs-oauth2.json"));
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    killed_at(&file, "RENAMES");
    let now = parse(&std::fs::read(&file).unwrap());
    assert_eq!(access_token(&now), TOKEN, "the new file is in place, whole");
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(
        mode, 0o600,
        "killed before its mode was given back: private"
    );
}

#[cfg(unix)]
#[test]
fn sigkill_at_any_moment_leaves_the_whole_old_or_the_whole_new_file() {
    let dir = tempfile::tempdir().unwrap();
    let original = big_collection(dir.path(), 1);
    let old = std::fs::read(&original).unwrap();
    let expected = dir.path().join("expected.json");
    // How long one writing run takes here (read, patch, check, write, flush, rename), to
    // spread the kills over its whole life.
    let t = std::time::Instant::now();
    bin()
        .args(["refresh", "-o", expected.to_str().unwrap()])
        .arg(&original)
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .assert()
        .success();
    let span = t.elapsed().as_micros().max(2_000) as u64 * 3 / 2;
    let new = std::fs::read(&expected).unwrap();
    assert_ne!(old, new);
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let file = work.join("api.postman_collection.json");
    let (mut olds, mut news) = (0, 0);
    // A few real kills at moments spread over a run (the fail points below prove each moment
    // that matters deterministically).
    let iterations = 16;
    for i in 0..iterations {
        std::fs::write(&file, &old).unwrap();
        let mut child = std_bin()
            .arg("refresh")
            .arg(&file)
            .env("POSTMAN_COGNITO_TOKEN", TOKEN)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(span * i / iterations));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let now = std::fs::read(&file).unwrap();
        if now == old {
            olds += 1;
        } else if now == new {
            news += 1;
        } else {
            panic!(
                "iteration {i}: the file is neither the old nor the new content ({} bytes)",
                now.len()
            );
        }
    }
    assert!(
        olds + news == iterations,
        "every kill left the old or the new file: {olds} old, {news} new"
    );
    // Killed runs may leave their temporary file; the next run removes them.
    bin()
        .arg("refresh")
        .arg(&file)
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .assert()
        .success();
    assert_eq!(temps_in(&work), Vec::<String>::new());
    eprintln!(
        "SIGKILL loop: {iterations} kills over {span} µs: {olds} left the old file, {news} the new one"
    );
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

#[cfg(unix)]
#[test]
fn a_full_disk_leaves_the_original_intact() {
    let dir = tempfile::tempdir().unwrap();
    let src = fixture("collections/v21-4space-no-auth.json");
    let size = std::fs::metadata(&src).unwrap().len();
    if is_root() {
        // A tmpfs with room for the original and not for a second copy.
        let mnt = dir.path().join("small");
        std::fs::create_dir(&mnt).unwrap();
        let kb = (size * 3 / 2) / 1024;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kb}k"), "tmpfs"])
            .arg(&mnt)
            .status()
            .unwrap();
        assert!(ok.success(), "mounting a tmpfs failed");
        struct Unmount<'a>(&'a Path);
        impl Drop for Unmount<'_> {
            fn drop(&mut self) {
                let _ = Command::new("umount").arg(self.0).status();
            }
        }
        let _guard = Unmount(&mnt);
        let file = mnt.join("api.json");
        std::fs::copy(&src, &file).unwrap();
        let before = std::fs::read(&file).unwrap();
        bin()
            .arg("refresh")
            .arg(&file)
            .env("POSTMAN_COGNITO_TOKEN", TOKEN)
            .assert()
            .code(4)
            .stderr(
                predicate::str::contains("could not write")
                    .and(predicate::str::contains("unchanged")),
            );
        assert_eq!(std::fs::read(&file).unwrap(), before);
        assert_eq!(temps_in(&mnt), Vec::<String>::new());
    } else {
        // Without root: a file-size limit makes the write fail the same way (the process is
        // stopped by SIGXFSZ); the original must be intact.
        let (_d, file) = temp_copy(&src);
        let before = std::fs::read(&file).unwrap();
        let bin_path = assert_cmd::cargo::cargo_bin("postman-cognito");
        let status = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "ulimit -f {}; exec \"$0\" refresh \"$1\"",
                size / 1024 / 2
            ))
            .arg(&bin_path)
            .arg(&file)
            .env("POSTMAN_COGNITO_TOKEN", TOKEN)
            .status()
            .unwrap();
        assert!(!status.success());
        assert_eq!(std::fs::read(&file).unwrap(), before);
    }
}

/// Runs the binary as an unprivileged user: as `nobody` through setpriv when the tests run as
/// root (root reads and writes whatever the modes say), else as the user running the tests.
#[cfg(unix)]
fn as_nobody(args: &[&str], file: &Path) -> std::process::Output {
    let bin = assert_cmd::cargo::cargo_bin("postman-cognito");
    let mut cmd = if is_root() {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(bin);
        c
    } else {
        Command::new(bin)
    };
    cmd.args(args)
        .arg(file)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .output()
        .expect("setpriv (util-linux) runs the test as an unprivileged user")
}

#[cfg(unix)]
#[test]
fn unreadable_files_and_read_only_folders_fail_cleanly() {
    use std::os::unix::fs::PermissionsExt;
    let set =
        |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    let root = tempfile::tempdir().unwrap();
    set(root.path(), 0o755);
    // Control: nobody can refresh a file in a folder it may write.
    let open = root.path().join("open");
    std::fs::create_dir(&open).unwrap();
    set(&open, 0o777);
    let ok = open.join("api.json");
    std::fs::copy(fixture("collections/v21-tabs-oauth2.json"), &ok).unwrap();
    set(&ok, 0o666);
    let out = as_nobody(&["refresh"], &ok);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // An unreadable file: exit 4, untouched.
    let secret = open.join("unreadable.json");
    std::fs::copy(fixture("collections/v21-tabs-oauth2.json"), &secret).unwrap();
    set(&secret, 0o000);
    let out = as_nobody(&["refresh"], &secret);
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("unreadable.json: permission denied"));
    // A read-only folder: the temporary file cannot be made; exit 4, untouched, nothing left.
    let ro = root.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    let file = ro.join("api.json");
    std::fs::copy(fixture("collections/v21-tabs-oauth2.json"), &file).unwrap();
    set(&file, 0o666);
    set(&ro, 0o555);
    let before = std::fs::read(&file).unwrap();
    let out = as_nobody(&["refresh"], &file);
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot create a temporary file"));
    assert_eq!(std::fs::read(&file).unwrap(), before);
    assert_eq!(std::fs::read_dir(&ro).unwrap().count(), 1);
    set(&ro, 0o755);
}

#[test]
fn a_1_gb_file_is_refused_without_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("huge.json");
    let f = std::fs::File::create(&file).unwrap();
    f.set_len(1 << 30).unwrap(); // sparse: no gigabyte is written
    bin()
        .arg("refresh")
        .arg(&file)
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .assert()
        .code(3)
        .stderr(
            predicate::str::contains("huge.json is 1024 MiB")
                .and(predicate::str::contains("up to 512 MiB")),
        );
    assert_eq!(std::fs::metadata(&file).unwrap().len(), 1 << 30);
}
