//! ISO 3166-1 alpha-3 countries and their UN M49 regions.
//!
//! The embedded list is `server/data/countries.tsv` (format in its header); a
//! node may replace it (`Countries::from_tsv`) or add to it
//! (`Countries::overlay`). User-assigned codes (AAA–AAZ, QMA–QZZ, XAA–XZZ,
//! ZZA–ZZZ, but not XKX, used for Kosovo) are exercise countries with no
//! region, unless the list defines them. Codes are exact upper case.

use super::shown;
use std::collections::BTreeMap;

const EMBEDDED: &str = include_str!("../../data/countries.tsv");
const HEADER: &str = "alpha3\tname\tm49_code\tm49_name";

/// A UN M49 region: the sub-region, or the intermediate region in Africa
/// south of the Sahara and in Latin America and the Caribbean.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct M49Region {
    /// Three digits, e.g. `011`.
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Country {
    pub alpha3: String,
    pub name: String,
    pub m49_region: Option<M49Region>,
}

#[derive(Debug, Clone, Default)]
pub struct Countries {
    by_code: BTreeMap<String, Country>,
}

#[derive(Debug, thiserror::Error)]
pub enum CountriesError {
    #[error("countries line {line}: {message}")]
    Line { line: usize, message: String },
    #[error(
        "countries: the first line that is not a comment must be the header `alpha3<TAB>name<TAB>m49_code<TAB>m49_name`"
    )]
    NoHeader,
}

impl Countries {
    /// The full ISO 3166-1 list shipped with the node.
    pub fn embedded() -> Result<Self, CountriesError> {
        Self::from_tsv(EMBEDDED)
    }

    /// Parses a list in the format of `server/data/countries.tsv`.
    pub fn from_tsv(text: &str) -> Result<Self, CountriesError> {
        let mut countries = Self::default();
        countries.overlay(text)?;
        Ok(countries)
    }

    /// Adds the countries of `text` (same format), replacing those with the
    /// same code. A code listed twice within `text` is an error.
    pub fn overlay(&mut self, text: &str) -> Result<(), CountriesError> {
        let mut header = false;
        let mut added = BTreeMap::new();
        for (i, line) in text.lines().enumerate() {
            let line_no = i + 1;
            let err = |message: String| CountriesError::Line {
                line: line_no,
                message,
            };
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            if !header {
                if line.trim_end() != HEADER {
                    return Err(CountriesError::NoHeader);
                }
                header = true;
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            let [alpha3, name, code, region] = fields[..] else {
                return Err(err(format!(
                    "expected 4 tab-separated fields, found {}",
                    fields.len()
                )));
            };
            if alpha3.len() != 3 || !alpha3.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(err(format!(
                    "country code `{alpha3}` is not three upper-case letters"
                )));
            }
            if name.trim().is_empty() {
                return Err(err(format!("country `{alpha3}` has no name")));
            }
            let m49_region = match (code.trim(), region.trim()) {
                ("", "") => None,
                (code, name)
                    if code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()) && !name.is_empty() =>
                {
                    Some(M49Region {
                        code: code.to_owned(),
                        name: name.to_owned(),
                    })
                }
                _ => {
                    return Err(err(format!(
                        "country `{alpha3}`: M49 region `{code}` `{region}` must be three digits and a name, or both empty"
                    )));
                }
            };
            let country = Country {
                alpha3: alpha3.to_owned(),
                name: name.trim().to_owned(),
                m49_region,
            };
            if added.insert(alpha3.to_owned(), country).is_some() {
                return Err(err(format!("country `{alpha3}` listed twice")));
            }
        }
        if !header {
            return Err(CountriesError::NoHeader);
        }
        self.by_code.extend(added);
        Ok(())
    }

    /// A listed country (no exercise countries).
    pub fn get(&self, alpha3: &str) -> Option<&Country> {
        self.by_code.get(alpha3)
    }

    /// Listed countries, by code.
    pub fn iter(&self) -> impl Iterator<Item = &Country> {
        self.by_code.values()
    }

    pub fn len(&self) -> usize {
        self.by_code.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_code.is_empty()
    }

    /// A listed country, or an exercise country for a user-assigned code.
    /// `Err` names the code.
    pub fn lookup(&self, alpha3: &str) -> Result<Country, String> {
        if let Some(country) = self.by_code.get(alpha3) {
            return Ok(country.clone());
        }
        if is_user_assigned(alpha3) {
            return Ok(Country {
                alpha3: alpha3.to_owned(),
                name: format!("Exercise country {alpha3}"),
                m49_region: None,
            });
        }
        let upper = alpha3.to_ascii_uppercase();
        let letters = alpha3.len() == 3 && alpha3.bytes().all(|b| b.is_ascii_alphabetic());
        if letters && upper != alpha3 && (self.by_code.contains_key(&upper) || is_user_assigned(&upper)) {
            return Err(format!(
                "unknown country code `{alpha3}` (country codes are upper-case: `{upper}`)"
            ));
        }
        if alpha3 == "XKX" {
            return Err(
                "country code `XKX` is not an ISO 3166-1 code (it is used for Kosovo by some \
                 organisations; a node may define it in its countries file)"
                    .to_owned(),
            );
        }
        Err(format!(
            "unknown country code `{}` (expected an ISO 3166-1 alpha-3 code)",
            shown(alpha3)
        ))
    }
}

/// ISO 3166-1 alpha-3 codes left to users: AAA–AAZ, QMA–QZZ, XAA–XZZ, ZZA–ZZZ;
/// XKX is excluded because it is in use for Kosovo.
pub fn is_user_assigned(alpha3: &str) -> bool {
    let b = alpha3.as_bytes();
    if b.len() != 3 || !b.iter().all(u8::is_ascii_uppercase) || alpha3 == "XKX" {
        return false;
    }
    matches!(
        (b[0], b[1]),
        (b'A', b'A') | (b'Q', b'M'..=b'Z') | (b'X', _) | (b'Z', b'Z')
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn the_embedded_list_is_the_full_iso_list() {
        let countries = Countries::embedded().unwrap();
        assert_eq!(countries.len(), 249);
        let mut seen = BTreeSet::new();
        for line in EMBEDDED
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .skip(1)
        {
            let code = line.split('\t').next().unwrap();
            assert!(
                code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()),
                "{code}"
            );
            assert!(seen.insert(code), "{code} twice");
            assert!(!is_user_assigned(code), "{code} is user-assigned");
        }
        assert_eq!(seen.len(), 249);
        let regions: BTreeSet<_> = countries
            .iter()
            .filter_map(|c| c.m49_region.as_ref())
            .map(|r| (&r.code, &r.name))
            .collect();
        assert_eq!(regions.len(), 22, "{regions:?}");
        assert_eq!(
            countries
                .iter()
                .filter(|c| c.m49_region.is_none())
                .map(|c| c.alpha3.as_str())
                .collect::<Vec<_>>(),
            ["ATA"]
        );
    }

    /// `expect` is `Ok((name, region code))` or a fragment of the error.
    fn check(code: &str, expect: Result<(&str, Option<&str>), &str>) {
        let countries = Countries::embedded().unwrap();
        match (countries.lookup(code), expect) {
            (Ok(c), Ok((name, region))) => {
                assert_eq!(c.alpha3, code);
                assert_eq!(c.name, name, "{code}");
                assert_eq!(c.m49_region.as_ref().map(|r| r.code.as_str()), region, "{code}");
            }
            (Err(got), Err(want)) => assert!(got.contains(want), "{code}: `{got}` lacks `{want}`"),
            (got, want) => panic!("{code}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn lookups() {
        check("MLI", Ok(("Mali", Some("011"))));
        check("KEN", Ok(("Kenya", Some("014"))));
        check("COD", Ok(("Congo, The Democratic Republic of the", Some("017"))));
        check("ZAF", Ok(("South Africa", Some("018"))));
        check("SDN", Ok(("Sudan", Some("015"))));
        check("ITA", Ok(("Italy", Some("039"))));
        check("SYR", Ok(("Syrian Arab Republic", Some("145"))));
        check("HTI", Ok(("Haiti", Some("029"))));
        check("GTM", Ok(("Guatemala", Some("013"))));
        check("COL", Ok(("Colombia", Some("005"))));
        check("MMR", Ok(("Myanmar", Some("035"))));
        check("ATA", Ok(("Antarctica", None)));
        check("XAA", Ok(("Exercise country XAA", None)));
        check("XZZ", Ok(("Exercise country XZZ", None)));
        check("AAZ", Ok(("Exercise country AAZ", None)));
        check("QMA", Ok(("Exercise country QMA", None)));
        check("ZZZ", Ok(("Exercise country ZZZ", None)));
        check("QLZ", Err("unknown country code `QLZ`"));
        check("ABA", Err("unknown country code `ABA`"));
        check("XKX", Err("`XKX` is not an ISO 3166-1 code"));
        check(
            "mli",
            Err("unknown country code `mli` (country codes are upper-case: `MLI`)"),
        );
        check("Mli", Err("upper-case: `MLI`"));
        check("xaa", Err("upper-case: `XAA`"));
        check(
            "XYZ1",
            Err("unknown country code `XYZ1` (expected an ISO 3166-1 alpha-3 code)"),
        );
        check("ML", Err("unknown country code `ML`"));
        check("", Err("unknown country code ``"));
        check(&"A".repeat(1000), Err(&format!("`{}…`", "A".repeat(64))));
    }

    #[test]
    fn an_overlay_defines_and_renames() {
        let mut countries = Countries::embedded().unwrap();
        countries
            .overlay(&format!(
                "{HEADER}\nXAA\tAtlantis\t011\tWestern Africa\nXKX\tKosovo\t039\tSouthern Europe\n"
            ))
            .unwrap();
        assert_eq!(countries.lookup("XAA").unwrap().name, "Atlantis");
        assert_eq!(countries.lookup("XKX").unwrap().m49_region.unwrap().code, "039");
        assert_eq!(countries.lookup("MLI").unwrap().name, "Mali");
        assert_eq!(countries.lookup("XAB").unwrap().name, "Exercise country XAB");
    }

    fn check_error(body: &str, want: &str) {
        let got = Countries::from_tsv(&format!("# c\n{HEADER}\n{body}"))
            .unwrap_err()
            .to_string();
        assert!(got.contains(want), "`{got}` lacks `{want}`");
    }

    #[test]
    fn from_tsv_errors_name_the_line() {
        check_error(
            "MLI\tMali\t011\n",
            "countries line 3: expected 4 tab-separated fields, found 3",
        );
        check_error(
            "MLI\tMali\t011\tWestern Africa\nmli\tMali\t\t\n",
            "line 4: country code `mli` is not three upper-case letters",
        );
        check_error(
            "MLI\tMali\t011\tWestern Africa\nMLI\tMali\t\t\n",
            "line 4: country `MLI` listed twice",
        );
        check_error("MLI\t \t\t\n", "line 3: country `MLI` has no name");
        check_error(
            "MLI\tMali\t11\tWestern Africa\n",
            "line 3: country `MLI`: M49 region `11`",
        );
        check_error("MLI\tMali\t011\t\n", "M49 region `011` ``");
        let got = Countries::from_tsv("MLI\tMali\t011\tWestern Africa\n")
            .unwrap_err()
            .to_string();
        assert!(got.contains("header"), "{got}");
    }
}
