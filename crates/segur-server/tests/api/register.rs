//! The public register (PUB-01): open without signing in, public facts only.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::common::TestApp;

fn statuses(v: &Value) -> Vec<(String, String)> {
    v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["status"].as_str().unwrap().to_owned(),
                e["nru"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn pub_01_register_is_public_and_publishes_only_public_facts() {
    let app = TestApp::demo().await;
    let (status, reg) = app.get_json("/api/v1/register", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(reg["format_version"], 1);
    let all = statuses(&reg);
    assert!(
        all.contains(&("referenced".into(), "NRU-MDV-2026-0142".into())),
        "{all:?}"
    );
    assert!(all.iter().any(|(s, _)| s == "in_progress"), "{all:?}");
    // Drafts (medi30-ms) are the editor's private work; proofs never leave the dossier.
    let text = reg.to_string();
    assert!(!text.contains("medi30"), "a draft is published");
    for private in ["deposits", "proof", "complete_deposit_on", "monlps-psf"] {
        assert!(
            !text.contains(private),
            "{private} leaked into the register"
        );
    }
    // The version MonLPS declared obsolete is flagged on its va1 referencing.
    let va1 = reg["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["nru"] == "NRU-LGC-V1-0087")
        .unwrap();
    assert_eq!(va1["obsolete"], true);
    assert_eq!(reg["obsolete_versions"][0]["software"], "MonLPS Cœur");

    // Search ignores accents and case; the status filter narrows; a bad status is a 400.
    let (_, found) = app
        .get_json("/api/v1/register?q=monlps%20coeur&status=referenced", None)
        .await;
    let found = statuses(&found);
    assert!(!found.is_empty());
    assert!(found.iter().all(|(s, _)| s == "referenced"));
    let (status, body) = app.get_json("/api/v1/register?status=secret", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["field"], "status");

    let (status, csv, _) = app.get("/api/v1/register/csv", None).await;
    assert_eq!(status, StatusCode::OK);
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert!(lines[0].starts_with("statut;editeur;dispositif"));
    assert!(
        lines
            .iter()
            .any(|l| l.contains("NRU-LGC-V1-0087") && l.ends_with(";oui"))
    );

    let (status, html, _) = app.get("/registre?q=medi&statut=referenced", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Medi10") && html.contains("Registre public"));
}

#[tokio::test]
async fn pub_01_editors_declare_obsolete_versions() {
    let app = TestApp::demo().await;
    let editor = app.login("mandataire@medi.test").await;
    let body = json!({ "software": "Medi Noyau", "version": "3.0" });
    let (status, created) = app
        .post_json("/api/v1/obsolete-versions", &body, Some(&editor))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["declared_on"], "2026-11-22");
    let (status, _) = app
        .post_json("/api/v1/obsolete-versions", &body, Some(&editor))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = app
        .post_json(
            "/api/v1/obsolete-versions",
            &json!({ "software": " ", "version": "1" }),
            Some(&editor),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let ans = app.login("instructeur@ans.test").await;
    let (status, _) = app
        .post_json("/api/v1/obsolete-versions", &body, Some(&ans))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .post_json("/api/v1/obsolete-versions", &body, None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Medi's va1 referencings (Medi Noyau 3.0) are now flagged, and the change is audited.
    let (_, reg) = app.get_json("/api/v1/register?q=medi", None).await;
    let flagged: Vec<&str> = reg["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["obsolete"] == true)
        .map(|e| e["nru"].as_str().unwrap_or(""))
        .collect();
    assert!(flagged.contains(&"NRU-MS1-V1-0210"), "{flagged:?}");
    let audit = app
        .store
        .system()
        .list_audit(segur_store::Page::new(500, 0))
        .await
        .unwrap();
    assert!(
        audit
            .items
            .iter()
            .any(|e| e.action == "register.obsolete_version.declare"
                && e.organisation_id.as_deref() == Some("ed-medi"))
    );
}
