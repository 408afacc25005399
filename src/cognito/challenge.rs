//! The challenges of a sign-in: what Cognito asks, read into a [`Challenge`], and the answer to
//! each, computed by [`Challenge::answer`] with no I/O. The loop in `signin.rs` asks what an
//! answer needs ([`Challenge::needs`]: a code, a new password, an enrolment), gathers it (the
//! terminal, standard input, the network), then sends what `answer` computed.

use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value, json};

use super::srp::{self, SrpSession};
use crate::error::{Exit, Failure};

pub use crate::cache::Device;

/// A challenge Cognito sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    /// USER_SRP_AUTH's (or USER_AUTH's PASSWORD_SRP) proof of the password.
    PasswordVerifier,
    /// A remembered device's SRP start.
    DeviceSrpAuth,
    /// A remembered device's proof.
    DevicePasswordVerifier,
    /// USER_AUTH: choose among these.
    SelectChallenge(Vec<String>),
    /// A code from the user's authenticator.
    SoftwareTokenMfa,
    /// A code sent to the user (SMS_MFA, EMAIL_OTP, SMS_OTP: the name).
    SentCode(String),
    /// Choose one of these MFA methods.
    SelectMfaType(Vec<String>),
    /// Set up MFA first; these methods may be set up.
    MfaSetup(Vec<String>),
    /// Set a new password, sending these attributes with it.
    NewPasswordRequired(Vec<String>),
    /// One this tool cannot answer.
    Unknown(String),
}

/// One challenge as Cognito sent it: what it asks, its name, session and parameters.
#[derive(Debug, Clone)]
pub struct Asked {
    pub challenge: Challenge,
    /// The name (shown escaped: it comes from the network).
    pub name: String,
    pub session: Option<String>,
    pub params: Value,
}

impl Asked {
    /// The challenge in Cognito's answer `resp`, if it holds one.
    pub fn read(resp: &Value) -> Option<Asked> {
        let name = resp
            .get("ChallengeName")
            .and_then(Value::as_str)
            .map(|n| crate::redact::inline(n).into_owned())?;
        let params = resp["ChallengeParameters"].clone();
        let challenge = match name.as_str() {
            "PASSWORD_VERIFIER" => Challenge::PasswordVerifier,
            "DEVICE_SRP_AUTH" => Challenge::DeviceSrpAuth,
            "DEVICE_PASSWORD_VERIFIER" => Challenge::DevicePasswordVerifier,
            "SELECT_CHALLENGE" => {
                let top = string_list(&resp["AvailableChallenges"]);
                Challenge::SelectChallenge(if top.is_empty() {
                    string_list(&params["AvailableChallenges"])
                } else {
                    top
                })
            }
            "SOFTWARE_TOKEN_MFA" => Challenge::SoftwareTokenMfa,
            "SMS_MFA" | "EMAIL_OTP" | "SMS_OTP" => Challenge::SentCode(name.clone()),
            "SELECT_MFA_TYPE" => Challenge::SelectMfaType(string_list(&params["MFAS_CAN_CHOOSE"])),
            "MFA_SETUP" => Challenge::MfaSetup(string_list(&params["MFAS_CAN_SETUP"])),
            "NEW_PASSWORD_REQUIRED" => Challenge::NewPasswordRequired(
                string_list(&params["requiredAttributes"])
                    .into_iter()
                    .map(|a| a.trim_start_matches("userAttributes.").to_string())
                    .collect(),
            ),
            other => Challenge::Unknown(other.to_string()),
        };
        Some(Asked {
            challenge,
            name,
            session: resp
                .get("Session")
                .and_then(Value::as_str)
                .map(str::to_string),
            params,
        })
    }
}

/// What an answer needs that only the loop can get (it takes I/O).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Need {
    Nothing,
    /// A current TOTP code (computed from COGNITO_TOTP_SECRET, or typed).
    TotpCode,
    /// A code a person types; the words say which.
    TypedCode(&'static str),
    /// The new password.
    NewPassword,
    /// A new TOTP authenticator enrolled (`--setup-mfa`), which gives a new session.
    Enrolment,
}

/// What the loop gathered for an answer.
#[derive(Default)]
pub struct Given {
    pub code: Option<String>,
    pub new_password: Option<SecretString>,
    /// The session to answer with, when the loop got a new one (an enrolment).
    pub session: Option<String>,
}

/// What an answer is made from: the sign-in so far.
pub struct Round<'p> {
    pub pool_id: &'p str,
    /// The USERNAME answers carry (the challenge's, once one named it).
    pub user: String,
    pub password: Option<&'p SecretString>,
    /// The password may go to Cognito (USER_AUTH's PASSWORD); never with `--flow srp`.
    pub plain_password: bool,
    /// The SRP session whose A went out last (user or device).
    pub srp: Option<SrpSession>,
    pub device: Option<&'p Device>,
    /// `--attribute NAME=VALUE`: sent with a new password.
    pub attributes: &'p [(String, String)],
    /// `--setup-mfa`.
    pub setup_mfa: bool,
    /// A TOTP secret is at hand; a person can type a code.
    pub has_totp_secret: bool,
    pub can_type: bool,
    /// When the answer is made (the SRP proof's TIMESTAMP).
    pub now: time::OffsetDateTime,
}

/// An answer: the `ChallengeResponses` to send, and a line for `-v`.
#[derive(Debug, Default)]
pub struct Answer {
    pub responses: Map<String, Value>,
    pub note: Option<String>,
}

impl Challenge {
    /// What answering needs from outside.
    pub fn needs(&self, r: &Round) -> Result<Need, Failure> {
        Ok(match self {
            Challenge::SoftwareTokenMfa => Need::TotpCode,
            Challenge::SentCode(name) => Need::TypedCode(code_words(name)),
            // The choice is sent; a code chosen is asked for in the next round.
            Challenge::SelectChallenge(offered) => {
                choose_challenge(offered, r)?;
                Need::Nothing
            }
            Challenge::MfaSetup(can) => {
                if !can.is_empty() && !can.iter().any(|m| m == "SOFTWARE_TOKEN_MFA") {
                    return Err(Failure::new(
                        Exit::Auth,
                        format!(
                            "Cognito requires user {:?} to set up MFA, and offers only {}",
                            r.user,
                            can.join(", ")
                        ),
                    )
                    .with_hint("enable TOTP (software token) MFA in the pool, or set up MFA for this user in another way"));
                }
                if !r.setup_mfa {
                    return Err(Failure::new(
                        Exit::Auth,
                        format!(
                            "Cognito requires user {:?} to set up MFA before signing in (MFA_SETUP)",
                            r.user
                        ),
                    )
                    .with_hint("run once, on your own machine: postman-cognito token --setup-mfa (it shows the new TOTP secret once; store it as COGNITO_TOTP_SECRET)"));
                }
                Need::Enrolment
            }
            Challenge::NewPasswordRequired(required) => {
                missing_attributes(required, r.attributes)?;
                Need::NewPassword
            }
            Challenge::Unknown(other) => {
                return Err(Failure::new(
                    Exit::Auth,
                    format!("Cognito asks for the challenge {other}, which postman-cognito cannot answer"),
                )
                .with_hint("sign this user in another way, or use a CI user without that challenge"));
            }
            _ => Need::Nothing,
        })
    }

    /// The answer to this challenge (asked with `params`), from the round so far and what was
    /// `given`. No I/O: a new SRP session (random) is the only thing made here, and it is kept
    /// in the round.
    pub fn answer(&self, params: &Value, r: &mut Round, given: Given) -> Result<Answer, Failure> {
        let mut a = Answer::default();
        let out = &mut a.responses;
        out.insert("USERNAME".into(), json!(r.user));
        if let Some(d) = r.device
            && !matches!(self, Challenge::SelectChallenge(_) | Challenge::MfaSetup(_))
        {
            out.insert("DEVICE_KEY".into(), json!(d.key));
        }
        match self {
            Challenge::PasswordVerifier => {
                let (Some(srp), Some(pw)) = (&r.srp, r.password) else {
                    return Err(Failure::new(
                        Exit::Auth,
                        "Cognito asks for an SRP password proof that no SRP sign-in started",
                    ));
                };
                let pool_name = r.pool_id.split_once('_').map_or(r.pool_id, |(_, n)| n);
                let user_id = params["USER_ID_FOR_SRP"].as_str().unwrap_or(&r.user);
                proof(out, srp, params, pool_name, user_id, pw, r.now)?;
            }
            Challenge::DeviceSrpAuth => {
                let Some(d) = r.device else {
                    return Err(Failure::new(
                        Exit::Auth,
                        "Cognito asks for a device proof, and this machine has no remembered device",
                    ));
                };
                let s = SrpSession::new().map_err(|e| Failure::internal(e.0))?;
                out.insert("DEVICE_KEY".into(), json!(d.key));
                out.insert("SRP_A".into(), json!(s.srp_a()));
                r.srp = Some(s);
            }
            Challenge::DevicePasswordVerifier => {
                let (Some(d), Some(srp)) = (r.device, &r.srp) else {
                    return Err(Failure::new(
                        Exit::Auth,
                        "Cognito asks for a device password proof that no device sign-in started",
                    ));
                };
                proof(out, srp, params, &d.group_key, &d.key, &d.password, r.now)?;
            }
            Challenge::SelectChallenge(offered) => {
                let choice = choose_challenge(offered, r)?;
                out.insert("ANSWER".into(), json!(choice));
                match choice {
                    "PASSWORD_SRP" => {
                        let s = SrpSession::new().map_err(|e| Failure::internal(e.0))?;
                        out.insert("SRP_A".into(), json!(s.srp_a()));
                        r.srp = Some(s);
                    }
                    "PASSWORD" => {
                        let pw = r.password.map(|p| p.expose_secret().to_string());
                        out.insert("PASSWORD".into(), json!(pw.unwrap_or_default()));
                    }
                    _ => {}
                }
                a.note = Some(format!(
                    "USER_AUTH offers {}; answering {choice}",
                    offered.join(", ")
                ));
            }
            Challenge::SoftwareTokenMfa => {
                let code = given.code.ok_or_else(|| {
                    need(
                        "an authenticator (TOTP) code",
                        "set COGNITO_TOTP_SECRET to the user's base32 TOTP secret, or run on a \
                         terminal to type the code",
                    )
                })?;
                out.insert("SOFTWARE_TOKEN_MFA_CODE".into(), json!(code));
            }
            Challenge::SentCode(name) => {
                let what = code_words(name);
                let code = given.code.ok_or_else(|| {
                    need(
                        what,
                        "run on a terminal to type it, or give the CI user TOTP MFA \
                         (COGNITO_TOTP_SECRET) instead",
                    )
                })?;
                out.insert(format!("{name}_CODE"), json!(code));
            }
            Challenge::SelectMfaType(offered) => {
                let pick = pick_mfa(offered, r)?;
                a.note = Some(format!(
                    "Cognito lets the user choose among {}; answering {pick}",
                    offered.join(", ")
                ));
                out.insert("ANSWER".into(), json!(pick));
            }
            Challenge::MfaSetup(_) => {}
            Challenge::NewPasswordRequired(required) => {
                let Some(pw) = given.new_password else {
                    return Err(Failure::new(
                        Exit::Auth,
                        format!(
                            "Cognito requires user {:?} to set a new password (the current one is temporary)",
                            r.user
                        ),
                    )
                    .with_hint("pipe a new password with --new-password-stdin, or set one with `aws cognito-idp admin-set-user-password --permanent`"));
                };
                out.insert("NEW_PASSWORD".into(), json!(pw.expose_secret()));
                missing_attributes(required, r.attributes)?;
                for (n, v) in r.attributes {
                    out.insert(format!("userAttributes.{n}"), json!(v));
                }
            }
            Challenge::Unknown(_) => {
                self.needs(r)?;
            }
        }
        Ok(a)
    }
}

fn code_words(name: &str) -> &'static str {
    if name.starts_with("SMS") {
        "the code sent by SMS"
    } else {
        "the code sent by e-mail"
    }
}

/// SELECT_CHALLENGE: a password proof when there is a password (SRP before the plain
/// password, which `--flow srp` never sends), else a code typed on the terminal.
fn choose_challenge(offered: &[String], r: &Round) -> Result<&'static str, Failure> {
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
    if r.can_type {
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

/// SELECT_MFA_TYPE: TOTP when a secret is set; else what a person can type.
fn pick_mfa(offered: &[String], r: &Round) -> Result<&'static str, Failure> {
    let has = |c: &str| offered.is_empty() || offered.iter().any(|o| o == c);
    if r.has_totp_secret && has("SOFTWARE_TOKEN_MFA") {
        return Ok("SOFTWARE_TOKEN_MFA");
    }
    if r.can_type {
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

/// NEW_PASSWORD_REQUIRED's required attributes that `--attribute` does not give.
fn missing_attributes(required: &[String], given: &[(String, String)]) -> Result<(), Failure> {
    let missing: Vec<&str> = required
        .iter()
        .filter(|a| !given.iter().any(|(n, _)| n == *a))
        .map(String::as_str)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(Failure::new(
        Exit::Auth,
        format!(
            "Cognito requires these attributes with the new password: {}",
            missing.join(", ")
        ),
    )
    .with_hint(format!(
        "give each with --attribute NAME=VALUE (for example --attribute {}=...), or in the \
         profile's attributes",
        missing[0]
    )))
}

/// The PASSWORD_CLAIM_* answer of a user or device SRP proof, made at `now`.
fn proof(
    answer: &mut Map<String, Value>,
    srp: &SrpSession,
    params: &Value,
    pool_name: &str,
    user_id: &str,
    password: &SecretString,
    now: time::OffsetDateTime,
) -> Result<(), Failure> {
    let timestamp = srp::timestamp(now);
    let block = params["SECRET_BLOCK"].as_str().unwrap_or("");
    let c = srp::Challenge {
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

pub fn need(what: &str, hint: &str) -> Failure {
    Failure::new(
        Exit::Auth,
        format!("Cognito asks for {what}, and none was given"),
    )
    .with_hint(hint.to_string())
}

/// A list sent as a JSON array, or as a string holding one (challenge parameters are strings).
/// Names from the server are shown in messages: control characters escaped (a real name has
/// none, so an answer that names one is unchanged).
pub fn string_list(v: &Value) -> Vec<String> {
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
    arr.iter()
        .filter_map(Value::as_str)
        .map(|n| crate::redact::inline(n).into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round<'p>(password: Option<&'p SecretString>) -> Round<'p> {
        Round {
            pool_id: "us-east-1_Pool",
            user: "casey".into(),
            password,
            plain_password: false,
            srp: None,
            device: None,
            attributes: &[],
            setup_mfa: false,
            has_totp_secret: false,
            can_type: false,
            now: time::OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn lists_come_as_arrays_or_as_json_in_strings() {
        assert_eq!(
            string_list(&json!("[\"SMS_MFA\",\"SOFTWARE_TOKEN_MFA\"]")),
            ["SMS_MFA", "SOFTWARE_TOKEN_MFA"]
        );
        assert_eq!(
            string_list(&json!(["PASSWORD", "EMAIL_OTP"])),
            ["PASSWORD", "EMAIL_OTP"]
        );
        assert!(string_list(&json!("not json")).is_empty());
        assert!(string_list(&Value::Null).is_empty());
    }

    #[test]
    fn select_mfa_type_picks_what_can_be_answered() {
        let offered = vec!["SMS_MFA".to_string(), "SOFTWARE_TOKEN_MFA".to_string()];
        let mut a = round(None);
        a.has_totp_secret = true;
        assert_eq!(pick_mfa(&offered, &a).unwrap(), "SOFTWARE_TOKEN_MFA");
        let sms = vec!["SMS_MFA".to_string(), "EMAIL_OTP".to_string()];
        assert!(
            pick_mfa(&sms, &a).is_err(),
            "TOTP is not offered, no terminal"
        );
        let mut tty = round(None);
        tty.can_type = true;
        assert_eq!(pick_mfa(&sms, &tty).unwrap(), "EMAIL_OTP");
        assert!(pick_mfa(&offered, &round(None)).is_err());
    }

    /// The answers are computed without I/O: the same round gives the same answer.
    #[test]
    fn answers_are_pure_functions_of_the_round() {
        let pw = SecretString::from("pw".to_string());
        let offered = vec!["PASSWORD".to_string(), "PASSWORD_SRP".to_string()];
        let mut r = round(Some(&pw));
        let a = Challenge::SelectChallenge(offered.clone())
            .answer(&Value::Null, &mut r, Given::default())
            .unwrap();
        assert_eq!(a.responses["ANSWER"], "PASSWORD_SRP");
        assert!(r.srp.is_some(), "the SRP session is kept for the proof");
        // --flow srp never offers the plain password.
        let mut r = round(Some(&pw));
        let e = Challenge::SelectChallenge(vec!["PASSWORD".into()])
            .answer(&Value::Null, &mut r, Given::default())
            .unwrap_err();
        assert!(e.hint.unwrap().contains("--flow password"));
        // A TOTP code given goes where Cognito wants it.
        let mut r = round(None);
        let a = Challenge::SoftwareTokenMfa
            .answer(
                &Value::Null,
                &mut r,
                Given {
                    code: Some("123456".into()),
                    ..Given::default()
                },
            )
            .unwrap();
        assert_eq!(a.responses["SOFTWARE_TOKEN_MFA_CODE"], "123456");
        assert_eq!(a.responses["USERNAME"], "casey");
        // A missing required attribute is named before anything is sent.
        let r = round(None);
        let e = Challenge::NewPasswordRequired(vec!["given_name".into()])
            .needs(&r)
            .unwrap_err();
        assert!(e.message.contains("given_name"));
    }
}
