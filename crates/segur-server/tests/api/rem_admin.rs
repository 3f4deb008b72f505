//! Catalogues in and out over HTTP: REM-03 diff (JSON and page), exports (XLSX, OSCAL) and a
//! candidature's tracking sheet, on the demo world plus a second REM version imported here.

use axum::http::{StatusCode, header};
use segur_domain::catalogue::RemStatus;
use segur_store::AuditEntry;

use crate::common::TestApp;

/// Imports MDV-LGC-Va2 "9.0": the demo's version with its first requirement removed, the
/// second reworded and a proof of the third reworded. Returns the demo's version.
async fn with_second_version(app: &TestApp) -> String {
    let sys = app.store.system();
    let versions = sys.list_rem_versions("MDV-LGC-Va2").await.unwrap();
    let base = versions.last().unwrap().version.clone();
    let mut rem = sys.get_rem_version("MDV-LGC-Va2", &base).await.unwrap();
    rem.version = "9.0".into();
    rem.status = RemStatus::Draft;
    rem.published_on = None;
    rem.requirements.remove(0);
    rem.requirements[0].enonce.push_str(" (reformulé)");
    rem.requirements[1].scenarios[0].proofs[0]
        .text
        .push_str(" horodatée");
    sys.import_rem_version(&rem, AuditEntry::new("rem.import", ""))
        .await
        .unwrap();
    base
}

#[tokio::test]
async fn rem_03_diff_as_json() {
    let app = TestApp::demo().await;
    let base = with_second_version(&app).await;
    let (status, body) = app
        .get_json(
            &format!("/api/v1/dispositifs/MDV-LGC-Va2/rem-versions/{base}/diff/9.0"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["rule"], "REM-03");
    assert_eq!(body["requirement_counts"]["removed"], 1);
    assert_eq!(body["requirement_counts"]["reworded"], 2);
    assert_eq!(body["requirement_counts"]["new"], 0);
    assert_eq!(body["proof_item_counts"]["reworded"], 1);
    assert!(
        body["change_log"][0]
            .as_str()
            .unwrap()
            .contains("3 modifications"),
        "{body}"
    );
    let (status, body) = app
        .get_json(
            &format!("/api/v1/dispositifs/MDV-LGC-Va2/rem-versions/{base}/diff/absente"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

#[tokio::test]
async fn rem_exports_xlsx_and_oscal() {
    let app = TestApp::demo().await;
    let base = with_second_version(&app).await;
    for path in [
        format!("/api/v1/dispositifs/MDV-LGC-Va2/rem-versions/{base}/export.xlsx"),
        format!("/api/v1/dispositifs/MDV-LGC-Va2/rem-versions/{base}/diff/9.0/export.xlsx"),
    ] {
        let (status, body, headers) = app.get(&path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(
            headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .contains("spreadsheetml")
        );
        assert!(
            headers[header::CONTENT_DISPOSITION]
                .to_str()
                .unwrap()
                .starts_with("attachment")
        );
        assert!(body.starts_with("PK"), "{path}");
    }
    let (status, body) = app
        .get_json(
            &format!("/api/v1/dispositifs/MDV-LGC-Va2/rem-versions/{base}/oscal.json"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["catalog"]["metadata"]["oscal-version"], "1.2.3");
}

#[tokio::test]
async fn rem_03_diff_page_is_linked_from_the_rem_page() {
    let app = TestApp::demo().await;
    let base = with_second_version(&app).await;
    let (status, html, _) = app
        .get("/catalogue/dispositifs/MDV-LGC-Va2/rem/9.0", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let link = format!("/catalogue/dispositifs/MDV-LGC-Va2/rem/{base}/modifications/9.0");
    assert!(html.contains(&link), "{html}");
    let (status, html, _) = app.get(&link, None).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("<caption>Exigences modifiées (3)</caption>"),
        "{html}"
    );
    assert!(html.contains("supprimée"));
    assert!(html.contains("REM-03"));
}

#[tokio::test]
async fn tracking_sheet_for_the_owner_only() {
    let app = TestApp::demo().await;
    let (status, _, _) = app
        .get("/api/v1/candidatures/monlps-mdv/tracking.xlsx", None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let owner = app.login("mandataire@monlps.test").await;
    let (status, body, headers) = app
        .get(
            "/api/v1/candidatures/monlps-mdv/tracking.xlsx",
            Some(&owner),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    assert!(body.starts_with("PK"));
    let other = app.login("mandataire@medi.test").await;
    let (status, _, _) = app
        .get(
            "/api/v1/candidatures/monlps-mdv/tracking.xlsx",
            Some(&other),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let ans = app.login("instructeur@ans.test").await;
    let (status, _, _) = app
        .get("/api/v1/candidatures/monlps-mdv/tracking.xlsx", Some(&ans))
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn rem_03_candidature_migration_preview_then_apply() {
    use axum::body::Body;
    use axum::http::Request;
    let app = TestApp::demo().await;
    let owner = app.login("mandataire@monlps.test").await;
    let (_, cand) = app
        .get_json("/api/v1/candidatures/monlps-mdv", Some(&owner))
        .await;
    let base = cand["rem_version"].as_str().unwrap_or_default().to_owned();
    assert!(!base.is_empty(), "{cand}");
    let v = with_second_version(&app).await;
    assert_eq!(
        v, base,
        "the demo candidature is on the last stored version"
    );
    let path = "/api/v1/candidatures/monlps-mdv/rem-migration/9.0";
    let (status, preview) = app.get_json(path, Some(&owner)).await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    assert_eq!(preview["applied"], false);
    assert_eq!(preview["rule"], "REM-03");
    let post = |cookie: Option<&str>| {
        let mut b = Request::post(path);
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        b.body(Body::empty()).unwrap()
    };
    // The target is still a draft: refused (REM-01).
    let resp = app.send(post(Some(&owner))).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    app.store
        .system()
        .publish_rem_version(
            "MDV-LGC-Va2",
            "9.0",
            jiff::civil::date(2026, 12, 1),
            AuditEntry::new("", ""),
        )
        .await
        .unwrap();
    let resp = app.send(post(None)).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let other = app.login("mandataire@medi.test").await;
    assert_eq!(
        app.send(post(Some(&other))).await.status(),
        StatusCode::NOT_FOUND
    );
    let resp = app.send(post(Some(&owner))).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let (_, cand) = app
        .get_json("/api/v1/candidatures/monlps-mdv", Some(&owner))
        .await;
    assert_eq!(cand["rem_version"], "9.0", "{cand}");
    // The imported version now drives the rules engine for this candidature.
    let (status, plan) = app
        .get_json("/api/v1/candidatures/monlps-mdv/plan", Some(&owner))
        .await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    let v9 = app
        .store
        .system()
        .get_rem_version("MDV-LGC-Va2", "9.0")
        .await
        .unwrap();
    assert_eq!(
        plan["items"].as_array().unwrap().len(),
        v9.proof_items().len(),
        "{plan}"
    );
}

fn multipart(code: &str, version: &str, file_name: &str, file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----segurtestboundary7MA4YWxk";
    let mut body = Vec::new();
    for (name, value) in [("dispositif", code), ("version", version)] {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"fichier\"; filename=\"{file_name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend(file);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn rem_01_admin_import_preview_then_publish() {
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use segur_catalogue::fixtures;
    let app = TestApp::demo().await;
    let instructeur = app.login("instructeur@ans.test").await;
    let (status, _, _) = app.get("/admin/catalogue/import", Some(&instructeur)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    app.store
        .system()
        .create_account(&segur_store::NewAccount {
            login: "referent@ans.test".into(),
            display_name: "Référent".into(),
            password: crate::common::PASSWORD.into(),
            role: segur_domain::org::Role::AnsReferent,
            organisation_id: "ans".into(),
        })
        .await
        .unwrap();
    let referent = app.login("referent@ans.test").await;
    let (_, html, _) = app.get("/catalogue", Some(&referent)).await;
    assert!(html.contains("href=\"/admin/catalogue/import\""));
    let (_, html, _) = app.get("/catalogue", Some(&instructeur)).await;
    assert!(!html.contains("/admin/catalogue/import"));
    let (status, html, _) = app.get("/admin/catalogue/import", Some(&referent)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("enctype=\"multipart/form-data\""));

    let upload = |file: Vec<u8>, name: &str| {
        let (ct, body) = multipart("MDV-LGC-Va2", "9.1", name, &file);
        Request::post("/admin/catalogue/import")
            .header(header::COOKIE, &referent)
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap()
    };
    // A workbook with an error: the page lists it, located.
    let mut rows = fixtures::rem_rows(12, 0);
    rows[4].nature = "OBLIGATOIRE";
    let resp = app
        .send(upload(
            fixtures::published_workbook(&rows, false).unwrap(),
            "rem.xlsx",
        ))
        .await;
    let html =
        String::from_utf8_lossy(&resp.into_body().collect().await.unwrap().to_bytes()).into_owned();
    assert!(
        html.contains("feuille « Exigences », ligne 7, colonne E (Nature)"),
        "{html}"
    );
    // A good one: stored as a draft, previewed with its summary and change log.
    let resp = app
        .send(upload(
            fixtures::published_workbook(&fixtures::rem_rows(12, 0), true).unwrap(),
            "rem.xlsx",
        ))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let html =
        String::from_utf8_lossy(&resp.into_body().collect().await.unwrap().to_bytes()).into_owned();
    assert!(
        html.contains("<caption>Répartition par chapitre</caption>"),
        "{html}"
    );
    assert!(
        html.contains("Modifications depuis la version publiée"),
        "{html}"
    );
    let draft = app
        .store
        .system()
        .get_rem_version("MDV-LGC-Va2", "9.1")
        .await
        .unwrap();
    assert_eq!(draft.status, RemStatus::Draft);
    assert_eq!(draft.requirements.len(), 12);
    // Publish: final (REM-01).
    let resp = app
        .post_form(
            "/admin/catalogue/publier",
            "dispositif=MDV-LGC-Va2&version=9.1",
            Some(&referent),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let published = app
        .store
        .system()
        .get_rem_version("MDV-LGC-Va2", "9.1")
        .await
        .unwrap();
    assert_eq!(published.status, RemStatus::Published);
    let resp = app
        .send(upload(
            fixtures::published_workbook(&fixtures::rem_rows(12, 0), true).unwrap(),
            "rem.xlsx",
        ))
        .await;
    let html =
        String::from_utf8_lossy(&resp.into_body().collect().await.unwrap().to_bytes()).into_owned();
    assert!(html.contains("REM-01"), "{html}");
}

#[tokio::test]
async fn oscal_component_definition_and_assessment_results_for_the_owner() {
    let app = TestApp::demo().await;
    let owner = app.login("mandataire@monlps.test").await;
    let (status, cd) = app
        .get_json(
            "/api/v1/candidatures/monlps-mdv/oscal/component-definition.json",
            Some(&owner),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{cd}");
    assert!(
        cd["component-definition"]["components"]
            .as_array()
            .unwrap()
            .len()
            >= 2
    );
    let (status, ar) = app
        .get_json(
            "/api/v1/candidatures/monlps-mdv/oscal/assessment-results.json",
            Some(&owner),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{ar}");
    assert!(
        ar["assessment-results"]["results"][0]["observations"]
            .as_array()
            .is_some_and(|o| !o.is_empty())
    );
    let other = app.login("mandataire@medi.test").await;
    let (status, _) = app
        .get_json(
            "/api/v1/candidatures/monlps-mdv/oscal/assessment-results.json",
            Some(&other),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn rem_03_candidature_page_previews_and_applies_a_move() {
    let app = TestApp::demo().await;
    let owner = app.login("mandataire@monlps.test").await;
    with_second_version(&app).await;
    app.store
        .system()
        .publish_rem_version(
            "MDV-LGC-Va2",
            "9.0",
            jiff::civil::date(2026, 12, 1),
            AuditEntry::new("", ""),
        )
        .await
        .unwrap();
    let (status, page, _) = app.get("/candidatures/monlps-mdv", Some(&owner)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("/candidatures/monlps-mdv/rem/9.0"),
        "no link to the move"
    );
    assert!(page.contains("/api/v1/candidatures/monlps-mdv/tracking.xlsx"));
    let (status, preview, _) = app
        .get("/candidatures/monlps-mdv/rem/9.0", Some(&owner))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(preview.contains("Dépôts conservés") && preview.contains("REM-03"));
    assert!(preview.contains("Appliquer le passage"));
    // The ANS sees the preview but cannot apply it.
    let ans = app.login("instructeur@ans.test").await;
    let (status, preview, _) = app
        .get("/candidatures/monlps-mdv/rem/9.0", Some(&ans))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!preview.contains("Appliquer le passage"));
    let resp = app
        .post_form("/candidatures/monlps-mdv/rem/9.0", "", Some(&ans))
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let resp = app
        .post_form("/candidatures/monlps-mdv/rem/9.0", "", Some(&owner))
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (_, cand) = app
        .get_json("/api/v1/candidatures/monlps-mdv", Some(&owner))
        .await;
    assert_eq!(cand["rem_version"], "9.0");
    let audit = app
        .store
        .system()
        .list_audit(segur_store::Page::new(100, 0))
        .await
        .unwrap();
    assert!(
        audit
            .items
            .iter()
            .any(|e| e.action == "candidature.rem_migration"
                && e.actor_role.as_deref() == Some("editor_mandataire"))
    );
}
