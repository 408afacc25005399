//! Identity pools: AWS credentials for a signed-in user, for APIs that authorise with IAM
//! (API Gateway `AWS_IAM`, AppSync, Lambda function URLs), signed by the runners' `awsv4` auth.
//! The enhanced flow: `GetId`, then `GetCredentialsForIdentity`, both unsigned, each with the
//! user's id token as the login of the user pool's provider
//! (`cognito-idp.<region>.amazonaws.com/<pool id>`).

use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use super::api::{Api, CallPolicy};
use crate::error::{Exit, Failure};

/// An identity pool, and where its API is.
#[derive(Debug, Clone)]
pub struct IdentityPool {
    /// `us-east-1:0f1e2d3c-...`.
    pub id: String,
    pub region: String,
    pub endpoint: String,
}

/// An identity pool, and the user pool sign-in whose id token it takes.
#[derive(Debug, Clone)]
pub struct Plan {
    pub pool: IdentityPool,
    pub user_pool_id: String,
    pub policy: CallPolicy,
    /// The token cache and the sign-in's entry there (`None`: `--no-cache`): the credentials
    /// are kept beside the tokens, with their expiry.
    pub cache: Option<(std::path::PathBuf, crate::cache::Key)>,
    /// Cached credentials are used only while they stay valid this long.
    pub min_ttl: std::time::Duration,
}

impl Plan {
    /// The credentials for the user whose id token is `id_token`: from the cache while they
    /// stay valid for `min_ttl`, else from the identity pool (and kept in the cache).
    pub fn credentials(&self, id_token: &str) -> Result<Credentials, Failure> {
        let cache = match &self.cache {
            Some((dir, key)) => Some((crate::cache::Cache::open(dir.clone())?, key)),
            None => None,
        };
        let _guard = match &cache {
            Some((c, key)) => Some(c.lock(key)?),
            None => None,
        };
        let now = crate::jwt::now();
        let ttl = i64::try_from(self.min_ttl.as_secs()).unwrap_or(i64::MAX);
        if let Some((c, key)) = &cache
            && let Some(aws) = c.get(key, &self.policy.ui).and_then(|e| e.aws)
            && aws.identity_pool_id == self.pool.id
            && aws
                .expiration
                .is_some_and(|exp| exp.saturating_sub(now) >= ttl)
        {
            self.policy
                .ui
                .note("using the cached AWS credentials of the identity pool");
            return Ok(Credentials {
                access_key_id: aws.access_key_id,
                secret_key: aws.secret_key,
                session_token: aws.session_token,
                expiration: aws.expiration,
            });
        }
        let got = super::source::runtime()?.block_on(credentials(
            &self.pool,
            &self.user_pool_id,
            id_token,
            self.policy.clone(),
        ))?;
        if let Some((c, key)) = &cache
            && let Some(mut entry) = c.get(key, &self.policy.ui)
        {
            entry.aws = Some(crate::cache::AwsEntry {
                identity_pool_id: self.pool.id.clone(),
                access_key_id: got.access_key_id.clone(),
                secret_key: got.secret_key.clone(),
                session_token: got.session_token.clone(),
                expiration: got.expiration,
            });
            c.put(key, &entry)?;
        }
        Ok(got)
    }
}

/// Temporary AWS credentials.
pub struct Credentials {
    pub access_key_id: SecretString,
    pub secret_key: SecretString,
    pub session_token: SecretString,
    /// Seconds since the epoch.
    pub expiration: Option<i64>,
}

/// The variables the credentials are handed over as, in this order.
pub const VARIABLES: [&str; 3] = [
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
];

impl Credentials {
    /// The three values, in the order of [`VARIABLES`].
    pub fn values(&self) -> [&str; 3] {
        [
            self.access_key_id.expose_secret(),
            self.secret_key.expose_secret(),
            self.session_token.expose_secret(),
        ]
    }
}

/// The region an identity pool id names (`us-east-1:...`).
pub fn region_of(id: &str) -> Option<&str> {
    let (region, rest) = id.split_once(':')?;
    let ok = !region.is_empty()
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !rest.is_empty();
    ok.then_some(region)
}

/// The credentials of the user whose id token is `id_token`, from user pool `user_pool_id`.
pub async fn credentials(
    pool: &IdentityPool,
    user_pool_id: &str,
    id_token: &str,
    policy: CallPolicy,
) -> Result<Credentials, Failure> {
    let api = Api::for_service(&pool.endpoint, policy, "AWSCognitoIdentityService")
        .map_err(|e| Failure::new(Exit::Network, e))?;
    let user_region = user_pool_id.split('_').next().unwrap_or_default();
    let logins = json!({
        format!("cognito-idp.{user_region}.amazonaws.com/{user_pool_id}"): id_token
    });
    let refused = |op: &str, e: super::api::ApiError| {
        let shown = super::api::said(&e);
        Failure::new(
            Exit::Auth,
            format!("{op} for identity pool {} was refused: {shown}", pool.id),
        )
        .with_hint(
            "check --identity-pool-id, and that the identity pool trusts this user pool and \
                 app client (its Cognito user pool provider)",
        )
    };
    let got = api
        .call(
            "GetId",
            &json!({"IdentityPoolId": pool.id, "Logins": logins}),
        )
        .await
        .map_err(|e| refused("GetId", e))?;
    let identity = got
        .get("IdentityId")
        .and_then(Value::as_str)
        .ok_or_else(|| Failure::new(Exit::Network, "GetId answered without an IdentityId"))?;
    let resp = api
        .call(
            "GetCredentialsForIdentity",
            &json!({"IdentityId": identity, "Logins": logins}),
        )
        .await
        .map_err(|e| refused("GetCredentialsForIdentity", e))?;
    let c = resp.get("Credentials").ok_or_else(|| {
        Failure::new(
            Exit::Network,
            "GetCredentialsForIdentity answered without Credentials",
        )
    })?;
    let field = |k: &str| {
        c.get(k)
            .and_then(Value::as_str)
            .map(|v| SecretString::from(v.to_string()))
            .ok_or_else(|| {
                Failure::new(
                    Exit::Network,
                    format!("GetCredentialsForIdentity answered without {k}"),
                )
            })
    };
    Ok(Credentials {
        access_key_id: field("AccessKeyId")?,
        secret_key: field("SecretKey")?,
        session_token: field("SessionToken")?,
        // A number of seconds (AWS sends it so in this JSON protocol).
        expiration: c
            .get("Expiration")
            .and_then(Value::as_f64)
            .map(|e| e as i64),
    })
}

#[cfg(test)]
mod tests {
    use super::region_of;

    #[test]
    fn the_region_is_the_id_s_prefix() {
        assert_eq!(region_of("us-east-1:0f1e2d3c-aaaa"), Some("us-east-1"));
        assert_eq!(region_of("us-east-1"), None);
        assert_eq!(region_of(":x"), None);
        assert_eq!(region_of("US:x"), None);
    }
}
