//! The table of settings: each key's name (as in the config file and `config show`), its flag,
//! its environment variables in order, its default, and whether it is a secret. Precedence and
//! `config show` are driven by this table alone, so each default is written once, here.

use serde::Serialize;

/// How a key gets a value when nothing sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultValue {
    /// It stays unset.
    None,
    /// This text, parsed like a flag's value.
    Value(&'static str),
    /// Worked out from other settings, as described.
    Derived(&'static str),
}

/// One setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    /// The name in the config file's profiles and in `config show`.
    pub name: &'static str,
    /// The command-line flag that sets it.
    pub flag: Option<&'static str>,
    /// Environment variables that set it, the first set one winning.
    pub env: &'static [&'static str],
    pub default: DefaultValue,
    /// Never shown: `config show` prints `<redacted>`.
    pub secret: bool,
}

const fn key(name: &'static str, flag: &'static str, default: DefaultValue) -> Key {
    Key {
        name,
        flag: Some(flag),
        env: &[],
        default,
        secret: false,
    }
}

const fn env_key(
    name: &'static str,
    flag: &'static str,
    env: &'static [&'static str],
    default: DefaultValue,
) -> Key {
    Key {
        name,
        flag: Some(flag),
        env,
        default,
        secret: false,
    }
}

const fn secret(
    name: &'static str,
    flag: Option<&'static str>,
    env: &'static [&'static str],
) -> Key {
    Key {
        name,
        flag,
        env,
        default: DefaultValue::None,
        secret: true,
    }
}

use DefaultValue::{Derived, None as Unset, Value};

/// The profile used when none is chosen.
pub const DEFAULT_PROFILE: &str = "default";

/// Names of the environment variables secrets come from by default.
pub const PASSWORD_ENV: &str = "COGNITO_PASSWORD";
pub const CLIENT_SECRET_ENV: &str = "COGNITO_CLIENT_SECRET";
pub const REFRESH_TOKEN_ENV: &str = "COGNITO_REFRESH_TOKEN";
pub const TOTP_SECRET_ENV: &str = "COGNITO_TOTP_SECRET";

pub const PROFILE: Key = env_key(
    "profile",
    "--profile",
    &["POSTMAN_COGNITO_PROFILE"],
    Value(DEFAULT_PROFILE),
);
pub const USER_POOL_ID: Key = env_key(
    "user_pool_id",
    "--user-pool-id",
    &["COGNITO_USER_POOL_ID"],
    Unset,
);
pub const CLIENT_ID: Key = env_key("client_id", "--client-id", &["COGNITO_CLIENT_ID"], Unset);
pub const USERNAME: Key = env_key("username", "--username", &["COGNITO_USERNAME"], Unset);
/// The AWS Region an `awsv4` auth signs for (where the API is).
pub const AWS_REGION: Key = key(
    "aws_region",
    "--aws-region",
    Derived("the identity pool's region"),
);
/// The AWS service an `awsv4` auth signs for (API Gateway: `execute-api`).
pub const AWS_SERVICE: Key = key(
    "aws_service",
    "--aws-service",
    Derived("execute-api (API Gateway)"),
);
/// An identity pool: AWS credentials for the signed-in user (IAM-authorised APIs).
pub const IDENTITY_POOL_ID: Key = env_key(
    "identity_pool_id",
    "--identity-pool-id",
    &["COGNITO_IDENTITY_POOL_ID"],
    Unset,
);
pub const REGION: Key = env_key(
    "region",
    "--region",
    &["AWS_REGION", "AWS_DEFAULT_REGION"],
    Derived("the pool id's prefix"),
);
pub const ENDPOINT_URL: Key = env_key(
    "endpoint_url",
    "--endpoint-url",
    &[
        "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
        "AWS_ENDPOINT_URL",
    ],
    Derived("the regional AWS endpoint"),
);
pub const ALLOW_HTTP_HOST: Key = key(
    "allow_http_host",
    "--allow-http-host",
    Derived("none: plain http only to loopback"),
);
pub const FLOW: Key = key("flow", "--flow", Value("srp"));
pub const TOKEN: Key = key("token", "--token", Value("id"));
pub const MIN_TTL: Key = key("min_ttl", "--min-ttl", Value("10m"));
pub const CONNECT_TIMEOUT: Key = key("connect_timeout", "--connect-timeout", Value("5s"));
pub const TIMEOUT: Key = key("timeout", "--timeout", Value("20s"));
pub const RETRIES: Key = key("retries", "--retries", Value("3"));
pub const DOMAIN: Key = key(
    "domain",
    "--domain",
    Derived("the pool's OIDC discovery document"),
);
/// The scopes asked for in the Hosted UI by default (what the Postman app's Cognito guides use),
/// written once for the constant and the table.
macro_rules! default_scope {
    () => {
        "openid email phone profile aws.cognito.signin.user.admin"
    };
}
pub const DEFAULT_SCOPE: &str = default_scope!();
pub const SCOPE: Key = key(
    "scope",
    "--scope",
    Derived(concat!(default_scope!(), "; none for client credentials")),
);
pub const CLIENT_AUTH: Key = key("client_auth", "--client-auth", Value("basic"));
pub const CALLBACK_PORT: Key = key("callback_port", "--callback-port", Derived("a free port"));
pub const BROWSER_TIMEOUT: Key = key("browser_timeout", "--browser-timeout", Value("5m"));
pub const IDENTITY_PROVIDER: Key = key("identity_provider", "--identity-provider", Unset);
pub const IDP_IDENTIFIER: Key = key("idp_identifier", "--idp-identifier", Unset);
pub const ATTRIBUTES: Key = key("attributes", "--attribute", Unset);
pub const INHERIT: Key = key("inherit", "--inherit", Value("tokens"));
pub const KEEP: Key = key("keep", "--keep", Unset);
/// Folders that send another identity's variable (`"Admin/**" = "token_admin"`).
pub const ASSIGN: Key = key("assign", "--assign", Unset);
pub const HEADER_PREFIX: Key = key(
    "header_prefix",
    "--header-prefix",
    Derived("the collection's own, else Bearer"),
);
pub const COLLECTIONS: Key = key("collections", "COLLECTION arguments", Unset);
/// The variable a collection sends instead of a literal token, and that `exec` and `--env-file`
/// fill.
pub const DEFAULT_TOKEN_VAR: &str = "token";
pub const TOKEN_VAR: Key = key(
    "token_var",
    "--token-var",
    Derived(
        "token for exec (COGNITO_TOKEN for Bruno and k6), --env-file and --globals-file; none for refresh (the token itself) and scrub (emptied)",
    ),
);
/// Variables that get other sign-ins' tokens (`token_admin=ci-admin`).
pub const IDENTITIES: Key = key("identities", "--identity", Unset);
pub const CACHE: Key = key("cache", "--no-cache", Derived("the user's cache folder"));
pub const PASSWORD: Key = secret("password", Some("--password-stdin"), &[PASSWORD_ENV]);
pub const REFRESH_TOKEN: Key = secret(
    "refresh_token",
    Some("--refresh-token-stdin"),
    &[REFRESH_TOKEN_ENV],
);
pub const CLIENT_SECRET: Key = secret("client_secret", None, &[CLIENT_SECRET_ENV]);
pub const TOTP_SECRET: Key = secret("totp_secret", None, &[TOTP_SECRET_ENV]);

/// Every key, in the order `config show` lists them.
pub const ALL: &[Key] = &[
    PROFILE,
    USER_POOL_ID,
    CLIENT_ID,
    USERNAME,
    IDENTITY_POOL_ID,
    AWS_REGION,
    AWS_SERVICE,
    REGION,
    ENDPOINT_URL,
    ALLOW_HTTP_HOST,
    FLOW,
    TOKEN,
    MIN_TTL,
    CONNECT_TIMEOUT,
    TIMEOUT,
    RETRIES,
    DOMAIN,
    SCOPE,
    CLIENT_AUTH,
    CALLBACK_PORT,
    BROWSER_TIMEOUT,
    IDENTITY_PROVIDER,
    IDP_IDENTIFIER,
    ATTRIBUTES,
    INHERIT,
    KEEP,
    ASSIGN,
    HEADER_PREFIX,
    COLLECTIONS,
    TOKEN_VAR,
    IDENTITIES,
    CACHE,
    PASSWORD,
    REFRESH_TOKEN,
    CLIENT_SECRET,
    TOTP_SECRET,
];

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "kebab-case")]
pub enum Origin {
    /// A command-line flag.
    Flag(String),
    /// An environment variable.
    Env(String),
    /// The profile of the config file.
    Profile,
    /// The default in the table.
    Default,
    /// Worked out from other settings.
    Derived(String),
    /// The AWS shared config file (`~/.aws/config`): the file and section.
    AwsConfig(String),
    /// Nothing set it.
    Unset,
}

impl Origin {
    /// Words for `config show`; `profile` names the profile and its file.
    pub fn describe(&self, profile: &str) -> String {
        match self {
            Origin::Flag(f) => format!("flag {f}"),
            Origin::Env(v) => format!("env {v}"),
            Origin::Profile => profile.to_string(),
            Origin::Default => "default".into(),
            Origin::Derived(how) => format!("default: {how}"),
            Origin::AwsConfig(at) => at.clone(),
            Origin::Unset => "not set".into(),
        }
    }
}

/// One resolved setting, for `config show`.
#[derive(Debug, Clone, Serialize)]
pub struct Shown {
    pub key: &'static str,
    /// The value, or `<redacted>` for secrets; `None` when unset.
    pub value: Option<String>,
    pub origin: Origin,
}
