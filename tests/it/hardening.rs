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

#[cfg(unix)]
#[test]
fn sigkill_at_any_moment_leaves_the_whole_old_or_the_whole_new_file() {
    let dir = tempfile::tempdir().unwrap();
    let original = big_collection(dir.path(), 1);
    let old = std::fs::read(&original).unwrap();
    let expected = dir.path().join("expected.json");
    // How long one writing run takes here (read, patch, write, flush, read back, rename), to
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
    let iterations = 80;
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
        olds > 0 && news > 0,
        "the kills covered both sides of the rename: {olds} old, {news} new"
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
