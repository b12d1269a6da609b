//! The consortium's node-to-node inputs (specs/registry/CONSORTIUM.md): C2SP
//! `tlog-witness` `add-checkpoint` requests as a witness answers them
//! (`sigillum_registry::raft::cosign`), and the `Sigillum-Raft-Auth` envelope a node
//! checks before reading a Raft RPC's body (`sigillum_registry::raft::network`).
//!
//! First byte: `E` the rest is an envelope header; `S` the rest is a checkpoint body,
//! signed with the consortium's log key and sent as `old <the witness's last size>`
//! with the consistency proof from there in the checkpoint target's tree; anything else: a raw `add-checkpoint` request body. The witness is
//! one process-wide cosigner whose record lives in a temporary directory, so inputs
//! it accepts move it forward as a real witness moves. Its answer is checked: a
//! cosignature line that verifies under its key, or a refusal with a 4xx or 503
//! status; never a panic.
#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use sigillum_credential::ledger::tree;
use sigillum_credential::ledger::{
    Checkpoint, CosignerKey, KeyName, SignerKey, TreeSize, VerifierKey, note,
};
use sigillum_credential::time::{FixedClock, Timestamp};
use sigillum_registry::raft::cosign::{AddCheckpoint, Cosigner};
use sigillum_registry::raft::network::Envelope;

use crate::{checkpoint, forge};

/// The consortium's origin line.
pub const ORIGIN: &str = "fuzz.sigillum.test/consortium";

struct Witness {
    cosigner: Cosigner,
    cosigner_key: VerifierKey,
    log: SignerKey,
    voters: BTreeMap<u64, VerifierKey>,
}

fn witness() -> Option<&'static Witness> {
    static WITNESS: OnceLock<Option<Witness>> = OnceLock::new();
    WITNESS
        .get_or_init(|| {
            let log = log_key()?;
            let key = CosignerKey::from_signing_key(
                KeyName::new("bank.example/fuzz-witness").ok()?,
                ed25519_dalek::SigningKey::from_bytes(&[8; 32]),
            );
            let cosigner_key = key.verifier_key();
            let dir =
                std::env::temp_dir().join(format!("sigillum-fuzz-witness-{}", std::process::id()));
            let cosigner = Cosigner::open(
                &dir,
                key,
                ORIGIN.into(),
                vec![log.verifier_key()],
                None,
                Arc::new(FixedClock(Timestamp::from_unix(forge::NOW))),
            )
            .ok()?;
            let voters = BTreeMap::from([(1, log.verifier_key())]);
            Some(Witness {
                cosigner,
                cosigner_key,
                log,
                voters,
            })
        })
        .as_ref()
}

/// The consortium's log key (node 1's note key).
pub fn log_key() -> Option<SignerKey> {
    Some(SignerKey::from_signing_key(
        KeyName::new(ORIGIN).ok()?,
        ed25519_dalek::SigningKey::from_bytes(&[7; 32]),
    ))
}

/// `body` signed as a checkpoint of the consortium's log.
pub fn signed(body: &str) -> Option<String> {
    note::sign(body, &[&log_key()?]).ok()
}

/// The size the process-wide witness last cosigned.
#[must_use]
pub fn witnessed_size() -> Option<u64> {
    witness()?.cosigner.last().map(|(size, _)| size)
}

/// Runs one input.
pub fn run(data: &[u8]) {
    let Some(w) = witness() else {
        return;
    };
    match data.split_first() {
        Some((b'E', rest)) => {
            if let Ok(header) = std::str::from_utf8(rest)
                && let Ok(envelope) =
                    Envelope::open(header, &w.voters, 2, "/raft/v1/append", forge::NOW)
            {
                assert_eq!(envelope.from, 1, "only node 1's key is trusted");
                let _ = envelope.admits(rest);
            }
        }
        Some((b'S', rest)) => {
            let Ok(body) = std::str::from_utf8(rest) else {
                return;
            };
            let Some(note) = signed(body) else {
                return;
            };
            let old = w.cosigner.last().map_or(0, |(size, _)| size);
            // The proof from there, in the seeds' tree (a fuzzed root then fails it).
            let proof = Checkpoint::parse(body)
                .ok()
                .map(|c| c.size().get())
                .filter(|&size| old > 0 && old < size && size <= checkpoint::LEAVES)
                .and_then(|size| {
                    tree::consistency_proof(
                        TreeSize::new(old),
                        TreeSize::new(size),
                        checkpoint::tree(),
                    )
                    .ok()
                })
                .unwrap_or_default();
            answer(w, &AddCheckpoint::encode(old, &proof, &note), &note);
        }
        _ => {
            let note = AddCheckpoint::parse(data)
                .map(|r| r.note)
                .unwrap_or_default();
            answer(w, &String::from_utf8_lossy(data), &note);
        }
    }
}

fn answer(w: &Witness, request: &str, note: &str) {
    match w.cosigner.add_checkpoint(request.as_bytes()) {
        Ok(lines) => {
            let cosigned = format!("{note}{lines}");
            assert!(
                note::open(cosigned.as_bytes(), std::slice::from_ref(&w.cosigner_key)).is_ok(),
                "a cosignature that does not verify: {lines:?}"
            );
            assert!(
                note::open(note.as_bytes(), &[w.log.verifier_key()]).is_ok(),
                "cosigned a checkpoint the log did not sign"
            );
        }
        Err(refused) => assert!(
            (400..500).contains(&refused.status) || refused.status == 503,
            "status {}",
            refused.status
        ),
    }
}
