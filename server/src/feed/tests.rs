//! Unit tests of the Atom feed: which warnings appear, in what order, how
//! text is escaped, and that the document is well-formed XML (`xmllint`).

use chrono::{DateTime, TimeDelta, Utc};
use std::io::Write;
use std::process::Command;

use super::atom::{MAX_ENTRIES, atom_feed, cap_url, entry_id, is_published, percent_encode, published};
use super::base_url;
use crate::model::caller::Role;
use crate::model::fixtures;
use crate::model::marking::Tlp;
use crate::model::warning::{
    Addressee, AssessmentRef, Category, Certainty, ResponseDeadlines, Severity, Urgency, Warning,
    WarningContent, WarningLevel, WarningStatus,
};

const BASE: &str = "https://feed.example:7445";

fn t0() -> DateTime<Utc> {
    "2026-11-05T08:00:00Z".parse().unwrap()
}

fn content(tlp: Tlp, headline: &str) -> WarningContent {
    WarningContent {
        situation: fixtures::content().situation,
        assessment: AssessmentRef {
            id: "a1".into(),
            version: 1,
        },
        level: WarningLevel::Warning,
        category: Category::Safety,
        urgency: Urgency::Expected,
        severity: Severity::Severe,
        certainty: Certainty::Likely,
        headline: headline.into(),
        description: "Armed clashes spread along the northern corridor.".into(),
        instruction: String::new(),
        addressees: vec![Addressee {
            organisation: "au".into(),
            role: Role::DecisionMaker,
        }],
        expires: t0() + TimeDelta::days(30),
        tlp,
        risk_factors: vec![7],
    }
}

fn draft(id: &str, tlp: Tlp) -> Warning {
    Warning::new_draft(
        id.into(),
        "ecowas",
        content(tlp, &format!("headline {id}")),
        "ana",
        t0(),
    )
}

/// `id`, issued `minutes` after t0.
fn issued(id: &str, tlp: Tlp, minutes: i64) -> Warning {
    draft(id, tlp)
        .issue(
            "rita",
            &ResponseDeadlines::default(),
            t0() + TimeDelta::minutes(minutes),
        )
        .unwrap()
}

fn feed(warnings: &[Warning]) -> String {
    atom_feed("ecowas", "ECOWAS Early Warning", BASE, warnings, t0())
}

/// The entry ids in the order the feed lists them.
fn ids(xml: &str) -> Vec<String> {
    xml.split("<entry>")
        .skip(1)
        .map(|entry| {
            let start = entry.find("<id>").unwrap() + 4;
            let end = entry.find("</id>").unwrap();
            entry[start..end].to_owned()
        })
        .collect()
}

fn urn(id: &str) -> String {
    format!("urn:tocsin:warning:ecowas:{id}")
}

/// Checks `xml` is well-formed with `xmllint --noout`; `Err` has its report.
fn well_formed(xml: &str) -> Result<(), String> {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(xml.as_bytes()).unwrap();
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg(file.path())
        .output()
        .expect("xmllint runs (Debian/Ubuntu: `apt-get install -y libxml2-utils`)");
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

#[test]
fn only_issued_clear_warnings_of_the_node_are_published() {
    let mut foreign = issued("foreign", Tlp::Clear, 1);
    foreign.sender = "au".into();
    let alert = issued("alert", Tlp::Clear, 2);
    let notice = alert
        .draft_cancel("notice".into(), "stand down", "ana", t0() + TimeDelta::hours(1))
        .unwrap()
        .issue("rita", &ResponseDeadlines::default(), t0() + TimeDelta::hours(2))
        .unwrap();
    let cancelled = alert.cancel(&notice).unwrap();
    assert_eq!(cancelled.status, WarningStatus::Cancelled);
    let mut warnings = vec![
        draft("draft", Tlp::Clear),
        foreign,
        cancelled,
        notice,
        issued("clear", Tlp::Clear, 3),
    ];
    for (i, tlp) in [Tlp::Green, Tlp::Amber, Tlp::AmberStrict, Tlp::Red]
        .into_iter()
        .enumerate()
    {
        warnings.push(issued(&format!("{tlp}"), tlp, 10 + i as i64));
    }
    for w in &warnings {
        let want = ["alert", "notice", "clear"].contains(&w.id.as_str());
        assert_eq!(is_published("ecowas", w), want, "{}", w.id);
    }
    let xml = feed(&warnings);
    assert_eq!(ids(&xml), [urn("notice"), urn("clear"), urn("alert")]);
    assert!(!xml.contains("TLP:AMBER") && !xml.contains("draft"), "{xml}");
    well_formed(&xml).unwrap();
}

#[test]
fn newest_first_and_at_most_one_hundred() {
    let warnings: Vec<Warning> = (0..MAX_ENTRIES as i64 + 5)
        .map(|i| issued(&format!("w{i:03}"), Tlp::Clear, i))
        .collect();
    let shown = published("ecowas", &warnings);
    assert_eq!(shown.len(), MAX_ENTRIES);
    assert_eq!(shown[0].id, "w104");
    assert_eq!(shown[MAX_ENTRIES - 1].id, "w005");
    assert!(shown.windows(2).all(|p| p[0].sent() >= p[1].sent()));
    let xml = feed(&warnings);
    assert_eq!(ids(&xml).len(), MAX_ENTRIES);
    assert_eq!(ids(&xml)[0], urn("w104"));
    assert!(!xml.contains(&urn("w004")));
}

#[test]
fn entries_carry_the_warning() {
    let warning = issued("w-2026-0001", Tlp::Clear, 60);
    let xml = feed(std::slice::from_ref(&warning));
    for needle in [
        "<feed xmlns=\"http://www.w3.org/2005/Atom\">",
        "<id>urn:tocsin:feed:ecowas</id>",
        "<title>ECOWAS Early Warning: TLP:CLEAR warnings</title>",
        "<updated>2026-11-05T08:00:00Z</updated>",
        "<name>ECOWAS Early Warning</name>",
        "<link rel=\"self\" type=\"application/atom+xml\" href=\"https://feed.example:7445/feed.atom\"/>",
        "<id>urn:tocsin:warning:ecowas:w-2026-0001</id>",
        "<title>headline w-2026-0001</title>",
        "<updated>2026-11-05T09:00:00Z</updated>",
        "<published>2026-11-05T09:00:00Z</published>",
        "<category term=\"warning\" scheme=\"urn:tocsin:warning-level\"/>",
        "<category term=\"Alert\" scheme=\"urn:tocsin:msg-type\"/>",
        "<link rel=\"alternate\" type=\"application/cap+xml\" \
         href=\"https://feed.example:7445/warnings/ecowas/w-2026-0001.cap\"/>",
        "<summary type=\"text\">Armed clashes spread along the northern corridor.</summary>",
    ] {
        assert!(xml.contains(needle), "missing {needle} in\n{xml}");
    }
    well_formed(&xml).unwrap();
}

#[test]
fn markup_in_text_is_escaped() {
    let mut warning = draft("w1", Tlp::Clear);
    warning.content.headline = "Attacks <b>&</b> \"reprisals\" in XAA".into();
    warning.content.description = "Villages <5 km> from A&B; ]]> </summary><x>".into();
    let warning = warning
        .issue("rita", &ResponseDeadlines::default(), t0())
        .unwrap();
    let xml = atom_feed("ecowas", "Node <&> \"one\"", BASE, &[warning], t0());
    assert!(
        xml.contains("<title>Attacks &lt;b&gt;&amp;&lt;/b&gt; &quot;reprisals&quot; in XAA</title>"),
        "{xml}"
    );
    assert!(xml.contains("Villages &lt;5 km&gt; from A&amp;B; ]]&gt; &lt;/summary&gt;&lt;x&gt;"));
    assert!(xml.contains("<name>Node &lt;&amp;&gt; &quot;one&quot;</name>"));
    assert!(!xml.contains("<b>") && !xml.contains("<x>"));
    well_formed(&xml).unwrap();
}

#[test]
fn identifiers_become_one_path_segment() {
    let warning = issued("w/1?x=#%", Tlp::Clear, 0);
    assert_eq!(percent_encode("a-b_c.d~e/f g"), "a-b_c.d~e%2Ff%20g");
    assert_eq!(
        cap_url("https://n:1/", &warning),
        "https://n:1/warnings/ecowas/w%2F1%3Fx%3D%23%25.cap"
    );
    assert_eq!(entry_id(&warning), "urn:tocsin:warning:ecowas:w%2F1%3Fx%3D%23%25");
    well_formed(&feed(&[warning])).unwrap();
}

#[test]
fn an_empty_feed_is_well_formed() {
    let xml = feed(&[]);
    assert!(ids(&xml).is_empty());
    assert!(xml.contains("<author>"));
    well_formed(&xml).unwrap();
}

#[test]
fn base_url_comes_from_a_plain_host() {
    let with_host = |host: &str| {
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(axum::http::header::HOST, host.parse().unwrap());
        base_url(&headers, "https://127.0.0.1:1")
    };
    assert_eq!(with_host("feed.example:7445"), "https://feed.example:7445");
    assert_eq!(with_host("[::1]:7445"), "https://[::1]:7445");
    assert_eq!(with_host("evil\"/><x>"), "https://127.0.0.1:1");
    assert_eq!(with_host("a b"), "https://127.0.0.1:1");
    assert_eq!(
        base_url(&axum::http::HeaderMap::new(), "https://h:2"),
        "https://h:2"
    );
}
