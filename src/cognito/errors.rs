//! Cognito's errors as plain sentences that say what to do, with the exit code for their kind:
//! 5 when Cognito refused (authentication, configuration), 6 when it could not be reached.

use super::api::ApiError;
use crate::error::{Exit, Failure};

/// What was being done, to say it in the message.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    pub endpoint: &'a str,
    pub pool_id: &'a str,
    pub client_id: &'a str,
    pub username: Option<&'a str>,
    /// `--flow` value in use.
    pub flow: &'a str,
    pub has_secret: bool,
    /// How many tries a retryable failure got, and the time each was allowed.
    pub tries: u32,
    pub timeout: std::time::Duration,
}

impl Context<'_> {
    /// "after 4 tries, 20s each (--retries, --timeout)", or that there was one try.
    fn tried(&self) -> String {
        let each = humantime::format_duration(self.timeout);
        match self.tries {
            1 => format!("after one try of up to {each} (--retries 0; --timeout)"),
            n => format!(
                "after {n} tries of up to {each} each (--retries {}; --timeout)",
                n - 1
            ),
        }
    }
}

pub fn explain(e: &ApiError, cx: &Context) -> Failure {
    let user = cx
        .username
        .map_or_else(|| "the user".to_string(), |u| format!("user {u:?}"));
    match e {
        ApiError::Network(m) => Failure::new(
            Exit::Network,
            format!("cannot reach Cognito at {}: {m}", cx.endpoint),
        )
        .with_hint(format!(
            "{}; check the network, the region (--region) and --endpoint-url",
            cx.tried()
        )),
        ApiError::Timeout(m) => Failure::new(
            Exit::Network,
            format!("Cognito at {} did not answer: {m}", cx.endpoint),
        )
        .with_hint(format!("{}; try again, or raise --timeout", cx.tried())),
        ApiError::Malformed { status, what } => Failure::new(
            Exit::Network,
            format!("{} answered HTTP {status} with {what}", cx.endpoint),
        )
        .with_hint("is --endpoint-url the cognito-idp endpoint (https://cognito-idp.<region>.amazonaws.com/)?"),
        ApiError::Service {
            name,
            message,
            status,
        } => service(name, message, *status, cx, &user),
    }
}

fn service(name: &str, message: &str, status: u16, cx: &Context, user: &str) -> Failure {
    let lower = message.to_ascii_lowercase();
    // Emulators sometimes send no message; never print "()".
    let said = if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    };
    let secret_hint = if cx.has_secret {
        "; if the app client has a secret, check that COGNITO_CLIENT_SECRET is that secret"
    } else {
        "; if the app client has a secret, set COGNITO_CLIENT_SECRET"
    };
    let auth = |m: String, hint: String| Failure::new(Exit::Auth, m).with_hint(hint);
    let other_flow = if cx.flow == "password" {
        "srp"
    } else {
        "password"
    };
    match name {
        _ if lower.contains("secret hash") || lower.contains("secret_hash") => auth(
            format!(
                "Cognito could not verify the SECRET_HASH for client {}: {message}",
                cx.client_id
            ),
            if cx.has_secret {
                "COGNITO_CLIENT_SECRET must be this app client's secret, and the username must be \
                 the one Cognito knows (for refresh: the token's cognito:username, a UUID in \
                 e-mail pools, not the e-mail)"
                    .into()
            } else {
                "this app client has a secret: set COGNITO_CLIENT_SECRET to it".into()
            },
        ),
        _ if name == "Unsupported" || lower.contains("unsupported") => auth(
            format!(
                "{} does not support this with --flow {}{said}",
                cx.endpoint, cx.flow
            ),
            format!("use --flow {other_flow} (local emulators such as cognito-local have no SRP)"),
        ),
        _ if lower.contains("flow not enabled") || lower.contains("flow is not enabled") => auth(
            format!(
                "app client {} does not allow --flow {}: {message}",
                cx.client_id, cx.flow
            ),
            format!(
                "use --flow {other_flow} or --flow user-auth, or enable the flow in the app \
                 client's settings (ALLOW_USER_SRP_AUTH / ALLOW_USER_PASSWORD_AUTH / ALLOW_USER_AUTH)"
            ),
        ),
        "NotAuthorizedException" if lower.contains("attempts exceeded") => auth(
            format!("Cognito has locked {user} out for too many failed sign-ins: {message}"),
            "wait a few minutes before trying again, and fix the password first".into(),
        ),
        "NotAuthorizedException" if cx.flow == "refresh" || lower.contains("refresh token") => {
            auth(
                format!("Cognito refused the refresh token{said}"),
                format!(
                    "the refresh token is expired, revoked or from another client; sign in again with \
                 --flow srp or --flow password{}",
                    if cx.has_secret {
                        "; with a client secret, --username must be the token's cognito:username \
                     (a UUID in pools that sign in with e-mail)"
                    } else {
                        ""
                    }
                ),
            )
        }
        "NotAuthorizedException" if lower.contains("disabled") => auth(
            format!("{user} is disabled in pool {}: {message}", cx.pool_id),
            "an administrator must enable the user (aws cognito-idp admin-enable-user)".into(),
        ),
        // cognito-local answers a wrong password with InvalidPasswordException too; AWS uses
        // it for a new password the pool's policy refuses.
        "InvalidPasswordException" if lower.contains("policy") || lower.contains("conform") => {
            auth(
                format!(
                    "Cognito refused the new password: it does not meet the pool's password policy{said}"
                ),
                "choose a password that the pool's policy allows (length, digits, symbols, upper \
                 and lower case)"
                    .into(),
            )
        }
        "NotAuthorizedException" | "InvalidPasswordException" => auth(
            format!("Cognito refused the sign-in of {user}: wrong username or password{said}"),
            format!(
                "check COGNITO_USERNAME and COGNITO_PASSWORD{secret_hint}; the tool does not \
                 retry, since Cognito locks a user out after five failures"
            ),
        ),
        "UserNotFoundException" => auth(
            format!("there is no {user} in pool {}", cx.pool_id),
            "check --username (or COGNITO_USERNAME) and --user-pool-id".into(),
        ),
        "UserNotConfirmedException" => auth(
            format!("{user} has not confirmed the sign-up"),
            "confirm the user first (aws cognito-idp admin-confirm-sign-up)".into(),
        ),
        "PasswordResetRequiredException" => auth(
            format!("{user} must reset the password before signing in"),
            "reset it (aws cognito-idp admin-set-user-password --permanent), then run again".into(),
        ),
        "ResourceNotFoundException" => auth(
            format!(
                "Cognito does not know pool {} or app client {}: {message}",
                cx.pool_id, cx.client_id
            ),
            "check --user-pool-id, --client-id and the region (the pool id's prefix, or --region)"
                .into(),
        ),
        "CodeMismatchException" | "ExpiredCodeException" => auth(
            format!("Cognito refused the MFA code: {message}"),
            "check COGNITO_TOTP_SECRET (base32) and the machine's clock, or type the current code"
                .into(),
        ),
        "InvalidParameterException" => auth(
            format!("Cognito refused the request as invalid: {message}"),
            "check the pool, client, username and flow settings".into(),
        ),
        "TooManyRequestsException" | "LimitExceededException" => Failure::new(
            Exit::Network,
            format!("Cognito is throttling requests ({name}): {message}"),
        )
        .with_hint(format!(
            "{}, with backoff; wait a minute and run again",
            cx.tried()
        )),
        _ if status >= 500 => Failure::new(
            Exit::Network,
            format!("Cognito failed with HTTP {status} ({name}): {message}"),
        )
        .with_hint(format!(
            "a service-side error, {}; try again later",
            cx.tried()
        )),
        _ => auth(
            format!("Cognito refused the request: {name}: {message}"),
            "see the AWS documentation for this error".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx(flow: &str) -> Context<'static> {
        Context {
            endpoint: "https://cognito-idp.us-east-1.amazonaws.com/",
            pool_id: "us-east-1_X",
            client_id: "c1",
            username: Some("bob"),
            flow: Box::leak(flow.to_string().into_boxed_str()),
            has_secret: false,
            tries: 4,
            timeout: std::time::Duration::from_secs(20),
        }
    }

    fn svc(name: &str, message: &str) -> ApiError {
        ApiError::Service {
            name: name.into(),
            message: message.into(),
            status: 400,
        }
    }

    #[test]
    fn each_error_gets_its_sentence_and_exit() {
        let cases = [
            (
                svc("NotAuthorizedException", "Incorrect username or password."),
                "srp",
                "wrong username or password",
                Exit::Auth,
            ),
            (
                svc("InvalidPasswordException", "Invalid password"),
                "password",
                "wrong username or password",
                Exit::Auth,
            ),
            (
                svc("UserNotFoundException", "User does not exist."),
                "srp",
                "there is no user \"bob\"",
                Exit::Auth,
            ),
            (
                svc("UserNotConfirmedException", "x"),
                "srp",
                "not confirmed",
                Exit::Auth,
            ),
            (
                svc("PasswordResetRequiredException", "x"),
                "srp",
                "must reset",
                Exit::Auth,
            ),
            (
                svc(
                    "InvalidParameterException",
                    "USER_PASSWORD_AUTH flow not enabled for this client",
                ),
                "password",
                "does not allow --flow password",
                Exit::Auth,
            ),
            (
                svc(
                    "NotAuthorizedException",
                    "Unable to verify secret hash for client c1",
                ),
                "srp",
                "SECRET_HASH",
                Exit::Auth,
            ),
            (
                svc(
                    "NotAuthorizedException",
                    "Client c1 is configured with secret but SECRET_HASH was not received",
                ),
                "srp",
                "SECRET_HASH",
                Exit::Auth,
            ),
            (
                svc(
                    "ResourceNotFoundException",
                    "User pool client c1 does not exist.",
                ),
                "srp",
                "does not know pool",
                Exit::Auth,
            ),
            (
                svc("NotAuthorizedException", "Invalid Refresh Token"),
                "refresh",
                "refused the refresh token",
                Exit::Auth,
            ),
            (
                svc("TooManyRequestsException", "Rate exceeded"),
                "srp",
                "throttling",
                Exit::Network,
            ),
            (
                svc("NotAuthorizedException", "Password attempts exceeded"),
                "srp",
                "locked",
                Exit::Auth,
            ),
            (
                ApiError::Network("cannot connect".into()),
                "srp",
                "cannot reach Cognito",
                Exit::Network,
            ),
            (
                ApiError::Timeout("slow".into()),
                "srp",
                "did not answer",
                Exit::Network,
            ),
            (
                ApiError::Malformed {
                    status: 502,
                    what: "an HTML page".into(),
                },
                "srp",
                "HTML",
                Exit::Network,
            ),
        ];
        for (e, flow, says, exit) in cases {
            let f = explain(&e, &cx(flow));
            assert!(f.message.contains(says), "{e:?}: {}", f.message);
            assert_eq!(f.exit, exit, "{e:?}");
            assert!(f.hint.is_some());
        }
        let f = explain(
            &svc(
                "InvalidParameterException",
                "USER_SRP_AUTH flow not enabled",
            ),
            &cx("srp"),
        );
        assert!(f.hint.unwrap().contains("--flow password"));
    }
}
