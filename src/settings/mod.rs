//! Arguments + environment + config profile → one checked [`Plan`] per command. Every option
//! check lives here; the commands only act on a plan. Precedence, for every key in
//! [`keys::ALL`]: flag, then environment variable, then the profile, then the default.

pub mod aws_config;
pub mod cognito;
pub mod files;
pub mod value;

use crate::redact::Shown as _;
use std::path::PathBuf;
use std::time::Duration;

use crate::cache;
use crate::cli::{CacheCommand, Cli, Command, ConfigCommand, HookArg, HookCommand};
use crate::cognito::source::CognitoSettings;
use crate::config::{self, Loaded};
pub use crate::env::Env;
use crate::error::Failure;
use crate::hooks::Hook;
use crate::keys::{self, Key, Origin, Shown};
use crate::ui::Ui;
pub use files::Collections;
use value::Setting;

/// What a command will do, checked before anything is read, signed in or written.
#[derive(Debug)]
pub enum Plan {
    Refresh(Box<RefreshPlan>),
    Token(Box<TokenPlan>),
    Exec(Box<ExecPlan>),
    Check(CheckPlan),
    Scrub(ScrubPlan),
    ConfigShow(ConfigShowPlan),
    CacheClear(CacheClearPlan),
    HookInstall {
        hook: Hook,
        force: bool,
    },
    HookUninstall {
        hook: Option<Hook>,
    },
    HookRun {
        hook: Hook,
        settings: crate::hooks::RunSettings,
    },
    /// `config profiles`: the names, for shell completion.
    Profiles(Vec<String>),
    Completions(clap_complete::Shell),
    Man {
        dir: Option<PathBuf>,
    },
}

pub use crate::token_source::{GivenChecks, TokenFrom};

#[derive(Debug)]
pub struct RefreshPlan {
    pub collections: Collections,
    pub output: Option<PathBuf>,
    pub check: bool,
    pub diff: bool,
    pub json: bool,
    /// Write `{{NAME}}` into collections instead of the token.
    pub token_var: Option<String>,
    /// Environment and globals files that get the token as variable `token_var`.
    pub variable_files: Vec<(PathBuf, crate::environment::Scope)>,
    /// The other identities, whose tokens the variable files get too.
    pub identities: Vec<(String, TokenFrom)>,
    /// An identity pool: the variable files get the user's AWS credentials too, and the
    /// collections an `awsv4` auth for service `aws_service`.
    pub identity_pool: Option<crate::cognito::identity_pool::Plan>,
    pub aws_service: String,
    pub aws_region: String,
    pub allow_tracked_token: bool,
    /// Grant settings for the Postman app, as (key, JSON text) params.
    pub grant_settings: Vec<(String, String)>,
    pub token: TokenFrom,
    pub env: Env,
}

impl RefreshPlan {
    /// The variable that environment and globals files get (`token_var`, else the default).
    pub fn variable(&self) -> &str {
        self.token_var
            .as_deref()
            .unwrap_or(crate::keys::DEFAULT_TOKEN_VAR)
    }
}

#[derive(Debug)]
pub struct TokenPlan {
    pub cognito: CognitoSettings,
    pub json: bool,
    pub env: Env,
}

/// What `exec` will run, and with which token.
pub struct ExecPlan {
    pub token: TokenFrom,
    /// The environment variable that gets the token.
    pub token_var: String,
    /// The other identities: each variable, and where its token comes from.
    pub identities: Vec<(String, TokenFrom)>,
    /// An identity pool: the user's AWS credentials are handed over too.
    pub identity_pool: Option<crate::cognito::identity_pool::Plan>,
    /// The runner, and its command line read.
    pub runner: &'static dyn crate::runner::Runner,
    pub command: crate::runner::Invocation,
    /// Variables the runner must not get: every secret the settings table names, the ones the
    /// profile names (`password_env`, ...), and the tool's own (`POSTMAN_COGNITO_*`).
    pub withheld: Vec<String>,
    pub env: Env,
}

impl std::fmt::Debug for ExecPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecPlan")
            .field("runner", &self.runner.name())
            .field("command", &self.command)
            .field("token_var", &self.token_var)
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
pub struct CheckPlan {
    pub collections: Collections,
    /// The declared identities' variables.
    pub identities: Vec<String>,
    /// Pass over files that are not collections.
    pub skip_other_files: bool,
    pub min_ttl: Duration,
    pub json: bool,
}

#[derive(Debug)]
pub struct ScrubPlan {
    pub files: Vec<PathBuf>,
    pub json: bool,
    /// Pass over files that are not Postman files.
    pub skip_other_files: bool,
    /// `{{NAME}}` replaces the tokens, else they are emptied.
    pub token_var: Option<String>,
    pub check: bool,
}

#[derive(Debug)]
pub struct ConfigShowPlan {
    /// The config file and the profile chosen from it.
    pub file: Option<(PathBuf, String)>,
    pub rows: Vec<Shown>,
    pub json: bool,
}

#[derive(Debug)]
pub struct CacheClearPlan {
    pub dir: PathBuf,
    /// The profile's entry; `None`: all of them.
    pub key: Option<cache::Key>,
}

/// Checks the command line against the environment and the config file and returns the plan.
pub fn resolve(cli: Cli, env: &Env, ui: &mut Ui) -> Result<Plan, Failure> {
    let g = &cli.global;
    ui.set_verbose(g.verbose);
    ui.set_quiet(g.quiet);
    Ok(match cli.command {
        Command::Refresh(a) => Plan::Refresh(Box::new(files::refresh(a, g, env, ui)?)),
        Command::Token(a) => {
            let mut r = Resolver::new(env, g, ui)?;
            let (specs, named) = files::identity_specs(&mut r, &a.cognito.identities)?;
            let cognito = match named.as_slice() {
                [] => cognito::required(&a.cognito, &mut r)?,
                [name] => {
                    // `token --identity NAME`: that declared identity's token.
                    let own = cognito::resolve(&a.cognito, &mut r, false)?;
                    let spec = specs.iter().find(|s| &s.variable == name).ok_or_else(|| {
                        Failure::usage(format!("no identity {name} is declared")).with_hint(
                            "declare it with --identity NAME=PROFILE, or in the profile's \
                                     identities",
                        )
                    })?;
                    files::identity_settings(spec, own.as_ref(), g, env, r.ui)?
                }
                _ => {
                    return Err(Failure::usage("token prints one identity's token")
                        .with_hint("give one --identity NAME"));
                }
            };
            Plan::Token(Box::new(TokenPlan {
                cognito,
                json: a.json,
                env: env.clone(),
            }))
        }
        Command::Exec(a) => Plan::Exec(Box::new(files::exec(a, g, env, ui)?)),
        Command::Check(a) => Plan::Check(files::check(a, g, env, ui)?),
        Command::Scrub(a) => Plan::Scrub(files::scrub(a, g, env, ui)?),
        Command::Config(ConfigCommand::Show(a)) => {
            let mut r = Resolver::new(env, g, ui)?;
            cognito::resolve(&a.cognito, &mut r, false)?;
            files::collection_keys(&mut r)?;
            files::identity_specs(&mut r, &a.cognito.identities)?;
            let p = r.profile();
            r.pick(
                &keys::IDENTITY_POOL_ID,
                a.cognito.identity_pool_id.clone(),
                p.identity_pool_id,
            )?;
            let p = r.profile();
            r.pick(&keys::AWS_REGION, None, p.aws_region.clone())?;
            r.pick(&keys::AWS_SERVICE, None, p.aws_service)?;
            r.shown
                .sort_by_key(|s| keys::ALL.iter().position(|k| k.name == s.key));
            Plan::ConfigShow(ConfigShowPlan {
                file: r.config.as_ref().map(|c| (c.path.clone(), c.name.clone())),
                rows: r.shown,
                json: a.json,
            })
        }
        Command::Config(ConfigCommand::Profiles) => {
            let named = g
                .config
                .clone()
                .or_else(|| env.get("POSTMAN_COGNITO_CONFIG").map(PathBuf::from));
            let home = env.absolute_dir("HOME");
            // Completion must never fail loudly: a file that cannot be trusted gives no names.
            let project = config::find(named.as_deref(), &env.cwd(), home.as_deref())
                .ok()
                .flatten();
            let user = config::user_file(env);
            let files: Vec<&std::path::Path> = project
                .iter()
                .chain(user.iter())
                .map(PathBuf::as_path)
                .collect();
            Plan::Profiles(config::profile_names(&files))
        }
        Command::Cache(CacheCommand::Clear(a)) => {
            let mut r = Resolver::new(env, g, ui)?;
            let args = a.cognito();
            let named = r.profile_asked
                || args.user_pool_id.is_some()
                || env.get(keys::USER_POOL_ID.env[0]).is_some();
            let settings = cognito::resolve(&args, &mut r, named)?;
            let key = match (named, settings) {
                (false, _) => None,
                (true, Some(s)) => Some(s.cache_key()),
                (true, None) => {
                    return Err(Failure::usage(
                        "the profile names no user pool, so it has no cache entry",
                    ));
                }
            };
            let dir = cache::default_dir(env)
                .ok_or_else(|| Failure::io("no cache folder: set XDG_CACHE_HOME or HOME"))?;
            Plan::CacheClear(CacheClearPlan { dir, key })
        }
        Command::Hook(HookCommand::Install { hook, force }) => Plan::HookInstall {
            hook: hook_of(hook),
            force,
        },
        Command::Hook(HookCommand::Uninstall { hook }) => Plan::HookUninstall {
            hook: hook.map(hook_of),
        },
        Command::Hook(HookCommand::Run { hook, .. }) => Plan::HookRun {
            hook: hook_of(hook),
            settings: files::hook_run(g, env, ui)?,
        },
        Command::Completions { shell } => Plan::Completions(shell),
        Command::Man { dir } => Plan::Man { dir },
    })
}

fn hook_of(h: HookArg) -> Hook {
    match h {
        HookArg::PrePush => Hook::PrePush,
        HookArg::PreCommit => Hook::PreCommit,
    }
}

/// Resolves values in precedence order and remembers where each came from.
pub struct Resolver<'a> {
    pub env: &'a Env,
    pub ui: &'a Ui,
    pub config: Option<Loaded>,
    /// A profile was chosen by flag or environment (not the default one).
    pub profile_asked: bool,
    pub shown: Vec<Shown>,
}

impl<'a> Resolver<'a> {
    /// Chooses the profile, then finds and loads the config file (`--config`, or found from the
    /// working folder).
    pub fn new(env: &'a Env, p: &crate::cli::GlobalArgs, ui: &'a Ui) -> Result<Self, Failure> {
        let mut r = Resolver {
            env,
            ui,
            config: None,
            profile_asked: false,
            shown: Vec::new(),
        };
        let profile = r.pick(&keys::PROFILE, p.profile.clone(), None)?;
        r.profile_asked = !matches!(r.shown.last().map(|s| &s.origin), Some(Origin::Default));
        let asked = r.profile_asked.then(|| profile.clone().unwrap_or_default());
        let home = env.absolute_dir("HOME");
        // --config, else POSTMAN_COGNITO_CONFIG, else found from the working folder; the user's
        // own file ($XDG_CONFIG_HOME/postman-cognito/config.toml) lies below it.
        let named = p.config.clone().or_else(|| {
            env.get("POSTMAN_COGNITO_CONFIG")
                .map(std::path::PathBuf::from)
        });
        let user = config::user_file(env);
        let project = config::find(named.as_deref(), &env.cwd(), home.as_deref())?;
        r.config = match project.or_else(|| user.clone()) {
            Some(path) => Some(config::load_layered(
                &path,
                user.as_deref(),
                asked.as_deref(),
            )?),
            None if asked.is_some() => {
                return Err(Failure::usage(format!(
                    "profile {:?} asked for, but there is no {} here or above (up to the repo root)",
                    asked.unwrap_or_default(),
                    config::FILE_NAME
                ))
                .with_hint("create one, or name it with --config"));
            }
            None => None,
        };
        Ok(r)
    }

    /// The chosen profile (empty when there is no config file).
    pub fn profile(&self) -> config::Profile {
        self.config
            .as_ref()
            .map(|c| c.profile.clone())
            .unwrap_or_default()
    }

    /// flag > environment variable > profile > default, recording where the value came from.
    pub fn pick<T: Setting>(
        &mut self,
        key: &Key,
        flag: Option<T>,
        profile: Option<T>,
    ) -> Result<Option<T>, Failure> {
        self.pick_derived(key, flag, profile, None)
    }

    /// [`Resolver::pick`] for a key whose default is worked out from other settings: `derived`.
    pub fn pick_derived<T: Setting>(
        &mut self,
        key: &Key,
        flag: Option<T>,
        profile: Option<T>,
        derived: Option<T>,
    ) -> Result<Option<T>, Failure> {
        let (value, origin) = self.choose(key, flag, profile, derived)?;
        self.shown.push(Shown {
            key: key.name,
            value: value.as_ref().map(|v| {
                if key.secret {
                    "<redacted>".into()
                } else {
                    v.show()
                }
            }),
            origin,
        });
        Ok(value)
    }

    fn choose<T: Setting>(
        &self,
        key: &Key,
        flag: Option<T>,
        profile: Option<T>,
        derived: Option<T>,
    ) -> Result<(Option<T>, Origin), Failure> {
        if let Some(v) = flag {
            return Ok((Some(v), Origin::Flag(key.flag.unwrap_or(key.name).into())));
        }
        for name in key.env {
            if let Some(text) = self.env.get(name) {
                let v = T::parse(text).map_err(|e| {
                    Failure::usage(format!("the environment variable {name} ({text:?}): {e}"))
                })?;
                return Ok((Some(v), Origin::Env((*name).into())));
            }
        }
        if let Some(v) = profile {
            return Ok((Some(v), Origin::Profile));
        }
        Ok(match key.default {
            keys::DefaultValue::Value(text) => {
                let v = T::parse(text).map_err(|e| {
                    Failure::internal(format!("the default of {} does not parse: {e}", key.name))
                })?;
                (Some(v), Origin::Default)
            }
            keys::DefaultValue::Derived(how) => (derived, Origin::Derived(how.into())),
            keys::DefaultValue::None => (None, Origin::Unset),
        })
    }

    /// Records a row whose value was found outside [`Resolver::pick`] (secrets, the cache).
    pub fn record(&mut self, key: &Key, value: Option<String>, origin: Origin) {
        self.shown.push(Shown {
            key: key.name,
            value,
            origin,
        });
    }

    /// "profile NAME in FILE", for messages.
    pub fn profile_label(&self) -> String {
        self.config
            .as_ref()
            .map(|c| format!("profile {} in {}", c.name, c.path.shown()))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests;
