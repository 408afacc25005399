//! The whole job, as CI runs it: moto as Cognito, `postman-cognito refresh` (SRP) on a
//! collection, newman running it against an API that verifies each token with RS256 against
//! moto's JWKS. URLs point at the API and scripts are dropped, so nothing leaves loopback.

#[allow(unused_imports)]
use crate::support;
use crate::support::api::Authorizer;
use crate::support::idp::Idp;
use crate::support::*;
use serde_json::json;

#[test]
#[ignore = "needs moto and newman: run scripts/test"]
fn refresh_then_newman_sends_tokens_the_api_accepts() {
    let idp = Idp::moto();
    let pool = idp.pool("e2e", json!({}));
    let (client, _) = idp.client(
        &pool,
        false,
        &["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    );
    idp.user(&pool, "ci-bot", "E2e-Passw0rd!");
    let api = Authorizer::start(
        &format!(
            "{}/{pool}/.well-known/jwks.json",
            idp.url.trim_end_matches('/')
        ),
        &client,
        &format!("https://cognito-idp.us-east-1.amazonaws.com/{pool}"),
    );
    for src in [
        shared("real-collections/02_pdoa__Performance_Dashboard_API.postman_collection.json"),
        fixture("collections/v20-crlf-bearer.json"),
    ] {
        let (_dir, file) = temp_copy(&src);
        let file_arg = file.to_str().unwrap();
        signing_in(
            &["refresh", "--inherit", "all", file_arg],
            &idp.url,
            &pool,
            &client,
            "ci-bot",
            "E2e-Passw0rd!",
        )
        .assert()
        .success();
        let mut doc = parse(&std::fs::read(&file).unwrap());
        let n = point_at(&mut doc, &api.base());
        let before = api.verdicts.lock().unwrap().len();
        newman_run(&doc, &[]);
        let verdicts = api.verdicts.lock().unwrap()[before..].to_vec();
        assert_eq!(
            verdicts.len(),
            n,
            "{}: every request reached the API",
            src.display()
        );
        for (path, v) in &verdicts {
            assert!(v.is_ok(), "{}: {path} was refused: {v:?}", src.display());
        }
    }
    // And the API does refuse what it should: a token for another client.
    let other = Authorizer::start(
        &format!(
            "{}/{pool}/.well-known/jwks.json",
            idp.url.trim_end_matches('/')
        ),
        "another-client",
        "x",
    );
    let token = String::from_utf8(
        signing_in(
            &["token"],
            &idp.url,
            &pool,
            &client,
            "ci-bot",
            "E2e-Passw0rd!",
        )
        .assert()
        .success()
        .get_output()
        .stdout
        .clone(),
    )
    .unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let status = agent
        .get(&format!("{}/x", other.base()))
        .header("Authorization", &format!("Bearer {}", token.trim()))
        .call()
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 401);
}
