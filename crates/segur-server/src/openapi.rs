//! The OpenAPI 3.1 document, generated from the API router (utoipa-axum) so that routes and
//! specification cannot drift apart; snapshot-tested in `tests/api/openapi.rs`.

use std::sync::OnceLock;

use axum::http::header;
use axum::response::IntoResponse;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "segur API",
        description = "API JSON de segur : catalogue des dispositifs Ségur vague 2, candidatures, plan de preuves et diagnostics des règles. Les erreurs ont un code stable (`error`).",
        license(name = "EUPL-1.2", identifier = "EUPL-1.2"),
    ),
    components(schemas(crate::error::ErrorBody)),
    modifiers(&SessionCookie),
    tags(
        (name = "catalogue", description = "Dispositifs, calendriers, versions du REM, exigences"),
        (name = "candidatures", description = "Candidatures de l'organisation, éléments de preuve, plan et diagnostics"),
        (name = "règles", description = "Catalogue des règles appliquées"),
        (name = "compte", description = "Utilisateur connecté"),
        (name = "audit", description = "Journal d'audit chaîné : l'organisation de l'appelant, tout le journal pour l'ANS"),
        (name = "suivi", description = "Suivi du plan de sécurisation (DEP-01, DEP-02) et de l'instruction, pour l'ANS"),
        (name = "fichiers", description = "Fichiers de preuve : envois reprenables (tus 1.0), antivirus, téléchargement"),
        (name = "notifications", description = "Notifications de la personne connectée (liste, lecture) et ses préférences de courriel (immédiat, récapitulatif quotidien, aucun ; français ou anglais)"),
        (name = "webhooks", description = "Événements de l'organisation envoyés en JSON signé (HMAC-SHA256) à ses adresses HTTPS, avec reprises et journal des livraisons"),
        (name = "collaboration", description = "Travail interne de l'éditeur : preuves confiées avec échéance (au plus tard D2, LIF-05), « Mon travail », notes internes (jamais visibles par l'ANS)"),
    )
)]
pub struct ApiDoc;

/// Declares the session cookie and the API token (bearer) used by the signed-in routes.
struct SessionCookie;

impl utoipa::Modify for SessionCookie {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::extract::SESSION_COOKIE,
                "Session cookie set by the sign-in form (POST /connexion).",
            ))),
        );
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                utoipa::openapi::security::HttpBuilder::new()
                    .scheme(utoipa::openapi::security::HttpAuthScheme::Bearer)
                    .description(Some(
                        "API token `segur_pat_…` (page /compte/jetons or POST /api/v1/tokens), \
                         accepted wherever the session is, except to manage tokens. A `read` \
                         token is refused (403) on POST, PUT, PATCH and DELETE.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document, built once.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    crate::api::router().into_openapi()
}

static JSON: OnceLock<String> = OnceLock::new();

pub async fn serve_openapi() -> impl IntoResponse {
    let body = JSON.get_or_init(|| {
        openapi_document()
            .to_pretty_json()
            .unwrap_or_else(|_| "{}".to_owned())
    });
    ([(header::CONTENT_TYPE, "application/json")], body.as_str())
}
