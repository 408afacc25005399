//! A user pool as pools are set up since 2024-2025, for what no emulator does (REFERENCE.md
//! §5): refresh-token rotation (GetTokensFromRefreshToken returns a new refresh token, the old
//! one dies at once, REFRESH_TOKEN_AUTH is refused for the client), the choice-based USER_AUTH
//! (PREFERRED_CHALLENGE, SELECT_CHALLENGE, EMAIL_OTP), "always remember devices"
//! (NewDeviceMetadata, ConfirmDevice, DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER checked
//! against the confirmed verifier, and refreshes refused without the device key), MFA_SETUP
//! (AssociateSoftwareToken / VerifySoftwareToken with a session), SELECT_MFA_TYPE, and
//! NEW_PASSWORD_REQUIRED with required attributes and a password policy.
//!
//! It refuses what Cognito refuses, with Cognito's error names: a wrong SRP signature or
//! device verifier, a flow the client does not allow, a rotated-away refresh token, a refresh
//! without the device key, a wrong code, a missing required attribute, a short new password,
//! an answer outside the offered choices, a session from another challenge.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use super::fake_http::{Action, FakeHttp, Received};
use super::srp_server::{Pending, Verifier, mac, random};

/// How the pool and its app client are set up.
#[derive(Clone)]
pub struct Setup {
    pub pool: &'static str,
    pub client: &'static str,
    pub secret: Option<&'static str>,
    /// The client's ExplicitAuthFlows (`ALLOW_USER_SRP_AUTH`, `ALLOW_USER_AUTH`, ...).
    pub flows: Vec<&'static str>,
    pub rotation: bool,
    /// "Always remember devices".
    pub remember_devices: bool,
    pub mfa: Mfa,
    /// What USER_AUTH offers this user (`PASSWORD_SRP`, `PASSWORD`, `EMAIL_OTP`).
    pub choices: Vec<&'static str>,
    /// The user must set a new password, sending these attributes.
    pub force_new_password: Option<Vec<&'static str>>,
    pub username: &'static str,
    pub password: &'static str,
}

#[derive(Clone, PartialEq)]
pub enum Mfa {
    Off,
    /// TOTP required; `None`: not enrolled yet (MFA_SETUP).
    Totp(Option<String>),
    /// The user may choose between SMS and TOTP (enrolled with this secret).
    Choose(String),
}

pub const USER_ID: &str = "5f0c2a9e-0000-4000-8000-00000000a11c";
pub const EMAIL_CODE: &str = "482913";
/// The pool's password policy: at least this long.
pub const MIN_PASSWORD: usize = 12;

impl Setup {
    pub fn new(pool: &'static str) -> Setup {
        Setup {
            pool,
            client: "modernclient",
            secret: None,
            flows: vec!["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            rotation: false,
            remember_devices: false,
            mfa: Mfa::Off,
            choices: vec!["PASSWORD_SRP", "PASSWORD"],
            force_new_password: None,
            username: "casey",
            password: "Modern-Pool-Password-1",
        }
    }
}

#[derive(Clone, PartialEq, Debug)]
enum Stage {
    /// Waiting for the answer to this challenge.
    Challenge(String),
}

#[derive(Default)]
struct State {
    password: String,
    user_srp: Option<(Verifier, Pending)>,
    device_srp: Option<(String, Pending)>,
    /// Session → the challenge it was issued for.
    sessions: HashMap<String, Stage>,
    /// Live refresh tokens → the device key they were issued to.
    refresh: HashMap<String, Option<String>>,
    /// Device key → (group key, verifier once confirmed).
    devices: HashMap<String, (String, Option<Verifier>)>,
    /// Access tokens issued (ConfirmDevice takes one).
    access: Vec<String>,
    totp: Option<String>,
    pending_totp: Option<String>,
    must_change: bool,
    /// The device key sent with the current sign-in, if known to the pool.
    signin_device: Option<String>,
    /// Every operation, with the flow or challenge name: "InitiateAuth USER_AUTH", ...
    pub log: Vec<String>,
    /// A request carried the user's password (USER_PASSWORD_AUTH, USER_AUTH's PASSWORD).
    password_seen: bool,
    counter: u64,
}

pub struct ModernCognito {
    pub setup: Setup,
    state: Mutex<State>,
}

fn err(name: &str, message: &str) -> Action {
    Action::aws_error(400, name, message)
}

impl ModernCognito {
    pub fn start(setup: Setup) -> (FakeHttp, Arc<ModernCognito>) {
        let totp = match &setup.mfa {
            Mfa::Totp(s) => s.clone(),
            Mfa::Choose(s) => Some(s.clone()),
            Mfa::Off => None,
        };
        let me = Arc::new(ModernCognito {
            state: Mutex::new(State {
                password: setup.password.to_string(),
                totp,
                must_change: setup.force_new_password.is_some(),
                ..State::default()
            }),
            setup,
        });
        let m = me.clone();
        let fake = FakeHttp::start(move |_, req| m.handle(req));
        (fake, me)
    }

    /// The operations seen, in order, each with its flow or challenge.
    pub fn log(&self) -> Vec<String> {
        self.state.lock().unwrap().log.clone()
    }

    pub fn confirmed_devices(&self) -> usize {
        let st = self.state.lock().unwrap();
        st.devices.values().filter(|(_, v)| v.is_some()).count()
    }

    pub fn enrolled_totp(&self) -> Option<String> {
        self.state.lock().unwrap().totp.clone()
    }

    /// Whether any request so far carried the user's password.
    pub fn password_sent(&self) -> bool {
        self.state.lock().unwrap().password_seen
    }

    pub fn password(&self) -> String {
        self.state.lock().unwrap().password.clone()
    }

    /// Forgets every device (as an administrator's AdminForgetDevice would).
    pub fn forget_devices(&self) {
        self.state.lock().unwrap().devices.clear();
    }

    fn pool_name(&self) -> &str {
        self.setup.pool.split_once('_').unwrap().1
    }

    fn allows(&self, flow: &str) -> bool {
        self.setup.flows.contains(&flow)
    }

    fn secret_hash_ok(&self, params: &Value, user: &str) -> bool {
        let Some(secret) = self.setup.secret else {
            return true;
        };
        let want = STANDARD.encode(mac(
            secret.as_bytes(),
            &[user.as_bytes(), self.setup.client.as_bytes()],
        ));
        params["SECRET_HASH"].as_str() == Some(want.as_str())
    }

    fn handle(&self, req: &Received) -> Action {
        let b = &req.body;
        let mut st = self.state.lock().unwrap();
        if let Some(path) = req.line.strip_prefix("GET ") {
            // The public keys URL, as Cognito serves it: only for a pool that exists.
            st.log.push(format!("GET {path}"));
            return if path == format!("/{}/.well-known/jwks.json", self.setup.pool) {
                Action::json(200, json!({"keys": []}))
            } else {
                Action::json(
                    404,
                    json!({"code": "ResourceNotFoundException", "message": "User pool does not exist."}),
                )
            };
        }
        if req.raw.contains(st.password.as_str()) {
            st.password_seen = true;
        }
        let what = b["AuthFlow"]
            .as_str()
            .or(b["ChallengeName"].as_str())
            .unwrap_or("");
        st.log.push(format!("{} {what}", req.op).trim().to_string());
        if b.get("ClientId").is_some() && b["ClientId"] != self.setup.client {
            return err(
                "ResourceNotFoundException",
                "User pool client does not exist.",
            );
        }
        match req.op.as_str() {
            "InitiateAuth" => self.initiate(&mut st, b),
            "RespondToAuthChallenge" => self.respond(&mut st, b),
            "GetTokensFromRefreshToken" => self.get_tokens(&mut st, b),
            "ConfirmDevice" => self.confirm_device(&mut st, b),
            "AssociateSoftwareToken" => {
                let session = b["Session"].as_str().unwrap_or("");
                if st.sessions.remove(session) != Some(Stage::Challenge("MFA_SETUP".into())) {
                    return err("NotAuthorizedException", "Invalid session for the user.");
                }
                let secret = data_encoding_base32(&random(20));
                st.pending_totp = Some(secret.clone());
                let s = self.session(&mut st, "ASSOCIATED");
                Action::json(200, json!({"SecretCode": secret, "Session": s}))
            }
            "VerifySoftwareToken" => {
                let session = b["Session"].as_str().unwrap_or("");
                if st.sessions.remove(session) != Some(Stage::Challenge("ASSOCIATED".into())) {
                    return err("NotAuthorizedException", "Invalid session for the user.");
                }
                let secret = st.pending_totp.clone().unwrap();
                if !totp_ok(&secret, b["UserCode"].as_str().unwrap_or("")) {
                    return err("EnableSoftwareTokenMFAException", "Code mismatch");
                }
                st.totp = Some(secret);
                let s = self.session(&mut st, "MFA_SETUP_VERIFIED");
                Action::json(200, json!({"Status": "SUCCESS", "Session": s}))
            }
            other => err(
                "UnknownOperationException",
                &format!("unknown operation {other}"),
            ),
        }
    }

    fn session(&self, st: &mut State, stage: &str) -> String {
        st.counter += 1;
        let s = format!("session-{}-{}", st.counter, STANDARD.encode(random(12)));
        st.sessions
            .insert(s.clone(), Stage::Challenge(stage.into()));
        s
    }

    fn challenge(&self, st: &mut State, name: &str, mut params: Value) -> Action {
        let s = self.session(st, name);
        params["USERNAME"] = json!(USER_ID);
        Action::json(
            200,
            json!({"ChallengeName": name, "Session": s, "ChallengeParameters": params}),
        )
    }

    fn user_ok(&self, name: &str) -> bool {
        name == self.setup.username || name == USER_ID
    }

    fn initiate(&self, st: &mut State, b: &Value) -> Action {
        let p = &b["AuthParameters"];
        let flow = b["AuthFlow"].as_str().unwrap_or("");
        if flow == "REFRESH_TOKEN_AUTH" {
            if self.setup.rotation {
                return err(
                    "NotAuthorizedException",
                    "Refresh token rotation is enabled for this app client: use GetTokensFromRefreshToken",
                );
            }
            if !self.secret_hash_ok(p, USER_ID) {
                return err(
                    "NotAuthorizedException",
                    "Unable to verify secret hash for client",
                );
            }
            let device = p["DEVICE_KEY"].as_str().map(str::to_string);
            return self.refresh(st, p["REFRESH_TOKEN"].as_str().unwrap_or(""), device, false);
        }
        let user = p["USERNAME"].as_str().unwrap_or("");
        if !self.user_ok(user) {
            return err("UserNotFoundException", "User does not exist.");
        }
        if !self.secret_hash_ok(p, user) {
            return err(
                "NotAuthorizedException",
                "Unable to verify secret hash for client",
            );
        }
        st.signin_device = p["DEVICE_KEY"]
            .as_str()
            .filter(|k| st.devices.get(*k).is_some_and(|(_, v)| v.is_some()))
            .map(str::to_string);
        match flow {
            "USER_SRP_AUTH" => {
                if !self.allows("ALLOW_USER_SRP_AUTH") {
                    return err(
                        "InvalidParameterException",
                        "USER_SRP_AUTH is not enabled for the client.",
                    );
                }
                self.srp_challenge(st, p["SRP_A"].as_str().unwrap_or(""), false)
            }
            "USER_PASSWORD_AUTH" => {
                if !self.allows("ALLOW_USER_PASSWORD_AUTH") {
                    return err(
                        "InvalidParameterException",
                        "USER_PASSWORD_AUTH flow not enabled for this client",
                    );
                }
                if p["PASSWORD"].as_str() != Some(st.password.as_str()) {
                    return err("NotAuthorizedException", "Incorrect username or password.");
                }
                self.after_password(st)
            }
            "USER_AUTH" => {
                if !self.allows("ALLOW_USER_AUTH") {
                    return err(
                        "InvalidParameterException",
                        "USER_AUTH is not enabled for the client.",
                    );
                }
                let preferred = p["PREFERRED_CHALLENGE"].as_str().unwrap_or("");
                if self.setup.choices.contains(&preferred) {
                    return self.choose(st, preferred, p);
                }
                let s = self.session(st, "SELECT_CHALLENGE");
                Action::json(
                    200,
                    json!({"ChallengeName": "SELECT_CHALLENGE", "Session": s,
                        "ChallengeParameters": {}, "AvailableChallenges": self.setup.choices}),
                )
            }
            _ => err(
                "InvalidParameterException",
                &format!("Unsupported AuthFlow: {flow}"),
            ),
        }
    }

    /// A first factor chosen in USER_AUTH (by PREFERRED_CHALLENGE or SELECT_CHALLENGE).
    fn choose(&self, st: &mut State, choice: &str, p: &Value) -> Action {
        match choice {
            "PASSWORD_SRP" => {
                let Some(a) = p["SRP_A"].as_str() else {
                    return err("InvalidParameterException", "Missing required parameter SRP_A");
                };
                self.srp_challenge(st, a, true)
            }
            "PASSWORD" => {
                if p["PASSWORD"].as_str() != Some(st.password.as_str()) {
                    return err("NotAuthorizedException", "Incorrect username or password.");
                }
                self.after_password(st)
            }
            "EMAIL_OTP" => self.challenge(
                st,
                "EMAIL_OTP",
                json!({"CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL", "CODE_DELIVERY_DESTINATION": "c***@e***"}),
            ),
            _ => err("InvalidParameterException", "Invalid challenge answer"),
        }
    }

    fn srp_challenge(&self, st: &mut State, srp_a: &str, with_session: bool) -> Action {
        let user = Verifier::from_password(self.pool_name(), USER_ID, &st.password);
        let (pending, mut params) = user.begin(srp_a);
        st.user_srp = Some((user, pending));
        params["USER_ID_FOR_SRP"] = json!(USER_ID);
        params["USERNAME"] = json!(USER_ID);
        // USER_SRP_AUTH has no session (the secret block is the handle); USER_AUTH has one.
        let mut resp = json!({"ChallengeName": "PASSWORD_VERIFIER", "ChallengeParameters": params});
        if with_session {
            resp["Session"] = json!(self.session(st, "PASSWORD_VERIFIER"));
        }
        Action::json(200, resp)
    }

    /// After the first factor: a new password, a device proof, MFA, or tokens.
    fn after_password(&self, st: &mut State) -> Action {
        if st.must_change {
            let required: Vec<String> = self
                .setup
                .force_new_password
                .clone()
                .unwrap_or_default()
                .iter()
                .map(|a| format!("userAttributes.{a}"))
                .collect();
            return self.challenge(
                st,
                "NEW_PASSWORD_REQUIRED",
                json!({"requiredAttributes": serde_json::to_string(&required).unwrap(),
                       "userAttributes": "{\"email\":\"casey@example.com\"}"}),
            );
        }
        if st.signin_device.is_some() {
            return self.challenge(st, "DEVICE_SRP_AUTH", json!({}));
        }
        self.mfa(st)
    }

    fn mfa(&self, st: &mut State) -> Action {
        match &self.setup.mfa {
            Mfa::Off => self.tokens(st),
            Mfa::Totp(_) if st.totp.is_none() => self.challenge(
                st,
                "MFA_SETUP",
                json!({"MFAS_CAN_SETUP": "[\"SOFTWARE_TOKEN_MFA\"]"}),
            ),
            Mfa::Totp(_) => self.challenge(st, "SOFTWARE_TOKEN_MFA", json!({})),
            Mfa::Choose(_) => self.challenge(
                st,
                "SELECT_MFA_TYPE",
                json!({"MFAS_CAN_CHOOSE": "[\"SMS_MFA\",\"SOFTWARE_TOKEN_MFA\"]"}),
            ),
        }
    }

    fn respond(&self, st: &mut State, b: &Value) -> Action {
        let name = b["ChallengeName"].as_str().unwrap_or("");
        let r = &b["ChallengeResponses"];
        let user = r["USERNAME"].as_str().unwrap_or("");
        if !self.user_ok(user) {
            return err("UserNotFoundException", "User does not exist.");
        }
        if !self.secret_hash_ok(r, user) {
            return err(
                "NotAuthorizedException",
                "Unable to verify secret hash for client",
            );
        }
        // Every challenge but USER_SRP_AUTH's PASSWORD_VERIFIER and the device ones comes
        // with a session that must be the one issued for it.
        let sessionless = matches!(name, "PASSWORD_VERIFIER") && b.get("Session").is_none();
        if !sessionless {
            let s = b["Session"].as_str().unwrap_or("");
            let want = if name == "MFA_SETUP" {
                "MFA_SETUP_VERIFIED"
            } else {
                name
            };
            if st.sessions.remove(s) != Some(Stage::Challenge(want.into())) {
                return err("NotAuthorizedException", "Invalid session for the user.");
            }
        }
        match name {
            "PASSWORD_VERIFIER" => {
                let Some((v, pending)) = st.user_srp.take() else {
                    return err("NotAuthorizedException", "Invalid session for the user.");
                };
                if !v.check(&pending, r) {
                    return err("NotAuthorizedException", "Incorrect username or password.");
                }
                self.after_password(st)
            }
            "SELECT_CHALLENGE" => {
                let answer = r["ANSWER"].as_str().unwrap_or("");
                if !self.setup.choices.contains(&answer) {
                    return err(
                        "InvalidParameterException",
                        &format!("{answer} is not one of the available challenges"),
                    );
                }
                self.choose(st, answer, r)
            }
            "EMAIL_OTP" => {
                if r["EMAIL_OTP_CODE"].as_str() != Some(EMAIL_CODE) {
                    return err(
                        "CodeMismatchException",
                        "Invalid code provided, please request a code again.",
                    );
                }
                self.tokens(st)
            }
            "NEW_PASSWORD_REQUIRED" => {
                for a in self.setup.force_new_password.clone().unwrap_or_default() {
                    if r.get(format!("userAttributes.{a}")).is_none() {
                        return err(
                            "InvalidParameterException",
                            &format!("Invalid attributes given, {a} is missing"),
                        );
                    }
                }
                let new = r["NEW_PASSWORD"].as_str().unwrap_or("");
                if new.len() < MIN_PASSWORD {
                    return err(
                        "InvalidPasswordException",
                        "Password does not conform to policy: Password not long enough",
                    );
                }
                st.password = new.to_string();
                st.must_change = false;
                self.after_password(st)
            }
            "MFA_SETUP" => self.tokens(st),
            "SOFTWARE_TOKEN_MFA" => {
                let secret = st.totp.clone().unwrap_or_default();
                if !totp_ok(&secret, r["SOFTWARE_TOKEN_MFA_CODE"].as_str().unwrap_or("")) {
                    return err("CodeMismatchException", "Invalid code received for user");
                }
                self.tokens(st)
            }
            "SELECT_MFA_TYPE" => match r["ANSWER"].as_str() {
                Some("SOFTWARE_TOKEN_MFA") => self.challenge(st, "SOFTWARE_TOKEN_MFA", json!({})),
                Some("SMS_MFA") => self.challenge(st, "SMS_MFA", json!({})),
                _ => err("InvalidParameterException", "Invalid MFA type"),
            },
            "DEVICE_SRP_AUTH" => {
                let key = r["DEVICE_KEY"].as_str().unwrap_or("");
                let Some((_, Some(v))) = st.devices.get(key).cloned() else {
                    return err("ResourceNotFoundException", "Device does not exist.");
                };
                let (pending, mut params) = v.begin(r["SRP_A"].as_str().unwrap_or(""));
                st.device_srp = Some((key.to_string(), pending));
                params["DEVICE_KEY"] = json!(key);
                self.challenge(st, "DEVICE_PASSWORD_VERIFIER", params)
            }
            "DEVICE_PASSWORD_VERIFIER" => {
                let Some((key, pending)) = st.device_srp.take() else {
                    return err("NotAuthorizedException", "Invalid session for the user.");
                };
                let Some((_, Some(v))) = st.devices.get(&key).cloned() else {
                    return err("ResourceNotFoundException", "Device does not exist.");
                };
                if r["DEVICE_KEY"].as_str() != Some(key.as_str()) || !v.check(&pending, r) {
                    return err("NotAuthorizedException", "Incorrect username or password.");
                }
                // A remembered device skips MFA.
                self.tokens(st)
            }
            other => err(
                "InvalidParameterException",
                &format!("unexpected challenge {other}"),
            ),
        }
    }

    fn tokens(&self, st: &mut State) -> Action {
        st.counter += 1;
        let refresh = format!("rt-{}-{}", st.counter, URL_SAFE_NO_PAD.encode(random(16)));
        let device = st.signin_device.take();
        let access = jwt(self, "access", st.counter);
        st.access.push(access.clone());
        let mut result = json!({
            "IdToken": jwt(self, "id", st.counter), "AccessToken": access,
            "RefreshToken": refresh, "ExpiresIn": 3600, "TokenType": "Bearer",
        });
        if self.setup.remember_devices && device.is_none() {
            let key = format!(
                "{}_{}",
                self.setup.pool.split_once('_').unwrap().0,
                uuidish()
            );
            let group = format!("-{}", URL_SAFE_NO_PAD.encode(random(6)));
            st.devices.insert(key.clone(), (group.clone(), None));
            result["NewDeviceMetadata"] = json!({"DeviceKey": key, "DeviceGroupKey": group});
            // The session's refresh token belongs to the device just offered.
            st.refresh.insert(refresh, Some(key));
        } else {
            st.refresh.insert(refresh, device);
        }
        Action::json(200, json!({"AuthenticationResult": result}))
    }

    fn confirm_device(&self, st: &mut State, b: &Value) -> Action {
        let access = b["AccessToken"].as_str().unwrap_or("");
        if !st.access.iter().any(|a| a == access) {
            return err("NotAuthorizedException", "Invalid Access Token");
        }
        let key = b["DeviceKey"].as_str().unwrap_or("");
        let Some((group, confirmed)) = st.devices.get(key).cloned() else {
            return err("ResourceNotFoundException", "Device does not exist.");
        };
        if confirmed.is_some() {
            return err("InvalidParameterException", "Device already confirmed.");
        }
        let c = &b["DeviceSecretVerifierConfig"];
        let (Some(v), Some(salt)) = (c["PasswordVerifier"].as_str(), c["Salt"].as_str()) else {
            return err(
                "InvalidParameterException",
                "Missing DeviceSecretVerifierConfig",
            );
        };
        let verifier = Verifier::from_config(&group, key, v, salt);
        st.devices.insert(key.to_string(), (group, Some(verifier)));
        Action::json(200, json!({"UserConfirmationNecessary": false}))
    }

    fn get_tokens(&self, st: &mut State, b: &Value) -> Action {
        if let Some(secret) = self.setup.secret
            && b["ClientSecret"].as_str() != Some(secret)
        {
            return err(
                "NotAuthorizedException",
                "Client is configured with secret but ClientSecret was not received or is wrong",
            );
        }
        if b.get("SECRET_HASH").is_some() || b.get("AuthParameters").is_some() {
            return err("InvalidParameterException", "Unexpected parameter");
        }
        let device = b["DeviceKey"].as_str().map(str::to_string);
        let token = b["RefreshToken"].as_str().unwrap_or("");
        self.refresh(st, token, device, self.setup.rotation)
    }

    fn refresh(&self, st: &mut State, token: &str, device: Option<String>, rotate: bool) -> Action {
        let Some(bound) = st.refresh.get(token).cloned() else {
            return err("NotAuthorizedException", "Invalid Refresh Token");
        };
        // On an always-remember pool a refresh token belongs to a device: it refreshes only
        // with that device's key, and only once the device is confirmed.
        if self.setup.remember_devices {
            let confirmed = device
                .as_ref()
                .is_some_and(|k| st.devices.get(k).is_some_and(|(_, v)| v.is_some()));
            if bound.is_none() || bound != device || !confirmed {
                return err("NotAuthorizedException", "Invalid Refresh Token");
            }
        }
        st.counter += 1;
        let access = jwt(self, "access", st.counter);
        st.access.push(access.clone());
        let mut result = json!({
            "IdToken": jwt(self, "id", st.counter), "AccessToken": access,
            "ExpiresIn": 3600, "TokenType": "Bearer",
        });
        if rotate {
            st.refresh.remove(token);
            let new = format!("rt-{}-{}", st.counter, URL_SAFE_NO_PAD.encode(random(16)));
            st.refresh.insert(new.clone(), bound);
            result["RefreshToken"] = json!(new);
        }
        Action::json(200, json!({"AuthenticationResult": result}))
    }
}

fn totp_ok(secret: &str, code: &str) -> bool {
    let bytes = base32_decode(secret);
    let totp = totp_rs::Builder::new()
        .with_secret(bytes)
        .build_noncompliant();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    [now - 30, now, now + 30]
        .iter()
        .any(|t| totp.generate(*t).to_string() == code)
}

const B32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn data_encoding_base32(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(B32[((acc >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(B32[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

fn base32_decode(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let Some(v) = B32.iter().position(|&x| x == c) else {
            continue;
        };
        acc = (acc << 5) | v as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

fn uuidish() -> String {
    let r = random(16);
    let hex: String = r.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

fn jwt(c: &ModernCognito, token_use: &str, n: u64) -> String {
    let exp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    let claims = json!({"token_use": token_use, "aud": c.setup.client, "client_id": c.setup.client,
        "exp": exp, "n": n, "iss": format!("https://cognito-idp.us-east-1.amazonaws.com/{}", c.setup.pool),
        "cognito:username": USER_ID});
    format!(
        "eyJhbGciOiJSUzI1NiJ9.{}.c2ln",
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}
