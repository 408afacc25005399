//! The token source that signs in to Cognito: checked settings in, a checked token out.

use secrecy::{ExposeSecret, SecretString};

use super::api::{Api, CallPolicy};
use super::errors::Context;
use super::signin::{Answers, SignIn, Tokens};
use crate::error::{Exit, Failure};
use crate::jwt::{self, Expected, TokenKind};
use crate::secrets_input::{StdinSecrets, env_secret, interactive, prompt};
use crate::token_source::{Token, TokenSet, TokenSource};

/// How to sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Srp,
    Password,
    Refresh,
}

impl Flow {
    pub fn as_str(self) -> &'static str {
        match self {
            Flow::Srp => "srp",
            Flow::Password => "password",
            Flow::Refresh => "refresh",
        }
    }
}

/// Where a secret comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretFrom {
    /// An environment variable (read when needed).
    Env,
    /// The next line of standard input.
    Stdin,
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
    pub flow: Flow,
    pub kind: TokenKind,
    pub password_from: SecretFrom,
    pub refresh_from: SecretFrom,
    pub new_password_stdin: bool,
    pub policy: CallPolicy,
}

/// Names of the environment variables secrets come from.
pub const PASSWORD_ENV: &str = "COGNITO_PASSWORD";
pub const CLIENT_SECRET_ENV: &str = "COGNITO_CLIENT_SECRET";
pub const REFRESH_TOKEN_ENV: &str = "COGNITO_REFRESH_TOKEN";
pub const TOTP_SECRET_ENV: &str = "COGNITO_TOTP_SECRET";

pub struct CognitoSource {
    pub settings: CognitoSettings,
    stdin: StdinSecrets,
}

impl CognitoSource {
    pub fn new(settings: CognitoSettings, stdin: StdinSecrets) -> Self {
        CognitoSource { settings, stdin }
    }
}

struct EnvAnswers<'a> {
    stdin: &'a mut StdinSecrets,
    new_password_stdin: bool,
}

impl Answers for EnvAnswers<'_> {
    fn totp_code(&mut self) -> Result<Option<String>, Failure> {
        if let Some(secret) = env_secret(TOTP_SECRET_ENV) {
            let now = u64::try_from(jwt::now()).unwrap_or_default();
            return super::totp::code(secret.expose_secret(), now).map(Some);
        }
        self.typed_code("the code from your authenticator app")
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
        let client_secret = env_secret(CLIENT_SECRET_ENV);
        let cx = Context {
            endpoint: &s.endpoint,
            pool_id: &s.pool_id,
            client_id: &s.client_id,
            username: s.username.as_deref(),
            flow: s.flow.as_str(),
            has_secret: client_secret.is_some(),
        };
        // Gather the secrets first, so a missing one fails before any network call.
        let first = match s.flow {
            Flow::Srp | Flow::Password => self.secret(
                s.password_from,
                PASSWORD_ENV,
                "--password-stdin",
                "the password",
            )?,
            Flow::Refresh => self.secret(
                s.refresh_from,
                REFRESH_TOKEN_ENV,
                "--refresh-token-stdin",
                "the refresh token",
            )?,
        };
        let api =
            Api::new(&s.endpoint, s.policy.clone()).map_err(|e| Failure::new(Exit::Network, e))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Failure::internal(format!("cannot start the async runtime: {e}")))?;
        let signin = SignIn {
            api: &api,
            pool_id: &s.pool_id,
            client_id: &s.client_id,
            client_secret: client_secret.as_ref(),
            cx,
        };
        let mut answers = EnvAnswers {
            stdin: &mut self.stdin,
            new_password_stdin: s.new_password_stdin,
        };
        let username = s.username.as_deref().unwrap_or_default();
        let tokens = runtime.block_on(async {
            match s.flow {
                Flow::Srp => signin.srp(username, &first, &mut answers).await,
                Flow::Password => signin.password(username, &first, &mut answers).await,
                Flow::Refresh => signin.refresh(&first, s.username.as_deref()).await,
            }
        })?;
        checked_token(&s, tokens)
    }
}

impl CognitoSource {
    fn secret(
        &mut self,
        from: SecretFrom,
        env: &str,
        flag: &str,
        what: &str,
    ) -> Result<SecretString, Failure> {
        match from {
            SecretFrom::Stdin => self.stdin.take(flag, what),
            SecretFrom::Env => env_secret(env)
                .or_else(|| {
                    interactive()
                        .then(|| {
                            prompt(&format!(
                                "{what} for {}: ",
                                self.settings.username.as_deref().unwrap_or("the user")
                            ))
                        })
                        .flatten()
                })
                .ok_or_else(|| {
                    Failure::usage(format!("no {what}: set {env} or pipe it with {flag}"))
                        .with_hint("secrets are never taken from the command line")
                }),
        }
    }
}

/// Picks the wanted token, checks its claims, and works out when it expires.
fn checked_token(s: &CognitoSettings, t: Tokens) -> Result<Token, Failure> {
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
    Ok(Token {
        value: chosen,
        source: format!(
            "Cognito {} sign-in{} at {}",
            s.flow.as_str(),
            s.username
                .as_deref()
                .map(|u| format!(" of {u:?}"))
                .unwrap_or_default(),
            s.endpoint
        ),
        expires_at,
        set: Some(TokenSet {
            id: t.id,
            access: t.access,
            refresh: t.refresh,
            username: claims.cognito_username.or(claims.username),
        }),
    })
}
