//! OASIS CAP 1.2 export: a warning as a Common Alerting Protocol `<alert>`,
//! written by hand with strict escaping (no XML library).
//!
//! Mapping: the warning id is the `identifier`; the sender organisation
//! `ecowas` is the `sender` `urn:tocsin:org:ecowas`, and each addressee an
//! address in the same form; `sent` is the issue time (a draft renders with
//! status `Draft` and its last change as `sent`); `scope` is `Public` for
//! TLP:CLEAR and otherwise `Restricted`, with the TLP label and its meaning as
//! the `restriction`; an update or cancel lists the warnings it replaces in
//! `references`. One `<info>` carries the CAP urgency, severity, certainty,
//! the headline, description and recommended actions (`instruction`), the
//! expiry, the warning level and assessment as `parameter`s, and one
//! `<area>` named after the situation with an ISO 3166-1 alpha-3 `geocode`
//! per country. Sub-national p-codes are not exported.

use chrono::{DateTime, Utc};
use std::fmt::Write;

use crate::model::marking::Tlp;
use crate::model::warning::{Warning, WarningRef};

/// The CAP 1.2 namespace.
pub const CAP_NAMESPACE: &str = "urn:oasis:names:tc:emergency:cap:1.2";

/// How an organisation id becomes a CAP sender or address.
pub const SENDER_PREFIX: &str = "urn:tocsin:org:";

/// The `valueName` of a country geocode.
pub const COUNTRY_GEOCODE: &str = "ISO 3166-1 alpha-3";

/// The warning as a CAP 1.2 `<alert>` document; `sender_name` is the
/// sending organisation's display name (CAP `senderName`).
pub fn to_cap_xml(warning: &Warning, sender_name: &str) -> String {
    let content = &warning.content;
    let mut xml = Xml::default();
    xml.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.raw(&format!("<alert xmlns=\"{CAP_NAMESPACE}\">\n"));
    xml.depth = 1;
    xml.element("identifier", &warning.id);
    xml.element("sender", &sender(&warning.sender));
    let (status, sent) = match warning.sent() {
        Some(sent) => ("Actual", sent),
        None => ("Draft", warning.updated_at),
    };
    xml.element("sent", &cap_time(sent));
    xml.element("status", status);
    xml.element("msgType", warning.msg_type.cap_value());
    if content.tlp == Tlp::Clear {
        xml.element("scope", "Public");
    } else {
        xml.element("scope", "Restricted");
        xml.element("restriction", &restriction(content.tlp));
    }
    let addresses: Vec<String> = content
        .addressees
        .iter()
        .map(|a| sender(&a.organisation))
        .collect();
    if !addresses.is_empty() {
        xml.element("addresses", &address_list(&addresses));
    }
    if !warning.references.is_empty() {
        xml.element("references", &references(&warning.references));
    }
    xml.open("info");
    xml.element("category", content.category.cap_value());
    xml.element("event", &event(warning));
    xml.element("urgency", content.urgency.cap_value());
    xml.element("severity", content.severity.cap_value());
    xml.element("certainty", content.certainty.cap_value());
    xml.element("expires", &cap_time(content.expires));
    xml.element("senderName", sender_name);
    xml.element("headline", &content.headline);
    xml.element("description", &content.description);
    if !content.instruction.is_empty() {
        xml.element("instruction", &content.instruction);
    }
    xml.pair("parameter", "tocsin:level", content.level.as_str());
    xml.pair("parameter", "tocsin:assessment", &content.assessment.to_string());
    xml.open("area");
    xml.element("areaDesc", &content.situation.title);
    for country in &content.situation.countries {
        xml.pair("geocode", COUNTRY_GEOCODE, country);
    }
    xml.close("area");
    xml.close("info");
    xml.depth = 0;
    xml.raw("</alert>\n");
    xml.out
}

/// A time as CAP 1.2 writes it: seconds, no fraction, and UTC as `-00:00`
/// (CAP forbids `Z`).
pub fn cap_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S-00:00").to_string()
}

/// The CAP sender or address of an organisation id.
pub fn sender(organisation: &str) -> String {
    format!("{SENDER_PREFIX}{organisation}")
}

/// CAP `addresses`: space-separated, each one with whitespace in double
/// quotes (a `"` inside one, which CAP cannot express, becomes `'`).
pub fn address_list(addresses: &[String]) -> String {
    addresses
        .iter()
        .map(|a| {
            if a.chars().any(char::is_whitespace) || a.is_empty() {
                format!("\"{}\"", a.replace('"', "'"))
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// CAP `references`: `sender,identifier,sent` triples, space-separated.
pub fn references(refs: &[WarningRef]) -> String {
    refs.iter()
        .map(|r| format!("{},{},{}", sender(&r.sender), r.identifier, cap_time(r.sent)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The TLP 2.0 label and its definition, as CAP `restriction` text.
pub fn restriction(tlp: Tlp) -> String {
    let meaning = match tlp {
        Tlp::Clear => "disclosure is not limited",
        Tlp::Green => "limited disclosure, recipients can spread this within their community",
        Tlp::Amber => {
            "limited disclosure, recipients can only spread this on a need-to-know basis \
             within their organization and its clients"
        }
        Tlp::AmberStrict => {
            "limited disclosure, recipients can only spread this on a need-to-know basis \
             within their organization"
        }
        Tlp::Red => "for the eyes and ears of individual recipients only, no further disclosure",
    };
    format!("{tlp}: {meaning}")
}

/// Text safe inside an XML element or attribute: `& < > " '` as entities,
/// carriage return as `&#13;` (so it survives line-end normalisation), and
/// characters XML 1.0 cannot carry at all (other C0 and C1 controls, DEL,
/// U+FFFE, U+FFFF) replaced by U+FFFD.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// CAP `event`: what kind of event the warning is about.
fn event(warning: &Warning) -> String {
    let crimes: Vec<String> = warning
        .content
        .situation
        .crimes_at_risk
        .iter()
        .map(|c| c.as_str().replace('_', " "))
        .collect();
    if crimes.is_empty() {
        "Risk of atrocity crimes".to_owned()
    } else {
        format!("Risk of atrocity crimes: {}", crimes.join(", "))
    }
}

/// An indented XML writer for the elements above.
#[derive(Debug, Default)]
struct Xml {
    out: String,
    depth: usize,
}

impl Xml {
    fn raw(&mut self, text: &str) {
        self.out.push_str(text);
    }

    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    fn element(&mut self, name: &str, text: &str) {
        self.indent();
        // Writing to a String cannot fail.
        let _ = writeln!(self.out, "<{name}>{}</{name}>", escape(text));
    }

    fn open(&mut self, name: &str) {
        self.indent();
        let _ = writeln!(self.out, "<{name}>");
        self.depth += 1;
    }

    fn close(&mut self, name: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.indent();
        let _ = writeln!(self.out, "</{name}>");
    }

    /// `<name><valueName>…</valueName><value>…</value></name>`.
    fn pair(&mut self, name: &str, value_name: &str, value: &str) {
        self.open(name);
        self.element("valueName", value_name);
        self.element("value", value);
        self.close(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_control_characters() {
        for (input, want) in [
            ("plain", "plain"),
            ("<>&\"'", "&lt;&gt;&amp;&quot;&apos;"),
            ("a & b < c", "a &amp; b &lt; c"),
            ("&amp;", "&amp;amp;"),
            ("line\nnext\ttab", "line\nnext\ttab"),
            ("crlf\r\n", "crlf&#13;\n"),
            ("nul\u{0}bell\u{7}esc\u{1b}", "nul\u{FFFD}bell\u{FFFD}esc\u{FFFD}"),
            ("del\u{7f}c1\u{85}", "del\u{FFFD}c1\u{FFFD}"),
            ("\u{FFFE}\u{FFFF}", "\u{FFFD}\u{FFFD}"),
            ("Côte d’Ivoire — é", "Côte d’Ivoire — é"),
        ] {
            assert_eq!(escape(input), want, "{input:?}");
        }
    }

    #[test]
    fn times_are_cap_times() {
        let at: DateTime<Utc> = "2026-11-05T08:30:15.123456Z".parse().unwrap();
        assert_eq!(cap_time(at), "2026-11-05T08:30:15-00:00");
    }

    #[test]
    fn addresses_with_whitespace_are_quoted() {
        let list = |items: &[&str]| address_list(&items.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(list(&["urn:tocsin:org:au", "un-hq"]), "urn:tocsin:org:au un-hq");
        assert_eq!(list(&["au", "UN HQ desk"]), "au \"UN HQ desk\"");
        assert_eq!(list(&["a\tb", "say \"hi\""]), "\"a\tb\" \"say 'hi'\"");
        assert_eq!(list(&[]), "");
    }

    #[test]
    fn restriction_names_the_label() {
        for tlp in Tlp::ALL {
            assert!(restriction(tlp).starts_with(&format!("{tlp}: ")), "{tlp}");
        }
        assert_eq!(
            restriction(Tlp::Red),
            "TLP:RED: for the eyes and ears of individual recipients only, no further disclosure"
        );
    }
}
