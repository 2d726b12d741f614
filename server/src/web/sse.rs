//! `/events`: server-sent events from the warnings event feed (the source
//! `WatchWarnings` uses), for users who may read warnings. Each event names
//! the warning and what happened to it; pages reload what they show.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::convert::Infallible;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::serve::stopped;
use super::{Web, error_page};
use crate::policy::Action;

/// Events read from the store per wake-up.
const BATCH: usize = 256;

pub(super) async fn events(State(web): State<Arc<Web>>, headers: HeaderMap) -> Response {
    let session = match web.session(&headers, None) {
        Ok(session) => session,
        Err(_) => return StatusCode::UNAUTHORIZED.into_response(),
    };
    let warnings = web.services.warnings.clone();
    if warnings.authorize(&session.caller, Action::ReadWarnings).is_err() {
        return error_page(&session, StatusCode::FORBIDDEN, "error.forbidden", "");
    }
    let mut changes = warnings.event_changes();
    let mut seq = *changes.borrow_and_update();
    let mut stopping = web.stopping.clone();
    let (tx, rx) = mpsc::channel::<Result<Event, Infallible>>(16);
    tokio::spawn(async move {
        loop {
            tokio::select! {
                () = stopped(&mut stopping) => return,
                () = tx.closed() => return,
                changed = changes.changed() => if changed.is_err() { return },
            }
            let Ok(batch) = warnings.events_after(seq, BATCH) else {
                continue;
            };
            for event in batch {
                seq = seq.max(event.seq);
                let data = json!({
                    "seq": event.seq,
                    "kind": event.kind,
                    "sender": event.sender,
                    "id": event.warning_id,
                });
                let sse = Event::default()
                    .event("warning")
                    .id(event.seq.to_string())
                    .data(data.to_string());
                if tx.send(Ok(sse)).await.is_err() {
                    return;
                }
            }
        }
    });
    Sse::new(ReceiverStream::new(rx))
        .keep_alive(KeepAlive::default())
        .into_response()
}
