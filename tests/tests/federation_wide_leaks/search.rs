//! Finds the leak check's markers in a node's files and log in one pass
//! each: every `NAME[inner]` (with each shorter name that ends `NAME`, in
//! case it is glued to preceding capitals) and every `CCLEAK` p-code.

use std::collections::{BTreeMap, BTreeSet};

/// Longest text between the brackets of a marker.
const MAX_INNER: usize = 80;

/// Every marker-shaped string in `text`.
pub(crate) fn markers(text: &str) -> BTreeSet<String> {
    let bytes = text.as_bytes();
    let mut found = BTreeSet::new();
    for (open, _) in text.match_indices('[') {
        let name_start = bytes[..open]
            .iter()
            .rposition(|b| !(b.is_ascii_uppercase() || b.is_ascii_digit()))
            .map_or(0, |p| p + 1);
        let rest = &bytes[open + 1..bytes.len().min(open + 2 + MAX_INNER)];
        let Some(close) = rest.iter().position(|b| *b == b']') else {
            continue;
        };
        let inner = &text[open..open + close + 2];
        for start in name_start..open {
            found.insert(format!("{}{inner}", &text[start..open]));
        }
    }
    for (at, _) in text.match_indices("LEAK") {
        if at >= 2 && text.is_char_boundary(at - 2) && text.is_char_boundary((at + 12).min(text.len())) {
            found.insert(text[at - 2..(at + 12).min(text.len())].to_owned());
        }
    }
    found
}

/// Where each marker is: the names of the texts holding it.
#[derive(Debug, Default)]
pub(crate) struct Index {
    places: BTreeMap<String, BTreeSet<String>>,
}

impl Index {
    pub(crate) fn add(&mut self, place: &str, text: &str) {
        for marker in markers(text) {
            self.places.entry(marker).or_default().insert(place.to_owned());
        }
    }

    pub(crate) fn find(&self, marker: &str) -> Vec<String> {
        self.places
            .get(marker)
            .map(|p| p.iter().cloned().collect())
            .unwrap_or_default()
    }
}

#[test]
fn markers_are_found_however_they_are_surrounded() {
    let text = "a=\"TITLE[xaa/red/high]\" XTRIG[au/clear/low] NGLEAK00000042, [no] NARR[open";
    let found = markers(text);
    for marker in [
        "TITLE[xaa/red/high]",
        "TRIG[au/clear/low]",
        "XTRIG[au/clear/low]",
        "NGLEAK00000042",
    ] {
        assert!(found.contains(marker), "{marker} not in {found:?}");
    }
    assert!(!found.iter().any(|m| m.starts_with("NARR")), "{found:?}");
}
