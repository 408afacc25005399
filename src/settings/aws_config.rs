//! The cognito-idp endpoint from the AWS shared config file, as the AWS CLI and SDKs read it:
//! `endpoint_url` in the `cognito_identity_provider` entry of the profile's `services` section
//! (the SDKs' spelling of the service: lower case, spaces as underscores; botocore reads no other),
//! else the profile's own `endpoint_url`. `AWS_CONFIG_FILE` names the file (else
//! `~/.aws/config`), `AWS_PROFILE` the profile (else `default`).

use crate::env::Env;
use crate::redact::Shown as _;

/// The service's name in `services` sections.
const SERVICE: &str = "cognito_identity_provider";

/// The endpoint and where it was found ("file [services name]").
pub fn endpoint_url(env: &Env) -> Option<(String, String)> {
    let path = env.absolute_dir("AWS_CONFIG_FILE").or_else(|| {
        env.absolute_dir("HOME")
            .map(|h| h.join(".aws").join("config"))
    })?;
    let text = std::fs::read_to_string(&path).ok()?;
    let profile = env.get("AWS_PROFILE").unwrap_or("default");
    let profile_section = if profile == "default" {
        "default".to_string()
    } else {
        format!("profile {profile}")
    };
    let sections = parse(&text);
    let get = |section: &str, key: &str| {
        sections
            .iter()
            .find(|(s, _)| s == section)
            .and_then(|(_, kv)| kv.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()))
    };
    let shown = |where_: String| format!("{} [{where_}]", path.shown());
    if let Some(services) = get(&profile_section, "services") {
        let section = format!("services {services}");
        if let Some(url) = get(&section, &format!("{SERVICE}.endpoint_url")) {
            return Some((url, shown(section)));
        }
    }
    get(&profile_section, "endpoint_url").map(|url| (url, shown(profile_section)))
}

/// Sections of an INI file, with nested keys (`service =` then indented `key = value` lines)
/// flattened to `service.key`.
fn parse(text: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut sections: Vec<(String, Vec<(String, String)>)> = Vec::new();
    let mut parent: Option<String> = None;
    for raw in text.lines() {
        let line = raw.split(['#', ';']).next().unwrap_or("");
        if line.trim().is_empty() {
            continue;
        }
        let indented = raw.starts_with([' ', '\t']);
        let line = line.trim();
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            sections.push((name.trim().to_string(), Vec::new()));
            parent = None;
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let (k, v) = (k.trim().to_string(), v.trim().to_string());
        let Some((_, kv)) = sections.last_mut() else {
            continue;
        };
        match (&parent, indented) {
            (Some(p), true) => kv.push((format!("{p}.{k}"), v)),
            _ if v.is_empty() => parent = Some(k),
            _ => {
                parent = None;
                kv.push((k, v));
            }
        }
    }
    sections
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_section_then_profile_endpoint() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("config");
        std::fs::write(
            &f,
            "[default]\nendpoint_url = http://127.0.0.1:4566\n\n[profile dev]\nservices = local\n\n\
             [services local]\ncognito_identity_provider =\n  endpoint_url = http://127.0.0.1:9229 # emulator\n\
             s3 =\n  endpoint_url = http://127.0.0.1:9000\n",
        )
        .unwrap();
        let file = f.to_str().unwrap();
        let env = Env::of(&[("AWS_CONFIG_FILE", file), ("AWS_PROFILE", "dev")], None);
        let (url, from) = endpoint_url(&env).unwrap();
        assert_eq!(url, "http://127.0.0.1:9229");
        assert!(from.ends_with("[services local]"), "{from}");
        let env = Env::of(&[("AWS_CONFIG_FILE", file)], None);
        assert_eq!(endpoint_url(&env).unwrap().0, "http://127.0.0.1:4566");
        let env = Env::of(&[("AWS_CONFIG_FILE", file), ("AWS_PROFILE", "other")], None);
        assert_eq!(endpoint_url(&env), None);
    }
}
