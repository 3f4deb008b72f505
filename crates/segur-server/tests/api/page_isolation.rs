//! The isolation matrix of the HTML pages: every route of the pages router (read from its
//! source, `src/pages/mod.rs`, so that a new page without a row fails this test) is requested
//! as an anonymous visitor, the owner of the resource (MonLPS), a competing editor (Medi), an
//! ANS instructeur and an ASP agent. Anonymous visitors are sent to sign in (303); a competing
//! editor gets 404 on another editor's dossier; a role without the right gets 403.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Method, Request, header};

use crate::common::TestApp;

/// [anonymous, owner, competitor, ANS, ASP]; 0 = not checked (a success that would change the
/// data other rows rely on, or end the session).
type Expect = [u16; 5];

struct PageRow {
    method: &'static str,
    template: &'static str,
    path: &'static str,
    form: &'static str,
    expect: Expect,
}

const fn get(template: &'static str, path: &'static str, expect: Expect) -> PageRow {
    PageRow {
        method: "get",
        template,
        path,
        form: "",
        expect,
    }
}

const fn post(
    template: &'static str,
    path: &'static str,
    form: &'static str,
    expect: Expect,
) -> PageRow {
    PageRow {
        method: "post",
        template,
        path,
        form,
        expect,
    }
}

/// An empty multipart form (boundary `X`), for the upload pages.
const MULTIPART: &str = "--X--\r\n";

const PUBLIC: Expect = [200, 200, 200, 200, 200];
const MONLPS_DOSSIER: Expect = [303, 200, 404, 200, 403];
const ASP_ONLY: Expect = [303, 403, 403, 403, 200];

const PAGES: &[PageRow] = &[
    get(
        "/candidatures/{id}/fichiers",
        "/candidatures/monlps-mdv/fichiers",
        MONLPS_DOSSIER,
    ),
    post(
        "/candidatures/{id}/fichiers/depot",
        "/candidatures/monlps-mdv/fichiers/depot",
        MULTIPART,
        [303, 422, 404, 403, 403],
    ),
    // Notifications: everyone has their own; another person's is 404.
    get(
        "/notifications",
        "/notifications",
        [303, 200, 200, 200, 200],
    ),
    post(
        "/notifications/tout-lu",
        "/notifications/tout-lu",
        "",
        [303, 303, 303, 303, 303],
    ),
    post(
        "/notifications/{id}/lu",
        "/notifications/00000000000000000000000000000000/lu",
        "",
        [303, 404, 404, 404, 404],
    ),
    post(
        "/notifications/preferences",
        "/notifications/preferences",
        "email_mode=weekly&language=fr",
        [303, 422, 422, 422, 422],
    ),
    // Webhooks: editor mandataires and représentants, on their own organisation.
    get("/webhooks", "/webhooks", [303, 200, 200, 403, 403]),
    post(
        "/webhooks",
        "/webhooks",
        "url=http%3A%2F%2Fexample.fr%2Fhook",
        [303, 422, 422, 403, 403],
    ),
    get(
        "/webhooks/{id}",
        "/webhooks/00000000000000000000000000000000",
        [303, 404, 404, 403, 403],
    ),
    post(
        "/webhooks/{id}/suppression",
        "/webhooks/00000000000000000000000000000000/suppression",
        "",
        [303, 404, 404, 403, 403],
    ),
    // Internal collaboration: the owning editor's staff only (the ANS must never see it). A
    // refused form goes back to the candidature with the reason (303).
    get("/mon-travail", "/mon-travail", [303, 200, 200, 403, 403]),
    post(
        "/candidatures/{id}/attributions",
        "/candidatures/monlps-mdv/attributions",
        "element=x",
        [303, 303, 404, 403, 403],
    ),
    post(
        "/candidatures/{id}/attributions/retrait",
        "/candidatures/monlps-mdv/attributions/retrait",
        "element=x",
        [303, 303, 404, 403, 403],
    ),
    post(
        "/candidatures/{id}/notes-internes",
        "/candidatures/monlps-mdv/notes-internes",
        "note=",
        [303, 303, 404, 403, 403],
    ),
    get("/", "/", PUBLIC),
    get("/connexion", "/connexion", [200, 303, 303, 303, 303]),
    post(
        "/connexion",
        "/connexion",
        "login=x%40y.test&password=faux",
        [401, 0, 0, 0, 0],
    ),
    post("/deconnexion", "/deconnexion", "", [303, 0, 0, 0, 0]),
    post(
        "/deconnexion-partout",
        "/deconnexion-partout",
        "",
        [303, 0, 0, 0, 0],
    ),
    // No provider configured in this app: every provider is unknown (French 404 page). The
    // flows themselves are tested against real providers in oidc.rs.
    get(
        "/connexion/oidc/{provider}",
        "/connexion/oidc/isc",
        [404, 404, 404, 404, 404],
    ),
    get(
        "/connexion/oidc/{provider}/retour",
        "/connexion/oidc/isc/retour?state=x&code=y",
        [404, 404, 404, 404, 404],
    ),
    // Only a health professional's session (own cookie) opens this page; account sessions
    // give no access to it.
    get(
        "/professionnel",
        "/professionnel",
        [303, 303, 303, 303, 303],
    ),
    post(
        "/professionnel/deconnexion",
        "/professionnel/deconnexion",
        "",
        [303, 303, 303, 303, 303],
    ),
    get(
        "/tableau-de-bord",
        "/tableau-de-bord",
        [303, 200, 200, 200, 200],
    ),
    get(
        "/candidatures/{id}",
        "/candidatures/monlps-mdv",
        MONLPS_DOSSIER,
    ),
    get(
        "/candidatures/{id}/chapitres/{n}",
        "/candidatures/monlps-mdv/chapitres/1",
        MONLPS_DOSSIER,
    ),
    get(
        "/candidatures/{id}/rem/{version}",
        "/candidatures/monlps-mdv/rem/1.1",
        [303, 0, 404, 0, 403],
    ),
    // Owner: the multipart body has no file, refused with a French page (400).
    post(
        "/candidatures/{id}/test-intrusion",
        "/candidatures/monlps-mdv/test-intrusion",
        MULTIPART,
        [303, 400, 404, 403, 403],
    ),
    post(
        "/candidatures/{id}/rem/{version}",
        "/candidatures/monlps-mdv/rem/1.1",
        "",
        [303, 0, 404, 403, 403],
    ),
    get("/catalogue", "/catalogue", PUBLIC),
    get(
        "/catalogue/dispositifs/{code}",
        "/catalogue/dispositifs/MDV-LGC-Va2",
        PUBLIC,
    ),
    get(
        "/catalogue/dispositifs/{code}/rem/{version}",
        "/catalogue/dispositifs/MDV-LGC-Va2/rem/1.1",
        PUBLIC,
    ),
    get(
        "/catalogue/dispositifs/{code}/rem/{from}/modifications/{to}",
        "/catalogue/dispositifs/MDV-LGC-Va2/rem/1.1/modifications/1.1",
        PUBLIC,
    ),
    get(
        "/admin/catalogue/import",
        "/admin/catalogue/import",
        [303, 403, 403, 403, 403],
    ),
    post(
        "/admin/catalogue/import",
        "/admin/catalogue/import",
        MULTIPART,
        [303, 403, 403, 403, 403],
    ),
    post(
        "/admin/catalogue/publier",
        "/admin/catalogue/publier",
        "dispositif=MDV-LGC-Va2&version=1.1",
        [303, 403, 403, 403, 403],
    ),
    get(
        "/catalogue/exigence",
        "/catalogue/exigence?dispositif=MDV-LGC-Va2&version=1.1&id=SC.DMP.01",
        PUBLIC,
    ),
    get("/catalogue/exigences", "/catalogue/exigences?q=dmp", PUBLIC),
    get("/financement", "/financement", [303, 200, 200, 403, 303]),
    get(
        "/financement/simulateur",
        "/financement/simulateur",
        [303, 200, 200, 403, 403],
    ),
    post(
        "/financement/simulateur",
        "/financement/simulateur",
        "action=simulate&document=%7B%7D",
        [303, 200, 200, 403, 403],
    ),
    get("/asp/financement", "/asp/financement", ASP_ONLY),
    post(
        "/asp/financement/validation",
        "/asp/financement/validation",
        "",
        [303, 403, 403, 403, 0],
    ),
    get(
        "/asp/financement/demandes/{organisation}/{id}",
        "/asp/financement/demandes/ed-monlps/DA-MLM-001",
        ASP_ONLY,
    ),
    post(
        "/asp/financement/demandes/{organisation}/{id}/decision",
        "/asp/financement/demandes/ed-monlps/DA-MLM-001/decision",
        "decision=nope",
        [303, 403, 403, 403, 400],
    ),
    get("/asp/financement/base", "/asp/financement/base", ASP_ONLY),
    post(
        "/asp/financement/base",
        "/asp/financement/base",
        MULTIPART,
        [303, 403, 403, 403, 0],
    ),
    get(
        "/ans/pv-pilotes",
        "/ans/pv-pilotes",
        [303, 403, 403, 200, 403],
    ),
    post(
        "/ans/pv-pilotes/{organisation}/{order}/validation",
        "/ans/pv-pilotes/ed-monlps/BC-MLM-001/validation",
        "",
        [303, 403, 403, 0, 403],
    ),
    get("/suivi", "/suivi", [303, 403, 403, 200, 403]),
    get("/registre", "/registre", PUBLIC),
    get(
        "/compte/jetons",
        "/compte/jetons",
        [303, 200, 200, 200, 200],
    ),
    post("/compte/jetons", "/compte/jetons", "", [303, 0, 0, 0, 0]),
    post(
        "/compte/jetons/{id}/revoquer",
        "/compte/jetons/00000000-0000-0000-0000-000000000000/revoquer",
        "",
        [303, 404, 404, 404, 404],
    ),
    // Second-factor steps: only a staged session (password checked) reaches them; anyone
    // else is sent back to the sign-in page.
    get(
        "/connexion/code",
        "/connexion/code",
        [303, 303, 303, 303, 303],
    ),
    post(
        "/connexion/code",
        "/connexion/code",
        "code=123456",
        [303, 303, 303, 303, 303],
    ),
    get(
        "/connexion/activation",
        "/connexion/activation",
        [303, 303, 303, 303, 303],
    ),
    post(
        "/connexion/activation",
        "/connexion/activation",
        "code=123456",
        [303, 303, 303, 303, 303],
    ),
    get(
        "/compte/securite",
        "/compte/securite",
        [303, 200, 200, 200, 200],
    ),
    // ANS and ASP accounts already have a second factor: no second enrolment.
    get(
        "/compte/securite/activation",
        "/compte/securite/activation",
        [303, 200, 200, 303, 303],
    ),
    post(
        "/compte/securite/activation",
        "/compte/securite/activation",
        "code=000000",
        [303, 0, 0, 303, 303],
    ),
    post(
        "/compte/securite/codes-de-secours",
        "/compte/securite/codes-de-secours",
        "code=000000",
        [303, 422, 422, 422, 422],
    ),
    post(
        "/compte/securite/desactivation",
        "/compte/securite/desactivation",
        "code=000000",
        [303, 422, 422, 403, 403],
    ),
    post(
        "/compte/securite/mot-de-passe",
        "/compte/securite/mot-de-passe",
        "current=faux&new=Nouveau-mot-de-passe-2026&confirm=Nouveau-mot-de-passe-2026",
        [303, 422, 422, 422, 422],
    ),
    get(
        "/compte/equipe",
        "/compte/equipe",
        [303, 200, 200, 403, 403],
    ),
    post(
        "/compte/equipe",
        "/compte/equipe",
        "login=a&name=b&role=editor_salarie&password=Mot-de-passe-2026",
        [303, 422, 422, 403, 403],
    ),
    post(
        "/compte/equipe/{id}/role",
        "/compte/equipe/00000000-0000-0000-0000-000000000000/role",
        "role=editor_salarie",
        [303, 404, 404, 403, 403],
    ),
    post(
        "/compte/equipe/{id}/activation",
        "/compte/equipe/00000000-0000-0000-0000-000000000000/activation",
        "active=0",
        [303, 404, 404, 403, 403],
    ),
    // Instruction (issue #6): both sides on the dossier, ANS decisions, the référent's
    // decisions, the public attestation check.
    get(
        "/candidatures/{id}/instruction",
        "/candidatures/monlps-mdv/instruction",
        MONLPS_DOSSIER,
    ),
    post(
        "/candidatures/{id}/instruction/decision",
        "/candidatures/monlps-mdv/instruction/decision",
        "requirement=SC.PSC.14&scenario=1&proof=1&decision=validate&motivation=m",
        [303, 403, 403, 303, 403],
    ),
    post(
        "/candidatures/{id}/instruction/reponse",
        "/candidatures/monlps-mdv/instruction/reponse",
        "requirement=SC.PSC.14&scenario=1&proof=1&message=m",
        [303, 303, 404, 403, 403],
    ),
    post(
        "/candidatures/{id}/instruction/message",
        "/candidatures/monlps-mdv/instruction/message",
        "body=m",
        [303, 303, 404, 303, 403],
    ),
    post(
        "/candidatures/{id}/instruction/transition",
        "/candidatures/monlps-mdv/instruction/transition",
        "event=abandon",
        [303, 303, 404, 403, 403],
    ),
    post(
        "/candidatures/{id}/instruction/referencement",
        "/candidatures/monlps-mdv/instruction/referencement",
        "note=",
        [303, 403, 403, 403, 403],
    ),
    post(
        "/candidatures/{id}/instruction/refus",
        "/candidatures/monlps-mdv/instruction/refus",
        "motivation=m",
        [303, 403, 403, 403, 403],
    ),
    post(
        "/candidatures/{id}/instruction/retrait",
        "/candidatures/monlps-mdv/instruction/retrait",
        "motivation=m",
        [303, 403, 403, 403, 403],
    ),
    get("/instruction", "/instruction", [303, 403, 403, 200, 403]),
    post(
        "/instruction/affectation",
        "/instruction/affectation",
        "candidature=monlps-mdv&assignee=none",
        [303, 403, 403, 303, 403],
    ),
    get("/registre/attestations", "/registre/attestations", PUBLIC),
    get(
        "/registre/attestations/{code}",
        "/registre/attestations/0000-0000-0000-0000",
        PUBLIC,
    ),
    post(
        "/registre/attestations/verifier",
        "/registre/attestations/verifier",
        MULTIPART,
        [400, 400, 400, 400, 400],
    ),
    get("/historique", "/historique", [303, 200, 200, 200, 200]),
    get("/regles", "/regles", PUBLIC),
    get("/regles/{id}", "/regles/FIN-01", PUBLIC),
];

/// (method, path) of every route the pages router declares, read from its source.
fn declared_routes() -> BTreeSet<(String, String)> {
    let source = include_str!("../../src/pages/mod.rs");
    let mut out = BTreeSet::new();
    for chunk in source.split(".route(").skip(1) {
        let chunk = chunk.split(".route(").next().unwrap_or(chunk);
        let path = chunk.split('"').nth(1).expect("a route path");
        for method in ["get", "post"] {
            if chunk.contains(&format!("{method}(")) {
                out.insert((method.to_owned(), path.to_owned()));
            }
        }
    }
    out
}

#[tokio::test]
async fn every_page_is_in_the_isolation_matrix_and_answers_as_expected() {
    let declared = declared_routes();
    assert!(declared.len() >= 30, "{declared:?}");
    let covered: BTreeSet<(String, String)> = PAGES
        .iter()
        .map(|r| (r.method.to_owned(), r.template.to_owned()))
        .collect();
    let missing: Vec<_> = declared.difference(&covered).collect();
    assert!(missing.is_empty(), "pages without a row: {missing:?}");
    let stale: Vec<_> = covered.difference(&declared).collect();
    assert!(
        stale.is_empty(),
        "rows for pages that no longer exist: {stale:?}"
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
    for r in PAGES {
        for ((who, cookie), want) in callers.iter().zip(r.expect) {
            if want == 0 {
                continue;
            }
            let mut b = Request::builder()
                .method(Method::from_bytes(r.method.to_uppercase().as_bytes()).unwrap())
                .uri(r.path);
            if let Some(c) = cookie {
                b = b.header(header::COOKIE, c);
            }
            if r.form == MULTIPART {
                b = b.header(header::CONTENT_TYPE, "multipart/form-data; boundary=X");
            } else if r.method == "post" {
                b = b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            }
            let resp = app.send(b.body(Body::from(r.form)).unwrap()).await;
            let got = resp.status().as_u16();
            if got != want {
                failures.push(format!(
                    "{} {} as {who}: expected {want}, got {got}",
                    r.method.to_uppercase(),
                    r.path
                ));
            }
            // Every refusal is a readable French page, never a raw error.
            if got >= 400 {
                let ct = resp
                    .headers()
                    .get(header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned();
                if !ct.starts_with("text/html") {
                    failures.push(format!(
                        "{} {} as {who}: {got} is {ct}, not a page",
                        r.method, r.path
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
