//! The registry node: a permissioned, append-only ledger of signed operations
//! (issuer DIDs, accreditations, status lists, schemas, governance), each a leaf of
//! an RFC 9162 Merkle tree, with a state that is a deterministic fold of the log and
//! checkpoints that commit to both. See `specs/registry/DESIGN.md`.
//!
//! ```text
//!  POST operation ─▶ state::State::check (authorization, versions, closed bodies)
//!                  ─▶ durable append (group commit) ─▶ State::apply ─▶ checkpoint
//!  GET object     ─▶ value + leaf + inclusion proof + state proof + cosigned checkpoint
//! ```
//!
//! Modules: [`state`] (the deterministic state machine and its commitment), [`store`]
//! (sled with atomic multi-tree batches, flushed and synced before acknowledging, behind
//! group commit), [`node`] (validation in log order, the served state advanced only by
//! durable entries, stored Merkle hashes, signed checkpoints, reads and the offline
//! bundle from one consistent snapshot), [`http`] (the API, RFC 9457 problems),
//! [`raft`] (the consortium: the log replicated with openraft, checkpoints cosigned
//! k of n, witnesses; `specs/registry/CONSORTIUM.md`).
//! Still to come: historical reads (`?at=`), snapshots and governance membership (#9).

pub mod http;
pub mod node;
pub mod raft;
pub mod state;
pub mod store;
