//! Fuzz target: the CAP 1.2 export (`model::cap::to_cap_xml`) of warnings
//! built from arbitrary input: any text in every free field, any
//! vocabulary value, drafts, issued alerts, updates and cancel notices.
//!
//! The document must be well-formed XML (parsed with `roxmltree`), an
//! `<alert>` in the CAP namespace, and give back every field it carries
//! exactly, but for the characters XML cannot hold, which become U+FFFD.

#![no_main]
// Fuzz harness: a panic is how a target reports a broken invariant.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::BTreeSet;

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use roxmltree::{Document, Node};
use tocsin_fuzz::{COUNTRIES, ORGS, list, text, time};
use tocsin_server::model::caller::Role;
use tocsin_server::model::cap::{CAP_NAMESPACE, SENDER_PREFIX, cap_time, to_cap_xml};
use tocsin_server::model::marking::Tlp;
use tocsin_server::model::situation::{Crime, ProtectedGroup, SituationSpec};
use tocsin_server::model::warning::{
    Addressee, AssessmentRef, Category, Certainty, ResponseDeadlines, Severity, Urgency, Warning,
    WarningContent, WarningLevel,
};

fn content(u: &mut Unstructured<'_>) -> Result<WarningContent> {
    Ok(WarningContent {
        situation: SituationSpec {
            title: u.arbitrary()?,
            countries: list(u, 5, |u| text(u, COUNTRIES))?,
            admin1: list(u, 2, |u| u.arbitrary())?,
            admin2: Vec::new(),
            crimes_at_risk: Crime::ALL
                .into_iter()
                .filter(|_| u.arbitrary().unwrap_or(false))
                .collect(),
            protected_groups: list(u, 2, |u| {
                Ok(ProtectedGroup {
                    basis: u.arbitrary()?,
                    label: u.arbitrary()?,
                })
            })?,
        },
        assessment: AssessmentRef {
            id: u.arbitrary()?,
            version: u.arbitrary()?,
        },
        level: *u.choose(WarningLevel::ALL)?,
        category: *u.choose(Category::ALL)?,
        urgency: *u.choose(Urgency::ALL)?,
        severity: *u.choose(Severity::ALL)?,
        certainty: *u.choose(Certainty::ALL)?,
        headline: u.arbitrary()?,
        description: u.arbitrary()?,
        instruction: u.arbitrary()?,
        addressees: list(u, 4, |u| {
            Ok(Addressee {
                organisation: text(u, ORGS)?,
                role: *u.choose(&[Role::FocalPoint, Role::DecisionMaker])?,
            })
        })?,
        expires: time(u)?,
        tlp: *u.choose(&Tlp::ALL)?,
        risk_factors: list(u, 3, |u| u.arbitrary())?,
    })
}

fn warning(u: &mut Unstructured<'_>) -> Result<Warning> {
    let deadlines = ResponseDeadlines::default();
    let draft = Warning::new_draft(u.arbitrary()?, &text(u, ORGS)?, content(u)?, "ana", time(u)?);
    let Ok(alert) = draft.issue("rita", &deadlines, time(u)?) else {
        return Ok(draft);
    };
    let next = match u.int_in_range(0..=2)? {
        0 => return Ok(alert),
        1 => alert.draft_update(u.arbitrary()?, content(u)?, "ana", time(u)?),
        _ => alert.draft_cancel(u.arbitrary()?, &u.arbitrary::<String>()?, "ana", time(u)?),
    };
    let Ok(next) = next else {
        return Ok(alert);
    };
    if u.arbitrary()? {
        Ok(next.issue("rita", &deadlines, time(u)?).unwrap_or(next))
    } else {
        Ok(next)
    }
}

/// What a text reads as once through the export: characters XML 1.0 cannot
/// carry become U+FFFD.
fn carried(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect()
}

fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|n| n.has_tag_name(name))
}

fn text_of(node: Node<'_, '_>, name: &str) -> String {
    let element = child(node, name).unwrap_or_else(|| panic!("no <{name}>"));
    element.text().unwrap_or_default().to_owned()
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(warning) = warning(&mut u) else {
        return;
    };
    let sender_name: String = u.arbitrary().unwrap_or_default();
    let xml = to_cap_xml(&warning, &sender_name);
    let document = Document::parse(&xml).unwrap_or_else(|e| panic!("the CAP export is not XML: {e}\n{xml}"));
    let alert = document.root_element();
    assert!(
        alert.has_tag_name((CAP_NAMESPACE, "alert")),
        "the root is not a CAP alert"
    );
    let content = &warning.content;
    assert_eq!(text_of(alert, "identifier"), carried(&warning.id));
    assert_eq!(
        text_of(alert, "sender"),
        carried(&format!("{SENDER_PREFIX}{}", warning.sender))
    );
    let (status, sent) = match warning.sent() {
        Some(sent) => ("Actual", sent),
        None => ("Draft", warning.updated_at),
    };
    assert_eq!(text_of(alert, "status"), status);
    assert_eq!(text_of(alert, "sent"), cap_time(sent));
    assert_eq!(text_of(alert, "msgType"), warning.msg_type.cap_value());
    let public = content.tlp == Tlp::Clear;
    assert_eq!(
        text_of(alert, "scope"),
        if public { "Public" } else { "Restricted" }
    );
    assert_eq!(
        child(alert, "restriction").is_some(),
        !public,
        "restriction iff restricted"
    );
    assert_eq!(
        child(alert, "addresses").is_some(),
        !content.addressees.is_empty()
    );
    assert_eq!(
        child(alert, "references").is_some(),
        !warning.references.is_empty()
    );
    let info = child(alert, "info").expect("an <info>");
    assert_eq!(text_of(info, "headline"), carried(&content.headline));
    assert_eq!(text_of(info, "description"), carried(&content.description));
    assert_eq!(text_of(info, "senderName"), carried(&sender_name));
    assert_eq!(text_of(info, "expires"), cap_time(content.expires));
    assert_eq!(text_of(info, "urgency"), content.urgency.cap_value());
    assert_eq!(text_of(info, "severity"), content.severity.cap_value());
    assert_eq!(text_of(info, "certainty"), content.certainty.cap_value());
    assert_eq!(text_of(info, "category"), content.category.cap_value());
    match child(info, "instruction") {
        Some(_) => assert_eq!(text_of(info, "instruction"), carried(&content.instruction)),
        None => assert!(content.instruction.is_empty(), "the instruction was dropped"),
    }
    let area = child(info, "area").expect("an <area>");
    assert_eq!(text_of(area, "areaDesc"), carried(&content.situation.title));
    let geocodes: Vec<String> = area
        .children()
        .filter(|n| n.has_tag_name("geocode"))
        .map(|g| text_of(g, "value"))
        .collect();
    let countries: Vec<String> = content.situation.countries.iter().map(|c| carried(c)).collect();
    assert_eq!(geocodes, countries, "the geocodes are not the countries");
    let names: BTreeSet<String> = info
        .children()
        .filter(|n| n.has_tag_name("parameter"))
        .map(|p| text_of(p, "valueName"))
        .collect();
    assert!(names.contains("tocsin:level") && names.contains("tocsin:assessment"));
});
