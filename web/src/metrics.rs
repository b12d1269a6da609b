//! The HTTP metrics every service serves at `GET /metrics`, in the Prometheus text
//! exposition format (version 0.0.4): requests by route and status, and their
//! latency as a histogram; and one log line per request (`tracing`, target
//! `http`). Routes are the router's templates (`/v1/requests/{id}`), never the
//! paths or queries asked for, so no identifier or personal data becomes a label or
//! reaches a log, and the set of series stays bounded.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 11] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0,
];

/// The route label of a request no route matched.
const UNMATCHED: &str = "unmatched";

#[derive(Default)]
struct Series {
    count: u64,
    sum_secs: f64,
    /// Per bucket, not cumulative (rendering adds them up).
    buckets: [u64; BUCKETS.len()],
}

/// One service's request counters.
pub struct HttpMetrics {
    service: &'static str,
    started: Instant,
    series: Mutex<BTreeMap<(String, u16), Series>>,
}

impl HttpMetrics {
    /// Counters for `service` (the `service` label: `registry`, `issuer`, …).
    #[must_use]
    pub fn new(service: &'static str) -> Arc<Self> {
        Arc::new(HttpMetrics {
            service,
            started: Instant::now(),
            series: Mutex::new(BTreeMap::new()),
        })
    }

    /// Counts one answered request.
    pub fn record(&self, route: &str, status: StatusCode, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        let mut series = self
            .series
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let s = series
            .entry((route.to_owned(), status.as_u16()))
            .or_default();
        s.count += 1;
        s.sum_secs += secs;
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
            s.buckets[i] += 1;
        }
    }

    /// The exposition text: `http_requests_total`,
    /// `http_request_duration_seconds` (per route, all statuses) and
    /// `process_uptime_seconds`.
    #[must_use]
    pub fn render(&self) -> String {
        let series = self
            .series
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let service = self.service;
        let mut out = String::new();
        out.push_str(
            "# HELP http_requests_total HTTP requests answered, by route template and status.\n",
        );
        out.push_str("# TYPE http_requests_total counter\n");
        for ((route, status), s) in series.iter() {
            let _ = writeln!(
                out,
                "http_requests_total{{service=\"{service}\",route=\"{}\",status=\"{status}\"}} {}",
                label(route),
                s.count
            );
        }
        let mut by_route: BTreeMap<&str, Series> = BTreeMap::new();
        for ((route, _), s) in series.iter() {
            let r = by_route.entry(route).or_default();
            r.count += s.count;
            r.sum_secs += s.sum_secs;
            for (total, n) in r.buckets.iter_mut().zip(s.buckets) {
                *total += n;
            }
        }
        out.push_str("# HELP http_request_duration_seconds Time to answer, by route template.\n");
        out.push_str("# TYPE http_request_duration_seconds histogram\n");
        for (route, s) in &by_route {
            let route = label(route);
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(s.buckets) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "http_request_duration_seconds_bucket{{service=\"{service}\",route=\"{route}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "http_request_duration_seconds_bucket{{service=\"{service}\",route=\"{route}\",le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "http_request_duration_seconds_sum{{service=\"{service}\",route=\"{route}\"}} {}",
                s.sum_secs
            );
            let _ = writeln!(
                out,
                "http_request_duration_seconds_count{{service=\"{service}\",route=\"{route}\"}} {}",
                s.count
            );
        }
        out.push_str("# HELP process_uptime_seconds Seconds since the service started.\n");
        out.push_str("# TYPE process_uptime_seconds gauge\n");
        let _ = writeln!(
            out,
            "process_uptime_seconds{{service=\"{service}\"}} {}",
            self.started.elapsed().as_secs()
        );
        out
    }
}

/// A label value escaped as the format requires (`\`, `"`, newline).
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Middleware (`axum::middleware::from_fn_with_state`) counting every request
/// under its route template, and logging it: service, method, route, status,
/// milliseconds — nothing from the path, query, headers or body.
pub async fn track(
    State(metrics): State<Arc<HttpMetrics>>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str)
        .to_owned();
    let method = request.method().clone();
    let start = Instant::now();
    let response = next.run(request).await;
    let elapsed = start.elapsed();
    metrics.record(&route, response.status(), elapsed);
    tracing::info!(
        target: "http",
        service = metrics.service,
        method = %method,
        route = %route,
        status = response.status().as_u16(),
        ms = elapsed.as_secs_f64() * 1000.0,
        "answered"
    );
    response
}

/// `text` as a `GET /metrics` answer.
#[must_use]
pub fn exposition(text: String) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// Adds `GET /metrics` (these counters) and counts every request of `router`:
/// its routes and fallback so far, as axum applies layers.
pub fn instrument<S: Clone + Send + Sync + 'static>(
    router: axum::Router<S>,
    metrics: &Arc<HttpMetrics>,
) -> axum::Router<S> {
    let served = Arc::clone(metrics);
    router
        .route(
            "/metrics",
            axum::routing::get(move || {
                let served = Arc::clone(&served);
                async move { exposition(served.render()) }
            }),
        )
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(metrics),
            track,
        ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_route_and_status_with_cumulative_buckets() {
        let m = HttpMetrics::new("test");
        m.record(
            "/v1/requests/{id}",
            StatusCode::OK,
            Duration::from_micros(300),
        );
        m.record(
            "/v1/requests/{id}",
            StatusCode::OK,
            Duration::from_millis(20),
        );
        m.record(
            "/v1/requests/{id}",
            StatusCode::NOT_FOUND,
            Duration::from_secs(9),
        );
        let text = m.render();
        assert!(text.contains(
            "http_requests_total{service=\"test\",route=\"/v1/requests/{id}\",status=\"200\"} 2"
        ));
        assert!(text.contains("status=\"404\"} 1"));
        assert!(text.contains("le=\"0.0005\"} 1\n"), "{text}");
        assert!(text.contains("le=\"0.025\"} 2\n"), "{text}");
        assert!(
            text.contains("le=\"5\"} 2\n"),
            "beyond the last bound: {text}"
        );
        assert!(text.contains("le=\"+Inf\"} 3\n"), "{text}");
        assert!(text.contains(
            "http_request_duration_seconds_count{service=\"test\",route=\"/v1/requests/{id}\"} 3"
        ));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
