//! Checking one at a time and many at once agree: on genuine signatures, on
//! each way a signature can be malformed, and on one made on purpose to
//! tell the cofactored and cofactorless equations apart.

use super::*;
use curve25519_dalek::traits::Identity;
use ed25519_dalek::{Signer, SigningKey};

fn signing_key() -> SigningKey {
    SigningKey::from_bytes(&rand::rng().random())
}

/// `n` genuine signatures by `key` over distinct messages.
fn signed(key: &SigningKey, n: usize) -> Vec<(Vec<u8>, [u8; 64])> {
    (0..n)
        .map(|i| {
            let message = format!("statement {i}").into_bytes();
            let signature = key.sign(&message).to_bytes();
            (message, signature)
        })
        .collect()
}

fn checks<'a>(key: &'a VerifyingKey, signed: &'a [(Vec<u8>, [u8; 64])]) -> Vec<SignatureCheck<'a>> {
    signed
        .iter()
        .map(|(message, signature)| SignatureCheck {
            key,
            message,
            signature,
        })
        .collect()
}

/// A signature by the secret scalar `a` (public `A = [a]B`) with nonce
/// point `R = [r]B + extra`: what only the key's holder can make.
fn raw_signature(a: &Scalar, extra: EdwardsPoint, message: &[u8]) -> (VerifyingKey, [u8; 64]) {
    let key = VerifyingKey::from(EdwardsPoint::mul_base(a));
    let r = Scalar::from_bytes_mod_order_wide(&rand::rng().random());
    let big_r = (EdwardsPoint::mul_base(&r) + extra).compress();
    let hram: [u8; 64] = Sha512::new()
        .chain_update(big_r.as_bytes())
        .chain_update(key.as_bytes())
        .chain_update(message)
        .finalize()
        .into();
    let s = r + Scalar::from_bytes_mod_order_wide(&hram) * a;
    let mut signature = [0; 64];
    signature[..32].copy_from_slice(big_r.as_bytes());
    signature[32..].copy_from_slice(s.as_bytes());
    (key, signature)
}

/// A point of order 8 (its encoding is in every list of small-order points).
fn order_eight() -> EdwardsPoint {
    let bytes: [u8; 32] = [
        0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a,
        0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a,
    ];
    let point = CompressedEdwardsY(bytes).decompress().expect("a point");
    assert!(point.is_small_order() && Scalar::from(4u8) * point != EdwardsPoint::identity());
    point
}

#[test]
fn genuine_signatures_verify_alone_and_together() {
    let key = signing_key();
    let signed = signed(&key, 40);
    let verifying = key.verifying_key();
    let checks = checks(&verifying, &signed);
    for check in &checks {
        assert!(verify_one(check));
        assert!(
            verifying
                .verify_strict(check.message, &check.signature.try_into().expect("64"))
                .is_ok()
        );
    }
    assert!(verify_all(&checks));
    assert!(verify_all(&checks[..1]));
    assert!(verify_all(&[]));
    let proven = Proven::batch(&checks);
    assert_eq!(proven.len(), 40);
    assert!(checks.iter().all(|c| proven.verify(c)));
}

#[test]
fn signatures_by_several_keys_verify_together() {
    let keys: Vec<SigningKey> = (0..3).map(|_| signing_key()).collect();
    let verifying: Vec<VerifyingKey> = keys.iter().map(SigningKey::verifying_key).collect();
    let signed: Vec<_> = keys.iter().map(|k| signed(k, 5)).collect();
    let all: Vec<SignatureCheck<'_>> = verifying
        .iter()
        .zip(&signed)
        .flat_map(|(v, s)| checks(v, s))
        .collect();
    assert!(verify_all(&all));
    // The same signatures under the wrong keys do not.
    let swapped: Vec<SignatureCheck<'_>> = verifying
        .iter()
        .rev()
        .zip(&signed)
        .flat_map(|(v, s)| checks(v, s))
        .collect();
    assert!(!verify_all(&swapped));
}

#[test]
fn one_bad_signature_fails_the_batch_and_only_itself_alone() {
    let key = signing_key();
    let mut signed = signed(&key, 20);
    signed[13].0.push(b'!');
    let verifying = key.verifying_key();
    let checks = checks(&verifying, &signed);
    assert!(!verify_all(&checks));
    let proven = Proven::batch(&checks);
    assert!(proven.is_empty());
    for (i, check) in checks.iter().enumerate() {
        assert_eq!(proven.verify(check), i != 13, "signature {i}");
    }
}

#[test]
fn a_proven_signature_is_not_proven_for_another_message_or_key() {
    let key = signing_key();
    let signed = signed(&key, 4);
    let verifying = key.verifying_key();
    let proven = Proven::batch(&checks(&verifying, &signed));
    assert_eq!(proven.len(), 4);
    let (message, signature) = &signed[0];
    let other_message = SignatureCheck {
        key: &verifying,
        message: &signed[1].0,
        signature,
    };
    assert!(!proven.verify(&other_message));
    let other = signing_key().verifying_key();
    let other_key = SignatureCheck {
        key: &other,
        message,
        signature,
    };
    assert!(!proven.verify(&other_key));
}

#[test]
fn malformed_signatures_are_refused_alone_and_together() {
    let key = signing_key();
    let verifying = key.verifying_key();
    let message = b"statement".as_slice();
    let good = key.sign(message).to_bytes();
    let mut refused: Vec<(&str, Vec<u8>)> = vec![("short", good[..63].to_vec())];
    // `s + ℓ`: the same scalar, not canonically encoded.
    let s = Scalar::from_canonical_bytes(good[32..].try_into().expect("32")).expect("canonical");
    let mut s_plus_l = [0u8; 32];
    // ℓ = 2^252 + 27742317777372353535851937790883648493, little-endian.
    let ell: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let (mut carry, sum) = (0u16, s_plus_l.as_mut_slice());
    for (i, out) in sum.iter_mut().enumerate() {
        let total = u16::from(s.as_bytes()[i]) + u16::from(ell[i]) + carry;
        *out = (total & 0xff) as u8;
        carry = total >> 8;
    }
    let mut high_s = good;
    high_s[32..].copy_from_slice(&s_plus_l);
    refused.push(("s not canonical", high_s.to_vec()));
    // R of small order.
    let mut small_r = good;
    small_r[..32].copy_from_slice(order_eight().compress().as_bytes());
    refused.push(("R of small order", small_r.to_vec()));
    // R's y not below the prime.
    let mut big_y = good;
    big_y[..32].copy_from_slice(&[
        0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
    ]);
    refused.push(("R not canonical", big_y.to_vec()));
    for (what, signature) in &refused {
        let check = SignatureCheck {
            key: &verifying,
            message,
            signature,
        };
        assert!(!verify_one(&check), "{what}");
        let good_check = SignatureCheck {
            key: &verifying,
            message,
            signature: &good,
        };
        assert!(!verify_all(&[good_check, check]), "{what}");
    }
}

#[test]
fn a_weak_key_verifies_nothing() {
    // With A of small order and R = [s]B, the equation holds for any message.
    let weak = VerifyingKey::from(order_eight());
    let s = Scalar::from(7u8);
    let mut signature = [0u8; 64];
    signature[..32].copy_from_slice(EdwardsPoint::mul_base(&s).compress().as_bytes());
    signature[32..].copy_from_slice(s.as_bytes());
    let check = SignatureCheck {
        key: &weak,
        message: b"anything",
        signature: &signature,
    };
    assert!(!verify_one(&check));
    assert!(!verify_all(&[check, check]));
}

#[test]
fn a_nonce_with_a_torsion_part_gets_the_same_answer_alone_and_together() {
    // Made by the key's holder on purpose: cofactorless verification
    // rejects it, the cofactored equation accepts it. One rule for both
    // ways of checking means no batch can decide otherwise than a single.
    let a = Scalar::from_bytes_mod_order_wide(&rand::rng().random());
    let message = b"statement".as_slice();
    let (key, signature) = raw_signature(&a, order_eight(), message);
    assert!(key.verify_strict(message, &signature.into()).is_err());
    let check = SignatureCheck {
        key: &key,
        message,
        signature: &signature,
    };
    assert!(verify_one(&check));
    let (_, plain) = raw_signature(&a, EdwardsPoint::identity(), b"other");
    let other = SignatureCheck {
        key: &key,
        message: b"other",
        signature: &plain,
    };
    for _ in 0..32 {
        assert!(verify_all(&[check, other]));
    }
}
