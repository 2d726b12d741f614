//! Raw gRPC calls: a codec that sends the given bytes unchanged and returns
//! the reply's bytes, and builders for hand-made protobuf.

use prost::bytes::{Buf, BufMut};
use tonic::Status;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::codegen::http::uri::PathAndQuery;
use tonic::transport::Channel;

/// Passes `Vec<u8>` through both ways.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RawCodec;

#[derive(Debug)]
pub(crate) struct RawEncoder;

#[derive(Debug)]
pub(crate) struct RawDecoder;

impl Codec for RawCodec {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = RawEncoder;
    type Decoder = RawDecoder;

    fn encoder(&mut self) -> RawEncoder {
        RawEncoder
    }

    fn decoder(&mut self) -> RawDecoder {
        RawDecoder
    }
}

impl Encoder for RawEncoder {
    type Item = Vec<u8>;
    type Error = Status;

    fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for RawDecoder {
    type Item = Vec<u8>;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Vec<u8>>, Status> {
        let mut bytes = vec![0; src.remaining()];
        src.copy_to_slice(&mut bytes);
        Ok(Some(bytes))
    }
}

/// Calls `path` (`/tocsin.v1.NodeService/CreateAssessment`) with `body` as
/// the request message, presenting `token`.
pub(crate) async fn call(
    channel: Channel,
    token: &str,
    path: &'static str,
    body: Vec<u8>,
) -> Result<Vec<u8>, Status> {
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready()
        .await
        .map_err(|e| Status::unavailable(format!("channel not ready: {e}")))?;
    let mut request = tonic::Request::new(body);
    let bearer = format!("Bearer {token}")
        .parse()
        .map_err(|_| Status::invalid_argument("token cannot be sent in a header"))?;
    request.metadata_mut().insert("authorization", bearer);
    grpc.unary(request, PathAndQuery::from_static(path), RawCodec)
        .await
        .map(tonic::Response::into_inner)
}

/// Wire types of the protobuf encoding.
pub(crate) const VARINT: u8 = 0;
pub(crate) const FIXED64: u8 = 1;
pub(crate) const LEN: u8 = 2;
pub(crate) const START_GROUP: u8 = 3;
pub(crate) const END_GROUP: u8 = 4;

/// `value` as a base-128 varint.
pub(crate) fn varint(mut value: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

/// The key of field `field` with `wire_type`.
pub(crate) fn key(field: u64, wire_type: u8) -> Vec<u8> {
    varint((field << 3) | u64::from(wire_type))
}

/// Field `field` holding `bytes` (a string, bytes or a nested message).
pub(crate) fn len_field(field: u64, bytes: &[u8]) -> Vec<u8> {
    let mut out = key(field, LEN);
    out.extend(varint(bytes.len() as u64));
    out.extend_from_slice(bytes);
    out
}

/// `depth` nested groups of unknown field `field`, properly closed.
pub(crate) fn nested_groups(field: u64, depth: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..depth {
        out.extend(key(field, START_GROUP));
    }
    for _ in 0..depth {
        out.extend(key(field, END_GROUP));
    }
    out
}
