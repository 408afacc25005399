//! Signing in to a user pool through the cognito-idp API: USER_SRP_AUTH, USER_PASSWORD_AUTH,
//! REFRESH_TOKEN_AUTH, SECRET_HASH where the client has a secret, and the challenges that
//! follow (MFA, new password), answered by an [`Answers`].

use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value, json};

use super::api::Api;
use super::errors::{Context, explain};
use super::srp::{self, Challenge, SrpSession};
use crate::error::{Exit, Failure};

/// The tokens a sign-in returns.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub id: Option<SecretString>,
    pub access: SecretString,
    pub refresh: Option<SecretString>,
    /// `ExpiresIn` in seconds, when the server sent it (cognito-local does not).
    pub expires_in: Option<i64>,
}

/// Where answers to challenges come from: the environment, standard input, or a person.
pub trait Answers {
    /// A current TOTP code (SOFTWARE_TOKEN_MFA), or `None` when none can be had.
    fn totp_code(&mut self) -> Result<Option<String>, Failure>;
    /// A code sent by SMS or e-mail, typed by a person; `None` when there is no terminal.
    fn typed_code(&mut self, what: &str) -> Result<Option<String>, Failure>;
    /// A new password for NEW_PASSWORD_REQUIRED; `None` when not given.
    fn new_password(&mut self) -> Result<Option<SecretString>, Failure>;
}

/// One pool and app client, reached through `api`.
pub struct SignIn<'a> {
    pub api: &'a Api,
    pub pool_id: &'a str,
    pub client_id: &'a str,
    pub client_secret: Option<&'a SecretString>,
    pub cx: Context<'a>,
}

/// Challenge rounds before giving up (a loop would be a server bug).
const MAX_ROUNDS: usize = 6;

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
    ) -> Result<Value, Failure> {
        if let Some(h) = hash_user.and_then(|u| self.secret_hash(u)) {
            params.insert("SECRET_HASH".into(), json!(h));
        }
        self.call(
            "InitiateAuth",
            json!({"AuthFlow": flow, "ClientId": self.client_id, "AuthParameters": params}),
        )
        .await
    }

    /// USER_SRP_AUTH: the password stays here; only A and a signature are sent.
    pub async fn srp(
        &self,
        username: &str,
        password: &SecretString,
        answers: &mut dyn Answers,
    ) -> Result<Tokens, Failure> {
        let session = SrpSession::new().map_err(|e| Failure::internal(e.0))?;
        let mut p = Map::new();
        p.insert("USERNAME".into(), json!(username));
        p.insert("SRP_A".into(), json!(session.srp_a()));
        let resp = self.initiate("USER_SRP_AUTH", p, Some(username)).await?;
        if challenge_name(&resp) != Some("PASSWORD_VERIFIER") {
            return self.challenges(resp, username, answers).await;
        }
        let params = &resp["ChallengeParameters"];
        let get = |k: &str| params[k].as_str().unwrap_or("").to_string();
        let user_id = get("USER_ID_FOR_SRP");
        let challenge_user = params["USERNAME"].as_str().unwrap_or(&user_id).to_string();
        let pool_name = self
            .pool_id
            .split_once('_')
            .map_or(self.pool_id, |(_, n)| n);
        let timestamp = srp::timestamp(time::OffsetDateTime::now_utc());
        let c = Challenge {
            user_id_for_srp: &user_id,
            salt_hex: params["SALT"].as_str().unwrap_or(""),
            srp_b_hex: params["SRP_B"].as_str().unwrap_or(""),
            secret_block: params["SECRET_BLOCK"].as_str().unwrap_or(""),
        };
        let signature = session
            .signature(pool_name, &c, password.expose_secret(), &timestamp)
            .map_err(|e| {
                Failure::new(
                    Exit::Auth,
                    format!("cannot answer Cognito's SRP challenge: {}", e.0),
                )
            })?;
        let mut answer = Map::new();
        answer.insert("USERNAME".into(), json!(challenge_user));
        answer.insert(
            "PASSWORD_CLAIM_SECRET_BLOCK".into(),
            json!(get("SECRET_BLOCK")),
        );
        answer.insert("PASSWORD_CLAIM_SIGNATURE".into(), json!(signature));
        answer.insert("TIMESTAMP".into(), json!(timestamp));
        let next = self
            .respond("PASSWORD_VERIFIER", &resp, answer, &challenge_user)
            .await?;
        self.challenges(next, &challenge_user, answers).await
    }

    /// USER_PASSWORD_AUTH.
    pub async fn password(
        &self,
        username: &str,
        password: &SecretString,
        answers: &mut dyn Answers,
    ) -> Result<Tokens, Failure> {
        let mut p = Map::new();
        p.insert("USERNAME".into(), json!(username));
        p.insert("PASSWORD".into(), json!(password.expose_secret()));
        let resp = self
            .initiate("USER_PASSWORD_AUTH", p, Some(username))
            .await?;
        self.challenges(resp, username, answers).await
    }

    /// REFRESH_TOKEN_AUTH. `hash_user` is the token's `cognito:username` (for SECRET_HASH).
    pub async fn refresh(
        &self,
        refresh_token: &SecretString,
        hash_user: Option<&str>,
    ) -> Result<Tokens, Failure> {
        if self.client_secret.is_some() && hash_user.is_none() {
            return Err(Failure::usage(
                "this app client has a secret, so refreshing needs the user's cognito:username for SECRET_HASH",
            )
            .with_hint("give --username (the cognito:username claim: a UUID in pools that sign in with e-mail)"));
        }
        let mut p = Map::new();
        p.insert("REFRESH_TOKEN".into(), json!(refresh_token.expose_secret()));
        let resp = self.initiate("REFRESH_TOKEN_AUTH", p, hash_user).await?;
        let mut t = tokens(&resp).ok_or_else(|| unexpected(&resp))?;
        if t.refresh.is_none() {
            t.refresh = Some(refresh_token.clone());
        }
        Ok(t)
    }

    async fn respond(
        &self,
        name: &str,
        prev: &Value,
        mut answer: Map<String, Value>,
        username: &str,
    ) -> Result<Value, Failure> {
        if let Some(h) = self.secret_hash(username) {
            answer.insert("SECRET_HASH".into(), json!(h));
        }
        let mut body = json!({"ChallengeName": name, "ClientId": self.client_id, "ChallengeResponses": answer});
        if let Some(s) = prev.get("Session").and_then(Value::as_str) {
            body["Session"] = json!(s);
        }
        self.call("RespondToAuthChallenge", body).await
    }

    /// Answers challenges until tokens come back.
    async fn challenges(
        &self,
        mut resp: Value,
        username: &str,
        answers: &mut dyn Answers,
    ) -> Result<Tokens, Failure> {
        let mut user = username.to_string();
        for _ in 0..MAX_ROUNDS {
            if let Some(t) = tokens(&resp) {
                return Ok(t);
            }
            let Some(name) = challenge_name(&resp).map(str::to_string) else {
                return Err(unexpected(&resp));
            };
            let params = &resp["ChallengeParameters"];
            if let Some(u) = params["USERNAME"]
                .as_str()
                .or(params["USER_ID_FOR_SRP"].as_str())
            {
                user = u.to_string();
            }
            let mut answer = Map::new();
            answer.insert("USERNAME".into(), json!(user));
            let need = |what: &str, hint: &str| {
                Failure::new(
                    Exit::Auth,
                    format!("Cognito asks for {what}, and none was given"),
                )
                .with_hint(hint.to_string())
            };
            match name.as_str() {
                "SOFTWARE_TOKEN_MFA" => {
                    let code = answers.totp_code()?.ok_or_else(|| need("an authenticator (TOTP) code", "set COGNITO_TOTP_SECRET to the user's base32 TOTP secret, or run on a terminal to type the code"))?;
                    answer.insert("SOFTWARE_TOKEN_MFA_CODE".into(), json!(code));
                }
                "SMS_MFA" | "EMAIL_OTP" => {
                    let what = if name == "SMS_MFA" {
                        "the code sent by SMS"
                    } else {
                        "the code sent by e-mail"
                    };
                    let code = answers.typed_code(what)?.ok_or_else(|| need(what, "run on a terminal to type it, or give the CI user TOTP MFA (COGNITO_TOTP_SECRET) instead"))?;
                    answer.insert(format!("{name}_CODE"), json!(code));
                }
                "SELECT_MFA_TYPE" => {
                    answer.insert("ANSWER".into(), json!("SOFTWARE_TOKEN_MFA"));
                }
                "NEW_PASSWORD_REQUIRED" => {
                    let Some(pw) = answers.new_password()? else {
                        return Err(Failure::new(Exit::Auth, format!("Cognito requires user {user:?} to set a new password (the current one is temporary)"))
                            .with_hint("pipe a new password with --new-password-stdin, or set one with `aws cognito-idp admin-set-user-password --permanent`"));
                    };
                    answer.insert("NEW_PASSWORD".into(), json!(pw.expose_secret()));
                }
                other => {
                    return Err(Failure::new(Exit::Auth, format!("Cognito asks for the challenge {other}, which postman-cognito cannot answer"))
                        .with_hint("sign this user in another way, or use a CI user without that challenge"));
                }
            }
            resp = self.respond(&name, &resp, answer, &user).await?;
        }
        Err(Failure::new(
            Exit::Auth,
            "Cognito kept sending challenges; giving up",
        ))
    }
}

fn challenge_name(resp: &Value) -> Option<&str> {
    resp.get("ChallengeName").and_then(Value::as_str)
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
