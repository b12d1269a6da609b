//! Failed-attempt limits for the endpoints that take a secret: OpenID4VCI's Token
//! Endpoint (a pre-authorized code and its PIN, §6.1 and §13.6 "Pre-Authorized Code
//! Flow": a guessable PIN must be protected against brute force) and the web
//! wallet's unlock and restore forms (the vault PIN).
//!
//! Each client address has a bucket of [`AttemptLimit::burst`] failures, refilled
//! one every [`AttemptLimit::refill_every`]. A request is answered normally while
//! its address has a failure left; its response, if a failure (400, 401, 403 or 422),
//! spends one. With none left the endpoint answers 429 with `Retry-After` without
//! running the handler, so a guesser gets `burst` tries and then one per refill,
//! whatever the offer or vault it aims at (each of which also counts its own wrong
//! PINs and locks). Successful requests spend nothing: a busy issuer serving many
//! wallets from one address is never slowed.
//!
//! The client address is the TCP peer, which [`crate::serve`] attaches to every
//! request; behind a reverse proxy every client shares the proxy's address, so a
//! deployment there should limit at the proxy. At most [`MAX_CLIENTS`] addresses
//! are tracked: when the table is full, refilled buckets are dropped first, then
//! the least recently used.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

/// Addresses tracked at most.
pub const MAX_CLIENTS: usize = 4096;

/// How many failures an address may make, and how fast it earns them back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptLimit {
    /// Failures allowed in a burst.
    pub burst: u32,
    /// One failure earned back per this interval.
    pub refill_every: Duration,
}

impl AttemptLimit {
    /// The Token Endpoint's: 20 failures, then one every 6 seconds (10 a minute).
    pub const TOKEN: AttemptLimit = AttemptLimit {
        burst: 20,
        refill_every: Duration::from_secs(6),
    };
    /// The wallet's PIN forms: 10 failures, then one every 30 seconds.
    pub const PIN: AttemptLimit = AttemptLimit {
        burst: 10,
        refill_every: Duration::from_secs(30),
    };
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    /// Failures spent, as of `at` (already net of refills up to then).
    spent: u32,
    at: Instant,
}

impl Bucket {
    /// The bucket as of `now`, refills applied.
    fn at(self, now: Instant, limit: AttemptLimit) -> Bucket {
        let every = limit.refill_every.as_nanos().max(1);
        let earned = now.saturating_duration_since(self.at).as_nanos() / every;
        let earned = u32::try_from(earned).unwrap_or(u32::MAX);
        if earned == 0 {
            return self;
        }
        let spent = self.spent.saturating_sub(earned);
        // Keep the remainder of a partly earned refill.
        let used =
            Duration::from_nanos(u64::try_from(u128::from(earned) * every).unwrap_or(u64::MAX));
        Bucket {
            spent,
            at: if spent == 0 { now } else { self.at + used },
        }
    }
}

/// The failure counts of one endpoint family, by client address.
#[derive(Debug)]
pub struct Attempts {
    limit: AttemptLimit,
    clients: Mutex<HashMap<IpAddr, Bucket>>,
}

impl Attempts {
    /// An empty table enforcing `limit`.
    #[must_use]
    pub fn new(limit: AttemptLimit) -> Arc<Self> {
        Arc::new(Attempts {
            limit,
            clients: Mutex::new(HashMap::new()),
        })
    }

    /// `None` when `ip` may try now; otherwise how long until it may.
    #[must_use]
    pub fn wait(&self, ip: IpAddr, now: Instant) -> Option<Duration> {
        let clients = self
            .clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let bucket = clients.get(&ip)?.at(now, self.limit);
        (bucket.spent >= self.limit.burst)
            .then(|| (bucket.at + self.limit.refill_every).saturating_duration_since(now))
    }

    /// Spends one failure of `ip`'s.
    pub fn fail(&self, ip: IpAddr, now: Instant) {
        let mut clients = self
            .clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !clients.contains_key(&ip) && clients.len() >= MAX_CLIENTS {
            let limit = self.limit;
            clients.retain(|_, b| b.at(now, limit).spent > 0);
            if clients.len() >= MAX_CLIENTS
                && let Some(oldest) = clients.iter().min_by_key(|(_, b)| b.at).map(|(ip, _)| *ip)
            {
                clients.remove(&oldest);
            }
        }
        let bucket = clients.entry(ip).or_insert(Bucket { spent: 0, at: now });
        let mut next = bucket.at(now, self.limit);
        next.spent = next.spent.saturating_add(1).min(self.limit.burst);
        *bucket = next;
    }

    /// Addresses tracked now.
    #[must_use]
    pub fn tracked(&self) -> usize {
        self.clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }
}

/// What an endpoint answers an address out of attempts, given the seconds to wait.
pub type Refusal = fn(u64) -> Response;

/// Middleware (`axum::middleware::from_fn_with_state`) enforcing `attempts` on the
/// routes it wraps, answering a refused request with `refusal` plus `Retry-After`.
pub async fn limit(
    State((attempts, refusal)): State<(Arc<Attempts>, Refusal)>,
    request: Request,
    next: Next,
) -> Response {
    let ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| peer.ip());
    let Some(ip) = ip else {
        // Not served by `crate::serve` (an in-process test calling the router): no peer to count.
        return next.run(request).await;
    };
    if let Some(wait) = attempts.wait(ip, Instant::now()) {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        tracing::warn!(target: "http", client = %ip, retry_after = secs, "too many failed attempts");
        let mut response = refusal(secs);
        *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        return response;
    }
    let response = next.run(request).await;
    if matches!(response.status().as_u16(), 400 | 401 | 403 | 422) {
        attempts.fail(ip, Instant::now());
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: AttemptLimit = AttemptLimit {
        burst: 3,
        refill_every: Duration::from_secs(10),
    };

    fn ip(n: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, n])
    }

    #[test]
    fn a_burst_of_failures_then_one_per_refill() {
        let a = Attempts::new(LIMIT);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(a.wait(ip(1), t0), None);
            a.fail(ip(1), t0);
        }
        assert_eq!(a.wait(ip(1), t0), Some(Duration::from_secs(10)));
        assert_eq!(
            a.wait(ip(1), t0 + Duration::from_secs(4)),
            Some(Duration::from_secs(6))
        );
        // Another address is not affected.
        assert_eq!(a.wait(ip(2), t0), None);
        // One refill earns exactly one more try.
        let t1 = t0 + Duration::from_secs(10);
        assert_eq!(a.wait(ip(1), t1), None);
        a.fail(ip(1), t1);
        assert_eq!(a.wait(ip(1), t1), Some(Duration::from_secs(10)));
        // A long pause earns the whole burst back, and no more.
        let t2 = t1 + Duration::from_secs(3600);
        for _ in 0..3 {
            assert_eq!(a.wait(ip(1), t2), None);
            a.fail(ip(1), t2);
        }
        assert!(a.wait(ip(1), t2).is_some());
    }

    #[test]
    fn a_partial_refill_is_kept() {
        let a = Attempts::new(LIMIT);
        let t0 = Instant::now();
        for _ in 0..3 {
            a.fail(ip(1), t0);
        }
        // 15 s: one earned (5 s toward the next); spend it; 5 s more earn another.
        let t1 = t0 + Duration::from_secs(15);
        a.fail(ip(1), t1);
        assert_eq!(a.wait(ip(1), t1), Some(Duration::from_secs(5)));
        assert_eq!(a.wait(ip(1), t0 + Duration::from_secs(20)), None);
    }

    #[test]
    fn the_table_is_bounded() {
        let a = Attempts::new(LIMIT);
        let t0 = Instant::now();
        for n in 0..(MAX_CLIENTS + 100) {
            let octets = u32::try_from(n).unwrap_or(u32::MAX).to_be_bytes();
            a.fail(IpAddr::from(octets), t0);
        }
        assert_eq!(a.tracked(), MAX_CLIENTS);
        // Refilled buckets go first.
        a.fail(ip(1), t0 + Duration::from_secs(3600));
        assert_eq!(a.tracked(), 1);
    }
}
