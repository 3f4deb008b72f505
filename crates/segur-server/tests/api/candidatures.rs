use axum::http::StatusCode;

use crate::common::TestApp;

#[tokio::test]
async fn an_editor_lists_only_its_own_candidatures() {
    let app = TestApp::demo().await;
    let cookie = app.login("mandataire@monlps.test").await;
    let (status, body) = app.get_json("/api/v1/candidatures", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    let items = body["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(
        items.iter().all(|c| c["organisation_id"] == "ed-monlps"),
        "{body}"
    );
    assert!(items.iter().any(|c| c["id"] == "monlps-psf"));
    assert_eq!(body["total"].as_i64().unwrap(), items.len() as i64);
}

#[tokio::test]
async fn another_editors_candidature_is_not_found_on_every_route() {
    let app = TestApp::demo().await;
    let cookie = app.login("mandataire@medi.test").await;
    for path in [
        "/api/v1/candidatures/monlps-psf",
        "/api/v1/candidatures/monlps-psf/proof-items",
        "/api/v1/candidatures/monlps-psf/plan",
        "/api/v1/candidatures/monlps-psf/diagnostics",
    ] {
        let (status, body) = app.get_json(path, Some(&cookie)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        assert_eq!(body["error"], "not_found");
    }
    let (status, _, _) = app.get("/candidatures/monlps-psf", Some(&cookie)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn anonymous_callers_get_401_json() {
    let app = TestApp::demo().await;
    for path in [
        "/api/v1/candidatures",
        "/api/v1/candidatures/monlps-psf",
        "/api/v1/solutions",
        "/api/v1/me",
    ] {
        let (status, body) = app.get_json(path, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(body["error"], "unauthenticated");
    }
}

#[tokio::test]
async fn the_ans_reads_any_candidature_and_the_asp_cannot() {
    let app = TestApp::demo().await;
    let ans = app.login("instructeur@ans.test").await;
    let (status, body) = app
        .get_json("/api/v1/candidatures/monlps-psf", Some(&ans))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["organisation_id"], "ed-monlps");
    let asp = app.login("agent@asp.test").await;
    let (status, body) = app
        .get_json("/api/v1/candidatures/monlps-psf", Some(&asp))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "forbidden");
    // Same answer for a candidature that does not exist: the role decides first.
    let (status, _) = app
        .get_json("/api/v1/candidatures/does-not-exist", Some(&asp))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .get_json("/api/v1/candidatures/does-not-exist", Some(&ans))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn proof_items_are_paginated_in_rem_order_with_their_status() {
    let app = TestApp::demo().await;
    let cookie = app.login("mandataire@monlps.test").await;
    let (status, all) = app
        .get_json(
            "/api/v1/candidatures/monlps-psf/proof-items?limit=500",
            Some(&cookie),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let total = all["total"].as_i64().unwrap();
    let items = all["items"].as_array().unwrap();
    assert_eq!(items.len() as i64, total);
    assert!(total > 10);
    let (_, page2) = app
        .get_json(
            "/api/v1/candidatures/monlps-psf/proof-items?limit=5&offset=5",
            Some(&cookie),
        )
        .await;
    let page2 = page2["items"].as_array().unwrap();
    assert_eq!(page2.len(), 5);
    assert_eq!(page2[0], items[5]);
    assert!(
        items.iter().any(|i| i["status"] != "to_deposit"),
        "the demo has deposits"
    );
    for i in items {
        assert!(i["status_label"].as_str().is_some_and(|s| !s.is_empty()));
    }
}

#[tokio::test]
async fn invalid_pagination_is_a_400_naming_the_field() {
    let app = TestApp::demo().await;
    let cookie = app.login("mandataire@monlps.test").await;
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("offset=-1", "offset"),
    ] {
        let (status, body) = app
            .get_json(&format!("/api/v1/candidatures?{query}"), Some(&cookie))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(body["error"], "invalid_parameter");
        assert_eq!(body["field"], field);
    }
    let (status, body) = app
        .get_json("/api/v1/candidatures?limit=abc", Some(&cookie))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_parameter");
}

#[tokio::test]
async fn the_plan_explains_every_item_with_a_known_rule() {
    let app = TestApp::demo().await;
    let cookie = app.login("mandataire@monlps.test").await;
    let (status, plan) = app
        .get_json("/api/v1/candidatures/monlps-psf/plan", Some(&cookie))
        .await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    let items = plan["items"].as_array().unwrap();
    assert!(!items.is_empty());
    for item in items {
        let rules = item["rules"].as_array().unwrap();
        assert!(!rules.is_empty(), "every decision cites a rule: {item}");
        for r in rules {
            assert!(
                segur_domain::rules::rule(r.as_str().unwrap()).is_some(),
                "unknown rule {r}"
            );
        }
        if item["status"] == "equivalent" {
            assert!(
                item["source_nru"].is_string(),
                "an equivalent item names its root NRU: {item}"
            );
        }
    }
    // The root NRU of the demo candidature exempts at least one item (EQV-06).
    assert!(
        items.iter().any(|i| i["status"] == "equivalent"),
        "EQV-06 applies in the demo"
    );
    let t = &plan["totals"];
    let sum = [
        "required",
        "inherited",
        "equivalent",
        "impacted",
        "not_applicable",
    ]
    .iter()
    .map(|k| t[k].as_u64().unwrap())
    .sum::<u64>();
    assert_eq!(sum as usize, items.len());
}

#[tokio::test]
async fn diagnostics_cite_rules_of_the_catalogue() {
    let app = TestApp::demo().await;
    let cookie = app.login("mandataire@monlps.test").await;
    let (status, body) = app
        .get_json("/api/v1/candidatures/monlps-psf/diagnostics", Some(&cookie))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["at"], "2026-11-22");
    for d in body["diagnostics"].as_array().unwrap() {
        let rule = d["rule"].as_str().unwrap();
        assert!(
            segur_domain::rules::rule(rule).is_some(),
            "unknown rule {rule}"
        );
        assert!(!d["message_fr"].as_str().unwrap().is_empty());
        assert!(!d["message_en"].as_str().unwrap().is_empty());
    }
}

#[tokio::test]
async fn listing_proof_items_costs_a_constant_number_of_queries() {
    let app = TestApp::demo().await;
    let cookie = app.login("mandataire@monlps.test").await;
    // The first listing of a REM version loads its rows into the catalogue cache: one query more.
    let before = app.store.query_count();
    app.get_json(
        "/api/v1/candidatures/monlps-psf/proof-items?limit=1",
        Some(&cookie),
    )
    .await;
    let cold = app.store.query_count() - before;
    let before = app.store.query_count();
    app.get_json(
        "/api/v1/candidatures/monlps-psf/proof-items?limit=2",
        Some(&cookie),
    )
    .await;
    let small = app.store.query_count() - before;
    assert_eq!(cold, small + 1, "only the first listing reads the REM rows");
    assert!(small <= 3, "session + candidature + deposits, got {small}");
    let before = app.store.query_count();
    let (_, body) = app
        .get_json(
            "/api/v1/candidatures/monlps-psf/proof-items?limit=500",
            Some(&cookie),
        )
        .await;
    let large = app.store.query_count() - before;
    assert!(body["items"].as_array().unwrap().len() > 2);
    assert_eq!(
        small, large,
        "no N+1: the same number of queries whatever the page size"
    );
    let before = app.store.query_count();
    app.get_json("/api/v1/candidatures?limit=500", Some(&cookie))
        .await;
    let list = app.store.query_count() - before;
    assert!(list <= 4, "candidature list costs {list} queries");
}

#[tokio::test]
async fn solutions_list_my_referenced_and_candidate_solutions() {
    let app = TestApp::demo().await;
    let cookie = app.login("mandataire@monlps.test").await;
    let (status, body) = app.get_json("/api/v1/solutions", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    let list = body.as_array().unwrap();
    assert!(
        list.iter().any(|s| s["source"] == "referencing"),
        "MonLPSMédecin is referenced: {body}"
    );
    assert!(list.iter().any(|s| s["source"] == "candidature"));
}

/// The server's plan and diagnostics (computed from what the store reassembles) agree with the
/// engine run directly on the whole demo world, as `segur plan` / `segur check` do.
#[tokio::test]
async fn server_plan_and_diagnostics_agree_with_the_offline_engine() {
    let app = TestApp::demo().await;
    let loaded = crate::common::demo_world();
    let today = crate::common::today();
    for (login, ids) in [
        (
            "mandataire@monlps.test",
            loaded
                .world
                .candidatures
                .iter()
                .filter(|c| c.editor == "ed-monlps")
                .map(|c| c.id.clone())
                .collect::<Vec<_>>(),
        ),
        (
            "mandataire@medi.test",
            loaded
                .world
                .candidatures
                .iter()
                .filter(|c| c.editor == "ed-medi")
                .map(|c| c.id.clone())
                .collect(),
        ),
    ] {
        let cookie = app.login(login).await;
        for id in ids {
            let offline = segur_domain::rules::plan(&loaded.world, &id, today, &loaded.settings)
                .expect("offline plan");
            let (status, online) = app
                .get_json(&format!("/api/v1/candidatures/{id}/plan"), Some(&cookie))
                .await;
            assert_eq!(status, StatusCode::OK, "{id}: {online}");
            let online_items = online["items"].as_array().unwrap();
            assert_eq!(online_items.len(), offline.items.len(), "{id}");
            for (a, b) in online_items.iter().zip(&offline.items) {
                assert_eq!(a["requirement"], b.key.requirement.as_str(), "{id}");
                assert_eq!(
                    a["status"],
                    serde_json::to_value(b.status).unwrap(),
                    "{id} {}",
                    b.key
                );
                assert_eq!(
                    a["rules"],
                    serde_json::to_value(&b.rules).unwrap(),
                    "{id} {}",
                    b.key
                );
            }
            let offline_diags =
                segur_domain::rules::check_candidature(&loaded.world, &id, today, &loaded.settings);
            let (_, online) = app
                .get_json(
                    &format!("/api/v1/candidatures/{id}/diagnostics"),
                    Some(&cookie),
                )
                .await;
            let online_rules: Vec<(String, String)> = online["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| {
                    (
                        d["rule"].as_str().unwrap().to_owned(),
                        d["message_fr"].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            let offline_rules: Vec<(String, String)> = offline_diags
                .iter()
                .map(|d| (d.rule.clone(), d.message_fr.clone()))
                .collect();
            assert_eq!(online_rules, offline_rules, "{id}: server and CLI disagree");
        }
    }
}
