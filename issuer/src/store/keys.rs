//! Key layout of the store's single sled tree.
//!
//! Everything lives in one tree so that one `sled::Batch` — atomic on recovery — can hold
//! an application, its status slots, the list counters and the audit record describing
//! them. Each record family has a one-byte prefix:
//!
//! ```text
//! F<name>                       format marker and fixed configuration
//! A<credential id>              application (JSON)
//! R<reference> 0x00 <type>      credential id: idempotency and prefix search by reference
//! O<sha256(code)>               credential offer (JSON)
//! T<sha256(token)>              access token (JSON)
//! S<kind><list u32><index u32>  status slot: status byte, then the credential id
//! M<kind><list u32>             status list counters (JSON); its presence makes the list exist
//! L<seq u64>                    audit record (JSON)
//! U<officer id>                 officer (JSON, holding only an Argon2id hash of the secret)
//! N<name>                       officer id by name
//! ```
//!
//! Integers are big-endian so key order is numeric order.

use super::types::{CredentialId, ListKind, StatusSlot};

pub(super) const FORMAT: &[u8] = b"Fformat";
pub(super) const FORMAT_V1: &[u8] = b"sigillum-issuer-store-v1";
pub(super) const LIST_SIZE: &[u8] = b"Flist_size";

pub(super) const APPLICATION: u8 = b'A';
pub(super) const REFERENCE: u8 = b'R';
pub(super) const SLOT: u8 = b'S';
pub(super) const LIST: u8 = b'M';
pub(super) const AUDIT: u8 = b'L';
pub(super) const OFFER: u8 = b'O';
pub(super) const TOKEN: u8 = b'T';
pub(super) const OFFICER: u8 = b'U';

fn prefixed(prefix: u8, parts: &[&[u8]]) -> Vec<u8> {
    let len = parts.iter().map(|p| p.len()).sum::<usize>() + 1;
    let mut key = Vec::with_capacity(len);
    key.push(prefix);
    for part in parts {
        key.extend_from_slice(part);
    }
    key
}

pub(super) fn application(id: &CredentialId) -> Vec<u8> {
    prefixed(APPLICATION, &[id.as_str().as_bytes()])
}

/// References cannot contain NUL (checked at input), so the separator is unambiguous.
pub(super) fn reference(reference: &str, credential_type: &str) -> Vec<u8> {
    prefixed(
        REFERENCE,
        &[reference.as_bytes(), &[0], credential_type.as_bytes()],
    )
}

pub(super) fn reference_prefix(prefix: &str) -> Vec<u8> {
    prefixed(REFERENCE, &[prefix.as_bytes()])
}

pub(super) fn offer(code_hash: &[u8; 32]) -> Vec<u8> {
    prefixed(OFFER, &[code_hash])
}

pub(super) fn token(token_hash: &[u8; 32]) -> Vec<u8> {
    prefixed(TOKEN, &[token_hash])
}

pub(super) fn slot(slot: &StatusSlot) -> Vec<u8> {
    prefixed(
        SLOT,
        &[
            &[slot.kind.tag()],
            &slot.list.to_be_bytes(),
            &slot.index.to_be_bytes(),
        ],
    )
}

pub(super) fn decode_slot(key: &[u8]) -> Option<StatusSlot> {
    let (&prefix, rest) = key.split_first()?;
    let (&tag, rest) = rest.split_first()?;
    let (list, index) = rest.split_first_chunk::<4>()?;
    let index = <[u8; 4]>::try_from(index).ok()?;
    (prefix == SLOT).then_some(())?;
    Some(StatusSlot {
        kind: ListKind::from_tag(tag)?,
        list: u32::from_be_bytes(*list),
        index: u32::from_be_bytes(index),
    })
}

pub(super) fn list(kind: ListKind, list: u32) -> Vec<u8> {
    prefixed(LIST, &[&[kind.tag()], &list.to_be_bytes()])
}

pub(super) fn decode_list(key: &[u8]) -> Option<(ListKind, u32)> {
    let (&prefix, rest) = key.split_first()?;
    let (&tag, rest) = rest.split_first()?;
    let list = <[u8; 4]>::try_from(rest).ok()?;
    (prefix == LIST).then_some(())?;
    Some((ListKind::from_tag(tag)?, u32::from_be_bytes(list)))
}

pub(super) fn audit(seq: u64) -> Vec<u8> {
    prefixed(AUDIT, &[&seq.to_be_bytes()])
}

pub(super) fn decode_audit(key: &[u8]) -> Option<u64> {
    let (&prefix, rest) = key.split_first()?;
    (prefix == AUDIT).then_some(())?;
    Some(u64::from_be_bytes(<[u8; 8]>::try_from(rest).ok()?))
}

pub(super) fn officer(id: &str) -> Vec<u8> {
    prefixed(OFFICER, &[id.as_bytes()])
}

pub(super) fn officer_name(name: &str) -> Vec<u8> {
    prefixed(b'N', &[name.as_bytes()])
}
