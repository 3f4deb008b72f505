//! Server-rendered pages (askama, French first), usable without JavaScript.

mod accounts;
mod auth;
mod candidature;
mod catalogue;
pub(crate) mod collaboration;
mod dashboard;
mod files;
mod financing;
mod history;
mod home;
mod instruction;
mod monitoring;
mod notifications;
mod oidc;
mod pentest;
mod register;
mod rem_diff;
mod rem_import;
mod rules;
mod second_factor;
mod tokens;
mod webhooks;

use askama::Template;
use axum::Router;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use segur_store::UserRecord;

use crate::state::AppState;

/// Page routes that receive files (multipart, no global body limit or timeout).
pub fn upload_router() -> Router<AppState> {
    Router::new().route(
        "/candidatures/{id}/fichiers/depot",
        post(files::upload_submit),
    )
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/connexion", get(auth::login_form).post(auth::login))
        .route(
            "/connexion/code",
            get(second_factor::code_form).post(second_factor::code_submit),
        )
        .route(
            "/connexion/activation",
            get(second_factor::enrol_form).post(second_factor::enrol_submit),
        )
        .route("/compte/securite", get(second_factor::security))
        .route(
            "/compte/securite/activation",
            get(second_factor::security_enrol_form).post(second_factor::security_enrol_submit),
        )
        .route(
            "/compte/securite/codes-de-secours",
            post(second_factor::regenerate_codes),
        )
        .route(
            "/compte/securite/desactivation",
            post(second_factor::disable),
        )
        .route(
            "/compte/securite/mot-de-passe",
            post(second_factor::change_password),
        )
        .route(
            "/compte/equipe",
            get(accounts::index).post(accounts::create),
        )
        .route("/compte/equipe/{id}/role", post(accounts::change_role))
        .route("/compte/equipe/{id}/activation", post(accounts::set_active))
        .route("/deconnexion", post(auth::logout))
        .route("/deconnexion-partout", post(auth::logout_everywhere))
        .route("/connexion/oidc/{provider}", get(oidc::start))
        .route("/connexion/oidc/{provider}/retour", get(oidc::callback))
        .route("/professionnel", get(oidc::professional))
        .route(
            "/professionnel/deconnexion",
            post(oidc::professional_logout),
        )
        .route("/tableau-de-bord", get(dashboard::dashboard))
        .route("/candidatures/{id}", get(candidature::show))
        .route("/mon-travail", get(collaboration::show_my_work))
        .route(
            "/candidatures/{id}/attributions",
            post(collaboration::assign_submit),
        )
        .route(
            "/candidatures/{id}/attributions/retrait",
            post(collaboration::unassign_submit),
        )
        .route(
            "/candidatures/{id}/notes-internes",
            post(collaboration::note_submit),
        )
        .route("/candidatures/{id}/fichiers", get(files::show))
        .route(
            "/candidatures/{id}/test-intrusion",
            post(pentest::deposit).layer(axum::extract::DefaultBodyLimit::max(
                crate::pentest::MAX_REQUEST_BYTES,
            )),
        )
        .route(
            "/candidatures/{id}/chapitres/{n}",
            get(candidature::chapter),
        )
        .route(
            "/candidatures/{id}/rem/{version}",
            get(candidature::rem_migration_preview).post(candidature::rem_migration_apply),
        )
        .route("/catalogue", get(catalogue::index))
        .route("/catalogue/dispositifs/{code}", get(catalogue::dispositif))
        .route(
            "/catalogue/dispositifs/{code}/rem/{version}",
            get(catalogue::rem),
        )
        .route(
            "/catalogue/dispositifs/{code}/rem/{from}/modifications/{to}",
            get(rem_diff::show),
        )
        .route(
            "/admin/catalogue/import",
            get(rem_import::form).post(rem_import::upload),
        )
        .route("/admin/catalogue/publier", post(rem_import::publish))
        .route("/catalogue/exigence", get(catalogue::requirement))
        .route("/catalogue/exigences", get(catalogue::search))
        .route("/financement", get(financing::editor_overview))
        .route(
            "/financement/simulateur",
            get(financing::simulator_form).post(financing::simulator_submit),
        )
        .route("/asp/financement", get(financing::asp_queue))
        .route("/asp/financement/validation", post(financing::asp_batch))
        .route(
            "/asp/financement/demandes/{organisation}/{id}",
            get(financing::asp_request),
        )
        .route(
            "/asp/financement/demandes/{organisation}/{id}/decision",
            post(financing::asp_decide),
        )
        .route(
            "/asp/financement/base",
            get(financing::asp_base_form).post(financing::asp_base_import),
        )
        .route("/ans/pv-pilotes", get(financing::ans_pilots))
        .route("/suivi", get(monitoring::show))
        .route(
            "/ans/pv-pilotes/{organisation}/{order}/validation",
            post(financing::ans_validate_pilot),
        )
        .route("/registre", get(register::show))
        .route(
            "/compte/jetons",
            get(tokens::index).post(tokens::create_submit),
        )
        .route("/compte/jetons/{id}/revoquer", post(tokens::revoke_submit))
        .route("/instruction", get(instruction::queue))
        .route("/instruction/affectation", post(instruction::assign_submit))
        .route("/candidatures/{id}/instruction", get(instruction::show))
        .route(
            "/candidatures/{id}/instruction/decision",
            post(instruction::decide_submit),
        )
        .route(
            "/candidatures/{id}/instruction/reponse",
            post(instruction::answer_submit),
        )
        .route(
            "/candidatures/{id}/instruction/message",
            post(instruction::message_submit).layer(axum::extract::DefaultBodyLimit::max(
                crate::instruction::MAX_MESSAGE_REQUEST_BYTES,
            )),
        )
        .route(
            "/candidatures/{id}/instruction/transition",
            post(instruction::transition_submit),
        )
        .route(
            "/candidatures/{id}/instruction/referencement",
            post(instruction::refer_submit),
        )
        .route(
            "/candidatures/{id}/instruction/refus",
            post(instruction::refuse_submit),
        )
        .route(
            "/candidatures/{id}/instruction/retrait",
            post(instruction::withdraw_submit),
        )
        .route("/registre/attestations", get(instruction::check_form))
        .route(
            "/registre/attestations/verifier",
            post(instruction::check_pdf).layer(axum::extract::DefaultBodyLimit::max(
                crate::api::instruction::MAX_ATTESTATION_PDF_BYTES,
            )),
        )
        .route(
            "/registre/attestations/{code}",
            get(instruction::check_code),
        )
        .route(
            "/webhooks",
            get(webhooks::index).post(webhooks::create_submit),
        )
        .route("/webhooks/{id}", get(webhooks::show))
        .route("/webhooks/{id}/suppression", post(webhooks::delete_submit))
        .route("/notifications", get(notifications::index))
        .route(
            "/notifications/tout-lu",
            post(notifications::read_all_submit),
        )
        .route(
            "/notifications/preferences",
            post(notifications::preferences_submit),
        )
        .route("/notifications/{id}/lu", post(notifications::read_submit))
        .route("/historique", get(history::show))
        .route("/regles", get(rules::index))
        .route("/regles/{id}", get(rules::show))
}

/// What every page's layout shows: title, the signed-in user, the current section.
pub struct Layout {
    pub title: String,
    pub user: Option<UserRecord>,
    pub section: &'static str,
}

impl Layout {
    pub fn new(title: impl Into<String>, user: Option<&UserRecord>, section: &'static str) -> Self {
        Self {
            title: title.into(),
            user: user.cloned(),
            section,
        }
    }

    pub fn anonymous(title: &str) -> Self {
        Self::new(title, None, "")
    }

    pub fn is(&self, section: &str) -> bool {
        self.section == section
    }
}

/// Renders a template, turning a (never expected) rendering failure into a French error page.
pub fn render_html<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(body) => Html(body).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            (
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                Html("<!doctype html><html lang=\"fr\"><title>Erreur interne</title><h1>Erreur interne</h1></html>"),
            )
                .into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub layout: Layout,
    pub status: u16,
    pub message: &'a str,
}

/// `12 janvier 2027` from a civil date.
pub fn date_fr(d: jiff::civil::Date) -> String {
    const MONTHS: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    let month = MONTHS.get((d.month() - 1) as usize).copied().unwrap_or("");
    if d.day() == 1 {
        format!("1er {month} {}", d.year())
    } else {
        format!("{} {month} {}", d.day(), d.year())
    }
}

/// `20 janvier 2027` or `20 janvier 2027 à 12 h 00` when the milestone carries a time.
pub fn datetime_fr(dt: jiff::civil::DateTime) -> String {
    if dt.hour() == 23 && dt.minute() == 59 {
        date_fr(dt.date())
    } else {
        format!(
            "{} à {} h {:02}",
            date_fr(dt.date()),
            dt.hour(),
            dt.minute()
        )
    }
}

/// "dans 12 jours", "aujourd'hui", "il y a 3 jours".
pub fn days_label(days: i64) -> String {
    match days {
        0 => "aujourd'hui".into(),
        1 => "demain".into(),
        -1 => "hier".into(),
        d if d > 1 => format!("dans {d} jours"),
        d => format!("il y a {} jours", -d),
    }
}

/// Percentage for progress bars, 0 when nothing is expected.
pub fn percent(part: i64, whole: i64) -> i64 {
    if whole <= 0 {
        0
    } else {
        (part * 100 / whole).clamp(0, 100)
    }
}
