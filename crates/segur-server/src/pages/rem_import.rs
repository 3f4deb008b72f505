//! Admin import of a REM (ANS administrators and référents): upload a workbook, CSV or catalogue
//! file; it is checked and stored as a **draft**, which is the preview (summary per chapter and
//! profile, change log against the last published version); publishing then makes it final
//! (REM-01). Errors are listed located to sheet, row and column.

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, State};
use axum::response::{IntoResponse, Redirect, Response};
use segur_catalogue::rem::Counts;
use segur_catalogue::{ImportOptions, RemSummary, SourceFormat, import_rem};
use segur_domain::catalogue::{Dispositif, DispositifCode, RemStatus};
use segur_domain::org::Role;
use segur_domain::rem_diff;
use segur_store::{AuditEntry, UserRecord};
use serde::Deserialize;

use crate::error::PageError;
use crate::extract::{PageUser, urlencode};
use crate::pages::{Layout, render_html};
use crate::state::AppState;

/// Who may change the shared catalogue. Kept here (not in the editor-data policy of authz.rs)
/// because it concerns the ANS's own catalogue, not a tenant's data.
pub fn may_import(user: &UserRecord) -> bool {
    matches!(
        user.role,
        Role::AnsAdmin | Role::AnsReferent | Role::PlatformAdmin
    )
}

#[derive(Template)]
#[template(path = "rem_import.html")]
pub struct ImportPage {
    pub layout: Layout,
    pub dispositifs: Vec<Dispositif>,
    pub selected: String,
    pub version: String,
    pub problems: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "rem_import_preview.html")]
pub struct PreviewPage {
    pub layout: Layout,
    pub code: String,
    pub version: String,
    pub summary: RemSummary,
    pub by_chapter: Vec<(String, Counts)>,
    pub by_profile: Vec<(String, Counts)>,
    pub warnings: Vec<String>,
    pub compared_with: Option<String>,
    pub change_log: Vec<String>,
    pub rem_href: String,
}

pub async fn form(
    State(state): State<AppState>,
    PageUser(user): PageUser,
) -> Result<Response, PageError> {
    if !may_import(&user) {
        return Err(PageError::forbidden());
    }
    let dispositifs = state.store().system().list_dispositifs().await?;
    Ok(render_html(&ImportPage {
        layout: Layout::new("Importer un REM", Some(&user), "catalogue"),
        dispositifs,
        selected: String::new(),
        version: String::new(),
        problems: Vec::new(),
    }))
}

pub async fn upload(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    if !may_import(&user) {
        return Err(PageError::forbidden());
    }
    let (mut code, mut version, mut file_name, mut bytes) =
        (String::new(), String::new(), String::new(), Vec::new());
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| PageError::bad_request("envoi du formulaire interrompu ou trop volumineux"))?
    {
        match field.name().unwrap_or_default() {
            "dispositif" => code = field.text().await.unwrap_or_default(),
            "version" => version = field.text().await.unwrap_or_default().trim().to_owned(),
            "fichier" => {
                file_name = field.file_name().unwrap_or("fichier").to_owned();
                bytes = field
                    .bytes()
                    .await
                    .map_err(|_| {
                        PageError::bad_request("fichier trop volumineux ou envoi interrompu")
                    })?
                    .to_vec();
            }
            _ => {}
        }
    }
    let dispositifs = state.store().system().list_dispositifs().await?;
    let refuse = |problems: Vec<(String, String)>| {
        render_html(&ImportPage {
            layout: Layout::new("Importer un REM", Some(&user), "catalogue"),
            dispositifs: dispositifs.clone(),
            selected: code.clone(),
            version: version.clone(),
            problems,
        })
    };
    let Ok(dispositif) = DispositifCode::parse(&code) else {
        return Ok(refuse(vec![(
            String::new(),
            "choisissez un dispositif".into(),
        )]));
    };
    if version.is_empty() || version.len() > 20 {
        return Ok(refuse(vec![(
            String::new(),
            "indiquez la version (20 caractères au plus)".into(),
        )]));
    }
    if bytes.is_empty() {
        return Ok(refuse(vec![(
            String::new(),
            "choisissez un fichier à importer".into(),
        )]));
    }
    let opts = ImportOptions::new(dispositif.clone(), version.clone());
    let format = SourceFormat::detect(&file_name, &bytes);
    let imported = match import_rem(&bytes, format, &file_name, &opts) {
        Ok(i) => i,
        Err(e) => {
            let problems = e
                .problems
                .iter()
                .map(|p| {
                    (
                        p.location
                            .as_ref()
                            .map(ToString::to_string)
                            .unwrap_or_default(),
                        p.message.clone(),
                    )
                })
                .collect();
            return Ok(refuse(problems));
        }
    };
    let system = state.store().system();
    if let Err(e) = system
        .import_rem_version(&imported.rem, AuditEntry::new("rem.import", "").by(&user))
        .await
    {
        return Ok(refuse(vec![(String::new(), e.to_string())]));
    }
    let last_published = system
        .list_rem_versions(dispositif.as_str())
        .await?
        .into_iter()
        .rfind(|v| v.status == RemStatus::Published && v.version != version);
    let (compared_with, change_log) = match last_published {
        Some(v) => {
            let old = system
                .get_rem_version(dispositif.as_str(), &v.version)
                .await?;
            (
                Some(v.version),
                rem_diff::diff(&old, &imported.rem).change_log(),
            )
        }
        None => (None, Vec::new()),
    };
    Ok(render_html(&PreviewPage {
        layout: Layout::new(
            format!("Aperçu du REM {dispositif} version {version}"),
            Some(&user),
            "catalogue",
        ),
        rem_href: format!(
            "/catalogue/dispositifs/{}/rem/{}",
            urlencode(dispositif.as_str()),
            urlencode(&version)
        ),
        code: dispositif.to_string(),
        by_chapter: imported.summary.by_chapter.clone(),
        by_profile: imported.summary.by_profile.clone(),
        summary: imported.summary,
        warnings: imported.warnings.iter().map(ToString::to_string).collect(),
        compared_with,
        change_log,
        version,
    }))
}

#[derive(Deserialize)]
pub struct PublishForm {
    dispositif: String,
    version: String,
}

pub async fn publish(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form<PublishForm>,
) -> Result<Response, PageError> {
    if !may_import(&user) {
        return Err(PageError::forbidden());
    }
    state
        .store()
        .system()
        .publish_rem_version(
            &form.dispositif,
            &form.version,
            state.today(),
            AuditEntry::new("", "").by(&user),
        )
        .await?;
    Ok(Redirect::to(&format!(
        "/catalogue/dispositifs/{}/rem/{}",
        urlencode(&form.dispositif),
        urlencode(&form.version)
    ))
    .into_response())
}
