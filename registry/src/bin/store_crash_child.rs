//! Crash-test child: appends to a [`SledStore`] as fast as it can from many concurrent tasks
//! and prints `ready <len>` once the store is open, then each acknowledged index on its own
//! line, flushed, until it is killed.
//!
//! Usage: `crash_child <store-dir> [tasks=64]`. Entry `i` and its meta follow
//! `tests/common/crash_model.rs`, so the killing test can check every acknowledged index.

#![forbid(unsafe_code)]

#[path = "../../tests/common/crash_model.rs"]
mod crash_model;

use std::error::Error;
use std::io::Write;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use crash_model::{
    CHAIN_HEAD_KEY, chain_next, decode_head, encode_head, entry_for, leaf_hash, leaf_key,
};
use sigillum_registry::store::{Committer, CommitterConfig, LogStore, SledStore};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("crash_child: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: crash_child <store-dir> [tasks]")?;
    let tasks: usize = args.next().map_or(Ok(64), |t| t.parse())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()?;
    runtime.block_on(append_forever(&path, tasks))
}

async fn append_forever(path: &str, tasks: usize) -> Result<(), Box<dyn Error>> {
    let store = Arc::new(SledStore::open(path)?);
    let (head_len, chain) = match store.get_meta(CHAIN_HEAD_KEY)? {
        Some(head) => decode_head(&head).ok_or("malformed chain head")?,
        None => (0, [0; 32]),
    };
    if head_len != store.len() {
        return Err(format!("chain head at {head_len}, log length {}", store.len()).into());
    }
    // The validation state: only the committer's writer thread locks it.
    let chain = Arc::new(Mutex::new(chain));
    let len = store.len();
    let committer = Arc::new(Committer::new(store, &CommitterConfig::default())?);
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "ready {len}")?;
        out.flush()?;
    }
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..tasks {
        let committer = Arc::clone(&committer);
        let chain = Arc::clone(&chain);
        workers.spawn(worker(committer, chain));
    }
    while let Some(joined) = workers.join_next().await {
        joined??;
    }
    Ok(())
}

/// Appends until the process is killed; returns only on failure.
async fn worker(committer: Arc<Committer>, chain: Arc<Mutex<[u8; 32]>>) -> Result<(), String> {
    loop {
        let chain = Arc::clone(&chain);
        let index = committer
            .append_with(move |index| {
                let entry = entry_for(index);
                let mut chain = chain
                    .lock()
                    .map_err(|_| "chain lock poisoned".to_string())?;
                *chain = chain_next(&chain, &entry);
                let meta = vec![
                    (leaf_key(index), leaf_hash(&entry).to_vec()),
                    (CHAIN_HEAD_KEY.to_vec(), encode_head(index + 1, &chain)),
                ];
                Ok::<_, String>((entry, meta))
            })
            .await
            .map_err(|e| e.to_string())??;
        let mut out = std::io::stdout().lock();
        writeln!(out, "{index}").map_err(|e| e.to_string())?;
        out.flush().map_err(|e| e.to_string())?;
    }
}
