//! A cache in front of a ledger source: a checkpoint verifies hundreds of
//! credentials from the same few issuers, so their DIDs, accreditations and status
//! lists are read once and kept for `ttl` (a profile sets it no longer than its
//! maximum status staleness). "No such object" is cached too, briefly; failures are
//! not cached, so a registry that comes back is used at once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sigillum_credential::did::BoxFuture;
use sigillum_credential::time::Timestamp;

use crate::source::{LedgerSource, SourceError, Sourced};

/// Objects kept at most (a consortium has thousands of issuers, not millions).
const MAX_ENTRIES: usize = 100_000;

type Entry = (Option<Sourced>, Instant);

/// A [`LedgerSource`] that remembers answers for `ttl`.
pub struct Cached<S> {
    inner: S,
    ttl: Duration,
    entries: Mutex<HashMap<String, Entry>>,
}

impl<S: LedgerSource> Cached<S> {
    /// Caches `inner`'s answers for `ttl`.
    pub fn new(inner: S, ttl: Duration) -> Self {
        Cached {
            inner,
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// Forgets everything (after a bundle refresh, or on an officer's request).
    pub fn clear(&self) {
        if let Ok(mut e) = self.entries.lock() {
            e.clear();
        }
    }

    fn fresh(&self, id: &str) -> Option<Option<Sourced>> {
        let entries = self.entries.lock().ok()?;
        let (value, at) = entries.get(id)?;
        let ttl = if value.is_some() {
            self.ttl
        } else {
            self.ttl.min(Duration::from_secs(5))
        };
        (at.elapsed() < ttl).then(|| value.clone())
    }
}

impl<S: LedgerSource> LedgerSource for Cached<S> {
    fn read<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<Sourced>, SourceError>> {
        Box::pin(async move {
            if let Some(hit) = self.fresh(id) {
                return Ok(hit);
            }
            let answer = self.inner.read(id).await?;
            if let Ok(mut entries) = self.entries.lock() {
                if entries.len() >= MAX_ENTRIES {
                    let ttl = self.ttl;
                    entries.retain(|_, (_, at)| at.elapsed() < ttl);
                }
                if entries.len() < MAX_ENTRIES {
                    entries.insert(id.to_owned(), (answer.clone(), Instant::now()));
                }
            }
            Ok(answer)
        })
    }

    fn describe(&self) -> String {
        format!(
            "{} (cached up to {} s)",
            self.inner.describe(),
            self.ttl.as_secs()
        )
    }

    fn offline_as_of(&self) -> Option<Timestamp> {
        self.inner.offline_as_of()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use serde_json::json;

    use super::*;

    struct Counting(AtomicUsize);

    impl LedgerSource for Counting {
        fn read<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<Sourced>, SourceError>> {
            Box::pin(async move {
                self.0.fetch_add(1, Ordering::SeqCst);
                match id {
                    "down" => Err(SourceError("unreachable".into())),
                    "none" => Ok(None),
                    _ => Ok(Some(Sourced {
                        value: json!({"id": id}),
                        as_of: Timestamp::from_unix(1),
                    })),
                }
            })
        }
        fn describe(&self) -> String {
            "counting".into()
        }
    }

    fn block<T>(f: impl std::future::Future<Output = T>) -> T {
        // The futures here never wait on I/O; poll them to completion on this thread.
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        let mut f = std::pin::pin!(f);
        loop {
            if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
                return v;
            }
        }
    }

    #[test]
    fn answers_are_kept_for_the_ttl_and_failures_are_not() {
        let cache = Cached::new(Counting(AtomicUsize::new(0)), Duration::from_secs(60));
        for _ in 0..3 {
            assert!(block(cache.read("did:sigillum:a")).unwrap().is_some());
            assert!(block(cache.read("none")).unwrap().is_none());
            assert!(block(cache.read("down")).is_err());
        }
        assert_eq!(cache.inner.0.load(Ordering::SeqCst), 1 + 1 + 3);
        cache.clear();
        block(cache.read("did:sigillum:a")).unwrap();
        assert_eq!(cache.inner.0.load(Ordering::SeqCst), 6);
        let short = Cached::new(Counting(AtomicUsize::new(0)), Duration::ZERO);
        block(short.read("x")).unwrap();
        block(short.read("x")).unwrap();
        assert_eq!(short.inner.0.load(Ordering::SeqCst), 2);
    }
}
