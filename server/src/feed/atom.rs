//! The public Atom 1.0 (RFC 4287) feed of a node's warnings, written by hand
//! with the CAP export's escaping: pure, no I/O.
//!
//! Only what TLP:CLEAR allows anyone to read ever appears: a warning is in
//! the feed when this node sent it, it has been issued (it may since have
//! been superseded, cancelled or closed) and it is marked TLP:CLEAR —
//! [`is_published`] decides, here and for the CAP documents the feed links to.

use chrono::{DateTime, SecondsFormat, Utc};
use std::fmt::Write;

use crate::model::cap::escape;
use crate::model::marking::Tlp;
use crate::model::warning::Warning;

/// The Atom namespace.
pub const ATOM_NAMESPACE: &str = "http://www.w3.org/2005/Atom";

/// At most this many entries, the newest.
pub const MAX_ENTRIES: usize = 100;

/// The `scheme` of the category carrying the warning level.
pub const LEVEL_SCHEME: &str = "urn:tocsin:warning-level";

/// The `scheme` of the category carrying the CAP message type.
pub const MSG_TYPE_SCHEME: &str = "urn:tocsin:msg-type";

/// Whether `warning` may be published by the node of `node_org`: sent by it,
/// issued, and TLP:CLEAR.
pub fn is_published(node_org: &str, warning: &Warning) -> bool {
    warning.sender == node_org && warning.issued.is_some() && warning.content.tlp == Tlp::Clear
}

/// The warnings of `warnings` the feed shows: the published ones, newest
/// `sent` first (ties by identifier), at most [`MAX_ENTRIES`].
pub fn published<'a>(node_org: &str, warnings: &'a [Warning]) -> Vec<&'a Warning> {
    let mut shown: Vec<&Warning> = warnings.iter().filter(|w| is_published(node_org, w)).collect();
    shown.sort_by(|a, b| b.sent().cmp(&a.sent()).then_with(|| a.id.cmp(&b.id)));
    shown.truncate(MAX_ENTRIES);
    shown
}

/// The feed's id: stable for the node.
pub fn feed_id(node_org: &str) -> String {
    format!("urn:tocsin:feed:{}", percent_encode(node_org))
}

/// An entry's id: stable for the warning (sender and identifier).
pub fn entry_id(warning: &Warning) -> String {
    format!(
        "urn:tocsin:warning:{}:{}",
        percent_encode(&warning.sender),
        percent_encode(&warning.id)
    )
}

/// Where the warning's CAP document is served under `base_url`.
pub fn cap_url(base_url: &str, warning: &Warning) -> String {
    format!(
        "{}/warnings/{}/{}.cap",
        base_url.trim_end_matches('/'),
        percent_encode(&warning.sender),
        percent_encode(&warning.id)
    )
}

/// The feed as an Atom 1.0 document. `base_url` (`https://host:port`) is
/// where the feed and the CAP documents are served; `updated` is the feed's
/// `updated` time. Whatever `warnings` holds, only [`published`] ones appear.
pub fn atom_feed(
    node_org: &str,
    node_name: &str,
    base_url: &str,
    warnings: &[Warning],
    updated: DateTime<Utc>,
) -> String {
    let base = base_url.trim_end_matches('/');
    let mut xml = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    let _ = writeln!(xml, "<feed xmlns=\"{ATOM_NAMESPACE}\">");
    element(&mut xml, 1, "id", &feed_id(node_org));
    element(&mut xml, 1, "title", &format!("{node_name}: TLP:CLEAR warnings"));
    element(&mut xml, 1, "updated", &atom_time(updated));
    let _ = writeln!(xml, "  <author>");
    element(&mut xml, 2, "name", node_name);
    element(&mut xml, 2, "uri", &crate::model::cap::sender(node_org));
    let _ = writeln!(xml, "  </author>");
    link(
        &mut xml,
        1,
        "self",
        "application/atom+xml",
        &format!("{base}/feed.atom"),
    );
    element(&mut xml, 1, "generator", "Tocsin");
    for warning in published(node_org, warnings) {
        entry(&mut xml, base, warning);
    }
    let _ = writeln!(xml, "</feed>");
    xml
}

fn entry(xml: &mut String, base: &str, warning: &Warning) {
    let content = &warning.content;
    let sent = warning.sent().map(atom_time).unwrap_or_default();
    let _ = writeln!(xml, "  <entry>");
    element(xml, 2, "id", &entry_id(warning));
    element(xml, 2, "title", &content.headline);
    element(xml, 2, "updated", &sent);
    element(xml, 2, "published", &sent);
    category(xml, content.level.as_str(), LEVEL_SCHEME);
    category(xml, warning.msg_type.cap_value(), MSG_TYPE_SCHEME);
    link(
        xml,
        2,
        "alternate",
        "application/cap+xml",
        &cap_url(base, warning),
    );
    let _ = writeln!(
        xml,
        "    <summary type=\"text\">{}</summary>",
        escape(&content.description)
    );
    let _ = writeln!(xml, "  </entry>");
}

fn element(xml: &mut String, depth: usize, name: &str, text: &str) {
    let _ = writeln!(xml, "{}<{name}>{}</{name}>", "  ".repeat(depth), escape(text));
}

fn link(xml: &mut String, depth: usize, rel: &str, media_type: &str, href: &str) {
    let _ = writeln!(
        xml,
        "{}<link rel=\"{rel}\" type=\"{media_type}\" href=\"{}\"/>",
        "  ".repeat(depth),
        escape(href)
    );
}

fn category(xml: &mut String, term: &str, scheme: &str) {
    let _ = writeln!(
        xml,
        "    <category term=\"{}\" scheme=\"{scheme}\"/>",
        escape(term)
    );
}

/// RFC 3339 in UTC, whole seconds: `2026-11-05T09:00:00Z`.
pub fn atom_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `text` with every byte outside RFC 3986's unreserved set percent-encoded,
/// so an identifier is one path segment and one URN part.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}
