//! The assessment editor's form values: what the browser posted, kept as
//! typed so a refused form comes back with nothing lost, and the two-way
//! conversion to `AssessmentContent` (errors name the form field at fault).

use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, BTreeSet};

use crate::model::ValidationError;
use crate::model::assessment::{AssessmentContent, FactorAssessment, FactorLevel, Source, Trigger};
use crate::model::catalogue::Catalogue;
use crate::model::marking::Tlp;
use crate::model::situation::{Crime, ProtectedGroup, SituationSpec};
use crate::web::pages::snake;

/// Every posted field, in order; repeated names (`crime`, `indicator`) keep
/// each value.
#[derive(Debug, Clone, Default)]
pub(in crate::web) struct FormValues {
    fields: BTreeMap<String, Vec<String>>,
}

impl FormValues {
    pub(in crate::web) fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut fields: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (name, value) in pairs {
            fields.entry(name).or_default().push(value);
        }
        Self { fields }
    }

    /// The first value of `name`, or "".
    pub(in crate::web) fn one(&self, name: &str) -> &str {
        self.fields
            .get(name)
            .and_then(|v| v.first())
            .map_or("", String::as_str)
    }

    /// Whether `name` was posted with `value` (a ticked checkbox).
    pub(in crate::web) fn has(&self, name: &str, value: &str) -> bool {
        self.fields
            .get(name)
            .is_some_and(|v| v.iter().any(|x| x == value))
    }

    fn set(&mut self, name: &str, value: impl Into<String>) {
        self.fields.insert(name.to_owned(), vec![value.into()]);
    }

    fn add(&mut self, name: &str, value: impl Into<String>) {
        self.fields.entry(name.to_owned()).or_default().push(value.into());
    }

    /// The form an existing content fills in.
    pub(in crate::web) fn from_content(content: &AssessmentContent) -> Self {
        let mut v = Self::default();
        let s = &content.situation;
        v.set("title", &s.title);
        v.set("countries", s.countries.join(", "));
        v.set("admin1", s.admin1.join(", "));
        v.set("admin2", s.admin2.join(", "));
        for crime in &s.crimes_at_risk {
            v.add("crime", crime.as_str());
        }
        let groups: Vec<String> = s
            .protected_groups
            .iter()
            .map(|g| format!("{}: {}", g.basis, g.label))
            .collect();
        v.set("groups", groups.join("\n"));
        for f in &content.factors {
            v.set(&format!("factor.{}.level", f.factor), snake(f.level));
            v.set(&format!("factor.{}.note", f.factor), &f.note);
            for code in &f.indicators {
                v.add("indicator", code);
            }
        }
        v.set("overall_risk", snake(content.overall_risk));
        if content.ongoing {
            v.set("ongoing", "on");
        }
        v.set("trend", snake(content.trend));
        v.set("confidence", snake(content.confidence));
        v.set("horizon_months", content.horizon_months.to_string());
        let triggers: Vec<String> = content
            .upcoming_triggers
            .iter()
            .map(|t| format!("{} | {} | {}", t.kind, t.date, t.description))
            .collect();
        v.set("triggers", triggers.join("\n"));
        v.set("narrative", &content.narrative);
        v.set("response_options", content.response_options.join("\n"));
        let sources: Vec<String> = content.sources.iter().map(source_line).collect();
        v.set("sources", sources.join("\n"));
        v.set("tlp", content.tlp.as_str());
        v
    }

    /// The content the form describes; the error names the form field.
    pub(in crate::web) fn to_content(
        &self,
        catalogue: &Catalogue,
    ) -> Result<AssessmentContent, ValidationError> {
        let situation = SituationSpec {
            title: self.one("title").trim().to_owned(),
            countries: codes(self.one("countries"), true),
            admin1: codes(self.one("admin1"), false),
            admin2: codes(self.one("admin2"), false),
            crimes_at_risk: self.crimes()?,
            protected_groups: self.groups()?,
        };
        Ok(AssessmentContent {
            situation,
            factors: self.factors(catalogue)?,
            overall_risk: word(self.one("overall_risk"), "overall_risk")?,
            ongoing: self.has("ongoing", "on"),
            trend: word(self.one("trend"), "trend")?,
            confidence: word(self.one("confidence"), "confidence")?,
            horizon_months: self
                .one("horizon_months")
                .trim()
                .parse()
                .map_err(|_| ValidationError::new("horizon_months", "a whole number of months, 1 to 60"))?,
            upcoming_triggers: self.triggers()?,
            narrative: self.one("narrative").trim().to_owned(),
            response_options: lines(self.one("response_options")).map(str::to_owned).collect(),
            sources: self.sources()?,
            tlp: self
                .one("tlp")
                .parse::<Tlp>()
                .map_err(|m| ValidationError::new("tlp", m))?,
        })
    }

    fn crimes(&self) -> Result<BTreeSet<Crime>, ValidationError> {
        let posted = self.fields.get("crime").map(Vec::as_slice).unwrap_or(&[]);
        posted
            .iter()
            .map(|c| c.parse().map_err(|m| ValidationError::new("crime", m)))
            .collect()
    }

    fn groups(&self) -> Result<Vec<ProtectedGroup>, ValidationError> {
        lines(self.one("groups"))
            .enumerate()
            .map(|(i, line)| {
                let (basis, label) = line.split_once(':').ok_or_else(|| {
                    ValidationError::new(
                        format!("groups line {}", i + 1),
                        "write `basis: label`, e.g. `ethnic: Herders`",
                    )
                })?;
                Ok(ProtectedGroup {
                    basis: basis.trim().to_ascii_lowercase(),
                    label: label.trim().to_owned(),
                })
            })
            .collect()
    }

    /// Factors with a level other than "not assessed", a ticked indicator
    /// or a note; each ticked indicator goes under its factor.
    fn factors(&self, catalogue: &Catalogue) -> Result<Vec<FactorAssessment>, ValidationError> {
        let ticked = self.fields.get("indicator").map(Vec::as_slice).unwrap_or(&[]);
        let mut out = Vec::new();
        for factor in catalogue.factors() {
            let n = factor.number;
            let name = format!("factor.{n}.level");
            let level: FactorLevel = match self.one(&name) {
                "" => FactorLevel::NotAssessed,
                posted => word(posted, &name)?,
            };
            let indicators: Vec<String> = ticked
                .iter()
                .filter(|code| code.split('.').next() == Some(n.to_string().as_str()))
                .cloned()
                .collect();
            let note = self.one(&format!("factor.{n}.note")).trim().to_owned();
            if level != FactorLevel::NotAssessed || !indicators.is_empty() || !note.is_empty() {
                out.push(FactorAssessment {
                    factor: n,
                    level,
                    indicators,
                    note,
                });
            }
        }
        if let Some(stray) = ticked
            .iter()
            .find(|code| !out.iter().any(|f| f.indicators.contains(code)))
        {
            return Err(ValidationError::new(
                "indicator",
                format!("`{stray}` is no indicator of the Framework"),
            ));
        }
        Ok(out)
    }

    fn triggers(&self) -> Result<Vec<Trigger>, ValidationError> {
        lines(self.one("triggers"))
            .enumerate()
            .map(|(i, line)| {
                let field = format!("triggers line {}", i + 1);
                let parts: Vec<&str> = line.splitn(3, '|').map(str::trim).collect();
                let [kind, date, description] = parts[..] else {
                    return Err(ValidationError::new(
                        field,
                        "write `kind | YYYY-MM-DD | description`",
                    ));
                };
                let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| {
                    ValidationError::new(&field, format!("`{date}` is not a YYYY-MM-DD date"))
                })?;
                Ok(Trigger {
                    kind: kind.to_ascii_lowercase(),
                    description: description.to_owned(),
                    date,
                })
            })
            .collect()
    }

    fn sources(&self) -> Result<Vec<Source>, ValidationError> {
        lines(self.one("sources"))
            .enumerate()
            .map(|(i, line)| {
                let mut parts = line.splitn(3, '|').map(str::trim);
                let reference = parts.next().unwrap_or_default().to_owned();
                let reliability = match parts.next().unwrap_or_default() {
                    "" => None,
                    grade => Some(reliability(grade).ok_or_else(|| {
                        ValidationError::new(
                            format!("sources line {}", i + 1),
                            format!("reliability `{grade}` is not a grade A to F"),
                        )
                    })?),
                };
                Ok(Source {
                    reference,
                    reliability,
                    note: parts.next().unwrap_or_default().to_owned(),
                })
            })
            .collect()
    }
}

fn source_line(s: &Source) -> String {
    match (s.reliability, s.note.is_empty()) {
        (None, true) => s.reference.clone(),
        (grade, _) => format!(
            "{} | {} | {}",
            s.reference,
            grade.map(String::from).unwrap_or_default(),
            s.note
        )
        .trim_end_matches([' ', '|'])
        .to_owned(),
    }
}

fn reliability(grade: &str) -> Option<char> {
    let mut chars = grade.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if ('A'..='F').contains(&c.to_ascii_uppercase()) => Some(c.to_ascii_uppercase()),
        _ => None,
    }
}

/// Codes separated by commas, semicolons or spaces.
fn codes(text: &str, upper: bool) -> Vec<String> {
    text.split([',', ';', ' ', '\n'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| {
            if upper {
                c.to_ascii_uppercase()
            } else {
                c.to_owned()
            }
        })
        .collect()
}

/// The non-blank lines of a text area.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty())
}

/// A snake-case word (`very_high`) as the enum serde names it.
fn word<T: DeserializeOwned>(value: &str, field: &str) -> Result<T, ValidationError> {
    serde_json::from_value(serde_json::Value::String(value.trim().to_owned())).map_err(|_| {
        if value.trim().is_empty() {
            ValidationError::new(field, "choose a value")
        } else {
            ValidationError::new(field, format!("unknown value `{}`", value.trim()))
        }
    })
}

#[cfg(test)]
mod tests;
