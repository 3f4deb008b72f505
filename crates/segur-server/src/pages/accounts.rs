//! « Équipe » (/compte/equipe): the accounts of the caller's organisation, managed by the
//! editor's mandataire and représentants (and the ANS administrator for the ANS staff).
//!
//! Every change asks the domain policy (`segur_domain::identity::authorize_account_change`)
//! and goes through the organisation's `TenantStore`: another organisation's account is not
//! found. A role change or a deactivation ends the account's sessions at once.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use segur_domain::authz::Denied;
use segur_domain::identity::{AccountChange, assignable_roles, authorize_account_change};
use segur_domain::org::Role;
use segur_store::{ManagedAccount, NewAccount, StoreError, UserRecord};
use serde::Deserialize;

use crate::error::PageError;
use crate::extract::{PageUser, RequestMeta, actor};
use crate::pages::{Layout, render_html};
use crate::state::AppState;

pub struct RoleChoice {
    pub value: &'static str,
    pub label: &'static str,
}

pub struct AccountRow {
    pub id: String,
    pub login: String,
    pub name: String,
    pub role: &'static str,
    pub role_value: &'static str,
    pub active: bool,
    pub second_factor: bool,
    pub manageable: bool,
}

#[derive(Template)]
#[template(path = "team.html")]
pub struct TeamPage {
    pub layout: Layout,
    pub rows: Vec<AccountRow>,
    pub roles: Vec<RoleChoice>,
    pub notice: Option<String>,
    pub error: Option<String>,
    pub form_login: String,
    pub form_name: String,
}

fn denied(d: Denied) -> PageError {
    match d {
        Denied::NotFound => PageError::not_found(),
        Denied::Forbidden => PageError::forbidden(),
    }
}

fn managers_only(user: &UserRecord) -> Result<&'static [Role], PageError> {
    let roles = assignable_roles(&actor(user));
    if roles.is_empty() {
        Err(PageError::forbidden())
    } else {
        Ok(roles)
    }
}

async fn page(
    state: &AppState,
    user: &UserRecord,
    notice: Option<String>,
    error: Option<String>,
    form_login: String,
    form_name: String,
) -> Result<TeamPage, PageError> {
    let roles = managers_only(user)?;
    let accounts = state
        .store()
        .tenant(&user.organisation_id)
        .list_accounts()
        .await?;
    Ok(TeamPage {
        layout: Layout::new("Équipe", Some(user), "team"),
        rows: accounts
            .iter()
            .map(|a: &ManagedAccount| AccountRow {
                id: a.user.id.clone(),
                login: a.user.login.clone(),
                name: a.user.display_name.clone(),
                role: a.user.role.label_fr(),
                role_value: a.user.role.as_str(),
                active: a.active,
                second_factor: a.second_factor,
                manageable: a.user.id != user.id && roles.contains(&a.user.role),
            })
            .collect(),
        roles: roles
            .iter()
            .map(|r| RoleChoice {
                value: r.as_str(),
                label: r.label_fr(),
            })
            .collect(),
        notice,
        error,
        form_login,
        form_name,
    })
}

#[derive(Deserialize)]
pub struct NoticeQuery {
    message: Option<String>,
}

pub async fn index(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let notice = q.message.map(|m| m.chars().take(200).collect());
    Ok(render_html(
        &page(&state, &user, notice, None, String::new(), String::new()).await?,
    ))
}

#[derive(Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

fn done(message: &str) -> Response {
    Redirect::to(&format!(
        "/compte/equipe?message={}",
        crate::pages::auth::urlencoding_min(message)
    ))
    .into_response()
}

/// Creates a colleague's account with an initial password the manager hands over.
pub async fn create(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    meta: RequestMeta,
    Form(form): Form<CreateForm>,
) -> Result<Response, PageError> {
    managers_only(&user)?;
    let refuse = |message: String| async {
        let p = page(
            &state,
            &user,
            None,
            Some(message),
            form.login.chars().take(64).collect(),
            form.name.chars().take(100).collect(),
        )
        .await?;
        Ok::<Response, PageError>(
            (StatusCode::UNPROCESSABLE_ENTITY, render_html(&p)).into_response(),
        )
    };
    let Ok(role) = Role::parse(form.role.trim()) else {
        return refuse("Rôle inconnu.".into()).await;
    };
    if form.name.chars().count() > 100 || form.password.len() > 1024 {
        return refuse("Nom ou mot de passe trop long.".into()).await;
    }
    authorize_account_change(
        &actor(&user),
        &user.id,
        &user.organisation_id,
        None,
        AccountChange::Create { role },
    )
    .map_err(denied)?;
    let account = NewAccount {
        login: form.login.trim().to_owned(),
        display_name: form.name.trim().to_owned(),
        password: form.password.clone(),
        role,
        organisation_id: user.organisation_id.clone(),
    };
    let entry = meta.audit(&user, "", "");
    match state
        .store()
        .system()
        .create_account_audited(&account, &entry)
        .await
    {
        Ok(created) => Ok(done(&format!(
            "Compte {} créé ({}).",
            created.login,
            created.role.label_fr()
        ))),
        Err(StoreError::Invalid(m) | StoreError::Conflict(m)) => refuse(capitalised(&m)).await,
        Err(e) => Err(e.into()),
    }
}

fn capitalised(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

pub async fn change_role(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    Form(form): Form<RoleForm>,
) -> Result<Response, PageError> {
    managers_only(&user)?;
    let tenant = state.store().tenant(&user.organisation_id);
    let target = tenant.get_account(&id).await?;
    let to = Role::parse(form.role.trim()).map_err(|_| PageError::bad_request("Rôle inconnu."))?;
    authorize_account_change(
        &actor(&user),
        &user.id,
        &user.organisation_id,
        Some(&target.user.id),
        AccountChange::ChangeRole {
            from: target.user.role,
            to,
        },
    )
    .map_err(denied)?;
    tenant
        .change_account_role(&target.user.id, to, &meta.audit(&user, "", ""))
        .await?;
    Ok(done(&format!(
        "Rôle de {} : {}. Ses sessions ont été fermées.",
        target.user.login,
        to.label_fr()
    )))
}

#[derive(Deserialize)]
pub struct ActiveForm {
    #[serde(default)]
    active: String,
}

pub async fn set_active(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    Form(form): Form<ActiveForm>,
) -> Result<Response, PageError> {
    managers_only(&user)?;
    let tenant = state.store().tenant(&user.organisation_id);
    let target = tenant.get_account(&id).await?;
    let active = form.active == "1";
    let change = if active {
        AccountChange::Reactivate {
            role: target.user.role,
        }
    } else {
        AccountChange::Deactivate {
            role: target.user.role,
        }
    };
    authorize_account_change(
        &actor(&user),
        &user.id,
        &user.organisation_id,
        Some(&target.user.id),
        change,
    )
    .map_err(denied)?;
    tenant
        .set_account_active(&target.user.id, active, &meta.audit(&user, "", ""))
        .await?;
    Ok(done(&if active {
        format!("Compte {} réactivé.", target.user.login)
    } else {
        format!(
            "Compte {} désactivé : ses sessions et jetons ne fonctionnent plus.",
            target.user.login
        )
    }))
}
