//! `peers`, `federation quarantine` and `federation refusals`: the node's
//! side of the federation, for its admins and auditors.

use serde::Serialize;
use tocsin_proto::v1 as pb;

use super::admin_args::FederationCommand;
use super::error::CliError;
use super::session::Session;
use crate::table::Table;
use crate::view::timestamp;

/// One peer; its JSON is the `--json` output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(super) struct PeerView {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) kind: String,
    pub(super) groups: Vec<String>,
    pub(super) endpoint: String,
    /// The peer's outbox sequence number this node has read up to; `None`
    /// before the first delivery.
    pub(super) cursor_seq: Option<u64>,
    pub(super) cursor_epoch: Option<u64>,
    pub(super) received: u64,
    pub(super) originated: u64,
    pub(super) last_received_at: Option<String>,
}

impl From<&pb::PeerStatus> for PeerView {
    fn from(p: &pb::PeerStatus) -> Self {
        Self {
            id: p.id.clone(),
            name: p.name.clone(),
            kind: p.kind.clone(),
            groups: p.groups.clone(),
            endpoint: p.endpoint.clone(),
            cursor_seq: p.has_cursor.then_some(p.cursor_seq),
            cursor_epoch: p.has_cursor.then_some(p.cursor_epoch),
            received: p.received,
            originated: p.originated,
            last_received_at: timestamp(p.last_received_at.as_ref()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(super) struct EquivocationView {
    pub(super) statement_id: String,
    pub(super) origin: String,
    pub(super) first_sha256: String,
    pub(super) second_sha256: String,
    pub(super) received_from: String,
    pub(super) at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(super) struct RefusalView {
    pub(super) peer: String,
    pub(super) reason: String,
    pub(super) at: Option<String>,
}

pub(super) async fn peers(session: &Session) -> Result<(), CliError> {
    let reply = session
        .client()
        .await?
        .list_peers(pb::ListPeersRequest {})
        .await?
        .into_inner();
    let views: Vec<PeerView> = reply.peers.iter().map(PeerView::from).collect();
    session.emit(&views, |v| render_peers(v))
}

pub(super) async fn run(session: &Session, command: FederationCommand) -> Result<(), CliError> {
    let mut client = session.client().await?;
    match command {
        FederationCommand::Quarantine => {
            let reply = client
                .list_quarantine(pb::ListQuarantineRequest {})
                .await?
                .into_inner();
            let views: Vec<EquivocationView> = reply
                .equivocations
                .iter()
                .map(|e| EquivocationView {
                    statement_id: e.statement_id.clone(),
                    origin: e.origin.clone(),
                    first_sha256: e.first_sha256.clone(),
                    second_sha256: e.second_sha256.clone(),
                    received_from: e.received_from.clone(),
                    at: timestamp(e.at.as_ref()),
                })
                .collect();
            session.emit(&views, |v| render_quarantine(v))
        }
        FederationCommand::Refusals => {
            let reply = client
                .list_refusals(pb::ListRefusalsRequest {})
                .await?
                .into_inner();
            let views: Vec<RefusalView> = reply
                .refusals
                .iter()
                .map(|r| RefusalView {
                    peer: r.peer.clone(),
                    reason: r.reason.clone(),
                    at: timestamp(r.at.as_ref()),
                })
                .collect();
            session.emit(&views, |v| render_refusals(v))
        }
    }
}

fn render_peers(peers: &[PeerView]) -> String {
    if peers.is_empty() {
        return "the federation directory lists no other organisation\n".to_owned();
    }
    let mut table = Table::new(&[
        "PEER",
        "KIND",
        "GROUPS",
        "ENDPOINT",
        "CURSOR",
        "RECEIVED",
        "ORIGINATED",
        "LAST",
    ]);
    for p in peers {
        table.row(vec![
            p.id.clone(),
            p.kind.clone(),
            p.groups.join(","),
            p.endpoint.clone(),
            match (p.cursor_seq, p.cursor_epoch) {
                (Some(seq), Some(epoch)) => format!("{seq} (epoch {epoch})"),
                _ => "-".to_owned(),
            },
            p.received.to_string(),
            p.originated.to_string(),
            p.last_received_at.clone().unwrap_or_else(|| "-".to_owned()),
        ]);
    }
    table.render()
}

fn render_quarantine(held: &[EquivocationView]) -> String {
    if held.is_empty() {
        return "nothing quarantined\n".to_owned();
    }
    let mut table = Table::new(&[
        "STATEMENT",
        "ORIGIN",
        "FROM",
        "AT",
        "FIRST SHA-256",
        "SECOND SHA-256",
    ]);
    for e in held {
        table.row(vec![
            e.statement_id.clone(),
            e.origin.clone(),
            e.received_from.clone(),
            e.at.clone().unwrap_or_default(),
            e.first_sha256.chars().take(16).collect(),
            e.second_sha256.chars().take(16).collect(),
        ]);
    }
    table.render()
}

fn render_refusals(refused: &[RefusalView]) -> String {
    if refused.is_empty() {
        return "no delivery refused\n".to_owned();
    }
    let mut table = Table::new(&["PEER", "AT", "REASON"]);
    for r in refused {
        table.row(vec![
            r.peer.clone(),
            r.at.clone().unwrap_or_default(),
            r.reason.clone(),
        ]);
    }
    table.render()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peers_show_their_cursor_or_a_dash() {
        let wire = |id: &str, cursor: Option<u64>| pb::PeerStatus {
            id: id.into(),
            name: id.into(),
            kind: "regional_body".into(),
            groups: vec!["au".into()],
            endpoint: format!("https://{id}.example:7501"),
            has_cursor: cursor.is_some(),
            cursor_epoch: 1,
            cursor_seq: cursor.unwrap_or_default(),
            received: cursor.unwrap_or_default(),
            originated: 0,
            last_received_at: None,
        };
        let views: Vec<PeerView> = [wire("au", None), wire("ecowas", Some(4))]
            .iter()
            .map(PeerView::from)
            .collect();
        assert_eq!(views[0].cursor_seq, None);
        assert_eq!(
            render_peers(&views),
            "\
PEER    KIND           GROUPS  ENDPOINT                     CURSOR       RECEIVED  ORIGINATED  LAST
au      regional_body  au      https://au.example:7501      -            0         0           -
ecowas  regional_body  au      https://ecowas.example:7501  4 (epoch 1)  4         0           -
"
        );
    }

    #[test]
    fn empty_lists_say_so() {
        assert_eq!(render_quarantine(&[]), "nothing quarantined\n");
        assert_eq!(render_refusals(&[]), "no delivery refused\n");
        let refused = [RefusalView {
            peer: "au".into(),
            reason: "statement `x` of `au` is not addressed to `xaa`".into(),
            at: Some("2026-11-03T10:00:00Z".into()),
        }];
        assert_eq!(
            render_refusals(&refused),
            "PEER  AT                    REASON\nau    2026-11-03T10:00:00Z  statement `x` of `au` is not addressed to `xaa`\n"
        );
    }
}
