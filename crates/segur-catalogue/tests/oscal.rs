//! OSCAL exports validated against NIST's official OSCAL 1.2.3 JSON schema (vendored, see
//! tests/oscal/PROVENANCE.md).

use segur_catalogue::oscal::{self, AssessedItem, Assessment, EvidenceFile};
use segur_catalogue::{ImportOptions, SourceFormat, fixtures, import_rem};
use segur_domain::catalogue::{DispositifCode, RemVersion};
use segur_domain::proof::ProofStatus;
use segur_domain::solution::{CommercialName, Component, Nil, Solution};
use sha2::Digest;

const SCHEMA: &str = include_str!("oscal/oscal_complete_schema.json");

fn validate(doc: &serde_json::Value) {
    let schema: serde_json::Value = serde_json::from_str(SCHEMA).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("official schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .take(10)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "OSCAL schema errors:\n{}",
        errors.join("\n")
    );
}

fn rem() -> RemVersion {
    let rows = fixtures::rem_rows(30, 0);
    let mut rem = import_rem(
        &fixtures::published_workbook(&rows, false).unwrap(),
        SourceFormat::Xlsx,
        "rem.xlsx",
        &ImportOptions::new(DispositifCode::parse("MDV-LGC-Va2").unwrap(), "1.0"),
    )
    .unwrap()
    .rem;
    rem.published_on = Some(jiff::civil::date(2026, 6, 8));
    rem
}

fn at() -> jiff::Timestamp {
    "2026-11-22T10:00:00Z".parse().unwrap()
}

#[test]
fn oscal_schema_is_the_official_one() {
    let hash = hex::encode(sha2::Sha256::digest(SCHEMA.as_bytes()));
    assert_eq!(
        hash,
        "384324105c7a817af0f65b120a963146caa0e0d55d969cf0daf60e063b87a206"
    );
}

#[test]
fn rem_as_oscal_catalog_is_valid() {
    let rem = rem();
    let doc = oscal::catalog(&rem, at());
    validate(&doc);
    let groups = doc["catalog"]["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 6);
    let controls: usize = groups
        .iter()
        .map(|g| g["controls"].as_array().unwrap().len())
        .sum();
    assert_eq!(controls, 30);
    // SSI/GEN ids become tokens without "/".
    assert!(SCHEMA.len() > 1000);
    let text = doc.to_string();
    assert!(
        text.contains("\"id\":\"SC.SSI-GEN.01.05\""),
        "{}",
        &text[..200]
    );
    // Same REM, same document (name-based UUIDs).
    assert_eq!(doc, oscal::catalog(&rem, at()));
}

#[test]
fn an_invalid_document_is_caught_by_the_schema() {
    // The test can fail: a catalog without metadata is refused.
    let mut doc = oscal::catalog(&rem(), at());
    doc["catalog"].as_object_mut().unwrap().remove("metadata");
    let schema: serde_json::Value = serde_json::from_str(SCHEMA).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(!validator.is_valid(&doc));
    // Patterns are enforced: a control id with "/" is not an OSCAL token.
    let mut doc = oscal::catalog(&rem(), at());
    doc["catalog"]["groups"][0]["controls"][0]["id"] = "SC.SSI/GEN.01".into();
    assert!(!validator.is_valid(&doc));
}

#[test]
fn solution_as_oscal_component_definition_is_valid() {
    let solution = Solution {
        principal: Component {
            name: "MonLogiciel".into(),
            version: "5.2".into(),
        },
        additional: vec![Component {
            name: "Module DMP".into(),
            version: "1.1".into(),
        }],
        proxy: None,
        names: vec![CommercialName {
            name: "MonLogiciel Cabinet".into(),
            nil: Nil::parse("NIL-123456").unwrap(),
            technical_version: "5.2".into(),
        }],
    };
    let doc = oscal::component_definition("sol-1", &solution, &rem(), at());
    validate(&doc);
    let comps = doc["component-definition"]["components"]
        .as_array()
        .unwrap();
    assert_eq!(comps.len(), 2);
}

#[test]
fn instruction_results_as_oscal_assessment_results_are_valid_with_hashes() {
    let rem = rem();
    let items: Vec<AssessedItem> = rem
        .proof_items()
        .into_iter()
        .take(5)
        .enumerate()
        .map(|(i, item)| AssessedItem {
            key: item.key,
            status: [
                ProofStatus::Validated,
                ProofStatus::Rejected,
                ProofStatus::Deposited,
            ][i % 3],
            files: vec![EvidenceFile {
                name: format!("capture-{i}.png"),
                sha256: hex::encode(sha2::Sha256::digest(format!("file {i}").as_bytes())),
            }],
        })
        .collect();
    let doc = oscal::assessment_results(&Assessment {
        candidature_id: "cand-1",
        title: "Instruction candidature cand-1",
        rem: &rem,
        items: &items,
        at: at(),
    });
    validate(&doc);
    let ar = &doc["assessment-results"];
    assert_eq!(ar["back-matter"]["resources"].as_array().unwrap().len(), 5);
    assert_eq!(ar["results"][0]["findings"].as_array().unwrap().len(), 4);
    assert_eq!(
        ar["back-matter"]["resources"][0]["rlinks"][0]["hashes"][0]["algorithm"],
        "SHA-256"
    );
}
