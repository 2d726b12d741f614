//! Inbox and outbox entries in their binary layout: what is written is
//! read back whole; entries written as JSON before schema version 2 are
//! still read; a damaged record is an error naming what is wrong, never a
//! panic; and a version 1 store opens, is upgraded, and keeps its entries.

use chrono::{DateTime, Utc};
use std::collections::BTreeSet;

use crate::store::binary::{InboxFields, decode_record, encode_record};
use crate::store::codec::encode;
use crate::store::federation::{INBOX, NEXT_SEQ, OUTBOX, inbox_key};
use crate::store::{InboxEntry, OutboxEntry, SCHEMA_VERSION, Store, StoreError};

fn at() -> DateTime<Utc> {
    "2026-11-29T10:11:12.123456789Z".parse().unwrap()
}

fn inbox_entry() -> InboxEntry {
    InboxEntry {
        statement_id: "xaa:a-1:v2:share".into(),
        origin: "xaa".into(),
        payload_sha256: vec![0xAB; 32],
        envelope: (0..=255).collect(),
        relays: vec![vec![1, 2, 3], Vec::new(), vec![0; 70]],
        received_from: "ecowas — Abuja".into(),
        received_at: at(),
    }
}

fn outbox_entry() -> OutboxEntry {
    OutboxEntry {
        statement_id: "xaa:w-7:warning".into(),
        origin: "xaa".into(),
        envelope: vec![0, 0, 1, 255],
        relays: vec![vec![9; 5]],
        recipients: BTreeSet::from(["au".to_owned(), "un-hq".to_owned()]),
        added_at: at(),
        epoch: u64::MAX - 1,
        retraction: true,
    }
}

fn is_corrupt(result: Result<impl std::fmt::Debug, StoreError>, naming: &str) {
    match result {
        Err(StoreError::Corrupt { tree, key, reason }) => {
            assert_eq!((tree, key.as_str()), ("inbox", "k"));
            assert!(reason.contains(naming), "`{reason}` does not name `{naming}`");
        }
        other => panic!("expected a corrupt record, got {other:?}"),
    }
}

#[test]
fn entries_are_read_back_whole() {
    let inbox = inbox_entry();
    let bytes = encode_record(&inbox);
    assert_eq!(bytes[0], 0x01);
    let read: InboxEntry = decode_record("inbox", b"k", &bytes).unwrap();
    assert_eq!(read, inbox);

    let outbox = outbox_entry();
    let read: OutboxEntry = decode_record("outbox", b"k", &encode_record(&outbox)).unwrap();
    assert_eq!(read, outbox);
    let plain = OutboxEntry {
        relays: Vec::new(),
        recipients: BTreeSet::new(),
        retraction: false,
        ..outbox
    };
    let read: OutboxEntry = decode_record("outbox", b"k", &encode_record(&plain)).unwrap();
    assert_eq!(read, plain);
}

#[test]
fn borrowed_fields_are_written_as_their_entry() {
    let entry = inbox_entry();
    let fields = InboxFields {
        statement_id: &entry.statement_id,
        origin: &entry.origin,
        payload_sha256: &entry.payload_sha256,
        envelope: &entry.envelope,
        relays: &entry.relays,
        received_from: &entry.received_from,
        received_at: entry.received_at,
    };
    assert_eq!(encode_record(&fields), encode_record(&entry));
}

#[test]
fn the_envelope_is_kept_as_its_bytes_and_the_record_is_smaller_than_json() {
    let inbox = inbox_entry();
    let binary = encode_record(&inbox);
    let json = encode("inbox", &inbox).unwrap();
    assert!(
        binary
            .windows(inbox.envelope.len())
            .any(|w| w == inbox.envelope.as_slice()),
        "the envelope's bytes are in the record as they are"
    );
    assert!(
        binary.len() < json.len() * 3 / 4,
        "{} vs {}",
        binary.len(),
        json.len()
    );
}

#[test]
fn entries_written_as_json_are_still_read() {
    let inbox = inbox_entry();
    let json = encode("inbox", &inbox).unwrap();
    let read: InboxEntry = decode_record("inbox", b"k", &json).unwrap();
    assert_eq!(read, inbox);
    let outbox = outbox_entry();
    let json = encode("outbox", &outbox).unwrap();
    let read: OutboxEntry = decode_record("outbox", b"k", &json).unwrap();
    assert_eq!(read, outbox);
}

#[test]
fn a_damaged_record_is_an_error_that_says_what_is_wrong() {
    let bytes = encode_record(&inbox_entry());
    // Cut anywhere: an error, never a panic or a partial entry.
    for cut in 1..bytes.len() {
        let result: Result<InboxEntry, _> = decode_record("inbox", b"k", &bytes[..cut]);
        assert!(result.is_err(), "cut at {cut} was read");
    }
    // 1 format byte, 4 + 16, 4 + 3 and 4 + 32 bytes, the envelope's length.
    let cut: Result<InboxEntry, _> = decode_record("inbox", b"k", &bytes[..100]);
    is_corrupt(cut, "envelope: needs 256 bytes, 32 left");

    let mut longer = bytes.clone();
    longer.push(0);
    is_corrupt(
        decode_record::<InboxEntry>("inbox", b"k", &longer),
        "1 bytes after the record",
    );
    is_corrupt(
        decode_record::<InboxEntry>("inbox", b"k", &[7, 1]),
        "unknown record format 0x07",
    );
    is_corrupt(decode_record::<InboxEntry>("inbox", b"k", &[]), "empty record");

    // A count larger than the record asks for nothing.
    let mut huge = vec![0x01];
    for text in ["id", "xaa"] {
        huge.extend_from_slice(&(text.len() as u32).to_be_bytes());
        huge.extend_from_slice(text.as_bytes());
    }
    huge.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0]);
    huge.extend_from_slice(&u32::MAX.to_be_bytes());
    is_corrupt(
        decode_record::<InboxEntry>("inbox", b"k", &huge),
        "relays: 4294967295 items",
    );

    let mut not_text = encode_record(&inbox_entry());
    not_text[5] = 0xFF;
    is_corrupt(
        decode_record::<InboxEntry>("inbox", b"k", &not_text),
        "statement_id: not UTF-8",
    );
}

#[tokio::test]
async fn a_version_1_store_opens_upgraded_with_its_json_entries_and_an_index_to_complete() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = inbox_entry();
    let outbox = outbox_entry();
    {
        // A store as a version 1 build left it.
        let store = Store::open(dir.path()).unwrap();
        store.forget_summary_index().unwrap();
        let db = &store.db;
        db.insert("schema_version", &1u32.to_be_bytes()).unwrap();
        let key = inbox_key(&inbox.origin, &inbox.statement_id);
        let tree = db.open_tree(INBOX).unwrap();
        tree.insert(key, encode(INBOX, &inbox).unwrap()).unwrap();
        let tree = db.open_tree(OUTBOX).unwrap();
        tree.insert(1u64.to_be_bytes(), encode(OUTBOX, &outbox).unwrap())
            .unwrap();
        let meta = db.open_tree("meta").unwrap();
        meta.insert(NEXT_SEQ, &2u64.to_be_bytes()).unwrap();
        db.flush().unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(
        store.db.get("schema_version").unwrap().unwrap().as_ref(),
        SCHEMA_VERSION.to_be_bytes()
    );
    assert_eq!(store.inbox().unwrap(), [inbox]);
    assert_eq!(store.outbox_after(0, 10).unwrap(), [(1, outbox)]);
    assert!(
        !store.summary_index_complete().unwrap(),
        "its summaries are indexed by the first whole read of the inbox"
    );

    // New entries are written in the binary layout, beside the old ones.
    let seqs = store.append_outbox(&[outbox_entry()], &[], || {}).await.unwrap();
    assert_eq!(seqs, [2]);
    let raw = store
        .db
        .open_tree(OUTBOX)
        .unwrap()
        .get(2u64.to_be_bytes())
        .unwrap()
        .unwrap();
    assert_eq!(raw[0], 0x01);
    assert_eq!(store.outbox_after(0, 10).unwrap().len(), 2);
}
