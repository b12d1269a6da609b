//! Node-to-node RPCs over HTTP (CONSORTIUM.md "Transport").
//!
//! Each Raft RPC is a `POST` of JSON to the target's `/raft/v1/{append,vote,snapshot}`;
//! the answer is JSON `{"Ok": …}` or `{"Err": <RaftError>}`. Every request carries
//! `Sigillum-Raft-Auth`: a C2SP signed note (base64url) by the sending node's note key
//! over
//!
//! ```text
//! sigillum-raft/v1
//! <from node id>
//! <to node id>
//! <path>
//! <unix seconds>
//! <base64 SHA-256 of the body>
//! ```
//!
//! The first line keeps it apart from any checkpoint (whose origin never starts with
//! `sigillum-raft/`). The receiver checks the signature against the sender's key in
//! genesis, that it is the addressee, and that the time is within
//! [`AUTH_MAX_AGE`] seconds; a replayed message inside that window is one Raft already
//! tolerates (duplicated RPCs are idempotent, §5.3).

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use base64::Engine as _;
use openraft::error::{
    Fatal, NetworkError, RPCError, RaftError, RemoteError, ReplicationClosed, StreamingError,
    Unreachable,
};
use openraft::network::{RPCOption, RaftNetwork, RaftNetworkFactory};
use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, SnapshotResponse, VoteRequest, VoteResponse,
};
use openraft::{BasicNode, OptionalSend, Snapshot, Vote};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sigillum_credential::ledger::{SignerKey, VerifierKey, note};

use super::RegistryRaft;
use super::machine::LedgerManifest;

/// The request header carrying the signed envelope.
pub const AUTH_HEADER: &str = "sigillum-raft-auth";
/// The envelope's first line.
const AUTH_PREFIX: &str = "sigillum-raft/v1";
/// Oldest (and furthest in the future) an envelope may be, in seconds.
pub const AUTH_MAX_AGE: i64 = 30;

/// A full snapshot as sent to a follower.
#[derive(Debug, Serialize, Deserialize)]
pub struct SnapshotRequest {
    /// The leader's vote.
    pub vote: Vote<u64>,
    /// The snapshot's Raft meta.
    pub meta: openraft::SnapshotMeta<u64, BasicNode>,
    /// The ledger manifest.
    pub manifest: LedgerManifest,
}

/// The signed envelope for one request body.
///
/// # Errors
/// A message when the note cannot be signed.
pub fn sign_envelope(
    signer: &SignerKey,
    from: u64,
    to: u64,
    path: &str,
    body: &[u8],
    now: i64,
) -> Result<String, String> {
    let text = envelope_text(from, to, path, body, now);
    let signed = note::sign(&text, &[signer]).map_err(|e| e.to_string())?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(signed))
}

fn envelope_text(from: u64, to: u64, path: &str, body: &[u8], now: i64) -> String {
    let digest = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body));
    format!("{AUTH_PREFIX}\n{from}\n{to}\n{path}\n{now}\n{digest}\n")
}

/// A request's envelope, checked as far as the headers allow: what remains is that
/// the body is the one it signed ([`Envelope::admits`]).
#[derive(Debug)]
pub struct Envelope {
    /// The sending node.
    pub from: u64,
    text: String,
    time: i64,
    me: u64,
    path: String,
}

impl Envelope {
    /// Checks everything but the body: a sigillum-raft/v1 envelope, signed by the key
    /// of the voter it names as sender, addressed to `me` for `path`, and fresh. A
    /// stranger is refused before the body is read.
    ///
    /// # Errors
    /// A sentence saying what is wrong (the RPC is then refused with 401).
    pub fn open(
        header: &str,
        voters: &BTreeMap<u64, VerifierKey>,
        me: u64,
        path: &str,
        now: i64,
    ) -> Result<Self, String> {
        if header.len() > 4096 {
            return Err("the envelope is too long".into());
        }
        let signed = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(header)
            .map_err(|_| "the envelope is not base64url".to_owned())?;
        let text = note::SignedNote::parse(&signed)
            .map_err(|e| format!("the envelope is not a signed note: {e}"))?
            .unverified_text()
            .to_owned();
        let mut lines = text.lines();
        let (Some(AUTH_PREFIX), Some(from), Some(to), Some(to_path), Some(time)) = (
            lines.next(),
            lines.next(),
            lines.next(),
            lines.next(),
            lines.next(),
        ) else {
            return Err("the envelope is not a sigillum-raft/v1 envelope".into());
        };
        let from: u64 = from
            .parse()
            .map_err(|_| "the envelope's sender is not a node id".to_owned())?;
        let time: i64 = time
            .parse()
            .map_err(|_| "the envelope's time is not a number".to_owned())?;
        let key = voters
            .get(&from)
            .ok_or_else(|| format!("node {from} is not a voter in genesis"))?;
        note::open(&signed, std::slice::from_ref(key))
            .map_err(|e| format!("the envelope is not signed by node {from}: {e}"))?;
        if to != me.to_string() || to_path != path {
            return Err(format!(
                "the envelope is for another node or path (this is node {me}, {path})"
            ));
        }
        if time.abs_diff(now) > AUTH_MAX_AGE.unsigned_abs() {
            return Err(format!(
                "the envelope's time {time} is more than {AUTH_MAX_AGE} s from this node's {now}"
            ));
        }
        Ok(Envelope {
            from,
            text,
            time,
            me,
            path: path.to_owned(),
        })
    }

    /// Whether `body` is the body the envelope signed.
    ///
    /// # Errors
    /// A sentence when it is not.
    pub fn admits(&self, body: &[u8]) -> Result<u64, String> {
        if self.text != envelope_text(self.from, self.me, &self.path, body, self.time) {
            return Err(format!(
                "the envelope from node {} signed another body",
                self.from
            ));
        }
        Ok(self.from)
    }
}

/// [`Envelope::open`] and [`Envelope::admits`] in one step. Returns the sender.
///
/// # Errors
/// A sentence saying what is wrong.
pub fn check_envelope(
    header: &str,
    voters: &BTreeMap<u64, VerifierKey>,
    me: u64,
    path: &str,
    body: &[u8],
    now: i64,
) -> Result<u64, String> {
    Envelope::open(header, voters, me, path, now)?.admits(body)
}

/// Makes a [`Peer`] per target node; clones share one HTTP client.
#[derive(Clone)]
pub struct Network {
    shared: Arc<Shared>,
}

struct Shared {
    id: u64,
    signer: SignerKey,
    http: reqwest::Client,
    /// Peers this node must not talk to (the partition fault, `SIGILLUM_FAULTS`).
    isolated: Arc<std::sync::RwLock<std::collections::BTreeSet<u64>>>,
}

impl Network {
    /// The network of node `id`, signing with its note key.
    #[must_use]
    pub fn new(
        id: u64,
        signer: SignerKey,
        isolated: Arc<std::sync::RwLock<std::collections::BTreeSet<u64>>>,
    ) -> Self {
        Network {
            shared: Arc::new(Shared {
                id,
                signer,
                http: reqwest::Client::new(),
                isolated,
            }),
        }
    }
}

impl RaftNetworkFactory<RegistryRaft> for Network {
    type Network = Peer;

    async fn new_client(&mut self, target: u64, node: &BasicNode) -> Peer {
        Peer {
            shared: Arc::clone(&self.shared),
            target,
            url: node.addr.trim_end_matches('/').to_owned(),
        }
    }
}

/// The connection to one peer.
pub struct Peer {
    shared: Arc<Shared>,
    target: u64,
    url: String,
}

/// Why one call failed.
enum CallError {
    Unreachable(String),
    Network(String),
    Remote(RaftError<u64>),
}

impl Peer {
    async fn call<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        path: &str,
        request: &Req,
        option: &RPCOption,
    ) -> Result<Resp, CallError> {
        if self
            .shared
            .isolated
            .read()
            .is_ok_and(|set| set.contains(&self.target))
        {
            return Err(CallError::Unreachable(format!(
                "node {} is isolated from this node",
                self.target
            )));
        }
        let body = serde_json::to_vec(request).map_err(|e| CallError::Network(e.to_string()))?;
        let now =
            sigillum_credential::time::Clock::now(&sigillum_credential::time::SystemClock).unix();
        let auth = sign_envelope(
            &self.shared.signer,
            self.shared.id,
            self.target,
            path,
            &body,
            now,
        )
        .map_err(CallError::Network)?;
        let answer = self
            .shared
            .http
            .post(format!("{}{path}", self.url))
            .header(AUTH_HEADER, auth)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .timeout(option.hard_ttl())
            .body(body)
            .send()
            .await
            .map_err(|e| {
                if e.is_connect() {
                    CallError::Unreachable(e.to_string())
                } else {
                    CallError::Network(e.to_string())
                }
            })?;
        let status = answer.status();
        // Vote and append answers are small; a snapshot answer is a vote.
        let bytes = super::read_capped(answer, 1 << 20)
            .await
            .map_err(CallError::Network)?;
        if !status.is_success() {
            let text = String::from_utf8_lossy(&bytes);
            return Err(CallError::Unreachable(format!(
                "node {} answered {status}: {}",
                self.target,
                text.chars().take(300).collect::<String>()
            )));
        }
        match serde_json::from_slice::<Result<Resp, RaftError<u64>>>(&bytes) {
            Ok(Ok(resp)) => Ok(resp),
            Ok(Err(e)) => Err(CallError::Remote(e)),
            Err(e) => Err(CallError::Network(format!(
                "node {} sent an unreadable answer: {e}",
                self.target
            ))),
        }
    }

    fn rpc_error(&self, e: CallError) -> RPCError<u64, BasicNode, RaftError<u64>> {
        match e {
            CallError::Unreachable(m) => {
                RPCError::Unreachable(Unreachable::new(&std::io::Error::other(m)))
            }
            CallError::Network(m) => {
                RPCError::Network(NetworkError::new(&std::io::Error::other(m)))
            }
            CallError::Remote(e) => RPCError::RemoteError(RemoteError::new(self.target, e)),
        }
    }
}

impl RaftNetwork<RegistryRaft> for Peer {
    async fn append_entries(
        &mut self,
        rpc: AppendEntriesRequest<RegistryRaft>,
        option: RPCOption,
    ) -> Result<AppendEntriesResponse<u64>, RPCError<u64, BasicNode, RaftError<u64>>> {
        self.call("/raft/v1/append", &rpc, &option)
            .await
            .map_err(|e| self.rpc_error(e))
    }

    async fn vote(
        &mut self,
        rpc: VoteRequest<u64>,
        option: RPCOption,
    ) -> Result<VoteResponse<u64>, RPCError<u64, BasicNode, RaftError<u64>>> {
        self.call("/raft/v1/vote", &rpc, &option)
            .await
            .map_err(|e| self.rpc_error(e))
    }

    async fn full_snapshot(
        &mut self,
        vote: Vote<u64>,
        snapshot: Snapshot<RegistryRaft>,
        _cancel: impl Future<Output = ReplicationClosed> + OptionalSend + 'static,
        option: RPCOption,
    ) -> Result<SnapshotResponse<u64>, StreamingError<RegistryRaft, Fatal<u64>>> {
        let manifest: LedgerManifest = serde_json::from_slice(snapshot.snapshot.get_ref())
            .map_err(|e| {
                StreamingError::Network(NetworkError::new(&std::io::Error::other(e.to_string())))
            })?;
        let request = SnapshotRequest {
            vote,
            meta: snapshot.meta,
            manifest,
        };
        let target = self.target;
        self.call::<_, SnapshotResponse<u64>>("/raft/v1/snapshot", &request, &option)
            .await
            .map_err(|e| match e {
                CallError::Unreachable(m) => {
                    StreamingError::Unreachable(Unreachable::new(&std::io::Error::other(m)))
                }
                CallError::Network(m) => {
                    StreamingError::Network(NetworkError::new(&std::io::Error::other(m)))
                }
                CallError::Remote(e) => match e {
                    RaftError::Fatal(f) => StreamingError::RemoteError(RemoteError::new(target, f)),
                    RaftError::APIError(never) => match never {},
                },
            })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use rand_core::OsRng;
    use sigillum_credential::ledger::KeyName;

    use super::*;

    fn keys() -> (SignerKey, SignerKey, BTreeMap<u64, VerifierKey>) {
        let name = || KeyName::new("registry.test/raft/1").unwrap();
        let one = SignerKey::generate(name(), &mut OsRng);
        let two = SignerKey::generate(name(), &mut OsRng);
        let voters = BTreeMap::from([(1, one.verifier_key()), (2, two.verifier_key())]);
        (one, two, voters)
    }

    #[test]
    fn an_envelope_admits_exactly_its_own_request() {
        let (one, two, voters) = keys();
        let body = br#"{"vote":1}"#;
        let sealed = sign_envelope(&one, 1, 2, "/raft/v1/vote", body, 1000).unwrap();
        assert_eq!(
            check_envelope(&sealed, &voters, 2, "/raft/v1/vote", body, 1010),
            Ok(1)
        );
        let refused = |header: &str, me: u64, path: &str, body: &[u8], now: i64| {
            check_envelope(header, &voters, me, path, body, now).unwrap_err()
        };
        // Another addressee, path or body; too old; too far ahead.
        assert!(refused(&sealed, 1, "/raft/v1/vote", body, 1000).contains("another node"));
        assert!(refused(&sealed, 2, "/raft/v1/append", body, 1000).contains("another node"));
        assert!(refused(&sealed, 2, "/raft/v1/vote", b"{}", 1000).contains("another body"));
        assert!(refused(&sealed, 2, "/raft/v1/vote", body, 1031).contains("30 s"));
        assert!(refused(&sealed, 2, "/raft/v1/vote", body, 969).contains("30 s"));
        // Node 2's key claiming to be node 1; a node genesis does not name.
        let forged = sign_envelope(&two, 1, 2, "/raft/v1/vote", body, 1000).unwrap();
        assert!(refused(&forged, 2, "/raft/v1/vote", body, 1000).contains("not signed by node 1"));
        let stranger = sign_envelope(&two, 7, 2, "/raft/v1/vote", body, 1000).unwrap();
        assert!(refused(&stranger, 2, "/raft/v1/vote", body, 1000).contains("not a voter"));
        // Garbage of every kind is a refusal, never a panic.
        for junk in ["", "!!", "AAAA", &"A".repeat(5000)] {
            assert!(check_envelope(junk, &voters, 2, "/raft/v1/vote", body, 1000).is_err());
        }
    }
}
