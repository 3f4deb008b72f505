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
    /// Public base URL of the service (`https://segur.example.fr`), without a trailing slash:
    /// OpenID Connect redirect URIs are built from it. Required when providers are configured.
    pub public_url: Option<String>,
    /// OpenID Connect providers offered on the sign-in page (see docs/oidc.md).
    pub oidc_providers: Vec<OidcProviderConfig>,
    /// Trust anchors of pentest form signatures (PEN-03) [default: none, so no signature is
    /// recognised until anchors are configured].
    pub pentest_anchors: segur_signature::TrustAnchors,
    /// Temporary area of resumable uploads (`<data>/uploads` for the binary).
    pub upload_dir: std::path::PathBuf,
    /// Largest proof file accepted [default: 5 GiB].
    pub max_file_bytes: u64,
    /// clamd's TCP address (`127.0.0.1:3310`); `None` leaves every file pending (nothing is
    /// downloadable) and says so in the logs.
    pub clamd: Option<String>,
    /// How often pending files are retried while clamd is unreachable [default: 30 s].
    pub scan_retry: Duration,
    /// Antivirus attempts on a file that clamd fails to scan before the error is final
    /// [default: 3].
    pub scan_error_attempts: u32,
    /// Format of the NRUs issued on referral [default: `{dispositif}-{year}-{seq:05}`; the
    /// official format is not public].
    pub nru_template: segur_domain::decision::NruTemplate,
    /// Accept webhook URLs in plain `http://` on 127.0.0.1 / localhost (tests, a local relay)
    /// [default: false: HTTPS only].
    pub webhook_allow_loopback_http: bool,
    /// Time allowed for one webhook delivery (connection and answer) [default: 10 s].
    pub webhook_timeout: Duration,
    /// Waits before each retry of a failed webhook delivery; its length + 1 is the number of
    /// attempts [default: 30 s, 2 min, 10 min, 1 h, 6 h, so 6 attempts].
    pub webhook_retry_schedule: Vec<Duration>,
    /// How often the webhook worker looks for new events and due retries [default: 5 s].
    pub webhook_poll: Duration,
    /// SMTP server and sender of notification e-mails; `None` keeps notifications in the app
    /// (their e-mails wait, and leave when a server is configured).
    pub smtp: Option<crate::notify::SmtpConfig>,
    /// Time allowed for one SMTP exchange [default: 20 s].
    pub smtp_timeout: Duration,
    /// Waits before each retry of a failed e-mail [default: 1 min, 5 min, 30 min, 3 h].
    pub email_retry_schedule: Vec<Duration>,
    /// How often the notification worker looks for new events and e-mails due [default: 5 s].
    pub notify_poll: Duration,
    /// How often deadline reminders are computed [default: 15 minutes].
    pub reminder_every: Duration,
    /// Days before a deadline on which editors are reminded [default: 7, 2, 1].
    pub reminder_policy: segur_domain::notify::ReminderPolicy,
    /// Hour (Europe/Paris) from which the daily digests are sent [default: 7].
    pub digest_hour: i8,
    /// A monitoring report that took longer than this to compute is refreshed in the
    /// background after a change, the page showing the previous figures meanwhile (marked as
    /// such) instead of waiting [default: 2 s].
    pub monitoring_wait_limit: Duration,
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
            public_url: None,
            oidc_providers: Vec::new(),
            pentest_anchors: segur_signature::TrustAnchors::empty(),
            upload_dir: std::env::temp_dir().join("segur-uploads"),
            max_file_bytes: 5 << 30,
            clamd: None,
            scan_retry: Duration::from_secs(30),
            scan_error_attempts: 3,
            nru_template: segur_domain::decision::NruTemplate::default(),
            webhook_allow_loopback_http: false,
            webhook_timeout: Duration::from_secs(10),
            webhook_retry_schedule: [30, 120, 600, 3600, 6 * 3600]
                .into_iter()
                .map(Duration::from_secs)
                .collect(),
            webhook_poll: Duration::from_secs(5),
            smtp: None,
            smtp_timeout: Duration::from_secs(20),
            email_retry_schedule: [60, 300, 1800, 3 * 3600]
                .into_iter()
                .map(Duration::from_secs)
                .collect(),
            notify_poll: Duration::from_secs(5),
            reminder_every: Duration::from_secs(15 * 60),
            reminder_policy: segur_domain::notify::ReminderPolicy::default(),
            digest_hour: 7,
            monitoring_wait_limit: Duration::from_secs(2),
        }
    }
}

/// A secret (client secret…): never shown by `Debug`, so never in logs.
#[derive(Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Who signs in through a provider, which decides what a successful sign-in opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OidcAudience {
    /// Staff with a local account (editors, ANS, ASP…): the identity must have been linked to
    /// an account beforehand; the sign-in opens that account's session and nothing more.
    Staff,
    /// Health professionals (Pro Santé Connect): no local account, a professional session
    /// with no right on editor, ANS or ASP data.
    Professional,
}

/// One OpenID Connect provider (authorization code flow with PKCE S256, nonce and state).
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcProviderConfig {
    /// Short identifier in URLs (`/connexion/oidc/{id}`): lowercase letters, digits, `-`.
    pub id: String,
    /// Button label on the sign-in page (« Pro Santé Connect »).
    pub label: String,
    pub audience: OidcAudience,
    /// Issuer identifier, compared exactly with the discovery document's and the ID token's.
    pub issuer: String,
    /// Discovery document URL when it is not `{issuer}/.well-known/openid-configuration`
    /// (Pro Santé Connect publishes it at a non-standard path).
    #[serde(default)]
    pub discovery_url: Option<String>,
    pub client_id: String,
    /// Client secret (`client_secret_basic`); prefer `client_secret_env` in files.
    #[serde(default)]
    pub client_secret: Option<Secret>,
    /// Name of an environment variable holding the client secret (read by `segur serve`).
    #[serde(default)]
    pub client_secret_env: Option<String>,
    /// Scopes requested besides `openid` (PSC: `scope_all`).
    #[serde(default)]
    pub scopes: Vec<String>,
    /// `acr_values` requested (PSC: `eidas1`). When not empty, the ID token's `acr` must be one
    /// of them.
    #[serde(default)]
    pub acr_values: Vec<String>,
    /// Claim holding the identifier linked to accounts [default: `sub`]; PSC: `SubjectNameID`.
    /// Read from the ID token, else from the userinfo response (whose `sub` must match).
    #[serde(default = "default_identifier_claim")]
    pub identifier_claim: String,
}

fn default_identifier_claim() -> String {
    "sub".into()
}

impl OidcProviderConfig {
    /// Checks what can be checked without the network; the message is French.
    pub fn validate(&self) -> Result<(), String> {
        let id_ok = !self.id.is_empty()
            && self.id.len() <= 32
            && self
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !id_ok {
            return Err(format!(
                "fournisseur « {} » : l'identifiant doit être fait de minuscules, chiffres et tirets (32 au plus)",
                self.id
            ));
        }
        for (what, url) in [
            ("issuer", Some(&self.issuer)),
            ("discovery_url", self.discovery_url.as_ref()),
        ] {
            if let Some(url) = url
                && !(url.starts_with("https://") || is_loopback_http(url))
            {
                return Err(format!(
                    "fournisseur « {} » : {what} doit être en https:// (http:// seulement sur 127.0.0.1 ou localhost)",
                    self.id
                ));
            }
        }
        if self.client_id.trim().is_empty() {
            return Err(format!("fournisseur « {} » : client_id manquant", self.id));
        }
        if self.identifier_claim.trim().is_empty() {
            return Err(format!(
                "fournisseur « {} » : identifier_claim vide",
                self.id
            ));
        }
        Ok(())
    }
}

/// `http://127.0.0.1…` or `http://localhost…`: the only places plain HTTP is accepted (tests).
pub fn is_loopback_http(url: &str) -> bool {
    [
        "http://127.0.0.1:",
        "http://127.0.0.1/",
        "http://localhost:",
        "http://localhost/",
        "http://[::1]:",
    ]
    .iter()
    .any(|p| url.starts_with(p))
}
