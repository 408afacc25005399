//! Setting up user pools, app clients and users in the emulators that scripts/test starts
//! (moto at MOTO_URL, cognito-local at COGNITO_LOCAL_URL, ministack at MINISTACK_URL), through their cognito-idp JSON API.

use serde_json::{Value, json};

pub struct Idp {
    pub url: String,
    agent: ureq::Agent,
}

fn peer_url(var: &str, what: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!("{var} is not set: {what} is not running. Run the tests with scripts/test, which installs and starts it.")
    })
}

impl Idp {
    pub fn moto() -> Idp {
        Self::at(peer_url("MOTO_URL", "moto"))
    }

    pub fn ministack() -> Idp {
        Self::at(peer_url("MINISTACK_URL", "ministack"))
    }

    pub fn cognito_local() -> Idp {
        Self::at(peer_url("COGNITO_LOCAL_URL", "cognito-local"))
    }

    fn at(url: String) -> Idp {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        Idp { url, agent }
    }

    /// One call; returns the HTTP status and the JSON body.
    pub fn call(&self, op: &str, body: Value) -> (u16, Value) {
        let mut resp = self
            .agent
            .post(&self.url)
            .header("Content-Type", "application/x-amz-json-1.1")
            .header(
                "X-Amz-Target",
                &format!("AWSCognitoIdentityProviderService.{op}"),
            )
            .send(body.to_string())
            .unwrap_or_else(|e| panic!("{op} at {}: {e}", self.url));
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub fn ok(&self, op: &str, body: Value) -> Value {
        let (status, v) = self.call(op, body);
        assert!(status < 300, "{op}: HTTP {status}: {v}");
        v
    }

    pub fn pool(&self, name: &str, extra: Value) -> String {
        let mut body = json!({"PoolName": name});
        if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
            b.extend(e);
        }
        self.ok("CreateUserPool", body)["UserPool"]["Id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// An app client; with `secret`, returns its secret too.
    pub fn client(&self, pool: &str, secret: bool, flows: &[&str]) -> (String, Option<String>) {
        let v = self.ok(
            "CreateUserPoolClient",
            json!({"UserPoolId": pool, "ClientName": "tests", "GenerateSecret": secret, "ExplicitAuthFlows": flows}),
        );
        let c = &v["UserPoolClient"];
        (
            c["ClientId"].as_str().unwrap().to_string(),
            c["ClientSecret"].as_str().map(str::to_string),
        )
    }

    /// A confirmed user with a permanent password; returns its `sub`.
    pub fn user(&self, pool: &str, name: &str, password: &str) -> String {
        let sub = self.temp_user(pool, name, "Temp-Passw0rd!");
        self.ok(
            "AdminSetUserPassword",
            json!({"UserPoolId": pool, "Username": name, "Password": password, "Permanent": true}),
        );
        sub
    }

    /// A user who must change the temporary password at first sign-in.
    pub fn temp_user(&self, pool: &str, name: &str, temp: &str) -> String {
        let v = self.ok(
            "AdminCreateUser",
            json!({"UserPoolId": pool, "Username": name, "TemporaryPassword": temp, "MessageAction": "SUPPRESS"}),
        );
        v["User"]["Attributes"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["Name"] == "sub"))
            .and_then(|x| x["Value"].as_str())
            .unwrap_or("")
            .to_string()
    }

    /// Signs in with USER_PASSWORD_AUTH directly (to get a refresh token for tests).
    pub fn password_auth(
        &self,
        client: &str,
        user: &str,
        password: &str,
        secret_hash: Option<String>,
    ) -> Value {
        let mut params = json!({"USERNAME": user, "PASSWORD": password});
        if let Some(h) = secret_hash {
            params["SECRET_HASH"] = json!(h);
        }
        self.ok(
            "InitiateAuth",
            json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client, "AuthParameters": params}),
        )
    }
}

/// SECRET_HASH computed test-side (HMAC-SHA256 through jsonwebtoken's dependencies is not
/// exposed, so this uses the crate's own function: its known-answer test pins it).
pub fn secret_hash(secret: &str, user: &str, client: &str) -> String {
    postman_cognito::cognito::srp::secret_hash(secret, user, client)
}
