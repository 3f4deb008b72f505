//! The isolation matrix: every operation of the API (read from the OpenAPI document generated
//! from the router) is called by an anonymous client, the owner of the resource (an editor,
//! MonLPS), a competing editor (Medi), an ANS instructeur and an ASP agent, and each answer is
//! checked. A competing editor gets 404 on another editor's resource (never 403, which would
//! reveal it exists); a role without the right gets 403. An operation missing from the table
//! fails the test, so a new route cannot ship without its row.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Method, Request, header};

use crate::common::TestApp;

/// Expected status per caller; 0 = not checked (a success that would change the demo data the
/// other rows rely on).
#[derive(Debug, Clone, Copy)]
struct Row {
    method: &'static str,
    /// The path as the OpenAPI document writes it.
    template: &'static str,
    /// The same path with MonLPS's resources filled in.
    path: &'static str,
    body: &'static str,
    anonymous: u16,
    owner: u16,
    competitor: u16,
    ans: u16,
    asp: u16,
}

const fn row(
    method: &'static str,
    template: &'static str,
    path: &'static str,
    body: &'static str,
    [anonymous, owner, competitor, ans, asp]: [u16; 5],
) -> Row {
    Row {
        method,
        template,
        path,
        body,
        anonymous,
        owner,
        competitor,
        ans,
        asp,
    }
}

const CAND: &str = "/api/v1/candidatures/{id}";

/// [anonymous, owner (MonLPS), competitor (Medi), ANS instructeur, ASP agent]
const MATRIX: &[Row] = &[
    // API tokens: each signed-in user manages its own (and account managers their colleagues').
    row(
        "get",
        "/api/v1/tokens",
        "/api/v1/tokens",
        "",
        [401, 200, 200, 200, 200],
    ),
    row(
        "post",
        "/api/v1/tokens",
        "/api/v1/tokens",
        "{}",
        [401, 422, 422, 422, 422],
    ),
    row(
        "delete",
        "/api/v1/tokens/{id}",
        "/api/v1/tokens/00000000-0000-0000-0000-000000000000",
        "",
        [401, 404, 404, 404, 404],
    ),
    row(
        "get",
        "/api/v1/me",
        "/api/v1/me",
        "",
        [401, 200, 200, 200, 200],
    ),
    // The audit trail: each caller its own organisation's events, the ANS every event.
    row(
        "get",
        "/api/v1/audit",
        "/api/v1/audit",
        "",
        [401, 200, 200, 200, 200],
    ),
    row(
        "get",
        "/api/v1/audit/export",
        "/api/v1/audit/export?format=json",
        "",
        [401, 200, 200, 200, 200],
    ),
    // Own lists: each caller sees its own organisation's (the ASP has no candidatures).
    row(
        "get",
        "/api/v1/candidatures",
        "/api/v1/candidatures",
        "",
        [401, 200, 200, 200, 403],
    ),
    row(
        "get",
        "/api/v1/solutions",
        "/api/v1/solutions",
        "",
        [401, 200, 200, 200, 403],
    ),
    // Notifications: everyone has their own inbox; another person's id is 404.
    row(
        "get",
        "/api/v1/notifications",
        "/api/v1/notifications",
        "",
        [401, 200, 200, 200, 200],
    ),
    row(
        "post",
        "/api/v1/notifications/read-all",
        "/api/v1/notifications/read-all",
        "",
        [401, 200, 200, 200, 200],
    ),
    row(
        "post",
        "/api/v1/notifications/{id}/read",
        "/api/v1/notifications/00000000000000000000000000000000/read",
        "",
        [401, 404, 404, 404, 404],
    ),
    row(
        "get",
        "/api/v1/notifications/preferences",
        "/api/v1/notifications/preferences",
        "",
        [401, 200, 200, 200, 200],
    ),
    row(
        "put",
        "/api/v1/notifications/preferences",
        "/api/v1/notifications/preferences",
        "{}",
        [401, 422, 422, 422, 422],
    ),
    // Webhooks: editor mandataires and représentants, on their own organisation.
    row(
        "get",
        "/api/v1/webhooks",
        "/api/v1/webhooks",
        "",
        [401, 200, 200, 403, 403],
    ),
    row(
        "post",
        "/api/v1/webhooks",
        "/api/v1/webhooks",
        "{}",
        [401, 422, 422, 403, 403],
    ),
    row(
        "delete",
        "/api/v1/webhooks/{id}",
        "/api/v1/webhooks/00000000000000000000000000000000",
        "",
        [401, 404, 404, 403, 403],
    ),
    row(
        "get",
        "/api/v1/webhooks/{id}/deliveries",
        "/api/v1/webhooks/00000000000000000000000000000000/deliveries",
        "",
        [401, 404, 404, 403, 403],
    ),
    // Internal collaboration data (assignments, notes): the owning editor's staff only; the
    // ANS and the ASP get 403 (they must never see it), a competitor 404.
    row(
        "get",
        "/api/v1/me/work",
        "/api/v1/me/work",
        "",
        [401, 200, 200, 403, 403],
    ),
    row(
        "put",
        "/api/v1/candidatures/{id}/proof-items/{item}/assignment",
        "/api/v1/candidatures/monlps-mdv/proof-items/SC.DOC.20:1:1/assignment",
        "{}",
        [401, 422, 404, 403, 403],
    ),
    row(
        "delete",
        "/api/v1/candidatures/{id}/proof-items/{item}/assignment",
        "/api/v1/candidatures/monlps-mdv/proof-items/SC.DOC.20:1:1/assignment",
        "",
        [401, 204, 404, 403, 403],
    ),
    row(
        "get",
        "/api/v1/candidatures/{id}/internal-notes",
        "/api/v1/candidatures/monlps-mdv/internal-notes",
        "",
        [401, 200, 404, 403, 403],
    ),
    row(
        "post",
        "/api/v1/candidatures/{id}/internal-notes",
        "/api/v1/candidatures/monlps-mdv/internal-notes",
        "{}",
        [401, 422, 404, 403, 403],
    ),
    // MonLPS's candidature: the competitor must not learn it exists.
    row(
        "get",
        CAND,
        "/api/v1/candidatures/monlps-mdv",
        "",
        [401, 200, 404, 200, 403],
    ),
    row(
        "get",
        "/api/v1/candidatures/{id}/diagnostics",
        "/api/v1/candidatures/monlps-mdv/diagnostics",
        "",
        [401, 200, 404, 200, 403],
    ),
    // Pentest forms: the owner without a multipart body gets 415 (nothing is stored).
    row(
        "get",
        "/api/v1/candidatures/{id}/pentest-forms",
        "/api/v1/candidatures/monlps-mdv/pentest-forms",
        "",
        [401, 200, 404, 200, 403],
    ),
    row(
        "post",
        "/api/v1/candidatures/{id}/pentest-forms",
        "/api/v1/candidatures/monlps-mdv/pentest-forms",
        "",
        [401, 415, 404, 403, 403],
    ),
    row(
        "get",
        "/api/v1/candidatures/{id}/plan",
        "/api/v1/candidatures/monlps-mdv/plan",
        "",
        [401, 200, 404, 200, 403],
    ),
    row(
        "get",
        "/api/v1/candidatures/{id}/proof-items",
        "/api/v1/candidatures/monlps-mdv/proof-items",
        "",
        [401, 200, 404, 200, 403],
    ),
    row(
        "get",
        "/api/v1/candidatures/{id}/tracking.xlsx",
        "/api/v1/candidatures/monlps-mdv/tracking.xlsx",
        "",
        [401, 200, 404, 200, 403],
    ),
    row(
        "get",
        "/api/v1/candidatures/{id}/oscal/component-definition.json",
        "/api/v1/candidatures/monlps-mdv/oscal/component-definition.json",
        "",
        [401, 200, 404, 200, 403],
    ),
    row(
        "get",
        "/api/v1/candidatures/{id}/oscal/assessment-results.json",
        "/api/v1/candidatures/monlps-mdv/oscal/assessment-results.json",
        "",
        [401, 200, 404, 200, 403],
    ),
    row(
        "get",
        "/api/v1/candidatures/{id}/rem-migration/{version}",
        "/api/v1/candidatures/monlps-mdv/rem-migration/1.1",
        "",
        [401, 0, 404, 0, 403],
    ),
    row(
        "post",
        "/api/v1/candidatures/{id}/rem-migration/{version}",
        "/api/v1/candidatures/monlps-mdv/rem-migration/1.1",
        "",
        [401, 0, 404, 403, 403],
    ),
    // Proof files: limits for any signed-in user; uploads are the editor's own.
    row(
        "get",
        "/api/v1/files/limits",
        "/api/v1/files/limits",
        "",
        [401, 200, 200, 200, 200],
    ),
    row(
        "post",
        "/api/v1/candidatures/{id}/uploads",
        "/api/v1/candidatures/monlps-mdv/uploads",
        "{}",
        [401, 422, 404, 403, 403],
    ),
    row(
        "head",
        "/api/v1/uploads/{upload_id}",
        "/api/v1/uploads/0123456789abcdef0123456789abcdef",
        "",
        [401, 404, 404, 403, 403],
    ),
    row(
        "get",
        "/api/v1/uploads/{upload_id}",
        "/api/v1/uploads/0123456789abcdef0123456789abcdef",
        "",
        [401, 404, 404, 403, 403],
    ),
    row(
        "patch",
        "/api/v1/uploads/{upload_id}",
        "/api/v1/uploads/0123456789abcdef0123456789abcdef",
        "",
        [401, 404, 404, 403, 403],
    ),
    row(
        "delete",
        "/api/v1/uploads/{upload_id}",
        "/api/v1/uploads/0123456789abcdef0123456789abcdef",
        "",
        [401, 404, 404, 403, 403],
    ),
    row(
        "get",
        "/api/v1/candidatures/{id}/files",
        "/api/v1/candidatures/monlps-mdv/files",
        "",
        [401, 200, 404, 200, 403],
    ),
    row(
        "post",
        "/api/v1/candidatures/{id}/files/{file_id}/links",
        "/api/v1/candidatures/monlps-mdv/files/0123456789abcdef0123456789abcdef/links",
        "{}",
        [401, 422, 404, 403, 403],
    ),
    row(
        "get",
        "/api/v1/candidatures/{id}/files/{file_id}/content",
        "/api/v1/candidatures/monlps-mdv/files/0123456789abcdef0123456789abcdef/content",
        "",
        [401, 404, 404, 404, 403],
    ),
    row(
        "get",
        "/api/v1/candidatures/{id}/bundle",
        "/api/v1/candidatures/monlps-mdv/bundle",
        "",
        [401, 200, 404, 200, 403],
    ),
    // The catalogue and the rules are public.
    row(
        "get",
        "/api/v1/dispositifs",
        "/api/v1/dispositifs",
        "",
        [200, 200, 200, 200, 200],
    ),
    row(
        "get",
        "/api/v1/dispositifs/{code}",
        "/api/v1/dispositifs/MDV-LGC-Va2",
        "",
        [200, 200, 200, 200, 200],
    ),
    row(
        "get",
        "/api/v1/dispositifs/{code}/calendar",
        "/api/v1/dispositifs/MDV-LGC-Va2/calendar",
        "",
        [200, 200, 200, 200, 200],
    ),
    row(
        "get",
        "/api/v1/dispositifs/{code}/rem-versions",
        "/api/v1/dispositifs/MDV-LGC-Va2/rem-versions",
        "",
        [200, 200, 200, 200, 200],
    ),
    row(
        "get",
        "/api/v1/dispositifs/{code}/rem-versions/{version}",
        "/api/v1/dispositifs/MDV-LGC-Va2/rem-versions/1.1",
        "",
        [200, 200, 200, 200, 200],
    ),
    row(
        "get",
        "/api/v1/dispositifs/{code}/rem-versions/{version}/export.xlsx",
        "/api/v1/dispositifs/MDV-LGC-Va2/rem-versions/1.1/export.xlsx",
        "",
        [200, 200, 200, 200, 200],
    ),
    row(
        "get",
        "/api/v1/dispositifs/{code}/rem-versions/{version}/oscal.json",
        "/api/v1/dispositifs/MDV-LGC-Va2/rem-versions/1.1/oscal.json",
        "",
        [200, 200, 200, 200, 200],
    ),
    row(
        "get",
        "/api/v1/dispositifs/{code}/rem-versions/{from}/diff/{to}",
        "/api/v1/dispositifs/MDV-LGC-Va2/rem-versions/1.1/diff/1.1",
        "",
        [200, 200, 200, 200, 200],
    ),
    row(
        "get",
        "/api/v1/dispositifs/{code}/rem-versions/{from}/diff/{to}/export.xlsx",
        "/api/v1/dispositifs/MDV-LGC-Va2/rem-versions/1.1/diff/1.1/export.xlsx",
        "",
        [200, 200, 200, 200, 200],
    ),
    row(
        "get",
        "/api/v1/requirements",
        "/api/v1/requirements?q=dmp",
        "",
        [200, 200, 200, 200, 200],
    ),
    row(
        "get",
        "/api/v1/rules",
        "/api/v1/rules",
        "",
        [200, 200, 200, 200, 200],
    ),
    row(
        "get",
        "/api/v1/rules/{id}",
        "/api/v1/rules/FIN-01",
        "",
        [200, 200, 200, 200, 200],
    ),
    row(
        "get",
        "/api/v1/register",
        "/api/v1/register",
        "",
        [200, 200, 200, 200, 200],
    ),
    // Instruction (issue #6): both sides on a candidature, the ANS alone on the queue, the
    // référent alone on decisions, everyone on the attestation check.
    row(
        "get",
        "/api/v1/candidatures/{id}/instruction",
        "/api/v1/candidatures/monlps-mdv/instruction",
        "",
        [401, 200, 404, 200, 403],
    ),
    row(
        "post",
        "/api/v1/candidatures/{id}/reviews",
        "/api/v1/candidatures/monlps-mdv/reviews",
        "{}",
        [401, 403, 403, 422, 403],
    ),
    row(
        "post",
        "/api/v1/candidatures/{id}/answers",
        "/api/v1/candidatures/monlps-mdv/answers",
        "{}",
        [401, 422, 404, 403, 403],
    ),
    row(
        "get",
        "/api/v1/candidatures/{id}/messages",
        "/api/v1/candidatures/monlps-mdv/messages",
        "",
        [401, 200, 404, 200, 403],
    ),
    row(
        "post",
        "/api/v1/candidatures/{id}/messages",
        "/api/v1/candidatures/monlps-mdv/messages",
        "{}",
        [401, 422, 404, 422, 403],
    ),
    row(
        "post",
        "/api/v1/candidatures/{id}/transitions",
        "/api/v1/candidatures/monlps-mdv/transitions",
        "{}",
        [401, 422, 404, 422, 403],
    ),
    row(
        "post",
        "/api/v1/candidatures/{id}/referral",
        "/api/v1/candidatures/monlps-mdv/referral",
        "{}",
        [401, 403, 403, 403, 403],
    ),
    row(
        "post",
        "/api/v1/candidatures/{id}/refusal",
        "/api/v1/candidatures/monlps-mdv/refusal",
        "{}",
        [401, 403, 403, 403, 403],
    ),
    row(
        "get",
        "/api/v1/candidatures/{id}/attestation.pdf",
        "/api/v1/candidatures/monlps-mdv/attestation.pdf",
        "",
        [401, 404, 404, 404, 403],
    ),
    row(
        "post",
        "/api/v1/referencings/{nru}/withdrawal",
        "/api/v1/referencings/NRU-MDV-2026-0142/withdrawal",
        "{}",
        [401, 403, 403, 403, 403],
    ),
    row(
        "get",
        "/api/v1/instruction/queue",
        "/api/v1/instruction/queue",
        "",
        [401, 403, 403, 200, 403],
    ),
    row(
        "post",
        "/api/v1/instruction/assignments",
        "/api/v1/instruction/assignments",
        "{}",
        [401, 403, 403, 422, 403],
    ),
    row(
        "get",
        "/api/v1/register/attestations/{code}",
        "/api/v1/register/attestations/0000-0000-0000-0000",
        "",
        [200, 200, 200, 200, 200],
    ),
    row(
        "post",
        "/api/v1/register/attestations/verify",
        "/api/v1/register/attestations/verify",
        "",
        [400, 400, 400, 400, 400],
    ),
    row(
        "get",
        "/api/v1/register/csv",
        "/api/v1/register/csv",
        "",
        [200, 200, 200, 200, 200],
    ),
    row(
        "get",
        "/api/v1/financing/schema",
        "/api/v1/financing/schema",
        "",
        [200, 200, 200, 200, 200],
    ),
    // Obsolete versions: editors only (each for itself).
    row(
        "post",
        "/api/v1/obsolete-versions",
        "/api/v1/obsolete-versions",
        "{}",
        [401, 422, 422, 403, 403],
    ),
    // Financing: editors their own, the ASP everyone's, the ANS nothing.
    row(
        "get",
        "/api/v1/financing/requests",
        "/api/v1/financing/requests",
        "",
        [401, 200, 200, 403, 200],
    ),
    row(
        "post",
        "/api/v1/financing/requests",
        "/api/v1/financing/requests",
        "{}",
        [401, 422, 422, 403, 403],
    ),
    row(
        "post",
        "/api/v1/financing/simulate",
        "/api/v1/financing/simulate",
        "{}",
        [401, 200, 200, 403, 403],
    ),
    row(
        "get",
        "/api/v1/financing/requests/{organisation}/{id}",
        "/api/v1/financing/requests/ed-monlps/DA-MLM-001",
        "",
        [401, 200, 404, 403, 200],
    ),
    row(
        "post",
        "/api/v1/financing/requests/{organisation}/{id}/decision",
        "/api/v1/financing/requests/ed-monlps/DA-MLM-001/decision",
        "{\"decision\":\"nope\"}",
        [401, 403, 403, 403, 422],
    ),
    row(
        "post",
        "/api/v1/financing/requests/batch-validation",
        "/api/v1/financing/requests/batch-validation",
        "{\"requests\":[]}",
        [401, 403, 403, 403, 200],
    ),
    row(
        "get",
        "/api/v1/financing/orders",
        "/api/v1/financing/orders",
        "",
        [401, 200, 200, 403, 403],
    ),
    row(
        "get",
        "/api/v1/financing/totals",
        "/api/v1/financing/totals",
        "",
        [401, 200, 200, 403, 200],
    ),
    row(
        "get",
        "/api/v1/financing/export",
        "/api/v1/financing/export",
        "",
        [401, 200, 200, 403, 200],
    ),
    row(
        "get",
        "/api/v1/financing/clients",
        "/api/v1/financing/clients",
        "",
        [401, 200, 200, 200, 200],
    ),
    row(
        "post",
        "/api/v1/financing/clients/import",
        "/api/v1/financing/clients/import?dry_run=true",
        "identifiant;sons;plafond_ht\n",
        [401, 403, 403, 403, 200],
    ),
    row(
        "get",
        "/api/v1/financing/pilot-pvs",
        "/api/v1/financing/pilot-pvs",
        "",
        [401, 403, 403, 200, 403],
    ),
    row(
        "post",
        "/api/v1/financing/pilot-pvs/{organisation}/{order}/validation",
        "/api/v1/financing/pilot-pvs/ed-monlps/BC-MLM-001/validation",
        "",
        [401, 403, 403, 0, 403],
    ),
    // Monitoring of the plan de sécurisation (DEP-01, DEP-02): the ANS only, cross-tenant.
    row(
        "get",
        "/api/v1/monitoring",
        "/api/v1/monitoring",
        "",
        [401, 403, 403, 200, 403],
    ),
    row(
        "get",
        "/api/v1/monitoring/{table}/export",
        "/api/v1/monitoring/dep02/export",
        "",
        [401, 403, 403, 200, 403],
    ),
];

#[tokio::test]
async fn every_api_operation_is_in_the_isolation_matrix_and_answers_as_expected() {
    let doc = serde_json::to_value(segur_server::openapi_document()).unwrap();
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.clone(), path.clone()))
        })
        .collect();
    let covered: BTreeSet<(String, String)> = MATRIX
        .iter()
        .map(|r| (r.method.to_owned(), r.template.to_owned()))
        .collect();
    let missing: Vec<_> = documented.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "operations without a row in the isolation matrix: {missing:?}"
    );
    let stale: Vec<_> = covered.difference(&documented).collect();
    assert!(
        stale.is_empty(),
        "rows for operations that no longer exist: {stale:?}"
    );

    let app = TestApp::demo().await;
    let callers = [
        ("anonymous", None),
        ("owner", Some(app.login("mandataire@monlps.test").await)),
        ("competitor", Some(app.login("mandataire@medi.test").await)),
        ("ans", Some(app.login("instructeur@ans.test").await)),
        ("asp", Some(app.login("agent@asp.test").await)),
    ];
    let mut failures = Vec::new();
    for r in MATRIX {
        let expected = [r.anonymous, r.owner, r.competitor, r.ans, r.asp];
        for ((who, cookie), want) in callers.iter().zip(expected) {
            if want == 0 {
                continue;
            }
            let mut b = Request::builder()
                .method(Method::from_bytes(r.method.to_uppercase().as_bytes()).unwrap())
                .uri(r.path);
            if let Some(c) = cookie {
                b = b.header(header::COOKIE, c);
            }
            if !r.body.is_empty() {
                let ct = if r.body.starts_with('{') {
                    "application/json"
                } else {
                    "text/csv"
                };
                b = b.header(header::CONTENT_TYPE, ct);
            }
            let resp = app.send(b.body(Body::from(r.body)).unwrap()).await;
            let got = resp.status().as_u16();
            if got != want {
                failures.push(format!(
                    "{} {} as {who}: expected {want}, got {got}",
                    r.method.to_uppercase(),
                    r.path
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
