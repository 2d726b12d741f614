//! `TOCSIN_<SECTION>_<KEY>` environment overrides, applied to the parsed
//! TOML before it is typed, so they are validated like the file.

use crate::config::ConfigError;

/// Applies every `TOCSIN_…` variable whose section is known; returns the
/// names applied. A variable naming a known section but an unknown key is an
/// error. Variables for the CLI (`TOCSIN_NODE`, `TOCSIN_CONFIG_DIR`, …) are
/// not sections and are left alone.
pub(super) fn apply(
    table: &mut toml::Table,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<Vec<String>, ConfigError> {
    let mut applied = Vec::new();
    let mut vars: Vec<(String, String)> = env
        .into_iter()
        .filter(|(k, _)| k.starts_with("TOCSIN_"))
        .collect();
    vars.sort();
    for (name, raw) in vars {
        let Some((section, key)) = split(table, &name) else {
            continue;
        };
        let Some(toml::Value::Table(section_table)) = table.get_mut(&section) else {
            continue;
        };
        let Some(current) = section_table.get(&key) else {
            return Err(ConfigError::Invalid {
                origin: format!("environment variable {name}"),
                key: format!("{section}.{key}"),
                message: "no such configuration key".into(),
            });
        };
        let value = typed_like(current, &raw).ok_or_else(|| ConfigError::Invalid {
            origin: format!("environment variable {name}"),
            key: format!("{section}.{key}"),
            message: format!("`{raw}` is not a {}", current.type_str()),
        })?;
        section_table.insert(key, value);
        applied.push(name);
    }
    Ok(applied)
}

/// `TOCSIN_API_TLS_CERT` → (`api`, `tls_cert`) when `api` is a section.
fn split(table: &toml::Table, name: &str) -> Option<(String, String)> {
    let rest = name.strip_prefix("TOCSIN_")?.to_ascii_lowercase();
    let (section, key) = rest.split_once('_')?;
    matches!(table.get(section), Some(toml::Value::Table(_))).then(|| (section.to_owned(), key.to_owned()))
}

fn typed_like(current: &toml::Value, raw: &str) -> Option<toml::Value> {
    match current {
        toml::Value::String(_) => Some(toml::Value::String(raw.to_owned())),
        toml::Value::Boolean(_) => match raw {
            "true" | "1" | "yes" => Some(toml::Value::Boolean(true)),
            "false" | "0" | "no" => Some(toml::Value::Boolean(false)),
            _ => None,
        },
        toml::Value::Integer(_) => raw.parse().ok().map(toml::Value::Integer),
        // A list of strings, comma-separated: `TOCSIN_FEDERATION_SUBSCRIBE=au,ecowas`.
        toml::Value::Array(_) => Some(toml::Value::Array(
            raw.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| toml::Value::String(s.to_owned()))
                .collect(),
        )),
        _ => None,
    }
}
