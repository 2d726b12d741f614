//! `audit verify` and `audit list`: the node's tamper-evident audit trail,
//! for its auditors and admins.

use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use serde::Serialize;
use tocsin_proto::v1 as pb;
use tocsin_proto::v1::audit_service_client::AuditServiceClient;
use tocsin_server::model::audit::AuditKind;

use super::error::CliError;
use super::session::Session;
use crate::connect::Bearer;
use crate::table::Table;
use crate::view::timestamp;

pub(super) const AUDIT_HELP: &str = "\
Examples:
  # Is the chain intact? (exit code 0 if so, 6 if an entry was edited,
  # removed, reordered or the chain cut short)
  tocsin audit verify
  # Who published what this year; the next page after entry 200:
  tocsin audit list --kind assessment_published --since 2026-01-01T00:00:00Z
  tocsin audit list --after 200 --limit 100
  # Everything one user did, as JSON:
  tocsin audit list --actor ada --json

Kinds: sign_in, sign_in_refused, assessment_created, assessment_revised,
assessment_submitted, assessment_published, assessment_withdrawn,
statement_shared, statement_withheld, statement_received, delivery_refused,
warning_raised, warning_issued, warning_acknowledged, warning_decided,
action_recorded, warning_closed, after_action_noted, escalation,
webhook_dead_letter, policy_reloaded.";

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the whole hash chain and report the first problem (exit code 6 when broken)
    #[command(after_help = AUDIT_HELP)]
    Verify,
    /// List entries, oldest first
    #[command(after_help = AUDIT_HELP)]
    List(AuditListArgs),
}

#[derive(Debug, Args)]
pub struct AuditListArgs {
    /// Only this kind (repeat for several), e.g. sign_in, assessment_published
    #[arg(long = "kind", value_name = "KIND")]
    pub kinds: Vec<AuditKind>,
    /// Only entries by this actor: a user subject, `peer:<org>` or `node`
    #[arg(long, value_name = "ACTOR")]
    pub actor: Option<String>,
    /// Only entries about this subject, e.g. `<ID>:v2`
    #[arg(long, value_name = "SUBJECT")]
    pub subject: Option<String>,
    /// Only entries at or after this time (RFC 3339)
    #[arg(long, value_name = "RFC3339", value_parser = rfc3339)]
    pub since: Option<DateTime<Utc>>,
    /// Only entries before this time (RFC 3339)
    #[arg(long, value_name = "RFC3339", value_parser = rfc3339)]
    pub until: Option<DateTime<Utc>>,
    /// Only entries after this sequence number (the next page)
    #[arg(long, value_name = "SEQ", default_value_t = 0)]
    pub after: u64,
    /// At most this many entries (the node returns at most 1000)
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub limit: u32,
}

fn rfc3339(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("`{text}` is not an RFC 3339 time, e.g. 2026-01-02T03:04:05Z ({e})"))
}

/// One entry; its JSON is the `--json` output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(super) struct EntryView {
    pub(super) seq: u64,
    pub(super) at: Option<String>,
    pub(super) actor: String,
    pub(super) organisation: String,
    pub(super) kind: String,
    pub(super) subject: String,
    pub(super) detail: String,
    pub(super) prev_hash: String,
    pub(super) hash: String,
}

impl From<pb::AuditEntry> for EntryView {
    fn from(e: pb::AuditEntry) -> Self {
        Self {
            seq: e.seq,
            at: timestamp(e.at.as_ref()),
            actor: e.actor,
            organisation: e.organisation,
            kind: e.kind,
            subject: e.subject,
            detail: e.detail,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

/// The outcome of `audit verify`; its JSON is the `--json` output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(super) struct VerifyView {
    pub(super) ok: bool,
    pub(super) entries: u64,
    pub(super) head_hash: String,
    pub(super) problem: Option<ProblemView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(super) struct ProblemView {
    pub(super) seq: u64,
    /// edited, removed, reordered or truncated.
    pub(super) kind: String,
    pub(super) message: String,
}

impl From<pb::VerifyAuditResponse> for VerifyView {
    fn from(r: pb::VerifyAuditResponse) -> Self {
        let problem = r.problem.map(|p| ProblemView {
            seq: p.seq,
            kind: match pb::AuditProblemKind::try_from(p.kind) {
                Ok(pb::AuditProblemKind::Edited) => "edited",
                Ok(pb::AuditProblemKind::Removed) => "removed",
                Ok(pb::AuditProblemKind::Reordered) => "reordered",
                Ok(pb::AuditProblemKind::Truncated) => "truncated",
                _ => "unknown",
            }
            .to_owned(),
            message: p.message,
        });
        Self {
            ok: r.ok && problem.is_none(),
            entries: r.entries,
            head_hash: r.head_hash,
            problem,
        }
    }
}

pub(super) async fn run(session: &Session, command: AuditCommand) -> Result<(), CliError> {
    let (channel, token) = session.channel().await?;
    let mut client = AuditServiceClient::with_interceptor(channel, Bearer::new(&token)?);
    match command {
        AuditCommand::Verify => {
            let reply = client.verify_audit(pb::VerifyAuditRequest {}).await?.into_inner();
            let view = VerifyView::from(reply);
            match &view.problem {
                None => session.emit(&view, render_verify),
                Some(problem) => {
                    if session.json {
                        session.emit(&view, render_verify)?;
                    }
                    Err(CliError::AuditBroken {
                        seq: problem.seq,
                        kind: problem.kind.clone(),
                        message: problem.message.clone(),
                    })
                }
            }
        }
        AuditCommand::List(args) => {
            let request = pb::QueryAuditRequest {
                kinds: args.kinds.iter().map(|k| k.as_str().to_owned()).collect(),
                actor: args.actor.unwrap_or_default(),
                subject: args.subject.unwrap_or_default(),
                since: args.since.map(wire_time),
                until: args.until.map(wire_time),
                after_seq: args.after,
                limit: args.limit,
            };
            let reply = client.query_audit(request).await?.into_inner();
            let views: Vec<EntryView> = reply.entries.into_iter().map(EntryView::from).collect();
            session.emit(&views, |v| render_list(v))
        }
    }
}

fn wire_time(t: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: t.timestamp(),
        nanos: i32::try_from(t.timestamp_subsec_nanos()).unwrap_or(0),
    }
}

fn render_verify(view: &VerifyView) -> String {
    format!(
        "audit chain intact: {} entries, head {}\n",
        view.entries, view.head_hash
    )
}

fn render_list(entries: &[EntryView]) -> String {
    if entries.is_empty() {
        return "no audit entries match\n".to_owned();
    }
    let mut table = Table::new(&["SEQ", "AT", "ACTOR", "KIND", "SUBJECT", "DETAIL"]);
    for e in entries {
        table.row(vec![
            e.seq.to_string(),
            e.at.clone().unwrap_or_default(),
            e.actor.clone(),
            e.kind.clone(),
            e.subject.clone(),
            e.detail.clone(),
        ]);
    }
    table.render()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: u64, kind: &str) -> EntryView {
        EntryView {
            seq,
            at: Some("2026-01-02T03:04:05Z".into()),
            actor: "ada".into(),
            organisation: "xaa".into(),
            kind: kind.into(),
            subject: "a1:v1".into(),
            detail: "roles: analyst".into(),
            prev_hash: "0".repeat(64),
            hash: "ab".repeat(32),
        }
    }

    #[test]
    fn the_list_is_a_table_of_seq_at_actor_kind_subject_detail() {
        let text = render_list(&[entry(1, "sign_in"), entry(12, "assessment_created")]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[0].starts_with("SEQ  AT"), "{text}");
        assert!(
            lines[2].starts_with("12   2026-01-02T03:04:05Z  ada    assessment_created  a1:v1"),
            "{text}"
        );
        assert_eq!(render_list(&[]), "no audit entries match\n");
    }

    #[test]
    fn a_broken_chain_names_its_problem() {
        let view = VerifyView::from(pb::VerifyAuditResponse {
            ok: false,
            entries: 2,
            head_hash: "ab".repeat(32),
            problem: Some(pb::AuditProblem {
                seq: 3,
                kind: pb::AuditProblemKind::Edited as i32,
                message: "entry 3 does not match its hash".into(),
            }),
        });
        assert!(!view.ok);
        assert_eq!(
            view.problem.map(|p| (p.seq, p.kind)),
            Some((3, "edited".to_owned()))
        );
        let intact = VerifyView::from(pb::VerifyAuditResponse {
            ok: true,
            entries: 4,
            head_hash: "cd".repeat(32),
            problem: None,
        });
        assert_eq!(
            render_verify(&intact),
            format!("audit chain intact: 4 entries, head {}\n", "cd".repeat(32))
        );
    }

    #[test]
    fn the_command_line_takes_kinds_and_times() {
        use super::super::args::{Cli, Command};
        use clap::Parser;
        let parse =
            |args: &[&str]| Cli::try_parse_from(std::iter::once("tocsin").chain(args.iter().copied()));
        let cli = parse(&[
            "audit",
            "list",
            "--kind",
            "sign_in",
            "--kind",
            "assessment_published",
            "--since",
            "2026-01-01T00:00:00+01:00",
        ])
        .unwrap();
        match cli.command {
            Command::Audit(AuditCommand::List(args)) => {
                assert_eq!(
                    args.kinds,
                    vec![AuditKind::SignIn, AuditKind::AssessmentPublished]
                );
                assert_eq!(
                    args.since.map(|t| t.to_rfc3339()).as_deref(),
                    Some("2025-12-31T23:00:00+00:00")
                );
                assert_eq!((args.after, args.limit), (0, 100));
            }
            other => panic!("parsed as {other:?}"),
        }
        let err = parse(&["audit", "list", "--kind", "coffee"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("`coffee`"), "{err}");
        assert!(matches!(
            parse(&["audit", "verify"]).unwrap().command,
            Command::Audit(AuditCommand::Verify)
        ));
    }

    #[test]
    fn times_must_be_rfc3339() {
        assert!(rfc3339("2026-01-02T03:04:05Z").is_ok());
        let err = rfc3339("yesterday").unwrap_err();
        assert!(err.contains("`yesterday`"), "{err}");
    }
}
