//! Rate limits kept in PostgreSQL, so every function instance shares them.

use std::time::Duration;

use anyhow::Context;
use sqlx::PgPool;

/// At most `max_hits` in each fixed window of `window`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub max_hits: i32,
    pub window: Duration,
}

/// Fixed-window counters per bucket (e.g. `login-address:203.0.113.5`).
///
/// The scheduled cleanup deletes rows of past windows once they are older than
/// `CLEANUP_RATE_LIMIT_RETENTION_SECONDS`, which must exceed the longest window.
#[derive(Clone)]
pub struct RateLimiter {
    pool: PgPool,
}

/// A hit counted by [`RateLimiter::hit_revocably`].
#[derive(Debug, Clone)]
pub struct CountedHit {
    bucket: String,
    window_start: time::OffsetDateTime,
    /// `Some` when the bucket was already at its limit in this window.
    pub retry_after: Option<Duration>,
}

const WINDOW_START: &str = "to_timestamp(floor(extract(epoch FROM now()) / $2) * $2)";

impl RateLimiter {
    /// Wraps a pool.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// Counts one hit that may be taken back later with [`RateLimiter::take_back`], for
    /// limits that count only some outcomes but must count an attempt before its
    /// outcome is known, so that concurrent attempts cannot all pass a check first.
    ///
    /// # Errors
    /// Returns an error when the query fails.
    pub async fn hit_revocably(&self, bucket: &str, limit: Limit) -> anyhow::Result<CountedHit> {
        let (hits, seconds_left, window_start): (i32, f64, time::OffsetDateTime) = sqlx::query_as(&format!(
            "INSERT INTO rate_limit_hits (bucket, window_start, hits) VALUES ($1, {WINDOW_START}, 1) \
             ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limit_hits.hits + 1 \
             RETURNING hits, extract(epoch FROM window_start + make_interval(secs => $2) - now())::float8, \
             window_start"
        ))
        .bind(bucket)
        .bind(limit.window.as_secs_f64())
        .fetch_one(&self.pool)
        .await
        .context("failed to count rate limit hit")?;
        Ok(CountedHit {
            bucket: bucket.to_owned(),
            window_start,
            retry_after: (hits > limit.max_hits).then(|| retry_after(seconds_left)),
        })
    }

    /// Takes back a hit counted by [`RateLimiter::hit_revocably`], in the window it was
    /// counted in.
    ///
    /// # Errors
    /// Returns an error when the query fails.
    pub async fn take_back(&self, hit: &CountedHit) -> anyhow::Result<()> {
        sqlx::query("UPDATE rate_limit_hits SET hits = hits - 1 WHERE bucket = $1 AND window_start = $2 AND hits > 0")
            .bind(&hit.bucket)
            .bind(hit.window_start)
            .execute(&self.pool)
            .await
            .context("failed to take back rate limit hit")?;
        Ok(())
    }

    /// Counts one hit. Returns `Some(retry_after)` when the bucket was already at its
    /// limit in this window, `None` when the hit is allowed.
    ///
    /// # Errors
    /// Returns an error when the query fails.
    pub async fn hit(&self, bucket: &str, limit: Limit) -> anyhow::Result<Option<Duration>> {
        let (hits, seconds_left): (i32, f64) = sqlx::query_as(&format!(
            "INSERT INTO rate_limit_hits (bucket, window_start, hits) VALUES ($1, {WINDOW_START}, 1) \
             ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limit_hits.hits + 1 \
             RETURNING hits, extract(epoch FROM window_start + make_interval(secs => $2) - now())::float8"
        ))
        .bind(bucket)
        .bind(limit.window.as_secs_f64())
        .fetch_one(&self.pool)
        .await
        .context("failed to count rate limit hit")?;
        Ok((hits > limit.max_hits).then(|| retry_after(seconds_left)))
    }

    /// Checks a bucket without counting a hit. Returns `Some(retry_after)` when the
    /// bucket is at its limit in this window.
    ///
    /// # Errors
    /// Returns an error when the query fails.
    pub async fn check(&self, bucket: &str, limit: Limit) -> anyhow::Result<Option<Duration>> {
        let row: Option<(i32, f64)> = sqlx::query_as(&format!(
            "SELECT hits, extract(epoch FROM window_start + make_interval(secs => $2) - now())::float8 \
             FROM rate_limit_hits WHERE bucket = $1 AND window_start = {WINDOW_START}"
        ))
        .bind(bucket)
        .bind(limit.window.as_secs_f64())
        .fetch_optional(&self.pool)
        .await
        .context("failed to read rate limit")?;
        Ok(row.filter(|(hits, _)| *hits >= limit.max_hits).map(|(_, seconds_left)| retry_after(seconds_left)))
    }
}

fn retry_after(seconds_left: f64) -> Duration {
    Duration::from_secs(seconds_left.ceil().clamp(1.0, 86_400.0) as u64)
}
