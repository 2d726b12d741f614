//! `situations` and `situation show`.

use tocsin_proto::v1 as pb;

use super::args::{SituationCommand, SituationFilter};
use super::error::CliError;
use super::session::Session;
use crate::render;
use crate::view::SituationView;

pub(super) async fn list(session: &Session, filter: SituationFilter) -> Result<(), CliError> {
    let request = pb::ListSituationsRequest {
        country: filter.country.unwrap_or_default(),
        regional_body: filter.body.unwrap_or_default(),
    };
    let reply = session
        .client()
        .await?
        .list_situations(request)
        .await?
        .into_inner();
    let views: Vec<SituationView> = reply.situations.iter().map(SituationView::from).collect();
    session.emit(&views, |v| render::situations(v))
}

pub(super) async fn run(session: &Session, command: SituationCommand) -> Result<(), CliError> {
    match command {
        SituationCommand::Show { id } => {
            let request = pb::GetSituationRequest { id };
            let found = session.client().await?.get_situation(request).await?.into_inner();
            session.emit(&SituationView::from(&found), render::situation)
        }
    }
}
