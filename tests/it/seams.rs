//! Issue 24: one seam per axis. What users see does not change, but where the issue says so:
//! one YAML reader (exec's environment errors are refresh's), ...

use predicates::prelude::*;

#[allow(unused_imports)]
use crate::support;
use crate::support::*;

/// 24.4: one duplicate key gave `file:5:5` in refresh and "not JSON nor YAML" in exec.
#[test]
fn exec_and_refresh_read_an_environment_with_the_same_reader_and_errors() {
    let d = tempfile::tempdir().unwrap();
    let env = d.path().join("staging.environment.yaml");
    std::fs::write(
        &env,
        "name: staging\nvalues:\n  - key: a\n    value: 1\n    value: 2\n",
    )
    .unwrap();
    let (_c, coll) = temp_copy(&fixture("collections/v21-tabs-oauth2.json"));
    let place = format!("{}:5:5", env.display());
    bin()
        .args(["refresh", "--token-var", "token", "--env-file"])
        .arg(&env)
        .arg(&coll)
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .assert()
        .code(3)
        .stderr(predicate::str::contains(&place));
    bin()
        .args(["exec", "--", "newman", "run"])
        .arg(&coll)
        .arg("-e")
        .arg(&env)
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .assert()
        .code(3)
        .stderr(predicate::str::contains(&place));
}
