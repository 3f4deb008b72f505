//! "Webhooks" (/webhooks): the organisation's webhooks, a registration form (the secret is
//! shown once, in the answer to the form), deletion, and each webhook's delivery log
//! (/webhooks/{id}). Same rules as the API (`crate::api::webhooks`).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use segur_domain::events::EventKind;
use segur_store::{Page, StoreError, UserRecord};

use crate::access::webhook_tenant;
use crate::api::webhooks::{DeliveryView, WebhookView, create};
use crate::error::PageError;
use crate::extract::{PageUser, RequestMeta, urlencode};
use crate::pages::{Layout, render_html};
use crate::state::AppState;

/// An event kind offered in the form.
pub struct KindChoice {
    pub name: &'static str,
    pub label: &'static str,
}

#[derive(Template)]
#[template(path = "webhooks.html")]
pub struct WebhooksPage {
    pub layout: Layout,
    pub webhooks: Vec<WebhookView>,
    pub kinds: Vec<KindChoice>,
    pub notice: Option<String>,
    pub error: Option<String>,
    /// The secret just created: shown once.
    pub secret: Option<String>,
    pub url: String,
    pub allow_loopback_http: bool,
}

async fn page(
    state: &AppState,
    user: &UserRecord,
    notice: Option<String>,
    error: Option<String>,
    secret: Option<String>,
    url: String,
) -> Result<WebhooksPage, PageError> {
    let tenant = webhook_tenant(state, user)?;
    Ok(WebhooksPage {
        layout: Layout::new("Webhooks", Some(user), "webhooks"),
        webhooks: tenant
            .list_webhooks()
            .await?
            .iter()
            .map(Into::into)
            .collect(),
        kinds: EventKind::ALL
            .iter()
            .map(|k| KindChoice {
                name: k.as_str(),
                label: k.label_fr(),
            })
            .collect(),
        notice,
        error,
        secret,
        url,
        allow_loopback_http: state.config().webhook_allow_loopback_http,
    })
}

#[derive(Deserialize)]
pub struct NoticeQuery {
    pub message: Option<String>,
}

pub async fn index(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let notice = q.message.map(|m| m.chars().take(200).collect());
    Ok(render_html(
        &page(&state, &user, notice, None, None, String::new()).await?,
    ))
}

pub async fn create_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    meta: RequestMeta,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    webhook_tenant(&state, &user)?;
    let url = fields
        .iter()
        .find(|(k, _)| k == "url")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let kinds: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "evenement")
        .map(|(_, v)| v.clone())
        .collect();
    match create(&state, &user, &meta, &url, &kinds).await {
        Ok((hook, secret)) => {
            let notice = format!("Webhook vers {} enregistré.", hook.url);
            let p = page(
                &state,
                &user,
                Some(notice),
                None,
                Some(secret.expose().to_owned()),
                String::new(),
            )
            .await?;
            let mut resp = render_html(&p);
            // The secret is in this answer only: keep it out of every cache.
            resp.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(resp)
        }
        Err(e) if e.code == crate::error::ErrorCode::Forbidden => Err(e.into()),
        Err(e) => {
            let p = page(&state, &user, None, Some(e.message), None, url).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render_html(&p)).into_response())
        }
    }
}

pub async fn delete_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let tenant = webhook_tenant(&state, &user)?;
    tenant
        .delete_webhook(&id, &meta.audit(&user, "", ""))
        .await?;
    Ok(Redirect::to(&format!(
        "/webhooks?message={}",
        urlencode("Webhook supprimé : plus rien ne lui sera envoyé.")
    ))
    .into_response())
}

#[derive(Template)]
#[template(path = "webhook.html")]
pub struct WebhookPage {
    pub layout: Layout,
    pub webhook: WebhookView,
    pub deliveries: Vec<DeliveryView>,
    pub total: i64,
}

pub async fn show(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let tenant = webhook_tenant(&state, &user)?;
    let hook = tenant.webhook(&id).await?;
    let deliveries = match tenant.list_webhook_deliveries(&id, Page::new(200, 0)).await {
        Ok(p) => p,
        Err(StoreError::NotFound) => return Err(PageError::not_found()),
        Err(e) => return Err(e.into()),
    };
    Ok(render_html(&WebhookPage {
        layout: Layout::new("Journal du webhook", Some(&user), "webhooks"),
        webhook: (&hook).into(),
        total: deliveries.total,
        deliveries: deliveries.items.iter().map(Into::into).collect(),
    }))
}
