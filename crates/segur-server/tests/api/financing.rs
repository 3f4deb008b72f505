//! Financing: the simulator and deposits (editors), the ASP's queue, decisions and batch
//! validation, isolation between editors, the eligibility base, exports and pages.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::common::{TestApp, body_text};

const MONLPS: &str = "mandataire@monlps.test";
const MEDI: &str = "mandataire@medi.test";
const ASP: &str = "agent@asp.test";
const ANS: &str = "instructeur@ans.test";

/// An advance request of MonLPS on MDV-LGC-Va2 for Dr Martin (cap 1 500 € HT).
fn advance(id: &str, order: &str, ht: &str, ttc: &str) -> Value {
    json!({
        "format": "segur.demande-financement.v1",
        "id": id,
        "kind": "advance",
        "deposited_on": "2026-11-20",
        "order": {
            "id": order,
            "client": "rpps:10003456786",
            "dispositif": "MDV-LGC-Va2",
            "referencing": "NRU-MDV-2026-0142",
            "prestation": "va2",
            "emitted_on": "2026-11-02",
            "signed_on": "2026-11-05",
            "amount_ht": ht,
            "amount_ttc": ttc
        },
        "attachments": [{ "kind": "bon_de_commande", "name": "bc.pdf", "sha256": "ab".repeat(32) }]
    })
}

/// `application/x-www-form-urlencoded` value encoding.
fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn rules_of(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn fin_04_simulator_locates_schema_errors_with_json_pointers_and_stores_nothing() {
    let app = TestApp::demo().await;
    let editor = app.login(MONLPS).await;
    let mut doc = advance("DA-T-1", "BC-T-1", "1000.5", "1200.00");
    doc["order"].as_object_mut().unwrap().remove("client");
    doc["colour"] = json!("blue");
    let (status, body) = app
        .post_json("/api/v1/financing/simulate", &doc, Some(&editor))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["accepted"], false);
    let pointers: Vec<&str> = body["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["pointer"].as_str().unwrap())
        .collect();
    assert!(pointers.contains(&"/order/amount_ht"), "{body}");
    assert!(pointers.contains(&"/order"), "{body}");
    assert!(pointers.contains(&""), "{body}");
    assert!(body["diagnostics"].as_array().unwrap().is_empty());

    // Not JSON at all: a located message, not a panic.
    let (status, body) = app
        .post_bytes(
            "/api/v1/financing/simulate",
            "application/json",
            b"{\"id\": ".to_vec(),
            Some(&editor),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"], "invalid_body");
    assert!(
        body["message"].as_str().unwrap().contains("ligne 1"),
        "{body}"
    );

    // Nothing was stored by simulating.
    let (_, list) = app
        .get_json("/api/v1/financing/requests", Some(&editor))
        .await;
    assert_eq!(list["total"], 3);
}

#[tokio::test]
async fn fin_03_simulator_then_deposit_exactly_as_simulated() {
    let app = TestApp::demo().await;
    let editor = app.login(MONLPS).await;
    // Above Dr Martin's cap: the simulator says why, the deposit is refused the same way.
    let over = advance("DA-T-2", "BC-T-2", "1600.00", "1920.00");
    let (status, sim) = app
        .post_json("/api/v1/financing/simulate", &over, Some(&editor))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sim["accepted"], false);
    assert!(
        rules_of(&sim["diagnostics"]).contains(&"FIN-03".to_owned()),
        "{sim}"
    );
    // FIN-01: Dr Martin already has BC-MLM-001 on this SONS.
    assert!(
        rules_of(&sim["diagnostics"]).contains(&"FIN-01".to_owned()),
        "{sim}"
    );
    let (status, refused) = app
        .post_json("/api/v1/financing/requests", &over, Some(&editor))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["error"], "rules_failed");
    assert_eq!(refused["details"]["diagnostics"], sim["diagnostics"]);
    assert!(refused["message"].as_str().unwrap().contains("FIN-03"));

    // A clean request for a structure without order yet is accepted and stored.
    let mut ok = advance("DA-T-3", "BC-T-3", "1000.00", "1200.00");
    ok["order"]["client"] = json!("rpps:10101010105");
    ok["order"]["id"] = json!("BC-T-3");
    // Dr Bernard already has BC-MLM-003: use a new structure of the base instead.
    ok["order"]["client"] = json!("siret:73282932000074");
    let (status, sim) = app
        .post_json("/api/v1/financing/simulate", &ok, Some(&editor))
        .await;
    // The Maison de santé already has BC-MLM-002 on this SONS (FIN-01).
    assert_eq!(status, StatusCode::OK);
    assert!(
        rules_of(&sim["diagnostics"]).contains(&"FIN-01".to_owned()),
        "{sim}"
    );
    app.store
        .system()
        .import_clients(
            &[segur_domain::financing::Client {
                id: segur_domain::financing::StructureId::parse("rpps:10000000009").unwrap(),
                kind: segur_domain::financing::ClientKind::Ps,
                name: "Dr Nouveau".into(),
                eligibility: vec![segur_domain::financing::EligibilityRow {
                    dispositif: segur_domain::catalogue::DispositifCode::parse("MDV-LGC-Va2")
                        .unwrap(),
                    activity: None,
                    cap_ht: segur_domain::financing::Money::parse("1500.00").unwrap(),
                    cap_ttc: None,
                    cap_va1va2_extra_ht: None,
                }],
                va1_financed: vec![],
                paid_own_va1_update: false,
            }],
            &segur_store::AuditEntry::new("", "test"),
        )
        .await
        .unwrap();
    ok["order"]["client"] = json!("rpps:10000000009");
    let (status, sim) = app
        .post_json("/api/v1/financing/simulate", &ok, Some(&editor))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sim["accepted"], true, "{sim}");
    let (status, created) = app
        .post_json("/api/v1/financing/requests", &ok, Some(&editor))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["request"]["status"], "deposited");
    assert_eq!(created["request"]["amount_ht"], "1000.00");
    assert_eq!(created["document"]["order"]["client"], "rpps:10000000009");
    // The same identifier again: refused (an avenant needs « à modifier »), nothing changed.
    let (status, again) = app
        .post_json("/api/v1/financing/requests", &ok, Some(&editor))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{again}");
    assert_eq!(again["details"]["issues"][0]["pointer"], "/id");
    let (_, orders) = app
        .get_json("/api/v1/financing/orders", Some(&editor))
        .await;
    let new_order = orders["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == "BC-T-3")
        .unwrap();
    assert_eq!(new_order["advance"], "deposited");
}

#[tokio::test]
async fn fin_04_request_sent_back_is_amended_by_the_editor() {
    let app = TestApp::demo().await;
    let editor = app.login(MONLPS).await;
    let (status, before) = app
        .get_json(
            "/api/v1/financing/requests/ed-monlps/DA-MLM-003",
            Some(&editor),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(before["request"]["status"], "a_modifier");
    assert!(
        before["request"]["motivation"]
            .as_str()
            .unwrap()
            .contains("non signé")
    );
    let mut doc = advance("DA-MLM-003", "BC-MLM-003", "1200.00", "1440.00");
    doc["order"]["client"] = json!("rpps:10101010105");
    doc["order"]["signed_on"] = json!("2026-10-09");
    doc["order"]["emitted_on"] = json!("2026-10-02");
    let (status, sim) = app
        .post_json("/api/v1/financing/simulate", &doc, Some(&editor))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sim["amendment"], true, "{sim}");
    assert_eq!(sim["accepted"], true, "{sim}");
    let (status, after) = app
        .post_json("/api/v1/financing/requests", &doc, Some(&editor))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{after}");
    assert_eq!(after["request"]["status"], "deposited");
    assert_eq!(after["request"]["amendments"].as_array().unwrap().len(), 1);
    assert_eq!(after["request"]["deposited_on"], "2026-10-15");
}

#[tokio::test]
async fn fin_04_asp_validates_sends_back_and_pays_through_the_transitions() {
    let app = TestApp::demo().await;
    let agent = app.login(ASP).await;
    let (status, queue) = app
        .get_json("/api/v1/financing/requests?status=deposited", Some(&agent))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(queue["total"], 2);
    let (_, all) = app
        .get_json("/api/v1/financing/requests", Some(&agent))
        .await;
    let editors: std::collections::BTreeSet<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["organisation"].as_str().unwrap())
        .collect();
    assert_eq!(editors, ["ed-medi", "ed-monlps"].into());

    // DA-MLM-002 breaks FIN-03: validation refused, with the rule.
    let (_, detail) = app
        .get_json(
            "/api/v1/financing/requests/ed-monlps/DA-MLM-002",
            Some(&agent),
        )
        .await;
    assert!(rules_of(&detail["diagnostics"]).contains(&"FIN-03".to_owned()));
    let decide = |decision: Value| decision;
    let (status, refused) = app
        .post_json(
            "/api/v1/financing/requests/ed-monlps/DA-MLM-002/decision",
            &decide(json!({ "decision": "validate" })),
            Some(&agent),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["error"], "rules_failed");
    // Sending back needs a motivation.
    let (status, _) = app
        .post_json(
            "/api/v1/financing/requests/ed-monlps/DA-MLM-002/decision",
            &json!({ "decision": "send_back", "motivation": " " }),
            Some(&agent),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, sent) = app
        .post_json(
            "/api/v1/financing/requests/ed-monlps/DA-MLM-002/decision",
            &json!({ "decision": "send_back", "motivation": "FIN-03 : montant au-dessus du plafond" }),
            Some(&agent),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(sent["request"]["status"], "a_modifier");

    // DA-MLM-001 is clean: validated, then paid; paying twice is a conflict.
    for (decision, expected) in [
        ("mark_paid", 409),
        ("validate", 200),
        ("mark_paid", 200),
        ("mark_paid", 409),
    ] {
        let (status, body) = app
            .post_json(
                "/api/v1/financing/requests/ed-monlps/DA-MLM-001/decision",
                &json!({ "decision": decision }),
                Some(&agent),
            )
            .await;
        assert_eq!(status.as_u16(), expected, "{decision}: {body}");
    }
    let (_, paid) = app
        .get_json(
            "/api/v1/financing/requests/ed-monlps/DA-MLM-001",
            Some(&agent),
        )
        .await;
    assert_eq!(paid["request"]["status"], "decidee_et_payee");
    let (status, unknown) = app
        .post_json(
            "/api/v1/financing/requests/ed-monlps/DA-MLM-001/decision",
            &json!({ "decision": "approve" }),
            Some(&agent),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown["field"], "decision");

    // Every decision is in the audit trail with the agent and the editor.
    let audit = app
        .store
        .system()
        .list_audit(segur_store::Page::new(500, 0))
        .await
        .unwrap();
    let paid_event = audit
        .items
        .iter()
        .find(|e| e.action == "financing.request.mark_paid")
        .expect("audited");
    assert_eq!(paid_event.organisation_id.as_deref(), Some("ed-monlps"));
    assert_eq!(paid_event.actor_role.as_deref(), Some("asp_agent"));
}

#[tokio::test]
async fn fin_04_batch_validation_skips_requests_in_error() {
    let app = TestApp::demo().await;
    let agent = app.login(ASP).await;
    let (status, batch) = app
        .post_json(
            "/api/v1/financing/requests/batch-validation",
            &json!({ "requests": [
                { "organisation": "ed-monlps", "id": "DA-MLM-001" },
                { "organisation": "ed-monlps", "id": "DA-MLM-002" },
                { "organisation": "ed-monlps", "id": "DA-MLM-003" },
                { "organisation": "ed-monlps", "id": "DA-NOPE" }
            ] }),
            Some(&agent),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{batch}");
    assert_eq!(batch["validated"], 1);
    let outcomes: Vec<(&str, &str)> = batch["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["id"].as_str().unwrap(), o["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(
        outcomes,
        vec![
            ("DA-MLM-001", "validated"),
            ("DA-MLM-002", "rules_failed"),
            ("DA-MLM-003", "conflict"),
            ("DA-NOPE", "not_found"),
        ]
    );
}

#[tokio::test]
async fn financing_is_isolated_between_editors_and_roles() {
    let app = TestApp::demo().await;
    let medi = app.login(MEDI).await;
    let monlps = app.login(MONLPS).await;
    let ans = app.login(ANS).await;
    // Another editor's request: not found, never forbidden.
    let (status, _) = app
        .get_json(
            "/api/v1/financing/requests/ed-monlps/DA-MLM-001",
            Some(&medi),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, own) = app
        .get_json("/api/v1/financing/requests", Some(&medi))
        .await;
    assert_eq!(own["total"], 1);
    assert_eq!(own["items"][0]["id"], "DA-MEDI-001");
    let (_, orders) = app.get_json("/api/v1/financing/orders", Some(&medi)).await;
    assert!(
        orders["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["id"].as_str().unwrap().starts_with("BC-MEDI"))
    );
    // Editors cannot decide; the ANS has no financing role; anonymous callers must sign in.
    let (status, _) = app
        .post_json(
            "/api/v1/financing/requests/ed-monlps/DA-MLM-001/decision",
            &json!({ "decision": "validate" }),
            Some(&monlps),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for path in [
        "/api/v1/financing/requests",
        "/api/v1/financing/orders",
        "/api/v1/financing/totals",
    ] {
        let (status, _) = app.get_json(path, Some(&ans)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        let (status, _) = app.get_json(path, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
    }
    let (status, _) = app
        .post_json(
            "/api/v1/financing/simulate",
            &advance("X", "Y", "1.00", "1.20"),
            Some(&ans),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Totals: each editor its own, the ASP everyone's.
    let (_, medi_totals) = app.get_json("/api/v1/financing/totals", Some(&medi)).await;
    assert!(
        medi_totals
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["dispositif"] == "MS-Va2")
    );
    let agent = app.login(ASP).await;
    let (_, all_totals) = app.get_json("/api/v1/financing/totals", Some(&agent)).await;
    let sum: u64 = all_totals
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["requests"].as_u64().unwrap())
        .sum();
    assert_eq!(sum, 4);
    // The schema is public documentation.
    let (status, body, headers) = app.get("/api/v1/financing/schema", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[axum::http::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/schema+json")
    );
    assert!(body.contains("segur.demande-financement.v1"));
}

#[tokio::test]
async fn fin_03_eligibility_base_import_csv_and_xlsx_with_located_errors() {
    let app = TestApp::demo().await;
    let agent = app.login(ASP).await;
    let csv = "Identifiant;Raison sociale;Type;SONS;Plafond HT;Plafond TTC;Note\n\
               finess_et:130781234;CH Sud;ES;HOP-DPI-Va2;150 000,00;180000;x\n\
               rpps:10003456786;Dr Claire Martin;PS;MDV-LGC-Va2;1600;1920;\n";
    let (status, dry) = app
        .post_bytes(
            "/api/v1/financing/clients/import?dry_run=true",
            "text/csv",
            csv.as_bytes().to_vec(),
            Some(&agent),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{dry}");
    assert_eq!(dry["clients"], 2);
    assert_eq!(dry["inserted"], 0);
    assert_eq!(dry["ignored_columns"], json!(["Note"]));
    let (_, found) = app
        .get_json("/api/v1/financing/clients?q=ch%20sud", Some(&agent))
        .await;
    assert_eq!(found["total"], 0, "dry run stores nothing");
    let (status, done) = app
        .post_bytes(
            "/api/v1/financing/clients/import",
            "text/csv",
            csv.as_bytes().to_vec(),
            Some(&agent),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(
        (done["inserted"].as_i64(), done["updated"].as_i64()),
        (Some(1), Some(1))
    );
    let (_, martin) = app
        .get_json("/api/v1/financing/clients?q=martin", Some(&agent))
        .await;
    assert_eq!(martin["items"][0]["eligibility"][0]["cap_ht"], "1600.00");

    // XLSX, as spreadsheets write it; an error is located to sheet, row and column.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Base ES").unwrap();
    for (c, h) in ["identifiant", "sons", "plafond_ht"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "finess_et:670780345").unwrap();
    sheet.write_string(1, 1, "HOP-DPI-Va2").unwrap();
    sheet.write_number(1, 2, 150000.0).unwrap();
    sheet.write_string(2, 0, "finess_et:290000456").unwrap();
    sheet.write_string(2, 1, "HOP-DPI-Va2").unwrap();
    sheet.write_string(2, 2, "cent mille").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let (status, bad) = app
        .post_bytes(
            "/api/v1/financing/clients/import",
            "application/octet-stream",
            bytes,
            Some(&agent),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    let e = &bad["details"]["errors"][0];
    assert_eq!(
        (e["sheet"].as_str(), e["row"].as_u64(), e["column"].as_str()),
        (Some("Base ES"), Some(3), Some("plafond_ht"))
    );
    // Binary junk, an encrypted workbook, a legacy .xls, a corrupt archive, a zip bomb: each
    // gets its own refusal (the catalogue importer's guard, shared).
    let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    let cfb = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    let mut encrypted = cfb.clone();
    encrypted.extend(utf16("EncryptedPackage"));
    encrypted.extend(vec![0u8; 512]);
    let mut legacy = cfb.clone();
    legacy.extend(vec![0u8; 512]);
    let bomb = {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        zip.start_file(
            "xl/worksheets/sheet1.xml",
            zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated),
        )
        .unwrap();
        zip.write_all(&vec![0u8; 20 * 1024 * 1024]).unwrap();
        zip.finish().unwrap().into_inner()
    };
    assert!(
        bomb.len() < 1024 * 1024,
        "the bomb fits under the body limit"
    );
    for (bytes, expected) in [
        (vec![0xff, 0xfe, 0x00, 0x41], "binaire"),
        (encrypted, "mot de passe"),
        (legacy, ".xls"),
        (b"PK\x03\x04garbage".to_vec(), "illisible"),
        (bomb, "zip bomb"),
    ] {
        let (status, body) = app
            .post_bytes(
                "/api/v1/financing/clients/import",
                "application/octet-stream",
                bytes,
                Some(&agent),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(
            body["message"].as_str().unwrap().contains(expected),
            "{expected}: {body}"
        );
    }
    // Only the ASP imports.
    let editor = app.login(MONLPS).await;
    let (status, _) = app
        .post_bytes(
            "/api/v1/financing/clients/import",
            "text/csv",
            csv.as_bytes().to_vec(),
            Some(&editor),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn financing_exports_csv_and_xlsx() {
    use calamine::Reader;
    let app = TestApp::demo().await;
    let editor = app.login(MONLPS).await;
    let (status, csv, headers) = app
        .get("/api/v1/financing/export?format=csv", Some(&editor))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[axum::http::header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(lines[0].starts_with("Éditeur;Demande;Commande"));
    assert!(
        lines
            .iter()
            .any(|l| l.contains("DA-MLM-002") && l.contains("4800.00"))
    );
    assert!(!csv.contains("DA-MEDI"), "another editor's request leaked");

    let agent = app.login(ASP).await;
    let resp = app
        .send(
            axum::http::Request::get("/api/v1/financing/export?format=xlsx")
                .header(axum::http::header::COOKIE, &agent)
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
    let range = book.worksheet_range("Demandes").unwrap();
    assert_eq!(range.height(), 5);
    let (status, _, _) = app
        .get("/api/v1/financing/export?format=pdf", Some(&agent))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn financing_pages_for_editor_and_asp() {
    let app = TestApp::demo().await;
    let editor = app.login(MONLPS).await;
    let (status, html, _) = app.get("/financement", Some(&editor)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("BC-MLM-002") && html.contains("FIN-03"),
        "{html}"
    );
    assert!(
        html.contains("Bon de commande non signé"),
        "motivation shown to the editor"
    );
    assert!(!html.contains("BC-MEDI"), "another editor's order leaked");

    // The simulator page: a pasted document, then its results.
    let (status, form, _) = app.get("/financement/simulateur", Some(&editor)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("segur.demande-financement.v1"));
    let mut doc = advance("DA-P-1", "BC-P-1", "1000.123", "1200.00");
    doc["order"]["client"] = json!("rpps:10003456786");
    let body = format!("action=simulate&document={}", form_encode(&doc.to_string()));
    let resp = app
        .post_form("/financement/simulateur", &body, Some(&editor))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let html = body_text(resp).await;
    assert!(html.contains("/order/amount_ht"), "{html}");

    // The ASP: the queue, a request, a decision through the form, the base import page.
    let agent = app.login(ASP).await;
    let (status, queue, _) = app.get("/asp/financement", Some(&agent)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(queue.contains("DA-MLM-001") && queue.contains("DA-MLM-002"));
    let resp = app
        .post_form(
            "/asp/financement/demandes/ed-monlps/DA-MLM-002/decision",
            "decision=validate",
            Some(&agent),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let (_, page, _) = app.get(&location, Some(&agent)).await;
    assert!(page.contains("FIN-03"), "{page}");
    assert!(page.contains("validation impossible"), "{page}");
    let resp = app
        .post_form(
            "/asp/financement/validation",
            "selection=ed-monlps%2FDA-MLM-001&selection=ed-monlps%2FDA-MLM-002",
            Some(&agent),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let (_, page, _) = app.get(&location, Some(&agent)).await;
    assert!(page.contains("1 demande(s) validée(s)"), "{page}");
    let (status, _, _) = app.get("/asp/financement/base", Some(&agent)).await;
    assert_eq!(status, StatusCode::OK);

    // Roles: an editor is refused the ASP pages, the ANS the financing pages.
    let (status, _, _) = app.get("/asp/financement", Some(&editor)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let ans = app.login(ANS).await;
    let (status, _, _) = app.get("/financement", Some(&ans)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn pre_03_only_the_ans_records_the_validation_of_a_pilot_pv() {
    let app = TestApp::demo().await;
    let editor = app.login(MONLPS).await;
    let ans = app.login(ANS).await;
    // A balance request whose document claims the ANS validated the pilot PV: the claim is
    // ignored, the VA is signed before any recorded validation (PRE-03).
    let mut balance = advance("DS-MLM-001", "BC-MLM-001", "1250.00", "1500.00");
    balance["kind"] = json!("balance");
    balance["order"]["signed_on"] = json!("2026-10-05");
    balance["order"]["emitted_on"] = json!("2026-10-01");
    balance["prestation"] = json!({
        "started_on": "2026-10-20", "installed_on": "2026-11-05",
        "pv": { "signed_on": "2026-11-06", "pilot": true, "ans_validated_on": "2026-11-07" },
        "va_signed_on": "2026-11-21"
    });
    balance["attachments"] = json!([
        { "kind": "pv", "name": "pv.pdf", "sha256": "cd".repeat(32) },
        { "kind": "va", "name": "va.pdf", "sha256": "ef".repeat(32) }
    ]);
    let (_, sim) = app
        .post_json("/api/v1/financing/simulate", &balance, Some(&editor))
        .await;
    let pre03 = |sim: &Value| {
        sim["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["rule"] == "PRE-03" && d["severity"] == "error")
            .count()
    };
    assert_eq!(pre03(&sim), 1, "{sim}");

    let (status, list) = app
        .get_json("/api/v1/financing/pilot-pvs", Some(&ans))
        .await;
    assert_eq!(status, StatusCode::OK);
    let pending: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["ans_validated_on"].is_null())
        .collect();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0]["order"], "BC-MLM-001");
    // Editors and the ASP cannot record it.
    for who in [&editor, &app.login(ASP).await] {
        let (status, _) = app
            .post_json(
                "/api/v1/financing/pilot-pvs/ed-monlps/BC-MLM-001/validation",
                &json!({}),
                Some(who),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let (status, validated) = app
        .post_json(
            "/api/v1/financing/pilot-pvs/ed-monlps/BC-MLM-001/validation",
            &json!({}),
            Some(&ans),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{validated}");
    assert_eq!(validated["ans_validated_on"], "2026-11-22");
    let (status, _) = app
        .post_json(
            "/api/v1/financing/pilot-pvs/ed-monlps/BC-MLM-001/validation",
            &json!({}),
            Some(&ans),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = app
        .post_json(
            "/api/v1/financing/pilot-pvs/ed-monlps/BC-NOPE/validation",
            &json!({}),
            Some(&ans),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Now on record (22/11, after the VA of 21/11 in this document): still PRE-03, dated.
    let (_, sim) = app
        .post_json("/api/v1/financing/simulate", &balance, Some(&editor))
        .await;
    assert_eq!(pre03(&sim), 1, "{sim}");
    // A VA signed after the recorded validation satisfies PRE-03.
    balance["prestation"]["va_signed_on"] = json!("2026-11-22");
    let (_, sim) = app
        .post_json("/api/v1/financing/simulate", &balance, Some(&editor))
        .await;
    assert_eq!(pre03(&sim), 0, "{sim}");
    // The ANS page lists it as validated.
    let (status, html, _) = app.get("/ans/pv-pilotes", Some(&ans)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("BC-MLM-001") && html.contains("22/11/2026"),
        "{html}"
    );
}

#[tokio::test]
async fn fin_04_hostile_documents_get_clear_refusals() {
    let app = TestApp::demo().await;
    let editor = app.login(MONLPS).await;
    // Nested far beyond any real document: refused, the server keeps running.
    let deep = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
    let (status, body) = app
        .post_bytes(
            "/api/v1/financing/simulate",
            "application/json",
            deep.into_bytes(),
            Some(&editor),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    // Over the document limit (256 KiB) but under the body limit.
    let mut big = advance("DA-H-1", "BC-H-1", "1.00", "1.20");
    big["order"]["id"] = json!("B".repeat(300 * 1024));
    let (status, body) = app
        .post_json("/api/v1/financing/requests", &big, Some(&editor))
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    // Identifiers that could smuggle a path or markup are refused by the schema.
    for id in ["../../etc/passwd", "<script>", "a b", ""] {
        let doc = advance(id, "BC-H-2", "1.00", "1.20");
        let (status, body) = app
            .post_json("/api/v1/financing/requests", &doc, Some(&editor))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{id}: {body}");
        assert_eq!(
            body["details"]["issues"][0]["pointer"], "/id",
            "{id}: {body}"
        );
    }
    // A JSON array, a string, null: a document is an object.
    for doc in [json!([]), json!("x"), Value::Null] {
        let (status, body) = app
            .post_json("/api/v1/financing/simulate", &doc, Some(&editor))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["accepted"], false);
        assert_eq!(body["issues"][0]["pointer"], "");
    }
    let (_, list) = app
        .get_json("/api/v1/financing/requests", Some(&editor))
        .await;
    assert_eq!(list["total"], 3, "nothing was stored");
}

/// Every file of the financing fuzz corpora (`fuzz/corpus/financing_request`,
/// `fuzz/corpus/eligibility_base`) goes through the parsers the server uses, without panic.
#[test]
fn financing_fuzz_corpus_goes_through_the_parsers() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    let files = |dir: &str| -> Vec<Vec<u8>> {
        std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| std::fs::read(e.unwrap().path()).unwrap())
            .collect()
    };
    let requests = files("financing_request");
    assert!(requests.len() >= 3);
    for bytes in requests {
        if let Ok(doc) = serde_json::from_slice::<Value>(&bytes) {
            let _ = segur_domain::financing::request::simulate(
                &segur_domain::world::World::default(),
                segur_domain::financing::FinancingRecords::default(),
                &doc,
                "ed",
                jiff::civil::date(2026, 11, 22),
                &segur_domain::rules::Settings::default(),
            );
        }
    }
    let bases = files("eligibility_base");
    assert!(bases.len() >= 2);
    let parsed: Vec<bool> = bases
        .iter()
        .map(|b| segur_server::financing::read_base(b).is_ok())
        .collect();
    assert!(
        parsed.contains(&true) && parsed.contains(&false),
        "{parsed:?}"
    );
}
