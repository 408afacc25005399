//! Files that decide where secrets go, or that hold them, must be the caller's own: a config
//! file found by walking up the folders, the token cache folder and its entries. A file is
//! trusted when the user running the tool owns it and no other user can write it (not
//! world-writable; group-writable only for the caller's own group, as with a user-private
//! group and umask 002). Elsewhere than Unix every file is trusted (no owners to compare).

use std::path::Path;

/// Why a file is not trusted, in words for an error message.
pub fn distrust(path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(path).ok()?;
        let me = rustix::process::geteuid().as_raw();
        let my_group = rustix::process::getegid().as_raw();
        if meta.uid() != me {
            return Some(format!(
                "it is owned by user id {}, not by you (user id {me})",
                meta.uid()
            ));
        }
        let mode = meta.mode();
        if mode & 0o002 != 0 {
            return Some("every user can write it".into());
        }
        if mode & 0o020 != 0 && meta.gid() != my_group {
            return Some(format!("the group with id {} can write it", meta.gid()));
        }
        None
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn own_files_are_trusted_unless_others_can_write_them() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("f");
        std::fs::write(&f, "").unwrap();
        let set = |m| std::fs::set_permissions(&f, std::fs::Permissions::from_mode(m)).unwrap();
        set(0o644);
        assert_eq!(distrust(&f), None);
        set(0o666);
        assert!(distrust(&f).unwrap().contains("every user"));
        set(0o600);
        assert_eq!(distrust(&f), None);
    }
}
