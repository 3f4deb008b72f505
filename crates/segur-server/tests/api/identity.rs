//! Second factor (TOTP, recovery codes), session rotation at every privilege change, password
//! rules and the accounts an organisation manages itself, through the real pages.

use axum::http::{StatusCode, header};

use crate::common::{PASSWORD, TOTP_SECRET, TestApp, body_text, set_cookie, totp_now};

fn location(resp: &axum::http::Response<axum::body::Body>) -> String {
    resp.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned()
}

/// The TOTP key an enrolment page offers (shown grouped by four).
fn offered_secret(page: &str) -> String {
    page.split("<code class=\"secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .replace(' ', "")
}

async fn password_step(app: &TestApp, login: &str) -> (StatusCode, String, String) {
    let resp = app
        .post_form(
            "/connexion",
            &format!(
                "login={}&password={PASSWORD}&next=%2Fans%2Fpv-pilotes",
                login.replace('@', "%40")
            ),
            None,
        )
        .await;
    let status = resp.status();
    let loc = location(&resp);
    (status, loc, set_cookie(&resp))
}

#[tokio::test]
async fn agency_accounts_need_the_code_and_the_staged_session_opens_nothing() {
    let app = TestApp::demo().await;
    let (status, loc, staged) = password_step(&app, "instructeur@ans.test").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(loc, "/connexion/code?suivant=/ans/pv-pilotes");
    let (s, _, _) = app.get("/tableau-de-bord", Some(&staged)).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "password alone is not a sign-in");
    let (s, _) = app.get_json("/api/v1/me", Some(&staged)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, page, _) = app.get("/connexion/code", Some(&staged)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("Second facteur"));

    // A wrong code: refused, still staged.
    let wrong = app
        .post_form("/connexion/code", "code=000000", Some(&staged))
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(body_text(wrong).await.contains("Code incorrect"));

    // The right code: a new identifier; the staged one is dead.
    let code = totp_now();
    let ok = app
        .post_form(
            "/connexion/code",
            &format!("code={code}&next=%2Fans%2Fpv-pilotes"),
            Some(&staged),
        )
        .await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&ok), "/ans/pv-pilotes");
    let full = set_cookie(&ok);
    assert_ne!(
        full, staged,
        "session identifier rotated at the privilege change"
    );
    let (s, me) = app.get_json("/api/v1/me", Some(&full)).await;
    assert_eq!(
        (s, me["login"].as_str()),
        (StatusCode::OK, Some("instructeur@ans.test"))
    );
    let (s, _, _) = app.get("/connexion/code", Some(&staged)).await;
    assert_eq!(s, StatusCode::SEE_OTHER);

    // The same code again, on a new password step: replay refused.
    let (_, _, staged2) = password_step(&app, "instructeur@ans.test").await;
    let replay = app
        .post_form("/connexion/code", &format!("code={code}"), Some(&staged2))
        .await;
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);
    assert!(body_text(replay).await.contains("déjà été utilisé"));
}

#[tokio::test]
async fn an_agency_account_without_second_factor_must_enrol_before_anything() {
    let app = TestApp::demo().await;
    let system = app.store.system();
    let ans = system
        .list_organisations(None)
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.id == "ans")
        .unwrap();
    let created = system
        .create_account(&segur_store::NewAccount {
            login: "nouvelle@ans.test".into(),
            display_name: "Nouvelle référente".into(),
            password: PASSWORD.into(),
            role: segur_domain::org::Role::AnsReferent,
            organisation_id: ans.id,
        })
        .await
        .unwrap();
    let (status, loc, staged) = password_step(&app, "nouvelle@ans.test").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(loc.starts_with("/connexion/activation"), "{loc}");
    let (s, _, _) = app.get("/tableau-de-bord", Some(&staged)).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, page, _) = app.get("/connexion/activation", Some(&staged)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("<svg"), "QR code shown");
    assert!(page.contains("otpauth://totp/segur:nouvelle%40ans.test?"));
    // The secret the page offers is the one to confirm.
    let secret = offered_secret(&page);
    let now = jiff::Timestamp::now().as_second() as u64;
    let wrong = app
        .post_form("/connexion/activation", "code=000000", Some(&staged))
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let code = segur_store::totp_code_at(&secret, now).unwrap();
    let done = app
        .post_form(
            "/connexion/activation",
            &format!("code={code}&next=%2Ftableau-de-bord"),
            Some(&staged),
        )
        .await;
    assert_eq!(done.status(), StatusCode::OK);
    let full = set_cookie(&done);
    assert_ne!(full, staged);
    let page = body_text(done).await;
    assert!(page.contains("Codes de secours"));
    let recovery: Vec<&str> = page
        .split("<li><code>")
        .skip(1)
        .map(|c| c.split('<').next().unwrap())
        .collect();
    assert_eq!(recovery.len(), segur_store::RECOVERY_CODES);
    let (s, _, _) = app.get("/tableau-de-bord", Some(&full)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(system.has_second_factor(&created.id).await.unwrap());

    // A recovery code signs in once.
    let (_, _, staged) = password_step(&app, "nouvelle@ans.test").await;
    let ok = app
        .post_form(
            "/connexion/code",
            &format!("code={}", recovery[0]),
            Some(&staged),
        )
        .await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    let (_, _, staged) = password_step(&app, "nouvelle@ans.test").await;
    let again = app
        .post_form(
            "/connexion/code",
            &format!("code={}", recovery[0]),
            Some(&staged),
        )
        .await;
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_password_change_follows_the_rules_and_rotates_every_session() {
    let app = TestApp::demo().await;
    let first = app.login("mandataire@monlps.test").await;
    let other = app.login("mandataire@monlps.test").await;
    let weak = app
        .post_form(
            "/compte/securite/mot-de-passe",
            &format!("current={PASSWORD}&new=motdepasse12&confirm=motdepasse12"),
            Some(&first),
        )
        .await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(weak).await.contains("Mot de passe trop faible"));
    let wrong_current = app
        .post_form(
            "/compte/securite/mot-de-passe",
            "current=faux&new=Nouvelle-phrase-2026&confirm=Nouvelle-phrase-2026",
            Some(&first),
        )
        .await;
    assert_eq!(wrong_current.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let ok = app
        .post_form(
            "/compte/securite/mot-de-passe",
            &format!("current={PASSWORD}&new=Nouvelle-phrase-2026&confirm=Nouvelle-phrase-2026"),
            Some(&first),
        )
        .await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    let rotated = set_cookie(&ok);
    assert_ne!(rotated, first);
    for dead in [&first, &other] {
        let (s, _, _) = app.get("/tableau-de-bord", Some(dead)).await;
        assert_eq!(
            s,
            StatusCode::SEE_OTHER,
            "old sessions end at a password change"
        );
    }
    let (s, _, _) = app.get("/tableau-de-bord", Some(&rotated)).await;
    assert_eq!(s, StatusCode::OK);
    let old = app
        .post_form(
            "/connexion",
            &format!("login=mandataire%40monlps.test&password={PASSWORD}"),
            None,
        )
        .await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_editor_may_add_a_second_factor_and_cannot_swap_it_with_a_session_alone() {
    let app = TestApp::demo().await;
    let cookie = app.login("salarie@monlps.test").await;
    let (s, page, _) = app.get("/compte/securite/activation", Some(&cookie)).await;
    assert_eq!(s, StatusCode::OK);
    let secret = offered_secret(&page);
    let code =
        segur_store::totp_code_at(&secret, jiff::Timestamp::now().as_second() as u64).unwrap();
    let done = app
        .post_form(
            "/compte/securite/activation",
            &format!("code={code}"),
            Some(&cookie),
        )
        .await;
    assert_eq!(done.status(), StatusCode::OK);
    let rotated = set_cookie(&done);
    let (s, _, _) = app.get("/tableau-de-bord", Some(&cookie)).await;
    assert_eq!(
        s,
        StatusCode::SEE_OTHER,
        "enabling the factor ends the other sessions"
    );
    // Enrolled: a second enrolment is not offered; the next sign-in asks for the code.
    let (s, _, headers) = app.get("/compte/securite/activation", Some(&rotated)).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/compte/securite");
    let resp = app
        .post_form(
            "/connexion",
            &format!("login=salarie%40monlps.test&password={PASSWORD}"),
            None,
        )
        .await;
    assert!(location(&resp).starts_with("/connexion/code"));
    // Turning it off needs a current code (the session is not enough).
    let off = app
        .post_form(
            "/compte/securite/desactivation",
            "code=000000",
            Some(&rotated),
        )
        .await;
    assert_eq!(off.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let _ = TOTP_SECRET;
}

#[tokio::test]
async fn the_mandataire_manages_colleagues_and_a_competitor_cannot_touch_them() {
    let app = TestApp::demo().await;
    let mandataire = app.login("mandataire@monlps.test").await;
    let salarie = app.login("salarie@monlps.test").await;
    let medi = app.login("mandataire@medi.test").await;

    // Salariés cannot manage accounts.
    let (s, _, _) = app.get("/compte/equipe", Some(&salarie)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // A weak initial password: refused with the rule.
    let weak = app
        .post_form(
            "/compte/equipe",
            "login=recrue%40monlps.test&name=Recrue&role=editor_salarie&password=court",
            Some(&mandataire),
        )
        .await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(weak).await.contains("trop faible"));
    // Nobody creates an agency role or a mandataire.
    let escalate = app
        .post_form(
            "/compte/equipe",
            "login=pirate%40monlps.test&name=P&role=ans_admin&password=Phrase-secr%C3%A8te-2026",
            Some(&mandataire),
        )
        .await;
    assert_eq!(escalate.status(), StatusCode::FORBIDDEN);
    let created = app
        .post_form(
            "/compte/equipe",
            "login=recrue%40monlps.test&name=Recrue&role=editor_salarie&password=Phrase-secr%C3%A8te-2026",
            Some(&mandataire),
        )
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let (_, page, _) = app.get("/compte/equipe", Some(&mandataire)).await;
    assert!(page.contains("recrue@monlps.test"));

    let (recrue, _) = app
        .store
        .system()
        .find_user_for_login("recrue@monlps.test")
        .await
        .unwrap()
        .unwrap();
    let recrue_session = app
        .login_with("recrue@monlps.test", "Phrase-secrète-2026")
        .await;
    let salarie_id = recrue.id.clone();

    // A competitor: the colleague does not exist for them (404), nothing changes.
    for path in [
        format!("/compte/equipe/{salarie_id}/role"),
        format!("/compte/equipe/{salarie_id}/activation"),
    ] {
        let resp = app
            .post_form(&path, "role=editor_representant&active=0", Some(&medi))
            .await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let (s, _, _) = app.get("/tableau-de-bord", Some(&recrue_session)).await;
    assert_eq!(s, StatusCode::OK);
    let (_, page, _) = app.get("/compte/equipe", Some(&medi)).await;
    assert!(!page.contains("recrue@monlps.test"));

    // Promotion by the mandataire: the colleague's sessions end (privilege change).
    let promoted = app
        .post_form(
            &format!("/compte/equipe/{salarie_id}/role"),
            "role=editor_representant",
            Some(&mandataire),
        )
        .await;
    assert_eq!(promoted.status(), StatusCode::SEE_OTHER);
    let (s, _, _) = app.get("/tableau-de-bord", Some(&recrue_session)).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let again = app
        .login_with("recrue@monlps.test", "Phrase-secrète-2026")
        .await;
    let (_, me) = app.get_json("/api/v1/me", Some(&again)).await;
    assert_eq!(me["role"], "editor_representant");

    // Deactivation: no more sign-in, sessions end. Nobody changes their own account.
    let (me_user, _) = app
        .store
        .system()
        .find_user_for_login("mandataire@monlps.test")
        .await
        .unwrap()
        .unwrap();
    let own = app
        .post_form(
            &format!("/compte/equipe/{}/activation", me_user.id),
            "active=0",
            Some(&mandataire),
        )
        .await;
    assert_eq!(own.status(), StatusCode::FORBIDDEN);
    let off = app
        .post_form(
            &format!("/compte/equipe/{salarie_id}/activation"),
            "active=0",
            Some(&mandataire),
        )
        .await;
    assert_eq!(off.status(), StatusCode::SEE_OTHER);
    let (s, _, _) = app.get("/tableau-de-bord", Some(&again)).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let refused = app
        .post_form(
            "/connexion",
            "login=recrue%40monlps.test&password=Phrase-secr%C3%A8te-2026",
            None,
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert!(
        body_text(refused)
            .await
            .contains("Identifiant ou mot de passe incorrect.")
    );
}

#[tokio::test]
async fn the_audit_trail_shows_each_editor_its_own_events_and_the_ans_everything() {
    let app = TestApp::demo().await;
    let monlps = app.login("mandataire@monlps.test").await;
    let medi = app.login("mandataire@medi.test").await;
    let ans = app.login("instructeur@ans.test").await;
    // One event per sign-in at least, each about the signed-in user's organisation.
    let (s, mine) = app.get_json("/api/v1/audit?limit=500", Some(&monlps)).await;
    assert_eq!(s, StatusCode::OK);
    let items = mine["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(
        items.iter().all(|e| e["organisation_id"] == "ed-monlps"),
        "an editor sees only its organisation's events"
    );
    assert!(items.iter().any(|e| e["action"] == "auth.sign_in"));
    let (_, theirs) = app.get_json("/api/v1/audit?limit=500", Some(&medi)).await;
    assert!(
        theirs["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["organisation_id"] == "ed-medi")
    );
    let (_, all) = app.get_json("/api/v1/audit?limit=500", Some(&ans)).await;
    assert!(all["total"].as_i64().unwrap() > mine["total"].as_i64().unwrap());
    let orgs: std::collections::BTreeSet<String> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["organisation_id"].as_str().map(str::to_owned))
        .collect();
    assert!(
        orgs.contains("ed-monlps") && orgs.contains("ed-medi"),
        "{orgs:?}"
    );

    // Exports: CSV oldest first with a header, JSON the same events.
    let (s, csv, headers) = app.get("/api/v1/audit/export", Some(&monlps)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let mut lines = csv.trim_start_matches('\u{feff}').lines();
    assert!(lines.next().unwrap().starts_with("seq;at;actor_user_id"));
    assert!(!csv.contains("ed-medi"));
    let (s, json) = app
        .get_json("/api/v1/audit/export?format=json", Some(&monlps))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        json.as_array().unwrap().len() as i64,
        mine["total"].as_i64().unwrap()
    );
    let (s, _) = app
        .get_json("/api/v1/audit/export?format=xml", Some(&monlps))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // The page: French, with the export links.
    let (s, page, _) = app.get("/historique", Some(&monlps)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("Historique") && page.contains("/api/v1/audit/export?format=csv"));
    assert!(!page.contains("ed-medi"));
    let (s, _, _) = app.get("/historique?decalage=-3", Some(&monlps)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}
