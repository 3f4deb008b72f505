//! The ANS's monitoring (DEP-01, DEP-02, instruction throughput): figures checked against the
//! store's own candidature counts and against decision events written by the test; access for
//! the ANS only; CSV and XLSX exports.

use axum::http::{StatusCode, header};
use segur_domain::catalogue::ProofItemKey;
use segur_domain::events::{DomainEvent, EventKind};
use segur_store::Page;

use crate::common::TestApp;

const ANS: &str = "instructeur@ans.test";
const MONLPS: &str = "mandataire@monlps.test";

/// A deposited item of a demo candidature, with its deposit date.
async fn deposited_items(
    app: &TestApp,
    org: &str,
    id: &str,
) -> Vec<(ProofItemKey, jiff::civil::Date)> {
    let c = app.store.tenant(org).get_candidature(id).await.unwrap();
    c.deposits
        .iter()
        .filter_map(|d| Some((d.key.clone(), d.deposited_on?)))
        .collect()
}

async fn decide(
    app: &TestApp,
    kind: EventKind,
    org: &str,
    cand: &str,
    key: &ProofItemKey,
    at: &str,
) {
    let event = DomainEvent::new(kind, org)
        .candidature(cand)
        .item(key.clone());
    app.store
        .system()
        .append_event_for_tests(&event, at)
        .await
        .unwrap();
}

#[tokio::test]
async fn dep_02_counts_match_the_candidature_lists_of_every_editor() {
    let app = TestApp::demo().await;
    let ans = app.login(ANS).await;
    let (status, report) = app.get_json("/api/v1/monitoring", Some(&ans)).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["at"], "2026-11-22");
    let lines = report["dep02"].as_array().unwrap();
    assert!(!lines.is_empty());
    let mut seen = 0;
    for org in ["ed-monlps", "ed-medi"] {
        let list = app
            .store
            .tenant(org)
            .list_candidatures(Page {
                limit: 500,
                offset: 0,
            })
            .await
            .unwrap();
        for s in list.items {
            if s.state.is_final() {
                assert!(
                    !lines.iter().any(|l| l["candidature_id"] == s.id.as_str()),
                    "DEP-02: final candidature {} is not monitored",
                    s.id
                );
                continue;
            }
            let line = lines
                .iter()
                .find(|l| l["candidature_id"] == s.id.as_str())
                .unwrap_or_else(|| panic!("{} missing", s.id));
            assert_eq!(line["to_deposit"], s.required, "{}", s.id);
            assert_eq!(line["deposited"], s.deposited, "{}", s.id);
            assert_eq!(line["validated"], s.validated, "{}", s.id);
            assert!(["eleve", "modere", "sans_risque"].contains(&line["risk"].as_str().unwrap()));
            seen += 1;
        }
    }
    assert!(seen >= 2, "open candidatures of both editors checked");
    // The risk distribution adds up to the DEP-02 lines.
    let total: u64 = report["risks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["eleve"].as_u64().unwrap()
                + r["modere"].as_u64().unwrap()
                + r["sans_risque"].as_u64().unwrap()
        })
        .sum();
    assert_eq!(total as usize, lines.len());
    // DEP-01 is reported at the MDV checkpoint of 22/07/2026 only.
    for l in report["dep01"].as_array().unwrap() {
        assert_eq!(l["checkpoint"], "2026-07-22");
        assert_eq!(l["dispositif"], "MDV-LGC-Va2");
    }
}

#[tokio::test]
async fn monitoring_throughput_from_decision_events() {
    let app = TestApp::demo().await;
    let items = deposited_items(&app, "ed-monlps", "monlps-psf").await;
    assert!(items.len() >= 3, "demo deposits: {items:?}");
    let (k0, d0) = items[0].clone();
    let (k1, d1) = items[1].clone();
    let (k2, _) = items[2].clone();
    // Week 2026-W45 (2–8 November 2026): two validations, a rejection, a complement request.
    decide(
        &app,
        EventKind::ProofValidated,
        "ed-monlps",
        "monlps-psf",
        &k0,
        "2026-11-02T10:00:00Z",
    )
    .await;
    decide(
        &app,
        EventKind::ProofValidated,
        "ed-monlps",
        "monlps-psf",
        &k1,
        "2026-11-04T10:00:00Z",
    )
    .await;
    decide(
        &app,
        EventKind::ProofRejected,
        "ed-monlps",
        "monlps-psf",
        &k2,
        "2026-11-08T22:00:00Z",
    )
    .await;
    decide(
        &app,
        EventKind::ComplementRequested,
        "ed-monlps",
        "monlps-psf",
        &k2,
        "2026-11-03T09:00:00Z",
    )
    .await;
    // Week 2026-W47: one validation of an item whose deposit is unknown.
    let unknown = ProofItemKey {
        requirement: k0.requirement.clone(),
        scenario: 99,
        proof: 99,
    };
    decide(
        &app,
        EventKind::ProofValidated,
        "ed-monlps",
        "monlps-psf",
        &unknown,
        "2026-11-17T10:00:00Z",
    )
    .await;
    // Not a decision.
    decide(
        &app,
        EventKind::MessageFromAns,
        "ed-monlps",
        "monlps-psf",
        &k0,
        "2026-11-05T10:00:00Z",
    )
    .await;

    let ans = app.login(ANS).await;
    let (status, report) = app.get_json("/api/v1/monitoring", Some(&ans)).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let weeks = report["throughput"].as_array().unwrap();
    let week = |label: &str| {
        weeks
            .iter()
            .find(|w| {
                format!(
                    "{}-W{:02}",
                    w["week"]["year"],
                    w["week"]["week"].as_i64().unwrap()
                ) == label
            })
            .unwrap_or_else(|| panic!("{label} missing: {weeks:?}"))
    };
    let w45 = week("2026-W45");
    assert_eq!(w45["validated"], 2);
    assert_eq!(w45["rejected"], 1);
    assert_eq!(w45["complements"], 1);
    // Days from deposit to decision of the two validations and the rejection.
    let k2_deposit = items[2].1;
    let mut days = [
        (jiff::civil::date(2026, 11, 2) - d0).get_days() as f64,
        (jiff::civil::date(2026, 11, 4) - d1).get_days() as f64,
        (jiff::civil::date(2026, 11, 8) - k2_deposit).get_days() as f64,
    ];
    days.sort_by(f64::total_cmp);
    assert_eq!(w45["median_days_to_decision"].as_f64(), Some(days[1]));
    let w46 = week("2026-W46");
    assert_eq!(w46["validated"], 0, "empty week listed between decisions");
    let w47 = week("2026-W47");
    assert_eq!(w47["validated"], 1);
    assert!(
        w47["median_days_to_decision"].is_null(),
        "unknown deposit date left out"
    );
    assert_eq!(report["median_days_to_decision"].as_f64(), Some(days[1]));
}

#[tokio::test]
async fn monitoring_is_for_the_ans_only() {
    let app = TestApp::demo().await;
    let (status, _) = app.get_json("/api/v1/monitoring", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let editor = app.login(MONLPS).await;
    let (status, body) = app.get_json("/api/v1/monitoring", Some(&editor)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _, _) = app
        .get("/api/v1/monitoring/dep02/export?format=csv", Some(&editor))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = app.get("/suivi", Some(&editor)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn monitoring_exports_csv_and_xlsx() {
    use calamine::Reader;
    let app = TestApp::demo().await;
    let ans = app.login(ANS).await;
    let (status, csv, headers) = app
        .get("/api/v1/monitoring/dep02/export?format=csv", Some(&ans))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("suivi-dep02-avancement-2026-11-22.csv")
    );
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert!(
        lines[0].starts_with("Éditeur;Solution;Dispositif;Candidature;Preuves à déposer;Déposées;Validées;Taux réel (%);Taux fin septembre 2026 (%)"),
        "{}",
        lines[0]
    );
    assert!(lines[0].ends_with("Dépôt complet prévu le;D2;Jours avant D2;Risque"));
    assert!(lines.len() >= 3, "{csv}");
    assert!(lines.iter().any(|l| l.contains(";monlps-psf;")), "{csv}");

    for table in ["dep01", "risks", "deposits", "throughput"] {
        let (status, body, _) = app
            .get(&format!("/api/v1/monitoring/{table}/export"), Some(&ans))
            .await;
        assert_eq!(status, StatusCode::OK, "{table}: {body}");
        assert!(body.starts_with('\u{feff}'), "{table}");
    }

    let resp = app
        .send(
            axum::http::Request::get("/api/v1/monitoring/risks/export?format=xlsx")
                .header(header::COOKIE, &ans)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = http_body_util::BodyExt::collect(resp.into_body())
        .await
        .unwrap()
        .to_bytes();
    let mut book: calamine::Xlsx<_> =
        calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let range = book.worksheet_range("Risques").unwrap();
    assert_eq!(
        range.get_value((0, 0)).map(|c| c.to_string()),
        Some("Dispositif".to_owned())
    );
    assert!(range.height() >= 2);
    // Numbers stay numbers.
    assert!(matches!(
        range.get_value((1, 4)),
        Some(calamine::Data::Float(_))
    ));

    let (status, _, _) = app
        .get("/api/v1/monitoring/dep02/export?format=pdf", Some(&ans))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, _) = app.get("/api/v1/monitoring/nope/export", Some(&ans)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = app.get("/api/v1/monitoring?date=hier", Some(&ans)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn monitoring_page_has_accessible_charts_and_tables() {
    let app = TestApp::demo().await;
    let ans = app.login(ANS).await;
    let (status, html, headers) = app.get("/suivi", Some(&ans)).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(html.contains("Suivi du plan de sécurisation"));
    assert!(
        html.contains("Point d'étape DEP-01 du 22/07/2026"),
        "{html}"
    );
    let svgs = html.matches("<svg role=\"img\"").count();
    assert!(svgs >= 2, "{svgs} charts");
    assert_eq!(html.matches("<title id=\"chart-").count(), svgs);
    assert_eq!(html.matches("<desc id=\"chart-").count(), svgs);
    assert!(
        html.matches("<table>").count() >= 3,
        "tables beside the charts"
    );
    assert!(!html.contains("<script"), "no script");
    assert!(!html.contains("style="), "no inline style (CSP)");
    assert!(
        html.contains("href=\"/suivi\" aria-current=\"page\""),
        "navigation link"
    );
    assert!(html.contains("/api/v1/monitoring/dep01/export?format=xlsx"));
}

/// The report is kept while nothing changes (a second view issues none of its queries); after
/// a change, a report that is slow to compute (here: any, the wait limit being zero) is shown
/// as it was, marked not up to date, while the new one is computed in the background; the new
/// figures then arrive without another change.
#[tokio::test]
async fn monitoring_report_is_kept_until_the_data_changes() {
    let app = TestApp::demo_with(|c| c.monitoring_wait_limit = std::time::Duration::ZERO).await;
    let ans = app.login(ANS).await;
    let validated_in_w45 = |report: &serde_json::Value| -> u64 {
        report["throughput"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| w["week"]["year"] == 2026 && w["week"]["week"] == 45)
            .map(|w| w["validated"].as_u64().unwrap_or(0))
            .sum()
    };

    let before = app.store.query_count();
    let (status, first) = app.get_json("/api/v1/monitoring", Some(&ans)).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let first_cost = app.store.query_count() - before;
    assert_eq!(first["up_to_date"], true);
    assert!(first["computed_at"].as_str().unwrap().ends_with('Z'));
    let base = validated_in_w45(&first);

    let before = app.store.query_count();
    let (_, second) = app.get_json("/api/v1/monitoring", Some(&ans)).await;
    let second_cost = app.store.query_count() - before;
    assert_eq!(second, first);
    assert!(
        second_cost + 5 <= first_cost,
        "the kept report is served without its queries ({second_cost} vs {first_cost})"
    );

    // A decision: the audit sequence moves.
    let items = deposited_items(&app, "ed-monlps", "monlps-psf").await;
    decide(
        &app,
        EventKind::ProofValidated,
        "ed-monlps",
        "monlps-psf",
        &items[0].0,
        "2026-11-04T10:00:00Z",
    )
    .await;
    let (_, stale) = app.get_json("/api/v1/monitoring", Some(&ans)).await;
    assert_eq!(stale["up_to_date"], false, "{}", stale["computed_at"]);
    assert_eq!(validated_in_w45(&stale), base);

    let mut fresh = stale;
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        fresh = app.get_json("/api/v1/monitoring", Some(&ans)).await.1;
        if fresh["up_to_date"] == true {
            break;
        }
    }
    assert_eq!(
        fresh["up_to_date"], true,
        "the background refresh never landed"
    );
    assert_eq!(
        validated_in_w45(&fresh),
        base + 1,
        "{}",
        fresh["throughput"]
    );

    // The page says when its figures were computed.
    let (status, html, _) = app.get("/suivi", Some(&ans)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Chiffres calculés le"), "{html}");
}
