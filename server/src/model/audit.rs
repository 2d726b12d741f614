//! The audit trail as a hash chain: what an entry holds, its canonical
//! encoding and hash, and the check of a chain read back in order. Pure: no
//! I/O; the store decides where entries live.
//!
//! Canonical encoding of an entry (the bytes hashed with SHA-256, the hash
//! written as 64 lower-case hex digits):
//!
//! ```text
//! field("tocsin.audit.v1")
//! seq                u64 big-endian (8 bytes)
//! at seconds         i64 big-endian (8 bytes), since 1970-01-01T00:00:00Z
//! at nanoseconds     u32 big-endian (4 bytes), 0..=999_999_999 (leap 1e9+)
//! field(actor) field(organisation) field(kind) field(subject)
//! field(detail) field(prev_hash)
//! ```
//!
//! where `field(s)` is the UTF-8 byte length of `s` as a u64 big-endian
//! followed by those bytes, and `kind` is its snake_case name. Renaming a
//! kind therefore breaks every chain that holds it: kinds are only added.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use crate::model::hex::hex;

/// `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Longest `detail` kept, in characters; longer text is cut.
pub const MAX_DETAIL_CHARS: usize = 500;

const DOMAIN: &str = "tocsin.audit.v1";

macro_rules! kinds {
    ($($variant:ident => $name:literal,)*) => {
        /// What happened. A closed set: a new kind is a new variant.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum AuditKind {
            $($variant,)*
        }

        impl AuditKind {
            pub const ALL: &'static [AuditKind] = &[$(AuditKind::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(AuditKind::$variant => $name,)*
                }
            }
        }
    };
}

kinds! {
    SignIn => "sign_in",
    SignInRefused => "sign_in_refused",
    AssessmentCreated => "assessment_created",
    AssessmentRevised => "assessment_revised",
    AssessmentSubmitted => "assessment_submitted",
    AssessmentPublished => "assessment_published",
    AssessmentWithdrawn => "assessment_withdrawn",
    StatementShared => "statement_shared",
    StatementWithheld => "statement_withheld",
    StatementReceived => "statement_received",
    DeliveryRefused => "delivery_refused",
    WarningRaised => "warning_raised",
    WarningIssued => "warning_issued",
    WarningAcknowledged => "warning_acknowledged",
    WarningDecided => "warning_decided",
    ActionRecorded => "action_recorded",
    WarningClosed => "warning_closed",
    AfterActionNoted => "after_action_noted",
    Escalation => "escalation",
    WebhookDeadLetter => "webhook_dead_letter",
    PolicyReloaded => "policy_reloaded",
}

impl fmt::Display for AuditKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown kind name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown audit kind `{0}`")]
pub struct UnknownKind(pub String);

impl FromStr for AuditKind {
    type Err = UnknownKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
        AuditKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == wanted)
            .ok_or_else(|| UnknownKind(super::shown(s)))
    }
}

/// Something to record, before the store gives it a place in the chain.
/// `detail` is short text for people: never tokens, keys, sources or
/// witness names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub kind: AuditKind,
    /// A user subject, `peer:<org>`, or `node`.
    pub actor: String,
    pub organisation: String,
    pub subject: String,
    pub detail: String,
}

impl AuditEvent {
    pub fn new(kind: AuditKind, actor: &str, organisation: &str) -> Self {
        Self {
            kind,
            actor: actor.to_owned(),
            organisation: organisation.to_owned(),
            subject: String::new(),
            detail: String::new(),
        }
    }

    /// The actor of a federation event from `org`.
    pub fn peer(kind: AuditKind, org: &str) -> Self {
        Self {
            kind,
            actor: format!("peer:{org}"),
            organisation: org.to_owned(),
            subject: String::new(),
            detail: String::new(),
        }
    }

    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = subject.into();
        self
    }

    /// Sets the detail: one line, control characters replaced by spaces,
    /// cut at `MAX_DETAIL_CHARS` characters.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        let clean = detail.trim().len() == detail.len()
            && !detail.chars().any(char::is_control)
            && detail.chars().nth(MAX_DETAIL_CHARS).is_none();
        self.detail = if clean {
            detail
        } else {
            detail
                .trim()
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .take(MAX_DETAIL_CHARS)
                .collect()
        };
        self
    }
}

/// The subject of an assessment version: `<id>:v<N>`.
pub fn version_subject(id: &str, version: u32) -> String {
    format!("{id}:v{version}")
}

/// The last entry of a chain: its seq and hash (`0` and `GENESIS_HASH` when
/// the chain is empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainHead {
    pub seq: u64,
    pub hash: String,
}

impl ChainHead {
    pub fn genesis() -> Self {
        Self {
            seq: 0,
            hash: GENESIS_HASH.to_owned(),
        }
    }
}

/// One event in its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub organisation: String,
    pub kind: AuditKind,
    pub subject: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// `event` as the entry after `head`, at `at`.
    pub fn after(head: &ChainHead, event: AuditEvent, at: DateTime<Utc>) -> Self {
        let mut entry = Self {
            seq: head.seq + 1,
            at,
            actor: event.actor,
            organisation: event.organisation,
            kind: event.kind,
            subject: event.subject,
            detail: event.detail,
            prev_hash: head.hash.clone(),
            hash: String::new(),
        };
        entry.hash = entry.computed_hash();
        entry
    }

    /// The head a chain ending with this entry has.
    pub fn head(&self) -> ChainHead {
        ChainHead {
            seq: self.seq,
            hash: self.hash.clone(),
        }
    }

    /// The canonical encoding of every field but `hash` (see the module doc).
    pub fn canonical(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        self.write_canonical(&mut out);
        out
    }

    fn write_canonical(&self, out: &mut impl CanonicalOut) {
        field(out, DOMAIN);
        out.put(&self.seq.to_be_bytes());
        out.put(&self.at.timestamp().to_be_bytes());
        out.put(&self.at.timestamp_subsec_nanos().to_be_bytes());
        for text in [
            self.actor.as_str(),
            &self.organisation,
            self.kind.as_str(),
            &self.subject,
            &self.detail,
            &self.prev_hash,
        ] {
            field(out, text);
        }
    }

    /// SHA-256 of the canonical encoding, in lower-case hex.
    pub fn computed_hash(&self) -> String {
        let mut hasher = Sha256::new();
        self.write_canonical(&mut hasher);
        hex(&hasher.finalize())
    }
}

fn field(out: &mut impl CanonicalOut, text: &str) {
    out.put(&(text.len() as u64).to_be_bytes());
    out.put(text.as_bytes());
}

/// Where the canonical encoding goes: bytes, or straight into a hash.
trait CanonicalOut {
    fn put(&mut self, bytes: &[u8]);
}

impl CanonicalOut for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

impl CanonicalOut for Sha256 {
    fn put(&mut self, bytes: &[u8]) {
        self.update(bytes);
    }
}

/// Which entries a query wants; empty or `None` fields match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub kinds: BTreeSet<AuditKind>,
    pub actor: Option<String>,
    pub subject: Option<String>,
    /// At or after.
    pub since: Option<DateTime<Utc>>,
    /// Strictly before.
    pub until: Option<DateTime<Utc>>,
    /// Only entries with a greater seq.
    pub after_seq: u64,
    /// At most this many entries; `None` for all.
    pub limit: Option<usize>,
}

impl AuditFilter {
    pub fn matches(&self, entry: &AuditEntry) -> bool {
        entry.seq > self.after_seq
            && (self.kinds.is_empty() || self.kinds.contains(&entry.kind))
            && self.actor.as_ref().is_none_or(|a| &entry.actor == a)
            && self.subject.as_ref().is_none_or(|s| &entry.subject == s)
            && self.since.is_none_or(|t| entry.at >= t)
            && self.until.is_none_or(|t| entry.at < t)
    }
}

/// How a chain is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// An entry's content does not match its hash (or cannot be read).
    Edited,
    /// A seq is missing from the middle of the chain.
    Removed,
    /// An entry is not where its seq and `prev_hash` say it belongs.
    Reordered,
    /// The chain ends before the recorded head.
    Truncated,
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProblemKind::Edited => "edited",
            ProblemKind::Removed => "removed",
            ProblemKind::Reordered => "reordered",
            ProblemKind::Truncated => "truncated",
        })
    }
}

/// The first problem found, at the seq at fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditProblem {
    pub seq: u64,
    pub kind: ProblemKind,
    pub message: String,
}

/// The outcome of walking a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditReport {
    /// Entries found intact before the problem (all of them when intact).
    pub entries: u64,
    /// The hash of the last intact entry.
    pub head_hash: String,
    pub problem: Option<AuditProblem>,
}

impl AuditReport {
    pub fn ok(&self) -> bool {
        self.problem.is_none()
    }
}

/// Checks a chain fed in key order, stopping at the first problem.
#[derive(Debug, Clone)]
pub struct ChainCheck {
    last: ChainHead,
    problem: Option<AuditProblem>,
}

impl Default for ChainCheck {
    fn default() -> Self {
        Self {
            last: ChainHead::genesis(),
            problem: None,
        }
    }
}

impl ChainCheck {
    /// Feeds the record stored under `key` (decoded, or why it could not
    /// be); returns false once a problem is found and nothing more is needed.
    pub fn feed(&mut self, key: u64, entry: Result<AuditEntry, String>) -> bool {
        if self.problem.is_some() {
            return false;
        }
        let expected = self.last.seq + 1;
        let problem = |kind, seq, message: String| Some(AuditProblem { seq, kind, message });
        self.problem = if key != expected {
            problem(
                ProblemKind::Removed,
                expected,
                format!("entry {expected} is missing: the next entry is {key}"),
            )
        } else {
            match entry {
                Err(reason) => problem(
                    ProblemKind::Edited,
                    key,
                    format!("entry {key} cannot be read: {reason}"),
                ),
                Ok(entry) if entry.computed_hash() != entry.hash => problem(
                    ProblemKind::Edited,
                    key,
                    format!("entry {key} does not match its hash"),
                ),
                Ok(entry) if entry.seq != key => problem(
                    ProblemKind::Reordered,
                    key,
                    format!("entry {} is stored in place of entry {key}", entry.seq),
                ),
                Ok(entry) if entry.prev_hash != self.last.hash => problem(
                    ProblemKind::Reordered,
                    key,
                    format!(
                        "entry {key} does not follow entry {}: its previous hash differs",
                        key - 1
                    ),
                ),
                Ok(entry) => {
                    self.last = entry.head();
                    None
                }
            }
        };
        self.problem.is_none()
    }

    /// The report, given the head recorded with the last append (`None`
    /// when there is no head record).
    pub fn finish(self, head: Option<ChainHead>) -> AuditReport {
        let head = head.unwrap_or_else(ChainHead::genesis);
        let last = self.last;
        let problem = self.problem.or_else(|| {
            if last.seq < head.seq {
                Some(AuditProblem {
                    seq: last.seq + 1,
                    kind: ProblemKind::Truncated,
                    message: format!(
                        "the chain ends at entry {} but its head records entry {}",
                        last.seq, head.seq
                    ),
                })
            } else if last.seq > head.seq {
                Some(AuditProblem {
                    seq: head.seq + 1,
                    kind: ProblemKind::Edited,
                    message: format!(
                        "entry {} lies beyond the recorded head at entry {}",
                        head.seq + 1,
                        head.seq
                    ),
                })
            } else if last.hash != head.hash {
                Some(AuditProblem {
                    seq: last.seq,
                    kind: ProblemKind::Edited,
                    message: format!("entry {} does not match the recorded head hash", last.seq),
                })
            } else {
                None
            }
        });
        AuditReport {
            entries: last.seq,
            head_hash: last.hash,
            problem,
        }
    }
}

#[cfg(test)]
mod tests;
