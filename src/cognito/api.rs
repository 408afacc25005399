//! The cognito-idp JSON API over HTTPS (or plain http to loopback): one call with timeouts,
//! bounded retries with exponential backoff and full jitter on throttling, 5xx and network
//! errors only, and response bodies read up to a limit. Sign-in failures are never retried:
//! Cognito locks a user out after five.

use std::time::Duration;

use serde_json::Value;

/// Largest response body read, from cognito-idp and from the OAuth 2.0 endpoints alike;
/// Cognito's answers are a few KB.
pub const MAX_BODY: usize = 1 << 20;

/// Why a body was not read whole.
pub enum BodyError {
    /// Over [`MAX_BODY`]: reading stopped there.
    TooBig,
    Transport(reqwest::Error),
}

/// Reads a response body chunk by chunk, stopping past [`MAX_BODY`] (never buffering more).
pub async fn read_capped(mut resp: reqwest::Response) -> Result<Vec<u8>, BodyError> {
    let mut bytes = Vec::new();
    while let Some(c) = resp.chunk().await.map_err(BodyError::Transport)? {
        if bytes.len() + c.len() > MAX_BODY {
            return Err(BodyError::TooBig);
        }
        bytes.extend_from_slice(&c);
    }
    Ok(bytes)
}

/// How calls are made.
#[derive(Debug, Clone)]
pub struct CallPolicy {
    pub connect_timeout: Duration,
    /// For one HTTP exchange, from connect to the last byte of the body.
    pub timeout: Duration,
    /// Further tries after the first, for retryable failures only.
    pub retries: u32,
    /// First backoff; it doubles each try, capped at `max_backoff`, with full jitter.
    pub backoff: Duration,
    pub max_backoff: Duration,
    /// Where the tries are told with `-v`.
    pub ui: crate::ui::Ui,
    pub proxy: HttpsProxy,
}

/// The proxy for https calls. Plain http (to a loopback emulator) never goes through a proxy:
/// `HTTP_PROXY` and `http_proxy` are ignored, and so is `ALL_PROXY` for http.
#[derive(Debug, Clone, Default)]
pub struct HttpsProxy {
    /// From `HTTPS_PROXY`, `https_proxy`, `ALL_PROXY` or `all_proxy`, the first set.
    pub url: Option<String>,
    /// From `NO_PROXY` or `no_proxy`.
    pub no_proxy: Option<String>,
}

impl HttpsProxy {
    pub fn from_env(env: &crate::env::Env) -> Self {
        let first = |names: &[&str]| names.iter().find_map(|n| env.get(n).map(str::to_string));
        HttpsProxy {
            url: first(&["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]),
            no_proxy: first(&["NO_PROXY", "no_proxy"]),
        }
    }
}

/// The first backoff, and its cap.
pub const BACKOFF: Duration = Duration::from_millis(200);
pub const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// How a call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// Cognito answered with an error: its name (e.g. `NotAuthorizedException`) and message.
    Service {
        name: String,
        message: String,
        status: u16,
    },
    /// No answer: connection refused or reset, DNS, TLS.
    Network(String),
    /// No complete answer in time.
    Timeout(String),
    /// An answer that is not Cognito's JSON (an HTML page, a truncated or huge body, ...).
    Malformed { status: u16, what: String },
}

impl ApiError {
    /// Throttling, server errors and network failures; never a refused sign-in.
    pub fn retryable(&self) -> bool {
        match self {
            ApiError::Service {
                name,
                message,
                status,
            } => {
                // An emulator's "unsupported feature" will not change on a retry.
                if name == "Unsupported" || message.to_ascii_lowercase().contains("unsupported") {
                    return false;
                }
                *status == 429
                    || *status >= 500
                    || name == "TooManyRequestsException"
                    || name == "LimitExceededException"
                    || name == "InternalErrorException"
            }
            ApiError::Network(_) | ApiError::Timeout(_) => true,
            ApiError::Malformed { status, .. } => *status >= 500 || *status == 429,
        }
    }
}

impl ApiError {
    /// The endpoint does not know the operation: AWS says `UnknownOperationException`,
    /// cognito-local `Unsupported`, moto answers HTTP 500 with an HTML page.
    pub fn unknown_operation(&self) -> bool {
        match self {
            ApiError::Service { name, message, .. } => {
                name == "UnknownOperationException"
                    || name == "Unsupported"
                    || message.to_ascii_lowercase().contains("unsupported")
            }
            ApiError::Malformed { status, .. } => *status >= 500 || *status == 404,
            ApiError::Network(_) | ApiError::Timeout(_) => false,
        }
    }
}

/// A client for one endpoint.
pub struct Api {
    http: reqwest::Client,
    pub endpoint: String,
    policy: CallPolicy,
    /// The service the operations belong to, as `X-Amz-Target` names it.
    service: &'static str,
}

/// An HTTP client with the policy's timeouts, no redirects, and rustls (ring).
pub fn http_client(policy: &CallPolicy) -> Result<reqwest::Client, String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = reqwest::Client::builder().no_proxy();
    if let Some(url) = &policy.proxy.url {
        // Never echo the URL: a proxy URL may hold the proxy's password.
        let proxy = reqwest::Proxy::https(url.as_str())
            .map_err(|_| "HTTPS_PROXY (or ALL_PROXY) is not a proxy URL".to_string())?
            .no_proxy(
                policy
                    .proxy
                    .no_proxy
                    .as_deref()
                    .and_then(reqwest::NoProxy::from_string),
            );
        builder = builder.proxy(proxy);
    }
    builder
        .connect_timeout(policy.connect_timeout)
        .timeout(policy.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("postman-cognito/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot set up HTTPS: {e}"))
}

impl Api {
    pub fn new(endpoint: &str, policy: CallPolicy) -> Result<Api, String> {
        Self::for_service(endpoint, policy, "AWSCognitoIdentityProviderService")
    }

    /// An API of another service (`AWSCognitoIdentityService`, identity pools).
    pub fn for_service(
        endpoint: &str,
        policy: CallPolicy,
        service: &'static str,
    ) -> Result<Api, String> {
        let http = http_client(&policy)?;
        Ok(Api {
            http,
            endpoint: endpoint.to_string(),
            policy,
            service,
        })
    }

    /// The HTTP status of a GET of `url` (one try, the body read and dropped), for what the
    /// public endpoints tell without a secret; `None` when it could not be had.
    pub async fn status_of(&self, url: &str) -> Option<u16> {
        let resp = self.http.get(url).send().await.ok()?;
        let status = resp.status().as_u16();
        let _ = read_capped(resp).await;
        Some(status)
    }

    /// Calls `AWSCognitoIdentityProviderService.{op}` with `body`, retrying what may be retried.
    pub async fn call(&self, op: &str, body: &Value) -> Result<Value, ApiError> {
        self.call_with(op, body, false).await
    }

    /// Like [`Api::call`], for an operation the endpoint may not know (a newer one, on an
    /// emulator): an answer that says so ([`ApiError::unknown_operation`]) is returned at once,
    /// not retried, so that the caller can fall back.
    pub async fn call_unless_unknown(&self, op: &str, body: &Value) -> Result<Value, ApiError> {
        self.call_with(op, body, true).await
    }

    async fn call_with(&self, op: &str, body: &Value, probe: bool) -> Result<Value, ApiError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.policy.ui.note(&format!(
                "{op} at {} (try {attempt} of {})",
                self.endpoint,
                self.policy.retries + 1
            ));
            self.policy.ui.status(Some(&format!(
                "postman-cognito: waiting for Cognito ({op} at {}, try {attempt} of {}, up to {} each)",
                self.endpoint,
                self.policy.retries + 1,
                humantime::format_duration(self.policy.timeout)
            )));
            let (result, retry_after) = self.once(op, body).await;
            self.policy.ui.status(None);
            match result {
                Err(e)
                    if e.retryable()
                        && attempt <= self.policy.retries
                        && !(probe && e.unknown_operation()) =>
                {
                    let wait = retry_after.unwrap_or_else(|| self.backoff(attempt));
                    self.policy.ui.note(&format!(
                        "{op} failed ({}); trying again in {} ms",
                        short(&e),
                        wait.as_millis()
                    ));
                    tokio::time::sleep(wait).await;
                }
                other => return other,
            }
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .policy
            .backoff
            .saturating_mul(1 << (attempt - 1).min(16))
            .min(self.policy.max_backoff);
        let mut r = [0u8; 4];
        let _ = getrandom::fill(&mut r);
        let frac = f64::from(u32::from_le_bytes(r)) / f64::from(u32::MAX);
        exp.mul_f64(frac)
    }

    async fn once(&self, op: &str, body: &Value) -> (Result<Value, ApiError>, Option<Duration>) {
        let sent = self
            .http
            .post(&self.endpoint)
            .header("Content-Type", "application/x-amz-json-1.1")
            .header("X-Amz-Target", format!("{}.{op}", self.service))
            .body(body.to_string())
            .send()
            .await;
        let resp = match sent {
            Ok(r) => r,
            Err(e) => return (Err(transport(&e)), None),
        };
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|s| Duration::from_secs(s.min(30)));
        let header_type = resp
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = match read_capped(resp).await {
            Ok(b) => b,
            Err(BodyError::TooBig) => {
                let what = format!("a response body over {} KiB", MAX_BODY >> 10);
                return (Err(ApiError::Malformed { status, what }), None);
            }
            Err(BodyError::Transport(e)) => return (Err(transport(&e)), retry_after),
        };
        let json: Option<Value> = serde_json::from_slice(&bytes).ok();
        if (200..300).contains(&status) {
            return match json {
                Some(v @ Value::Object(_)) => (Ok(v), None),
                _ => (
                    Err(ApiError::Malformed {
                        status,
                        what: describe_body(&bytes),
                    }),
                    None,
                ),
            };
        }
        let name = json
            .as_ref()
            .and_then(|j| j.get("__type").or_else(|| j.get("code")))
            .and_then(Value::as_str)
            .map(str::to_string)
            .or(header_type)
            .map(|t| crate::redact::inline(&error_name(&t)).into_owned());
        // The server's words are shown on one line, control characters escaped: a line break
        // in them could start a line of its own in a CI log (`::add-mask::`).
        let message = json
            .as_ref()
            .and_then(|j| j.get("message").or_else(|| j.get("Message")))
            .and_then(Value::as_str)
            .map(|m| crate::redact::inline(m).into_owned())
            .unwrap_or_default();
        let result = match name {
            Some(name) => Err(ApiError::Service {
                name,
                message,
                status,
            }),
            None => Err(ApiError::Malformed {
                status,
                what: describe_body(&bytes),
            }),
        };
        (result, retry_after)
    }
}

/// `aws.protocols#NotAuthorizedException:extra` → `NotAuthorizedException`.
pub fn error_name(raw: &str) -> String {
    let after_hash = raw.rsplit('#').next().unwrap_or(raw);
    after_hash
        .split(':')
        .next()
        .unwrap_or(after_hash)
        .trim()
        .to_string()
}

fn transport(e: &reqwest::Error) -> ApiError {
    if e.is_timeout() {
        ApiError::Timeout("no complete answer within the timeout".into())
    } else if e.is_connect() {
        ApiError::Network(format!("cannot connect ({})", root_cause(e)))
    } else {
        ApiError::Network(root_cause(e))
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

fn describe_body(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]);
    let t = text.trim_start();
    if t.is_empty() {
        "an empty body".into()
    } else if t.starts_with('<') {
        "an HTML page instead of JSON (a proxy, a load balancer or the wrong endpoint?)".into()
    } else if t.starts_with('{') || t.starts_with('[') {
        "JSON that is truncated or not what Cognito sends".into()
    } else {
        "a body that is not JSON".into()
    }
}

/// A few words for verbose lines.
/// The error with the service's own words when it sent some (`NotAuthorizedException: Client
/// is not enabled`), else [`short`].
pub fn said(e: &ApiError) -> String {
    match e {
        ApiError::Service { name, message, .. } if !message.is_empty() => format!(
            "{name}: {}",
            crate::redact::inline(message.trim_end_matches('.'))
        ),
        other => short(other),
    }
}

pub fn short(e: &ApiError) -> String {
    match e {
        ApiError::Service { name, status, .. } => format!("{name}, HTTP {status}"),
        ApiError::Network(m) | ApiError::Timeout(m) => m.clone(),
        ApiError::Malformed { status, what } => format!("HTTP {status}, {what}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_names_are_cut_from_type_strings() {
        assert_eq!(
            error_name("NotAuthorizedException"),
            "NotAuthorizedException"
        );
        assert_eq!(
            error_name("com.amazonaws.cognito#UserNotFoundException:http://x"),
            "UserNotFoundException"
        );
    }

    #[test]
    fn only_throttling_server_and_network_errors_retry() {
        let svc = |name: &str, status| ApiError::Service {
            name: name.into(),
            message: String::new(),
            status,
        };
        assert!(svc("TooManyRequestsException", 400).retryable());
        assert!(svc("LimitExceededException", 400).retryable());
        assert!(svc("Anything", 503).retryable());
        assert!(svc("Anything", 429).retryable());
        for name in [
            "NotAuthorizedException",
            "UserNotFoundException",
            "CodeMismatchException",
            "InvalidParameterException",
        ] {
            assert!(!svc(name, 400).retryable(), "{name}");
        }
        assert!(ApiError::Network("x".into()).retryable());
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let api = Api::new(
            "http://127.0.0.1:9",
            CallPolicy {
                connect_timeout: Duration::from_secs(1),
                timeout: Duration::from_secs(1),
                retries: 3,
                backoff: Duration::from_millis(100),
                max_backoff: Duration::from_millis(300),
                ui: crate::ui::Ui::capture().0,
                proxy: HttpsProxy::default(),
            },
        )
        .unwrap();
        for attempt in 1..10 {
            assert!(api.backoff(attempt) <= Duration::from_millis(300));
        }
    }
}
