//! Malformed protobuf sent as raw bytes: truncated varints and lengths,
//! wrong wire types, invalid UTF-8 in string fields, field number 0, deep
//! group nesting, a request past the node's size limit, an unknown method.
//! The node must answer with a status (never crash or hang) that names the
//! message field where the decoder says which.

use prost::Message;
use tocsin_proto::v1 as pb;
use tocsin_tests::content;
use tonic::Code;

use super::raw::{END_GROUP, FIXED64, LEN, VARINT, key, len_field, nested_groups, varint};
use super::{Expect, Fixture};

const CREATE: &str = "/tocsin.v1.NodeService/CreateAssessment";
const GET: &str = "/tocsin.v1.NodeService/GetAssessment";
const RAISE: &str = "/tocsin.v1.WarningService/RaiseWarning";
const SUBSCRIBE: &str = "/tocsin.v1.SubscriptionService/CreateSubscription";
const AUDIT: &str = "/tocsin.v1.AuditService/QueryAudit";

/// Not UTF-8: a lone continuation byte, an overlong form, a surrogate.
const NOT_UTF8: &[u8] = &[b'X', 0x80, 0xc0, 0xaf, 0xed, 0xa0, 0x80];

/// Bytes that do not decode: prost says INTERNAL, with the message and
/// field it was reading.
const UNDECODABLE: &[Code] = &[Code::Internal, Code::InvalidArgument];

/// One request body and what the node must answer.
pub(crate) struct Case {
    pub(crate) name: &'static str,
    pub(crate) path: &'static str,
    pub(crate) body: Vec<u8>,
    pub(crate) expect: Expect,
}

fn case(
    name: &'static str,
    path: &'static str,
    body: Vec<u8>,
    codes: &'static [Code],
    names: &'static [&'static str],
) -> Case {
    Case {
        name,
        path,
        body,
        expect: Expect { codes, names },
    }
}

fn concat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// A valid `CreateAssessmentRequest` whose content ends with `extra`
/// (a field appended to a message merges into it).
fn create_with(extra: &[u8]) -> Vec<u8> {
    let content = concat(&[&content::valid().encode_to_vec(), extra]);
    len_field(1, &content)
}

/// A valid `RaiseWarningRequest` whose content ends with `extra`.
fn raise_with(fixture: &Fixture, extra: &[u8]) -> Vec<u8> {
    let content = concat(&[&fixture.warning_content().encode_to_vec(), extra]);
    len_field(1, &content)
}

pub(crate) fn cases(f: &Fixture) -> Vec<Case> {
    let valid = create_with(&[]);
    let five_mib = create_with(&len_field(9, &vec![b'a'; 5 << 20]));
    vec![
        case(
            "empty body",
            CREATE,
            Vec::new(),
            &[Code::InvalidArgument],
            &["content"],
        ),
        case(
            "truncated length varint",
            CREATE,
            vec![0x0a, 0xff],
            UNDECODABLE,
            &["CreateAssessmentRequest.content", "varint"],
        ),
        case(
            "truncated key varint",
            CREATE,
            vec![0x80],
            UNDECODABLE,
            &["varint"],
        ),
        case(
            "length past the end",
            CREATE,
            vec![0x0a, 100, 1, 2, 3],
            UNDECODABLE,
            &["CreateAssessmentRequest.content"],
        ),
        case(
            "length of 2^64-1",
            CREATE,
            concat(&[&key(1, LEN), &varint(u64::MAX)]),
            UNDECODABLE,
            &["CreateAssessmentRequest.content"],
        ),
        case(
            "varint of 11 bytes",
            CREATE,
            create_with(&concat(&[&key(3, VARINT), &[0xff; 10], &[0x01]])),
            UNDECODABLE,
            &["AssessmentContent.overall_risk", "varint"],
        ),
        case(
            "trailing garbage",
            CREATE,
            concat(&[&valid, &[0xff]]),
            UNDECODABLE,
            &["varint"],
        ),
        case(
            "content as a varint",
            CREATE,
            concat(&[&key(1, VARINT), &varint(1)]),
            UNDECODABLE,
            &["CreateAssessmentRequest.content", "wire type"],
        ),
        case(
            "narrative as fixed64",
            CREATE,
            create_with(&concat(&[&key(9, FIXED64), &[0; 8]])),
            UNDECODABLE,
            &["AssessmentContent.narrative", "wire type"],
        ),
        case(
            "tlp as a string",
            CREATE,
            create_with(&len_field(12, b"red")),
            UNDECODABLE,
            &["AssessmentContent.tlp", "wire type"],
        ),
        case("field number 0", CREATE, vec![0x02, 0x00], UNDECODABLE, &["tag"]),
        case(
            "wire type 7",
            CREATE,
            concat(&[&key(1, 7), &[0]]),
            UNDECODABLE,
            &["wire type"],
        ),
        case(
            "stray end-group",
            CREATE,
            key(5, END_GROUP),
            UNDECODABLE,
            &["group"],
        ),
        case(
            "groups nested 200 deep",
            CREATE,
            concat(&[&valid, &nested_groups(15, 200)]),
            UNDECODABLE,
            &["recursion limit"],
        ),
        case(
            "groups nested 100,000 deep",
            CREATE,
            concat(&[&valid, &nested_groups(15, 100_000)]),
            UNDECODABLE,
            &["recursion limit"],
        ),
        case(
            "unclosed groups 100,000 deep",
            CREATE,
            concat(&[&valid, &vec![0x7b; 100_000]]),
            UNDECODABLE,
            &["recursion limit"],
        ),
        case(
            "truncated packed crimes",
            CREATE,
            create_with(&len_field(1, &len_field(5, &[0x80]))),
            UNDECODABLE,
            &["SituationSpec.crimes_at_risk"],
        ),
        case(
            "narrative not UTF-8",
            CREATE,
            create_with(&len_field(9, NOT_UTF8)),
            UNDECODABLE,
            &["AssessmentContent.narrative", "UTF-8"],
        ),
        case(
            "country not UTF-8",
            CREATE,
            create_with(&len_field(1, &len_field(2, NOT_UTF8))),
            UNDECODABLE,
            &["SituationSpec.countries", "UTF-8"],
        ),
        case(
            "indicator not UTF-8",
            CREATE,
            create_with(&len_field(
                2,
                &concat(&[
                    &key(1, VARINT),
                    &varint(1),
                    &key(2, VARINT),
                    &varint(5),
                    &len_field(3, NOT_UTF8),
                ]),
            )),
            UNDECODABLE,
            &["FactorAssessment.indicators", "UTF-8"],
        ),
        case(
            "assessment id not UTF-8",
            GET,
            len_field(1, NOT_UTF8),
            UNDECODABLE,
            &["GetAssessmentRequest.id", "UTF-8"],
        ),
        case(
            "headline not UTF-8",
            RAISE,
            raise_with(f, &len_field(9, NOT_UTF8)),
            UNDECODABLE,
            &["WarningContent.headline", "UTF-8"],
        ),
        case(
            "addressee not UTF-8",
            RAISE,
            raise_with(f, &len_field(12, &len_field(1, NOT_UTF8))),
            UNDECODABLE,
            &["WarningAddressee.organisation", "UTF-8"],
        ),
        case(
            "expiry seconds as a string",
            RAISE,
            raise_with(f, &len_field(13, &len_field(1, b"soon"))),
            UNDECODABLE,
            &["Timestamp.seconds", "wire type"],
        ),
        case(
            "subscribed country not UTF-8",
            SUBSCRIBE,
            len_field(1, &len_field(1, NOT_UTF8)),
            UNDECODABLE,
            &["SubscriptionFilters.countries", "UTF-8"],
        ),
        case(
            "audit kind not UTF-8",
            AUDIT,
            len_field(1, NOT_UTF8),
            UNDECODABLE,
            &["QueryAuditRequest.kinds", "UTF-8"],
        ),
        case(
            "5 MiB request",
            CREATE,
            five_mib,
            &[Code::OutOfRange, Code::ResourceExhausted],
            &["4194304"],
        ),
        case(
            "unknown method",
            "/tocsin.v1.NodeService/DropAllTables",
            valid.clone(),
            &[Code::Unimplemented],
            &[],
        ),
        case(
            "unknown service",
            "/tocsin.v0.NodeService/CreateAssessment",
            valid,
            &[Code::Unimplemented],
            &[],
        ),
    ]
}

/// A message the node must decode and act on, to show the raw path works.
pub(crate) fn valid_get(fixture: &Fixture) -> Vec<u8> {
    pb::GetAssessmentRequest {
        id: fixture.assessment_id.clone(),
        version: 0,
    }
    .encode_to_vec()
}

pub(crate) const GET_PATH: &str = GET;
