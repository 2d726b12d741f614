//! Regional bodies and their dated membership.
//!
//! Membership is a list of intervals per body: a country belongs to a body on
//! date D when `from <= D` and D is before the exclusive `until`, if any. The
//! embedded data is `server/data/regional-bodies.yaml` (format in its header);
//! a node may replace it (`Memberships::from_yaml`). Suspensions are not
//! membership and are not modelled.

use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::BTreeMap;

const EMBEDDED: &str = include_str!("../../data/regional-bodies.yaml");

/// One country's membership of a body over one interval.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Membership {
    pub country: String,
    pub from: NaiveDate,
    /// Exclusive: the first day the country is no longer a member.
    #[serde(default)]
    pub until: Option<NaiveDate>,
    /// A date of the interval is not known to the day.
    #[serde(default)]
    pub approximate: bool,
    #[serde(default)]
    pub note: Option<String>,
}

impl Membership {
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.from <= date && self.until.is_none_or(|until| date < until)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Body {
    pub id: String,
    pub name: String,
    pub founded: NaiveDate,
    #[serde(default)]
    pub note: Option<String>,
    pub members: Vec<Membership>,
}

#[derive(Debug, Clone, Default)]
pub struct Memberships {
    bodies: BTreeMap<String, Body>,
}

#[derive(Debug, thiserror::Error)]
pub enum MembershipError {
    /// Not YAML, or not this format; the message names the field and line.
    #[error("regional bodies are not valid: {0}")]
    Yaml(String),
    #[error("regional bodies field `{field}`: {message}")]
    Invalid { field: String, message: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMemberships {
    bodies: Vec<Body>,
}

fn invalid(field: String, message: impl Into<String>) -> MembershipError {
    MembershipError::Invalid {
        field,
        message: message.into(),
    }
}

impl Memberships {
    /// The regional bodies shipped with the node.
    pub fn embedded() -> Result<Self, MembershipError> {
        Self::from_yaml(EMBEDDED)
    }

    /// Parses and checks bodies in the format documented at the top of
    /// `server/data/regional-bodies.yaml`.
    pub fn from_yaml(text: &str) -> Result<Self, MembershipError> {
        let raw: RawMemberships =
            serde_norway::from_str(text).map_err(|e| MembershipError::Yaml(e.to_string()))?;
        let mut bodies = BTreeMap::new();
        for (i, body) in raw.bodies.into_iter().enumerate() {
            let at = |name: &str| format!("bodies[{i}].{name}");
            if body.id.is_empty() || body.id.chars().any(char::is_whitespace) {
                return Err(invalid(
                    at("id"),
                    format!("body id `{}` must be non-empty without spaces", body.id),
                ));
            }
            if body.name.trim().is_empty() {
                return Err(invalid(at("name"), format!("body `{}` has no name", body.id)));
            }
            for (j, m) in body.members.iter().enumerate() {
                let at = |name: &str| format!("bodies[{i}].members[{j}].{name}");
                if m.country.len() != 3 || !m.country.bytes().all(|b| b.is_ascii_uppercase()) {
                    return Err(invalid(
                        at("country"),
                        format!("country code `{}` is not three upper-case letters", m.country),
                    ));
                }
                if m.from < body.founded {
                    return Err(invalid(
                        at("from"),
                        format!(
                            "{} is before `{}` was founded ({})",
                            m.from, body.id, body.founded
                        ),
                    ));
                }
                if let Some(until) = m.until.filter(|until| *until <= m.from) {
                    return Err(invalid(
                        at("until"),
                        format!("{until} is not after `from` ({})", m.from),
                    ));
                }
                let overlap = body.members[..j]
                    .iter()
                    .any(|o| o.country == m.country && overlaps(o, m));
                if overlap {
                    return Err(invalid(
                        at("from"),
                        format!(
                            "membership of `{}` in `{}` overlaps an earlier interval",
                            m.country, body.id
                        ),
                    ));
                }
            }
            let id = body.id.clone();
            if bodies.insert(id.clone(), body).is_some() {
                return Err(invalid(at("id"), format!("body `{id}` listed twice")));
            }
        }
        Ok(Self { bodies })
    }

    /// Bodies `country` belongs to on `date`, sorted.
    pub fn bodies_at(&self, country: &str, date: NaiveDate) -> Vec<String> {
        self.bodies
            .values()
            .filter(|b| b.members.iter().any(|m| m.country == country && m.covers(date)))
            .map(|b| b.id.clone())
            .collect()
    }

    /// Members of `body` on `date`, sorted; empty for an unknown body.
    pub fn members_at(&self, body: &str, date: NaiveDate) -> Vec<String> {
        let mut members: Vec<String> = self
            .bodies
            .get(body)
            .into_iter()
            .flat_map(|b| &b.members)
            .filter(|m| m.covers(date))
            .map(|m| m.country.clone())
            .collect();
        members.sort();
        members.dedup();
        members
    }

    pub fn is_known_body(&self, body: &str) -> bool {
        self.bodies.contains_key(body)
    }

    /// Every body id, sorted.
    pub fn bodies(&self) -> Vec<String> {
        self.bodies.keys().cloned().collect()
    }

    pub fn body(&self, id: &str) -> Option<&Body> {
        self.bodies.get(id)
    }

    /// Every country code that appears in some body's membership.
    pub(crate) fn countries(&self) -> impl Iterator<Item = (&str, &str)> {
        self.bodies
            .values()
            .flat_map(|b| b.members.iter().map(move |m| (b.id.as_str(), m.country.as_str())))
    }
}

fn overlaps(a: &Membership, b: &Membership) -> bool {
    let before = |x: &Membership, y: &Membership| x.until.is_some_and(|until| until <= y.from);
    !before(a, b) && !before(b, a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// Bodies of `country` on `date`, exactly.
    fn check(country: &str, date: &str, expect: &[&str]) {
        let m = Memberships::embedded().unwrap();
        assert_eq!(m.bodies_at(country, day(date)), expect, "{country} on {date}");
    }

    #[test]
    fn bodies_at_dates() {
        check("MLI", "2024-06-01", &["AU", "ECOWAS"]);
        check("MLI", "2025-06-01", &["AU"]);
        check("MLI", "2025-01-28", &["AU", "ECOWAS"]);
        check("MLI", "2025-01-29", &["AU"]);
        check("BFA", "2025-06-01", &["AU"]);
        check("NER", "2025-06-01", &["AU"]);
        check("NGA", "2025-06-01", &["AU", "ECOWAS"]);
        check("COD", "2025-01-01", &["AU", "EAC", "ECCAS", "SADC"]);
        check("COD", "2022-07-10", &["AU", "ECCAS", "SADC"]);
        check("TZA", "2025-01-01", &["AU", "EAC", "SADC"]);
        check("SOM", "2024-03-03", &["AU", "IGAD"]);
        check("SOM", "2024-03-04", &["AU", "EAC", "IGAD"]);
        check("RWA", "2025-06-06", &["AU", "EAC", "ECCAS"]);
        check("RWA", "2025-06-07", &["AU", "EAC"]);
        check("ERI", "2024-01-01", &["AU", "IGAD"]);
        check("ERI", "2026-01-01", &["AU"]);
        check("SYC", "2006-01-01", &["AU"]);
        check("SYC", "2010-01-01", &["AU", "SADC"]);
        check("MAR", "2016-12-31", &[]);
        check("MAR", "2017-01-30", &["AU"]);
        check("XAA", "2025-01-01", &[]);
        check("FRA", "2025-01-01", &[]);
        check("mli", "2024-06-01", &[]);
    }

    #[test]
    fn members_and_bodies() {
        let m = Memberships::embedded().unwrap();
        assert_eq!(m.bodies(), ["AU", "EAC", "ECCAS", "ECOWAS", "IGAD", "SADC"]);
        assert!(m.is_known_body("ECOWAS") && !m.is_known_body("ecowas") && !m.is_known_body("EU"));
        let at = |body: &str, date: &str| m.members_at(body, day(date)).len();
        assert_eq!(at("AU", "2025-01-01"), 55);
        assert_eq!(at("ECOWAS", "2024-06-01"), 15);
        assert_eq!(at("ECOWAS", "2025-06-01"), 12);
        assert_eq!(at("EAC", "2025-01-01"), 8);
        assert_eq!(at("SADC", "2025-01-01"), 16);
        assert_eq!(at("ECCAS", "2025-01-01"), 11);
        assert_eq!(at("ECCAS", "2025-07-01"), 10);
        assert_eq!(at("NOPE", "2025-01-01"), 0);
        assert_eq!(m.members_at("EAC", day("2001-01-01")), ["KEN", "TZA", "UGA"]);
        let cpv = m
            .body("ECOWAS")
            .unwrap()
            .members
            .iter()
            .find(|x| x.country == "CPV")
            .unwrap();
        assert!(cpv.approximate);
    }

    fn check_error(text: &str, want: &str) {
        let got = Memberships::from_yaml(text).map(|_| ()).unwrap_err().to_string();
        assert!(got.contains(want), "`{got}` lacks `{want}`");
    }

    #[test]
    fn from_yaml_errors_name_the_field_or_line() {
        let body = |members: &str| {
            format!("bodies:\n  - id: B\n    name: Body\n    founded: 2000-01-01\n    members:\n{members}")
        };
        check_error(
            &body("      - {country: MLI, from: 2001-13-01}\n"),
            "bodies[0].members[0].from",
        );
        check_error(&body("      - {country: MLI, from: 2001-13-01}\n"), "line 6");
        check_error(&body("      - {country: MLI, since: 2001-01-01}\n"), "since");
        check_error(
            &body("      - {country: mli, from: 2001-01-01}\n"),
            "`bodies[0].members[0].country`: country code `mli`",
        );
        check_error(
            &body("      - {country: MLI, from: 1999-01-01}\n"),
            "`bodies[0].members[0].from`: 1999-01-01 is before `B` was founded",
        );
        check_error(
            &body("      - {country: MLI, from: 2001-01-01, until: 2001-01-01}\n"),
            "`bodies[0].members[0].until`: 2001-01-01 is not after",
        );
        check_error(
            &body(
                "      - {country: MLI, from: 2001-01-01, until: 2005-01-01}\n      - {country: MLI, from: 2004-01-01}\n",
            ),
            "`bodies[0].members[1].from`: membership of `MLI` in `B` overlaps",
        );
        check_error(
            &body("      - {country: MLI, from: 2001-01-01}\n      - {country: MLI, from: 2000-01-01}\n"),
            "overlaps",
        );
        check_error(
            "bodies:\n  - {id: A B, name: x, founded: 2000-01-01, members: []}\n",
            "`bodies[0].id`: body id `A B`",
        );
        check_error(
            "bodies:\n  - {id: A, name: x, founded: 2000-01-01, members: []}\n  - {id: A, name: y, founded: 2000-01-01, members: []}\n",
            "`bodies[1].id`: body `A` listed twice",
        );
        check_error("bodies: [\n", "not valid");
        let ok = Memberships::from_yaml(&body("      - {country: MLI, from: 2001-01-01, until: 2005-01-01}\n      - {country: MLI, from: 2005-01-01}\n")).unwrap();
        assert_eq!(ok.bodies_at("MLI", day("2005-01-01")), ["B"]);
        assert_eq!(ok.members_at("B", day("2005-01-01")), ["MLI"]);
    }
}
