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
//! Built so far: the state machine ([`state`]) and durable storage with group commit ([`store`]). Storage, HTTP API, checkpointing and
//! the offline bundle follow (issue #3).

pub mod http;
pub mod node;
pub mod state;
pub mod store;
