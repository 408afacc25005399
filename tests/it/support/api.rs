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
        let agent: ureq::Agent = ureq::Agent::config_builder().build().into();
        let text = agent
            .get(jwks_url)
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap();
        let jwks: JwkSet = serde_json::from_str(&text).unwrap();
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
