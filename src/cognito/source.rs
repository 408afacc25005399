//! The token source that signs in to Cognito: checked settings in, a checked token out. With
//! the cache on, a cached token that stays valid for `min_ttl` costs no network call; else the
//! cached refresh token is used (no password, no MFA prompt); only if that fails is there a
//! new sign-in. The cache entry is locked meanwhile, so parallel runs sign in once.

use crate::redact::Shown as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::api::{Api, CallPolicy};
use super::errors::Context;
use super::signin::{Answers, Device, Options, RefreshError, SignIn, Start, Tokens};
use crate::cache::{self, Cache};
use crate::env::Env;
use crate::error::{Exit, Failure};
use crate::jwt::{self, Expected, TokenKind};
use crate::secrets_input::{StdinSecrets, interactive, prompt};
use crate::token::{Token, TokenSet, TokenSource};
use crate::ui::Ui;

/// How to sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Srp,
    Password,
    UserAuth,
    Refresh,
    Browser,
    ClientCredentials,
    /// GetClientToken (a machine client's access token, no domain).
    ClientToken,
}

impl Flow {
    pub fn as_str(self) -> &'static str {
        match self {
            Flow::Srp => "srp",
            Flow::Password => "password",
            Flow::UserAuth => "user-auth",
            Flow::Refresh => "refresh",
            Flow::Browser => "browser",
            Flow::ClientCredentials => "client-credentials",
            Flow::ClientToken => "client-token",
        }
    }

    /// Flows through the domain's OAuth 2.0 endpoints rather than the cognito-idp API (and
    /// GetClientToken, a machine's token as client credentials give it).
    pub fn is_oauth(self) -> bool {
        matches!(
            self,
            Flow::Browser | Flow::ClientCredentials | Flow::ClientToken
        )
    }

    /// A machine client's flows: an access token, no user.
    pub fn is_machine(self) -> bool {
        matches!(self, Flow::ClientCredentials | Flow::ClientToken)
    }
}

/// The OAuth 2.0 side of the settings (Hosted UI and client credentials).
#[derive(Debug, Clone)]
pub struct OAuthSettings {
    /// The pool's domain; `None`: read the endpoints from the OIDC discovery document.
    pub domain: Option<String>,
    pub scope: String,
    pub client_auth: super::oauth::ClientAuth,
    pub callback_port: Option<u16>,
    pub browser_timeout: Duration,
    /// `identity_provider` or `idp_identifier` and its value, for the authorize URL.
    pub idp: Option<(&'static str, String)>,
}

/// Where a secret may come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretFrom {
    /// The next line of standard input, for this flag.
    Stdin(&'static str),
    /// An environment variable.
    Env(String),
    /// The standard output of a shell command (`password_command`).
    Command(String),
}

/// Where each secret comes from, tried in order.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    pub password: Vec<SecretFrom>,
    pub refresh: Vec<SecretFrom>,
    pub client_secret: Vec<SecretFrom>,
    pub totp: Vec<SecretFrom>,
}

/// Everything needed to get a token from Cognito, checked.
#[derive(Debug, Clone)]
pub struct CognitoSettings {
    pub pool_id: String,
    pub client_id: String,
    pub username: Option<String>,
    pub region: String,
    pub endpoint: String,
    /// The endpoint was set by the user (an emulator, a VPC endpoint): any issuer is accepted.
    pub endpoint_overridden: bool,
    /// `--allow-http-host`: the one non-loopback host plain http may go to.
    pub allow_http_host: Option<String>,
    pub flow: Flow,
    pub kind: TokenKind,
    pub secrets: Secrets,
    pub new_password_stdin: bool,
    /// `--setup-mfa`: enrol a TOTP authenticator when Cognito asks (MFA_SETUP).
    pub setup_mfa: bool,
    /// `--attribute NAME=VALUE` and the profile's `attributes`: sent with a new password.
    pub attributes: Vec<(String, String)>,
    /// The cache folder; `None` with `--no-cache`.
    pub cache_dir: Option<PathBuf>,
    pub min_ttl: Duration,
    pub policy: CallPolicy,
    pub oauth: OAuthSettings,
}

impl CognitoSettings {
    /// The authorize and token endpoints: from the domain, else from OIDC discovery.
    pub fn oauth_endpoints(
        &self,
        http: &reqwest::Client,
        rt: &tokio::runtime::Runtime,
    ) -> Result<super::oauth::Endpoints, Failure> {
        if let Some(d) = &self.oauth.domain {
            return Ok(super::oauth::from_domain(d));
        }
        // The endpoint in use: the emulator's, or the regional (or FIPS) AWS one.
        let base = self.endpoint.trim_end_matches('/').to_string();
        let url = format!("{base}/{}/.well-known/openid-configuration", self.pool_id);
        rt.block_on(super::oauth::discover(
            http,
            &url,
            self.allow_http_host.as_deref(),
        ))
    }

    pub fn cache_key(&self) -> cache::Key {
        cache::Key {
            endpoint: self.endpoint.clone(),
            pool_id: self.pool_id.clone(),
            client_id: self.client_id.clone(),
            username: self.username.clone().unwrap_or_default(),
            flow: self.flow.as_str().into(),
        }
    }
}

/// GetClientToken: a machine client's access token from the cognito-idp API (`ClientId`,
/// `Secret`, the scopes as a list), for clients that allow `ALLOW_CLIENT_TOKEN_AUTH`; no
/// domain, no refresh token.
async fn client_token(
    api: &super::api::Api,
    s: &CognitoSettings,
    secret: &SecretString,
) -> Result<Tokens, Failure> {
    let mut body = serde_json::json!({"ClientId": s.client_id, "Secret": secret.expose_secret()});
    let scopes: Vec<&str> = s.oauth.scope.split_whitespace().collect();
    if !scopes.is_empty() {
        body["Scopes"] = serde_json::json!(scopes);
    }
    let resp = api.call("GetClientToken", &body).await.map_err(|e| {
        let shown = super::api::said(&e);
        let refused_flow = shown.contains("ALLOW_CLIENT_TOKEN_AUTH")
            || shown.to_ascii_lowercase().contains("not enabled")
            || shown.to_ascii_lowercase().contains("not allowed");
        let f = Failure::new(Exit::Auth, format!("GetClientToken was refused: {shown}"));
        if refused_flow {
            f.with_hint(
                "allow ALLOW_CLIENT_TOKEN_AUTH in the app client's authentication flows, or give \
                 the pool's --domain to use its /oauth2/token",
            )
        } else {
            f.with_hint("check the app client id and its secret (COGNITO_CLIENT_SECRET)")
        }
    })?;
    let r = resp.get("ClientAuthenticationResult").ok_or_else(|| {
        Failure::new(
            Exit::Network,
            "GetClientToken answered without ClientAuthenticationResult",
        )
    })?;
    let access = r
        .get("AccessToken")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| Failure::new(Exit::Network, "GetClientToken answered without a token"))?;
    Ok(Tokens {
        id: None,
        access: SecretString::from(access.to_string()),
        refresh: None,
        expires_in: r.get("ExpiresIn").and_then(serde_json::Value::as_i64),
        device: None,
        legacy_refresh: false,
    })
}

/// Names of the environment variables secrets come from by default.
pub use crate::keys::{CLIENT_SECRET_ENV, PASSWORD_ENV, REFRESH_TOKEN_ENV, TOTP_SECRET_ENV};

pub struct CognitoSource {
    pub settings: CognitoSettings,
    stdin: StdinSecrets,
    env: Env,
    ui: Ui,
}

impl CognitoSource {
    pub fn new(settings: CognitoSettings, stdin: StdinSecrets, env: Env, ui: Ui) -> Self {
        CognitoSource {
            settings,
            stdin,
            env,
            ui,
        }
    }

    /// The first secret found among `names` (environment variables).
    fn env_secret(&self, names: &[SecretFrom]) -> Option<SecretString> {
        names.iter().find_map(|n| match n {
            SecretFrom::Env(name) => self.env.secret(name),
            _ => None,
        })
    }
}

struct EnvAnswers<'a> {
    stdin: &'a mut StdinSecrets,
    new_password_stdin: bool,
    totp: Option<SecretString>,
}

impl Answers for EnvAnswers<'_> {
    fn totp_code(&mut self) -> Result<Option<String>, Failure> {
        if let Some(secret) = &self.totp {
            let now = u64::try_from(jwt::now()).unwrap_or_default();
            return super::totp::code(secret.expose_secret(), now).map(Some);
        }
        self.typed_code("the code from your authenticator app")
    }

    fn has_totp_secret(&self) -> bool {
        self.totp.is_some()
    }

    fn can_type(&self) -> bool {
        interactive()
    }

    fn typed_code(&mut self, what: &str) -> Result<Option<String>, Failure> {
        if !interactive() {
            return Ok(None);
        }
        Ok(prompt(&format!("Enter {what}: ")).map(|s| s.expose_secret().to_string()))
    }

    fn new_password(&mut self) -> Result<Option<SecretString>, Failure> {
        if !self.new_password_stdin {
            return Ok(None);
        }
        self.stdin
            .take("--new-password-stdin", "the new password")
            .map(Some)
    }
}

impl TokenSource for CognitoSource {
    fn fetch(&mut self) -> Result<Token, Failure> {
        let s = self.settings.clone();
        let Some(dir) = s.cache_dir.clone() else {
            let (tokens, _) = self.network(None, None)?;
            return checked_token(&s, tokens, None, &self.ui);
        };
        let cache = Cache::open(dir)?;
        let key = s.cache_key();
        let _guard = cache.lock(&key)?;
        let cached = cache.get(&key, &self.ui);
        if let Some(entry) = &cached {
            let (present, exp) = match s.kind {
                TokenKind::Id => (entry.id.is_some(), entry.id_expires_at),
                TokenKind::Access => (true, entry.access_expires_at),
            };
            let fresh = exp.is_some_and(|e| e - jwt::now() >= secs(s.min_ttl));
            // A cached token is used only if it still passes every check.
            if present
                && fresh
                && let Ok(t) = checked_token(&s, tokens_of(entry), Some("cached"), &self.ui)
            {
                self.ui.note(&format!(
                    "using the cached token from {} (valid at least --min-ttl {}; no network call)",
                    cache.dir().shown(),
                    humantime::format_duration(s.min_ttl)
                ));
                return Ok(t);
            }
            self.ui.note(
                "the cached token is not usable as it is (missing, within --min-ttl of its expiry, \
                 or failing its checks); trying the cached refresh token",
            );
        }
        let device = cached.as_ref().and_then(|e| e.device.clone());
        let refresh = cached.as_ref().and_then(|e| {
            e.refresh.clone().map(|token| CachedRefresh {
                token,
                username: e.cognito_username.clone(),
                legacy: e.legacy_refresh,
            })
        });
        let (tokens, refreshed) = self.network(refresh, device)?;
        let token = checked_token(
            &s,
            tokens.clone(),
            refreshed.then_some("refreshed"),
            &self.ui,
        )?;
        let entry = entry_of(&tokens, &token);
        cache.put(&key, &entry)?;
        Ok(token)
    }
}

/// The outcome of trying a cached refresh token: the tokens, `None` when it was refused (sign
/// in again), or a failure that stops the run (the network).
fn after_refresh(result: Result<Tokens, RefreshError>, ui: &Ui) -> Result<Option<Tokens>, Failure> {
    match result {
        Ok(t) => Ok(Some(t)),
        Err(RefreshError::Refused(e)) => {
            ui.note(&format!(
                "the cached refresh token was refused ({}); signing in again",
                e.message
            ));
            Ok(None)
        }
        Err(RefreshError::Failed(e)) => Err(e),
    }
}

/// A current-thread runtime for the network calls of one run.
/// A runtime for one blocking run of calls.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::internal(format!("cannot start the async runtime: {e}")))
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

fn tokens_of(e: &cache::Entry) -> Tokens {
    Tokens {
        id: e.id.clone(),
        access: e.access.clone(),
        refresh: e.refresh.clone(),
        expires_in: None,
        device: e.device.clone(),
        legacy_refresh: e.legacy_refresh,
    }
}

/// A refresh token from the cache, with what refreshing it needs.
struct CachedRefresh {
    token: SecretString,
    /// Its `cognito:username`, for SECRET_HASH (REFRESH_TOKEN_AUTH only).
    username: Option<String>,
    /// The endpoint knows REFRESH_TOKEN_AUTH only.
    legacy: bool,
}

fn entry_of(t: &Tokens, checked: &Token) -> cache::Entry {
    let exp = |tok: &SecretString| jwt::claims(tok.expose_secret()).ok().and_then(|c| c.exp);
    cache::Entry {
        id: t.id.clone(),
        access: t.access.clone(),
        refresh: t.refresh.clone(),
        id_expires_at: t.id.as_ref().and_then(exp),
        access_expires_at: exp(&t.access),
        cognito_username: checked.set.as_ref().and_then(|s| s.username.clone()),
        device: t.device.clone(),
        legacy_refresh: t.legacy_refresh,
        aws: None,
    }
}

impl CognitoSource {
    /// Gets tokens over the network: with a cached refresh token first (when given), falling
    /// back to a sign-in if Cognito refuses it. `device` is the remembered device, if any.
    fn network(
        &mut self,
        cached_refresh: Option<CachedRefresh>,
        device: Option<Device>,
    ) -> Result<(Tokens, bool), Failure> {
        let s = self.settings.clone();
        if s.flow.is_oauth() {
            return self.oauth_network(cached_refresh.map(|c| c.token));
        }
        let client_secret = self.env_secret(&s.secrets.client_secret);
        let cx = Context {
            endpoint: &s.endpoint,
            pool_id: &s.pool_id,
            client_id: &s.client_id,
            username: s.username.as_deref(),
            flow: s.flow.as_str(),
            has_secret: client_secret.is_some(),
            tries: s.policy.retries + 1,
            timeout: s.policy.timeout,
        };
        let api =
            Api::new(&s.endpoint, s.policy.clone()).map_err(|e| Failure::new(Exit::Network, e))?;
        let runtime = runtime()?;
        let ui = self.ui.clone();
        let options = Options {
            setup_mfa: s.setup_mfa,
            attributes: s.attributes.clone(),
            remember_device: s.cache_dir.is_some(),
        };
        let signin = SignIn {
            api: &api,
            pool_id: &s.pool_id,
            client_id: &s.client_id,
            client_secret: client_secret.as_ref(),
            cx,
            ui: &ui,
            options: &options,
            device,
        };
        if let Some(c) = cached_refresh {
            let hash_user = c.username.or_else(|| s.username.clone());
            let result = runtime.block_on(signin.refresh(&c.token, hash_user.as_deref(), c.legacy));
            if let Some(t) = after_refresh(result, &self.ui)? {
                return Ok((t, true));
            }
        }
        // Gather the secret only now: a cache hit needs none.
        let first = match s.flow {
            Flow::Srp | Flow::Password => {
                Some(self.secret(&s.secrets.password, PASSWORD_ENV, "the password")?)
            }
            // USER_AUTH can go on without a password (a code typed on the terminal).
            Flow::UserAuth => self
                .secret(&s.secrets.password, PASSWORD_ENV, "the password")
                .ok(),
            Flow::Refresh => {
                Some(self.secret(&s.secrets.refresh, REFRESH_TOKEN_ENV, "the refresh token")?)
            }
            Flow::Browser | Flow::ClientCredentials | Flow::ClientToken => {
                return Err(Failure::internal("OAuth flows go through oauth_network"));
            }
        };
        let totp = self.env_secret(&s.secrets.totp);
        let mut answers = EnvAnswers {
            stdin: &mut self.stdin,
            new_password_stdin: s.new_password_stdin,
            totp,
        };
        let username = s.username.as_deref().unwrap_or_default();
        let start = match s.flow {
            Flow::Srp => Start::Srp,
            Flow::Password => Start::Password,
            _ => Start::UserAuth,
        };
        runtime
            .block_on(async {
                match (s.flow, &first) {
                    (Flow::Refresh, Some(token)) => signin
                        .refresh(token, s.username.as_deref(), false)
                        .await
                        .map_err(RefreshError::failure),
                    _ => {
                        signin
                            .sign_in(start, username, first.as_ref(), &mut answers)
                            .await
                    }
                }
            })
            .map(|t| (t, false))
    }

    /// The Hosted UI (browser) and client-credentials flows, through the domain's endpoints.
    fn oauth_network(
        &mut self,
        cached_refresh: Option<SecretString>,
    ) -> Result<(Tokens, bool), Failure> {
        use super::oauth::{self, Pkce};
        let s = self.settings.clone();
        let client_secret = self.env_secret(&s.secrets.client_secret);
        let http =
            super::api::http_client(&s.policy).map_err(|e| Failure::new(Exit::Network, e))?;
        let runtime = runtime()?;
        if s.flow.is_machine() {
            let Some(secret) = client_secret.as_ref() else {
                return Err(Failure::usage(
                    "a machine client's token needs the app client's secret: set COGNITO_CLIENT_SECRET",
                )
                .with_hint("machine-to-machine app clients always have a secret"));
            };
            // The domain's /oauth2/token when there is one; else GetClientToken, which needs
            // no domain.
            let ep = match (s.flow, &s.oauth.domain) {
                (Flow::ClientToken, _) => None,
                (_, Some(d)) => Some(super::oauth::from_domain(d)),
                (_, None) => {
                    let base = s.endpoint.trim_end_matches('/');
                    let url = format!("{base}/{}/.well-known/openid-configuration", s.pool_id);
                    runtime.block_on(super::oauth::discover_if_any(
                        &http,
                        &url,
                        s.allow_http_host.as_deref(),
                    ))?
                }
            };
            let Some(ep) = ep else {
                self.ui.note(&format!(
                    "getting the machine token with GetClientToken at {} (no domain)",
                    s.endpoint
                ));
                let api = super::api::Api::new(&s.endpoint, s.policy.clone())
                    .map_err(|e| Failure::new(Exit::Network, e))?;
                return runtime
                    .block_on(client_token(&api, &s, secret))
                    .map(|t| (t, false));
            };
            self.ui.note(&format!(
                "getting the machine token from {} (client credentials)",
                ep.token
            ));
            let mut form = vec![("grant_type", "client_credentials")];
            if !s.oauth.scope.is_empty() {
                form.push(("scope", s.oauth.scope.as_str()));
            }
            let tokens = runtime
                .block_on(oauth::token_request(
                    &http,
                    &ep,
                    &form,
                    &s.client_id,
                    client_secret.as_ref(),
                    s.oauth.client_auth,
                ))
                .map_err(RefreshError::failure)?;
            return Ok((tokens, false));
        }
        let ep = s.oauth_endpoints(&http, &runtime)?;
        let auth = s.oauth.client_auth;
        // Every grant goes to the same endpoint with the same client authentication.
        let exchange = |form: &[(&str, &str)]| {
            runtime.block_on(oauth::token_request(
                &http,
                &ep,
                form,
                &s.client_id,
                client_secret.as_ref(),
                auth,
            ))
        };
        if let Some(refresh) = cached_refresh {
            let form = [
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh.expose_secret()),
            ];
            let result = exchange(&form);
            if let Some(mut t) = after_refresh(result, &self.ui)? {
                t.refresh.get_or_insert(refresh);
                return Ok((t, true));
            }
        }
        let tokens = {
            let listener =
                std::net::TcpListener::bind(("127.0.0.1", s.oauth.callback_port.unwrap_or(0)))
                    .map_err(|e| {
                        Failure::io(format!(
                            "cannot listen on localhost for the browser's callback: {e}"
                        ))
                        .with_hint("choose another --callback-port")
                    })?;
            let port = listener
                .local_addr()
                .map_err(|e| Failure::io(e.to_string()))?
                .port();
            let redirect = format!("http://localhost:{port}/callback");
            let pkce = Pkce::new();
            let state = oauth::new_state();
            let url = oauth::authorize_url(
                &ep,
                &s.client_id,
                &redirect,
                &s.oauth.scope,
                &state,
                &pkce.challenge,
                s.oauth.idp.as_ref().map(|(n, v)| (*n, v.as_str())),
            );
            self.ui.problem(&format!(
                "Open this URL in a browser to sign in (it opens by itself where it can):\n  {url}"
            ));
            oauth::open_browser(&url, &self.env);
            let code = oauth::wait_for_code(&listener, &state, s.oauth.browser_timeout)?;
            let form = [
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", redirect.as_str()),
                ("code_verifier", pkce.verifier.expose_secret()),
            ];
            exchange(&form).map_err(RefreshError::failure)?
        };
        Ok((tokens, false))
    }

    fn secret(
        &mut self,
        from: &[SecretFrom],
        env: &str,
        what: &str,
    ) -> Result<SecretString, Failure> {
        for f in from {
            match f {
                SecretFrom::Stdin(flag) => return self.stdin.take(flag, what),
                SecretFrom::Env(name) => {
                    if let Some(v) = self.env.secret(name) {
                        return Ok(v);
                    }
                }
                SecretFrom::Command(cmd) => return run_secret_command(cmd, what),
            }
        }
        if interactive()
            && let Some(v) = prompt(&format!(
                "{what} for {}: ",
                self.settings.username.as_deref().unwrap_or("the user")
            ))
        {
            return Ok(v);
        }
        let flag = if env == PASSWORD_ENV {
            "--password-stdin"
        } else {
            "--refresh-token-stdin"
        };
        let blank = from.iter().find_map(|f| match f {
            SecretFrom::Env(name) if self.env.is_blank(name) => Some(name.clone()),
            _ => None,
        });
        let message = match blank {
            Some(name) => format!("{what} is needed, and {name} is set but empty"),
            None => format!("{what} is needed, and none was given"),
        };
        Err(Failure::usage(message).with_hint(format!(
            "set {env}, or pipe it with {flag}; secrets are never taken from the command line, \
             and a profile may name password_env or password_command"
        )))
    }
}

/// Runs `password_command` with `sh -c`; its standard output (trimmed) is the secret. Its
/// output is never shown, even when it fails.
fn run_secret_command(cmd: &str, what: &str) -> Result<SecretString, Failure> {
    let out = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| Failure::usage(format!("cannot run password_command: {e}")))?;
    if !out.status.success() {
        return Err(Failure::usage(format!(
            "password_command failed ({}) while getting {what}",
            out.status
        ))
        .with_hint("run the command by hand to see why (e.g. the password store is locked)"));
    }
    let text = String::from_utf8(out.stdout)
        .map_err(|_| Failure::usage("password_command printed something that is not UTF-8"))?;
    let first = text.lines().next().unwrap_or("").trim().to_string();
    if first.is_empty() {
        return Err(Failure::usage("password_command printed nothing"));
    }
    Ok(SecretString::from(first))
}

/// Picks the wanted token, checks its claims, and works out when it expires. `cached` is
/// `Some("cached")` for a token from the cache, `Some("refreshed")` for one got with the cached
/// refresh token, `None` for a sign-in.
fn checked_token(
    s: &CognitoSettings,
    t: Tokens,
    cached: Option<&str>,
    ui: &Ui,
) -> Result<Token, Failure> {
    let chosen = match s.kind {
        TokenKind::Id => t.id.clone().ok_or_else(|| {
            Failure::new(Exit::Auth, "Cognito returned no id token")
                .with_hint("use --token access, or a flow that returns an id token")
        })?,
        TokenKind::Access => t.access.clone(),
    };
    let now = jwt::now();
    let claims = jwt::claims(chosen.expose_secret()).map_err(|e| {
        Failure::new(
            Exit::Auth,
            format!(
                "the {} token from Cognito is unusable: {e}",
                s.kind.token_use()
            ),
        )
    })?;
    let want = Expected {
        kind: s.kind,
        client_id: &s.client_id,
        pool_id: &s.pool_id,
        any_issuer: s.endpoint_overridden,
        now,
    };
    jwt::check(&claims, &want).map_err(|e| {
        Failure::new(
            Exit::Auth,
            format!(
                "refusing to write the {} token from Cognito: {e}",
                s.kind.token_use()
            ),
        )
        .with_hint("check --user-pool-id, --client-id and --token, and the machine's clock")
    })?;
    let expires_at = claims.exp.or(t.expires_in.map(|d| now + d));
    if cached != Some("cached")
        && let Some(exp) = expires_at
        && exp - now < secs(s.min_ttl)
    {
        ui.warn(&format!(
            "Cognito issued a token valid for {} min, less than --min-ttl {}",
            (exp - now) / 60,
            humantime::format_duration(s.min_ttl)
        ));
    }
    let who = s
        .username
        .as_deref()
        .map(|u| format!(" of {u:?}"))
        .unwrap_or_default();
    Ok(Token {
        value: chosen,
        kind: match cached {
            Some("cached") => "cognito-cache",
            Some(_) => "cognito-refresh",
            None => "cognito-sign-in",
        },
        source: match cached {
            Some("cached") => format!(
                "cached token from a Cognito {} sign-in{who} (no network call)",
                s.flow.as_str()
            ),
            Some(_) => format!(
                "Cognito refresh with the cached refresh token{who} at {}",
                s.endpoint
            ),
            None => format!("Cognito {} sign-in{who} at {}", s.flow.as_str(), s.endpoint),
        },
        expires_at,
        set: Some(TokenSet {
            id: t.id,
            access: t.access,
            refresh: t.refresh,
            username: claims.cognito_username.or(claims.username),
        }),
    })
}
