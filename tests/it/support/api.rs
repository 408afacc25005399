//! A stand-in for an API Gateway Cognito authorizer: an HTTP server on 127.0.0.1 that checks
//! each request's `Authorization` token with RS256 against the pool's JWKS (fetched from the
//! emulator), its audience, issuer, expiry and `token_use`, and answers 200 or 401.

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};

/// A request's path and whether its token was accepted (with the reason if not).
pub type Verdict = (String, Result<(), String>);

pub struct Authorizer {
    pub port: u16,
    pub verdicts: Arc<Mutex<Vec<Verdict>>>,
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
}

impl Authorizer {
    /// Checks tokens against `jwks_url`, for `audience` and `issuer`, with `token_use` = id.
    pub fn start(jwks_url: &str, audience: &str, issuer: &str) -> Authorizer {
        let jwks = jwks(jwks_url);
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let port = server.server_addr().to_ip().unwrap().port();
        let verdicts = Arc::new(Mutex::new(Vec::new()));
        let (s, v) = (server.clone(), verdicts.clone());
        let (aud, iss) = (audience.to_string(), issuer.to_string());
        let thread = std::thread::spawn(move || {
            for req in s.incoming_requests() {
                let header = req
                    .headers()
                    .iter()
                    .find(|h| h.field.equiv("Authorization"))
                    .map(|h| h.value.as_str().to_string());
                let verdict = check(header.as_deref(), &jwks, &aud, &iss);
                let status = if verdict.is_ok() { 200 } else { 401 };
                v.lock().unwrap().push((req.url().to_string(), verdict));
                let _ =
                    req.respond(tiny_http::Response::from_string("{}").with_status_code(status));
            }
        });
        Authorizer {
            port,
            verdicts,
            server,
            thread: Some(thread),
        }
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// The pool's keys, from the emulator.
fn jwks(url: &str) -> JwkSet {
    let agent: ureq::Agent = ureq::Agent::config_builder().build().into();
    let text = agent
        .get(url)
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn check(header: Option<&str>, jwks: &JwkSet, aud: &str, iss: &str) -> Result<(), String> {
    let token = header.ok_or("no Authorization header")?;
    let token = token.strip_prefix("Bearer ").unwrap_or(token);
    let kid = decode_header(token)
        .map_err(|e| e.to_string())?
        .kid
        .ok_or("no kid")?;
    let jwk = jwks.find(&kid).ok_or("kid not in the JWKS")?;
    let key = DecodingKey::from_jwk(jwk).map_err(|e| e.to_string())?;
    let mut v = Validation::new(Algorithm::RS256);
    v.set_audience(&[aud]);
    v.set_issuer(&[iss]);
    let data = decode::<serde_json::Value>(token, &key, &v).map_err(|e| e.to_string())?;
    if data.claims["token_use"] != "id" {
        return Err("not an id token".into());
    }
    Ok(())
}

impl Drop for Authorizer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// What the role-checking API saw: the path, the status it answered, and whose token(s) came.
#[derive(Debug, Clone)]
pub struct RoleSeen {
    pub path: String,
    pub status: u16,
    /// `cognito:username` of the `Authorization` token, when it verified.
    pub user: Option<String>,
    /// `token_use` of the `Authorization` token, when it verified.
    pub token_use: Option<String>,
    pub why: String,
}

/// An API that authorises by group, as an API Gateway with a Cognito authorizer and a
/// group check in the handler would: every token is verified with RS256 against the pool's
/// JWKS (audience or `client_id`, issuer, expiry). `/admin/*` needs an id token of a member of
/// `admin` (403 otherwise); `/users/*` an id token of any user; `/public/*` no token at all;
/// `/both/*` the access token in `Authorization` and the same user's id token in `X-Id-Token`.
pub struct RoleApi {
    pub port: u16,
    pub seen: Arc<Mutex<Vec<RoleSeen>>>,
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
}

impl RoleApi {
    pub fn start(jwks_url: &str, client: &str, issuer: &str) -> RoleApi {
        let jwks = jwks(jwks_url);
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let port = server.server_addr().to_ip().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (s, v) = (server.clone(), seen.clone());
        let (client, iss) = (client.to_string(), issuer.to_string());
        let thread = std::thread::spawn(move || {
            for req in s.incoming_requests() {
                let header = |name: &'static str| {
                    req.headers()
                        .iter()
                        .find(|h| h.field.equiv(name))
                        .map(|h| h.value.as_str().to_string())
                };
                let verify = |t: &str| verified(t, &jwks, &client, &iss);
                let auth = header("Authorization")
                    .map(|a| verify(a.strip_prefix("Bearer ").unwrap_or(&a)));
                let path = req.url().to_string();
                let (status, why) = judge(&path, auth.as_ref(), header("X-Id-Token"), &verify);
                let claims = auth.and_then(Result::ok);
                v.lock().unwrap().push(RoleSeen {
                    path,
                    status,
                    user: claims
                        .as_ref()
                        .and_then(|c| c["cognito:username"].as_str().or(c["username"].as_str()))
                        .map(str::to_string),
                    token_use: claims
                        .as_ref()
                        .and_then(|c| c["token_use"].as_str())
                        .map(str::to_string),
                    why,
                });
                let _ =
                    req.respond(tiny_http::Response::from_string("{}").with_status_code(status));
            }
        });
        RoleApi {
            port,
            seen,
            server,
            thread: Some(thread),
        }
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

type Claims = serde_json::Value;

fn judge(
    path: &str,
    auth: Option<&Result<Claims, String>>,
    id_header: Option<String>,
    verify: &dyn Fn(&str) -> Result<Claims, String>,
) -> (u16, String) {
    let id_token = |c: &Claims| c["token_use"] == "id";
    let in_group = |c: &Claims, g: &str| {
        c["cognito:groups"]
            .as_array()
            .is_some_and(|gs| gs.iter().any(|x| x == g))
    };
    let section = path.trim_start_matches('/').split('/').next().unwrap_or("");
    match (section, auth) {
        ("public", None) => (200, "public, no token".into()),
        ("public", Some(_)) => (400, "a public path was sent a token".into()),
        (_, None) => (401, "no Authorization header".into()),
        (_, Some(Err(e))) => (401, e.clone()),
        ("admin", Some(Ok(c))) if id_token(c) && in_group(c, "admin") => (200, "admin".into()),
        ("admin", Some(Ok(_))) => (403, "not an id token of the admin group".into()),
        ("users", Some(Ok(c))) if id_token(c) => (200, "user".into()),
        ("both", Some(Ok(c))) if c["token_use"] == "access" => {
            match id_header.as_deref().map(verify) {
                Some(Ok(id)) if id_token(&id) && id["sub"] == c["sub"] => {
                    (200, "access and id token of one user".into())
                }
                Some(Ok(_)) => (403, "X-Id-Token is not this user's id token".into()),
                Some(Err(e)) => (401, format!("X-Id-Token: {e}")),
                None => (401, "no X-Id-Token header".into()),
            }
        }
        _ => (403, "the wrong kind of token for this path".into()),
    }
}

fn verified(token: &str, jwks: &JwkSet, client: &str, iss: &str) -> Result<Claims, String> {
    let kid = decode_header(token)
        .map_err(|e| e.to_string())?
        .kid
        .ok_or("no kid")?;
    let jwk = jwks.find(&kid).ok_or("kid not in the JWKS")?;
    let key = DecodingKey::from_jwk(jwk).map_err(|e| e.to_string())?;
    let mut v = Validation::new(Algorithm::RS256);
    v.set_issuer(&[iss]);
    v.validate_aud = false;
    let c = decode::<Claims>(token, &key, &v)
        .map_err(|e| e.to_string())?
        .claims;
    let for_client = c["aud"] == client || c["client_id"] == client;
    if !for_client {
        return Err("issued to another client".into());
    }
    Ok(c)
}

impl Drop for RoleApi {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
