//! `docs/world.schema.json` accepts every world file of `examples/` and the demo world, and the
//! REM files they reference; it refuses what the loader refuses (unknown fields, bad codes).

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn schema() -> serde_json::Value {
    let text = std::fs::read_to_string(root().join("docs/world.schema.json")).expect("schema file");
    serde_json::from_str(&text).expect("schema is JSON")
}

/// A validator for one of the schema's `$defs` (e.g. the content of a REM file).
fn sub_schema(def: &str) -> serde_json::Value {
    let s = schema();
    serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$defs": s["$defs"],
        "$ref": format!("#/$defs/{def}"),
    })
}

fn as_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if path.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(&text).expect("JSON file")
    } else {
        let v: toml::Value =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_json::to_value(v).expect("TOML to JSON")
    }
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml" || e == "json"))
        .collect();
    v.sort();
    v
}

fn assert_valid(validator: &jsonschema::Validator, path: &Path) {
    let doc = as_json(path);
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{} does not match the schema:\n{}",
        path.display(),
        errors.join("\n")
    );
}

#[test]
fn every_example_and_the_demo_match_the_schema() {
    let world = jsonschema::validator_for(&schema()).expect("schema compiles");
    let rem = jsonschema::validator_for(&sub_schema("remVersion")).expect("sub-schema compiles");
    let mut worlds = files_in(&root().join("examples"));
    worlds.push(root().join("crates/segur/demo/world.toml"));
    assert!(worlds.len() >= 8);
    for f in &worlds {
        assert_valid(&world, f);
    }
    let mut rems = files_in(&root().join("examples/rem"));
    rems.extend(files_in(&root().join("crates/segur/demo/rem")));
    assert!(rems.len() >= 8);
    for f in &rems {
        assert_valid(&rem, f);
    }
}

#[test]
fn schema_refuses_what_the_loader_refuses() {
    let world = jsonschema::validator_for(&schema()).expect("schema compiles");
    let bad = [
        serde_json::json!({ "editorz": [] }),
        serde_json::json!({ "format_version": 2 }),
        serde_json::json!({ "dispositifs": [{ "code": "MDV-LGC-Va3", "name": "x" }] }),
        serde_json::json!({ "editors": [{ "id": "a", "name": "b", "siret": "1" }] }),
        serde_json::json!({ "calendars": "official" }),
        serde_json::json!({ "rem_versions": [{ "path": "a.toml", "version": "1" }] }),
    ];
    for doc in bad {
        assert!(!world.is_valid(&doc), "schema should refuse {doc}");
    }
    assert!(world.is_valid(&serde_json::json!({ "format_version": 1, "calendars": "builtin" })));
}

/// `docs/catalogue.schema.json` (segur's own REM format) is the `remVersion` part of the world
/// schema, copied: it must not drift, and it accepts every REM file of the repository.
#[test]
fn catalogue_schema_is_the_world_schema_rem_part() {
    let text = std::fs::read_to_string(root().join("docs/catalogue.schema.json"))
        .expect("catalogue schema");
    let catalogue: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let world = schema();
    for (name, def) in catalogue["$defs"].as_object().expect("$defs") {
        assert_eq!(
            def, &world["$defs"][name],
            "catalogue.schema.json drifted on {name}"
        );
    }
    let validator = jsonschema::validator_for(&catalogue).expect("catalogue schema compiles");
    let mut rems = files_in(&root().join("examples/rem"));
    rems.extend(files_in(&root().join("crates/segur/demo/rem")));
    for f in &rems {
        assert_valid(&validator, f);
    }
    let with_extra = serde_json::json!({
        "dispositif": "MS-Va2", "version": "2.0", "status": "draft",
        "requirements": [{ "id": "SC.INS.01", "chapter": "INS", "enonce": "x", "nature": "EXIGENCE",
            "profile": "Général", "scenarios": [], "extra": { "Commentaire": "nouveau" } }]
    });
    assert!(validator.is_valid(&with_extra));
    assert!(!validator.is_valid(
        &serde_json::json!({ "dispositif": "MS-Va2", "version": "1", "status": "final" })
    ));
}
