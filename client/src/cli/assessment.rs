//! `assessment new|create|revise|submit|publish|withdraw|list|show` (and the
//! top-level `submit|publish|withdraw|list|show`).

use std::fs;
use std::io::Write;
use std::path::Path;
use tocsin_proto::v1 as pb;

use super::args::{AssessmentCommand, ListArgs, ShowArgs, VersionArgs, WithdrawArgs};
use super::error::CliError;
use super::session::{Session, print};
use crate::connect::NodeClient;
use crate::document::{self, TEMPLATE};
use crate::render;
use crate::view::AssessmentView;

pub(super) async fn run(session: &Session, command: AssessmentCommand) -> Result<(), CliError> {
    match command {
        AssessmentCommand::New { output, force } => match output {
            Some(path) => write_template(&path, force),
            None => print(TEMPLATE),
        },
        AssessmentCommand::Create { file } => create(session, &file).await,
        AssessmentCommand::Revise {
            id,
            file,
            base_version,
        } => revise(session, &id, &file, base_version).await,
        AssessmentCommand::Submit(args) => submit(session, args).await,
        AssessmentCommand::Publish(args) => publish(session, args).await,
        AssessmentCommand::Withdraw(args) => withdraw(session, args).await,
        AssessmentCommand::List(args) => list(session, args).await,
        AssessmentCommand::Show(args) => show(session, args).await,
    }
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
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            CliError::Usage(format!(
                "`{}` exists already: pass `--force` to overwrite it",
                path.display()
            ))
        } else {
            write_error(e)
        }
    })?;
    file.write_all(TEMPLATE.as_bytes()).map_err(write_error)?;
    eprintln!(
        "wrote {}: edit it, then run `tocsin assessment create {}`",
        path.display(),
        path.display()
    );
    Ok(())
}

async fn create(session: &Session, file: &Path) -> Result<(), CliError> {
    let content = document::load(file)?;
    let request = pb::CreateAssessmentRequest {
        content: Some((&content).into()),
    };
    let created = session
        .client()
        .await?
        .create_assessment(request)
        .await?
        .into_inner();
    emit_change(session, "created", &created)
}

async fn revise(session: &Session, id: &str, file: &Path, base: Option<u32>) -> Result<(), CliError> {
    let content = document::load(file)?;
    let mut client = session.client().await?;
    let base_version = match base {
        Some(version) => version,
        None => latest(&mut client, id).await?.version,
    };
    let request = pb::ReviseAssessmentRequest {
        id: id.to_owned(),
        base_version,
        content: Some((&content).into()),
    };
    let revised = client.revise_assessment(request).await?.into_inner();
    emit_change(session, "revised", &revised)
}

pub(super) async fn submit(session: &Session, args: VersionArgs) -> Result<(), CliError> {
    let mut client = session.client().await?;
    let version = version_or_latest(&mut client, &args).await?;
    let request = pb::SubmitAssessmentRequest { id: args.id, version };
    let submitted = client.submit_assessment(request).await?.into_inner();
    emit_change(session, "submitted", &submitted)
}

pub(super) async fn publish(session: &Session, args: VersionArgs) -> Result<(), CliError> {
    let mut client = session.client().await?;
    let version = version_or_latest(&mut client, &args).await?;
    let request = pb::PublishAssessmentRequest { id: args.id, version };
    let published = client.publish_assessment(request).await?.into_inner();
    emit_change(session, "published", &published)
}

/// Withdraws the given version, or the latest one as the node has it now.
pub(super) async fn withdraw(session: &Session, args: WithdrawArgs) -> Result<(), CliError> {
    let mut client = session.client().await?;
    let version = match args.version {
        Some(version) => version,
        None => latest(&mut client, &args.id).await?.version,
    };
    let request = pb::WithdrawAssessmentRequest {
        id: args.id,
        version,
        reason: args.reason,
    };
    let withdrawn = client.withdraw_assessment(request).await?.into_inner();
    emit_change(session, "withdrew", &withdrawn)
}

pub(super) async fn list(session: &Session, args: ListArgs) -> Result<(), CliError> {
    let request = pb::ListAssessmentsRequest {
        country: args.country.unwrap_or_default(),
        regional_body: args.body.unwrap_or_default(),
        status: args.status.map(|s| s.to_proto()).unwrap_or_default(),
        min_risk: args.min_risk.map(|r| r.to_proto()).unwrap_or_default(),
        all_versions: args.all_versions,
    };
    let reply = session
        .client()
        .await?
        .list_assessments(request)
        .await?
        .into_inner();
    let views: Vec<AssessmentView> = reply.assessments.iter().map(AssessmentView::from).collect();
    session.emit(&views, |v| render::assessments(v))
}

pub(super) async fn show(session: &Session, args: ShowArgs) -> Result<(), CliError> {
    let request = pb::GetAssessmentRequest {
        id: args.id,
        version: args.version.unwrap_or(0),
    };
    let found = session
        .client()
        .await?
        .get_assessment(request)
        .await?
        .into_inner();
    let view = AssessmentView::from(&found);
    if args.yaml {
        let content = view.content.as_ref().ok_or_else(|| {
            CliError::Node(tonic::Status::internal(
                "the node returned an assessment without content",
            ))
        })?;
        return print(&document::to_yaml(content)?);
    }
    session.emit(&view, render::assessment)
}

/// The latest version of `id` (version 0 asks the node for the latest).
async fn latest(client: &mut NodeClient, id: &str) -> Result<pb::Assessment, CliError> {
    let request = pb::GetAssessmentRequest {
        id: id.to_owned(),
        version: 0,
    };
    Ok(client.get_assessment(request).await?.into_inner())
}

async fn version_or_latest(client: &mut NodeClient, args: &VersionArgs) -> Result<u32, CliError> {
    match args.version {
        Some(version) => Ok(version),
        None => Ok(latest(client, &args.id).await?.version),
    }
}

fn emit_change(session: &Session, verb: &str, assessment: &pb::Assessment) -> Result<(), CliError> {
    let view = AssessmentView::from(assessment);
    session.emit(&view, |v| {
        format!(
            "{verb} assessment {} version {} ({})\n",
            v.id, v.version, v.status
        )
    })
}
