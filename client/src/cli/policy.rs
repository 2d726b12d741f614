//! `policy check` (offline, with the node's own loaders) and `policy
//! explain` (the node's sharing decision for one peer, field by field).

use serde::Serialize;
use std::path::Path;
use tocsin_proto::v1 as pb;
use tocsin_server::policy::sharing::{self, SharingPolicy};
use tocsin_server::policy::{AccessPolicy, PolicyError, access};

use super::admin_args::ExplainArgs;
use super::error::CliError;
use super::session::{Session, emit};
use crate::document::{Confidence, Crime, FactorLevel, OverallRisk, Tlp, Trend};
use crate::table::{Table, fields};

/// One policy file checked; its JSON is the `--json` output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(super) struct CheckedFile {
    pub(super) file: String,
    pub(super) ok: bool,
    /// The `@id`s of its policies, when it loaded.
    pub(super) policies: Vec<String>,
    /// What is wrong, one line each, `file:line:column: message` when known.
    pub(super) errors: Vec<String>,
}

pub(super) fn check(json: bool, dir: &Path) -> Result<(), CliError> {
    let checked = checks(dir)?;
    emit(json, &checked, |c| render_check(c))?;
    let failed = checked.iter().filter(|c| !c.ok).count();
    if failed > 0 {
        return Err(CliError::PolicyCheck {
            dir: dir.to_path_buf(),
            failed,
            checked: checked.len(),
        });
    }
    Ok(())
}

/// Loads each policy file `dir` has, as the node would.
fn checks(dir: &Path) -> Result<Vec<CheckedFile>, CliError> {
    if !dir.is_dir() {
        return Err(CliError::Usage(format!("`{}` is not a directory", dir.display())));
    }
    let mut checked = Vec::new();
    if dir.join(access::POLICY_FILE).exists() {
        let loaded = AccessPolicy::load_with_schema_fallback(dir).map(|p| p.policy_ids());
        checked.push(outcome(&dir.join(access::POLICY_FILE), loaded));
    }
    if dir.join(sharing::POLICY_FILE).exists() {
        let loaded = SharingPolicy::load(dir).map(|p| p.policy_ids());
        checked.push(outcome(&dir.join(sharing::POLICY_FILE), loaded));
    }
    if checked.is_empty() {
        return Err(CliError::Usage(format!(
            "`{}` has neither `{}` nor `{}`",
            dir.display(),
            access::POLICY_FILE,
            sharing::POLICY_FILE
        )));
    }
    Ok(checked)
}

fn outcome(file: &Path, loaded: Result<Vec<String>, PolicyError>) -> CheckedFile {
    let file = file.display().to_string();
    match loaded {
        Ok(policies) => CheckedFile {
            file,
            ok: true,
            policies,
            errors: Vec::new(),
        },
        Err(error) => {
            let problems = error.problems();
            let errors = if problems.is_empty() {
                vec![error.to_string()]
            } else {
                problems.iter().map(ToString::to_string).collect()
            };
            CheckedFile {
                file,
                ok: false,
                policies: Vec::new(),
                errors,
            }
        }
    }
}

fn render_check(checked: &[CheckedFile]) -> String {
    let mut out = String::new();
    for c in checked {
        if c.ok {
            out.push_str(&format!("OK     {} ({} policies)\n", c.file, c.policies.len()));
        } else {
            out.push_str(&format!("ERROR  {}\n", c.file));
            for error in &c.errors {
                out.push_str(&format!("       {}\n", error.replace('\n', "\n       ")));
            }
        }
    }
    out
}

/// The node's explanation; its JSON is the `--json` output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(super) struct ExplainView {
    pub(super) assessment_id: String,
    pub(super) version: u32,
    pub(super) tlp: Tlp,
    pub(super) to: String,
    pub(super) to_kind: String,
    pub(super) to_groups: Vec<String>,
    pub(super) verdicts: Vec<VerdictView>,
    pub(super) errors: Vec<String>,
    /// What the peer would receive; `None` when nothing.
    pub(super) receives: Option<ReceivedView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(super) struct VerdictView {
    pub(super) action: String,
    pub(super) allowed: bool,
    pub(super) reasons: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(super) struct ReceivedView {
    pub(super) disclosed: Vec<String>,
    pub(super) title: String,
    pub(super) countries: Vec<String>,
    pub(super) admin1: Vec<String>,
    pub(super) m49_region: String,
    pub(super) regional_bodies: Vec<String>,
    pub(super) crimes_at_risk: Vec<Crime>,
    pub(super) protected_groups: Vec<String>,
    pub(super) overall_risk: OverallRisk,
    pub(super) ongoing: bool,
    pub(super) trend: Trend,
    pub(super) confidence: Confidence,
    pub(super) horizon_months: u32,
    /// Present only when factors are disclosed.
    pub(super) factors: Option<Vec<FactorView>>,
    /// Present only when the narrative is disclosed.
    pub(super) narrative: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(super) struct FactorView {
    pub(super) factor: u32,
    pub(super) level: FactorLevel,
    /// Present only when indicators are disclosed.
    pub(super) indicators: Option<Vec<String>>,
}

impl From<&pb::ExplainSharingResponse> for ExplainView {
    fn from(r: &pb::ExplainSharingResponse) -> Self {
        Self {
            assessment_id: r.assessment_id.clone(),
            version: r.version,
            tlp: Tlp::from_proto(r.tlp),
            to: r.to_org.clone(),
            to_kind: r.to_kind.clone(),
            to_groups: r.to_groups.clone(),
            verdicts: r
                .verdicts
                .iter()
                .map(|v| VerdictView {
                    action: v.action.clone(),
                    allowed: v.allowed,
                    reasons: v.reasons.clone(),
                })
                .collect(),
            errors: r.errors.clone(),
            receives: r.received.as_ref().map(ReceivedView::from),
        }
    }
}

impl From<&pb::SharedView> for ReceivedView {
    fn from(v: &pb::SharedView) -> Self {
        let has = |part: &str| v.disclosed.iter().any(|d| d == part);
        let situation = v.situation.clone().unwrap_or_default();
        Self {
            disclosed: v.disclosed.clone(),
            title: situation.title,
            countries: situation.countries,
            admin1: situation.admin1,
            m49_region: v.m49_region.clone(),
            regional_bodies: v.regional_bodies.clone(),
            crimes_at_risk: situation
                .crimes_at_risk
                .iter()
                .map(|c| Crime::from_proto(*c))
                .collect(),
            protected_groups: situation
                .protected_groups
                .iter()
                .map(|g| format!("{}: {}", g.basis, g.label))
                .collect(),
            overall_risk: OverallRisk::from_proto(v.overall_risk),
            ongoing: v.ongoing,
            trend: Trend::from_proto(v.trend),
            confidence: Confidence::from_proto(v.confidence),
            horizon_months: v.horizon_months,
            factors: has("factors").then(|| {
                v.factors
                    .iter()
                    .map(|f| FactorView {
                        factor: f.factor,
                        level: FactorLevel::from_proto(f.level),
                        indicators: has("indicators").then(|| f.indicators.clone()),
                    })
                    .collect()
            }),
            narrative: has("narrative").then(|| v.narrative.clone()),
        }
    }
}

pub(super) async fn explain(session: &Session, args: ExplainArgs) -> Result<(), CliError> {
    let request = pb::ExplainSharingRequest {
        assessment_id: args.assessment,
        version: args.version.unwrap_or(0),
        to_org: args.to,
    };
    let reply = session
        .client()
        .await?
        .explain_sharing(request)
        .await?
        .into_inner();
    session.emit(&ExplainView::from(&reply), render_explain)
}

/// The node's answer to `tocsin policy reload`.
#[derive(Debug, Serialize)]
pub(super) struct ReloadView {
    pub epoch: u64,
    pub changed: bool,
}

pub(super) async fn reload(session: &Session) -> Result<(), CliError> {
    let reply = session
        .client()
        .await?
        .reload_sharing_policy(pb::ReloadSharingPolicyRequest {})
        .await?
        .into_inner();
    let view = ReloadView {
        epoch: reply.epoch,
        changed: reply.changed,
    };
    session.emit(&view, |v| {
        if v.changed {
            format!("sharing policy reloaded: epoch {} in force\n", v.epoch)
        } else {
            format!("sharing policy unchanged: epoch {} stays in force\n", v.epoch)
        }
    })
}

fn render_explain(e: &ExplainView) -> String {
    let groups = if e.to_groups.is_empty() {
        String::new()
    } else {
        format!("; groups {}", e.to_groups.join(", "))
    };
    let mut out = fields(&[
        (
            "assessment",
            format!("{} version {} (TLP:{})", e.assessment_id, e.version, e.tlp),
        ),
        ("peer", format!("{} ({}{groups})", e.to, e.to_kind)),
    ]);
    let mut table = Table::new(&["ACTION", "DECISION", "WHY"]);
    for v in &e.verdicts {
        let why = if v.reasons.is_empty() {
            "no policy permits it".to_owned()
        } else {
            v.reasons.join(", ")
        };
        let decision = if v.allowed { "allow" } else { "deny" };
        table.row(vec![v.action.clone(), decision.to_owned(), why]);
    }
    out.push('\n');
    out.push_str(&table.render());
    for error in &e.errors {
        out.push_str(&format!("policy error: {error}\n"));
    }
    out.push('\n');
    match &e.receives {
        None => out.push_str(&format!("{} would receive nothing of this version.\n", e.to)),
        Some(r) => {
            out.push_str(&format!("{} would receive:\n", e.to));
            out.push_str(&render_received(r));
        }
    }
    out
}

fn render_received(r: &ReceivedView) -> String {
    let list = |items: &[String]| items.join(", ");
    let crimes: Vec<String> = r.crimes_at_risk.iter().map(ToString::to_string).collect();
    let factors = match &r.factors {
        None => "withheld".to_owned(),
        Some(factors) => {
            let shown: Vec<String> = factors
                .iter()
                .map(|f| match &f.indicators {
                    Some(i) if !i.is_empty() => format!("{} {} ({})", f.factor, f.level, i.join(", ")),
                    _ => format!("{} {}", f.factor, f.level),
                })
                .collect();
            let indicators = if r.disclosed.iter().any(|d| d == "indicators") {
                ""
            } else {
                "; indicators withheld"
            };
            format!("{}{indicators}", shown.join(", "))
        }
    };
    fields(&[
        ("situation", r.title.clone()),
        ("countries", list(&r.countries)),
        ("admin-1", list(&r.admin1)),
        ("crimes", crimes.join(", ")),
        ("groups", list(&r.protected_groups)),
        ("region", r.m49_region.clone()),
        ("bodies", list(&r.regional_bodies)),
        ("risk", r.overall_risk.to_string()),
        ("ongoing", if r.ongoing { "yes" } else { "no" }.to_owned()),
        ("trend", r.trend.to_string()),
        ("confidence", r.confidence.to_string()),
        ("horizon", format!("{} months", r.horizon_months)),
        ("factors", factors),
        (
            "narrative",
            r.narrative.clone().unwrap_or_else(|| "withheld".to_owned()),
        ),
    ])
}

#[cfg(test)]
mod tests;
