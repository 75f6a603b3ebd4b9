//! What one client may ask of an HTTP API: a token bucket per client address (a client that
//! empties it gets `429` with `Retry-After`), and bounded requests (a URI longer than
//! [`MAX_URI_BYTES`] is `414`, a body longer than the limiter's bound — [`MAX_BODY_BYTES`] for
//! the receipts API, whose every route is a GET — is `413`). The explorer guards its pages and
//! API with the same middleware.
use std::{
    collections::HashMap,
    net::{IpAddr, SocketAddr},
    sync::{Arc, Mutex},
    time::Instant,
};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::{header, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::api::refusal;

/// Longest request URI served, bytes.
pub const MAX_URI_BYTES: usize = 2048;
/// Longest request body accepted, bytes.
pub const MAX_BODY_BYTES: u64 = 1024;

/// Requests per second each client may make, and how many it may make at once.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateLimit {
    pub per_second: f64,
    pub burst: f64,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self {
            per_second: 50.0,
            burst: 100.0,
        }
    }
}

/// Clients tracked before idle ones are forgotten.
const TRACKED_CLIENTS: usize = 10_000;

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Every client's bucket, and the longest body accepted.
#[derive(Clone)]
pub struct Limiter {
    limit: RateLimit,
    max_body: u64,
    buckets: Arc<Mutex<HashMap<IpAddr, Bucket>>>,
}

impl Limiter {
    /// Limits for bodiless APIs: bodies up to [`MAX_BODY_BYTES`].
    pub fn new(limit: RateLimit) -> Self {
        Self::with_max_body(limit, MAX_BODY_BYTES)
    }

    /// Limits for an API whose requests carry bodies of up to `max_body` bytes.
    pub fn with_max_body(limit: RateLimit, max_body: u64) -> Self {
        Self {
            limit,
            max_body,
            buckets: Arc::default(),
        }
    }

    /// Takes one token of `client`'s bucket: `Err(seconds)` until the next one when empty.
    fn take(&self, client: IpAddr) -> Result<(), u64> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= TRACKED_CLIENTS {
            // A bucket idle long enough to be full again is the same as no bucket.
            let refill = self.limit.burst / self.limit.per_second;
            buckets.retain(|_, b| now.duration_since(b.at).as_secs_f64() < refill);
        }
        let bucket = buckets.entry(client).or_insert(Bucket {
            tokens: self.limit.burst,
            at: now,
        });
        let refill = now.duration_since(bucket.at).as_secs_f64() * self.limit.per_second;
        bucket.tokens = (bucket.tokens + refill).min(self.limit.burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Ok(());
        }
        Err(((1.0 - bucket.tokens) / self.limit.per_second)
            .ceil()
            .max(1.0) as u64)
    }
}

/// The middleware: size limits, then the client's bucket.
pub async fn guard(
    State(limiter): State<Limiter>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    if request.uri().to_string().len() > MAX_URI_BYTES {
        return refusal(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            format!("request URIs are limited to {MAX_URI_BYTES} bytes"),
        );
    }
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limiter.max_body)
        || request.headers().contains_key(header::TRANSFER_ENCODING)
    {
        return refusal(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("request bodies are limited to {} bytes", limiter.max_body),
        );
    }
    if let Err(retry_after) = limiter.take(client.ip()) {
        let mut response = refusal(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "too many requests from {}; retry in {retry_after} s",
                client.ip()
            ),
        );
        if let Ok(value) = retry_after.to_string().parse() {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return response.into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_a_client_gets_its_burst_then_waits_and_idle_clients_are_forgotten() {
        let limiter = Limiter::new(RateLimit {
            per_second: 1.0,
            burst: 2.0,
        });
        let client = IpAddr::from([10, 0, 0, 1]);
        assert_eq!(limiter.take(client), Ok(()));
        assert_eq!(limiter.take(client), Ok(()));
        assert_eq!(limiter.take(client), Err(1));

        let fast = Limiter::new(RateLimit {
            per_second: 1e6,
            burst: 1.0,
        });
        for n in 0..TRACKED_CLIENTS as u32 {
            fast.take(IpAddr::from(n.to_be_bytes())).unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
        fast.take(client).unwrap();
        let tracked = fast.buckets.lock().unwrap().len();
        assert!(tracked < 10, "{tracked} clients still tracked");
    }
}
