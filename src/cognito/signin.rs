//! Signing in to a user pool through the cognito-idp API: USER_SRP_AUTH, USER_PASSWORD_AUTH,
//! the choice-based USER_AUTH, refreshing (GetTokensFromRefreshToken, else REFRESH_TOKEN_AUTH),
//! SECRET_HASH where the client has a secret, remembered devices (ConfirmDevice, DEVICE_KEY,
//! DEVICE_SRP_AUTH), and the challenges that follow (MFA, MFA enrolment, new password),
//! answered by an [`Answers`].

use std::cell::Cell;

use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value, json};

use super::api::{Api, ApiError};
use super::errors::{Context, explain};
use super::srp::{self, Challenge, SrpSession};
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

/// What one sign-in carries from round to round.
struct Round<'p> {
    /// The USERNAME answers carry (the challenge's, once one named it).
    user: String,
    password: Option<&'p SecretString>,
    /// The password may go to Cognito (USER_AUTH's PASSWORD); never with `--flow srp`.
    plain_password: bool,
    /// The SRP session whose A went out last (user or device).
    srp: Option<SrpSession>,
    device: Option<&'p Device>,
    /// Set when Cognito refused the remembered device (sign in again without it).
    device_refused: &'p Cell<bool>,
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
        let refused = Cell::new(false);
        let first = self
            .sign_in_with(
                start,
                username,
                password,
                answers,
                self.device.as_ref(),
                &refused,
            )
            .await;
        if first.is_err() && refused.get() {
            self.ui.warn(
                "Cognito refused this machine's remembered device (forgotten in the pool?); \
                 signing in again without it",
            );
            let again = Cell::new(false);
            return self
                .sign_in_with(start, username, password, answers, None, &again)
                .await;
        }
        first
    }

    async fn sign_in_with(
        &self,
        start: Start,
        username: &str,
        password: Option<&SecretString>,
        answers: &mut dyn Answers,
        device: Option<&Device>,
        device_refused: &Cell<bool>,
    ) -> Result<Tokens, Failure> {
        let mut round = Round {
            user: username.to_string(),
            password,
            plain_password: start != Start::Srp,
            srp: None,
            device,
            device_refused,
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
                Err(e) => return Err(explain(&e, &self.cx)),
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
            Err(e) if flow_refused(&e) => Err(self.no_flow(refusal, &e)),
            Err(e) => Err(explain(&e, &self.cx)),
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
    ) -> Result<Tokens, Failure> {
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
                    let mut t = tokens(&resp).ok_or_else(|| unexpected(&resp))?;
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
                Err(e) => return Err(explain(&e, &self.cx)),
            }
        }
        if self.client_secret.is_some() && hash_user.is_none() {
            return Err(Failure::usage(
                "this app client has a secret, and this endpoint refreshes only with \
                 REFRESH_TOKEN_AUTH, which needs the user's cognito:username for SECRET_HASH",
            )
            .with_hint("give --username (the cognito:username claim: a UUID in pools that sign in with e-mail)"));
        }
        let mut p = Map::new();
        p.insert("REFRESH_TOKEN".into(), json!(refresh_token.expose_secret()));
        let resp = self
            .initiate("REFRESH_TOKEN_AUTH", p, hash_user, self.device.as_ref())
            .await
            .map_err(|e| explain(&e, &self.cx))?;
        let mut t = tokens(&resp).ok_or_else(|| unexpected(&resp))?;
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

    /// Answers challenges until tokens come back; then confirms a device Cognito offers.
    async fn challenges(
        &self,
        mut resp: Value,
        r: &mut Round<'_>,
        answers: &mut dyn Answers,
    ) -> Result<Tokens, Failure> {
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
            let Some(name) = challenge_name(&resp) else {
                return Err(unexpected(&resp));
            };
            let session = resp
                .get("Session")
                .and_then(Value::as_str)
                .map(str::to_string);
            let params = resp["ChallengeParameters"].clone();
            if let Some(u) = params["USERNAME"]
                .as_str()
                .or(params["USER_ID_FOR_SRP"].as_str())
            {
                r.user = u.to_string();
            }
            let mut answer = Map::new();
            answer.insert("USERNAME".into(), json!(r.user));
            if let Some(d) = r.device
                && !matches!(name.as_str(), "SELECT_CHALLENGE" | "MFA_SETUP")
            {
                answer.insert("DEVICE_KEY".into(), json!(d.key));
            }
            let mut session = session;
            match name.as_str() {
                "PASSWORD_VERIFIER" => {
                    let (Some(srp), Some(pw)) = (&r.srp, r.password) else {
                        return Err(Failure::new(
                            Exit::Auth,
                            "Cognito asks for an SRP password proof that no SRP sign-in started",
                        ));
                    };
                    let pool_name = self
                        .pool_id
                        .split_once('_')
                        .map_or(self.pool_id, |(_, n)| n);
                    let user_id = params["USER_ID_FOR_SRP"].as_str().unwrap_or(&r.user);
                    proof(&mut answer, srp, &params, pool_name, user_id, pw)?;
                }
                "DEVICE_SRP_AUTH" => {
                    let Some(d) = r.device else {
                        return Err(Failure::new(
                            Exit::Auth,
                            "Cognito asks for a device proof, and this machine has no remembered device",
                        ));
                    };
                    let s = SrpSession::new().map_err(|e| Failure::internal(e.0))?;
                    answer.insert("DEVICE_KEY".into(), json!(d.key));
                    answer.insert("SRP_A".into(), json!(s.srp_a()));
                    r.srp = Some(s);
                }
                "DEVICE_PASSWORD_VERIFIER" => {
                    let (Some(d), Some(srp)) = (r.device, &r.srp) else {
                        return Err(Failure::new(
                            Exit::Auth,
                            "Cognito asks for a device password proof that no device sign-in started",
                        ));
                    };
                    proof(&mut answer, srp, &params, &d.group_key, &d.key, &d.password)?;
                }
                "SELECT_CHALLENGE" => {
                    let offered = available(&resp);
                    let choice = self.choose_challenge(&offered, r, answers)?;
                    answer.insert("ANSWER".into(), json!(choice));
                    match choice {
                        "PASSWORD_SRP" => {
                            let s = SrpSession::new().map_err(|e| Failure::internal(e.0))?;
                            answer.insert("SRP_A".into(), json!(s.srp_a()));
                            r.srp = Some(s);
                        }
                        "PASSWORD" => {
                            let pw = r.password.map(|p| p.expose_secret().to_string());
                            answer.insert("PASSWORD".into(), json!(pw.unwrap_or_default()));
                        }
                        _ => {}
                    }
                    self.ui.note(&format!(
                        "USER_AUTH offers {}; answering {choice}",
                        offered.join(", ")
                    ));
                }
                "SOFTWARE_TOKEN_MFA" => {
                    let code = answers.totp_code()?.ok_or_else(|| need("an authenticator (TOTP) code", "set COGNITO_TOTP_SECRET to the user's base32 TOTP secret, or run on a terminal to type the code"))?;
                    answer.insert("SOFTWARE_TOKEN_MFA_CODE".into(), json!(code));
                }
                "SMS_MFA" | "EMAIL_OTP" | "SMS_OTP" => {
                    let what = if name.starts_with("SMS") {
                        "the code sent by SMS"
                    } else {
                        "the code sent by e-mail"
                    };
                    let code = answers.typed_code(what)?.ok_or_else(|| need(what, "run on a terminal to type it, or give the CI user TOTP MFA (COGNITO_TOTP_SECRET) instead"))?;
                    answer.insert(format!("{name}_CODE"), json!(code));
                }
                "SELECT_MFA_TYPE" => {
                    let offered = string_list(&params["MFAS_CAN_CHOOSE"]);
                    let pick = pick_mfa(&offered, answers)?;
                    self.ui.note(&format!(
                        "Cognito lets the user choose among {}; answering {pick}",
                        offered.join(", ")
                    ));
                    answer.insert("ANSWER".into(), json!(pick));
                }
                "MFA_SETUP" => {
                    session = Some(
                        self.enrol_totp(&params, session.as_deref(), &r.user)
                            .await?,
                    );
                }
                "NEW_PASSWORD_REQUIRED" => {
                    let Some(pw) = answers.new_password()? else {
                        return Err(Failure::new(Exit::Auth, format!("Cognito requires user {:?} to set a new password (the current one is temporary)", r.user))
                            .with_hint("pipe a new password with --new-password-stdin, or set one with `aws cognito-idp admin-set-user-password --permanent`"));
                    };
                    answer.insert("NEW_PASSWORD".into(), json!(pw.expose_secret()));
                    self.required_attributes(&params, &mut answer)?;
                    resp = match self
                        .respond(&name, session.as_deref(), answer, &r.user)
                        .await
                    {
                        Ok(v) => v,
                        Err(ApiError::Service { name, message, .. })
                            if name == "InvalidPasswordException" =>
                        {
                            return Err(Failure::new(
                                Exit::Auth,
                                format!("Cognito refused the new password: it does not meet the pool's password policy ({message})"),
                            )
                            .with_hint("choose a password that the pool's policy allows (length, digits, symbols, upper and lower case); the temporary password stays valid"));
                        }
                        Err(e) => return Err(explain(&e, &self.cx)),
                    };
                    continue;
                }
                other => {
                    return Err(Failure::new(Exit::Auth, format!("Cognito asks for the challenge {other}, which postman-cognito cannot answer"))
                        .with_hint("sign this user in another way, or use a CI user without that challenge"));
                }
            }
            resp = match self
                .respond(&name, session.as_deref(), answer, &r.user)
                .await
            {
                Ok(next) => next,
                Err(e) => {
                    // The device proof refused, or the device unknown: sign in again without it.
                    if name.starts_with("DEVICE_")
                        && matches!(&e, ApiError::Service { name, .. }
                            if name == "NotAuthorizedException" || name == "ResourceNotFoundException")
                    {
                        r.device_refused.set(true);
                    }
                    if name == "PASSWORD_VERIFIER"
                        && matches!(&e, ApiError::Service { name, message, .. }
                            if name == "NotAuthorizedException"
                                && !message.to_ascii_lowercase().contains("attempts")
                                && !message.to_ascii_lowercase().contains("disabled"))
                    {
                        return Err(self.password_proof_refused(explain(&e, &self.cx)).await);
                    }
                    return Err(explain(&e, &self.cx));
                }
            };
        }
        Err(Failure::new(
            Exit::Auth,
            "Cognito kept sending challenges; giving up",
        ))
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

    /// SELECT_CHALLENGE: a password proof when there is a password (SRP before the plain
    /// password, which `--flow srp` never sends), else a code typed on the terminal.
    fn choose_challenge(
        &self,
        offered: &[String],
        r: &Round<'_>,
        answers: &dyn Answers,
    ) -> Result<&'static str, Failure> {
        let has = |c: &str| offered.iter().any(|o| o == c);
        if r.password.is_some() {
            let proofs: &[&'static str] = if r.plain_password {
                &["PASSWORD_SRP", "PASSWORD"]
            } else {
                &["PASSWORD_SRP"]
            };
            if let Some(c) = proofs.iter().find(|c| has(c)) {
                return Ok(c);
            }
        }
        if answers.can_type() {
            for c in ["EMAIL_OTP", "SMS_OTP"] {
                if has(c) {
                    return Ok(c);
                }
            }
        }
        Err(Failure::new(
            Exit::Auth,
            format!(
                "USER_AUTH offers {} for user {:?}, and none of them can be answered here",
                if offered.is_empty() {
                    "nothing".to_string()
                } else {
                    offered.join(", ")
                },
                r.user
            ),
        )
        .with_hint(if has("PASSWORD") && !r.plain_password {
            "--flow srp never sends the password, and this pool takes it only in the clear \
             (PASSWORD): use --flow password or --flow user-auth to allow that"
        } else {
            "give the password (COGNITO_PASSWORD) for PASSWORD_SRP or PASSWORD; EMAIL_OTP and \
             SMS_OTP need a terminal to type the code; WEB_AUTHN is not supported"
        }))
    }

    /// MFA_SETUP: a new TOTP authenticator, verified with a code computed from its secret.
    /// The secret is shown once, on the terminal's standard error, and stored nowhere.
    /// Returns the session for the MFA_SETUP answer.
    async fn enrol_totp(
        &self,
        params: &Value,
        session: Option<&str>,
        user: &str,
    ) -> Result<String, Failure> {
        let can = string_list(&params["MFAS_CAN_SETUP"]);
        if !can.is_empty() && !can.iter().any(|m| m == "SOFTWARE_TOKEN_MFA") {
            return Err(Failure::new(
                Exit::Auth,
                format!(
                    "Cognito requires user {user:?} to set up MFA, and offers only {}",
                    can.join(", ")
                ),
            )
            .with_hint("enable TOTP (software token) MFA in the pool, or set up MFA for this user in another way"));
        }
        if !self.options.setup_mfa {
            return Err(Failure::new(
                Exit::Auth,
                format!("Cognito requires user {user:?} to set up MFA before signing in (MFA_SETUP)"),
            )
            .with_hint("run once, on your own machine: postman-cognito token --setup-mfa (it shows the new TOTP secret once; store it as COGNITO_TOTP_SECRET)"));
        }
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

    /// NEW_PASSWORD_REQUIRED's `requiredAttributes`, from `--attribute`; every given attribute
    /// is sent as `userAttributes.NAME`.
    fn required_attributes(
        &self,
        params: &Value,
        answer: &mut Map<String, Value>,
    ) -> Result<(), Failure> {
        let required: Vec<String> = parse_list(&params["requiredAttributes"])
            .into_iter()
            .map(|a| a.trim_start_matches("userAttributes.").to_string())
            .collect();
        let given = &self.options.attributes;
        let missing: Vec<&String> = required
            .iter()
            .filter(|a| !given.iter().any(|(n, _)| n == *a))
            .collect();
        if !missing.is_empty() {
            let names: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
            return Err(Failure::new(
                Exit::Auth,
                format!(
                    "Cognito requires these attributes with the new password: {}",
                    names.join(", ")
                ),
            )
            .with_hint(format!(
                "give each with --attribute NAME=VALUE (for example --attribute {}=...), or in \
                 the profile's attributes",
                names[0]
            )));
        }
        for (n, v) in given {
            answer.insert(format!("userAttributes.{n}"), json!(v));
        }
        Ok(())
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

/// The PASSWORD_CLAIM_* answer of a user or device SRP proof.
fn proof(
    answer: &mut Map<String, Value>,
    srp: &SrpSession,
    params: &Value,
    pool_name: &str,
    user_id: &str,
    password: &SecretString,
) -> Result<(), Failure> {
    let timestamp = srp::timestamp(time::OffsetDateTime::now_utc());
    let block = params["SECRET_BLOCK"].as_str().unwrap_or("");
    let c = Challenge {
        user_id_for_srp: user_id,
        salt_hex: params["SALT"].as_str().unwrap_or(""),
        srp_b_hex: params["SRP_B"].as_str().unwrap_or(""),
        secret_block: block,
    };
    let signature = srp
        .signature(pool_name, &c, password.expose_secret(), &timestamp)
        .map_err(|e| {
            Failure::new(
                Exit::Auth,
                format!("cannot answer Cognito's SRP challenge: {}", e.0),
            )
        })?;
    answer.insert("PASSWORD_CLAIM_SECRET_BLOCK".into(), json!(block));
    answer.insert("PASSWORD_CLAIM_SIGNATURE".into(), json!(signature));
    answer.insert("TIMESTAMP".into(), json!(timestamp));
    Ok(())
}

fn need(what: &str, hint: &str) -> Failure {
    Failure::new(
        Exit::Auth,
        format!("Cognito asks for {what}, and none was given"),
    )
    .with_hint(hint.to_string())
}

/// SELECT_MFA_TYPE: TOTP when a secret is set; else what a person can type.
fn pick_mfa(offered: &[String], answers: &dyn Answers) -> Result<&'static str, Failure> {
    let has = |c: &str| offered.is_empty() || offered.iter().any(|o| o == c);
    if answers.has_totp_secret() && has("SOFTWARE_TOKEN_MFA") {
        return Ok("SOFTWARE_TOKEN_MFA");
    }
    if answers.can_type() {
        for c in ["SOFTWARE_TOKEN_MFA", "EMAIL_OTP", "SMS_MFA"] {
            if has(c) {
                return Ok(c);
            }
        }
    }
    Err(need(
        &format!("one of the MFA methods {}", offered.join(", ")),
        "set COGNITO_TOTP_SECRET when the user has TOTP MFA, or run on a terminal to type a code",
    ))
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

/// `AvailableChallenges` of a SELECT_CHALLENGE answer.
fn available(resp: &Value) -> Vec<String> {
    let top = string_list(&resp["AvailableChallenges"]);
    if top.is_empty() {
        string_list(&resp["ChallengeParameters"]["AvailableChallenges"])
    } else {
        top
    }
}

/// A list sent as a JSON array, or as a string holding one (challenge parameters are strings).
fn string_list(v: &Value) -> Vec<String> {
    parse_list(v)
}

fn parse_list(v: &Value) -> Vec<String> {
    let parsed;
    let arr = match v {
        Value::Array(a) => a,
        Value::String(s) => {
            parsed = serde_json::from_str::<Value>(s).unwrap_or(Value::Null);
            match &parsed {
                Value::Array(a) => a,
                _ => return Vec::new(),
            }
        }
        _ => return Vec::new(),
    };
    // Names from the server are shown in messages: control characters escaped (a real name
    // has none, so an answer that names one is unchanged).
    arr.iter()
        .filter_map(Value::as_str)
        .map(|n| crate::redact::inline(n).into_owned())
        .collect()
}

fn challenge_name(resp: &Value) -> Option<String> {
    resp.get("ChallengeName")
        .and_then(Value::as_str)
        .map(|n| crate::redact::inline(n).into_owned())
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
    fn lists_come_as_arrays_or_as_json_in_strings() {
        assert_eq!(
            parse_list(&json!("[\"SMS_MFA\",\"SOFTWARE_TOKEN_MFA\"]")),
            ["SMS_MFA", "SOFTWARE_TOKEN_MFA"]
        );
        assert_eq!(
            parse_list(&json!(["PASSWORD", "EMAIL_OTP"])),
            ["PASSWORD", "EMAIL_OTP"]
        );
        assert!(parse_list(&json!("not json")).is_empty());
        assert!(parse_list(&Value::Null).is_empty());
    }

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

    struct Fixed {
        totp: bool,
        tty: bool,
    }
    impl Answers for Fixed {
        fn totp_code(&mut self) -> Result<Option<String>, Failure> {
            Ok(None)
        }
        fn typed_code(&mut self, _: &str) -> Result<Option<String>, Failure> {
            Ok(None)
        }
        fn new_password(&mut self) -> Result<Option<SecretString>, Failure> {
            Ok(None)
        }
        fn has_totp_secret(&self) -> bool {
            self.totp
        }
        fn can_type(&self) -> bool {
            self.tty
        }
    }

    #[test]
    fn select_mfa_type_picks_what_can_be_answered() {
        let offered = vec!["SMS_MFA".to_string(), "SOFTWARE_TOKEN_MFA".to_string()];
        let a = Fixed {
            totp: true,
            tty: false,
        };
        assert_eq!(pick_mfa(&offered, &a).unwrap(), "SOFTWARE_TOKEN_MFA");
        let sms = vec!["SMS_MFA".to_string(), "EMAIL_OTP".to_string()];
        assert!(
            pick_mfa(&sms, &a).is_err(),
            "TOTP is not offered, no terminal"
        );
        let tty = Fixed {
            totp: false,
            tty: true,
        };
        assert_eq!(pick_mfa(&sms, &tty).unwrap(), "EMAIL_OTP");
        let none = Fixed {
            totp: false,
            tty: false,
        };
        assert!(pick_mfa(&offered, &none).is_err());
    }
}
