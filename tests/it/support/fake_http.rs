//! A scripted HTTP/1.1 server on 127.0.0.1 for what no emulator does: checking SRP signatures,
//! injecting faults (5xx bursts, 429, hangs, resets, HTML pages, truncated bodies) and
//! replaying AWS's exact error bodies. Each request is answered by the script with one
//! [`Action`]; the server counts requests so tests can check how many tries were made.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

/// What to do with one request.
pub enum Action {
    /// Answer with this status, extra headers and body.
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// Read the request and never answer (until the server is dropped).
    Hang,
    /// Read the request and reset the connection.
    Reset,
    /// Promise `declared` bytes of body, send `body`, and close.
    Truncate {
        status: u16,
        declared: usize,
        body: String,
    },
    /// Send the headers, then the body one byte a second.
    Drip { body: String },
}

impl Action {
    pub fn json(status: u16, v: Value) -> Action {
        Action::Respond {
            status,
            headers: vec![],
            body: v.to_string(),
        }
    }

    /// A successful sign-in for app client `client`: id and access tokens valid for an hour.
    pub fn tokens(client: &str) -> Action {
        use base64::Engine;
        let exp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 3600;
        let b64 = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        let jwt = |claims: Value| format!("eyJhbGciOiJSUzI1NiJ9.{}.c2ln", b64(claims));
        let id = jwt(serde_json::json!({"token_use": "id", "aud": client, "exp": exp, "iss": "x"}));
        let access = jwt(
            serde_json::json!({"token_use": "access", "client_id": client, "exp": exp, "iss": "x"}),
        );
        Action::json(
            200,
            serde_json::json!({"AuthenticationResult": {"IdToken": id, "AccessToken": access}}),
        )
    }

    /// An AWS-style error: `__type` in the body and in `x-amzn-ErrorType`.
    pub fn aws_error(status: u16, name: &str, message: &str) -> Action {
        Action::Respond {
            status,
            headers: vec![("x-amzn-ErrorType".into(), format!("{name}:"))],
            body: serde_json::json!({"__type": name, "message": message}).to_string(),
        }
    }
}

/// One received request: the X-Amz-Target operation and the JSON body.
#[derive(Debug, Clone)]
pub struct Received {
    /// The request line's method and path, e.g. `GET /pool/.well-known/openid-configuration`.
    pub line: String,
    pub op: String,
    pub body: Value,
    /// The body as sent (form bodies are not JSON).
    pub raw: String,
    pub authorization: Option<String>,
}

type Script = dyn Fn(usize, &Received) -> Action + Send + Sync;

pub struct FakeHttp {
    pub port: u16,
    count: Arc<AtomicUsize>,
    pub received: Arc<Mutex<Vec<Received>>>,
    stop: Arc<AtomicBool>,
}

impl FakeHttp {
    /// Starts a server answering request number `n` (from 0) with `script(n, request)`.
    pub fn start(script: impl Fn(usize, &Received) -> Action + Send + Sync + 'static) -> FakeHttp {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let count = Arc::new(AtomicUsize::new(0));
        let received = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let script: Arc<Script> = Arc::new(script);
        let (c, r, s) = (count.clone(), received.clone(), stop.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (c, r, s, script) = (c.clone(), r.clone(), s.clone(), script.clone());
                std::thread::spawn(move || serve(conn, &c, &r, &s, script.as_ref()));
            }
        });
        FakeHttp {
            port,
            count,
            received,
            stop,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    pub fn requests(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

impl Drop for FakeHttp {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(
    conn: TcpStream,
    count: &AtomicUsize,
    received: &Mutex<Vec<Received>>,
    stop: &AtomicBool,
    script: &Script,
) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut len = 0;
        let mut op = String::new();
        let mut authorization = None;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                let k = k.trim().to_ascii_lowercase();
                if k == "content-length" {
                    len = v.trim().parse().unwrap_or(0);
                } else if k == "authorization" {
                    authorization = Some(v.trim().to_string());
                } else if k == "x-amz-target" {
                    op = v.trim().rsplit('.').next().unwrap_or("").to_string();
                }
            }
        }
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let req = Received {
            line: line
                .split_whitespace()
                .take(2)
                .collect::<Vec<_>>()
                .join(" "),
            op,
            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
            raw: String::from_utf8_lossy(&body).into_owned(),
            authorization,
        };
        let n = count.fetch_add(1, Ordering::SeqCst);
        received.lock().unwrap().push(req.clone());
        let mut out = conn.try_clone().unwrap();
        match script(n, &req) {
            Action::Respond {
                status,
                headers,
                body,
            } => {
                let mut head = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\n",
                    body.len()
                );
                for (k, v) in headers {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                head.push_str("\r\n");
                if out
                    .write_all(head.as_bytes())
                    .and_then(|_| out.write_all(body.as_bytes()))
                    .is_err()
                {
                    return;
                }
            }
            Action::Hang => {
                while !stop.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(50));
                }
                return;
            }
            Action::Reset => {
                let _ = socket_reset(&out);
                drop(out);
                drop(reader);
                return;
            }
            Action::Drip { body } => {
                let head = format!(
                    "HTTP/1.1 200 X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                let _ = out.write_all(head.as_bytes());
                for b in body.bytes() {
                    if stop.load(Ordering::SeqCst) || out.write_all(&[b]).is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_secs(1));
                }
                return;
            }
            Action::Truncate {
                status,
                declared,
                body,
            } => {
                let head = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {declared}\r\n\r\n"
                );
                let _ = out.write_all(head.as_bytes());
                let _ = out.write_all(body.as_bytes());
                let _ = out.shutdown(std::net::Shutdown::Both);
                return;
            }
        }
    }
}

/// Closes with RST (SO_LINGER 0) where the platform allows, else plainly.
fn socket_reset(s: &TcpStream) -> std::io::Result<()> {
    socket2::SockRef::from(s).set_linger(Some(Duration::ZERO))?;
    Ok(())
}
