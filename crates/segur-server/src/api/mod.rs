//! The JSON API under `/api/v1`, declared with utoipa-axum so that the OpenAPI document is
//! generated from these very routes.

pub mod audit;
pub mod candidatures;
pub mod catalogue;
pub mod collaboration;
pub mod files;
pub mod financing;
pub mod health;
pub mod instruction;
pub mod me;
pub mod monitoring;
pub mod notifications;
pub mod pentest;
pub mod register;
pub mod rem_admin;
pub mod rules;
pub mod tokens;
pub mod webhooks;

use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::state::AppState;

/// Every API route, for the OpenAPI document.
pub fn router() -> OpenApiRouter<AppState> {
    limited_router().merge(upload_router())
}

/// The upload routes: no global body limit or request timeout (they stream files of several
/// GiB); their own limits are the declared size and an idle timeout (`uploads.rs`).
pub fn upload_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(
        files::head_upload,
        files::get_upload,
        files::patch_upload,
        files::delete_upload
    ))
}

/// Every other API route, under the global body limit and timeout.
pub fn limited_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(<crate::openapi::ApiDoc as utoipa::OpenApi>::openapi())
        .routes(routes!(files::get_limits))
        .routes(routes!(files::create_upload))
        .routes(routes!(files::list_files))
        .routes(routes!(files::link_file))
        .routes(routes!(files::get_content))
        .routes(routes!(files::get_bundle))
        .routes(routes!(me::get_me))
        .routes(routes!(collaboration::get_my_work))
        .routes(routes!(
            collaboration::put_assignment,
            collaboration::delete_assignment
        ))
        .routes(routes!(
            collaboration::list_internal_notes,
            collaboration::create_internal_note
        ))
        .routes(routes!(audit::list_audit))
        .routes(routes!(audit::export_audit))
        .routes(routes!(tokens::list_tokens, tokens::create_token))
        .routes(routes!(tokens::revoke_token))
        .routes(routes!(webhooks::list_webhooks, webhooks::create_webhook))
        .routes(routes!(webhooks::delete_webhook))
        .routes(routes!(webhooks::list_deliveries))
        .routes(routes!(notifications::list_notifications))
        .routes(routes!(notifications::mark_all_read))
        .routes(routes!(notifications::mark_read))
        .routes(routes!(
            notifications::get_preferences,
            notifications::put_preferences
        ))
        .routes(routes!(catalogue::list_dispositifs))
        .routes(routes!(catalogue::get_dispositif))
        .routes(routes!(catalogue::get_calendar))
        .routes(routes!(catalogue::list_rem_versions))
        .routes(routes!(catalogue::get_rem_version))
        .routes(routes!(catalogue::search_requirements))
        .routes(routes!(rem_admin::get_rem_diff))
        .routes(routes!(rem_admin::export_diff_xlsx))
        .routes(routes!(rem_admin::export_rem_xlsx))
        .routes(routes!(rem_admin::export_rem_oscal))
        .routes(routes!(rem_admin::export_tracking_xlsx))
        .routes(routes!(rem_admin::export_component_definition))
        .routes(routes!(rem_admin::export_assessment_results))
        .routes(routes!(
            rem_admin::preview_rem_migration,
            rem_admin::apply_rem_migration
        ))
        .routes(routes!(candidatures::list_candidatures))
        .routes(routes!(candidatures::get_candidature))
        .routes(routes!(candidatures::list_proof_items))
        .routes(routes!(candidatures::get_plan))
        .routes(routes!(candidatures::get_diagnostics))
        .routes(routes!(candidatures::list_solutions))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(
                    pentest::deposit_pentest_form,
                    pentest::list_pentest_forms
                ))
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::pentest::MAX_REQUEST_BYTES,
                )),
        )
        .routes(routes!(instruction::get_instruction))
        .routes(routes!(instruction::post_review))
        .routes(routes!(instruction::post_answer))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(
                    instruction::list_messages,
                    instruction::post_message
                ))
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::instruction::MAX_MESSAGE_REQUEST_BYTES,
                )),
        )
        .routes(routes!(instruction::post_transition))
        .routes(routes!(instruction::post_referral))
        .routes(routes!(instruction::post_refusal))
        .routes(routes!(instruction::get_attestation_pdf))
        .routes(routes!(instruction::post_withdrawal))
        .routes(routes!(instruction::get_queue))
        .routes(routes!(instruction::post_assignments))
        .routes(routes!(instruction::check_attestation))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(instruction::verify_attestation_pdf))
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::api::instruction::MAX_ATTESTATION_PDF_BYTES,
                )),
        )
        .routes(routes!(rules::list_rules))
        .routes(routes!(rules::get_rule))
        .routes(routes!(financing::get_schema))
        .routes(routes!(financing::simulate))
        .routes(routes!(financing::deposit, financing::list_requests))
        .routes(routes!(financing::batch_validate))
        .routes(routes!(financing::get_request))
        .routes(routes!(financing::decide))
        .routes(routes!(financing::list_orders))
        .routes(routes!(financing::totals))
        .routes(routes!(financing::list_clients))
        .routes(routes!(financing::import_clients))
        .routes(routes!(financing::export))
        .routes(routes!(financing::list_pilot_pvs))
        .routes(routes!(financing::validate_pilot_pv))
        .routes(routes!(register::get_register))
        .routes(routes!(register::get_register_csv))
        .routes(routes!(register::declare_obsolete))
        .routes(routes!(monitoring::get_report))
        .routes(routes!(monitoring::export_table))
}

/// Pagination parameters shared by every list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1–500 (default 50).
    pub limit: Option<i64>,
    /// Items to skip (default 0).
    pub offset: Option<i64>,
}

pub const MAX_LIMIT: i64 = 500;

impl PageParams {
    pub fn page(&self) -> Result<segur_store::Page, ApiError> {
        let limit = self.limit.unwrap_or(50);
        let offset = self.offset.unwrap_or(0);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::invalid(
                "limit",
                format!("limit doit être compris entre 1 et {MAX_LIMIT}"),
            ));
        }
        if offset < 0 {
            return Err(ApiError::invalid(
                "offset",
                "offset doit être positif ou nul",
            ));
        }
        Ok(segur_store::Page { limit, offset })
    }
}
