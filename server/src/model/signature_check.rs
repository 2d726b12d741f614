//! Ed25519 verification by one rule, whether signatures are checked one at
//! a time or many at once: RFC 8032's cofactored equation
//! `[8][s]B = [8]R + [8][k]A`, with `s` and `R` canonically encoded and
//! neither the key nor `R` of small order (no weak keys, no malleable
//! signatures). Checking many at once, as a random linear combination in one
//! multiscalar multiplication, costs about half as much per signature,
//! and accepts a set exactly when checking each one would (but for a chance
//! below 2^-120); the cofactored equation is what makes the two agree for
//! every signature, even one made on purpose to tell them apart. Pure: no I/O.

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use ed25519_dalek::VerifyingKey;
use rand::Rng;
use sha2::{Digest, Sha512};
use std::collections::HashSet;

/// One signature to check: `signature` by `key` over `message`.
#[derive(Debug, Clone, Copy)]
pub struct SignatureCheck<'a> {
    pub key: &'a VerifyingKey,
    pub message: &'a [u8],
    pub signature: &'a [u8],
}

/// A signature read and found well-formed: its `R` and `s`, the key's
/// point `A`, and `k = SHA-512(R ‖ A ‖ message)` reduced.
struct Parts {
    r: EdwardsPoint,
    s: Scalar,
    a: EdwardsPoint,
    k: Scalar,
    /// `SHA-512(R ‖ A ‖ message)` and `s`: names the check exactly.
    fingerprint: Fingerprint,
}

type Fingerprint = [u8; 96];

/// What names `check` exactly: `SHA-512(R ‖ A ‖ message)` and `s`; `None`
/// when the signature is not 64 bytes.
fn fingerprint(check: &SignatureCheck<'_>) -> Option<Fingerprint> {
    let signature: &[u8; 64] = check.signature.try_into().ok()?;
    let hram = Sha512::new()
        .chain_update(&signature[..32])
        .chain_update(check.key.as_bytes())
        .chain_update(check.message)
        .finalize();
    let mut fingerprint = [0; 96];
    fingerprint[..64].copy_from_slice(&hram);
    fingerprint[64..].copy_from_slice(&signature[32..]);
    Some(fingerprint)
}

/// `check`'s parts, or `None` when it cannot verify whatever the equation
/// says: not 64 bytes, `R` or `s` not canonical, `R` or the key of small
/// order.
fn parts(check: &SignatureCheck<'_>) -> Option<Parts> {
    let fingerprint = fingerprint(check)?;
    let r_bytes: [u8; 32] = check.signature.get(..32)?.try_into().ok()?;
    let s_bytes: [u8; 32] = fingerprint[64..].try_into().ok()?;
    let hram: [u8; 64] = fingerprint[..64].try_into().ok()?;
    if !is_canonical_y(&r_bytes) {
        return None;
    }
    let r = CompressedEdwardsY(r_bytes).decompress()?;
    let s = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_bytes))?;
    let a = check.key.to_edwards();
    if r.is_small_order() || a.is_small_order() {
        return None;
    }
    Some(Parts {
        r,
        s,
        a,
        k: Scalar::from_bytes_mod_order_wide(&hram),
        fingerprint,
    })
}

/// Whether a compressed point's `y` is below the field prime 2^255 − 19
/// (the sign bit of `x` aside): the only encoding a signer produces.
fn is_canonical_y(bytes: &[u8; 32]) -> bool {
    let top = bytes[31] & 0x7f;
    let middle_all_ones = bytes[1..31].iter().all(|b| *b == 0xff);
    !(top == 0x7f && middle_all_ones && bytes[0] >= 0xed)
}

/// Whether one signature verifies.
pub fn verify_one(check: &SignatureCheck<'_>) -> bool {
    parts(check).is_some_and(|p| holds(&p))
}

/// The cofactored equation for one signature: `[8]([s]B − [k]A − R) = 0`.
fn holds(p: &Parts) -> bool {
    let sb_minus_ka = EdwardsPoint::vartime_double_scalar_mul_basepoint(&p.k, &-p.a, &p.s);
    (sb_minus_ka - p.r).mul_by_cofactor().is_identity()
}

/// Whether every one of `checks` verifies, checked at once: with random
/// 128-bit `zᵢ`, `[8]([Σ zᵢsᵢ]B − Σ [zᵢ]Rᵢ − Σ [zᵢkᵢ]Aᵢ) = 0`, the terms of
/// one key summed into one. False says only that at least one does not.
pub fn verify_all(checks: &[SignatureCheck<'_>]) -> bool {
    all_parts(checks).is_some_and(|parts| all_hold(&parts))
}

fn all_parts(checks: &[SignatureCheck<'_>]) -> Option<Vec<Parts>> {
    checks.iter().map(parts).collect()
}

fn all_hold(parts: &[Parts]) -> bool {
    match parts {
        [] => return true,
        [one] => return holds(one),
        _ => {}
    }
    let mut rng = rand::rng();
    let z: Vec<Scalar> = parts.iter().map(|_| Scalar::from(rng.random::<u128>())).collect();
    let b: Scalar = parts.iter().zip(&z).map(|(p, z)| z * p.s).sum();
    // Deliveries come from few nodes: one term per distinct key.
    let mut keys: Vec<(EdwardsPoint, Scalar)> = Vec::new();
    for (p, z) in parts.iter().zip(&z) {
        let zk = z * p.k;
        match keys.iter_mut().find(|(a, _)| *a == p.a) {
            Some((_, sum)) => *sum += zk,
            None => keys.push((p.a, zk)),
        }
    }
    let scalars = std::iter::once(b)
        .chain(z.iter().map(|z| -z))
        .chain(keys.iter().map(|(_, sum)| -sum));
    let points = std::iter::once(ED25519_BASEPOINT_POINT)
        .chain(parts.iter().map(|p| p.r))
        .chain(keys.iter().map(|(a, _)| *a));
    EdwardsPoint::vartime_multiscalar_mul(scalars, points)
        .mul_by_cofactor()
        .is_identity()
}

/// Signatures a batch check found to hold. Asking about one of them costs a
/// hash of its message; any other is verified on its own, so a batch that
/// failed (one bad signature among many) only means each is checked alone.
#[derive(Debug, Default)]
pub struct Proven(HashSet<Fingerprint>);

impl Proven {
    /// Nothing proven: every signature is verified on its own.
    pub fn none() -> Self {
        Self::default()
    }

    /// Checks `checks` at once: all are proven if all hold, none otherwise.
    pub fn batch(checks: &[SignatureCheck<'_>]) -> Self {
        match all_parts(checks) {
            Some(parts) if all_hold(&parts) => Self(parts.into_iter().map(|p| p.fingerprint).collect()),
            _ => Self::none(),
        }
    }

    /// Whether `check` verifies: proven by the batch, or verified now.
    pub fn verify(&self, check: &SignatureCheck<'_>) -> bool {
        let proven = fingerprint(check).is_some_and(|f| self.0.contains(&f));
        proven || verify_one(check)
    }

    /// How many signatures the batch proved.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
#[path = "signature_check_tests.rs"]
mod tests;
