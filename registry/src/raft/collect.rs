//! Collecting cosignatures (CONSORTIUM.md "Cosigning"): each voter asks every
//! cosigner in genesis — itself, the other voters, the witnesses — to cosign its
//! current checkpoint with a tlog-witness `add-checkpoint` request, and publishes the
//! checkpoint once it holds `cosign_threshold` valid cosignatures. Reads are served
//! only from published checkpoints, so no client is ever shown a tree head fewer
//! than k cosigners have checked. Rounds are coalesced: one at a time, a new one
//! only when the checkpoint changed.

use std::sync::{Arc, Weak};
use std::time::Duration;

use sigillum_credential::ledger::witness::verify_checkpoint;
use sigillum_credential::ledger::{Hash, Policy, VerifierKey, note};

use super::Replica;
use super::cosign::{AddCheckpoint, SIZE_MEDIA_TYPE};
use crate::state::Genesis;

/// Pause between rounds: publication is coalesced to at most 10 rounds a second,
/// each covering every write applied since the last (CONSORTIUM.md "Serving reads").
const ROUND_PAUSE: Duration = Duration::from_millis(100);
/// How long one cosigner may take to answer.
const COSIGN_TIMEOUT: Duration = Duration::from_secs(2);

/// One cosigner to ask.
struct Target {
    /// Its genesis Raft id (0 for a witness).
    id: u64,
    name: String,
    /// A witness's address (a voter's comes from the Raft membership).
    url: String,
    /// The size it last cosigned, as far as this node knows.
    last_size: u64,
    /// Its cosignature key: an answer is kept only if it verifies under it.
    key: VerifierKey,
}

/// The state of collection, for `/v1/status`.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    /// The newest checkpoint not yet published, with the cosignatures it has.
    pub pending: Option<String>,
    /// Valid cosignatures on it.
    pub cosignatures: usize,
}

fn targets(genesis: &Genesis) -> Vec<Target> {
    genesis
        .nodes
        .iter()
        .filter_map(|n| {
            Some(Target {
                id: n.id,
                name: n.name.clone(),
                url: n.url.clone(),
                last_size: 0,
                key: VerifierKey::parse(&n.cosigner).ok()?,
            })
        })
        .collect()
}

/// Runs rounds until the replica is dropped.
pub(super) async fn run(replica: Weak<Replica>, genesis: Genesis, policy: Policy) {
    let http = reqwest::Client::new();
    let mut targets = targets(&genesis);
    let mut published_note = String::new();
    let mut pause = ROUND_PAUSE;
    loop {
        tokio::time::sleep(pause).await;
        let Some(replica) = replica.upgrade() else {
            return;
        };
        let started = std::time::Instant::now();
        let Ok((signed, state)) = replica.node().pending() else {
            continue;
        };
        if signed.note == published_note {
            continue;
        }
        let mut lines = String::new();
        for target in &mut targets {
            if let Some(answer) =
                ask(&replica, &http, target, &signed.note, signed.size.get()).await
            {
                lines.push_str(&answer);
            }
        }
        let merged = format!("{}{lines}", signed.note);
        // A round costs O(objects) (the state's copy and tree): keep rounds to at
        // most a fifth of the time, whatever the state's size.
        pause = ROUND_PAUSE.max(started.elapsed() * 4);
        match verify_checkpoint(merged.as_bytes(), &policy) {
            Ok(verified) => {
                replica.node().publish(&signed, merged, state);
                replica.set_progress(Progress {
                    pending: None,
                    cosignatures: verified.cosignatures().len(),
                });
                published_note = signed.note.clone();
            }
            Err(e) => {
                tracing::debug!(size = signed.size.get(), error = %e, "checkpoint not yet cosigned");
                let valid = lines.lines().count();
                replica.set_progress(Progress {
                    pending: Some(merged),
                    cosignatures: valid,
                });
            }
        }
    }
}

/// Asks one cosigner, retrying once from the size it reports on a 409.
async fn ask(
    replica: &Arc<Replica>,
    http: &reqwest::Client,
    target: &mut Target,
    note: &str,
    size: u64,
) -> Option<String> {
    for _ in 0..2 {
        if target.last_size > size {
            // It has cosigned further than this node has applied: later.
            return None;
        }
        let proof: Vec<Hash> = if target.last_size == 0 || target.last_size == size {
            Vec::new()
        } else {
            replica.node().consistency(target.last_size, size).ok()?
        };
        let request = AddCheckpoint::encode(target.last_size, &proof, note);
        let answer = if target.id != 0 && target.id == replica.id() {
            let cosigner = replica.cosigner()?;
            let local =
                tokio::task::spawn_blocking(move || cosigner.add_checkpoint(request.as_bytes()))
                    .await
                    .ok()?;
            match local {
                Ok(lines) => Answer::Cosigned(lines),
                Err(r) => match r.last_size {
                    Some(last) => Answer::Conflict(last),
                    None => Answer::Refused(format!("{} {}", r.code, r.detail)),
                },
            }
        } else {
            let url = if target.id == 0 {
                target.url.clone()
            } else {
                replica.peer_url(target.id)?
            };
            remote(http, &url, request).await
        };
        match answer {
            Answer::Cosigned(lines) => {
                target.last_size = size;
                let single = format!("{note}{lines}");
                return match note::open(single.as_bytes(), std::slice::from_ref(&target.key)) {
                    Ok(_) => Some(lines),
                    Err(e) => {
                        tracing::warn!(cosigner = %target.name, error = %e, "cosignature does not verify");
                        None
                    }
                };
            }
            Answer::Conflict(last) => target.last_size = last,
            Answer::Refused(why) => {
                tracing::warn!(cosigner = %target.name, size, %why, "cosigner refused");
                return None;
            }
        }
    }
    None
}

enum Answer {
    Cosigned(String),
    Conflict(u64),
    Refused(String),
}

async fn remote(http: &reqwest::Client, url: &str, request: String) -> Answer {
    let sent = http
        .post(format!(
            "{}/v1/witness/add-checkpoint",
            url.trim_end_matches('/')
        ))
        .timeout(COSIGN_TIMEOUT)
        .body(request)
        .send()
        .await;
    let response = match sent {
        Ok(r) => r,
        Err(e) => return Answer::Refused(format!("unreachable: {e}")),
    };
    let status = response.status().as_u16();
    let size_body = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == SIZE_MEDIA_TYPE.as_bytes());
    let text = match super::read_capped(response, 64 * 1024).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => return Answer::Refused(e),
    };
    match status {
        200 if text.len() <= 4096 => Answer::Cosigned(text),
        409 if size_body => text
            .strip_suffix('\n')
            .and_then(|n| n.parse().ok())
            .map_or_else(
                || Answer::Refused("a malformed 409".into()),
                Answer::Conflict,
            ),
        _ => Answer::Refused(format!(
            "{status}: {}",
            text.chars().take(200).collect::<String>()
        )),
    }
}
