//! `tocsin watch`: streams the node's warning events, one line (or one JSON
//! object) each, and remembers the cursor of the last one printed in
//! `watch_cursors.json`, so the next watch resumes after it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{self, Write};
use tocsin_proto::v1 as pb;

use super::args::WatchArgs;
use super::view::EventView;
use crate::cli::error::CliError;
use crate::cli::session::Session;
use crate::config_dir::{ConfigDir, Guard};
use crate::node_url::NodeUrl;
use crate::render::warning as render;

const FILE: &str = "watch_cursors.json";

#[derive(Debug, Default, Serialize, Deserialize)]
struct CursorFile {
    /// Stream key (see [`stream_key`]) → base64 of the node's cursor.
    #[serde(default)]
    cursors: BTreeMap<String, String>,
}

/// The stored cursors of one configuration directory.
#[derive(Debug, Clone)]
pub(super) struct Cursors {
    dir: ConfigDir,
}

/// The node URL, with the subscription when the stream is filtered by one.
pub(super) fn stream_key(node: &NodeUrl, subscription: Option<&str>) -> String {
    match subscription {
        Some(id) => format!("{node}?subscription={id}"),
        None => node.to_string(),
    }
}

impl Cursors {
    pub(super) fn new(dir: &ConfigDir) -> Self {
        Self { dir: dir.clone() }
    }

    pub(super) fn get(&self, key: &str) -> Result<Option<Vec<u8>>, CliError> {
        match self.load()?.cursors.get(key) {
            None => Ok(None),
            Some(text) => STANDARD
                .decode(text)
                .map(Some)
                .map_err(|e| self.damaged(format!("the cursor of `{key}` is not base64: {e}"))),
        }
    }

    pub(super) fn set(&self, key: &str, cursor: &[u8]) -> Result<(), CliError> {
        let mut file = self.load()?;
        file.cursors.insert(key.to_owned(), STANDARD.encode(cursor));
        let mut bytes = serde_json::to_vec_pretty(&file).map_err(|e| self.damaged(e.to_string()))?;
        bytes.push(b'\n');
        Ok(self.dir.write(FILE, &bytes)?)
    }

    fn load(&self) -> Result<CursorFile, CliError> {
        match self.dir.read(FILE, Guard::Integrity)? {
            None => Ok(CursorFile::default()),
            Some(bytes) => serde_json::from_slice(&bytes).map_err(|e| self.damaged(e.to_string())),
        }
    }

    fn damaged(&self, reason: String) -> CliError {
        let path = self.dir.file(FILE);
        CliError::Io {
            action: "use the stored watch cursors",
            source: io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "`{}` is damaged ({reason}): delete it to watch from the start",
                    path.display()
                ),
            ),
        }
    }
}

/// Streams until Ctrl-C (exit 0), a closed standard output (exit 0), or
/// the node ending the stream (exit 1).
pub(crate) async fn watch(session: &Session, args: WatchArgs) -> Result<(), CliError> {
    let cursors = Cursors::new(&session.dir);
    let key = stream_key(&session.node, args.subscription.as_deref());
    let cursor = if args.from_start {
        Vec::new()
    } else {
        cursors.get(&key)?.unwrap_or_default()
    };
    let request = pb::WatchWarningsRequest {
        cursor,
        subscription_id: args.subscription.unwrap_or_default(),
    };
    let mut stream = session
        .warnings()
        .await?
        .watch_warnings(request)
        .await?
        .into_inner();
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        tokio::select! {
            interrupted = &mut ctrl_c => {
                return interrupted.map_err(|source| CliError::Io { action: "wait for Ctrl-C", source });
            }
            message = stream.message() => {
                let Some(event) = message? else {
                    return Err(tonic::Status::unavailable("the node ended the stream").into());
                };
                if !write_line(&line(session.json, &event)?)? {
                    return Ok(());
                }
                if !event.cursor.is_empty() {
                    cursors.set(&key, &event.cursor)?;
                }
            }
        }
    }
}

/// The event as printed: a human line, or one compact JSON object.
pub(super) fn line(json: bool, event: &pb::WarningEvent) -> Result<String, CliError> {
    if !json {
        return Ok(render::event(event));
    }
    let mut text = serde_json::to_string(&EventView::from(event)).map_err(|e| CliError::Io {
        action: "write JSON",
        source: io::Error::other(e),
    })?;
    text.push('\n');
    Ok(text)
}

/// Writes and flushes; false when the reader has gone (`tocsin watch | head`).
fn write_line(text: &str) -> Result<bool, CliError> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(false),
        Err(source) => Err(CliError::Io {
            action: "write to standard output",
            source,
        }),
    }
}
