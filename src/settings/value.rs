//! The value types a setting can hold: parsed from a flag-like text (environment variables and
//! the table's defaults, [`crate::keys`]), and shown in `config show`.

use std::time::Duration;

use crate::cli::{ClientAuthArg, FlowArg, InheritArg, TokenArg};

/// A value type a setting can hold: parsed from a flag-like text (environment variables and
/// the table's defaults), and shown in `config show`.
pub trait Setting: Clone {
    fn parse(text: &str) -> Result<Self, String>;
    fn show(&self) -> String;
}

impl Setting for String {
    fn parse(text: &str) -> Result<Self, String> {
        Ok(text.to_string())
    }
    fn show(&self) -> String {
        self.clone()
    }
}

impl Setting for Duration {
    fn parse(text: &str) -> Result<Self, String> {
        humantime::parse_duration(text)
            .map_err(|e| format!("{e}; write it like \"10m\" or \"45s\""))
    }
    fn show(&self) -> String {
        humantime::format_duration(*self).to_string()
    }
}

macro_rules! number_setting {
    ($($t:ty),*) => {$(
        impl Setting for $t {
            fn parse(text: &str) -> Result<Self, String> {
                text.parse().map_err(|e| format!("{e}; expected a whole number"))
            }
            fn show(&self) -> String {
                self.to_string()
            }
        }
    )*};
}
number_setting!(u16, u32);

macro_rules! enum_setting {
    ($($t:ty),*) => {$(
        impl Setting for $t {
            fn parse(text: &str) -> Result<Self, String> {
                <$t as clap::ValueEnum>::from_str(text, true)
            }
            fn show(&self) -> String {
                clap::ValueEnum::to_possible_value(self)
                    .map(|v| v.get_name().to_string())
                    .unwrap_or_default()
            }
        }
    )*};
}
enum_setting!(FlowArg, TokenArg, ClientAuthArg, InheritArg);

impl Setting for Vec<String> {
    fn parse(text: &str) -> Result<Self, String> {
        Ok(vec![text.to_string()])
    }
    fn show(&self) -> String {
        self.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{ALL, DefaultValue, Key};

    #[test]
    fn names_are_unique_and_defaults_parse() {
        let mut names: Vec<&str> = ALL.iter().map(|k| k.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
        let parses = |k: &Key, ok: bool| assert!(ok, "default of {} does not parse", k.name);
        for k in ALL {
            if let DefaultValue::Value(v) = k.default {
                match k.name {
                    "flow" => parses(k, FlowArg::parse(v).is_ok()),
                    "token" => parses(k, TokenArg::parse(v).is_ok()),
                    "client_auth" => parses(k, ClientAuthArg::parse(v).is_ok()),
                    "inherit" => parses(k, InheritArg::parse(v).is_ok()),
                    "retries" => parses(k, u32::parse(v).is_ok()),
                    "profile" => {}
                    _ => parses(k, Duration::parse(v).is_ok()),
                }
            }
        }
    }
}
