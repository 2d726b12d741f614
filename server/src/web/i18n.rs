//! The interface's words in English and French, from `i18n/en.toml` and
//! `i18n/fr.toml` (flat `key = "text"` tables); a key missing in French
//! falls back to English. Add a language by adding a file and a `Lang`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lang {
    En,
    Fr,
}

impl Lang {
    pub(super) fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    pub(super) fn from_code(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "en" => Some(Lang::En),
            "fr" => Some(Lang::Fr),
            _ => None,
        }
    }

    /// The first supported language of an `Accept-Language` header, else English.
    pub(super) fn from_accept_language(header: &str) -> Lang {
        header
            .split(',')
            .filter_map(|part| part.split(';').next())
            .filter_map(|tag| tag.trim().split('-').next())
            .find_map(Lang::from_code)
            .unwrap_or(Lang::En)
    }
}

type Table = BTreeMap<String, String>;

fn tables() -> &'static (Table, Table) {
    static TABLES: OnceLock<(Table, Table)> = OnceLock::new();
    TABLES.get_or_init(|| {
        let parse = |text: &str| toml::from_str::<Table>(text).unwrap_or_default();
        (
            parse(include_str!("i18n/en.toml")),
            parse(include_str!("i18n/fr.toml")),
        )
    })
}

/// The text of `key` in `lang`; the key itself when no file has it.
pub(super) fn t(lang: Lang, key: &str) -> &str {
    let (en, fr) = tables();
    let found = match lang {
        Lang::Fr => fr.get(key).or_else(|| en.get(key)),
        Lang::En => en.get(key),
    };
    found.map_or(key, String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_files_parse_and_have_the_same_keys() {
        let en: Table = toml::from_str(include_str!("i18n/en.toml")).unwrap();
        let fr: Table = toml::from_str(include_str!("i18n/fr.toml")).unwrap();
        assert!(en.len() > 20);
        let missing: Vec<&String> = en.keys().filter(|k| !fr.contains_key(*k)).collect();
        assert!(missing.is_empty(), "missing in fr.toml: {missing:?}");
        assert_eq!(t(Lang::Fr, "nav.warnings"), "Alertes");
        assert_eq!(t(Lang::En, "no.such.key"), "no.such.key");
    }

    #[test]
    fn accept_language_picks_the_first_supported() {
        assert_eq!(Lang::from_accept_language("fr-CA,fr;q=0.9,en;q=0.8"), Lang::Fr);
        assert_eq!(Lang::from_accept_language("de-DE,en;q=0.5"), Lang::En);
        assert_eq!(Lang::from_accept_language(""), Lang::En);
    }
}
