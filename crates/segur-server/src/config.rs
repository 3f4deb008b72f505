//! Server configuration, built by the binary from flags and environment, or by tests directly.

use std::time::Duration;

/// What the HTTP layer needs to know. Secrets never appear here in clear in `Debug` output.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Mark cookies `Secure` (when served over TLS or behind a TLS-terminating proxy).
    pub secure_cookies: bool,
    /// Absolute lifetime of a sign-in session.
    pub session_ttl: Duration,
    /// A session unused for this long ends (idle timeout) [default: 30 minutes].
    pub session_idle: Duration,
    /// Fixed "today" (Europe/Paris) for deterministic tests and demos; `None` reads the clock.
    pub fixed_today: Option<jiff::civil::Date>,
    /// Maximum size of a request body outside upload routes.
    pub max_body_bytes: usize,
    /// Request timeout outside upload routes.
    pub request_timeout: Duration,
    /// Sign-in throttling per account (login, whether it exists or not) [default: 5 failures
    /// in 15 minutes lock it for 15 minutes].
    pub login_throttle_account: segur_store::ThrottlePolicy,
    /// Sign-in throttling per client address [default: 30 failures in 15 minutes lock it for
    /// 15 minutes].
    pub login_throttle_ip: segur_store::ThrottlePolicy,
    /// Temporary area of resumable uploads (`<data>/uploads` for the binary).
    pub upload_dir: std::path::PathBuf,
    /// Largest proof file accepted [default: 5 GiB].
    pub max_file_bytes: u64,
    /// clamd's TCP address (`127.0.0.1:3310`); `None` leaves every file pending (nothing is
    /// downloadable) and says so in the logs.
    pub clamd: Option<String>,
    /// How often pending files are retried while clamd is unreachable [default: 30 s].
    pub scan_retry: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            session_ttl: Duration::from_secs(8 * 3600),
            session_idle: Duration::from_secs(30 * 60),
            fixed_today: None,
            max_body_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            login_throttle_account: segur_store::ThrottlePolicy {
                max_failures: 5,
                window_seconds: 15 * 60,
                lock_seconds: 15 * 60,
            },
            login_throttle_ip: segur_store::ThrottlePolicy {
                max_failures: 30,
                window_seconds: 15 * 60,
                lock_seconds: 15 * 60,
            },
            upload_dir: std::env::temp_dir().join("segur-uploads"),
            max_file_bytes: 5 << 30,
            clamd: None,
            scan_retry: Duration::from_secs(30),
        }
    }
}
