//! `ledger`: the registry's proofs as a client checks them. `op` picks one:
//!
//! - `checkpoint`: a signed-note checkpoint (c2sp.org/signed-note, tlog-checkpoint,
//!   tlog-cosignature) verified by `witness::verify_checkpoint` under a policy;
//! - `inclusion`: an RFC 9162 §2.1.3 inclusion proof, `merkle::verify_inclusion`;
//! - `consistency`: an RFC 9162 §2.1.4 consistency proof, `merkle::verify_consistency`;
//! - `split_view`, `rollback` (same runner, named for what the case shows): a series
//!   of checkpoints fed to a `tracker::CheckpointTracker`; the first refusal is the
//!   answer.
//!
//! Trees: `leaves` (default 8) leaves, leaf `i` holding the text `leaf i`; the
//! "fork" tree has the same leaves below `fork_at` (default 4) and `fork i` from
//! there. Hashes are written as expressions: `leaf:I`, `node:LO:HI` (RFC 9162 MTH of
//! leaves `[LO, HI)`, computed here independently of the library), `root:N` (the
//! library's root of the first N leaves), `empty` (the empty tree's root), `zero`,
//! `b64:<standard base64 of 32 bytes>`; `fork.` before any of these reads the fork
//! tree, `flip:` before any of them flips the lowest bit of the first byte.
//!
//! Members of `inclusion`: `index` (the leaf the proof is built for), `size` (the
//! tree it is built in; default `leaves`), `verify_index`, `verify_size` (what the
//! verifier is told; default the same), `leaf` (hash; default `leaf:<index>`) or
//! `leaf_data_of` (a hash expression whose 32 bytes are hashed as leaf data),
//! `root` (default `root:<size>`), `proof` (a list of hashes instead of the
//! library's `tree::inclusion_proof`), `mutate` (see below).
//!
//! Members of `consistency`: `old`, `new` (the sizes the verifier is told),
//! `proof_for` (`[m, n]`, the sizes the proof is built for; default `[old, new]`, and
//! no proof when those admit none), `old_root`, `new_root` (default `root:<old>`,
//! `root:<new>`, `empty` for size 0), `proof`, `mutate`.
//!
//! `mutate`, a list applied in order to the proof: `append` (a zero hash added),
//! `append:<hash>`, `drop_first`, `drop_last`, `clear`, `reverse`, `flip:I` (a bit of
//! hash I flipped), `swap:I:J`, `prepend:<hash>`.
//!
//! Members of `split_view` / `rollback`: `pinned` (optional `{size, root}` the
//! tracker starts from, as from a bundle), `checkpoints`: a list of `{size, root,
//! proof, mutate, tree}`: `root` defaults to `root:<size>` of `tree` (`main` or
//! `fork`); `proof` to the library's consistency proof, in that tree, from the last
//! size accepted (none when the tracker needs none); `origin` of the checkpoints is
//! `sigillum.test/log`.
//!
//! Members of `checkpoint`: the body is `origin` (default `sigillum.test/log`),
//! `size` (the exact text; default `8`), `root_hash` (the exact text; default the
//! standard base64 of the hash `root`, default `root:8`), then `extra_lines`; or
//! `body`, the exact text. The policy: `policy_origin` (default
//! `sigillum.test/log`), `log` (the corpus Ed25519 key of the log, type 0x01;
//! default `issuer-eddsa`), `cosigners` (corpus keys pinned as cosigners, type 0x04),
//! `threshold` (default 0); each key's note name is its corpus name. `signers`, the
//! signature lines in order: a corpus key name (it signs in its policy role: 0x01 for
//! the log or a stranger, 0x04 timestamped `{{now}}` for a cosigner), or an object
//! `{key, type: "note"|"cosignature", name, id_of, id_type, id, timestamp, signs,
//! tamper, line}`: `name` the key name on the line, `id_of` the corpus key whose id
//! (under that name, and `id_type` or else `type`) the line carries, `id` 8 hex
//! digits instead, `signs` the text
//! signed instead of the body, `tamper: "flip_signature_bit"`, `line` the exact line.
//! `note_replace`: `[[from, to], …]` replacements in the assembled note.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use sigillum_credential::key::PublicKey;
use sigillum_credential::ledger::checkpoint::Checkpoint;
use sigillum_credential::ledger::cosignature;
use sigillum_credential::ledger::keys::{KeyId, KeyName, KeyType, VerifierKey};
use sigillum_credential::ledger::merkle::{self, Hash, LeafIndex, TreeSize};
use sigillum_credential::ledger::tracker::CheckpointTracker;
use sigillum_credential::ledger::tree::{self, MemoryHashStore};
use sigillum_credential::ledger::witness::{Policy, verify_checkpoint};

use crate::build::{Fixtures, NOW};
use crate::case::Case;

const ORIGIN: &str = "sigillum.test/log";

pub fn run(case: &Case, fx: &Fixtures) -> Result<String, String> {
    let trees = Trees::new(case)?;
    match case.get("op")?.as_str().ok_or("\"op\" must be a string")? {
        "checkpoint" => checkpoint(case, fx, &trees),
        "inclusion" => inclusion(case, &trees),
        "consistency" => consistency(case, &trees),
        "split_view" | "rollback" => tracker(case, &trees),
        other => Err(format!("unknown ledger op \"{other}\"")),
    }
}

fn code<T>(r: Result<T, impl HasCode>) -> String {
    match r {
        Ok(_) => "accept".into(),
        Err(e) => e.code_str().to_owned(),
    }
}

trait HasCode {
    fn code_str(&self) -> &'static str;
}
impl HasCode for merkle::ProofError {
    fn code_str(&self) -> &'static str {
        self.code()
    }
}
impl HasCode for sigillum_credential::ledger::witness::CheckpointError {
    fn code_str(&self) -> &'static str {
        self.code()
    }
}
impl HasCode for sigillum_credential::ledger::tracker::TrackerError {
    fn code_str(&self) -> &'static str {
        self.code()
    }
}

fn num(case: &Case, name: &str) -> Result<Option<u64>, String> {
    match case.spec.get(name) {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or(format!("\"{name}\" must be a number")),
    }
}

fn num_in(v: &Value, name: &str) -> Result<Option<u64>, String> {
    match v.get(name) {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or(format!("\"{name}\" must be a number")),
    }
}

/// The main tree and its fork.
struct Trees {
    main: MemoryHashStore,
    fork: MemoryHashStore,
    main_data: Vec<Vec<u8>>,
    fork_data: Vec<Vec<u8>>,
}

impl Trees {
    fn new(case: &Case) -> Result<Self, String> {
        let leaves = num(case, "leaves")?.unwrap_or(8);
        let fork_at = num(case, "fork_at")?.unwrap_or(4);
        let main_data: Vec<Vec<u8>> = (0..leaves)
            .map(|i| format!("leaf {i}").into_bytes())
            .collect();
        let fork_data: Vec<Vec<u8>> = (0..leaves)
            .map(|i| {
                if i < fork_at {
                    format!("leaf {i}")
                } else {
                    format!("fork {i}")
                }
                .into_bytes()
            })
            .collect();
        let mut main = MemoryHashStore::new();
        let mut fork = MemoryHashStore::new();
        for d in &main_data {
            main.append(d);
        }
        for d in &fork_data {
            fork.append(d);
        }
        Ok(Trees {
            main,
            fork,
            main_data,
            fork_data,
        })
    }

    fn pick(&self, fork: bool) -> (&MemoryHashStore, &[Vec<u8>]) {
        if fork {
            (&self.fork, &self.fork_data)
        } else {
            (&self.main, &self.main_data)
        }
    }

    /// A hash expression (see the module doc).
    fn hash(&self, expr: &str) -> Result<Hash, String> {
        if let Some(rest) = expr.strip_prefix("flip:") {
            let mut bytes = *self.hash(rest)?.as_bytes();
            bytes[0] ^= 1;
            return Ok(Hash::from_bytes(bytes));
        }
        let (fork, e) = match expr.strip_prefix("fork.") {
            Some(rest) => (true, rest),
            None => (false, expr),
        };
        let (store, data) = self.pick(fork);
        let parts: Vec<&str> = e.split(':').collect();
        let n = |s: &str| {
            s.parse::<u64>()
                .map_err(|_| format!("bad number in {expr:?}"))
        };
        match parts.as_slice() {
            ["zero"] => Ok(Hash::from_bytes([0; 32])),
            ["empty"] => Ok(merkle::empty_root()),
            ["leaf", i] => data
                .get(n(i)? as usize)
                .map(|d| merkle::leaf_hash(d))
                .ok_or(format!("no leaf in {expr:?}")),
            ["node", lo, hi] => {
                let (lo, hi) = (n(lo)? as usize, n(hi)? as usize);
                if lo >= hi || hi > data.len() {
                    return Err(format!("bad range in {expr:?}"));
                }
                Ok(mth(&data[lo..hi]))
            }
            ["root", size] => {
                tree::root(TreeSize::new(n(size)?), store).map_err(|e| format!("{expr}: {e}"))
            }
            ["b64", text] => {
                let bytes = STANDARD.decode(text).map_err(|e| format!("{expr}: {e}"))?;
                Hash::from_slice(&bytes).map_err(|e| format!("{expr}: {e}"))
            }
            _ => Err(format!("unknown hash expression {expr:?}")),
        }
    }

    fn hashes(&self, list: &Value) -> Result<Vec<Hash>, String> {
        list.as_array()
            .ok_or("a proof must be a list of hash expressions")?
            .iter()
            .map(|h| self.hash(h.as_str().ok_or("a hash expression is a string")?))
            .collect()
    }

    /// Applies `mutate` to `proof`.
    fn mutate(&self, proof: &mut Vec<Hash>, mutate: Option<&Value>) -> Result<(), String> {
        let Some(list) = mutate else { return Ok(()) };
        for m in list.as_array().ok_or("\"mutate\" must be a list")? {
            let m = m.as_str().ok_or("a mutation is a string")?;
            let index = |s: &str, len: usize| -> Result<usize, String> {
                let i: usize = s.parse().map_err(|_| format!("bad index in {m:?}"))?;
                if i < len {
                    Ok(i)
                } else {
                    Err(format!("{m:?}: the proof has {len} hashes"))
                }
            };
            let (head, arg) = m.split_once(':').unwrap_or((m, ""));
            match head {
                "append" if arg.is_empty() => proof.push(Hash::from_bytes([0; 32])),
                "append" => proof.push(self.hash(arg)?),
                "prepend" => proof.insert(0, self.hash(arg)?),
                "drop_first" if !proof.is_empty() => {
                    proof.remove(0);
                }
                "drop_last" if !proof.is_empty() => {
                    proof.pop();
                }
                "clear" => proof.clear(),
                "reverse" => proof.reverse(),
                "flip" => {
                    let i = index(arg, proof.len())?;
                    let mut bytes = *proof[i].as_bytes();
                    bytes[0] ^= 1;
                    proof[i] = Hash::from_bytes(bytes);
                }
                "swap" => {
                    let (a, b) = arg.split_once(':').ok_or(format!("{m:?}: swap:I:J"))?;
                    let (a, b) = (index(a, proof.len())?, index(b, proof.len())?);
                    proof.swap(a, b);
                }
                _ => return Err(format!("unknown or impossible mutation {m:?}")),
            }
        }
        Ok(())
    }
}

/// RFC 9162 §2.1.1 MTH, recursively, as a cross-check of the library's tree.
fn mth(data: &[Vec<u8>]) -> Hash {
    match data {
        [] => merkle::empty_root(),
        [one] => merkle::leaf_hash(one),
        _ => {
            let mut k = 1;
            while k * 2 < data.len() {
                k *= 2;
            }
            merkle::node_hash(&mth(&data[..k]), &mth(&data[k..]))
        }
    }
}

fn inclusion(case: &Case, t: &Trees) -> Result<String, String> {
    let index = num(case, "index")?.ok_or("an inclusion case needs \"index\"")?;
    let size = num(case, "size")?.unwrap_or(t.main.size().get());
    let verify_index = num(case, "verify_index")?.unwrap_or(index);
    let verify_size = num(case, "verify_size")?.unwrap_or(size);
    let mut proof = match case.spec.get("proof") {
        Some(list) => t.hashes(list)?,
        None if index < size => {
            tree::inclusion_proof(LeafIndex::new(index), TreeSize::new(size), &t.main)
                .map_err(|e| format!("building the proof: {e}"))?
        }
        None => Vec::new(),
    };
    t.mutate(&mut proof, case.spec.get("mutate"))?;
    let leaf = match (case.spec.get("leaf"), case.spec.get("leaf_data_of")) {
        (Some(Value::String(e)), _) => t.hash(e)?,
        (_, Some(Value::String(e))) => merkle::leaf_hash(t.hash(e)?.as_bytes()),
        _ => t.hash(&format!("leaf:{index}"))?,
    };
    let root = match case.spec.get("root") {
        Some(Value::String(e)) => t.hash(e)?,
        _ => t.hash(&format!("root:{size}"))?,
    };
    Ok(code(merkle::verify_inclusion(
        &leaf,
        LeafIndex::new(verify_index),
        TreeSize::new(verify_size),
        &proof,
        &root,
    )))
}

fn consistency(case: &Case, t: &Trees) -> Result<String, String> {
    let old = num(case, "old")?.ok_or("a consistency case needs \"old\"")?;
    let new = num(case, "new")?.ok_or("a consistency case needs \"new\"")?;
    let (pm, pn) = match case.spec.get("proof_for") {
        Some(Value::Array(v)) if v.len() == 2 => (
            v[0].as_u64().ok_or("proof_for: numbers")?,
            v[1].as_u64().ok_or("proof_for: numbers")?,
        ),
        Some(_) => return Err("\"proof_for\" is [m, n]".into()),
        None => (old, new),
    };
    let mut proof = match case.spec.get("proof") {
        Some(list) => t.hashes(list)?,
        None if pm > 0 && pm <= pn => {
            tree::consistency_proof(TreeSize::new(pm), TreeSize::new(pn), &t.main)
                .map_err(|e| format!("building the proof: {e}"))?
        }
        None => Vec::new(),
    };
    t.mutate(&mut proof, case.spec.get("mutate"))?;
    let root_of = |member: &str, size: u64| -> Result<Hash, String> {
        match case.spec.get(member) {
            Some(Value::String(e)) => t.hash(e),
            _ if size == 0 => Ok(merkle::empty_root()),
            _ => t.hash(&format!("root:{size}")),
        }
    };
    let (old_root, new_root) = (root_of("old_root", old)?, root_of("new_root", new)?);
    Ok(code(merkle::verify_consistency(
        TreeSize::new(old),
        TreeSize::new(new),
        &old_root,
        &new_root,
        &proof,
    )))
}

fn tracker(case: &Case, t: &Trees) -> Result<String, String> {
    let mut tracker = match case.spec.get("pinned") {
        None => CheckpointTracker::new(),
        Some(p) => {
            let size = num_in(p, "size")?.ok_or("pinned: size")?;
            let root = match p.get("root") {
                Some(Value::String(e)) => t.hash(e)?,
                _ => t.hash(&format!("root:{size}"))?,
            };
            CheckpointTracker::starting_at(TreeSize::new(size), root)
        }
    };
    let list = case
        .get("checkpoints")?
        .as_array()
        .ok_or("\"checkpoints\" must be a list")?;
    for c in list {
        let size = num_in(c, "size")?.ok_or("a checkpoint needs \"size\"")?;
        let fork = match c.get("tree").and_then(Value::as_str) {
            None | Some("main") => false,
            Some("fork") => true,
            Some(other) => return Err(format!("unknown tree {other}")),
        };
        let root = match c.get("root") {
            Some(Value::String(e)) => t.hash(e)?,
            _ => t.hash(&format!("{}root:{size}", if fork { "fork." } else { "" }))?,
        };
        let checkpoint =
            Checkpoint::new(ORIGIN, TreeSize::new(size), root).map_err(|e| e.to_string())?;
        let mut proof = match (c.get("proof"), tracker.proof_needed_from(&checkpoint)) {
            (Some(list), _) => t.hashes(list)?,
            (None, Some(from)) => {
                tree::consistency_proof(from, TreeSize::new(size), t.pick(fork).0)
                    .map_err(|e| format!("building the proof: {e}"))?
            }
            (None, None) => Vec::new(),
        };
        t.mutate(&mut proof, c.get("mutate"))?;
        if let Err(e) = tracker.advance(&checkpoint, &proof) {
            return Ok(e.code().to_owned());
        }
    }
    Ok("accept".into())
}

/// The Ed25519 public key of corpus key `name`.
fn ed25519(fx: &Fixtures, name: &str) -> Result<PublicKey, String> {
    let key = fx.key(name)?.public_key();
    match key {
        PublicKey::Ed25519(_) => Ok(key),
        PublicKey::P256 { .. } => Err(format!("{name} is not an Ed25519 key")),
    }
}

fn verifier_key(
    fx: &Fixtures,
    corpus: &str,
    name: &str,
    key_type: KeyType,
) -> Result<VerifierKey, String> {
    let PublicKey::Ed25519(vk) = ed25519(fx, corpus)? else {
        return Err(format!("{corpus} is not an Ed25519 key"));
    };
    Ok(VerifierKey::new(key_name(name)?, key_type, vk))
}

fn key_name(name: &str) -> Result<KeyName, String> {
    KeyName::new(name).map_err(|e| format!("key name {name:?}: {e}"))
}

fn key_id(fx: &Fixtures, corpus: &str, name: &str, key_type: KeyType) -> Result<KeyId, String> {
    let PublicKey::Ed25519(vk) = ed25519(fx, corpus)? else {
        return Err(format!("{corpus} is not an Ed25519 key"));
    };
    Ok(KeyId::compute(&key_name(name)?, key_type, vk.as_bytes()))
}

fn checkpoint(case: &Case, fx: &Fixtures, t: &Trees) -> Result<String, String> {
    let none = BTreeMap::new();
    let text = |name: &str, default: &str| -> Result<String, String> {
        match case.spec.get(name) {
            None => Ok(default.to_owned()),
            Some(Value::String(s)) => fx.expand_text(s, &none),
            Some(Value::Number(n)) => Ok(n.to_string()),
            Some(_) => Err(format!("\"{name}\" must be a string")),
        }
    };
    let body = match case.spec.get("body") {
        Some(Value::String(b)) => fx.expand_text(b, &none)?,
        Some(_) => return Err("\"body\" must be a string".into()),
        None => {
            let root = match case.spec.get("root_hash") {
                Some(Value::String(r)) => r.clone(),
                Some(_) => return Err("\"root_hash\" must be a string".into()),
                None => STANDARD.encode(t.hash(&text("root", "root:8")?)?.as_bytes()),
            };
            let mut body = format!(
                "{}\n{}\n{root}\n",
                text("origin", ORIGIN)?,
                text("size", "8")?
            );
            if let Some(lines) = case.spec.get("extra_lines") {
                for l in lines.as_array().ok_or("\"extra_lines\" must be a list")? {
                    body.push_str(
                        &fx.expand_text(l.as_str().ok_or("an extra line is a string")?, &none)?,
                    );
                    body.push('\n');
                }
            }
            body
        }
    };

    // The policy.
    let log = text("log", "issuer-eddsa")?;
    let cosigners: Vec<String> = match case.spec.get("cosigners") {
        None => Vec::new(),
        Some(v) => v
            .as_array()
            .ok_or("\"cosigners\" must be a list")?
            .iter()
            .map(|c| {
                c.as_str()
                    .map(str::to_owned)
                    .ok_or("a cosigner is a corpus key name".to_owned())
            })
            .collect::<Result<_, _>>()?,
    };
    let threshold = num(case, "threshold")?.unwrap_or(0) as usize;
    let policy = Policy::new(
        text("policy_origin", ORIGIN)?,
        verifier_key(fx, &log, &log, KeyType::Ed25519)?,
        cosigners
            .iter()
            .map(|c| verifier_key(fx, c, c, KeyType::Cosignature))
            .collect::<Result<_, _>>()?,
        threshold,
    );
    let policy = match policy {
        Ok(p) => p,
        Err(e) => return Ok(e.code().to_owned()),
    };

    // The signature lines.
    let mut note = body.clone();
    note.push('\n');
    let signers = case
        .spec
        .get("signers")
        .and_then(Value::as_array)
        .ok_or("a checkpoint case needs \"signers\"")?;
    for s in signers {
        let spec = match s {
            Value::String(k) => serde_json::json!({ "key": k }),
            Value::Object(_) => s.clone(),
            _ => return Err("a signer is a key name or an object".into()),
        };
        if let Some(line) = spec.get("line").and_then(Value::as_str) {
            note.push_str(&fx.expand_text(line, &none)?);
            note.push('\n');
            continue;
        }
        let key = spec
            .get("key")
            .and_then(Value::as_str)
            .ok_or("a signer needs \"key\"")?;
        let is_cosigner = cosigners.iter().any(|c| c == key);
        let key_type = match spec.get("type").and_then(Value::as_str) {
            None if is_cosigner => KeyType::Cosignature,
            None | Some("note") => KeyType::Ed25519,
            Some("cosignature") => KeyType::Cosignature,
            Some(other) => return Err(format!("unknown signature type {other}")),
        };
        let name = spec.get("name").and_then(Value::as_str).unwrap_or(key);
        let id_type = match spec.get("id_type").and_then(Value::as_str) {
            None => key_type,
            Some("note") => KeyType::Ed25519,
            Some("cosignature") => KeyType::Cosignature,
            Some(other) => return Err(format!("unknown id_type {other}")),
        };
        let id = match (
            spec.get("id").and_then(Value::as_str),
            spec.get("id_of").and_then(Value::as_str),
        ) {
            (Some(hex), _) => u32::from_str_radix(hex, 16).map_err(|e| format!("id {hex}: {e}"))?,
            (None, Some(other)) => key_id(fx, other, name, id_type)?.get(),
            (None, None) => key_id(fx, key, name, id_type)?.get(),
        };
        let signed = match spec.get("signs").and_then(Value::as_str) {
            Some(s) => fx.expand_text(s, &none)?,
            None => body.clone(),
        };
        ed25519(fx, key)?;
        let mut bytes = match key_type {
            KeyType::Cosignature => {
                let ts = spec
                    .get("timestamp")
                    .and_then(Value::as_u64)
                    .unwrap_or(NOW as u64);
                let mut out = ts.to_be_bytes().to_vec();
                out.extend(fx.sign(key, cosignature::signed_message(&signed, ts).as_bytes())?);
                out
            }
            _ => fx.sign(key, signed.as_bytes())?,
        };
        if spec.get("tamper").and_then(Value::as_str) == Some("flip_signature_bit") {
            let last = bytes.len() - 1;
            bytes[last - 40] ^= 1;
        }
        let mut raw = id.to_be_bytes().to_vec();
        raw.extend(bytes);
        note.push_str(&format!("\u{2014} {name} {}\n", STANDARD.encode(raw)));
    }
    if let Some(pairs) = case.spec.get("note_replace") {
        for p in pairs.as_array().ok_or("\"note_replace\" must be a list")? {
            let (Some(from), Some(to)) = (
                p.get(0).and_then(Value::as_str),
                p.get(1).and_then(Value::as_str),
            ) else {
                return Err("a replacement is [from, to]".into());
            };
            if !note.contains(from) {
                return Err(format!("note_replace: {from:?} is not in the note"));
            }
            note = note.replace(from, to);
        }
    }
    Ok(code(verify_checkpoint(note.as_bytes(), &policy)))
}
