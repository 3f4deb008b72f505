//! OSCAL JSON exports (validated in tests against NIST's official OSCAL 1.2.3 schema, vendored in
//! `crates/segur-catalogue/tests/oscal/`): the REM as a Catalog, a solution as a Component
//! Definition, the instruction results as Assessment Results with file hashes.
//!
//! UUIDs are version 5 (name-based), so that exporting the same REM twice gives the same
//! document; the timestamp is a parameter (the domain has no clock).

use serde_json::{Value, json};
use uuid::Uuid;

use segur_domain::catalogue::{Nature, ProofItemKey, RemVersion, RequirementId};
use segur_domain::proof::ProofStatus;
use segur_domain::solution::Solution;

/// The OSCAL version the exports follow (and whose schema the tests validate against).
pub const OSCAL_VERSION: &str = "1.2.3";
/// Namespace of segur's own property and part names.
pub const NS: &str = "https://segur.esante.example/ns/oscal";

const ROOT: Uuid = Uuid::from_u128(0x5e9a_2b6e_8c1d_4f7a_9b3e_0a1c_2d3e_4f50);

fn uid(parts: &[&str]) -> String {
    Uuid::new_v5(&ROOT, parts.join("\u{1f}").as_bytes()).to_string()
}

/// OSCAL token for a requirement id: `/` (not allowed in tokens, never in an id's other
/// characters) becomes `-`, so the mapping is one to one.
pub fn control_id(id: &RequirementId) -> String {
    id.as_str().replace('/', "-")
}

fn prop(name: &str, value: &str) -> Option<Value> {
    let v = value.trim();
    (!v.is_empty()).then(|| json!({"name": name, "ns": NS, "value": v}))
}

fn metadata(title: &str, version: &str, last_modified: jiff::Timestamp) -> Value {
    json!({
        "title": title,
        "last-modified": last_modified.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "version": if version.trim().is_empty() { "0" } else { version.trim() },
        "oscal-version": OSCAL_VERSION,
    })
}

fn nature_label(n: Nature) -> &'static str {
    match n {
        Nature::Exigence => "EXIGENCE",
        Nature::Preconisation => "PRECONISATION",
    }
}

fn non_empty(s: &str, fallback: &str) -> String {
    if s.trim().is_empty() {
        fallback.to_owned()
    } else {
        s.trim().to_owned()
    }
}

/// The UUID of a REM version's catalog (referenced by component definitions).
pub fn catalog_uuid(rem: &RemVersion) -> String {
    uid(&["catalog", rem.dispositif.as_str(), &rem.version])
}

/// The REM as an OSCAL Catalog: one group per chapter, one control per requirement with its
/// énoncé as statement, its scenarios as assessment objectives and its proofs inside them.
pub fn catalog(rem: &RemVersion, last_modified: jiff::Timestamp) -> Value {
    let mut groups: Vec<Value> = Vec::new();
    for (gi, chapter) in rem.chapters().iter().enumerate() {
        let controls: Vec<Value> = rem
            .requirements
            .iter()
            .filter(|r| &r.chapter == chapter)
            .map(|r| {
                let cid = control_id(&r.id);
                let mut props: Vec<Value> = vec![json!({"name": "label", "value": r.id.as_str()})];
                props.extend(prop("nature", nature_label(r.nature)));
                props.extend(prop("profile", r.profile.as_str()));
                props.extend(prop("wave-origin", r.wave_origin.as_str()));
                props.extend(prop("fonction", &r.fonction));
                let mut parts = vec![json!({
                    "id": format!("{cid}_smt"),
                    "name": "statement",
                    "prose": r.enonce,
                })];
                for sc in &r.scenarios {
                    let proofs: Vec<Value> = sc
                        .proofs
                        .iter()
                        .map(|p| {
                            json!({
                                "id": format!("{cid}_obj.{}.{}", sc.number, p.number),
                                "name": "expected-proof",
                                "ns": NS,
                                "title": format!("Preuve {}", p.number),
                                "prose": p.text,
                            })
                        })
                        .collect();
                    parts.push(json!({
                        "id": format!("{cid}_obj.{}", sc.number),
                        "name": "assessment-objective",
                        "title": format!("Scénario {}", sc.number),
                        "prose": sc.text,
                        "parts": proofs,
                    }));
                }
                json!({
                    "id": cid,
                    "class": if r.nature == Nature::Exigence { "exigence" } else { "preconisation" },
                    "title": r.id.as_str(),
                    "props": props,
                    "parts": parts,
                })
            })
            .collect();
        groups.push(json!({
            "id": format!("chapitre-{}", gi + 1),
            "class": "chapitre",
            "title": non_empty(chapter, "Sans chapitre"),
            "controls": controls,
        }));
    }
    let mut meta = metadata(
        &format!("REM {} — référentiel d'exigences minimales", rem.dispositif),
        &rem.version,
        last_modified,
    );
    let mut meta_props =
        vec![json!({"name": "dispositif", "ns": NS, "value": rem.dispositif.as_str()})];
    meta_props.extend(prop("status", rem.status.as_str()));
    if let Some(d) = rem.published_on {
        meta["published"] = json!(format!("{d}T00:00:00Z"));
    }
    meta["props"] = Value::Array(meta_props);
    json!({
        "catalog": {
            "uuid": catalog_uuid(rem),
            "metadata": meta,
            "groups": groups,
        }
    })
}

/// A solution as an OSCAL Component Definition: its components (principal, additional, proxy),
/// each implementing the requirements of the REM version it is candidate on.
pub fn component_definition(
    solution_id: &str,
    solution: &Solution,
    rem: &RemVersion,
    last_modified: jiff::Timestamp,
) -> Value {
    let implemented: Vec<Value> = rem
        .requirements
        .iter()
        .map(|r| {
            json!({
                "uuid": uid(&["impl", solution_id, rem.dispositif.as_str(), &rem.version, r.id.as_str()]),
                "control-id": control_id(&r.id),
                "description": format!("{} : {}", r.id, non_empty(&r.enonce, "exigence")),
            })
        })
        .collect();
    let mut components = Vec::new();
    let all = std::iter::once(("principal", &solution.principal))
        .chain(solution.additional.iter().map(|c| ("additionnel", c)))
        .chain(solution.proxy.iter().map(|c| ("proxy", c)));
    for (i, (role, comp)) in all.enumerate() {
        let mut props: Vec<Value> = Vec::new();
        props.extend(prop("role", role));
        props.extend(prop("version", &comp.version));
        for n in &solution.names {
            props.extend(prop("commercial-name", &n.name));
            props.extend(prop("nil", n.nil.as_str()));
        }
        let mut c = json!({
            "uuid": uid(&["component", solution_id, &i.to_string()]),
            "type": "software",
            "title": non_empty(&comp.name, "composant"),
            "description": format!("Composant {role} {} version {}", comp.name, comp.version),
            "props": props,
        });
        if i == 0 {
            c["control-implementations"] = json!([{
                "uuid": uid(&["ci", solution_id, rem.dispositif.as_str(), &rem.version]),
                "source": format!("urn:uuid:{}", catalog_uuid(rem)),
                "description": format!("Exigences du REM {} version {}", rem.dispositif, rem.version),
                "implemented-requirements": implemented,
            }]);
        }
        components.push(c);
    }
    json!({
        "component-definition": {
            "uuid": uid(&["component-definition", solution_id, rem.dispositif.as_str(), &rem.version]),
            "metadata": metadata(&format!("Solution {}", solution.principal.name), &solution.principal.version, last_modified),
            "components": components,
        }
    })
}

/// A file deposited as proof, identified by its content hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceFile {
    pub name: String,
    /// Lowercase hex SHA-256 of the content.
    pub sha256: String,
}

/// The instruction status of one proof item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssessedItem {
    pub key: ProofItemKey,
    pub status: ProofStatus,
    pub files: Vec<EvidenceFile>,
}

/// What an Assessment Results document says.
#[derive(Debug, Clone)]
pub struct Assessment<'a> {
    pub candidature_id: &'a str,
    pub title: &'a str,
    pub rem: &'a RemVersion,
    pub items: &'a [AssessedItem],
    pub at: jiff::Timestamp,
}

fn state(status: ProofStatus) -> Option<&'static str> {
    match status {
        ProofStatus::Validated | ProofStatus::Inherited | ProofStatus::Equivalent => {
            Some("satisfied")
        }
        ProofStatus::Rejected | ProofStatus::ComplementRequested => Some("not-satisfied"),
        _ => None,
    }
}

/// The instruction results as OSCAL Assessment Results: one observation per proof item with
/// its files (back-matter resources carrying SHA-256 hashes), one finding per decided item.
pub fn assessment_results(a: &Assessment<'_>) -> Value {
    let at = a.at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let mut resources = Vec::new();
    let mut observations = Vec::new();
    let mut findings = Vec::new();
    for item in a.items {
        let k = &item.key;
        let key_s = format!("{}/{}/{}", k.requirement, k.scenario, k.proof);
        let obs_uuid = uid(&["observation", a.candidature_id, &key_s]);
        let evidence: Vec<Value> = item
            .files
            .iter()
            .map(|f| {
                let res_uuid = uid(&["resource", a.candidature_id, &key_s, &f.sha256]);
                resources.push(json!({
                    "uuid": res_uuid,
                    "title": non_empty(&f.name, "preuve"),
                    "rlinks": [{
                        "href": format!("blobs/{}", f.sha256),
                        "hashes": [{"algorithm": "SHA-256", "value": f.sha256}],
                    }],
                }));
                json!({"href": format!("#{res_uuid}"), "description": format!("Fichier {}", non_empty(&f.name, "preuve"))})
            })
            .collect();
        let mut obs = json!({
            "uuid": obs_uuid,
            "title": format!("{} / S{} / P{}", k.requirement, k.scenario, k.proof),
            "description": format!("Élément de preuve {} : statut {}", k, item.status.as_str()),
            "props": [{"name": "status", "ns": NS, "value": item.status.as_str()}],
            "methods": ["EXAMINE"],
            "collected": at,
        });
        if !evidence.is_empty() {
            obs["relevant-evidence"] = Value::Array(evidence);
        }
        observations.push(obs);
        if let Some(st) = state(item.status) {
            findings.push(json!({
                "uuid": uid(&["finding", a.candidature_id, &key_s]),
                "title": format!("{} / S{} / P{}", k.requirement, k.scenario, k.proof),
                "description": format!("Instruction de l'élément de preuve {k}"),
                "target": {
                    "type": "objective-id",
                    "target-id": format!("{}_obj.{}.{}", control_id(&k.requirement), k.scenario, k.proof),
                    "status": {"state": st},
                },
                "related-observations": [{"observation-uuid": obs_uuid}],
            }));
        }
    }
    let mut result = json!({
        "uuid": uid(&["result", a.candidature_id, &at]),
        "title": format!("Instruction de la candidature {}", a.candidature_id),
        "description": format!("Résultats d'instruction sur le REM {} version {}", a.rem.dispositif, a.rem.version),
        "start": at,
        "reviewed-controls": {"control-selections": [{"include-all": {}}]},
    });
    if !observations.is_empty() {
        result["observations"] = Value::Array(observations);
    }
    if !findings.is_empty() {
        result["findings"] = Value::Array(findings);
    }
    let mut doc = json!({
        "uuid": uid(&["assessment-results", a.candidature_id, &at]),
        "metadata": metadata(a.title, &a.rem.version, a.at),
        "import-ap": {"href": format!("urn:uuid:{}", uid(&["assessment-plan", a.candidature_id]))},
        "results": [result],
    });
    if !resources.is_empty() {
        doc["back-matter"] = json!({"resources": resources});
    }
    json!({ "assessment-results": doc })
}
