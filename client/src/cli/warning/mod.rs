//! `warning template|raise|revise|update|cancel|issue|list|show|timeline|
//! ack|decide|action|close|note|cap`, and `report`; `watch` is in `watch`.

mod args;
mod view;
mod watch;

pub use args::{
    AckArgs, AckChoice, ActionAddArgs, ActionCommand, ActionStatusChoice, ActionUpdateArgs, DecideArgs,
    DecisionChoice, NoteArgs, WarningCommand, WarningListArgs, WarningRef, WatchArgs,
};
pub(super) use args::{REPORT_HELP, WARNING_HELP, WATCH_HELP};
pub(super) use watch::watch;

use chrono::Utc;
use serde::Serialize;
use std::fs;
use std::io::{self, Read, Write};
use std::path::Path;
use tocsin_proto::v1 as pb;

use super::error::CliError;
use super::session::{Session, print};
use crate::document::warning::{WARNING_TEMPLATE, WarningDocument, load_warning, warning_to_yaml};
use crate::render::warning as render;
use view::{DetailView, ReportView, TimelineEntryView, WarningView};

pub(super) async fn run(session: &Session, command: WarningCommand) -> Result<(), CliError> {
    match command {
        WarningCommand::Template { output, force } => match output {
            Some(path) => write_template(&path, force),
            None => print(WARNING_TEMPLATE),
        },
        WarningCommand::Raise { file } => {
            let content = Some(load_warning(&file)?.to_proto(Utc::now()));
            let request = pb::RaiseWarningRequest { content };
            let w = session.warnings().await?.raise_warning(request).await?;
            emit_warning(session, &w.into_inner(), |w| {
                format!(
                    "raised warning {} (draft): a reviewer sends it with `tocsin warning issue {}`\n",
                    w.id, w.id
                )
            })
        }
        WarningCommand::Revise { id, file } => {
            let content = Some(load_warning(&file)?.to_proto(Utc::now()));
            let request = pb::ReviseWarningRequest { id, content };
            let w = session.warnings().await?.revise_warning(request).await?;
            emit_warning(session, &w.into_inner(), |w| {
                format!("revised warning {} ({})\n", w.id, w.status)
            })
        }
        WarningCommand::Update { id, file } => {
            let content = Some(load_warning(&file)?.to_proto(Utc::now()));
            let request = pb::DraftUpdateRequest {
                id: id.clone(),
                content,
            };
            let w = session.warnings().await?.draft_update(request).await?;
            emit_warning(session, &w.into_inner(), |w| {
                format!(
                    "drafted update {} of warning {id}: once issued (`tocsin warning issue {}`) it supersedes {id}\n",
                    w.id, w.id
                )
            })
        }
        WarningCommand::Cancel { id, reason } => {
            let request = pb::DraftCancelRequest {
                id: id.clone(),
                reason,
            };
            let w = session.warnings().await?.draft_cancel(request).await?;
            emit_warning(session, &w.into_inner(), |w| {
                format!(
                    "drafted cancel notice {} of warning {id}: once issued (`tocsin warning issue {}`) it withdraws {id}\n",
                    w.id, w.id
                )
            })
        }
        WarningCommand::Issue { id } => {
            let w = session
                .warnings()
                .await?
                .issue_warning(pb::IssueWarningRequest { id })
                .await?;
            emit_warning(session, &w.into_inner(), issued_text)
        }
        WarningCommand::List(args) => {
            let reply = session
                .warnings()
                .await?
                .list_warnings(list_request(&args))
                .await?;
            let list = reply.into_inner().warnings;
            let views: Vec<WarningView> = list.iter().map(WarningView::from).collect();
            session.emit(&views, |_| render::warnings(&list))
        }
        WarningCommand::Show { name, yaml } => {
            let detail = get(session, &name).await?;
            if yaml {
                let content = detail.warning.as_ref().and_then(|w| w.content.as_ref());
                let content = content.ok_or_else(|| {
                    CliError::Node(tonic::Status::internal(
                        "the node returned a warning without content",
                    ))
                })?;
                return print(&warning_to_yaml(&WarningDocument::from_proto(content)?)?);
            }
            session.emit(&DetailView::from(&detail), |_| render::warning(&detail))
        }
        WarningCommand::Timeline { name } => {
            let detail = get(session, &name).await?;
            let views: Vec<TimelineEntryView> = detail.timeline.iter().map(TimelineEntryView::from).collect();
            session.emit(&views, |_| render::timeline(&detail.timeline))
        }
        WarningCommand::Ack(args) => {
            let request = ack_request(&args);
            let detail = session.warnings().await?.acknowledge_warning(request).await?;
            let line = format!("acknowledged {}: {}\n", args.name, args.kind.wire());
            emit_detail(session, &detail.into_inner(), line)
        }
        WarningCommand::Decide(args) => {
            let request = pb::DecideWarningRequest {
                warning: Some((&args.name).into()),
                kind: args.kind.wire().to_owned(),
                justification: args.justification.clone(),
            };
            let detail = session
                .warnings()
                .await?
                .decide_warning(request)
                .await?
                .into_inner();
            let id = new_decision(&detail, args.kind.wire(), &args.justification);
            let line = format!(
                "recorded decision {} ({}) on {}\n",
                id.unwrap_or("?"),
                args.kind.wire(),
                args.name
            );
            emit_detail(session, &detail, line)
        }
        WarningCommand::Action(ActionCommand::Add(args)) => action_add(session, args).await,
        WarningCommand::Action(ActionCommand::Update(args)) => {
            let request = pb::UpdateActionRequest {
                warning: Some((&args.name).into()),
                action_id: args.action_id.clone(),
                status: args.status.wire().to_owned(),
                outcome: args.outcome.clone().unwrap_or_default(),
            };
            let detail = session.warnings().await?.update_action(request).await?;
            let line = format!(
                "action {} of {} is now {}\n",
                args.action_id,
                args.name,
                args.status.wire()
            );
            emit_detail(session, &detail.into_inner(), line)
        }
        WarningCommand::Close { id, decision } => {
            let request = pb::CloseWarningRequest {
                id: id.clone(),
                decision_id: decision.clone(),
            };
            let detail = session.warnings().await?.close_warning(request).await?;
            let line = format!("closed warning {id} on decision {decision}\n");
            emit_detail(session, &detail.into_inner(), line)
        }
        WarningCommand::Note(args) => {
            let lessons = lessons(&args)?;
            let request = pb::AddAfterActionNoteRequest {
                warning: Some((&args.name).into()),
                outcome: args.outcome.to_string(),
                lessons,
            };
            let detail = session.warnings().await?.add_after_action_note(request).await?;
            let line = format!("noted the outcome of {}: {}\n", args.name, args.outcome);
            emit_detail(session, &detail.into_inner(), line)
        }
        WarningCommand::Cap { name } => {
            let request = pb::ExportCapRequest {
                warning: Some((&name).into()),
            };
            let cap = session.warnings().await?.export_cap(request).await?.into_inner();
            #[derive(Serialize)]
            struct CapView<'a> {
                xml: &'a str,
            }
            session.emit(&CapView { xml: &cap.xml }, |v| v.xml.to_owned())
        }
    }
}

/// `tocsin report`: the measures and the overdue list.
pub(super) async fn report(session: &Session) -> Result<(), CliError> {
    let report = session
        .warnings()
        .await?
        .get_report(pb::GetReportRequest {})
        .await?;
    let report = report.into_inner();
    session.emit(&ReportView::from(&report), |_| render::report(&report))
}

async fn action_add(session: &Session, args: ActionAddArgs) -> Result<(), CliError> {
    let due = args.due.resolve(Utc::now());
    let request = pb::RecordActionRequest {
        warning: Some((&args.name).into()),
        decision_id: args.decision.clone().unwrap_or_default(),
        kind: args.kind.to_string(),
        description: args.description.clone().unwrap_or_default(),
        owner: args.owner.clone().unwrap_or_default(),
        due: Some(prost_types::Timestamp {
            seconds: due.timestamp(),
            nanos: 0,
        }),
    };
    let detail = session
        .warnings()
        .await?
        .record_action(request)
        .await?
        .into_inner();
    let id = new_action(&detail, &args.kind.to_string());
    let line = format!(
        "recorded action {} ({}, due {} UTC) on {}\n",
        id.unwrap_or("?"),
        args.kind,
        due.format("%Y-%m-%d %H:%M"),
        args.name
    );
    emit_detail(session, &detail, line)
}

async fn get(session: &Session, name: &WarningRef) -> Result<pb::WarningDetail, CliError> {
    Ok(session
        .warnings()
        .await?
        .get_warning(pb::WarningName::from(name))
        .await?
        .into_inner())
}

fn list_request(args: &WarningListArgs) -> pb::ListWarningsRequest {
    pb::ListWarningsRequest {
        status: args.status.map(|s| s.to_string()).unwrap_or_default(),
        received: match (args.received, args.sent) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        },
        open: args.open,
    }
}

fn ack_request(args: &AckArgs) -> pb::AcknowledgeWarningRequest {
    pb::AcknowledgeWarningRequest {
        warning: Some((&args.name).into()),
        kind: args.kind.wire().to_owned(),
        forwarded_to: args.to.clone().unwrap_or_default(),
        reason: args.reason.clone().unwrap_or_default(),
    }
}

/// The id of the decision just recorded: the latest with this kind and
/// justification.
fn new_decision<'a>(detail: &'a pb::WarningDetail, kind: &str, justification: &str) -> Option<&'a str> {
    detail
        .decisions
        .iter()
        .filter(|d| d.kind == kind && d.justification == justification)
        .max_by_key(|d| d.at.as_ref().map(|t| (t.seconds, t.nanos)))
        .map(|d| d.id.as_str())
}

/// The id of the action just recorded: the latest recorded of this kind.
fn new_action<'a>(detail: &'a pb::WarningDetail, kind: &str) -> Option<&'a str> {
    detail
        .actions
        .iter()
        .filter(|a| a.kind == kind)
        .max_by_key(|a| a.recorded_at.as_ref().map(|t| (t.seconds, t.nanos)))
        .map(|a| a.id.as_str())
}

fn lessons(args: &NoteArgs) -> Result<String, CliError> {
    match (&args.lessons, &args.lessons_file) {
        (Some(text), _) => Ok(text.clone()),
        (None, Some(path)) if path.as_os_str() == "-" => {
            let mut text = String::new();
            io::stdin()
                .read_to_string(&mut text)
                .map_err(|source| CliError::Io {
                    action: "read the lessons from standard input",
                    source,
                })?;
            Ok(text)
        }
        (None, Some(path)) => fs::read_to_string(path).map_err(|source| {
            crate::document::DocumentError::Read {
                path: path.clone(),
                source,
            }
            .into()
        }),
        (None, None) => Err(CliError::Usage(
            "give `--lessons TEXT` or `--lessons-file FILE`".into(),
        )),
    }
}

fn issued_text(w: &WarningView) -> String {
    let to: Vec<String> = w
        .content
        .iter()
        .flat_map(|c| &c.addressees)
        .map(|a| a.organisation.clone())
        .collect();
    let mut text = format!("issued warning {} to {}", w.id, to.join(", "));
    if let Some(by) = &w.acknowledge_by {
        text.push_str(&format!("; acknowledgements due by {by}"));
    }
    if let Some(by) = &w.decide_by {
        text.push_str(&format!(", decisions by {by}"));
    }
    text.push('\n');
    text
}

fn emit_warning(
    session: &Session,
    warning: &pb::Warning,
    human: impl FnOnce(&WarningView) -> String,
) -> Result<(), CliError> {
    session.emit(&WarningView::from(warning), human)
}

fn emit_detail(session: &Session, detail: &pb::WarningDetail, line: String) -> Result<(), CliError> {
    session.emit(&DetailView::from(detail), |_| line)
}

fn write_template(path: &Path, force: bool) -> Result<(), CliError> {
    let mut options = fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let write_error = |source| CliError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == io::ErrorKind::AlreadyExists {
            CliError::Usage(format!(
                "`{}` exists already: pass `--force` to overwrite it",
                path.display()
            ))
        } else {
            write_error(e)
        }
    })?;
    file.write_all(WARNING_TEMPLATE.as_bytes()).map_err(write_error)?;
    eprintln!(
        "wrote {}: edit it, then run `tocsin warning raise {}`",
        path.display(),
        path.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests;
