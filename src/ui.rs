//! The one way out to the person at the terminal: every warning, note and report line on
//! stderr goes through a [`Ui`], so verbosity acts in one place and tests can capture every
//! line. Writing to stderr never fails a run and never panics: a closed stderr is no reason to
//! lose a write that already happened.

use std::fmt;
use std::io::Write;
use std::sync::{Arc, Mutex};

use crate::error::Failure;

/// The prefix of every warning and error line.
pub const PREFIX: &str = "postman-cognito";

/// A cheap, clonable handle on stderr (or on a buffer in tests) and the verbosity.
#[derive(Clone)]
pub struct Ui {
    out: Arc<Mutex<Box<dyn Write + Send>>>,
    verbose: bool,
    quiet: bool,
    /// The writer is a terminal: a status line may be drawn and cleared.
    terminal: bool,
}

impl fmt::Debug for Ui {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ui")
            .field("verbose", &self.verbose)
            .finish()
    }
}

impl Ui {
    /// A handle writing to `out`.
    pub fn new(out: Box<dyn Write + Send>) -> Self {
        Ui {
            out: Arc::new(Mutex::new(out)),
            verbose: false,
            quiet: false,
            terminal: false,
        }
    }

    /// The process's stderr.
    pub fn stderr() -> Self {
        use std::io::IsTerminal;
        let mut ui = Self::new(Box::new(std::io::stderr()));
        ui.terminal = std::io::stderr().is_terminal();
        ui
    }

    /// On a terminal, draws `text` as a status line (what the tool is waiting for), replacing
    /// the last one; `None` clears it. Nothing when stderr is not a terminal, or with `--quiet`.
    pub fn status(&self, text: Option<&str>) {
        if !self.terminal || self.quiet {
            return;
        }
        let line = match text {
            Some(t) => format!("\r{}\x1b[K", crate::redact::printable(t)),
            None => "\r\x1b[K".to_string(),
        };
        if let Ok(mut out) = self.out.lock() {
            let _ = out.write_all(line.as_bytes());
            let _ = out.flush();
        }
    }

    /// A handle whose lines are kept in memory, for tests; read them with [`Captured::text`].
    pub fn capture() -> (Self, Captured) {
        let buf = Captured::default();
        (Self::new(Box::new(buf.clone())), buf)
    }

    pub fn set_verbose(&mut self, verbose: bool) {
        self.verbose = verbose;
    }

    pub fn is_verbose(&self) -> bool {
        self.verbose
    }

    /// `--quiet`: report lines are not printed; warnings and errors still are.
    pub fn set_quiet(&mut self, quiet: bool) {
        self.quiet = quiet;
    }

    /// A line of the command's report (what was done to which file); none with `--quiet`.
    pub fn line(&self, text: &str) {
        if !self.quiet {
            self.write(&format!("{text}\n"));
        }
    }

    /// A line that matters even with `--quiet`: a problem found (`check`, `scrub --check`,
    /// the hooks), or something the person must act on (the browser sign-in URL).
    pub fn problem(&self, text: &str) {
        self.write(&format!("{text}\n"));
    }

    /// `postman-cognito: warning: ...`.
    pub fn warn(&self, text: &str) {
        self.write(&format!("{PREFIX}: warning: {text}\n"));
    }

    /// `postman-cognito: ...`, only with `-v`: what is being done (never secrets).
    pub fn note(&self, text: &str) {
        if self.verbose {
            self.write(&format!("{PREFIX}: {text}\n"));
        }
    }

    /// `postman-cognito: error: ...` and the hint.
    pub fn error(&self, f: &Failure) {
        let mut text = format!("{PREFIX}: error: {}\n", f.message);
        if let Some(hint) = &f.hint {
            text.push_str(&format!("  hint: {hint}\n"));
        }
        self.write(&text);
    }

    fn write(&self, text: &str) {
        let text = crate::redact::printable(text);
        if let Ok(mut out) = self.out.lock() {
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
        }
    }
}

/// Lines written to a [`Ui::capture`] handle.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    pub fn text(&self) -> String {
        self.0
            .lock()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_only_when_verbose_and_one_prefix() {
        let (mut ui, got) = Ui::capture();
        ui.note("hidden");
        ui.warn("careful");
        ui.set_verbose(true);
        ui.note("shown");
        ui.error(&Failure::usage("bad").with_hint("fix it"));
        assert_eq!(
            got.text(),
            "postman-cognito: warning: careful\npostman-cognito: shown\n\
             postman-cognito: error: bad\n  hint: fix it\n"
        );
    }

    /// A closed or broken stderr is ignored, never a panic.
    #[test]
    fn a_broken_writer_is_ignored() {
        struct Broken;
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Err(std::io::ErrorKind::BrokenPipe.into())
            }
        }
        let ui = Ui::new(Box::new(Broken));
        ui.warn("nobody reads this");
        ui.line("nor this");
    }
}
