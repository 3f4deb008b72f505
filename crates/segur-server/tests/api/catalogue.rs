use axum::http::StatusCode;

use crate::common::TestApp;

#[tokio::test]
async fn dispositifs_are_public_and_listed() {
    let app = TestApp::demo().await;
    let (status, body) = app.get_json("/api/v1/dispositifs", None).await;
    assert_eq!(status, StatusCode::OK);
    let codes: Vec<&str> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    for code in ["MDV-LGC-Va2", "SDV-PSF-Va2", "MS-Va2", "HOP-DPI-Va2"] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
    let (_, ms) = app.get_json("/api/v1/dispositifs/MS-Va2", None).await;
    assert_eq!(ms["couloir"], "MS");
    assert_eq!(ms["wave"], "Va2");
    assert!(
        ms["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == "PH avec DO")
    );
}

#[tokio::test]
async fn cal_02_the_mdv_calendar_in_force_is_the_amended_one_with_history() {
    let app = TestApp::demo().await;
    let (status, cal) = app
        .get_json("/api/v1/dispositifs/MDV-LGC-Va2/calendar", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let d2 = cal["in_force"]["dates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["milestone"] == "D2")
        .unwrap();
    assert_eq!(d2["date"], "2027-01-20T23:59:59");
    assert_eq!(d2["instant"], "2027-01-20T22:59:59Z");
    assert_eq!(cal["history"].as_array().unwrap().len(), 2);
    let first_d2 = cal["history"][0]["dates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["milestone"] == "D2")
        .unwrap();
    assert_eq!(first_d2["date"], "2026-07-22T23:59:59");
}

#[tokio::test]
async fn unknown_dispositif_is_a_404_json() {
    let app = TestApp::demo().await;
    for path in [
        "/api/v1/dispositifs/NOPE-Va2",
        "/api/v1/dispositifs/NOPE-Va2/calendar",
        "/api/v1/dispositifs/NOPE-Va2/rem-versions",
        "/api/v1/dispositifs/MDV-LGC-Va2/rem-versions/99.99",
    ] {
        let (status, body) = app.get_json(path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body["error"], "not_found");
    }
}

#[tokio::test]
async fn rem_02_requirements_are_found_by_id_with_a_slash_or_by_text() {
    let app = TestApp::demo().await;
    let (status, body) = app
        .get_json("/api/v1/requirements?q=SSI%2FGEN.18", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let hits = body["items"].as_array().unwrap();
    assert!(hits.iter().any(|h| h["id"] == "SC.SSI/GEN.18"), "{body}");
    let (_, body) = app.get_json("/api/v1/requirements?q=intrusion", None).await;
    assert!(
        body["total"].as_i64().unwrap() >= 1,
        "text search finds the pentest requirement: {body}"
    );
    let (_, none) = app
        .get_json("/api/v1/requirements?q=%25%25%25_", None)
        .await;
    assert_eq!(none["total"], 0, "LIKE wildcards are escaped");
}

#[tokio::test]
async fn rem_01_a_rem_version_lists_requirements_and_counts() {
    let app = TestApp::demo().await;
    let (status, versions) = app
        .get_json("/api/v1/dispositifs/MDV-LGC-Va2/rem-versions", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let v = &versions[0];
    assert!(
        v["proof_items"].as_i64().unwrap() >= 100,
        "the MDV demo REM has about 140 items: {v}"
    );
    assert_eq!(v["illustrative"], true);
    let version = v["version"].as_str().unwrap();
    let (status, rem) = app
        .get_json(
            &format!("/api/v1/dispositifs/MDV-LGC-Va2/rem-versions/{version}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        rem["requirements"].as_array().unwrap().len() as i64,
        v["requirements"].as_i64().unwrap()
    );
}

#[tokio::test]
async fn every_rule_is_served_with_its_source() {
    let app = TestApp::demo().await;
    let (status, body) = app.get_json("/api/v1/rules", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.as_array().unwrap().len() >= 60);
    let (status, eqv) = app.get_json("/api/v1/rules/EQV-04", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(eqv["family"], "EQV");
    assert!(!eqv["source"].as_str().unwrap().is_empty());
    let (status, _) = app.get_json("/api/v1/rules/XYZ-99", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
