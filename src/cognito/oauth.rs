//! The OAuth 2.0 endpoints of a user pool's domain (the Hosted UI): authorization code with
//! PKCE (S256) through the system browser and a callback on localhost, client_credentials for
//! machine clients, refresh_token, client authentication by HTTP Basic or form body, endpoint
//! discovery, and OAuth errors as sentences.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::signin::RefreshError;
use super::signin::Tokens;
use crate::error::{Exit, Failure};

/// The two endpoints used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub authorize: String,
    pub token: String,
}

/// How the client proves itself at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// `Authorization: Basic base64(id:secret)`.
    Basic,
    /// `client_id` and `client_secret` in the form body.
    Body,
}

/// `https://<prefix>.auth.<region>.amazoncognito.com` or a custom domain, with or without the
/// scheme; a trailing slash is ignored.
pub fn from_domain(domain: &str) -> Endpoints {
    let d = domain.trim().trim_end_matches('/');
    let base = if d.contains("://") {
        d.to_string()
    } else {
        format!("https://{d}")
    };
    Endpoints {
        authorize: format!("{base}/oauth2/authorize"),
        token: format!("{base}/oauth2/token"),
    }
}

/// A PKCE verifier and its S256 challenge.
pub struct Pkce {
    pub verifier: SecretString,
    pub challenge: String,
}

fn random_urlsafe(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    let _ = getrandom::fill(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

impl Pkce {
    pub fn new() -> Pkce {
        let verifier = random_urlsafe(48); // 64 characters
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        Pkce {
            verifier: SecretString::from(verifier),
            challenge,
        }
    }
}

impl Default for Pkce {
    fn default() -> Self {
        Self::new()
    }
}

/// The URL the person opens to sign in.
pub fn authorize_url(
    ep: &Endpoints,
    client_id: &str,
    redirect_uri: &str,
    scope: &str,
    state: &str,
    challenge: &str,
    idp: Option<(&str, &str)>,
) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", scope)
        .append_pair("state", state)
        .append_pair("code_challenge", challenge)
        .append_pair("code_challenge_method", "S256");
    // Straight to a federated provider, skipping the Hosted UI's chooser.
    if let Some((name, value)) = idp {
        query.append_pair(name, value);
    }
    format!("{}?{}", ep.authorize, query.finish())
}

/// A fresh random `state`.
pub fn new_state() -> String {
    random_urlsafe(24)
}

/// Waits on `listener` for the browser to come back to `/callback` with our `state`; answers it
/// with a short page. Gives up after `timeout`.
pub fn wait_for_code(
    listener: &TcpListener,
    state: &str,
    timeout: Duration,
) -> Result<String, Failure> {
    let deadline = Instant::now() + timeout;
    listener
        .set_nonblocking(true)
        .map_err(|e| Failure::io(format!("cannot listen for the browser: {e}")))?;
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                if let Some(result) = handle_callback(stream, state) {
                    return result;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if Instant::now() >= deadline {
                    return Err(Failure::new(
                        Exit::Auth,
                        format!("no sign-in came back from the browser within {}", humantime::format_duration(timeout)),
                    )
                    .with_hint("open the printed URL and sign in, or give more time with --browser-timeout"));
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => {
                return Err(Failure::io(format!(
                    "cannot accept the browser's callback: {e}"
                )));
            }
        }
    }
}

/// One request to the callback server: `None` to keep waiting (another path, a favicon).
fn handle_callback(stream: TcpStream, state: &str) -> Option<Result<String, Failure>> {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    // Drain the headers.
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
            break;
        }
    }
    let target = line.split_whitespace().nth(1).unwrap_or("/");
    let Ok(url) = url::Url::parse(&format!("http://localhost{target}")) else {
        return None;
    };
    let mut out = stream;
    if url.path() != "/callback" {
        let _ = out
            .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return None;
    }
    let q: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    if q.get("state").map(String::as_str) != Some(state) {
        // Not this sign-in's answer (a stale tab, or a request forged by a page the browser
        // opened): it is answered and ignored, and the wait goes on until the deadline.
        let body = "<!DOCTYPE html><html><head><title>postman-cognito</title></head><body><p>\
                    This is not the sign-in postman-cognito is waiting for (the state does not \
                    match). Use the URL the terminal shows.</p></body></html>";
        let _ = out.write_all(
            format!(
                "HTTP/1.1 400 Bad Request\r\nContent-Type: text/html; charset=utf-8\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        );
        return None;
    }
    let (page, result) = if let Some(err) = q.get("error") {
        let desc = q.get("error_description").cloned().unwrap_or_default();
        (
            "Sign-in failed. You can close this window and look at the terminal.",
            Err(Failure::new(
                Exit::Auth,
                format!(
                    "the Hosted UI answered {}: {}",
                    crate::redact::inline(err),
                    crate::redact::inline(&desc)
                ),
            )
            .with_hint("check the app client's allowed OAuth flows, scopes and callback URLs")),
        )
    } else if let Some(code) = q.get("code") {
        (
            "Signed in. You can close this window and return to the terminal.",
            Ok(code.clone()),
        )
    } else {
        (
            "Sign-in failed: no code came back. You can close this window.",
            Err(Failure::new(
                Exit::Auth,
                "the browser came back without a code",
            )),
        )
    };
    let body = format!(
        "<!DOCTYPE html><html><head><title>postman-cognito</title></head><body><p>{page}</p></body></html>"
    );
    let _ = out.write_all(
        format!("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).as_bytes(),
    );
    Some(result)
}

/// Opens `url` in the system browser when there is one (never fails; the URL is printed too).
pub fn open_browser(url: &str, env: &crate::env::Env) {
    if env.get("BROWSER") == Some("none") {
        return;
    }
    let candidates: &[&str] = if cfg!(target_os = "macos") {
        &["open"]
    } else if cfg!(windows) {
        &["explorer"]
    } else if env.get("DISPLAY").is_some() || env.get("WAYLAND_DISPLAY").is_some() {
        &["xdg-open"]
    } else {
        &[]
    };
    for c in candidates {
        if std::process::Command::new(c)
            .arg(url)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .is_ok()
        {
            return;
        }
    }
}

/// A request to the token endpoint with `form`, authenticating the client as asked.
pub async fn token_request(
    http: &reqwest::Client,
    ep: &Endpoints,
    form: &[(&str, &str)],
    client_id: &str,
    secret: Option<&SecretString>,
    auth: ClientAuth,
) -> Result<Tokens, RefreshError> {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in form {
        ser.append_pair(k, v);
    }
    ser.append_pair("client_id", client_id);
    let mut req = http
        .post(&ep.token)
        .header("Content-Type", "application/x-www-form-urlencoded");
    if let Some(s) = secret {
        match auth {
            ClientAuth::Basic => {
                let basic = STANDARD.encode(format!("{client_id}:{}", s.expose_secret()));
                req = req.header("Authorization", format!("Basic {basic}"));
            }
            ClientAuth::Body => {
                ser.append_pair("client_secret", s.expose_secret());
            }
        }
    }
    let resp = req.body(ser.finish()).send().await.map_err(|e| {
        RefreshError::Failed(Failure::new(
            Exit::Network,
            format!(
                "cannot reach the token endpoint {}: {}",
                ep.token,
                if e.is_timeout() {
                    "timed out".to_string()
                } else {
                    e.without_url().to_string()
                }
            ),
        ))
    })?;
    let status = resp.status().as_u16();
    let bytes = super::api::read_capped(resp).await.map_err(|e| {
        RefreshError::Failed(Failure::new(
            Exit::Network,
            match e {
                super::api::BodyError::TooBig => {
                    format!("the token endpoint {} answered over 1 MiB", ep.token)
                }
                super::api::BodyError::Transport(e) => {
                    format!("the token endpoint {} broke off: {e}", ep.token)
                }
            },
        ))
    })?;
    let json: Option<Value> = serde_json::from_slice(&bytes).ok();
    if (200..300).contains(&status)
        && let Some(v) = &json
        && let Some(access) = v.get("access_token").and_then(Value::as_str)
    {
        let s = |k: &str| {
            v.get(k)
                .and_then(Value::as_str)
                .map(|t| SecretString::from(t.to_string()))
        };
        return Ok(Tokens {
            id: s("id_token"),
            access: SecretString::from(access.to_string()),
            refresh: s("refresh_token"),
            expires_in: v.get("expires_in").and_then(Value::as_i64),
            device: None,
            legacy_refresh: false,
        });
    }
    let error = json
        .as_ref()
        .and_then(|v| v.get("error"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let desc = json
        .as_ref()
        .and_then(|v| v.get("error_description"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let f = oauth_error(status, error, desc, &ep.token);
    // An error the endpoint gave (a grant or client it refuses) is a refusal; a server failing
    // or a body that is no OAuth answer is not.
    Err(if (400..500).contains(&status) && !error.is_empty() {
        RefreshError::Refused(f)
    } else {
        RefreshError::Failed(f)
    })
}

/// An OAuth error body as a sentence with the fix.
pub fn oauth_error(status: u16, error: &str, desc: &str, endpoint: &str) -> Failure {
    // The server's words, on one line (control characters escaped).
    let (error, desc) = (
        crate::redact::inline(error).into_owned(),
        crate::redact::inline(desc).into_owned(),
    );
    let (error, desc) = (error.as_str(), desc.as_str());
    let said = if desc.is_empty() {
        String::new()
    } else {
        format!(" ({desc})")
    };
    let (msg, hint) = match error {
        "invalid_client" => (
            format!("the token endpoint did not accept the app client{said}"),
            "check --client-id and COGNITO_CLIENT_SECRET, and --client-auth (basic or body) for this client",
        ),
        "invalid_grant" if desc.to_ascii_lowercase().contains("redirect") => (
            format!("the redirect URI does not match the one the code was issued for{said}"),
            "use the same --callback-port, and add http://localhost:<port>/callback to the app client's callback URLs",
        ),
        "invalid_grant" => (
            format!("the code or refresh token was refused{said}"),
            "sign in again; codes are single-use and expire within minutes, and a PKCE verifier must match its challenge",
        ),
        "unauthorized_client" => (
            format!("the app client may not use this grant{said}"),
            "allow the flow (authorization code or client credentials) in the app client's Hosted UI settings",
        ),
        "invalid_scope" => (
            format!("a requested scope is not allowed for this client{said}"),
            "use --scope with scopes the app client allows (resource-server scopes for client credentials)",
        ),
        "unsupported_grant_type" => (
            format!("the endpoint does not support this grant{said}"),
            "client_credentials needs a client with a secret and a resource server; authorization_code needs the Hosted UI",
        ),
        "" => (
            format!("the token endpoint {endpoint} answered HTTP {status} without an OAuth error"),
            "is --domain the pool's domain (https://<prefix>.auth.<region>.amazoncognito.com)?",
        ),
        other => (
            format!("the token endpoint refused the request: {other}{said}"),
            "see the app client's Hosted UI settings",
        ),
    };
    let exit = if status >= 500 || error.is_empty() {
        Exit::Network
    } else {
        Exit::Auth
    };
    Failure::new(exit, msg).with_hint(hint)
}

/// Reads the OIDC discovery document of a pool for its endpoints.
pub async fn discover(
    http: &reqwest::Client,
    url: &str,
    allow_http_host: Option<&str>,
) -> Result<Endpoints, Failure> {
    discover_if_any(http, url, allow_http_host)
        .await?
        .ok_or_else(|| {
            Failure::usage(format!("{url} names no authorization or token endpoint"))
                .with_hint("the pool has no domain: create one, or give --domain")
        })
}

/// The endpoints an OIDC discovery document names; `None` when it names none, or there is no
/// document (HTTP 404): a pool without a domain.
pub async fn discover_if_any(
    http: &reqwest::Client,
    url: &str,
    allow_http_host: Option<&str>,
) -> Result<Option<Endpoints>, Failure> {
    let resp = http.get(url).send().await.map_err(|e| {
        Failure::new(
            Exit::Network,
            format!(
                "cannot read the OIDC discovery document {url}: {}",
                e.without_url()
            ),
        )
    })?;
    if resp.status().as_u16() == 404 {
        return Ok(None);
    }
    let not_a_document = || {
        Failure::new(
            Exit::Network,
            format!("{url} is not an OIDC discovery document"),
        )
    };
    let bytes = super::api::read_capped(resp).await.map_err(|e| match e {
        super::api::BodyError::TooBig => Failure::new(
            Exit::Network,
            format!("{url} answered over 1 MiB: not an OIDC discovery document"),
        ),
        super::api::BodyError::Transport(_) => not_a_document(),
    })?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|_| not_a_document())?;
    let get = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    match (get("authorization_endpoint"), get("token_endpoint")) {
        (Some(authorize), Some(token)) => {
            // The same rule as for every URL that gets a secret, a code or a verifier.
            for (what, u) in [("authorization", &authorize), ("token", &token)] {
                crate::urls::check_endpoint(u, allow_http_host).map_err(|e| {
                    Failure::usage(format!(
                        "{url} names the {what} endpoint {}: {}",
                        crate::redact::inline(&crate::redact::without_userinfo(u)),
                        e.message
                    ))
                })?;
            }
            Ok(Some(Endpoints { authorize, token }))
        }
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_challenge_is_s256_of_the_verifier() {
        // RFC 7636 appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(
            URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let p = Pkce::new();
        assert_eq!(p.verifier.expose_secret().len(), 64);
        assert_eq!(
            p.challenge,
            URL_SAFE_NO_PAD.encode(Sha256::digest(p.verifier.expose_secret().as_bytes()))
        );
    }

    #[test]
    fn endpoints_from_a_domain() {
        for d in [
            "my-app.auth.us-east-1.amazoncognito.com",
            "https://my-app.auth.us-east-1.amazoncognito.com/",
        ] {
            assert_eq!(
                from_domain(d).token,
                "https://my-app.auth.us-east-1.amazoncognito.com/oauth2/token"
            );
        }
        let url = authorize_url(
            &from_domain("http://127.0.0.1:9/"),
            "c",
            "http://localhost:5/callback",
            "openid email",
            "s",
            "ch",
            None,
        );
        assert!(url.starts_with("http://127.0.0.1:9/oauth2/authorize?response_type=code&client_id=c&redirect_uri=http%3A%2F%2Flocalhost%3A5%2Fcallback&scope=openid+email&state=s&code_challenge=ch&code_challenge_method=S256"), "{url}");
        let direct = |idp| {
            authorize_url(
                &from_domain("https://d.example"),
                "c",
                "r",
                "openid",
                "s",
                "ch",
                idp,
            )
        };
        assert!(
            direct(Some(("identity_provider", "Okta SAML")))
                .ends_with("&identity_provider=Okta+SAML")
        );
        assert!(
            direct(Some(("idp_identifier", "example.com")))
                .ends_with("&idp_identifier=example.com")
        );
        assert!(
            !direct(None).contains("identity_provider") && !direct(None).contains("idp_identifier")
        );
    }

    #[test]
    fn oauth_errors_become_sentences() {
        for (err, says, exit) in [
            (
                "invalid_client",
                "did not accept the app client",
                Exit::Auth,
            ),
            ("invalid_grant", "refused", Exit::Auth),
            ("unauthorized_client", "may not use this grant", Exit::Auth),
            ("invalid_scope", "scope is not allowed", Exit::Auth),
            (
                "unsupported_grant_type",
                "does not support this grant",
                Exit::Auth,
            ),
        ] {
            let f = oauth_error(400, err, "", "https://x/oauth2/token");
            assert!(f.message.contains(says), "{err}: {}", f.message);
            assert_eq!(f.exit, exit);
        }
        assert!(
            oauth_error(400, "invalid_grant", "redirect_uri mismatch", "x")
                .message
                .contains("redirect URI")
        );
        assert_eq!(oauth_error(502, "", "", "x").exit, Exit::Network);
    }
}
