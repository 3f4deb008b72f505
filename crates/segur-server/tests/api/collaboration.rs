//! Editor-side collaboration: proof items assigned with a due date (at most D2 of the calendar
//! in force, LIF-05), "Mon travail", internal notes, and who may see them (never the ANS).
//!
//! The demo's `monlps-mdv` is on MDV-LGC-Va2, whose calendar in force on the tests' today
//! (2026-11-22) is the amended arrêté: D2 = 2027-01-20.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};

use crate::common::{TestApp, body_text};

const ITEM: &str = "/api/v1/candidatures/monlps-mdv/proof-items/SC.DOC.20:1:1/assignment";
const NOTES: &str = "/api/v1/candidatures/monlps-mdv/internal-notes";

async fn user_id(app: &TestApp, login: &str) -> String {
    app.store
        .system()
        .find_user_for_login(login)
        .await
        .unwrap()
        .unwrap()
        .0
        .id
}

async fn send_json(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<serde_json::Value>,
    cookie: &str,
) -> (StatusCode, String) {
    let mut b = Request::builder()
        .method(method)
        .uri(path)
        .header(header::COOKIE, cookie);
    if body.is_some() {
        b = b.header(header::CONTENT_TYPE, "application/json");
    }
    let body = body.map_or_else(Body::empty, |v| Body::from(v.to_string()));
    let resp = app.send(b.body(body).unwrap()).await;
    let status = resp.status();
    (status, body_text(resp).await)
}

async fn put_assignment(
    app: &TestApp,
    path: &str,
    assignee: &str,
    due_on: &str,
    cookie: &str,
) -> (StatusCode, serde_json::Value) {
    let (status, text) = send_json(
        app,
        Method::PUT,
        path,
        Some(serde_json::json!({ "assignee_user_id": assignee, "due_on": due_on })),
        cookie,
    )
    .await;
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

#[tokio::test]
async fn lif_05_assignment_due_on_d2_is_accepted_and_listed_in_my_work() {
    let app = TestApp::demo().await;
    let boss = app.login("mandataire@monlps.test").await;
    let salarie = user_id(&app, "salarie@monlps.test").await;
    let (status, a) = put_assignment(&app, ITEM, &salarie, "2027-01-20", &boss).await;
    assert_eq!(status, StatusCode::OK, "{a}");
    assert_eq!(a["item"], "SC.DOC.20:1:1");
    assert_eq!(a["assignee"]["user_id"], salarie.as_str());
    assert_eq!(a["due_on"], "2027-01-20");
    assert_eq!(a["days_left"], 59);
    assert_eq!(a["overdue"], false);
    assert_eq!(a["status"], "validated");

    // A requirement ID with a slash, percent-encoded in the path; due earlier.
    let (status, b) = put_assignment(
        &app,
        "/api/v1/candidatures/monlps-mdv/proof-items/LGC.DMP%2FUX.10.01.01:1:2/assignment",
        &salarie,
        "2026-12-01",
        &boss,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{b}");
    assert_eq!(b["requirement"], "LGC.DMP/UX.10.01.01");

    let me = app.login("salarie@monlps.test").await;
    let (status, work) = app.get_json("/api/v1/me/work", Some(&me)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(work["total"], 2);
    assert_eq!(work["today"], "2026-11-22");
    let items = work["items"].as_array().unwrap();
    assert_eq!(items[0]["item"], "LGC.DMP/UX.10.01.01:1:2", "soonest first");
    assert_eq!(items[1]["item"], "SC.DOC.20:1:1");
    assert_eq!(items[0]["candidature"], "monlps-mdv");

    // The boss has nothing assigned to them.
    let (_, mine) = app.get_json("/api/v1/me/work", Some(&boss)).await;
    assert_eq!(mine["total"], 0);

    // The page lists the same, soonest first.
    let (status, page, _) = app.get("/mon-travail", Some(&me)).await;
    assert_eq!(status, StatusCode::OK);
    let first = page.find("LGC.DMP/UX.10.01.01 / S1 / P2").expect(&page);
    let second = page.find("SC.DOC.20 / S1 / P1").expect(&page);
    assert!(first < second);
    assert!(page.contains("dans 59 jours"), "{page}");
    assert!(page.contains("href=\"/mon-travail\" aria-current=\"page\""));

    // Replacing keeps one assignment per item; removing is idempotent.
    let (status, _) = put_assignment(&app, ITEM, &salarie, "2027-01-10", &boss).await;
    assert_eq!(status, StatusCode::OK);
    let (_, work) = app.get_json("/api/v1/me/work", Some(&me)).await;
    assert_eq!(work["total"], 2);
    for _ in 0..2 {
        let (status, _) = send_json(&app, Method::DELETE, ITEM, None, &boss).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    let (_, work) = app.get_json("/api/v1/me/work", Some(&me)).await;
    assert_eq!(work["total"], 1);

    // Audited, without saying to whom.
    let (_, audit) = app.get_json("/api/v1/audit?limit=500", Some(&boss)).await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "collaboration.assign")
            .count(),
        3
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "collaboration.unassign")
            .count(),
        1,
        "the second removal changed nothing"
    );
    for e in audit["items"].as_array().unwrap() {
        if e["action"]
            .as_str()
            .is_some_and(|a| a.starts_with("collaboration."))
        {
            assert!(!e["object"].as_str().unwrap().contains(&salarie), "{e}");
        }
    }
}

#[tokio::test]
async fn lif_05_assignment_due_after_d2_is_refused() {
    let app = TestApp::demo().await;
    let boss = app.login("mandataire@monlps.test").await;
    let salarie = user_id(&app, "salarie@monlps.test").await;
    let (status, e) = put_assignment(&app, ITEM, &salarie, "2027-01-21", &boss).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"], "rules_failed");
    assert_eq!(e["field"], "due_on");
    assert_eq!(e["details"]["rules"][0], "LIF-05");
    let message = e["message"].as_str().unwrap();
    assert!(
        message.contains("LIF-05") && message.contains("2027-01-20"),
        "{message}"
    );
    // Nothing was written.
    let me = app.login("salarie@monlps.test").await;
    let (_, work) = app.get_json("/api/v1/me/work", Some(&me)).await;
    assert_eq!(work["total"], 0);

    // Malformed dates and items are invalid parameters.
    let (status, e) = put_assignment(&app, ITEM, &salarie, "20/01/2027", &boss).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(e["field"], "due_on");
    let (status, e) = put_assignment(
        &app,
        "/api/v1/candidatures/monlps-mdv/proof-items/SC.DOC.20/assignment",
        &salarie,
        "2027-01-01",
        &boss,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(e["field"], "item");
    // An item that is not in the candidature's REM version.
    let (status, e) = put_assignment(
        &app,
        "/api/v1/candidatures/monlps-mdv/proof-items/SC.DOC.20:9:9/assignment",
        &salarie,
        "2027-01-01",
        &boss,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");

    // The page form says the same, citing the rule.
    let resp = app
        .post_form(
            "/candidatures/monlps-mdv/attributions",
            &format!("element=SC.DOC.20%3A1%3A1&personne={salarie}&echeance=2027-01-21"),
            Some(&boss),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let location = resp.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        location.contains("erreur=") && location.contains("LIF-05"),
        "{location}"
    );
    let (_, page, _) = app.get(&location, Some(&boss)).await;
    assert!(page.contains("LIF-05"));
    assert!(page.contains("Aucune preuve n'est confiée pour cette candidature."));
}

#[tokio::test]
async fn assignee_of_another_organisation_is_refused() {
    let app = TestApp::demo().await;
    let boss = app.login("mandataire@monlps.test").await;
    let competitor = user_id(&app, "mandataire@medi.test").await;
    let ans = user_id(&app, "instructeur@ans.test").await;
    for who in [competitor.as_str(), ans.as_str(), "nobody"] {
        let (status, e) = put_assignment(&app, ITEM, who, "2027-01-01", &boss).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{who}: {e}");
        assert_eq!(e["error"], "invalid_body");
    }
    let medi = app.login("mandataire@medi.test").await;
    let (_, work) = app.get_json("/api/v1/me/work", Some(&medi)).await;
    assert_eq!(work["total"], 0);
}

#[tokio::test]
async fn another_editor_gets_404_on_assignments_and_notes() {
    let app = TestApp::demo().await;
    let medi = app.login("mandataire@medi.test").await;
    let own = user_id(&app, "mandataire@medi.test").await;
    let (status, _) = put_assignment(&app, ITEM, &own, "2027-01-01", &medi).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = send_json(&app, Method::DELETE, ITEM, None, &medi).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.get_json(NOTES, Some(&medi)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .post_json(NOTES, &serde_json::json!({ "body": "x" }), Some(&medi))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Same answer as a candidature that does not exist.
    let (status, _) = app
        .get_json("/api/v1/candidatures/nope/internal-notes", Some(&medi))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for (path, form) in [
        ("/candidatures/monlps-mdv/attributions", "element=x"),
        ("/candidatures/monlps-mdv/attributions/retrait", "element=x"),
        ("/candidatures/monlps-mdv/notes-internes", "note="),
    ] {
        let resp = app.post_form(path, form, Some(&medi)).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn internal_notes_are_written_and_read_by_the_owning_editor() {
    let app = TestApp::demo().await;
    let boss = app.login("mandataire@monlps.test").await;
    let (status, n) = app
        .post_json(
            NOTES,
            &serde_json::json!({ "body": "  Relire la capture du DMP\navant dépôt  ", "item": "LGC.DMP/UX.10.01.01:1:1" }),
            Some(&boss),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{n}");
    assert_eq!(n["body"], "Relire la capture du DMP\navant dépôt");
    assert_eq!(n["item"], "LGC.DMP/UX.10.01.01:1:1");
    let (status, e) = app
        .post_json(NOTES, &serde_json::json!({ "body": "   " }), Some(&boss))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "body");
    let (status, _) = app
        .post_json(
            NOTES,
            &serde_json::json!({ "body": "x".repeat(4001) }),
            Some(&boss),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = app
        .post_json(
            NOTES,
            &serde_json::json!({ "body": "ok", "item": "SC.DOC.20:9:9" }),
            Some(&boss),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // A colleague (salarié) reads it and answers from the page.
    let me = app.login("salarie@monlps.test").await;
    let resp = app
        .post_form(
            "/candidatures/monlps-mdv/notes-internes",
            "note=C%27est+fait+%3Cb%3E&element=",
            Some(&me),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (status, list) = app.get_json(NOTES, Some(&me)).await;
    assert_eq!(status, StatusCode::OK);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[1]["body"], "C'est fait <b>");
    assert_eq!(list[1]["item"], serde_json::Value::Null);
    let (_, page, _) = app.get("/candidatures/monlps-mdv", Some(&me)).await;
    assert!(page.contains("Relire la capture du DMP"));
    assert!(page.contains("fait &#60;b&#62;"), "escaped");
    assert!(!page.contains("fait <b>"));
    assert!(page.contains("id=\"h-collaboration\""));
}

/// The ANS never reaches internal notes or assignments: 403 on every route and form, no
/// section on the candidature page, and no trace of a note's text in anything it can read.
#[tokio::test]
async fn ans_gets_403_on_internal_notes_and_never_sees_them() {
    let app = TestApp::demo().await;
    let boss = app.login("mandataire@monlps.test").await;
    let salarie = user_id(&app, "salarie@monlps.test").await;
    const SECRET: &str = "MARQUEUR-NOTE-INTERNE-7f3a";
    let (status, _) = app
        .post_json(
            NOTES,
            &serde_json::json!({ "body": format!("{SECRET} : ne pas montrer"), "item": "SC.DOC.20:1:1" }),
            Some(&boss),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = put_assignment(&app, ITEM, &salarie, "2027-01-20", &boss).await;
    assert_eq!(status, StatusCode::OK);

    for login in ["instructeur@ans.test", "agent@asp.test"] {
        let ans = app.login(login).await;
        let (status, e) = app.get_json(NOTES, Some(&ans)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{login}");
        assert_eq!(e["error"], "forbidden");
        assert!(!e.to_string().contains(SECRET));
        let (status, _) = app
            .post_json(NOTES, &serde_json::json!({ "body": "x" }), Some(&ans))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{login}");
        let (status, _) = put_assignment(&app, ITEM, &salarie, "2027-01-01", &ans).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{login}");
        let (status, _) = send_json(&app, Method::DELETE, ITEM, None, &ans).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{login}");
        let (status, _) = app.get_json("/api/v1/me/work", Some(&ans)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{login}");
        // Also for a candidature that does not exist: the role decides first.
        let (status, _) = app
            .get_json("/api/v1/candidatures/nope/internal-notes", Some(&ans))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{login}");
        // Pages.
        let (status, _, _) = app.get("/mon-travail", Some(&ans)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{login}");
        for (path, form) in [
            (
                "/candidatures/monlps-mdv/attributions",
                format!("element=SC.DOC.20%3A1%3A1&personne={salarie}&echeance=2027-01-01"),
            ),
            (
                "/candidatures/monlps-mdv/attributions/retrait",
                "element=SC.DOC.20%3A1%3A1".to_owned(),
            ),
            (
                "/candidatures/monlps-mdv/notes-internes",
                "note=x".to_owned(),
            ),
        ] {
            let resp = app.post_form(path, &form, Some(&ans)).await;
            assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{login} {path}");
        }
    }

    // Everything the ANS reads about this candidature, and its whole audit view.
    let ans = app.login("instructeur@ans.test").await;
    let (status, page, _) = app.get("/candidatures/monlps-mdv", Some(&ans)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains(SECRET));
    assert!(!page.contains("h-collaboration"));
    assert!(!page.contains("Notes internes"));
    assert!(
        !page.contains("/mon-travail"),
        "no link in the ANS navigation"
    );
    for path in [
        "/api/v1/candidatures",
        "/api/v1/candidatures/monlps-mdv",
        "/api/v1/candidatures/monlps-mdv/proof-items?limit=500",
        "/api/v1/candidatures/monlps-mdv/plan",
        "/api/v1/candidatures/monlps-mdv/diagnostics",
        "/api/v1/candidatures/monlps-mdv/files",
        "/api/v1/audit?limit=500",
        "/api/v1/audit/export?format=json",
    ] {
        let (status, body, _) = app.get(path, Some(&ans)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(!body.contains(SECRET), "{path} shows an internal note");
        assert!(!body.contains("ne pas montrer"), "{path}");
        assert!(!body.contains(&salarie), "{path} shows the assignee");
    }
    // Positive control: the owner does see it.
    let (_, notes) = app.get_json(NOTES, Some(&boss)).await;
    assert!(notes.to_string().contains(SECRET));
}

#[tokio::test]
async fn assignment_forms_of_the_candidature_page() {
    let app = TestApp::demo().await;
    let boss = app.login("mandataire@monlps.test").await;
    let salarie = user_id(&app, "salarie@monlps.test").await;
    let (_, page, _) = app.get("/candidatures/monlps-mdv", Some(&boss)).await;
    assert!(
        page.contains("max=\"2027-01-20\""),
        "D2 bounds the date input"
    );
    assert!(page.contains("value=\"LGC.DMP/UX.10.01.01:1:1\""));
    let resp = app
        .post_form(
            "/candidatures/monlps-mdv/attributions",
            &format!(
                "element=LGC.DMP%2FUX.10.01.01%3A1%3A1&personne={salarie}&echeance=2027-01-20"
            ),
            Some(&boss),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let location = resp.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(location.contains("message="), "{location}");
    let (_, page, _) = app.get(&location, Some(&boss)).await;
    assert!(page.contains("Preuves confiées"));
    assert!(page.contains("20 janvier 2027"));
    let resp = app
        .post_form(
            "/candidatures/monlps-mdv/attributions/retrait",
            "element=LGC.DMP%2FUX.10.01.01%3A1%3A1",
            Some(&boss),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let me = app.login("salarie@monlps.test").await;
    let (_, work) = app.get_json("/api/v1/me/work", Some(&me)).await;
    assert_eq!(work["total"], 0);
    let (_, page, _) = app.get("/mon-travail", Some(&me)).await;
    assert!(page.contains("Aucune preuve ne vous est confiée"));
}
