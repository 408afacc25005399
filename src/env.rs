//! A snapshot of the process environment, taken once in `main`: every variable the tool reads
//! (settings, secrets, the cache and config folders) is read from here, so tests can inject one.
//! A blank value counts as unset (CI systems export unset secrets as empty strings).

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use secrecy::SecretString;

/// The environment variables and the working folder of one run.
#[derive(Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
    cwd: Option<PathBuf>,
}

/// Names only: values may be secrets.
impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Env")
            .field("names", &self.vars.keys().collect::<Vec<_>>())
            .field("cwd", &self.cwd)
            .finish()
    }
}

impl Env {
    /// The process's environment (variables that are not UTF-8 are left out) and folder.
    pub fn from_process() -> Self {
        Env {
            vars: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
            cwd: std::env::current_dir().ok(),
        }
    }

    /// An environment holding only `pairs`, in folder `cwd` (for tests).
    pub fn of(pairs: &[(&str, &str)], cwd: Option<PathBuf>) -> Self {
        Env {
            vars: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            cwd,
        }
    }

    /// The same environment without the variables `drop` says to leave out.
    pub fn without(&self, drop: impl Fn(&str) -> bool) -> Env {
        Env {
            vars: self
                .vars
                .iter()
                .filter(|(k, _)| !drop(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            cwd: self.cwd.clone(),
        }
    }

    /// The value of `name`, trimmed; `None` when unset or blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// The names of the variables set (blank ones included).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.vars.keys().map(String::as_str)
    }

    /// Whether `name` is set but blank (for messages that say so).
    pub fn is_blank(&self, name: &str) -> bool {
        self.vars.get(name).is_some_and(|v| v.trim().is_empty())
    }

    /// A secret from `name`, trimmed; `None` when unset or blank.
    pub fn secret(&self, name: &str) -> Option<SecretString> {
        self.get(name).map(|v| SecretString::from(v.to_string()))
    }

    /// The working folder ("." when it cannot be read).
    pub fn cwd(&self) -> PathBuf {
        self.cwd.clone().unwrap_or_else(|| PathBuf::from("."))
    }

    /// An absolute folder from `name` (relative values are ignored, as the XDG spec says).
    pub fn absolute_dir(&self, name: &str) -> Option<PathBuf> {
        self.get(name)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn blank_is_unset_and_values_are_trimmed() {
        let env = Env::of(&[("A", " x "), ("B", ""), ("C", "  ")], None);
        assert_eq!(env.get("A"), Some("x"));
        assert_eq!(env.get("B"), None);
        assert_eq!(env.get("C"), None);
        assert!(env.is_blank("B") && !env.is_blank("A") && !env.is_blank("D"));
        assert_eq!(env.secret("A").unwrap().expose_secret(), "x");
    }

    #[test]
    fn debug_shows_names_not_values() {
        let env = Env::of(&[("COGNITO_PASSWORD", "hunter2")], None);
        let shown = format!("{env:?}");
        assert!(shown.contains("COGNITO_PASSWORD") && !shown.contains("hunter2"));
    }

    #[test]
    fn relative_folders_are_ignored() {
        let env = Env::of(&[("XDG_CACHE_HOME", "rel/cache"), ("ABS", "/c")], None);
        assert_eq!(env.absolute_dir("XDG_CACHE_HOME"), None);
        assert_eq!(env.absolute_dir("ABS"), Some(PathBuf::from("/c")));
    }
}
