//! segur's own document format for advance and balance requests (FIN-04) and the simulator.
//!
//! The ASP's JSON schema is not public (domain README, Q10), so segur defines its own,
//! versioned by the document's `format` field: [`SCHEMA_V1`]. A document is checked in two
//! stages, the same for a simulation and a deposit:
//!
//! 1. its shape, against the JSON Schema, then the values (a FINESS key, an impossible date),
//!    each problem located by a JSON pointer ([`DocumentIssue`]);
//! 2. the BDC, FIN and PRE rules, on the editor's records *with* the document merged in, so that
//!    the request is judged exactly as it would be once deposited ([`simulate`]).
//!
//! ```
//! use segur_domain::financing::request::{parse_document, FORMAT_V1};
//!
//! let doc = serde_json::json!({
//!     "format": FORMAT_V1, "id": "DA-1", "kind": "advance",
//!     "order": { "id": "BC-1", "client": "finess_et:750712184", "dispositif": "HOP-DPI-Va2",
//!                "prestation": "va2", "emitted_on": "2026-01-05", "signed_on": "2026-01-10",
//!                "amount_ht": "1000.00", "amount_ttc": "1200.50" }
//! });
//! let parsed = parse_document(&doc, "ed-hopital", jiff::civil::date(2026, 2, 1)).unwrap();
//! assert_eq!(parsed.order.editor, "ed-hopital");
//!
//! let mut bad = doc.clone();
//! bad["order"]["amount_ht"] = "1000.5".into();
//! let issues = parse_document(&bad, "ed-hopital", jiff::civil::date(2026, 2, 1)).unwrap_err();
//! assert_eq!(issues[0].pointer, "/order/amount_ht");
//! ```

use std::collections::BTreeSet;
use std::sync::LazyLock;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    Client, FinancingRecords, Order, PaymentRequest, Prestation, RequestKind, RequestStatus,
};
use crate::rules::fin::{request_subject, request_subjects};
use crate::rules::{Diagnostic, Settings, Severity};
use crate::world::World;

/// Value of the `format` field of a version 1 document.
pub const FORMAT_V1: &str = "segur.demande-financement.v1";

/// The JSON Schema (draft 2020-12) of version 1.
pub const SCHEMA_V1: &str = include_str!("../../schemas/financing-request-v1.schema.json");

/// Largest document accepted, in bytes (callers refuse larger bodies before parsing).
pub const MAX_DOCUMENT_BYTES: usize = 256 * 1024;

static VALIDATOR: LazyLock<Option<jsonschema::Validator>> = LazyLock::new(|| {
    let schema: Value = serde_json::from_str(SCHEMA_V1).ok()?;
    jsonschema::validator_for(&schema).ok()
});

/// Kind of an attached document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentKind {
    BonDeCommande,
    Pv,
    Va,
    Facture,
    Rib,
    Autre,
}

impl AttachmentKind {
    pub fn label_fr(self) -> &'static str {
        match self {
            AttachmentKind::BonDeCommande => "bon de commande signé",
            AttachmentKind::Pv => "procès-verbal d'installation",
            AttachmentKind::Va => "vérification d'aptitude",
            AttachmentKind::Facture => "facture",
            AttachmentKind::Rib => "RIB",
            AttachmentKind::Autre => "autre pièce",
        }
    }
}

/// An attached document, identified by its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    pub kind: AttachmentKind,
    pub name: String,
    pub sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

/// A problem at one place of a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentIssue {
    /// JSON pointer (RFC 6901) of the offending value; `""` is the whole document.
    pub pointer: String,
    pub message_fr: String,
    pub message_en: String,
}

impl DocumentIssue {
    fn new(pointer: impl Into<String>, fr: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            message_fr: fr.into(),
            message_en: en.into(),
        }
    }
}

/// A well-formed request document, as domain records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestDocument {
    pub order: Order,
    pub prestation: Option<Prestation>,
    /// Status `Deposited`, dated `deposited_on` or the day of the deposit.
    pub request: PaymentRequest,
    pub attachments: Vec<Attachment>,
}

/// The document as JSON, for storing next to the records.
#[derive(Debug, Serialize)]
struct Shape<'a> {
    format: &'static str,
    id: &'a str,
    kind: RequestKind,
    deposited_on: Date,
    order: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    prestation: Option<Value>,
    attachments: &'a [Attachment],
}

impl RequestDocument {
    /// The document in its version 1 form (without the editor, which is the depositor).
    pub fn to_json(&self) -> Value {
        let mut order = serde_json::to_value(&self.order).unwrap_or(Value::Null);
        if let Some(o) = order.as_object_mut() {
            o.remove("editor");
        }
        let prestation = self.prestation.as_ref().map(|p| {
            let mut v = serde_json::to_value(p).unwrap_or(Value::Null);
            if let Some(o) = v.as_object_mut() {
                o.remove("order");
            }
            v
        });
        serde_json::to_value(Shape {
            format: FORMAT_V1,
            id: &self.request.id,
            kind: self.request.kind,
            deposited_on: self.request.deposited_on,
            order,
            prestation,
            attachments: &self.attachments,
        })
        .map(|mut v| {
            strip_nulls(&mut v);
            v
        })
        .unwrap_or(Value::Null)
    }
}

/// Removes `null` members (absent optional fields), recursively.
fn strip_nulls(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.retain(|_, x| !x.is_null());
            map.values_mut().for_each(strip_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

/// JSON pointer segment escaping (RFC 6901).
fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn schema_issue(e: &jsonschema::ValidationError<'_>) -> DocumentIssue {
    use jsonschema::error::ValidationErrorKind as K;
    let pointer = e.instance_path().to_string();
    let en = e.to_string();
    let fr = match e.kind() {
        K::Required { property } => format!(
            "champ obligatoire manquant : {}",
            property.as_str().unwrap_or("?")
        ),
        K::AdditionalProperties { unexpected } => {
            format!("champ(s) inconnu(s) : {}", unexpected.join(", "))
        }
        K::Type { .. } => "type de valeur inattendu".to_owned(),
        K::Enum { options } => format!("valeur non admise ; valeurs possibles : {options}"),
        K::Constant { expected_value } => format!("valeur attendue : {expected_value}"),
        K::Pattern { .. } if pointer.ends_with("amount_ht") || pointer.ends_with("amount_ttc") => {
            "montant en euros attendu avec exactement deux décimales, entre guillemets (ex. « 1200.00 »)"
                .to_owned()
        }
        K::Pattern { .. } if pointer.ends_with("_on") => {
            "date attendue au format AAAA-MM-JJ".to_owned()
        }
        K::Pattern { .. } if pointer.ends_with("/client") => {
            "identifiant de structure attendu : finess_ej:…, finess_et:…, siret:… ou rpps:…"
                .to_owned()
        }
        K::Pattern { .. } if pointer.ends_with("sha256") => {
            "empreinte SHA-256 attendue : 64 caractères hexadécimaux minuscules".to_owned()
        }
        K::Pattern { .. } => "format de valeur invalide".to_owned(),
        K::MinLength { .. } => "valeur vide ou trop courte".to_owned(),
        K::MaxLength { limit } => format!("valeur trop longue (au plus {limit} caractères)"),
        K::MaxItems { limit } => format!("au plus {limit} éléments"),
        K::Minimum { limit } => format!("valeur minimale : {limit}"),
        K::Maximum { limit } => format!("valeur maximale : {limit}"),
        _ => format!("valeur refusée par le schéma : {en}"),
    };
    DocumentIssue::new(pointer, fr, en)
}

/// Deserialises `value` into `T`, locating any error under `base`.
fn located<T: serde::de::DeserializeOwned>(value: Value, base: &str) -> Result<T, DocumentIssue> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let mut pointer = base.to_owned();
        for seg in e.path().iter() {
            match seg {
                serde_path_to_error::Segment::Seq { index } => {
                    pointer.push('/');
                    pointer.push_str(&index.to_string());
                }
                serde_path_to_error::Segment::Map { key } => {
                    pointer.push('/');
                    pointer.push_str(&escape(key));
                }
                _ => {}
            }
        }
        let inner = e.into_inner().to_string();
        DocumentIssue::new(pointer, format!("valeur invalide : {inner}"), inner)
    })
}

/// Checks a document's shape and values; `editor` is the depositor, `today` the deposit date
/// used when the document states none.
pub fn parse_document(
    json: &Value,
    editor: &str,
    today: Date,
) -> Result<RequestDocument, Vec<DocumentIssue>> {
    let Some(validator) = VALIDATOR.as_ref() else {
        return Err(vec![DocumentIssue::new(
            "",
            "schéma interne illisible",
            "internal schema unreadable",
        )]);
    };
    let mut issues: Vec<DocumentIssue> = validator
        .iter_errors(json)
        .map(|e| schema_issue(&e))
        .collect();
    if !issues.is_empty() {
        issues.sort_by(|a, b| a.pointer.cmp(&b.pointer));
        issues.dedup();
        return Err(issues);
    }
    // The schema guarantees these fields and types.
    let field = |name: &str| json.get(name).cloned().unwrap_or(Value::Null);
    let id = json["id"].as_str().unwrap_or_default().to_owned();
    let mut order_json = field("order");
    if let Some(o) = order_json.as_object_mut() {
        o.insert("editor".into(), Value::String(editor.to_owned()));
    }
    let order: Result<Order, _> = located(order_json, "/order");
    let kind: Result<RequestKind, _> = located(field("kind"), "/kind");
    let deposited_on: Result<Date, _> = match json.get("deposited_on") {
        Some(v) => located(v.clone(), "/deposited_on"),
        None => Ok(today),
    };
    let attachments: Result<Vec<Attachment>, _> = match json.get("attachments") {
        Some(v) => located(v.clone(), "/attachments"),
        None => Ok(Vec::new()),
    };
    let order_id = json["order"]["id"].as_str().unwrap_or_default().to_owned();
    let prestation: Result<Option<Prestation>, _> = match json.get("prestation") {
        Some(v) => {
            let mut v = v.clone();
            if let Some(o) = v.as_object_mut() {
                o.insert("order".into(), Value::String(order_id.clone()));
            }
            located(v, "/prestation").map(Some)
        }
        None => Ok(None),
    };
    let mut issues = Vec::new();
    let mut take = |r: Result<(), DocumentIssue>| {
        if let Err(i) = r {
            issues.push(i);
        }
    };
    take(order.as_ref().map(|_| ()).map_err(Clone::clone));
    take(kind.as_ref().map(|_| ()).map_err(Clone::clone));
    take(deposited_on.as_ref().map(|_| ()).map_err(Clone::clone));
    take(attachments.as_ref().map(|_| ()).map_err(Clone::clone));
    take(prestation.as_ref().map(|_| ()).map_err(Clone::clone));
    let (Ok(order), Ok(kind), Ok(deposited_on), Ok(attachments), Ok(prestation)) =
        (order, kind, deposited_on, attachments, prestation)
    else {
        return Err(issues);
    };
    Ok(RequestDocument {
        request: PaymentRequest {
            id,
            order: order.id.clone(),
            kind,
            status: RequestStatus::Deposited,
            deposited_on,
            amendments: Vec::new(),
        },
        order,
        prestation,
        attachments,
    })
}

/// The outcome of checking a document against the editor's records.
#[derive(Debug, Clone, Serialize)]
pub struct Simulation {
    /// Shape and value problems; when not empty, no rule ran.
    pub issues: Vec<DocumentIssue>,
    /// Rule findings on this request, its order and Prestation, and those the request adds
    /// elsewhere (FIN-01 on another order of the same client, say).
    pub diagnostics: Vec<Diagnostic>,
    /// The request is an avenant to one sent back « à modifier ».
    pub amendment: bool,
    #[serde(skip)]
    pub document: Option<RequestDocument>,
}

impl Simulation {
    /// A deposit of this document would be accepted: well-formed and no error.
    pub fn accepted(&self) -> bool {
        self.issues.is_empty()
            && self
                .diagnostics
                .iter()
                .all(|d| d.severity != Severity::Error)
    }
}

/// The records as they would be after depositing `doc`: its order, Prestation and request
/// replace those with the same identifiers.
pub struct Merged {
    pub clients: Vec<Client>,
    pub orders: Vec<Order>,
    pub payment_requests: Vec<PaymentRequest>,
    pub prestations: Vec<Prestation>,
}

impl Merged {
    pub fn records(&self) -> FinancingRecords<'_> {
        FinancingRecords {
            clients: &self.clients,
            orders: &self.orders,
            payment_requests: &self.payment_requests,
            prestations: &self.prestations,
        }
    }
}

/// FIN-04: the attachments a request needs.
fn attachment_diagnostics(doc: &RequestDocument) -> Vec<Diagnostic> {
    let needed: &[AttachmentKind] = match doc.request.kind {
        RequestKind::Advance => &[AttachmentKind::BonDeCommande],
        RequestKind::Balance => &[AttachmentKind::Pv, AttachmentKind::Va],
    };
    let have: BTreeSet<AttachmentKind> = doc.attachments.iter().map(|a| a.kind).collect();
    needed
        .iter()
        .filter(|k| !have.contains(k))
        .map(|k| {
            Diagnostic::new(
                "FIN-04",
                Severity::Error,
                request_subject(&doc.request),
                format!(
                    "{} sans pièce jointe « {} »",
                    doc.request.kind.label_fr(),
                    k.label_fr()
                ),
                format!("request without its \"{}\" attachment", k.label_fr()),
            )
        })
        .collect()
}

/// Checks `json` as a deposit by `editor` on `today` would, against the editor's `records`
/// (and the eligibility base in `records.clients`), without storing anything.
pub fn simulate(
    world: &World,
    records: FinancingRecords<'_>,
    json: &Value,
    editor: &str,
    today: Date,
    settings: &Settings,
) -> Simulation {
    let doc = match parse_document(json, editor, today) {
        Ok(d) => d,
        Err(issues) => {
            return Simulation {
                issues,
                diagnostics: Vec::new(),
                amendment: false,
                document: None,
            };
        }
    };
    let (merged, amendment) = match merge(records, &doc, today) {
        Ok(m) => m,
        Err(issue) => {
            return Simulation {
                issues: vec![issue],
                diagnostics: Vec::new(),
                amendment: false,
                document: Some(doc),
            };
        }
    };
    let before: BTreeSet<Diagnostic> =
        crate::rules::fin::check_records(world, records, today, settings)
            .into_iter()
            .collect();
    let subjects = request_subjects(&doc.request.id, &doc.order.id);
    let mut diagnostics: Vec<Diagnostic> =
        crate::rules::fin::check_records(world, merged.records(), today, settings)
            .into_iter()
            .filter(|d| subjects.contains(&d.subject) || !before.contains(d))
            .collect();
    diagnostics.extend(attachment_diagnostics(&doc));
    diagnostics.sort();
    diagnostics.dedup();
    Simulation {
        issues: Vec::new(),
        diagnostics,
        amendment,
        document: Some(doc),
    }
}

/// The records after depositing `doc`, and whether it is an avenant. A request with the
/// identifier of an existing one is an avenant if that one is « à modifier », else refused.
pub fn merge(
    records: FinancingRecords<'_>,
    doc: &RequestDocument,
    today: Date,
) -> Result<(Merged, bool), DocumentIssue> {
    let mut amendment = false;
    let mut payment_requests = records.payment_requests.to_vec();
    match payment_requests.iter_mut().find(|r| r.id == doc.request.id) {
        Some(existing) => {
            if existing.order != doc.request.order || existing.kind != doc.request.kind {
                return Err(DocumentIssue::new(
                    "/id",
                    format!(
                        "la demande {} existe déjà pour la commande {} ({}) : choisissez un autre identifiant",
                        existing.id,
                        existing.order,
                        existing.kind.label_fr()
                    ),
                    format!(
                        "request {} already exists for order {}: choose another identifier",
                        existing.id, existing.order
                    ),
                ));
            }
            existing
                .amend(today, "avenant déposé".to_owned())
                .map_err(|e| {
                    DocumentIssue::new(
                        "/id",
                        e.to_string(),
                        format!(
                            "request {} already exists; an amendment needs status \"à modifier\"",
                            doc.request.id
                        ),
                    )
                })?;
            amendment = true;
        }
        None => payment_requests.push(doc.request.clone()),
    }
    let mut orders = records.orders.to_vec();
    match orders.iter_mut().find(|o| o.id == doc.order.id) {
        Some(o) => *o = doc.order.clone(),
        None => orders.push(doc.order.clone()),
    }
    let mut prestations = records.prestations.to_vec();
    if let Some(p) = &doc.prestation {
        match prestations.iter_mut().find(|x| x.order == p.order) {
            Some(x) => *x = p.clone(),
            None => prestations.push(p.clone()),
        }
    }
    Ok((
        Merged {
            clients: records.clients.to_vec(),
            orders,
            payment_requests,
            prestations,
        },
        amendment,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i16, m: i8, d: i8) -> Date {
        jiff::civil::date(y, m, d)
    }

    fn doc() -> Value {
        serde_json::json!({
            "format": FORMAT_V1,
            "id": "DA-1",
            "kind": "advance",
            "deposited_on": "2026-02-01",
            "order": {
                "id": "BC-1", "client": "finess_et:750712184", "dispositif": "HOP-DPI-Va2",
                "prestation": "va2", "emitted_on": "2026-01-05", "signed_on": "2026-01-10",
                "amount_ht": "1000.00", "amount_ttc": "1200.00"
            },
            "attachments": [{ "kind": "bon_de_commande", "name": "bc.pdf",
                              "sha256": "a".repeat(64) }]
        })
    }

    #[test]
    fn fin_04_schema_is_valid_json_schema_and_accepts_the_example() {
        assert!(VALIDATOR.is_some());
        let d = parse_document(&doc(), "ed", day(2026, 3, 1)).unwrap();
        assert_eq!(d.request.deposited_on, day(2026, 2, 1));
        assert_eq!(d.request.status, RequestStatus::Deposited);
        // Round trip through the stored form.
        let again = parse_document(&d.to_json(), "ed", day(2026, 3, 1)).unwrap();
        assert_eq!(again, d);
    }

    #[test]
    fn fin_04_schema_errors_carry_json_pointers() {
        let mut bad = doc();
        bad["order"]["amount_ttc"] = "1200".into();
        bad["order"].as_object_mut().unwrap().remove("client");
        bad["colour"] = "blue".into();
        bad["attachments"][0]["sha256"] = "xyz".into();
        let issues = parse_document(&bad, "ed", day(2026, 3, 1)).unwrap_err();
        let pointers: Vec<&str> = issues.iter().map(|i| i.pointer.as_str()).collect();
        assert!(pointers.contains(&""), "{issues:#?}");
        assert!(pointers.contains(&"/order"), "{issues:#?}");
        assert!(pointers.contains(&"/order/amount_ttc"), "{issues:#?}");
        assert!(pointers.contains(&"/attachments/0/sha256"), "{issues:#?}");
        let amount = issues
            .iter()
            .find(|i| i.pointer == "/order/amount_ttc")
            .unwrap();
        assert!(amount.message_fr.contains("deux décimales"), "{amount:?}");
        let missing = issues.iter().find(|i| i.pointer == "/order").unwrap();
        assert!(missing.message_fr.contains("client"), "{missing:?}");
    }

    #[test]
    fn fin_04_value_errors_after_the_schema_are_located_too() {
        let mut bad = doc();
        // Shape is right, but the FINESS key is wrong and 31 February does not exist.
        bad["order"]["client"] = "finess_et:750712185".into();
        bad["order"]["signed_on"] = "2026-02-31".into();
        let issues = parse_document(&bad, "ed", day(2026, 3, 1)).unwrap_err();
        assert_eq!(
            issues.len(),
            1,
            "first value error of the order: {issues:#?}"
        );
        assert!(issues[0].pointer.starts_with("/order/"), "{issues:#?}");
    }

    #[test]
    fn fin_04_balance_needs_a_prestation_and_its_attachments() {
        let mut bal = doc();
        bal["kind"] = "balance".into();
        let issues = parse_document(&bal, "ed", day(2026, 3, 1)).unwrap_err();
        assert!(
            issues.iter().any(|i| i.message_fr.contains("prestation")),
            "{issues:#?}"
        );
        bal["prestation"] = serde_json::json!({ "va_signed_on": "2026-06-01" });
        let sim = simulate(
            &World::default(),
            FinancingRecords::default(),
            &bal,
            "ed",
            day(2026, 7, 1),
            &Settings::default(),
        );
        assert!(sim.issues.is_empty(), "{:#?}", sim.issues);
        let fin04: Vec<_> = sim
            .diagnostics
            .iter()
            .filter(|d| d.rule == "FIN-04")
            .collect();
        assert!(
            fin04.iter().any(|d| d.message_fr.contains("procès-verbal")),
            "{fin04:#?}"
        );
        assert!(!sim.accepted());
    }

    #[test]
    fn fin_04_an_existing_request_is_amended_only_when_a_modifier() {
        let d = parse_document(&doc(), "ed", day(2026, 3, 1)).unwrap();
        let mut stored = d.request.clone();
        let recs = |r: &PaymentRequest| (vec![d.order.clone()], vec![r.clone()]);
        let (orders, reqs) = recs(&stored);
        let records = FinancingRecords {
            orders: &orders,
            payment_requests: &reqs,
            ..FinancingRecords::default()
        };
        let refused = merge(records, &d, day(2026, 3, 2)).err().unwrap();
        assert_eq!(refused.pointer, "/id");
        stored
            .decide(super::super::RequestDecision::SendBack {
                motivation: "BC illisible".into(),
            })
            .unwrap();
        let (orders, reqs) = recs(&stored);
        let records = FinancingRecords {
            orders: &orders,
            payment_requests: &reqs,
            ..FinancingRecords::default()
        };
        let (merged, amendment) = merge(records, &d, day(2026, 3, 2)).unwrap();
        assert!(amendment);
        assert_eq!(merged.payment_requests.len(), 1);
        assert_eq!(merged.payment_requests[0].status, RequestStatus::Deposited);
        assert_eq!(merged.payment_requests[0].amendments.len(), 1);
    }
}
