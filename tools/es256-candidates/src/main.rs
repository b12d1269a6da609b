//! One P-256 ECDSA verification (ES256, 64-byte r||s) with each candidate library,
//! interleaved in rounds; prints the median of each. See Cargo.toml for how to run.
#![allow(clippy::unwrap_used)]

use std::time::Instant;
use josekit::jws::ES256;
use p256::ecdsa::{SigningKey, signature::Signer};
fn main() {
    let key = SigningKey::random(&mut rand_core::OsRng);
    let msg = b"eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ".repeat(10);
    let sig: p256::ecdsa::Signature = key.sign(&msg);
    let sig = sig.to_bytes().to_vec();
    let point = key.verifying_key().to_encoded_point(false);
    let sec1 = point.as_bytes().to_vec();
    let spki = p256::pkcs8::EncodePublicKey::to_public_key_der(key.verifying_key()).unwrap();
    let verifier = ES256.verifier_from_der(spki.as_bytes()).unwrap();  // josekit/OpenSSL ES256 verifier
    let ring_key = ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_FIXED, sec1.clone());
    let n = 2000;
    let (mut r, mut o, mut p) = (vec![], vec![], vec![]);
    let pk = p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1).unwrap();
    let psig = p256::ecdsa::Signature::from_slice(&sig).unwrap();
    for _ in 0..15 {
        let t = Instant::now(); for _ in 0..n { ring_key.verify(&msg, &sig).unwrap(); } r.push(t.elapsed().as_nanos() as f64 / n as f64);
        let t = Instant::now(); for _ in 0..n { josekit::jws::JwsVerifier::verify(&verifier, &msg, &sig).unwrap(); } o.push(t.elapsed().as_nanos() as f64 / n as f64);
        let t = Instant::now(); for _ in 0..n/10 { use p256::ecdsa::signature::Verifier; pk.verify(&msg, &psig).unwrap(); } p.push(t.elapsed().as_nanos() as f64 / (n/10) as f64);
    }
    for v in [&mut r, &mut o, &mut p] { v.sort_by(f64::total_cmp); }
    println!("median per verify: ring {:.1} µs, josekit/OpenSSL {:.1} µs, p256 {:.1} µs", r[7]/1e3, o[7]/1e3, p[7]/1e3);
}
