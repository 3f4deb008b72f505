//! OpenID Connect relying party: discovery (standard or configured URL), the authorization
//! request (code flow, PKCE S256, nonce, state) and the callback's checks (code exchange, ID
//! token signature, issuer, audience, expiry, nonce, `acr`, then the identifier claim from the
//! ID token or userinfo). The HTTP handlers are in `pages/oidc.rs`; what a sign-in opens
//! (account session, professional session) is decided there. See docs/oidc.md.
//!
//! Failures carry a reason for the log (never a secret, a token or a code) and a French message
//! for the page; no detail of the provider's answer reaches the browser.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreResponseType,
    CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AccessToken, AdditionalClaims, AuthenticationContextClass, AuthenticationFlow,
    AuthorizationCode, Client, ClientId, ClientSecret, CsrfToken, EmptyExtraTokenFields,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenFields, JsonWebKeySet, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, ProviderMetadataWithLogout,
    RedirectUrl, Scope, StandardErrorResponse, StandardTokenResponse, SubjectIdentifier,
    TokenResponse, UserInfoClaims, reqwest,
};
use serde::{Deserialize, Serialize};

use crate::config::{OidcProviderConfig, ServerConfig};

/// How long discovery metadata and keys are reused before being fetched again.
const METADATA_TTL: Duration = Duration::from_secs(10 * 60);
/// Largest discovery document accepted.
const MAX_DISCOVERY_BYTES: usize = 512 * 1024;
/// How long an authorization request may take (state, nonce and PKCE verifier kept that long).
pub const PENDING_TTL_SECONDS: i64 = 10 * 60;

/// Claims beyond the standard ones (e.g. PSC's `SubjectNameID`), kept as JSON.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ExtraClaims {
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl AdditionalClaims for ExtraClaims {}

type IdFields = IdTokenFields<
    ExtraClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type TokenResp = StandardTokenResponse<IdFields, CoreTokenType>;
type RpClient = Client<
    ExtraClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    TokenResp,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// A refused sign-in: a reason for the log and the audit trail, a French message for the page.
#[derive(Debug)]
pub struct Failure {
    pub status: StatusCode,
    /// For the log and the audit event: no secret, no token, no code.
    pub reason: String,
    /// For the page.
    pub message: &'static str,
}

impl Failure {
    fn provider_down(reason: String) -> Self {
        Self {
            status: StatusCode::BAD_GATEWAY,
            reason,
            message: "Le fournisseur d'identité ne répond pas correctement. Réessayez dans quelques instants ; si le problème persiste, contactez l'assistance.",
        }
    }

    pub fn refused(reason: String) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            reason,
            message: "La connexion n'a pas pu être vérifiée. Recommencez depuis la page de connexion.",
        }
    }

    pub fn expired(reason: String) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            reason,
            message: "Cette demande de connexion a expiré, a déjà été utilisée ou n'a pas été émise par ce navigateur. Recommencez depuis la page de connexion.",
        }
    }
}

/// The outcome of the authorization request: where to send the browser, and what to keep.
pub struct Started {
    pub authorize_url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// A verified sign-in.
pub struct Verified {
    /// Value of the configured identifier claim (`sub`, `SubjectNameID`…).
    pub identifier: String,
    pub display_name: String,
    /// The raw ID token, kept as `id_token_hint` for RP-initiated logout.
    pub id_token: String,
}

/// The configured providers and their cached discovery metadata.
pub struct Oidc {
    http: reqwest::Client,
    public_url: Option<String>,
    providers: Vec<OidcProviderConfig>,
    cache: tokio::sync::Mutex<HashMap<String, (Instant, Arc<ProviderMetadataWithLogout>)>>,
}

impl Oidc {
    pub fn new(config: &ServerConfig) -> Self {
        let providers = config
            .oidc_providers
            .iter()
            .filter(|p| match p.validate() {
                Ok(()) => true,
                Err(e) => {
                    tracing::error!(provider = %p.id, error = %e, "OIDC provider ignored");
                    false
                }
            })
            .cloned()
            .collect();
        // No redirects (a discovery or token endpoint must answer itself: no SSRF through
        // redirects), bounded time.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "OIDC HTTP client with defaults");
                reqwest::Client::new()
            });
        Self {
            http,
            public_url: config
                .public_url
                .as_ref()
                .map(|u| u.trim_end_matches('/').to_owned()),
            providers,
            cache: tokio::sync::Mutex::new(HashMap::new()),
        }
    }

    pub fn providers(&self) -> &[OidcProviderConfig] {
        &self.providers
    }

    pub fn provider(&self, id: &str) -> Option<&OidcProviderConfig> {
        self.providers.iter().find(|p| p.id == id)
    }

    /// Where the provider sends the browser back: `{public_url}/connexion/oidc/{id}/retour`.
    pub fn redirect_uri(&self, provider: &OidcProviderConfig) -> Option<String> {
        self.public_url
            .as_ref()
            .map(|base| format!("{base}/connexion/oidc/{}/retour", provider.id))
    }

    /// Discovery metadata with the provider's keys, cached for a few minutes.
    async fn metadata(
        &self,
        provider: &OidcProviderConfig,
    ) -> Result<Arc<ProviderMetadataWithLogout>, Failure> {
        {
            let cache = self.cache.lock().await;
            if let Some((at, m)) = cache.get(&provider.id)
                && at.elapsed() < METADATA_TTL
            {
                return Ok(m.clone());
            }
        }
        let url = provider.discovery_url.clone().unwrap_or_else(|| {
            format!(
                "{}/.well-known/openid-configuration",
                provider.issuer.trim_end_matches('/')
            )
        });
        let resp = self
            .http
            .get(&url)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| Failure::provider_down(format!("discovery {url}: {e}")))?;
        if resp.status() != reqwest::StatusCode::OK {
            return Err(Failure::provider_down(format!(
                "discovery {url}: HTTP {}",
                resp.status()
            )));
        }
        let body = resp
            .bytes()
            .await
            .map_err(|e| Failure::provider_down(format!("discovery {url}: {e}")))?;
        if body.len() > MAX_DISCOVERY_BYTES {
            return Err(Failure::provider_down(format!(
                "discovery {url}: document too large"
            )));
        }
        let metadata: ProviderMetadataWithLogout = serde_json::from_slice(&body)
            .map_err(|e| Failure::provider_down(format!("discovery {url}: {e}")))?;
        if metadata.issuer().as_str() != provider.issuer {
            return Err(Failure::provider_down(format!(
                "discovery {url}: issuer {} differs from the configured {}",
                metadata.issuer().as_str(),
                provider.issuer
            )));
        }
        let jwks = JsonWebKeySet::fetch_async(metadata.jwks_uri(), &self.http)
            .await
            .map_err(|e| Failure::provider_down(format!("keys of {}: {e}", provider.id)))?;
        let metadata = Arc::new(metadata.set_jwks(jwks));
        self.cache
            .lock()
            .await
            .insert(provider.id.clone(), (Instant::now(), metadata.clone()));
        Ok(metadata)
    }

    async fn client(&self, provider: &OidcProviderConfig) -> Result<RpClient, Failure> {
        let metadata = self.metadata(provider).await?;
        let redirect = self.redirect_uri(provider).ok_or_else(|| {
            Failure::provider_down("public_url is not configured: no redirect URI".into())
        })?;
        let redirect = RedirectUrl::new(redirect)
            .map_err(|e| Failure::provider_down(format!("redirect URI: {e}")))?;
        let client: RpClient = Client::from_provider_metadata(
            (*metadata).clone(),
            ClientId::new(provider.client_id.clone()),
            provider
                .client_secret
                .as_ref()
                .map(|s| ClientSecret::new(s.expose().to_owned())),
        )
        .set_redirect_uri(redirect);
        Ok(client)
    }

    /// Builds the authorization request (code flow, PKCE S256, fresh state and nonce).
    pub async fn start(&self, provider: &OidcProviderConfig) -> Result<Started, Failure> {
        let client = self.client(provider).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in &provider.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        for acr in &provider.acr_values {
            request = request.add_auth_context_value(AuthenticationContextClass::new(acr.clone()));
        }
        let (url, state, nonce) = request.url();
        Ok(Started {
            authorize_url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Exchanges the code and verifies everything; returns the identity.
    pub async fn finish(
        &self,
        provider: &OidcProviderConfig,
        code: &str,
        nonce: &str,
        pkce_verifier: &str,
    ) -> Result<Verified, Failure> {
        let client = self.client(provider).await?;
        let exchange = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| Failure::provider_down(format!("token endpoint: {e}")))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()));
        let tokens = exchange.request_async(&self.http).await.map_err(|e| {
            // Display of the error names the OAuth error code (invalid_grant…), not secrets.
            Failure::refused(format!("code exchange: {}", describe_token_error(&e)))
        })?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| Failure::refused("token response without id_token".into()))?;
        let acr_values = provider.acr_values.clone();
        let verifier = client
            .id_token_verifier()
            .set_auth_context_verifier_fn(move |acr| {
                if acr_values.is_empty() {
                    return Ok(());
                }
                match acr {
                    Some(a) if acr_values.iter().any(|v| v == a.as_str()) => Ok(()),
                    Some(a) => Err(format!("acr {} not among the required values", a.as_str())),
                    None => Err("acr missing".into()),
                }
            });
        let expected_nonce = Nonce::new(nonce.to_owned());
        let claims = id_token
            .claims(&verifier, &expected_nonce)
            .map_err(|e| Failure::refused(format!("ID token: {e}")))?;
        let subject = claims.subject().as_str().to_owned();
        let mut identifier = claim_string(
            &provider.identifier_claim,
            &subject,
            &claims.additional_claims().other,
        );
        let mut names = display_name(
            claims.name().and_then(|n| n.get(None)).map(|n| n.as_str()),
            claims
                .given_name()
                .and_then(|n| n.get(None))
                .map(|n| n.as_str()),
            claims
                .family_name()
                .and_then(|n| n.get(None))
                .map(|n| n.as_str()),
        );
        if identifier.is_none() || names.is_none() {
            // Claims of the requested scopes come from userinfo (conformant providers keep the
            // ID token small); its `sub` must be the ID token's.
            if let Some(info) = self
                .userinfo(&client, tokens.access_token(), &subject)
                .await?
            {
                if identifier.is_none() {
                    identifier = claim_string(
                        &provider.identifier_claim,
                        info.subject().as_str(),
                        &info.additional_claims().other,
                    );
                }
                if names.is_none() {
                    names = display_name(
                        info.name().and_then(|n| n.get(None)).map(|n| n.as_str()),
                        info.given_name()
                            .and_then(|n| n.get(None))
                            .map(|n| n.as_str()),
                        info.family_name()
                            .and_then(|n| n.get(None))
                            .map(|n| n.as_str()),
                    );
                }
            }
        }
        let identifier = identifier.ok_or_else(|| Failure {
            status: StatusCode::FORBIDDEN,
            reason: format!(
                "identifier claim {} missing (ID token and userinfo)",
                provider.identifier_claim
            ),
            message: "Le fournisseur d'identité n'a pas transmis l'identifiant attendu : la connexion est refusée.",
        })?;
        Ok(Verified {
            display_name: names.unwrap_or_else(|| identifier.clone()),
            identifier,
            id_token: id_token.to_string(),
        })
    }

    async fn userinfo(
        &self,
        client: &RpClient,
        access_token: &AccessToken,
        subject: &str,
    ) -> Result<Option<UserInfoClaims<ExtraClaims, CoreGenderClaim>>, Failure> {
        let Ok(request) = client.user_info(
            access_token.clone(),
            Some(SubjectIdentifier::new(subject.to_owned())),
        ) else {
            return Ok(None); // no userinfo endpoint
        };
        request
            .request_async(&self.http)
            .await
            .map(Some)
            .map_err(|e| Failure::refused(format!("userinfo: {e}")))
    }

    /// The provider's end-session URL for RP-initiated logout, when it advertises one.
    pub async fn logout_url(&self, provider_id: &str, id_token: &str) -> Option<String> {
        let provider = self.provider(provider_id)?;
        let metadata = match self.metadata(provider).await {
            Ok(m) => m,
            Err(f) => {
                tracing::warn!(provider = %provider.id, reason = %f.reason, "no RP-initiated logout");
                return None;
            }
        };
        let endpoint = metadata
            .additional_metadata()
            .end_session_endpoint
            .as_ref()?;
        let mut url = endpoint.url().clone();
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("id_token_hint", id_token);
            query.append_pair("client_id", &provider.client_id);
            if let Some(base) = &self.public_url {
                query.append_pair("post_logout_redirect_uri", &format!("{base}/"));
            }
        }
        Some(url.to_string())
    }
}

/// The token endpoint's refusal without its free text (which a hostile provider controls).
fn describe_token_error<RE: std::error::Error + 'static>(
    e: &openidconnect::RequestTokenError<RE, StandardErrorResponse<CoreErrorResponseType>>,
) -> String {
    match e {
        openidconnect::RequestTokenError::ServerResponse(r) => {
            format!("provider refused: {}", r.error().as_ref())
        }
        openidconnect::RequestTokenError::Request(e) => format!("request failed: {e}"),
        openidconnect::RequestTokenError::Parse(e, _) => format!("unreadable response: {e}"),
        openidconnect::RequestTokenError::Other(e) => format!("other: {e}"),
    }
}

/// The identifier claim as text: `sub` itself, or a string (or number) claim, trimmed,
/// 1 to 256 printable characters.
fn claim_string(
    claim: &str,
    subject: &str,
    other: &serde_json::Map<String, serde_json::Value>,
) -> Option<String> {
    let value = if claim == "sub" {
        Some(subject.to_owned())
    } else {
        match other.get(claim)? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }?;
    let value = value.trim().to_owned();
    (!value.is_empty() && value.chars().count() <= 256 && !value.chars().any(char::is_control))
        .then_some(value)
}

fn display_name(name: Option<&str>, given: Option<&str>, family: Option<&str>) -> Option<String> {
    let clean = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_control())
            .take(120)
            .collect::<String>()
            .trim()
            .to_owned()
    };
    if let Some(n) = name.map(clean).filter(|n| !n.is_empty()) {
        return Some(n);
    }
    let joined = [given, family]
        .into_iter()
        .flatten()
        .map(clean)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    (!joined.is_empty()).then_some(joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifier_claim_from_sub_or_extra_claims() {
        let mut other = serde_json::Map::new();
        other.insert("SubjectNameID".into(), "810001234567".into());
        other.insert("n".into(), 42.into());
        other.insert("bad".into(), "a\u{0}b".into());
        assert_eq!(claim_string("sub", "abc", &other).as_deref(), Some("abc"));
        assert_eq!(
            claim_string("SubjectNameID", "abc", &other).as_deref(),
            Some("810001234567")
        );
        assert_eq!(claim_string("n", "abc", &other).as_deref(), Some("42"));
        assert_eq!(claim_string("bad", "abc", &other), None);
        assert_eq!(claim_string("absent", "abc", &other), None);
        assert_eq!(claim_string("sub", "  ", &other), None);
    }

    #[test]
    fn display_name_prefers_name_then_given_family() {
        assert_eq!(
            display_name(Some("A B"), Some("x"), None).as_deref(),
            Some("A B")
        );
        assert_eq!(
            display_name(None, Some("Jeanne"), Some("Martin")).as_deref(),
            Some("Jeanne Martin")
        );
        assert_eq!(display_name(Some(" "), None, None), None);
    }

    #[test]
    fn secrets_are_redacted_in_debug() {
        let p = OidcProviderConfig {
            id: "psc".into(),
            label: "Pro Santé Connect".into(),
            audience: crate::config::OidcAudience::Professional,
            issuer: "https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet".into(),
            discovery_url: None,
            client_id: "segur".into(),
            client_secret: Some(crate::config::Secret::new("tres-secret")),
            client_secret_env: None,
            scopes: vec!["scope_all".into()],
            acr_values: vec!["eidas1".into()],
            identifier_claim: "SubjectNameID".into(),
        };
        let shown = format!("{p:?}");
        assert!(!shown.contains("tres-secret"), "{shown}");
        assert!(shown.contains("[redacted]"));
        let config = ServerConfig {
            oidc_providers: vec![p],
            ..ServerConfig::default()
        };
        assert!(!format!("{config:?}").contains("tres-secret"));
    }

    #[test]
    fn provider_configuration_is_validated() {
        let mut p = OidcProviderConfig {
            id: "isc".into(),
            label: "x".into(),
            audience: crate::config::OidcAudience::Staff,
            issuer: "http://op.example".into(),
            discovery_url: None,
            client_id: "c".into(),
            client_secret: None,
            client_secret_env: None,
            scopes: vec![],
            acr_values: vec![],
            identifier_claim: "sub".into(),
        };
        assert!(p.validate().is_err(), "plain http off loopback");
        p.issuer = "http://127.0.0.1:9090".into();
        assert!(p.validate().is_ok());
        p.id = "Bad/Id".into();
        assert!(p.validate().is_err());
    }
}
