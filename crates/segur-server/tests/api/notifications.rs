//! Notifications end to end: domain events and deadline reminders become each person's
//! in-app notifications and e-mails, delivered over SMTP to a real sink (aiosmtpd, started by
//! scripts/peers/smtp.sh, which writes a Maildir); preferences (digest, English), read
//! marks, retries when the SMTP server is down, and isolation between people.
//!
//! Each test sends from its own sender address, so that it only reads its own messages from
//! the shared Maildir.

use std::time::Duration;

use axum::http::StatusCode;
use segur_domain::org::Role;
use segur_store::NewAccount;
use serde_json::json;

use crate::common::{PASSWORD, TestApp, body_text};

const CAND: &str = "hospidpi-dpi";
const EDITOR: &str = "mandataire@hopital.test";

/// Between D2 and D3 of HOP-DPI-Va2: complements may be asked.
fn in_exchanges() -> jiff::civil::Date {
    jiff::civil::date(2025, 10, 15)
}

/// 09:00 in Paris on `day` (after the default digest hour).
fn morning(day: jiff::civil::Date) -> jiff::Timestamp {
    day.at(9, 0, 0, 0)
        .to_zoned(segur_domain::calendar::paris())
        .unwrap()
        .timestamp()
}

struct Sink {
    maildir: std::path::PathBuf,
    from: String,
}

/// One message received by the sink.
#[derive(Debug)]
struct Mail {
    to: String,
    subject: String,
    body: String,
}

impl Sink {
    /// The sink of scripts/peers/smtp.sh; panics with the fix when it is not running, since
    /// the e-mail half of notifications cannot be checked without it.
    fn new() -> (String, Self) {
        let url = std::env::var("SEGUR_TEST_SMTP_URL").expect(
            "SEGUR_TEST_SMTP_URL not set: start the SMTP sink with `eval \"$(scripts/peers/smtp.sh)\"` (scripts/test.sh does)",
        );
        let maildir = std::env::var("SEGUR_TEST_MAILDIR").expect("SEGUR_TEST_MAILDIR not set");
        let from = format!("test-{}@segur.test", uuid::Uuid::now_v7().simple());
        (
            url,
            Self {
                maildir: maildir.into(),
                from,
            },
        )
    }

    /// The messages this test sent, oldest first.
    fn mails(&self) -> Vec<Mail> {
        let mut out = Vec::new();
        let Ok(dir) = std::fs::read_dir(self.maildir.join("new")) else {
            return out;
        };
        let mut files: Vec<_> = dir.flatten().map(|e| e.path()).collect();
        files.sort();
        for path in files {
            let Ok(raw) = std::fs::read(&path) else {
                continue;
            };
            let Some(m) = mail_parser::MessageParser::default().parse(&raw[..]) else {
                continue;
            };
            let from = m
                .from()
                .and_then(|a| a.first())
                .and_then(|a| a.address())
                .unwrap_or_default()
                .to_owned();
            if from != self.from {
                continue;
            }
            out.push(Mail {
                to: m
                    .to()
                    .and_then(|a| a.first())
                    .and_then(|a| a.address())
                    .unwrap_or_default()
                    .to_owned(),
                subject: m.subject().unwrap_or_default().to_owned(),
                body: m.body_text(0).map(|b| b.into_owned()).unwrap_or_default(),
            });
        }
        out
    }

    fn mails_to(&self, to: &str) -> Vec<Mail> {
        self.mails().into_iter().filter(|m| m.to == to).collect()
    }
}

async fn app(today: jiff::civil::Date, sink_url: Option<&str>, from: &str) -> TestApp {
    let smtp = sink_url.map(|u| segur_server::notify::SmtpConfig::parse(u, from).unwrap());
    let app = TestApp::demo_with(|c| {
        c.fixed_today = Some(today);
        c.smtp = smtp;
        c.public_url = Some("https://segur.example.fr".into());
        c.email_retry_schedule = vec![Duration::from_secs(60)];
    })
    .await;
    app.store
        .system()
        .create_account(&NewAccount {
            login: EDITOR.into(),
            display_name: "Mandataire Hôpital".into(),
            password: PASSWORD.into(),
            role: Role::EditorMandataire,
            organisation_id: "ed-hopital".into(),
        })
        .await
        .unwrap();
    app
}

async fn run(app: &TestApp, at: jiff::Timestamp) -> segur_server::notify::RunReport {
    segur_server::notify::run_once(&app.state, at)
        .await
        .unwrap()
}

async fn inbox(app: &TestApp, cookie: &str) -> serde_json::Value {
    let (s, v) = app.get_json("/api/v1/notifications", Some(cookie)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

fn kinds(v: &serde_json::Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn complement_answer_and_decisions_reach_the_right_people_in_app_and_by_e_mail() {
    let (url, sink) = Sink::new();
    let app = app(in_exchanges(), Some(&url), &sink.from).await;
    let ans = app.login("instructeur@ans.test").await;
    let editor = app.login(EDITOR).await;
    let competitor = app.login("mandataire@monlps.test").await;
    let base = format!("/api/v1/candidatures/{CAND}");
    let now = morning(in_exchanges());

    // The instructeur asks for a complement.
    let (s, r) = app
        .post_json(
            &format!("{base}/reviews"),
            &json!({"requirement": "SC.DMP.20", "scenario": 1, "proof": 1,
                    "decision": "request_complement", "motivation": "La capture ne montre pas l'envoi au DMP."}),
            Some(&ans),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let report = run(&app, now).await;
    assert!(
        report.notified >= 1 && report.emails_sent >= 1,
        "{report:?}"
    );

    // The editor's people get it, in French, in the app and by e-mail; the ANS and the
    // competing editor do not.
    let v = inbox(&app, &editor).await;
    assert_eq!(kinds(&v), ["complement.requested"], "{v}");
    let n = &v["items"][0];
    assert_eq!(v["unread"], 1);
    assert!(
        n["subject"]
            .as_str()
            .unwrap()
            .contains("Complément demandé"),
        "{n}"
    );
    assert!(
        n["body"]
            .as_str()
            .unwrap()
            .contains("La capture ne montre pas l'envoi au DMP.")
    );
    assert_eq!(n["link"], format!("/candidatures/{CAND}/instruction"));
    assert_eq!(n["email_status"], "sent");
    assert!(!kinds(&inbox(&app, &ans).await).contains(&"complement.requested".to_owned()));
    assert!(kinds(&inbox(&app, &competitor).await).is_empty());
    let mails = sink.mails_to(EDITOR);
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(mails[0].subject.contains("Complément demandé"), "{mails:?}");
    assert!(
        mails[0].subject.contains("SC.DMP.20 / S1 / P1"),
        "{mails:?}"
    );
    assert!(
        mails[0]
            .body
            .contains("La capture ne montre pas l'envoi au DMP.")
    );
    assert!(
        mails[0]
            .body
            .contains("https://segur.example.fr/candidatures/hospidpi-dpi/instruction"),
        "{mails:?}"
    );

    // A second pass tells nobody twice.
    let again = run(&app, now).await;
    assert_eq!((again.notified, again.emails_sent), (0, 0), "{again:?}");
    assert_eq!(sink.mails_to(EDITOR).len(), 1);

    // The editor answers: the ANS agents are told (nobody is assigned, so every instructeur
    // and référent), the editor is not.
    let (s, r) = app
        .post_json(
            &format!("{base}/answers"),
            &json!({"requirement": "SC.DMP.20", "scenario": 1, "proof": 1, "message": "Nouvelle capture déposée."}),
            Some(&editor),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    run(&app, now).await;
    let v = inbox(&app, &ans).await;
    assert!(kinds(&v).contains(&"complement.answered".to_owned()), "{v}");
    assert_eq!(sink.mails_to("instructeur@ans.test").len(), 1);
    assert_eq!(kinds(&inbox(&app, &editor).await), ["complement.requested"]);

    // The editor switches to an English daily digest: the next decision waits for the digest,
    // which arrives once, in English, listing it.
    let (s, p) = app
        .send_json(
            "PUT",
            "/api/v1/notifications/preferences",
            &json!({"email_mode": "daily_digest", "language": "en"}),
            Some(&editor),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    let (s, r) = app
        .post_json(
            &format!("{base}/reviews"),
            &json!({"requirement": "SC.MSS.20", "scenario": 1, "proof": 2,
                    "decision": "reject", "motivation": "Le message n'est pas chiffré."}),
            Some(&ans),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let before_digest_hour = in_exchanges()
        .at(5, 0, 0, 0)
        .to_zoned(segur_domain::calendar::paris())
        .unwrap()
        .timestamp();
    let early = run(&app, before_digest_hour).await;
    assert_eq!(early.digests_sent, 0, "{early:?}");
    let v = inbox(&app, &editor).await;
    assert_eq!(v["items"][0]["kind"], "proof.rejected", "{v}");
    assert_eq!(v["items"][0]["email_status"], "digest");
    assert!(
        v["items"][0]["subject"]
            .as_str()
            .unwrap()
            .contains("Proof rejected")
    );
    let late = run(&app, now).await;
    assert_eq!(late.digests_sent, 1, "{late:?}");
    assert_eq!(run(&app, now).await.digests_sent, 0, "one digest a day");
    let mails = sink.mails_to(EDITOR);
    assert_eq!(mails.len(), 2, "{mails:?}");
    let digest = mails
        .iter()
        .find(|m| {
            m.subject
                .starts_with("[segur] Digest of 2025-10-15: 1 notification")
        })
        .unwrap_or_else(|| panic!("no digest: {mails:?}"));
    assert!(digest.body.contains("Proof rejected"), "{mails:?}");

    // Read marks: one's own only; someone else's id is 404 and stays unread.
    let id = inbox(&app, &editor).await["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (s, e) = app
        .post_json(
            &format!("/api/v1/notifications/{id}/read"),
            &json!({}),
            Some(&competitor),
        )
        .await;
    assert_eq!(
        (s, e["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found")),
        "{e}"
    );
    assert_eq!(inbox(&app, &editor).await["unread"], 2);
    let resp = app
        .send(
            axum::http::Request::post(format!("/api/v1/notifications/{id}/read"))
                .header(axum::http::header::COOKIE, &editor)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_eq!(inbox(&app, &editor).await["unread"], 1);
    let (s, r) = app
        .post_json("/api/v1/notifications/read-all", &json!({}), Some(&editor))
        .await;
    assert_eq!((s, r["marked"].as_u64()), (StatusCode::OK, Some(1)), "{r}");
    let (s, v) = app
        .get_json("/api/v1/notifications?unread=true", Some(&editor))
        .await;
    assert_eq!((s, v["total"].as_i64()), (StatusCode::OK, Some(0)), "{v}");

    // Preferences are checked.
    let (s, e) = app
        .send_json(
            "PUT",
            "/api/v1/notifications/preferences",
            &json!({"email_mode": "weekly", "language": "en"}),
            Some(&editor),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(
        (e["error"].as_str(), e["field"].as_str()),
        (Some("invalid_body"), Some("email_mode")),
        "{e}"
    );
}

#[tokio::test]
async fn deadline_reminders_at_7_2_and_1_days_once_each() {
    let (url, sink) = Sink::new();
    // The complement is asked on 2025-10-15 with a due date 8 days later.
    let asked = in_exchanges();
    let app = app(asked, Some(&url), &sink.from).await;
    let ans = app.login("instructeur@ans.test").await;
    let editor = app.login(EDITOR).await;
    let (s, r) = app
        .post_json(
            &format!("/api/v1/candidatures/{CAND}/reviews"),
            &json!({"requirement": "SC.DMP.20", "scenario": 1, "proof": 1,
                    "decision": "request_complement", "motivation": "Capture illisible.",
                    "due_on": "2025-10-23"}),
            Some(&ans),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let reminders = |v: &serde_json::Value| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["kind"] == "deadline.reminder")
            .map(|n| n["subject"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let day = |d: i8| jiff::civil::date(2025, 10, d);
    run(&app, morning(day(15))).await;
    assert!(
        reminders(&inbox(&app, &editor).await).is_empty(),
        "8 days left: none yet"
    );
    run(&app, morning(day(16))).await;
    run(&app, morning(day(18))).await;
    let got = reminders(&inbox(&app, &editor).await);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].contains("Échéance dans 7 jours"), "{got:?}");
    run(&app, morning(day(21))).await;
    run(&app, morning(day(22))).await;
    run(&app, morning(day(22))).await;
    run(&app, morning(day(23))).await;
    let got = reminders(&inbox(&app, &editor).await);
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(got[0].contains("dans 1 jour "), "{got:?}");
    assert!(got[1].contains("dans 2 jours"), "{got:?}");
    let mails: Vec<String> = sink
        .mails_to(EDITOR)
        .into_iter()
        .map(|m| m.subject)
        .filter(|s| s.contains("Échéance"))
        .collect();
    assert_eq!(mails.len(), 3, "{mails:?}");
    // The other editor's people are not reminded of it.
    let competitor = app.login("mandataire@monlps.test").await;
    assert!(
        reminders(&inbox(&app, &competitor).await)
            .iter()
            .all(|s| !s.contains(CAND))
    );
}

#[tokio::test]
async fn an_unreachable_smtp_server_is_retried_then_given_up_and_nothing_is_lost() {
    // Port 9 (discard) on loopback: nothing listens, the connection is refused.
    let app = app(
        in_exchanges(),
        Some("smtp://127.0.0.1:9"),
        "segur <no-reply@segur.test>",
    )
    .await;
    let ans = app.login("instructeur@ans.test").await;
    let editor = app.login(EDITOR).await;
    let (s, _) = app
        .post_json(
            &format!("/api/v1/candidatures/{CAND}/reviews"),
            &json!({"requirement": "SC.DMP.20", "scenario": 1, "proof": 1,
                    "decision": "request_complement", "motivation": "Capture illisible."}),
            Some(&ans),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let now = morning(in_exchanges());
    let first = run(&app, now).await;
    assert_eq!(
        (first.emails_attempted, first.emails_sent),
        (1, 0),
        "{first:?}"
    );
    let v = inbox(&app, &editor).await;
    assert_eq!(
        v["items"][0]["email_status"], "pending",
        "retried later: {v}"
    );
    // Not due again before the retry wait (60 s here).
    let soon = run(
        &app,
        now.checked_add(jiff::SignedDuration::from_secs(30))
            .unwrap(),
    )
    .await;
    assert_eq!(soon.emails_attempted, 0, "{soon:?}");
    let later = run(
        &app,
        now.checked_add(jiff::SignedDuration::from_secs(200))
            .unwrap(),
    )
    .await;
    assert_eq!(later.emails_attempted, 1, "{later:?}");
    let v = inbox(&app, &editor).await;
    assert_eq!(v["items"][0]["email_status"], "failed", "{v}");
    assert_eq!(
        v["items"][0]["kind"], "complement.requested",
        "still in the app: {v}"
    );
}

#[tokio::test]
async fn without_smtp_notifications_stay_in_the_app_and_e_mails_wait() {
    let app = app(in_exchanges(), None, "segur <no-reply@segur.test>").await;
    let ans = app.login("instructeur@ans.test").await;
    let editor = app.login(EDITOR).await;
    app.post_json(
        &format!("/api/v1/candidatures/{CAND}/reviews"),
        &json!({"requirement": "SC.DMP.20", "scenario": 1, "proof": 1,
                "decision": "request_complement", "motivation": "Capture illisible."}),
        Some(&ans),
    )
    .await;
    let r = run(&app, morning(in_exchanges())).await;
    assert_eq!(r.emails_attempted, 0, "{r:?}");
    let v = inbox(&app, &editor).await;
    assert_eq!(v["items"][0]["email_status"], "pending", "{v}");
}

#[tokio::test]
async fn the_notifications_page_lists_marks_read_and_saves_preferences_without_javascript() {
    let app = app(in_exchanges(), None, "segur <no-reply@segur.test>").await;
    let ans = app.login("instructeur@ans.test").await;
    let editor = app.login(EDITOR).await;
    app.post_json(
        &format!("/api/v1/candidatures/{CAND}/reviews"),
        &json!({"requirement": "SC.DMP.20", "scenario": 1, "proof": 1,
                "decision": "request_complement", "motivation": "Capture illisible."}),
        Some(&ans),
    )
    .await;
    run(&app, morning(in_exchanges())).await;
    let (_, page, _) = app.get("/notifications", Some(&editor)).await;
    assert!(page.contains("<h1>Notifications</h1>"), "{page}");
    assert!(page.contains("Complément demandé"), "{page}");
    assert!(page.contains("1 non lue(s)"), "{page}");
    assert!(page.contains("Capture illisible."));
    let id = inbox(&app, &editor).await["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let resp = app
        .post_form(&format!("/notifications/{id}/lu"), "", Some(&editor))
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (_, page, _) = app.get("/notifications?fait=lu", Some(&editor)).await;
    assert!(page.contains("Notification marquée comme lue."), "{page}");
    assert!(page.contains("0 non lue(s)"), "{page}");
    // Someone else's notification: a French 404 page.
    let resp = app
        .post_form(&format!("/notifications/{id}/lu"), "", Some(&ans))
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert!(body_text(resp).await.contains("ne vous est pas adressée"));
    // Preferences, then a refused value.
    let resp = app
        .post_form(
            "/notifications/preferences",
            "email_mode=off&language=en",
            Some(&editor),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (_, p) = app
        .get_json("/api/v1/notifications/preferences", Some(&editor))
        .await;
    assert_eq!(p, json!({"email_mode": "off", "language": "en"}));
    let resp = app
        .post_form(
            "/notifications/preferences",
            "email_mode=hourly&language=fr",
            Some(&editor),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(resp).await.contains("mode inconnu"));
}
