//! Instruction by the ANS through the API and the pages: per-item decisions with motivations,
//! complement requests under LIF-06/LIF-07, the editor's answers, the thread, referral with
//! its NRU and attestation PDF (LIF-08), the public check of the attestation, refusal,
//! withdrawal, the queue, and who may do what.

use axum::http::StatusCode;
use segur_domain::org::Role;
use segur_store::NewAccount;
use serde_json::json;

use crate::common::{PASSWORD, TestApp, body_text};

const CAND: &str = "hospidpi-dpi";
/// HOP-DPI-Va2: D2 2025-09-30, D3 2025-12-31. Between them, complements may be asked.
fn in_exchanges() -> jiff::civil::Date {
    jiff::civil::date(2025, 10, 15)
}

async fn app_on(today: jiff::civil::Date) -> TestApp {
    let app = TestApp::demo_with(|c| c.fixed_today = Some(today)).await;
    for (login, role, org) in [
        (
            "mandataire@hopital.test",
            Role::EditorMandataire,
            "ed-hopital",
        ),
        ("referent@ans.test", Role::AnsReferent, "ans"),
    ] {
        app.store
            .system()
            .create_account(&NewAccount {
                login: login.into(),
                display_name: format!("Test {login}"),
                password: PASSWORD.into(),
                role,
                organisation_id: org.into(),
            })
            .await
            .unwrap();
    }
    app
}

fn item(req: &str, s: u16, p: u16) -> serde_json::Value {
    json!({ "requirement": req, "scenario": s, "proof": p })
}

fn with(mut base: serde_json::Value, extra: serde_json::Value) -> serde_json::Value {
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    base
}

async fn kinds_of_events(app: &TestApp) -> Vec<String> {
    use sqlx::{Connection, Row};
    let mut raw = sqlx::AnyConnection::connect(&app.db_url()).await.unwrap();
    let rows = sqlx::query("SELECT kind FROM domain_events WHERE candidature_id = $1 ORDER BY seq")
        .bind(CAND)
        .fetch_all(&mut raw)
        .await
        .unwrap();
    raw.close().await.unwrap();
    rows.iter().map(|r| r.get::<String, _>("kind")).collect()
}

#[tokio::test]
async fn lif_06_lif_08_complement_answer_validation_referral_and_public_check() {
    let app = app_on(in_exchanges()).await;
    let ans = app.login("instructeur@ans.test").await;
    let editor = app.login("mandataire@hopital.test").await;
    let referent = app.login("referent@ans.test").await;
    let url = format!("/api/v1/candidatures/{CAND}");

    // The instructeur asks for a complement, motivated, with the default due date (+5 days).
    let (s, r) = app
        .post_json(
            &format!("{url}/reviews"),
            &with(
                item("SC.DMP.20", 1, 1),
                json!({"decision": "request_complement", "motivation": "La capture ne montre pas l'envoi au DMP."}),
            ),
            Some(&ans),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(r["kind"], "complement_requested");
    assert_eq!(r["due_on"], "2025-10-20");
    assert_eq!(r["author_side"], "ans");

    // Both sides see the open request, its clock and the motivation.
    for cookie in [&editor, &ans] {
        let (s, v) = app
            .get_json(&format!("{url}/instruction"), Some(cookie))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let open = v["open_complements"].as_array().unwrap();
        assert!(
            open.iter().any(|o| o["requirement"] == "SC.DMP.20"
                && o["due_on"] == "2025-10-20"
                && o["motivation"] == "La capture ne montre pas l'envoi au DMP."),
            "{v}"
        );
        let clocks: Vec<&str> = v["clocks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert!(
            clocks.contains(&"d3") && clocks.contains(&"complement_due"),
            "{v}"
        );
    }

    // The editor cannot decide; the instructeur cannot answer.
    let (s, _) = app
        .post_json(
            &format!("{url}/reviews"),
            &with(
                item("SC.MSS.20", 1, 2),
                json!({"decision": "validate", "motivation": "ok"}),
            ),
            Some(&editor),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app
        .post_json(
            &format!("{url}/answers"),
            &with(item("SC.DMP.20", 1, 1), json!({"message": "x"})),
            Some(&ans),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // A decision without motivation is refused and changes nothing.
    let (s, e) = app
        .post_json(
            &format!("{url}/reviews"),
            &with(
                item("SC.MSS.20", 1, 2),
                json!({"decision": "validate", "motivation": "   "}),
            ),
            Some(&ans),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(e["field"], "motivation");

    // The editor answers: the item is back to review.
    let (s, r) = app
        .post_json(
            &format!("{url}/answers"),
            &with(
                item("SC.DMP.20", 1, 1),
                json!({"message": "Nouvelle capture avec l'accusé de réception du DMP."}),
            ),
            Some(&editor),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(r["kind"], "answered");
    // Answering twice: nothing is waiting any more.
    let (s, _) = app
        .post_json(
            &format!("{url}/answers"),
            &with(item("SC.DMP.20", 1, 1), json!({"message": "encore"})),
            Some(&editor),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);

    // A thread message each way.
    let (s, m) = app
        .post_json(
            &format!("{url}/messages"),
            &json!({"body": "Merci de préciser la version du connecteur."}),
            Some(&ans),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    assert_eq!(m["author_side"], "ans");
    let (s, _) = app
        .post_json(
            &format!("{url}/messages"),
            &json!({"body": "Connecteur DMP 3.1."}),
            Some(&editor),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, thread) = app
        .get_json(&format!("{url}/messages"), Some(&editor))
        .await;
    assert_eq!(thread.as_array().unwrap().len(), 2, "{thread}");

    // Referral before every item is validated: refused with the blocking items (LIF-08).
    let (s, e) = app
        .post_json(&format!("{url}/referral"), &json!({}), Some(&referent))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert_eq!(e["details"]["rule"], "LIF-08");
    let blockers = e["details"]["blockers"].as_array().unwrap().clone();
    assert!(!blockers.is_empty());
    // Only a référent decides.
    let (s, _) = app
        .post_json(&format!("{url}/referral"), &json!({}), Some(&ans))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Items never deposited are deposited by the editor (here through the store), then the
    // instructeur validates every blocker.
    let tenant = app.store.tenant("ed-hopital");
    for b in &blockers {
        let key = segur_domain::catalogue::ProofItemKey {
            requirement: segur_domain::catalogue::RequirementId::parse(
                b["requirement"].as_str().unwrap(),
            )
            .unwrap(),
            scenario: b["scenario"].as_u64().unwrap() as u16,
            proof: b["proof"].as_u64().unwrap() as u16,
        };
        if b["status"].is_null() || b["status"] == "to_deposit" {
            tenant
                .record_deposit_status(
                    CAND,
                    &key,
                    segur_domain::proof::ProofStatus::Deposited,
                    in_exchanges(),
                    &segur_store::AuditEntry::default(),
                )
                .await
                .unwrap();
        }
        if b["status"] == "complement_requested" || b["status"] == "rejected" {
            let (s, r) = app
                .post_json(
                    &format!("{url}/answers"),
                    &json!({"requirement": b["requirement"], "scenario": b["scenario"], "proof": b["proof"], "message": "Complément déposé."}),
                    Some(&editor),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{r}");
        }
        let body = json!({
            "requirement": b["requirement"], "scenario": b["scenario"], "proof": b["proof"],
            "decision": "validate", "motivation": "Conforme à l'exigence."
        });
        let (s, r) = app
            .post_json(&format!("{url}/reviews"), &body, Some(&ans))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}: {r}");
    }
    // A validated item cannot be decided again.
    let first = &blockers[0];
    let (s, _) = app
        .post_json(
            &format!("{url}/reviews"),
            &json!({"requirement": first["requirement"], "scenario": first["scenario"], "proof": first["proof"], "decision": "reject", "motivation": "non"}),
            Some(&ans),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);

    // The référent refers: NRU in the configured format, attestation with every name and NIL.
    let (s, a) = app
        .post_json(
            &format!("{url}/referral"),
            &json!({"note": "Dossier conforme."}),
            Some(&referent),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!(a["nru"], "HOP-DPI-VA2-2025-00001");
    let nils: Vec<&str> = a["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["nil"].as_str().unwrap())
        .collect();
    assert_eq!(nils, ["NIL-HOSPI-01", "NIL-HOSPI-02"]);
    assert_eq!(a["rem_version"], "1.0");
    let code = a["code"].as_str().unwrap().to_owned();
    assert!(
        a["verification_url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/registre/attestations/{code}"))
    );

    // Referring twice: the state machine refuses.
    let (s, _) = app
        .post_json(&format!("{url}/referral"), &json!({}), Some(&referent))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);

    // The PDF: downloadable by the owner, not by another editor.
    let (s, pdf, headers) = app
        .get(&format!("{url}/attestation.pdf"), Some(&editor))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/pdf");
    assert!(pdf.starts_with("%PDF-"));
    let other = app.login("mandataire@medi.test").await;
    let (s, _, _) = app
        .get(&format!("{url}/attestation.pdf"), Some(&other))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let pdf_bytes = {
        let resp = app
            .send(
                axum::http::Request::get(format!("{url}/attestation.pdf"))
                    .header("cookie", &editor)
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await;
        http_body_util::BodyExt::collect(resp.into_body())
            .await
            .unwrap()
            .to_bytes()
            .to_vec()
    };

    // Anyone checks it on the public register: by code (any case, without dashes)…
    let typed = code.replace('-', "").to_lowercase();
    let (s, v) = app
        .get_json(&format!("/api/v1/register/attestations/{typed}"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "valid");
    assert_eq!(v["attestation"]["nru"], "HOP-DPI-VA2-2025-00001");
    // … and by the PDF itself; a modified copy is not authentic.
    let (s, v) = app
        .post_bytes(
            "/api/v1/register/attestations/verify",
            "application/pdf",
            pdf_bytes.clone(),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["status"], "valid", "{v}");
    let mut altered = pdf_bytes.clone();
    altered.extend_from_slice(b"\n% appended\n");
    let (_, v) = app
        .post_bytes(
            "/api/v1/register/attestations/verify",
            "application/pdf",
            altered,
            None,
        )
        .await;
    assert_ne!(v["status"], "valid", "{v}");
    let (_, v) = app
        .get_json("/api/v1/register/attestations/0000-0000-0000-0000", None)
        .await;
    assert_eq!(v["status"], "unknown");
    let (s, _) = app
        .get_json("/api/v1/register/attestations/pas-un-code", None)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // The public page says it too, in French.
    let (s, page, _) = app
        .get(&format!("/registre/attestations/{code}"), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("Attestation valide"), "{page}");
    assert!(page.contains("NIL-HOSPI-02"));

    // The register lists the new referencing.
    let (_, reg) = app
        .get_json("/api/v1/register?q=HOP-DPI-VA2-2025-00001", None)
        .await;
    assert!(
        reg["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["nru"] == "HOP-DPI-VA2-2025-00001" && e["status"] == "referenced"),
        "{reg}"
    );

    // Withdrawal (référent only) makes the attestation invalid.
    let (s, _) = app
        .post_json(
            "/api/v1/referencings/HOP-DPI-VA2-2025-00001/withdrawal",
            &json!({"motivation": "Non-conformité constatée après référencement."}),
            Some(&ans),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, w) = app
        .post_json(
            "/api/v1/referencings/HOP-DPI-VA2-2025-00001/withdrawal",
            &json!({"motivation": "Non-conformité constatée après référencement."}),
            Some(&referent),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{w}");
    let (_, v) = app
        .get_json(&format!("/api/v1/register/attestations/{code}"), None)
        .await;
    assert_eq!(v["status"], "withdrawn", "{v}");

    // Every step wrote its domain event (what notifications and webhooks read).
    let kinds = kinds_of_events(&app).await;
    for k in [
        "complement.requested",
        "complement.answered",
        "message.from_ans",
        "message.from_editor",
        "proof.validated",
        "candidature.referred",
        "referencing.withdrawn",
    ] {
        assert!(kinds.iter().any(|x| x == k), "{k} missing in {kinds:?}");
    }
    assert_eq!(app.store.system().verify_audit_chain().await.unwrap(), None);
}

#[tokio::test]
async fn lif_07_no_complement_request_after_d3() {
    // The demo's today (2026-11-22) is after HOP-DPI's D3 (2025-12-31).
    let app = app_on(crate::common::today()).await;
    let ans = app.login("instructeur@ans.test").await;
    let (s, e) = app
        .post_json(
            &format!("/api/v1/candidatures/{CAND}/reviews"),
            &with(
                item("SC.DMP.20", 1, 1),
                json!({"decision": "request_complement", "motivation": "Précisez."}),
            ),
            Some(&ans),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"], "rules_failed");
    assert!(e["message"].as_str().unwrap().contains("LIF-07"), "{e}");
    // Validation remains possible after D3.
    let (s, r) = app
        .post_json(
            &format!("/api/v1/candidatures/{CAND}/reviews"),
            &with(
                item("SC.DMP.20", 1, 1),
                json!({"decision": "validate", "motivation": "Conforme."}),
            ),
            Some(&ans),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    // A due date after D3 is refused too (exchanges close at D3).
    let app = app_on(in_exchanges()).await;
    let ans = app.login("instructeur@ans.test").await;
    let (s, e) = app
        .post_json(
            &format!("/api/v1/candidatures/{CAND}/reviews"),
            &with(
                item("SC.MSS.20", 1, 2),
                json!({"decision": "request_complement", "motivation": "Précisez.", "due_on": "2026-01-15"}),
            ),
            Some(&ans),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["field"], "due_on");
}

#[tokio::test]
async fn lif_06_unanswered_complement_flags_the_candidature_delayed() {
    let app = app_on(in_exchanges()).await;
    let ans = app.login("instructeur@ans.test").await;
    let (s, _) = app
        .post_json(
            &format!("/api/v1/candidatures/{CAND}/reviews"),
            &with(
                item("SC.DMP.20", 1, 1),
                json!({"decision": "request_complement", "motivation": "Précisez."}),
            ),
            Some(&ans),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, v) = app
        .get_json(
            &format!("/api/v1/candidatures/{CAND}/instruction"),
            Some(&ans),
        )
        .await;
    // The demo's SC.PSC.01.01/1/2 complement dates from 2025-09-20: more than 5 days.
    assert_eq!(v["delayed"], true, "{v}");
    let (_, q) = app
        .get_json("/api/v1/instruction/queue?delayed=true", Some(&ans))
        .await;
    assert!(
        q["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["candidature"] == CAND && r["delayed"] == true),
        "{q}"
    );
    assert!(q["delayed"].as_i64().unwrap() >= 1);
}

#[tokio::test]
async fn queue_filters_counts_and_batch_assignment() {
    let app = app_on(in_exchanges()).await;
    let ans = app.login("instructeur@ans.test").await;
    let (s, q) = app.get_json("/api/v1/instruction/queue", Some(&ans)).await;
    assert_eq!(s, StatusCode::OK, "{q}");
    let total = q["total"].as_i64().unwrap();
    assert!(total >= 5, "{q}");
    // Drafts are not in the queue.
    assert!(
        q["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["state"] != "draft")
    );
    let in_instr = q["by_state"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == "in_instruction")
        .unwrap()["count"]
        .as_i64()
        .unwrap();
    let (_, only) = app
        .get_json("/api/v1/instruction/queue?state=in_instruction", Some(&ans))
        .await;
    assert_eq!(only["total"].as_i64().unwrap(), in_instr);

    // Batch assignment to the référent, then the filter finds them.
    let (_, me) = app.get_json("/api/v1/me", Some(&ans)).await;
    let my_id = me["id"].as_str().unwrap().to_owned();
    let (s, r) = app
        .post_json(
            "/api/v1/instruction/assignments",
            &json!({"candidatures": [CAND, "monlps-mdv"], "assignee": my_id}),
            Some(&ans),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (_, mine) = app
        .get_json(
            "/api/v1/instruction/queue?assignee=me&sort=editor",
            Some(&ans),
        )
        .await;
    assert_eq!(mine["total"], 2, "{mine}");
    // An editor cannot be assigned, nor use the queue.
    let (_, ed) = app
        .get_json("/api/v1/me", Some(&app.login("mandataire@medi.test").await))
        .await;
    let (s, _) = app
        .post_json(
            "/api/v1/instruction/assignments",
            &json!({"candidatures": [CAND], "assignee": ed["id"]}),
            Some(&ans),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let editor = app.login("mandataire@medi.test").await;
    let (s, _) = app
        .get_json("/api/v1/instruction/queue", Some(&editor))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app.get_json("/api/v1/instruction/queue", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = app
        .get_json("/api/v1/instruction/queue?sort=nope", Some(&ans))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // The queue page renders the same list, with a form per batch.
    let (s, page, _) = app.get("/instruction", Some(&ans)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("Instruction des candidatures"));
    assert!(page.contains(&format!("/candidatures/{CAND}/instruction")));
}

#[tokio::test]
async fn another_editor_sees_nothing_and_transitions_follow_the_state_machine() {
    let app = app_on(in_exchanges()).await;
    let other = app.login("mandataire@medi.test").await;
    for path in ["instruction", "messages"] {
        let (s, _) = app
            .get_json(&format!("/api/v1/candidatures/{CAND}/{path}"), Some(&other))
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
    }
    let (s, _) = app
        .post_json(
            &format!("/api/v1/candidatures/{CAND}/messages"),
            &json!({"body": "intrusion"}),
            Some(&other),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, _) = app
        .get(&format!("/candidatures/{CAND}/instruction"), Some(&other))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The editor of medicab declares its dossier complete: recorded (LIF-05), then the ANS
    // opens the instruction; the editor cannot open it, nor refer through a transition.
    let medi = other;
    let ans = app.login("instructeur@ans.test").await;
    let (s, v) = app
        .post_json(
            "/api/v1/candidatures/medicab-mdv/transitions",
            &json!({"event": "start_instruction"}),
            Some(&medi),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = app
        .post_json(
            "/api/v1/candidatures/medicab-mdv/transitions",
            &json!({"event": "declare_complete"}),
            Some(&medi),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"], "complete");
    let c = app
        .store
        .tenant("ed-medi")
        .get_candidature("medicab-mdv")
        .await
        .unwrap();
    assert_eq!(c.candidature.complete_deposit_on, Some(in_exchanges()));
    let (s, v) = app
        .post_json(
            "/api/v1/candidatures/medicab-mdv/transitions",
            &json!({"event": "start_instruction"}),
            Some(&ans),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"], "in_instruction");
    let (s, _) = app
        .post_json(
            "/api/v1/candidatures/medicab-mdv/transitions",
            &json!({"event": "refer"}),
            Some(&ans),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = app
        .post_json(
            "/api/v1/candidatures/medicab-mdv/transitions",
            &json!({"event": "declare_complete"}),
            Some(&medi),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
}

#[tokio::test]
async fn refusal_is_motivated_and_final() {
    let app = app_on(in_exchanges()).await;
    let referent = app.login("referent@ans.test").await;
    let (s, _) = app
        .post_json(
            &format!("/api/v1/candidatures/{CAND}/refusal"),
            &json!({"motivation": ""}),
            Some(&referent),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, v) = app
        .post_json(
            &format!("/api/v1/candidatures/{CAND}/refusal"),
            &json!({"motivation": "Exigences de sécurité non satisfaites."}),
            Some(&referent),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"], "refused");
    let (_, o) = app
        .get_json(
            &format!("/api/v1/candidatures/{CAND}/instruction"),
            Some(&referent),
        )
        .await;
    assert_eq!(o["decisions"][0]["kind"], "refused");
    assert_eq!(
        o["decisions"][0]["motivation"],
        "Exigences de sécurité non satisfaites."
    );
    // The thread is closed once the candidature is final.
    let (s, _) = app
        .post_json(
            &format!("/api/v1/candidatures/{CAND}/messages"),
            &json!({"body": "Et maintenant ?"}),
            Some(&referent),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
}

#[tokio::test]
async fn the_instruction_page_works_without_javascript_on_both_sides() {
    let app = app_on(in_exchanges()).await;
    let ans = app.login("instructeur@ans.test").await;
    let editor = app.login("mandataire@hopital.test").await;
    let page_url = format!("/candidatures/{CAND}/instruction");
    let (s, page, _) = app.get(&page_url, Some(&ans)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("Enregistrer la décision"), "decision forms");
    assert!(page.contains("Fin des échanges (D3)"));

    // A complement request through the form, then the editor sees the motivation.
    let resp = app
        .post_form(
            &format!("{page_url}/decision"),
            "requirement=SC.DMP.20&scenario=1&proof=1&decision=request_complement&motivation=Capture+illisible&due_on=2025-10-22",
            Some(&ans),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.contains("message="), "{location}");
    let (_, page, _) = app.get(&page_url, Some(&editor)).await;
    assert!(page.contains("Capture illisible"), "motivation shown");
    assert!(page.contains("Envoyer la réponse"), "answer form");
    assert!(
        !page.contains("Enregistrer la décision"),
        "no decision form for the editor"
    );

    // A refused form comes back with the French reason, nothing changed.
    let resp = app
        .post_form(
            &format!("{page_url}/decision"),
            "requirement=SC.MSS.20&scenario=1&proof=2&decision=validate&motivation=",
            Some(&ans),
        )
        .await;
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.contains("erreur="), "{location}");
    let (_, page, _) = app.get(&location, Some(&ans)).await;
    assert!(page.contains("motivation est obligatoire"), "{page}");

    // The editor answers through the form.
    let resp = app
        .post_form(
            &format!("{page_url}/reponse"),
            "requirement=SC.DMP.20&scenario=1&proof=1&message=Voici+la+nouvelle+capture",
            Some(&editor),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(
        resp.headers()["location"]
            .to_str()
            .unwrap()
            .contains("message="),
        "{}",
        body_text(resp).await
    );
}

/// A multipart body with a `body` part and, optionally, a `file` part.
fn message_multipart(text: &str, file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "----segurmsg";
    let mut body =
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\n{text}\r\n")
            .into_bytes();
    if let Some((name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn post_multipart(
    app: &TestApp,
    url: &str,
    (ct, body): (String, Vec<u8>),
    cookie: &str,
) -> axum::response::Response {
    app.send(
        axum::http::Request::post(url)
            .header(axum::http::header::COOKIE, cookie)
            .header(axum::http::header::CONTENT_TYPE, ct)
            .body(axum::body::Body::from(body))
            .unwrap(),
    )
    .await
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    use sqlx::{Connection, Row};
    let mut raw = sqlx::AnyConnection::connect(&app.db_url()).await.unwrap();
    let n: i64 = sqlx::query(sql).fetch_one(&mut raw).await.unwrap().get(0);
    raw.close().await.unwrap();
    n
}

#[tokio::test]
async fn the_ans_attaches_a_file_to_its_message_and_only_the_editor_reads_it() {
    use sha2::Digest;
    let app = app_on(in_exchanges()).await;
    let ans = app.login("instructeur@ans.test").await;
    let editor = app.login("mandataire@hopital.test").await;
    let other = app.login("mandataire@medi.test").await;
    let url = format!("/api/v1/candidatures/{CAND}/messages");
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.resize(3000, 7);
    let sha = hex::encode(sha2::Sha256::digest(&png));
    let files_before = count(&app, "SELECT COUNT(*) FROM proof_files").await;
    let messages_before = count(&app, "SELECT COUNT(*) FROM candidature_messages").await;

    // Refused files leave nothing: a PDF named .png, an executable.
    for (name, bytes, code) in [
        ("capture.png", b"%PDF-1.7\nx".to_vec(), "file_type_mismatch"),
        (
            "outil.exe",
            b"MZ\x90\0\x03\0\0\0".to_vec(),
            "file_type_not_allowed",
        ),
    ] {
        let resp = post_multipart(
            &app,
            &url,
            message_multipart("Voir la pièce", Some((name, &bytes))),
            &ans,
        )
        .await;
        assert_eq!(resp.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "{name}");
        let e: serde_json::Value = serde_json::from_str(&body_text(resp).await).unwrap();
        assert_eq!(e["error"], code, "{e}");
    }
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM proof_files").await,
        files_before
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM candidature_messages").await,
        messages_before
    );

    // The ANS sends an annotated screenshot with its message.
    let resp = post_multipart(
        &app,
        &url,
        message_multipart(
            "Capture annotée : le champ INS manque.",
            Some(("../annotée.png", &png)),
        ),
        &ans,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let m: serde_json::Value = serde_json::from_str(&body_text(resp).await).unwrap();
    assert_eq!(m["author_side"], "ans");
    let a = &m["attachment"];
    assert_eq!(a["name"], "annotée.png", "{m}");
    assert_eq!(a["size"], 3000);
    assert_eq!(a["sha256"], sha.as_str());
    assert_eq!(a["media_type"], "image/png");
    assert_eq!(a["scan_state"], "pending");
    let file_id = a["id"].as_str().unwrap().to_owned();
    assert!(
        kinds_of_events(&app)
            .await
            .contains(&"message.from_ans".to_owned())
    );

    // The editor sees it in the thread; it is no proof of any item.
    let (s, thread) = app.get_json(&url, Some(&editor)).await;
    assert_eq!(s, StatusCode::OK);
    let last = thread.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["attachment"]["sha256"], sha.as_str(), "{thread}");
    assert_eq!(last["attachment"]["scan_state"], "pending");
    let (_, files) = app
        .get_json(&format!("/api/v1/candidatures/{CAND}/files"), Some(&editor))
        .await;
    assert!(
        !files.to_string().contains(&file_id),
        "not listed as a proof"
    );

    // Not downloadable before the antivirus said clean (no clamd here).
    let content = format!("/api/v1/candidatures/{CAND}/files/{file_id}/content");
    for who in [&editor, &ans] {
        let (s, e) = app.get_json(&content, Some(who)).await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        assert_eq!(e["error"], "file_not_clean");
    }
    // A competing editor: 404 on the thread and on the file; anonymous: 401.
    let (s, _) = app.get_json(&url, Some(&other)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.get_json(&content, Some(&other)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.get_json(&content, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // An editor cannot upload with its message (it attaches its proof files by file_id).
    let resp = post_multipart(
        &app,
        &url,
        message_multipart("moi aussi", Some(("x.png", &png))),
        &editor,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);

    // Once clean (as the scanner would record it), the editor downloads the exact bytes.
    {
        use sqlx::Connection;
        let mut raw = sqlx::AnyConnection::connect(&app.db_url()).await.unwrap();
        sqlx::query("UPDATE proof_files SET scan_state = 'clean' WHERE id = $1")
            .bind(&file_id)
            .execute(&mut raw)
            .await
            .unwrap();
        raw.close().await.unwrap();
    }
    let resp = app
        .send(
            axum::http::Request::get(&content)
                .header(axum::http::header::COOKIE, &editor)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = http_body_util::BodyExt::collect(resp.into_body())
        .await
        .unwrap()
        .to_bytes();
    assert_eq!(bytes.as_ref(), png.as_slice(), "exact bytes");
    let (s, _) = app.get_json(&content, Some(&other)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Pages: the ANS's form takes a file without JavaScript; the editor gets a download link.
    let page_url = format!("/candidatures/{CAND}/instruction");
    let (_, page, _) = app.get(&page_url, Some(&ans)).await;
    assert!(page.contains("enctype=\"multipart/form-data\""));
    assert!(page.contains("type=\"file\""), "file input for the ANS");
    let (_, page, _) = app.get(&page_url, Some(&editor)).await;
    assert!(page.contains(&content), "download link for the editor");
    let resp = post_multipart(
        &app,
        &format!("{page_url}/message"),
        message_multipart(
            "Document de référence",
            Some(("guide.pdf", b"%PDF-1.7\nguide")),
        ),
        &ans,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(
        resp.headers()["location"]
            .to_str()
            .unwrap()
            .contains("message="),
    );
    let (_, thread) = app.get_json(&url, Some(&editor)).await;
    let last = thread.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["attachment"]["name"], "guide.pdf", "{thread}");
}

#[tokio::test]
async fn dep_02_risk_filters_and_counts_the_queue_as_the_monitoring_classifies() {
    let app = TestApp::demo().await;
    let ans = app.login("instructeur@ans.test").await;
    let (s, q) = app
        .get_json("/api/v1/instruction/queue?limit=500", Some(&ans))
        .await;
    assert_eq!(s, StatusCode::OK, "{q}");
    assert!(
        q["by_risk"].as_array().unwrap().is_empty(),
        "not computed yet: {q}"
    );
    assert!(q["items"][0]["risk"].is_null());

    let today = app.state.today();
    let n = segur_server::monitoring::refresh_risks(&app.state, today)
        .await
        .unwrap();
    assert!(n > 0);
    let (_, report) = app.get_json("/api/v1/monitoring", Some(&ans)).await;
    let risk_of: std::collections::BTreeMap<String, String> = report["dep02"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["candidature_id"].as_str().unwrap().to_owned(),
                l["risk"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let (_, all) = app
        .get_json("/api/v1/instruction/queue?limit=500", Some(&ans))
        .await;
    let rows = all["items"].as_array().unwrap();
    let mut classified = 0;
    for r in rows {
        let id = r["candidature"].as_str().unwrap();
        match risk_of.get(id) {
            Some(k) => {
                assert_eq!(r["risk"].as_str(), Some(k.as_str()), "{id}");
                classified += 1;
            }
            None => assert!(r["risk"].is_null(), "{id}: {r}"),
        }
    }
    assert!(classified > 0);
    for risk in ["eleve", "modere", "sans_risque"] {
        let (s, f) = app
            .get_json(
                &format!("/api/v1/instruction/queue?limit=500&risk={risk}"),
                Some(&ans),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{f}");
        let expected: Vec<&str> = rows
            .iter()
            .filter(|r| r["risk"] == risk)
            .map(|r| r["candidature"].as_str().unwrap())
            .collect();
        let got: Vec<&str> = f["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["candidature"].as_str().unwrap())
            .collect();
        let mut e = expected.clone();
        let mut g = got.clone();
        e.sort_unstable();
        g.sort_unstable();
        assert_eq!(g, e, "{risk}");
        let facet = all["by_risk"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["key"] == risk)
            .map_or(0, |c| c["count"].as_i64().unwrap());
        assert_eq!(facet, expected.len() as i64, "{risk}: {all}");
    }
    let (s, e) = app
        .get_json("/api/v1/instruction/queue?risk=enorme", Some(&ans))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(e["field"], "risk", "{e}");
    // The page offers the filter with its counts.
    let (s, page, _) = app.get("/instruction?risk=eleve", Some(&ans)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("Risque de manquer D2 (DEP-02)"), "{page}");
    assert!(
        page.contains(r#"<option value="eleve" selected>"#),
        "{page}"
    );
}
