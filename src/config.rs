//! `postman-cognito.toml`: found by walking up from the current folder to the repo root (or
//! named by `--config`), holding `[profile.NAME]` tables with everything the flags name. Secrets
//! are never values here: only the names of environment variables, or a `password_command`.

use crate::redact::Shown as _;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::Failure;

/// The file name looked for.
pub const FILE_NAME: &str = "postman-cognito.toml";
/// The profile used when none is chosen.
pub use crate::keys::DEFAULT_PROFILE;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    profile: BTreeMap<String, Profile>,
}

/// One profile, as written in the file (all optional; checked when resolved).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub user_pool_id: Option<String>,
    pub client_id: Option<String>,
    pub username: Option<String>,
    /// An identity pool (`us-east-1:...`): AWS credentials for the user.
    pub identity_pool_id: Option<String>,
    /// The AWS service `refresh`'s `awsv4` auth signs for (`execute-api`, `appsync`, `lambda`).
    pub aws_service: Option<String>,
    /// The AWS Region it signs for (where the API is; the identity pool's unless said).
    pub aws_region: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    /// The one non-loopback host plain http may go to (an emulator in docker compose).
    pub allow_http_host: Option<String>,
    pub domain: Option<String>,
    pub scope: Option<String>,
    pub flow: Option<crate::cli::FlowArg>,
    pub token: Option<crate::cli::TokenArg>,
    pub header_prefix: Option<String>,
    /// The variable collections send instead of a literal token (`{{token}}`).
    pub token_var: Option<String>,
    pub inherit: Option<crate::cli::InheritArg>,
    pub keep: Option<Vec<String>>,
    /// Folders or requests made to send another identity's variable: pattern = variable
    /// (`{ "Admin/**" = "token_admin" }`).
    pub assign: Option<std::collections::BTreeMap<String, String>>,
    /// Files or glob patterns, relative to the config file's folder (one string or a list).
    #[serde(default, deserialize_with = "one_or_many")]
    pub collections: Option<Vec<String>>,
    pub min_ttl: Option<Dur>,
    pub connect_timeout: Option<Dur>,
    pub timeout: Option<Dur>,
    pub retries: Option<u32>,
    pub client_auth: Option<crate::cli::ClientAuthArg>,
    pub callback_port: Option<u16>,
    pub browser_timeout: Option<Dur>,
    pub identity_provider: Option<String>,
    pub idp_identifier: Option<String>,
    /// `NAME=VALUE` user attributes sent with a new password (NEW_PASSWORD_REQUIRED).
    pub attributes: Option<Vec<String>>,
    /// Other identities: a variable, and the profile whose sign-in gives its token
    /// (`{ token_admin = "ci-admin" }`; `"ci-admin:access"` for the access token).
    pub identities: Option<std::collections::BTreeMap<String, String>>,
    /// Names of environment variables holding secrets.
    pub password_env: Option<String>,
    pub client_secret_env: Option<String>,
    pub refresh_token_env: Option<String>,
    pub totp_secret_env: Option<String>,
    /// A command whose standard output is the password (`pass show ...`, `op read ...`).
    pub password_command: Option<String>,
}

/// A duration in the file (`"10m"`, `"45s"`), parsed when the file is read, so that a bad one
/// is reported with the file's line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dur(pub std::time::Duration);

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        humantime::parse_duration(&text)
            .map(Dur)
            .map_err(|e| serde::de::Error::custom(format!("{e}; write it like \"10m\" or \"45s\"")))
    }
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(Some(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    }))
}

/// A loaded config file and the profile chosen from it.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub path: PathBuf,
    pub name: String,
    pub profile: Profile,
}

impl Loaded {
    /// The folder relative paths in the file are relative to.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }
}

/// Finds the config file: `explicit`, else the first `postman-cognito.toml` from `start` up to
/// the repo root (the first folder with `.git`) or the home folder `home`, whichever comes
/// first, else none. A file found that way must be the caller's own (see [`crate::trust`]): it
/// decides where the password goes, so a file another user planted or can edit is refused.
pub fn find(
    explicit: Option<&Path>,
    start: &Path,
    home: Option<&Path>,
) -> Result<Option<PathBuf>, Failure> {
    if let Some(p) = explicit {
        if !p.is_file() {
            return Err(Failure::usage(format!(
                "--config {}: no such file",
                p.shown()
            )));
        }
        return Ok(Some(p.to_path_buf()));
    }
    let mut dir = Some(start);
    while let Some(d) = dir {
        let candidate = d.join(FILE_NAME);
        if candidate.is_file() {
            if let Some(why) = crate::trust::distrust(&candidate) {
                return Err(Failure::usage(format!(
                    "refusing the config file {}: {why}",
                    candidate.shown()
                ))
                .with_hint(
                    "a config file decides where your password and tokens go, so it must be \
                     yours and writable by you alone: fix its owner or mode, or name the file \
                     you mean with --config",
                ));
            }
            return Ok(Some(candidate));
        }
        if d.join(".git").exists() || home.is_some_and(|h| h == d) {
            break;
        }
        dir = d.parent();
    }
    Ok(None)
}

/// Loads `path` and picks `profile` (or `default`). A profile that was asked for by name must
/// exist; the default one may be missing.
pub fn load(path: &Path, profile: Option<&str>) -> Result<Loaded, Failure> {
    load_layered(path, None, profile)
}

/// The user's own config file, below the project's: `$XDG_CONFIG_HOME/postman-cognito/config.toml`
/// (else `~/.config/...`), when it exists and is the user's own.
pub fn user_file(env: &crate::env::Env) -> Option<PathBuf> {
    let base = env
        .absolute_dir("XDG_CONFIG_HOME")
        .or_else(|| env.absolute_dir("HOME").map(|h| h.join(".config")))?;
    let path = base.join("postman-cognito").join("config.toml");
    path.is_file().then_some(path)
}

/// Loads `path` and, when given, the user's file `user` below it: a key in the project's profile
/// wins over the same key in the user's profile of that name. Each file is checked on its own,
/// so errors name the file and line where the bad value is.
pub fn load_layered(
    path: &Path,
    user: Option<&Path>,
    profile: Option<&str>,
) -> Result<Loaded, Failure> {
    let read = |p: &Path| -> Result<(String, ConfigFile), Failure> {
        let text = std::fs::read_to_string(p)
            .map_err(|e| Failure::io(format!("cannot read {}: {e}", p.shown())))?;
        let file: ConfigFile = toml::from_str(&text).map_err(|e| parse_error(p, &text, &e))?;
        Ok((text, file))
    };
    let (text, file) = read(path)?;
    let name = profile.unwrap_or(DEFAULT_PROFILE).to_string();
    let mut table = toml::Table::new();
    let mut known: Vec<String> = file.profile.keys().cloned().collect();
    if let Some(user) = user.filter(|u| *u != path) {
        if let Some(why) = crate::trust::distrust(user) {
            return Err(Failure::usage(format!(
                "refusing the config file {}: {why}",
                user.shown()
            )));
        }
        let (user_text, user_file) = read(user)?;
        known.extend(user_file.profile.keys().cloned());
        merge_profile(&mut table, &user_text, &name);
    }
    merge_profile(&mut table, &text, &name);
    let found = !table.is_empty() || file.profile.contains_key(&name) || known.contains(&name);
    if profile.is_some() && !found {
        known.sort();
        known.dedup();
        return Err(
            Failure::usage(format!("{}: there is no [profile.{name}]", path.shown())).with_hint(
                if known.is_empty() {
                    "the file has no profiles; add a [profile.NAME] table".to_string()
                } else {
                    format!("profiles in the file: {}", known.join(", "))
                },
            ),
        );
    }
    let profile: Profile = toml::Value::Table(table)
        .try_into()
        .map_err(|e: toml::de::Error| {
            Failure::usage(format!("{}: {}", path.shown(), e.message()))
        })?;
    Ok(Loaded {
        path: path.to_path_buf(),
        name,
        profile,
    })
}

/// The profile names of the files at `paths` (unreadable or broken files give none).
pub fn profile_names(paths: &[&Path]) -> Vec<String> {
    let mut names: Vec<String> = paths
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .filter_map(|t| toml::from_str::<ConfigFile>(&t).ok())
        .flat_map(|f| f.profile.into_keys())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Copies the keys of `[profile.NAME]` in `text` (already checked) over those in `into`.
fn merge_profile(into: &mut toml::Table, text: &str, name: &str) {
    let Ok(doc) = text.parse::<toml::Table>() else {
        return;
    };
    if let Some(toml::Value::Table(p)) = doc.get("profile").and_then(|ps| ps.get(name)) {
        for (k, v) in p {
            into.insert(k.clone(), v.clone());
        }
    }
}

fn parse_error(path: &Path, text: &str, e: &toml::de::Error) -> Failure {
    let (line, key) = match e.span() {
        Some(span) => {
            let line = 1 + text[..span.start.min(text.len())].matches('\n').count();
            let line_text = text.lines().nth(line - 1).unwrap_or("");
            let key = line_text
                .split_once('=')
                .map(|(k, _)| k.trim().to_string())
                .filter(|k| !k.is_empty() && !k.starts_with('['));
            (line.to_string(), key)
        }
        None => ("?".into(), None),
    };
    let message = e.message().trim().replace('\n', " ");
    // The hint about secrets only where someone tried to put one in the file.
    let secret_like = key.as_deref().is_some_and(|k| {
        let k = k.to_ascii_lowercase();
        ["pass", "secret", "token", "totp", "pwd"]
            .iter()
            .any(|w| k.contains(w))
            && !k.ends_with("_env")
            && k != "password_command"
    });
    let at = key.map(|k| format!("{k}: ")).unwrap_or_default();
    let hint = if secret_like {
        "secrets are never values in the file: use password_env, client_secret_env, \
         refresh_token_env, totp_secret_env (names of environment variables) or password_command"
    } else {
        "see the README's configuration section for every key and its values"
    };
    Failure::usage(format!("{}:{line}: {at}{message}", path.shown())).with_hint(hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, text: &str) -> PathBuf {
        let p = dir.join(FILE_NAME);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn finds_the_file_up_to_the_repo_root() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("repo/.git")).unwrap();
        std::fs::create_dir_all(d.path().join("repo/a/b")).unwrap();
        let p = write(&d.path().join("repo"), "");
        assert_eq!(
            find(None, &d.path().join("repo/a/b"), None).unwrap(),
            Some(p)
        );
        // Above the repo root is not searched.
        std::fs::remove_file(d.path().join("repo").join(FILE_NAME)).unwrap();
        write(d.path(), "");
        assert_eq!(find(None, &d.path().join("repo/a/b"), None).unwrap(), None);
        // Nor above the home folder, outside a repo.
        std::fs::create_dir_all(d.path().join("home/me/work")).unwrap();
        let home = d.path().join("home/me");
        assert_eq!(find(None, &home.join("work"), Some(&home)).unwrap(), None);
        let p = write(&home, "");
        assert_eq!(
            find(None, &home.join("work"), Some(&home)).unwrap(),
            Some(p)
        );
    }

    #[test]
    fn errors_name_the_file_line_and_key() {
        let d = tempfile::tempdir().unwrap();
        let p = write(
            d.path(),
            "[profile.default]\nuser_pool_id = \"us-east-1_X\"\npasword = \"hunter2\"\n",
        );
        let e = load(&p, None).unwrap_err();
        assert!(
            e.message.contains(":3: pasword: unknown field"),
            "{}",
            e.message
        );
        let p = write(d.path(), "[profile.dev]\nflow = \"magic\"\n");
        let e = load(&p, Some("dev")).unwrap_err();
        assert!(e.message.contains(":2: flow:"), "{}", e.message);
        assert!(e.message.contains("magic"), "{}", e.message);
        let p = write(d.path(), "[profile.dev]\nflow = \"password\"\n");
        let e = load(&p, Some("prod")).unwrap_err();
        assert!(e.message.contains("no [profile.prod]"));
        assert!(e.hint.unwrap().contains("dev"));
        let p = write(d.path(), "[profile.dev\n");
        assert!(load(&p, None).unwrap_err().message.contains(":1:"));
    }
}
