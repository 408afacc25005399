//! Signing in to a user pool through the cognito-idp API: USER_SRP_AUTH, USER_PASSWORD_AUTH,
//! the choice-based USER_AUTH, refreshing (GetTokensFromRefreshToken, else REFRESH_TOKEN_AUTH),
//! SECRET_HASH where the client has a secret, remembered devices (ConfirmDevice, DEVICE_KEY,
//! DEVICE_SRP_AUTH), and the challenges that follow (MFA, MFA enrolment, new password),
//! answered by an [`Answers`].

use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value, json};

use super::api::{Api, ApiError};
use super::challenge::{Asked, Challenge, Given, Need, Round};
use super::errors::{Context, explain};
use super::srp::{self, SrpSession};
use crate::error::{Exit, Failure};
use crate::ui::Ui;

pub use crate::cache::Device;

/// The tokens a sign-in returns.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub id: Option<SecretString>,
    pub access: SecretString,
    pub refresh: Option<SecretString>,
    /// `ExpiresIn` in seconds, when the server sent it (cognito-local does not).
    pub expires_in: Option<i64>,
    /// The device to remember from now on: the one this sign-in confirmed (from
    /// `NewDeviceMetadata`), else the one it used; `None` when Cognito refused it.
    pub device: Option<Device>,
    /// Refreshed with REFRESH_TOKEN_AUTH because the endpoint does not know
    /// GetTokensFromRefreshToken (emulators); the next refresh goes straight there.
    pub legacy_refresh: bool,
}

/// Where answers to challenges come from: the environment, standard input, or a person.
pub trait Answers {
    /// A current TOTP code (SOFTWARE_TOKEN_MFA), or `None` when none can be had.
    fn totp_code(&mut self) -> Result<Option<String>, Failure>;
    /// A code sent by SMS or e-mail, typed by a person; `None` when there is no terminal.
    fn typed_code(&mut self, what: &str) -> Result<Option<String>, Failure>;
    /// A new password for NEW_PASSWORD_REQUIRED; `None` when not given.
    fn new_password(&mut self) -> Result<Option<SecretString>, Failure>;
    /// A TOTP secret (COGNITO_TOTP_SECRET) is at hand.
    fn has_totp_secret(&self) -> bool;
    /// A person can type a code.
    fn can_type(&self) -> bool;
}

/// What a sign-in may do beyond answering: enrol TOTP, send attributes, remember a device.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--setup-mfa`: answer MFA_SETUP by enrolling a new TOTP authenticator.
    pub setup_mfa: bool,
    /// `--attribute NAME=VALUE`: user attributes sent with a new password.
    pub attributes: Vec<(String, String)>,
    /// Confirm a device Cognito offers (only when there is a cache to keep it in).
    pub remember_device: bool,
}

/// Which password-based flow to start with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// USER_SRP_AUTH; USER_AUTH with PASSWORD_SRP if the client does not allow it.
    Srp,
    /// USER_PASSWORD_AUTH; USER_AUTH with PASSWORD if the client does not allow it.
    Password,
    /// USER_AUTH with PASSWORD_SRP preferred (or, without a password, the offered choice).
    UserAuth,
}

/// One pool and app client, reached through `api`.
pub struct SignIn<'a> {
    pub api: &'a Api,
    pub pool_id: &'a str,
    pub client_id: &'a str,
    pub client_secret: Option<&'a SecretString>,
    pub cx: Context<'a>,
    pub ui: &'a Ui,
    pub options: &'a Options,
    /// The remembered device, if any: its key goes with every sign-in and refresh.
    pub device: Option<Device>,
}

/// Challenge rounds before giving up (a loop would be a server bug).
const MAX_ROUNDS: usize = 10;

/// Why a sign-in failed: the remembered device was refused (sign in again without it), or
/// anything else.
enum SignInError {
    DeviceRefused(Failure),
    Failed(Failure),
}

impl From<Failure> for SignInError {
    fn from(f: Failure) -> Self {
        SignInError::Failed(f)
    }
}

/// Why a refresh gave no tokens.
#[derive(Debug)]
pub enum RefreshError {
    /// The refresh token was refused (expired, revoked, another client's): sign in again.
    Refused(Failure),
    /// The refresh could not be tried (the network): the run stops.
    Failed(Failure),
}

impl RefreshError {
    pub fn failure(self) -> Failure {
        match self {
            RefreshError::Refused(f) | RefreshError::Failed(f) => f,
        }
    }
}

/// A Cognito error answer to a refresh is a refusal; the network failing is not.
fn refresh_error(e: &ApiError, cx: &Context) -> RefreshError {
    let f = explain(e, cx);
    match e {
        ApiError::Service { .. } => RefreshError::Refused(f),
        _ => RefreshError::Failed(f),
    }
}

impl SignIn<'_> {
    fn secret_hash(&self, username: &str) -> Option<String> {
        self.client_secret
            .map(|s| srp::secret_hash(s.expose_secret(), username, self.client_id))
    }

    async fn call(&self, op: &str, body: Value) -> Result<Value, Failure> {
        self.api
            .call(op, &body)
            .await
            .map_err(|e| explain(&e, &self.cx))
    }

    async fn initiate(
        &self,
        flow: &str,
        mut params: Map<String, Value>,
        hash_user: Option<&str>,
        device: Option<&Device>,
    ) -> Result<Value, ApiError> {
        if let Some(h) = hash_user.and_then(|u| self.secret_hash(u)) {
            params.insert("SECRET_HASH".into(), json!(h));
        }
        if let Some(d) = device {
            params.insert("DEVICE_KEY".into(), json!(d.key));
        }
        self.api
            .call(
                "InitiateAuth",
                &json!({"AuthFlow": flow, "ClientId": self.client_id, "AuthParameters": params}),
            )
            .await
    }

    /// Signs in with a password (or, for USER_AUTH without one, a typed code), starting with
    /// `start` and moving to USER_AUTH when the app client does not allow the classic flow.
    /// A remembered device that Cognito refuses is dropped, and the sign-in made again.
    pub async fn sign_in(
        &self,
        start: Start,
        username: &str,
        password: Option<&SecretString>,
        answers: &mut dyn Answers,
    ) -> Result<Tokens, Failure> {
        let first = self
            .sign_in_with(start, username, password, answers, self.device.as_ref())
            .await;
        let again = match first {
            Ok(t) => return Ok(t),
            Err(SignInError::Failed(f)) => return Err(f),
            Err(SignInError::DeviceRefused(_)) => {
                self.ui.warn(
                    "Cognito refused this machine's remembered device (forgotten in the pool?); \
                     signing in again without it",
                );
                self.sign_in_with(start, username, password, answers, None)
                    .await
            }
        };
        again.map_err(|e| match e {
            SignInError::DeviceRefused(f) | SignInError::Failed(f) => f,
        })
    }

    async fn sign_in_with(
        &self,
        start: Start,
        username: &str,
        password: Option<&SecretString>,
        answers: &mut dyn Answers,
        device: Option<&Device>,
    ) -> Result<Tokens, SignInError> {
        let mut round = Round {
            pool_id: self.pool_id,
            user: username.to_string(),
            password,
            plain_password: start != Start::Srp,
            srp: None,
            device,
            attributes: &self.options.attributes,
            setup_mfa: self.options.setup_mfa,
            has_totp_secret: answers.has_totp_secret(),
            can_type: answers.can_type(),
            now: time::OffsetDateTime::now_utc(),
        };
        let classic = match start {
            Start::Srp => Some("USER_SRP_AUTH"),
            Start::Password => Some("USER_PASSWORD_AUTH"),
            Start::UserAuth => None,
        };
        let mut refusal = None;
        if let Some(flow) = classic {
            let mut p = Map::new();
            p.insert("USERNAME".into(), json!(username));
            let pw = password.ok_or_else(|| Failure::internal("a password flow without one"))?;
            if start == Start::Srp {
                let session = SrpSession::new().map_err(|e| Failure::internal(e.0))?;
                p.insert("SRP_A".into(), json!(session.srp_a()));
                round.srp = Some(session);
            } else {
                p.insert("PASSWORD".into(), json!(pw.expose_secret()));
            }
            match self.initiate(flow, p, Some(username), device).await {
                Ok(resp) => return self.challenges(resp, &mut round, answers).await,
                Err(e) if flow_refused(&e) => {
                    let who = if unimplemented(&e) {
                        format!("{} does not implement", self.api.endpoint)
                    } else {
                        format!("app client {} does not allow", self.client_id)
                    };
                    self.ui.note(&format!(
                        "{who} {flow} ({}); trying USER_AUTH, the choice-based flow",
                        message_of(&e)
                    ));
                    refusal = Some((flow, e));
                }
                Err(e) => return Err(explain(&e, &self.cx).into()),
            }
        }
        // USER_AUTH: the preferred challenge goes with the first call.
        let mut p = Map::new();
        p.insert("USERNAME".into(), json!(username));
        round.srp = None;
        if let Some(pw) = password {
            if start == Start::Password {
                p.insert("PREFERRED_CHALLENGE".into(), json!("PASSWORD"));
                p.insert("PASSWORD".into(), json!(pw.expose_secret()));
            } else {
                let session = SrpSession::new().map_err(|e| Failure::internal(e.0))?;
                p.insert("PREFERRED_CHALLENGE".into(), json!("PASSWORD_SRP"));
                p.insert("SRP_A".into(), json!(session.srp_a()));
                round.srp = Some(session);
            }
        }
        match self.initiate("USER_AUTH", p, Some(username), device).await {
            Ok(resp) => self.challenges(resp, &mut round, answers).await,
            Err(e) if flow_refused(&e) => Err(self.no_flow(refusal, &e).into()),
            Err(e) => Err(explain(&e, &self.cx).into()),
        }
    }

    /// The app client refused USER_AUTH (and the classic flow before it, if one was tried),
    /// or the endpoint does not implement them (an emulator): say which, and what is left.
    fn no_flow(&self, classic: Option<(&str, ApiError)>, user_auth: &ApiError) -> Failure {
        let client = self.client_id;
        let endpoint = &self.api.endpoint;
        let said = |e: &ApiError| message_of(e);
        let refused = |flow: &str, e: &ApiError| {
            if unimplemented(e) {
                format!("{endpoint} does not implement {flow} ({})", said(e))
            } else {
                format!("app client {client} does not allow {flow} ({})", said(e))
            }
        };
        let message = match &classic {
            Some((flow, e)) => format!(
                "{}, and {}",
                refused(flow, e),
                refused("USER_AUTH", user_auth)
            ),
            None => refused("USER_AUTH", user_auth),
        };
        let hint = match classic.as_ref().map(|(f, _)| *f) {
            Some("USER_SRP_AUTH") => {
                "use --flow password, if the app client allows ALLOW_USER_PASSWORD_AUTH (the \
                 password then goes to Cognito, over TLS; local emulators such as cognito-local \
                 have no SRP); or enable ALLOW_USER_SRP_AUTH or ALLOW_USER_AUTH in the app client"
            }
            Some(_) => {
                "use --flow srp, if the app client allows ALLOW_USER_SRP_AUTH; or enable \
                 ALLOW_USER_PASSWORD_AUTH or ALLOW_USER_AUTH in the app client"
            }
            None => {
                "use --flow srp (ALLOW_USER_SRP_AUTH) or --flow password \
                 (ALLOW_USER_PASSWORD_AUTH), or enable ALLOW_USER_AUTH in the app client"
            }
        };
        Failure::new(Exit::Auth, message).with_hint(hint)
    }

    /// Refreshes with GetTokensFromRefreshToken (which takes the raw client secret and works
    /// with and without refresh-token rotation), or with REFRESH_TOKEN_AUTH when the endpoint
    /// does not know that operation or `legacy` says so. `hash_user` is the token's
    /// `cognito:username` (for SECRET_HASH, REFRESH_TOKEN_AUTH only). A rotated refresh token
    /// comes back in [`Tokens::refresh`].
    pub async fn refresh(
        &self,
        refresh_token: &SecretString,
        hash_user: Option<&str>,
        legacy: bool,
    ) -> Result<Tokens, RefreshError> {
        if !legacy {
            let mut body = json!({
                "RefreshToken": refresh_token.expose_secret(),
                "ClientId": self.client_id,
            });
            if let Some(s) = self.client_secret {
                body["ClientSecret"] = json!(s.expose_secret());
            }
            if let Some(d) = &self.device {
                body["DeviceKey"] = json!(d.key);
            }
            match self
                .api
                .call_unless_unknown("GetTokensFromRefreshToken", &body)
                .await
            {
                Ok(resp) => {
                    let mut t =
                        tokens(&resp).ok_or_else(|| RefreshError::Failed(unexpected(&resp)))?;
                    if t.refresh.is_none() {
                        t.refresh = Some(refresh_token.clone());
                    }
                    t.device = self.device.clone();
                    return Ok(t);
                }
                Err(e) if e.unknown_operation() => self.ui.note(&format!(
                    "{} does not know GetTokensFromRefreshToken ({}); refreshing with \
                     REFRESH_TOKEN_AUTH",
                    self.api.endpoint,
                    super::api::short(&e)
                )),
                Err(e) => return Err(refresh_error(&e, &self.cx)),
            }
        }
        if self.client_secret.is_some() && hash_user.is_none() {
            return Err(RefreshError::Refused(Failure::usage(
                "this app client has a secret, and this endpoint refreshes only with \
                 REFRESH_TOKEN_AUTH, which needs the user's cognito:username for SECRET_HASH",
            )
            .with_hint("give --username (the cognito:username claim: a UUID in pools that sign in with e-mail)")));
        }
        let mut p = Map::new();
        p.insert("REFRESH_TOKEN".into(), json!(refresh_token.expose_secret()));
        let resp = self
            .initiate("REFRESH_TOKEN_AUTH", p, hash_user, self.device.as_ref())
            .await
            .map_err(|e| refresh_error(&e, &self.cx))?;
        let mut t = tokens(&resp).ok_or_else(|| RefreshError::Failed(unexpected(&resp)))?;
        if t.refresh.is_none() {
            t.refresh = Some(refresh_token.clone());
        }
        t.legacy_refresh = true;
        t.device = self.device.clone();
        Ok(t)
    }

    async fn respond(
        &self,
        name: &str,
        session: Option<&str>,
        mut answer: Map<String, Value>,
        username: &str,
    ) -> Result<Value, ApiError> {
        if let Some(h) = self.secret_hash(username) {
            answer.insert("SECRET_HASH".into(), json!(h));
        }
        let mut body = json!({"ChallengeName": name, "ClientId": self.client_id, "ChallengeResponses": answer});
        if let Some(s) = session {
            body["Session"] = json!(s);
        }
        self.api.call("RespondToAuthChallenge", &body).await
    }

    /// Answers challenges until tokens come back; then confirms a device Cognito offers. Each
    /// answer is computed by [`Challenge::answer`] (no I/O) from what this loop gathers.
    async fn challenges(
        &self,
        mut resp: Value,
        r: &mut Round<'_>,
        answers: &mut dyn Answers,
    ) -> Result<Tokens, SignInError> {
        for _ in 0..MAX_ROUNDS {
            if let Some(mut t) = tokens(&resp) {
                let offered = &resp["AuthenticationResult"]["NewDeviceMetadata"];
                t.device = if offered.is_object() {
                    self.confirm_device(offered, &t.access).await
                } else {
                    r.device.cloned()
                };
                return Ok(t);
            }
            let Some(asked) = Asked::read(&resp) else {
                return Err(unexpected(&resp).into());
            };
            if let Some(u) = asked.params["USERNAME"]
                .as_str()
                .or(asked.params["USER_ID_FOR_SRP"].as_str())
            {
                r.user = u.to_string();
            }
            let mut given = Given::default();
            match asked.challenge.needs(r)? {
                Need::Nothing => {}
                Need::TotpCode => given.code = answers.totp_code()?,
                Need::TypedCode(what) => given.code = answers.typed_code(what)?,
                Need::NewPassword => given.new_password = answers.new_password()?,
                Need::Enrolment => {
                    given.session = Some(self.enrol_totp(asked.session.as_deref(), &r.user).await?);
                }
            }
            let session = given.session.clone().or(asked.session.clone());
            r.now = time::OffsetDateTime::now_utc();
            let answer = asked.challenge.answer(&asked.params, r, given)?;
            if let Some(note) = &answer.note {
                self.ui.note(note);
            }
            resp = match self
                .respond(&asked.name, session.as_deref(), answer.responses, &r.user)
                .await
            {
                Ok(next) => next,
                Err(e) => return Err(self.refused(&asked.challenge, &e).await),
            };
        }
        Err(Failure::new(Exit::Auth, "Cognito kept sending challenges; giving up").into())
    }

    /// An answer Cognito refused, in words: a refused device proof (the device is dropped and
    /// the sign-in made again), a new password the policy refuses, a refused password proof.
    async fn refused(&self, challenge: &Challenge, e: &ApiError) -> SignInError {
        let service = |names: &[&str]| matches!(e, ApiError::Service { name, .. } if names.contains(&name.as_str()));
        match challenge {
            Challenge::DeviceSrpAuth | Challenge::DevicePasswordVerifier
                if service(&["NotAuthorizedException", "ResourceNotFoundException"]) =>
            {
                SignInError::DeviceRefused(explain(e, &self.cx))
            }
            Challenge::NewPasswordRequired(_) if service(&["InvalidPasswordException"]) => {
                let ApiError::Service { message, .. } = e else {
                    unreachable!("a service error")
                };
                Failure::new(
                    Exit::Auth,
                    format!("Cognito refused the new password: it does not meet the pool's password policy ({message})"),
                )
                .with_hint("choose a password that the pool's policy allows (length, digits, symbols, upper and lower case); the temporary password stays valid")
                .into()
            }
            Challenge::PasswordVerifier
                if matches!(e, ApiError::Service { name, message, .. }
                    if name == "NotAuthorizedException"
                        && !message.to_ascii_lowercase().contains("attempts")
                        && !message.to_ascii_lowercase().contains("disabled")) =>
            {
                self.password_proof_refused(explain(e, &self.cx))
                    .await
                    .into()
            }
            _ => explain(e, &self.cx).into(),
        }
    }

    /// An SRP password proof that Cognito refused: the proof is made with the pool's name, so a
    /// wrong pool id reads as a wrong password there. Cognito does tell whether a pool exists, at
    /// its keys URL (no secret sent): a pool that does not exist is said so, and otherwise the
    /// hint names the pool id to check. Each retry would cost the user a failed attempt.
    async fn password_proof_refused(&self, refused: Failure) -> Failure {
        let url = format!(
            "{}/{}/.well-known/jwks.json",
            self.api.endpoint.trim_end_matches('/'),
            self.pool_id
        );
        if self.api.status_of(&url).await == Some(404) {
            return Failure::new(
                Exit::Auth,
                format!(
                    "the user pool {} does not exist at {} (Cognito says so at its keys URL); the \
                     sign-in failed because an SRP password proof is made with the pool's id",
                    self.pool_id, self.api.endpoint
                ),
            )
            .with_hint(
                "check --user-pool-id (or COGNITO_USER_POOL_ID, or the profile's user_pool_id): \
                 it must be the pool of the app client; the password was not shown to be wrong",
            );
        }
        let hint = refused.hint.clone().unwrap_or_default();
        refused.with_hint(format!(
            "{hint}; if the password is right, check that the user pool {} is the app client's \
             pool: an SRP password proof is made with the pool's id, so a wrong one reads as a \
             wrong password",
            self.pool_id
        ))
    }

    /// MFA_SETUP: a new TOTP authenticator, verified with a code computed from its secret.
    /// The secret is shown once, on the terminal's standard error, and stored nowhere.
    /// Returns the session for the MFA_SETUP answer.
    async fn enrol_totp(&self, session: Option<&str>, user: &str) -> Result<String, Failure> {
        let session = session.unwrap_or_default();
        let assoc = self
            .call("AssociateSoftwareToken", json!({"Session": session}))
            .await?;
        let Some(secret) = assoc["SecretCode"]
            .as_str()
            .map(|s| SecretString::from(s.to_string()))
        else {
            return Err(unexpected(&assoc));
        };
        let session = assoc["Session"].as_str().unwrap_or(session).to_string();
        let now = u64::try_from(crate::jwt::now()).unwrap_or_default();
        let code = super::totp::code(secret.expose_secret(), now)?;
        let verified = self
            .call(
                "VerifySoftwareToken",
                json!({"Session": session, "UserCode": code, "FriendlyDeviceName": "postman-cognito"}),
            )
            .await?;
        if verified["Status"].as_str() != Some("SUCCESS") {
            return Err(Failure::new(
                Exit::Auth,
                "Cognito did not accept the code computed from the new TOTP secret",
            )
            .with_hint("check the machine's clock, then run --setup-mfa again"));
        }
        self.ui.problem(&format!(
            "postman-cognito: enrolled a TOTP authenticator for user {user:?}. Its secret is shown \
             this once and stored nowhere:\n\n  {}\n\nStore it now as COGNITO_TOTP_SECRET (a CI \
             secret, or your password manager); later sign-ins compute the codes from it.",
            secret.expose_secret()
        ));
        Ok(verified["Session"].as_str().unwrap_or(&session).to_string())
    }

    /// ConfirmDevice for a device Cognito offers, with a verifier of a new random device
    /// password. `None` (and a note) when devices are not kept, or confirming fails: the
    /// tokens are good either way.
    async fn confirm_device(&self, offered: &Value, access: &SecretString) -> Option<Device> {
        let key = offered["DeviceKey"].as_str()?.to_string();
        let group_key = offered["DeviceGroupKey"].as_str()?.to_string();
        if !self.options.remember_device {
            self.ui.note(
                "Cognito offers to remember this device; not confirming it, since --no-cache \
                 leaves nowhere to keep its key",
            );
            return None;
        }
        let mut raw = [0u8; 40];
        let mut salt = [0u8; 16];
        if getrandom::fill(&mut raw).is_err() || getrandom::fill(&mut salt).is_err() {
            return None;
        }
        use base64::Engine;
        let password = base64::engine::general_purpose::STANDARD.encode(raw);
        let (verifier, salt) = srp::device_verifier(&group_key, &key, &password, &salt);
        let body = json!({
            "AccessToken": access.expose_secret(),
            "DeviceKey": key,
            "DeviceName": "postman-cognito",
            "DeviceSecretVerifierConfig": {"PasswordVerifier": verifier, "Salt": salt},
        });
        match self.api.call("ConfirmDevice", &body).await {
            Ok(_) => {
                self.ui.note(&format!(
                    "confirmed this device with Cognito (device key {key}); its key and password \
                     are kept with the cached refresh token"
                ));
                Some(Device {
                    key,
                    group_key,
                    password: SecretString::from(password),
                })
            }
            Err(e) => {
                self.ui.warn(&format!(
                    "could not confirm the device Cognito offered ({}); refreshes may be refused \
                     on pools that always remember devices",
                    super::api::short(&e)
                ));
                None
            }
        }
    }
}

/// The flow is not enabled for the app client, or the server does not know it.
fn flow_refused(e: &ApiError) -> bool {
    match e {
        ApiError::Service { name, message, .. } => {
            let m = message.to_ascii_lowercase();
            (name == "InvalidParameterException" || name == "Unsupported")
                && (m.contains("not enabled")
                    || m.contains("unsupported authflow")
                    || m.contains("unsupported auth flow")
                    || m.contains("authflow"))
        }
        _ => false,
    }
}

/// The server does not implement the flow at all (an emulator), rather than refusing it for
/// this app client.
fn unimplemented(e: &ApiError) -> bool {
    let m = message_of(e).to_ascii_lowercase();
    m.contains("unsupported")
}

fn message_of(e: &ApiError) -> String {
    match e {
        ApiError::Service { name, message, .. } if message.is_empty() => name.clone(),
        ApiError::Service { message, .. } => message.trim_end_matches('.').to_string(),
        other => super::api::short(other),
    }
}

fn tokens(resp: &Value) -> Option<Tokens> {
    let r = resp.get("AuthenticationResult")?;
    let s = |k: &str| {
        r.get(k)
            .and_then(Value::as_str)
            .map(|v| SecretString::from(v.to_string()))
    };
    Some(Tokens {
        id: s("IdToken"),
        access: s("AccessToken")?,
        refresh: s("RefreshToken"),
        expires_in: r.get("ExpiresIn").and_then(Value::as_i64),
        device: None,
        legacy_refresh: false,
    })
}

fn unexpected(resp: &Value) -> Failure {
    let keys: Vec<&str> = resp
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    Failure::new(
        Exit::Network,
        format!(
            "Cognito answered without tokens or a challenge (fields: {})",
            keys.join(", ")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_flows_are_told_from_other_errors() {
        let svc = |name: &str, message: &str| ApiError::Service {
            name: name.into(),
            message: message.into(),
            status: 400,
        };
        assert!(flow_refused(&svc(
            "InvalidParameterException",
            "USER_SRP_AUTH is not enabled for the client."
        )));
        assert!(flow_refused(&svc(
            "InvalidParameterException",
            "USER_PASSWORD_AUTH flow not enabled for this client"
        )));
        assert!(flow_refused(&svc(
            "InvalidParameterException",
            "Unsupported AuthFlow: USER_AUTH"
        )));
        assert!(!flow_refused(&svc(
            "NotAuthorizedException",
            "Incorrect username or password."
        )));
        assert!(!flow_refused(&svc(
            "InvalidParameterException",
            "Missing required parameter SRP_A"
        )));
    }
}
