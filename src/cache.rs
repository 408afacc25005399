//! The token cache: one file per endpoint + pool + client + username + flow in the user's cache
//! folder (`$XDG_CACHE_HOME/postman-cognito`, or the platform's), the folder readable by the
//! user only and the files read-write by the user only. Writes are atomic; an exclusive lock
//! per entry makes parallel runs wait for one sign-in instead of each doing their own. A
//! corrupt file is reported and replaced, never fatal.

use crate::redact::Shown as _;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::Failure;

const VERSION: u32 = 1;

/// A device Cognito remembers for this user: its key, its group, and the random password
/// whose verifier was confirmed with `ConfirmDevice`. Kept with the cached refresh token.
#[derive(Debug, Clone)]
pub struct Device {
    pub key: String,
    pub group_key: String,
    pub password: SecretString,
}

/// What identifies a cache entry.
#[derive(Debug, Clone)]
pub struct Key {
    pub endpoint: String,
    pub pool_id: String,
    pub client_id: String,
    pub username: String,
    pub flow: String,
}

impl Key {
    fn file_stem(&self) -> String {
        let mut h = Sha256::new();
        for part in [
            &self.endpoint,
            &self.pool_id,
            &self.client_id,
            &self.username,
            &self.flow,
        ] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        h.finalize()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// The tokens kept for one key.
#[derive(Clone)]
pub struct Entry {
    pub id: Option<SecretString>,
    pub access: SecretString,
    pub refresh: Option<SecretString>,
    /// `exp` of the id and access tokens (seconds since the epoch).
    pub id_expires_at: Option<i64>,
    pub access_expires_at: Option<i64>,
    /// The `cognito:username` claim, for SECRET_HASH when refreshing.
    pub cognito_username: Option<String>,
    /// The device Cognito remembers for this user on this machine (key, group, password).
    pub device: Option<Device>,
    /// The endpoint refreshes with REFRESH_TOKEN_AUTH only (it does not know
    /// GetTokensFromRefreshToken).
    pub legacy_refresh: bool,
    /// The user's AWS credentials from an identity pool, with their expiry.
    pub aws: Option<AwsEntry>,
}

/// AWS credentials an identity pool gave for this entry's user.
#[derive(Clone)]
pub struct AwsEntry {
    pub identity_pool_id: String,
    pub access_key_id: SecretString,
    pub secret_key: SecretString,
    pub session_token: SecretString,
    /// Seconds since the epoch.
    pub expiration: Option<i64>,
}

#[derive(Serialize, Deserialize)]
struct AwsOnDisk {
    identity_pool_id: String,
    access_key_id: String,
    secret_key: String,
    session_token: String,
    expiration: Option<i64>,
}

#[derive(Serialize, Deserialize)]
struct DeviceOnDisk {
    key: String,
    group_key: String,
    password: String,
}

#[derive(Serialize, Deserialize)]
struct OnDisk {
    version: u32,
    endpoint: String,
    pool_id: String,
    client_id: String,
    username: String,
    flow: String,
    id_token: Option<String>,
    access_token: String,
    refresh_token: Option<String>,
    id_expires_at: Option<i64>,
    access_expires_at: Option<i64>,
    cognito_username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    device: Option<DeviceOnDisk>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    legacy_refresh: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    aws: Option<AwsOnDisk>,
}

/// The cache folder, held open: every entry is opened through it, never through a link.
pub struct Cache {
    dir: crate::fsat::Dir,
}

/// The folder used: `$XDG_CACHE_HOME/postman-cognito` (when absolute, as the XDG spec says),
/// else the platform's cache folder.
pub fn default_dir(env: &crate::env::Env) -> Option<PathBuf> {
    env.absolute_dir("XDG_CACHE_HOME")
        .or_else(dirs::cache_dir)
        .map(|d| d.join("postman-cognito"))
}

/// Holds the lock on one entry until dropped.
pub struct Guard {
    _file: fs::File,
}

/// The largest cache entry read.
const MAX_ENTRY: u64 = 1 << 20;

impl Cache {
    /// Opens the cache folder `dir`, creating it (0700) if need be. The folder itself is opened
    /// without following a link, and must be the caller's own and writable by the caller alone:
    /// in a shared `XDG_CACHE_HOME`, another user could have planted a link or a folder there,
    /// to be given tokens (or to have the caller change the mode of, or clear, what it points
    /// to).
    pub fn open(dir: PathBuf) -> Result<Cache, Failure> {
        let io = |e: &dyn std::fmt::Display| {
            Failure::io(format!("cannot open the token cache {}: {e}", dir.shown()))
        };
        let refuse = |why: String| {
            Failure::io(format!("refusing the token cache {}: {why}", dir.shown())).with_hint(
                "the cache must be yours alone: remove that folder or link, set XDG_CACHE_HOME to \
                 a folder of your own, or run with --no-cache",
            )
        };
        let (Some(parent), Some(name)) = (dir.parent(), dir.file_name()) else {
            return Err(io(&"it has no parent folder"));
        };
        fs::create_dir_all(parent).map_err(|e| io(&e))?;
        let parent = crate::fsat::Dir::open(parent).map_err(|e| io(&e))?;
        parent.make_dir(name, 0o700).map_err(|e| io(&e))?;
        let opened = match parent.child(name) {
            Ok(d) => d,
            Err(crate::fsat::OpenError::Link) => {
                return Err(refuse(
                    "it is a symbolic link, which the cache never follows".into(),
                ));
            }
            Err(e) => return Err(io(&e)),
        };
        let st = opened.stat().map_err(|e| io(&e))?;
        if let Some(why) = st.distrust() {
            return Err(refuse(why));
        }
        opened.set_mode(0o700).map_err(|e| io(&e))?;
        Ok(Cache { dir: opened })
    }

    pub fn dir(&self) -> &Path {
        &self.dir.path
    }

    fn name(key: &Key) -> std::ffi::OsString {
        format!("{}.json", key.file_stem()).into()
    }

    /// Waits for the exclusive lock on `key`'s entry.
    pub fn lock(&self, key: &Key) -> Result<Guard, Failure> {
        let name = format!("{}.lock", key.file_stem());
        let shown = self.dir.path.join(&name);
        let file = self.dir.open_rw(name.as_ref()).map_err(|e| {
            Failure::io(format!("cannot open the cache lock {}: {e}", shown.shown()))
        })?;
        file.lock()
            .map_err(|e| Failure::io(format!("cannot lock {}: {e}", shown.shown())))?;
        Ok(Guard { _file: file })
    }

    /// The entry for `key`; a corrupt or foreign file (or a link) is reported on `warn` and
    /// ignored.
    pub fn get(&self, key: &Key, ui: &crate::ui::Ui) -> Option<Entry> {
        let name = Self::name(key);
        let shown = self.dir.path.join(&name);
        let ignored = |why: &str| {
            ui.warn(&format!(
                "ignoring the cached tokens in {}: {why}; signing in again and replacing them",
                shown.shown()
            ));
            None
        };
        let (bytes, st) = match self.dir.read(&name, MAX_ENTRY) {
            Ok(read) => read,
            Err(crate::fsat::ReadError::Open(e)) if e.not_found() => return None,
            Err(crate::fsat::ReadError::Open(e)) => return ignored(&e.to_string()),
            Err(crate::fsat::ReadError::TooBig(n)) => {
                return ignored(&format!("it is {n} bytes, more than an entry ever is"));
            }
        };
        if let Some(why) = st.distrust() {
            return ignored(&why);
        }
        let parsed: Result<OnDisk, _> = serde_json::from_slice(&bytes);
        match parsed {
            Ok(d)
                if d.version == VERSION
                    && d.endpoint == key.endpoint
                    && d.pool_id == key.pool_id
                    && d.client_id == key.client_id
                    && d.username == key.username
                    && d.flow == key.flow =>
            {
                Some(Entry {
                    id: d.id_token.map(SecretString::from),
                    access: SecretString::from(d.access_token),
                    refresh: d.refresh_token.map(SecretString::from),
                    id_expires_at: d.id_expires_at,
                    access_expires_at: d.access_expires_at,
                    cognito_username: d.cognito_username,
                    device: d.device.map(|v| Device {
                        key: v.key,
                        group_key: v.group_key,
                        password: SecretString::from(v.password),
                    }),
                    legacy_refresh: d.legacy_refresh,
                    aws: d.aws.map(|a| AwsEntry {
                        identity_pool_id: a.identity_pool_id,
                        access_key_id: SecretString::from(a.access_key_id),
                        secret_key: SecretString::from(a.secret_key),
                        session_token: SecretString::from(a.session_token),
                        expiration: a.expiration,
                    }),
                })
            }
            _ => {
                ui.warn(&format!(
                    "the cached tokens in {} are unreadable; signing in again and replacing them",
                    shown.shown()
                ));
                None
            }
        }
    }

    /// Stores `entry` for `key`, atomically, readable by the user only.
    pub fn put(&self, key: &Key, entry: &Entry) -> Result<(), Failure> {
        let d = OnDisk {
            version: VERSION,
            endpoint: key.endpoint.clone(),
            pool_id: key.pool_id.clone(),
            client_id: key.client_id.clone(),
            username: key.username.clone(),
            flow: key.flow.clone(),
            id_token: entry.id.as_ref().map(|s| s.expose_secret().to_string()),
            access_token: entry.access.expose_secret().to_string(),
            refresh_token: entry
                .refresh
                .as_ref()
                .map(|s| s.expose_secret().to_string()),
            id_expires_at: entry.id_expires_at,
            access_expires_at: entry.access_expires_at,
            cognito_username: entry.cognito_username.clone(),
            device: entry.device.as_ref().map(|v| DeviceOnDisk {
                key: v.key.clone(),
                group_key: v.group_key.clone(),
                password: v.password.expose_secret().to_string(),
            }),
            legacy_refresh: entry.legacy_refresh,
            aws: entry.aws.as_ref().map(|a| AwsOnDisk {
                identity_pool_id: a.identity_pool_id.clone(),
                access_key_id: a.access_key_id.expose_secret().to_string(),
                secret_key: a.secret_key.expose_secret().to_string(),
                session_token: a.session_token.expose_secret().to_string(),
                expiration: a.expiration,
            }),
        };
        let bytes = serde_json::to_vec(&d).map_err(|e| Failure::internal(e.to_string()))?;
        let name = Self::name(key);
        let shown = self.dir.path.join(&name);
        let io = |e: std::io::Error| {
            Failure::io(format!(
                "cannot write the token cache {}: {e}",
                shown.shown()
            ))
        };
        let mut r = [0u8; 8];
        let _ = getrandom::fill(&mut r);
        let tmp: std::ffi::OsString = format!(
            ".entry.{}.{}",
            std::process::id(),
            r.iter().map(|b| format!("{b:02x}")).collect::<String>()
        )
        .into();
        let written = (|| {
            let mut f = self.dir.create(&tmp, 0o600)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            self.dir.rename(&tmp, &name)
        })();
        if written.is_err() {
            let _ = self.dir.remove(&tmp);
        }
        written.map_err(io)
    }

    /// Removes `key`'s entry, or every entry; returns how many were removed. Only names in the
    /// cache folder itself are removed (a link among them is removed, never what it points to).
    pub fn clear(&self, key: Option<&Key>) -> Result<usize, Failure> {
        let io =
            |p: &Path, e: std::io::Error| Failure::io(format!("cannot remove {}: {e}", p.shown()));
        let names: Vec<std::ffi::OsString> = match key {
            Some(k) => vec![Self::name(k)],
            None => self
                .dir
                .entries()
                .map_err(|e| io(&self.dir.path, e))?
                .into_iter()
                .filter(|(n, kind)| {
                    Path::new(n).extension().is_some_and(|x| x == "json")
                        && matches!(kind, crate::fsat::Kind::File | crate::fsat::Kind::Link)
                })
                .map(|(n, _)| n)
                .collect(),
        };
        let mut removed = 0;
        for n in names {
            match self.dir.remove(&n) {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io(&self.dir.path.join(&n), e)),
            }
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(user: &str) -> Key {
        Key {
            endpoint: "https://e/".into(),
            pool_id: "us-east-1_X".into(),
            client_id: "c".into(),
            username: user.into(),
            flow: "srp".into(),
        }
    }

    fn entry() -> Entry {
        Entry {
            id: Some("id.tok.en".to_string().into()),
            access: "acc.tok.en".to_string().into(),
            refresh: Some("refresh".to_string().into()),
            id_expires_at: Some(100),
            access_expires_at: Some(100),
            cognito_username: Some("u".into()),
            device: Some(Device {
                key: "us-east-1_d1".into(),
                group_key: "-group".into(),
                password: "device-password".to_string().into(),
            }),
            legacy_refresh: false,
            aws: None,
        }
    }

    #[test]
    fn round_trip_private_and_corrupt_files_are_ignored() {
        let d = tempfile::tempdir().unwrap();
        let cache = Cache::open(d.path().join("pc")).unwrap();
        let (ui, warn) = crate::ui::Ui::capture();
        assert!(cache.get(&key("a"), &ui).is_none());
        cache.put(&key("a"), &entry()).unwrap();
        let got = cache.get(&key("a"), &ui).unwrap();
        assert_eq!(got.refresh.unwrap().expose_secret(), "refresh");
        let device = got.device.unwrap();
        assert_eq!(
            (device.key.as_str(), device.group_key.as_str()),
            ("us-east-1_d1", "-group")
        );
        assert_eq!(device.password.expose_secret(), "device-password");
        assert!(cache.get(&key("b"), &ui).is_none());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(cache.dir()), 0o700);
            assert_eq!(mode(&cache.dir().join(Cache::name(&key("a")))), 0o600);
        }
        fs::write(cache.dir().join(Cache::name(&key("a"))), "{not json").unwrap();
        assert!(cache.get(&key("a"), &ui).is_none());
        assert!(warn.text().contains("unreadable"));
        cache.put(&key("a"), &entry()).unwrap();
        assert!(cache.get(&key("a"), &ui).is_some());
        assert_eq!(cache.clear(None).unwrap(), 1);
    }
}
