use axum::http::StatusCode;

use crate::common::TestApp;

#[tokio::test]
async fn home_and_sign_in_pages_are_french_and_accessible_shapes() {
    let app = TestApp::demo().await;
    let (status, html, _) = app.get("/", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<html lang=\"fr\">"));
    assert!(html.contains("<h1>"));
    assert!(html.contains("href=\"/connexion\""));
    assert!(html.contains("Aller au contenu"));
    let (status, html, _) = app.get("/connexion", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<label for=\"login\">") && html.contains("id=\"login\""));
    assert!(html.contains("<label for=\"password\">") && html.contains("type=\"password\""));
}

#[tokio::test]
async fn dashboard_shows_candidatures_solutions_and_deadlines() {
    let app = TestApp::demo().await;
    let cookie = app.login("mandataire@monlps.test").await;
    let (status, html, _) = app.get("/tableau-de-bord", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Tableau de bord"));
    assert!(html.contains("href=\"/candidatures/monlps-psf\""));
    assert!(html.contains("Mes solutions"));
    assert!(html.contains("Prochaines échéances"));
    assert!(html.contains("<progress"));
    assert!(
        !html.contains("medi20"),
        "no other editor's data on my dashboard"
    );
}

#[tokio::test]
async fn candidature_page_shows_declaration_chapters_and_explained_diagnostics() {
    let app = TestApp::demo().await;
    let cookie = app.login("mandataire@monlps.test").await;
    let (status, html, _) = app.get("/candidatures/monlps-psf", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    for needle in [
        "Solution déclarée",
        "Noms commerciaux",
        "Racine et héritage",
        "Chapitres",
        "Diagnostics des règles",
        "/candidatures/monlps-psf/chapitres/1",
    ] {
        assert!(html.contains(needle), "missing {needle}");
    }
    if html.contains("class=\"diag ") {
        assert!(
            html.contains("<summary>Pourquoi ?</summary>"),
            "each diagnostic explains its rule"
        );
    }
}

#[tokio::test]
async fn chapter_page_lists_items_with_their_rules_and_requirement_links() {
    let app = TestApp::demo().await;
    let cookie = app.login("mandataire@monlps.test").await;
    let (status, html, _) = app
        .get("/candidatures/monlps-psf/chapitres/1", Some(&cookie))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("href=\"/catalogue/exigence?dispositif="));
    assert!(
        html.contains("href=\"/regles/"),
        "plan decisions link to their rule"
    );
    let (status, _, _) = app
        .get("/candidatures/monlps-psf/chapitres/999", Some(&cookie))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn catalogue_pages_show_the_amended_calendar_rem_and_requirements() {
    let app = TestApp::demo().await;
    let (status, html, _) = app.get("/catalogue", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("href=\"/catalogue/dispositifs/MDV-LGC-Va2\""));
    let (status, html, _) = app.get("/catalogue/dispositifs/MDV-LGC-Va2", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("20 janvier 2027"), "D2 amended");
    assert!(
        html.contains("<del>22 juillet 2026"),
        "former D2 kept in the history"
    );
    assert!(html.contains("8 juin 2026") || html.contains("11 juin 2026"));
    let (status, html, _) = app.get("/catalogue/exigences?q=SSI%2FGEN", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("SC.SSI/GEN.18"));
    let (status, _, _) = app.get("/catalogue/dispositifs/NOPE-Va2", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn rules_pages_explain_each_rule() {
    let app = TestApp::demo().await;
    let (status, html, _) = app.get("/regles", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("EQV-04") && html.contains("BDC-02"));
    let (status, html, _) = app.get("/regles/PEN-04", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Règle PEN-04"));
}
