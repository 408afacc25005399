//! The one rule for every URL that receives a password, a secret, a code, a verifier or a
//! token: https, or plain http to a loopback address (or the one host `--allow-http-host`
//! names), and never with a user name or password in the URL.

use crate::error::Failure;

/// Refuses plain http unless the host is loopback (or the one host `allow_http` names): a
/// password must never cross a network in clear.
pub fn check_endpoint(url: &str, allow_http: Option<&str>) -> Result<(), Failure> {
    let shown = crate::redact::inline(&crate::redact::without_userinfo(url)).into_owned();
    let parsed = reqwest::Url::parse(url).map_err(|e| {
        Failure::usage(format!("the endpoint {shown:?} is not a URL: {e}"))
            .with_hint("e.g. --endpoint-url https://cognito-idp.us-east-1.amazonaws.com/")
    })?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Failure::usage(format!(
            "the endpoint {shown} holds a user name or password: Cognito takes none there"
        ))
        .with_hint("remove the part before @ from the URL"));
    }
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(&parsed) => Ok(()),
        "http" if allow_http.is_some() && parsed.host_str() == allow_http => Ok(()),
        "http" => Err(Failure::usage(format!(
            "refusing plain http to {}: it would send credentials across the network in clear",
            parsed.host_str().unwrap_or("?")
        ))
        .with_hint(
            "use https, or a loopback address (127.0.0.1, ::1, localhost) for a local emulator; \
             for an emulator reached by name, --allow-http-host NAME",
        )),
        other => Err(Failure::usage(format!(
            "the endpoint scheme {other:?} is not http or https"
        ))),
    }
}

fn is_loopback(u: &reqwest::Url) -> bool {
    match u.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}
