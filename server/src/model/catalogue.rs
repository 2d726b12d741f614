//! The UN Framework of Analysis for Atrocity Crimes: 14 risk factors and their
//! numbered indicators, loaded from a data file shipped with the node.
//!
//! The embedded catalogue is `server/data/framework-of-analysis.yaml`; a node
//! may replace it with a fuller one (`Catalogue::from_yaml`). Some factors are
//! listed incompletely (`complete: false`): under those, a well-formed code
//! numbered after the last listed indicator (`10.7`, `11.3`) is accepted,
//! because the Framework has it and the catalogue does not list it yet. Under a
//! complete factor only listed codes are accepted. See `check_indicator`.

use serde::Deserialize;
use std::collections::BTreeSet;

use super::shown;
use crate::model::situation::Crime;

const EMBEDDED: &str = include_str!("../../data/framework-of-analysis.yaml");

/// Common factors apply to all atrocity crimes; specific ones to one crime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FactorKind {
    Common,
    Specific,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub code: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskFactor {
    pub number: u8,
    pub name: String,
    pub kind: FactorKind,
    /// The crime a specific factor relates to; `None` for common factors.
    pub crime: Option<Crime>,
    pub indicators: Vec<Indicator>,
    /// Whether every indicator of the factor is listed.
    pub complete: bool,
    /// Where the indicator list came from (`seen`, `recall` ...).
    pub provenance: String,
    /// What is missing or uncertain, in words.
    pub note: Option<String>,
}

impl RiskFactor {
    pub fn indicator(&self, code: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.code == code)
    }

    /// Number of the last listed indicator (`5` for `10.5`), 0 when none is.
    fn last_listed(&self) -> u32 {
        self.indicators
            .iter()
            .filter_map(|i| parse_code(&i.code))
            .map(|(_, n)| n)
            .max()
            .unwrap_or(0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalogue {
    title: String,
    factors: Vec<RiskFactor>,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    /// Not YAML, or not this format; the message names the field and line.
    #[error("catalogue is not valid: {0}")]
    Yaml(String),
    #[error("catalogue field `{field}`: {message}")]
    Invalid { field: String, message: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalogue {
    #[serde(default)]
    title: String,
    factors: Vec<RawFactor>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFactor {
    number: u8,
    name: String,
    kind: FactorKind,
    #[serde(default)]
    crime: Option<Crime>,
    provenance: String,
    complete: bool,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    indicators: Vec<Indicator>,
}

fn invalid(field: String, message: impl Into<String>) -> CatalogueError {
    CatalogueError::Invalid {
        field,
        message: message.into(),
    }
}

impl Catalogue {
    /// The catalogue shipped with the node.
    pub fn embedded() -> Result<Self, CatalogueError> {
        Self::from_yaml(EMBEDDED)
    }

    /// Parses and checks a catalogue in the format documented at the top of
    /// `server/data/framework-of-analysis.yaml`.
    pub fn from_yaml(text: &str) -> Result<Self, CatalogueError> {
        let raw: RawCatalogue =
            serde_norway::from_str(text).map_err(|e| CatalogueError::Yaml(e.to_string()))?;
        if raw.factors.is_empty() {
            return Err(invalid("factors".into(), "at least one risk factor is required"));
        }
        let mut numbers = BTreeSet::new();
        let mut factors = Vec::with_capacity(raw.factors.len());
        for (i, f) in raw.factors.into_iter().enumerate() {
            let at = |name: &str| format!("factors[{i}].{name}");
            if f.number == 0 {
                return Err(invalid(at("number"), "risk factors are numbered from 1"));
            }
            if !numbers.insert(f.number) {
                return Err(invalid(
                    at("number"),
                    format!("risk factor {} listed twice", f.number),
                ));
            }
            if f.name.trim().is_empty() {
                return Err(invalid(at("name"), "must not be empty"));
            }
            match (f.kind, f.crime) {
                (FactorKind::Specific, None) => {
                    return Err(invalid(at("crime"), "a specific risk factor names its crime"));
                }
                (FactorKind::Common, Some(crime)) => {
                    return Err(invalid(
                        at("crime"),
                        format!("a common risk factor has no crime (found `{crime}`)"),
                    ));
                }
                _ => {}
            }
            let mut last = 0;
            for (j, indicator) in f.indicators.iter().enumerate() {
                let field = format!("factors[{i}].indicators[{j}]");
                let code = &indicator.code;
                let Some((owner, n)) = parse_code(code) else {
                    return Err(invalid(
                        format!("{field}.code"),
                        format!("malformed indicator code `{code}` (expected `{}.N`)", f.number),
                    ));
                };
                if owner != u32::from(f.number) {
                    return Err(invalid(
                        format!("{field}.code"),
                        format!("indicator `{code}` listed under risk factor {}", f.number),
                    ));
                }
                if n <= last {
                    return Err(invalid(
                        format!("{field}.code"),
                        format!("indicator `{code}` out of order (codes must increase)"),
                    ));
                }
                last = n;
                if indicator.label.trim().is_empty() {
                    return Err(invalid(format!("{field}.label"), "must not be empty"));
                }
            }
            factors.push(RiskFactor {
                number: f.number,
                name: f.name,
                kind: f.kind,
                crime: f.crime,
                indicators: f.indicators,
                complete: f.complete,
                provenance: f.provenance,
                note: f.note,
            });
        }
        factors.sort_by_key(|f| f.number);
        Ok(Self {
            title: raw.title,
            factors,
        })
    }

    pub fn title(&self) -> &str {
        &self.title
    }

    pub fn factor(&self, number: u8) -> Option<&RiskFactor> {
        self.factors.iter().find(|f| f.number == number)
    }

    /// All factors, by number.
    pub fn factors(&self) -> &[RiskFactor] {
        &self.factors
    }

    /// Whether `code` may be reported under risk `factor` (rules in the
    /// module doc). `Err` names the code and the factor.
    pub fn check_indicator(&self, factor: u8, code: &str) -> Result<(), String> {
        let Some(f) = self.factor(factor) else {
            return Err(format!("unknown risk factor {factor}"));
        };
        let Some((owner, n)) = parse_code(code) else {
            return Err(format!(
                "malformed indicator `{}` under risk factor {factor} (expected `{factor}.N`, e.g. `{factor}.1`)",
                shown(code)
            ));
        };
        if owner != u32::from(factor) {
            let known = u8::try_from(owner).ok().and_then(|o| self.factor(o)).is_some();
            return Err(if known {
                format!("indicator `{code}` belongs to risk factor {owner}, not {factor}")
            } else {
                format!("indicator `{code}` does not belong to risk factor {factor}")
            });
        }
        if f.indicator(code).is_some() || (!f.complete && n > f.last_listed()) {
            return Ok(());
        }
        Err(format!("unknown indicator `{code}` under risk factor {factor}"))
    }
}

/// `F.N` with decimal numbers, no sign or leading zero, `N >= 1`.
fn parse_code(code: &str) -> Option<(u32, u32)> {
    let (f, n) = code.split_once('.')?;
    let number = |s: &str| -> Option<u32> {
        let plain =
            !s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit()) && !s.starts_with('0');
        if plain { s.parse().ok() } else { None }
    };
    Some((number(f)?, number(n)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: [(u8, &str); 14] = [
        (1, "Situations of armed conflict or other forms of instability"),
        (
            2,
            "Record of serious violations of international human rights and humanitarian law",
        ),
        (3, "Weakness of State structures"),
        (4, "Motives or incentives"),
        (5, "Capacity to commit atrocity crimes"),
        (6, "Absence of mitigating factors"),
        (7, "Enabling circumstances or preparatory action"),
        (8, "Triggering factors"),
        (
            9,
            "Intergroup tensions or patterns of discrimination against protected groups",
        ),
        (
            10,
            "Signs of an intent to destroy in whole or in part a protected group",
        ),
        (
            11,
            "Signs of a widespread or systematic attack against any civilian population",
        ),
        (12, "Signs of a plan or policy to attack any civilian population"),
        (
            13,
            "Serious threats to those protected under international humanitarian law",
        ),
        (14, "Serious threats to humanitarian or peacekeeping operations"),
    ];

    #[test]
    fn every_factor_has_its_exact_name_kind_and_crime() {
        let c = Catalogue::embedded().unwrap();
        assert_eq!(c.factors().len(), 14);
        for (number, name) in NAMES {
            let f = c.factor(number).unwrap();
            assert_eq!(f.name, name, "factor {number}");
            let (kind, crime) = match number {
                1..=8 => (FactorKind::Common, None),
                9 | 10 => (FactorKind::Specific, Some(Crime::Genocide)),
                11 | 12 => (FactorKind::Specific, Some(Crime::CrimesAgainstHumanity)),
                _ => (FactorKind::Specific, Some(Crime::WarCrimes)),
            };
            assert_eq!((f.kind, f.crime), (kind, crime), "factor {number}");
            assert_eq!(f.complete, number < 10, "factor {number}");
            assert!(f.complete || f.note.is_some(), "factor {number} needs a note");
            assert!(!f.provenance.is_empty());
        }
        assert_eq!(c.factor(7).unwrap().indicators.len(), 14);
        assert_eq!(
            c.factor(8).unwrap().indicator("8.8").unwrap().label,
            "census, elections and related pivotal activities"
        );
        assert!(c.factor(11).unwrap().indicators.is_empty());
        assert!(
            c.factors()
                .iter()
                .flat_map(|f| &f.indicators)
                .all(|i| !i.label.contains("NOT RETRIEVED"))
        );
    }

    /// `expect` is `Ok(())` or a fragment of the error message.
    fn check(factor: u8, code: &str, expect: Result<(), &str>) {
        let c = Catalogue::embedded().unwrap();
        match (c.check_indicator(factor, code), expect) {
            (Ok(()), Ok(())) => {}
            (Err(got), Err(want)) => assert!(got.contains(want), "{factor}/{code}: `{got}` lacks `{want}`"),
            (got, want) => panic!("{factor}/{code}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn indicator_codes() {
        check(7, "7.5", Ok(()));
        check(7, "7.14", Ok(()));
        check(8, "8.8", Ok(()));
        check(13, "13.10", Ok(()));
        check(7, "7.99", Err("unknown indicator `7.99` under risk factor 7"));
        check(7, "7.15", Err("unknown indicator `7.15` under risk factor 7"));
        check(7, "8.8", Err("indicator `8.8` belongs to risk factor 8, not 7"));
        check(10, "9.1", Err("indicator `9.1` belongs to risk factor 9, not 10"));
        check(
            7,
            "99.1",
            Err("indicator `99.1` does not belong to risk factor 7"),
        );
        check(15, "15.1", Err("unknown risk factor 15"));
        check(0, "0.1", Err("unknown risk factor 0"));
        for bad in [
            "7", "7.", ".5", "7.0", "7.05", "07.5", "7.5.1", "7.x", "7.-1", "+7.5", " 7.5", "7.5 ", "",
        ] {
            check(7, bad, Err("malformed indicator"));
        }
        check(
            7,
            &"7".repeat(100),
            Err(&format!("malformed indicator `{}…`", "7".repeat(64))),
        );
    }

    #[test]
    fn incomplete_factors_accept_codes_after_the_last_listed() {
        check(10, "10.5", Ok(()));
        check(10, "10.6", Ok(()));
        check(10, "10.7", Ok(()));
        check(11, "11.1", Ok(()));
        check(11, "11.3", Ok(()));
        check(12, "12.1", Ok(()));
        check(13, "13.11", Ok(()));
        check(14, "14.2", Ok(()));
        check(11, "11.x", Err("malformed indicator `11.x` under risk factor 11"));
        check(10, "10.6+", Err("malformed indicator"));
        check(
            11,
            "10.6",
            Err("indicator `10.6` belongs to risk factor 10, not 11"),
        );
    }

    #[test]
    fn a_gap_in_an_incomplete_list_is_not_accepted() {
        let text = "factors:\n- {number: 3, name: W, kind: common, provenance: p, complete: false,\n   indicators: [{code: '3.1', label: a}, {code: '3.4', label: b}]}\n";
        let c = Catalogue::from_yaml(text).unwrap();
        assert_eq!(c.check_indicator(3, "3.4"), Ok(()));
        assert_eq!(c.check_indicator(3, "3.5"), Ok(()));
        assert_eq!(
            c.check_indicator(3, "3.2"),
            Err("unknown indicator `3.2` under risk factor 3".into())
        );
    }

    /// `want` is a fragment of the `from_yaml` error.
    fn check_error(text: &str, want: &str) {
        let got = Catalogue::from_yaml(text).map(|_| ()).unwrap_err().to_string();
        assert!(got.contains(want), "`{got}` lacks `{want}`");
    }

    #[test]
    fn from_yaml_errors_name_the_field_or_line() {
        let f = |extra: &str| {
            format!(
                "factors:\n- number: 9\n  name: N\n  kind: specific\n  provenance: p\n  complete: true\n{extra}"
            )
        };
        check_error(
            &f("  crime: genocide\n  indicators: [{code: '9.1', label: a}]\n  colour: red\n"),
            "colour",
        );
        check_error(&f("  crime: famine\n"), "factors[0].crime");
        check_error(&f("  crime: famine\n"), "line 7");
        check_error(
            &f(""),
            "catalogue field `factors[0].crime`: a specific risk factor names its crime",
        );
        check_error(
            &f("  crime: genocide\n  indicators: [{code: '9.x', label: a}]\n"),
            "`factors[0].indicators[0].code`: malformed indicator code `9.x`",
        );
        check_error(
            &f("  crime: genocide\n  indicators: [{code: '8.1', label: a}]\n"),
            "indicator `8.1` listed under risk factor 9",
        );
        check_error(
            &f("  crime: genocide\n  indicators: [{code: '9.2', label: a}, {code: '9.1', label: b}]\n"),
            "`factors[0].indicators[1].code`: indicator `9.1` out of order",
        );
        check_error(
            &f("  crime: genocide\n  indicators: [{code: '9.1', label: ' '}]\n"),
            "`factors[0].indicators[0].label`: must not be empty",
        );
        check_error(
            "factors:\n- {number: 1, name: A, kind: common, provenance: p, complete: true}\n- {number: 1, name: B, kind: common, provenance: p, complete: true}\n",
            "`factors[1].number`: risk factor 1 listed twice",
        );
        check_error(
            "factors:\n- {number: 1, name: A, kind: common, crime: war_crimes, provenance: p, complete: true}\n",
            "found `war_crimes`",
        );
        check_error("factors: []\n", "at least one risk factor");
        check_error("factors: [\n", "not valid");
    }
}
