//! What `connect` decides before any node is involved: unusable CA files and
//! the bearer header. Pinning, CA trust and refusals against a real node are
//! in `tests/tests/connect.rs`.

use super::*;

#[tokio::test]
async fn an_empty_or_missing_ca_file_is_reported() {
    let node: NodeUrl = "https://127.0.0.1:1".parse().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "").unwrap();
    let err = connect(&node, &Trust::CaFile(empty)).await.unwrap_err();
    assert!(matches!(err, ConnectError::Trust(_)), "{err:?}");
    assert!(err.to_string().contains("holds no certificate"), "{err}");
    let err = connect(&node, &Trust::CaFile(dir.path().join("absent.pem")))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("absent.pem"), "{err}");
}

#[test]
fn the_bearer_token_is_never_shown_in_debug_output() {
    let bearer = Bearer::new("secret-token").unwrap();
    assert!(!format!("{bearer:?}").contains("secret"));
    assert!(matches!(Bearer::new("bad\ntoken"), Err(ConnectError::BadToken)));
}

#[test]
fn the_bearer_header_carries_the_token() {
    let mut bearer = Bearer::new("tok.en.sig").unwrap();
    let request = bearer.call(tonic::Request::new(())).unwrap();
    let header = request.metadata().get("authorization").unwrap();
    assert_eq!(header.to_str().unwrap(), "Bearer tok.en.sig");
    assert!(header.is_sensitive());
}
