//! The binary layout of the records stored once per statement, inbox and
//! outbox entries: a format byte, then each field in a fixed order. A byte
//! string or text is its length (u32, big-endian) then its bytes; a list is
//! its count (u32) then its items; a time is its seconds since the epoch
//! (i64) then its nanoseconds (u32). Envelopes are kept as the bytes that
//! were signed, not as base64 text. Records stored before schema version 2
//! are JSON: they start with `{`, and are still read.

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use std::collections::BTreeSet;

use crate::store::StoreError;
use crate::store::codec::decode;
use crate::store::federation::{InboxEntry, OutboxEntry};

/// The first byte of a record in this layout.
const FORMAT: u8 = 0x01;

/// What can be written in the binary layout: a record, or its fields
/// borrowed from where they are.
pub(super) trait BinaryLayout {
    /// About how many bytes `write` adds.
    fn size_hint(&self) -> usize;
    fn write(&self, out: &mut Vec<u8>);
}

/// A record with a binary layout, read back as itself.
pub(super) trait BinaryRecord: BinaryLayout + Sized {
    fn read(input: &mut Input<'_>) -> Result<Self, String>;
}

/// `value` in the binary layout.
pub(super) fn encode_record<T: BinaryLayout>(value: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + value.size_hint());
    out.push(FORMAT);
    value.write(&mut out);
    out
}

/// A record of `tree` under `key`, in the binary layout or (written before
/// it) in JSON.
pub(super) fn decode_record<T: BinaryRecord + DeserializeOwned>(
    tree: &'static str,
    key: &[u8],
    bytes: &[u8],
) -> Result<T, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt {
        tree,
        key: String::from_utf8_lossy(key).into_owned(),
        reason,
    };
    match bytes.split_first() {
        Some((&FORMAT, rest)) => {
            let mut input = Input { rest };
            let value = T::read(&mut input).map_err(corrupt)?;
            if !input.rest.is_empty() {
                return Err(corrupt(format!("{} bytes after the record", input.rest.len())));
            }
            Ok(value)
        }
        Some((b'{', _)) => decode(tree, key, bytes),
        Some((first, _)) => Err(corrupt(format!("unknown record format {first:#04x}"))),
        None => Err(corrupt("empty record".into())),
    }
}

/// What is left of a record being read.
pub(super) struct Input<'a> {
    rest: &'a [u8],
}

impl<'a> Input<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], String> {
        if self.rest.len() < n {
            return Err(format!("{what}: needs {n} bytes, {} left", self.rest.len()));
        }
        let (taken, rest) = self.rest.split_at(n);
        self.rest = rest;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], String> {
        let bytes = self.take(N, what)?;
        let mut array = [0; N];
        array.copy_from_slice(bytes);
        Ok(array)
    }

    fn u32(&mut self, what: &str) -> Result<u32, String> {
        self.array(what).map(u32::from_be_bytes)
    }

    fn u64(&mut self, what: &str) -> Result<u64, String> {
        self.array(what).map(u64::from_be_bytes)
    }

    fn flag(&mut self, what: &str) -> Result<bool, String> {
        match self.array::<1>(what)? {
            [0] => Ok(false),
            [1] => Ok(true),
            [other] => Err(format!("{what}: {other} is not a flag")),
        }
    }

    fn bytes(&mut self, what: &str) -> Result<Vec<u8>, String> {
        let len = self.u32(what)? as usize;
        self.take(len, what).map(<[u8]>::to_vec)
    }

    fn text(&mut self, what: &str) -> Result<String, String> {
        String::from_utf8(self.bytes(what)?).map_err(|_| format!("{what}: not UTF-8"))
    }

    /// A count of items, each of at least one byte, so that a corrupt
    /// count cannot ask for more room than the record has.
    fn count(&mut self, what: &str) -> Result<usize, String> {
        let count = self.u32(what)? as usize;
        if count > self.rest.len() {
            return Err(format!("{what}: {count} items in {} bytes", self.rest.len()));
        }
        Ok(count)
    }

    fn byte_list(&mut self, what: &str) -> Result<Vec<Vec<u8>>, String> {
        let count = self.count(what)?;
        (0..count).map(|_| self.bytes(what)).collect()
    }

    fn time(&mut self, what: &str) -> Result<DateTime<Utc>, String> {
        let seconds = self.u64(what)? as i64;
        let nanos = self.u32(what)?;
        DateTime::from_timestamp(seconds, nanos).ok_or_else(|| format!("{what}: not a time"))
    }
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    // Records are far below 4 GiB: the store refuses larger messages.
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

fn put_byte_list(out: &mut Vec<u8>, list: &[Vec<u8>]) {
    out.extend_from_slice(&(list.len() as u32).to_be_bytes());
    for bytes in list {
        put_bytes(out, bytes);
    }
}

fn put_time(out: &mut Vec<u8>, at: DateTime<Utc>) {
    out.extend_from_slice(&at.timestamp().to_be_bytes());
    out.extend_from_slice(&at.timestamp_subsec_nanos().to_be_bytes());
}

fn list_size(list: &[Vec<u8>]) -> usize {
    4 + list.iter().map(|b| 4 + b.len()).sum::<usize>()
}

/// An inbox entry's fields, borrowed: an arrival is written from the
/// statement it verified without first being copied into an `InboxEntry`.
pub(super) struct InboxFields<'a> {
    pub statement_id: &'a str,
    pub origin: &'a str,
    pub payload_sha256: &'a [u8],
    pub envelope: &'a [u8],
    pub relays: &'a [Vec<u8>],
    pub received_from: &'a str,
    pub received_at: DateTime<Utc>,
}

/// The fields in the layout of an `InboxEntry` record.
impl BinaryLayout for InboxFields<'_> {
    fn size_hint(&self) -> usize {
        4 * 5
            + 12
            + self.statement_id.len()
            + self.origin.len()
            + self.payload_sha256.len()
            + self.envelope.len()
            + list_size(self.relays)
            + self.received_from.len()
    }

    fn write(&self, out: &mut Vec<u8>) {
        put_bytes(out, self.statement_id.as_bytes());
        put_bytes(out, self.origin.as_bytes());
        put_bytes(out, self.payload_sha256);
        put_bytes(out, self.envelope);
        put_byte_list(out, self.relays);
        put_bytes(out, self.received_from.as_bytes());
        put_time(out, self.received_at);
    }
}

impl InboxEntry {
    fn fields(&self) -> InboxFields<'_> {
        InboxFields {
            statement_id: &self.statement_id,
            origin: &self.origin,
            payload_sha256: &self.payload_sha256,
            envelope: &self.envelope,
            relays: &self.relays,
            received_from: &self.received_from,
            received_at: self.received_at,
        }
    }
}

impl BinaryLayout for InboxEntry {
    fn size_hint(&self) -> usize {
        self.fields().size_hint()
    }

    fn write(&self, out: &mut Vec<u8>) {
        self.fields().write(out);
    }
}

impl BinaryRecord for InboxEntry {
    fn read(input: &mut Input<'_>) -> Result<Self, String> {
        Ok(Self {
            statement_id: input.text("statement_id")?,
            origin: input.text("origin")?,
            payload_sha256: input.bytes("payload_sha256")?,
            envelope: input.bytes("envelope")?,
            relays: input.byte_list("relays")?,
            received_from: input.text("received_from")?,
            received_at: input.time("received_at")?,
        })
    }
}

/// An outbox entry's fields, borrowed: a relayed arrival is queued from the
/// statement it verified, without copying its envelope and relays first.
pub(super) struct OutboxFields<'a> {
    pub statement_id: &'a str,
    pub origin: &'a str,
    pub envelope: &'a [u8],
    pub relays: &'a [Vec<u8>],
    pub recipients: &'a BTreeSet<String>,
    pub added_at: DateTime<Utc>,
    pub epoch: u64,
    pub retraction: bool,
}

/// The fields in the layout of an `OutboxEntry` record.
impl BinaryLayout for OutboxFields<'_> {
    fn size_hint(&self) -> usize {
        4 * 4
            + 12
            + 8
            + 1
            + self.statement_id.len()
            + self.origin.len()
            + self.envelope.len()
            + list_size(self.relays)
            + self.recipients.iter().map(|r| 4 + r.len()).sum::<usize>()
    }

    fn write(&self, out: &mut Vec<u8>) {
        put_bytes(out, self.statement_id.as_bytes());
        put_bytes(out, self.origin.as_bytes());
        put_bytes(out, self.envelope);
        put_byte_list(out, self.relays);
        out.extend_from_slice(&(self.recipients.len() as u32).to_be_bytes());
        for recipient in self.recipients {
            put_bytes(out, recipient.as_bytes());
        }
        put_time(out, self.added_at);
        out.extend_from_slice(&self.epoch.to_be_bytes());
        out.push(u8::from(self.retraction));
    }
}

impl OutboxEntry {
    fn fields(&self) -> OutboxFields<'_> {
        OutboxFields {
            statement_id: &self.statement_id,
            origin: &self.origin,
            envelope: &self.envelope,
            relays: &self.relays,
            recipients: &self.recipients,
            added_at: self.added_at,
            epoch: self.epoch,
            retraction: self.retraction,
        }
    }
}

impl BinaryLayout for OutboxEntry {
    fn size_hint(&self) -> usize {
        self.fields().size_hint()
    }

    fn write(&self, out: &mut Vec<u8>) {
        self.fields().write(out);
    }
}

impl BinaryRecord for OutboxEntry {
    fn read(input: &mut Input<'_>) -> Result<Self, String> {
        Ok(Self {
            statement_id: input.text("statement_id")?,
            origin: input.text("origin")?,
            envelope: input.bytes("envelope")?,
            relays: input.byte_list("relays")?,
            recipients: {
                let count = input.count("recipients")?;
                (0..count)
                    .map(|_| input.text("recipients"))
                    .collect::<Result<BTreeSet<_>, _>>()?
            },
            added_at: input.time("added_at")?,
            epoch: input.u64("epoch")?,
            retraction: input.flag("retraction")?,
        })
    }
}
