//! Hostile and broken world files: each must end in a clean load error (exit code 2), located
//! when possible, never a panic. Exit codes 0/1/2 are checked through the `run`/`execute`
//! functions.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use segur::commands::check::{self, CheckArgs, CheckFormat};
use segur::commands::plan::{self, PlanArgs, PlanFormat};

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let n = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir =
            std::env::temp_dir().join(format!("segur-hostile-{tag}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
    fn write(&self, name: &str, text: impl AsRef<[u8]>) -> PathBuf {
        let p = self.0.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, text).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn check_json(file: &Path) -> (u8, serde_json::Value) {
    let mut out = Vec::new();
    let code = check::execute(
        &CheckArgs {
            file: file.to_path_buf(),
            at: Some(jiff::civil::date(2026, 11, 15)),
            format: CheckFormat::Json,
        },
        &mut out,
        false,
    )
    .expect("check never fails on bad input: it reports");
    (code, serde_json::from_slice(&out).expect("JSON output"))
}

fn check_human(file: &Path) -> (u8, String) {
    let mut out = Vec::new();
    let code = check::execute(
        &CheckArgs {
            file: file.to_path_buf(),
            at: Some(jiff::civil::date(2026, 11, 15)),
            format: CheckFormat::Human,
        },
        &mut out,
        false,
    )
    .unwrap();
    (code, String::from_utf8(out).unwrap())
}

const VALID: &str = r#"
format_version = 1
calendars = "builtin"

[[dispositifs]]
code = "MDV-LGC-Va2"
name = "LGC"

[[rem_versions]]
dispositif = "MDV-LGC-Va2"
version = "1.1"
status = "published"
published_on = "2026-06-11"

[[rem_versions.requirements]]
id = "SC.INS.01.02"
chapter = "Identification"
enonce = "Le logiciel DOIT qualifier l'INS."
nature = "EXIGENCE"
profile = "Général"
scenarios = [{ number = 1, text = "Qualifier", proofs = [{ number = 1, text = "Capture" }] }]

[[editors]]
id = "ed-a"
name = "Éditeur A"
charte_accepted_on = "2025-05-01"
"#;

#[test]
fn malformed_toml_is_located() {
    let dir = TempDir::new("syntax");
    let f = dir.write(
        "w.toml",
        "format_version = 1\n[[editors]]\nid = \"ed-a\nname = \"x\"\n",
    );
    let (code, doc) = check_json(&f);
    assert_eq!(code, 2);
    assert_eq!(doc["error"]["line"], 3, "{doc}");
    assert!(
        doc["error"]["message_en"]
            .as_str()
            .unwrap()
            .contains("invalid TOML"),
        "{doc}"
    );
    let (code, human) = check_human(&f);
    assert_eq!(code, 2);
    assert!(human.contains("w.toml:3:"), "{human}");
    assert!(
        human.contains("id = \"ed-a"),
        "the offending line is shown:\n{human}"
    );
}

#[test]
fn wrong_types_are_refused_with_location() {
    let dir = TempDir::new("types");
    let f = dir.write("w.toml", VALID.replace("name = \"LGC\"", "name = 42"));
    let (code, doc) = check_json(&f);
    assert_eq!(code, 2);
    assert_eq!(doc["error"]["line"], 7, "{doc}");
    let f = dir.write(
        "w2.toml",
        VALID.replace("code = \"MDV-LGC-Va2\"", "code = \"MDV-LGC-Va9\""),
    );
    let (code, doc) = check_json(&f);
    assert_eq!(code, 2);
    assert!(
        doc["error"]["message_fr"].as_str().unwrap().contains("Va2"),
        "{doc}"
    );
}

#[test]
fn unknown_field_is_refused_by_name() {
    let dir = TempDir::new("field");
    let f = dir.write(
        "w.toml",
        VALID.replace("name = \"Éditeur A\"", "name = \"Éditeur A\"\nsirt = \"1\""),
    );
    let (code, doc) = check_json(&f);
    assert_eq!(code, 2);
    assert!(
        doc["error"]["message_en"]
            .as_str()
            .unwrap()
            .contains("sirt"),
        "{doc}"
    );
}

#[test]
fn unknown_editor_reference_is_a_load_error() {
    let dir = TempDir::new("editor");
    let text = format!(
        "{VALID}\n[[cnda_requests]]\neditor = \"ed-ghost\"\nnil = \"NIL-1\"\nsoftware_version = \"1.0\"\nstatus = \"submitted\"\n"
    );
    let f = dir.write("w.toml", &text);
    let (code, doc) = check_json(&f);
    assert_eq!(code, 2);
    let line = text.lines().position(|l| l.contains("ed-ghost")).unwrap() + 1;
    assert_eq!(doc["error"]["line"], line, "{doc}");
    assert!(
        doc["error"]["message_fr"]
            .as_str()
            .unwrap()
            .contains("ed-ghost")
    );
}

#[test]
fn fifty_megabyte_file_is_refused_cleanly() {
    let dir = TempDir::new("big");
    // 50 MB of comments after a valid file: under the 64 MiB cap, so it is parsed; then a
    // 70 MB one, over the cap, refused before parsing.
    let mut text = String::from(VALID);
    let filler = "# ".to_owned() + &"x".repeat(1022) + "\n";
    while text.len() < 50 * 1024 * 1024 {
        text.push_str(&filler);
    }
    let f = dir.write("big.toml", &text);
    let (code, _) = check_json(&f);
    assert_eq!(code, 0, "a large but valid file loads");
    while text.len() < 70 * 1024 * 1024 {
        text.push_str(&filler);
    }
    let f = dir.write("huge.toml", &text);
    let (code, doc) = check_json(&f);
    assert_eq!(code, 2);
    assert!(
        doc["error"]["message_en"]
            .as_str()
            .unwrap()
            .contains("too large"),
        "{doc}"
    );
}

#[test]
fn deeply_nested_arrays_are_refused() {
    let dir = TempDir::new("deep");
    let f = dir.write(
        "deep.toml",
        format!("dispositifs = {}", "[".repeat(100_000)),
    );
    let (code, doc) = check_json(&f);
    assert_eq!(code, 2);
    assert!(
        doc["error"]["message_en"]
            .as_str()
            .unwrap()
            .contains("nesting"),
        "{doc}"
    );
    let f = dir.write(
        "deep.json",
        format!("{{\"dispositifs\": {}", "[".repeat(100_000)),
    );
    let (code, _) = check_json(&f);
    assert_eq!(code, 2);
}

#[test]
fn path_cycle_is_refused() {
    let dir = TempDir::new("cycle");
    dir.write("rem/a.toml", "path = \"rem/b.toml\"\n");
    dir.write("rem/b.toml", "path = \"rem/a.toml\"\n");
    let f = dir.write(
        "w.toml",
        "[[dispositifs]]\ncode = \"MDV-LGC-Va2\"\nname = \"x\"\n\n[[rem_versions]]\npath = \"rem/a.toml\"\n",
    );
    let (code, doc) = check_json(&f);
    assert_eq!(code, 2);
    assert!(
        doc["error"]["message_en"]
            .as_str()
            .unwrap()
            .contains("cycle"),
        "{doc}"
    );
    // A file naming itself.
    let f = dir.write("self.toml", "[[rem_versions]]\npath = \"self.toml\"\n");
    let (code, doc) = check_json(&f);
    assert_eq!(code, 2);
    assert!(
        doc["error"]["message_en"]
            .as_str()
            .unwrap()
            .contains("cycle"),
        "{doc}"
    );
}

#[test]
fn missing_file_and_absolute_paths_are_load_errors() {
    let dir = TempDir::new("missing");
    let (code, _) = check_json(&dir.0.join("nope.toml"));
    assert_eq!(code, 2);
    let f = dir.write(
        "w.toml",
        "[[dispositifs]]\ncode = \"MDV-LGC-Va2\"\nname = \"x\"\n\n[[rem_versions]]\npath = \"/etc/passwd\"\n",
    );
    let (code, doc) = check_json(&f);
    assert_eq!(code, 2);
    assert!(
        doc["error"]["message_en"]
            .as_str()
            .unwrap()
            .contains("absolute"),
        "{doc}"
    );
}

#[test]
fn exit_codes_0_1_2_through_run() {
    let dir = TempDir::new("exit");
    let ok = dir.write("ok.toml", VALID);
    let args = |file: PathBuf| CheckArgs {
        file,
        at: Some(jiff::civil::date(2026, 11, 15)),
        format: CheckFormat::Json,
    };
    assert_eq!(check::run(&args(ok.clone())).unwrap(), ExitCode::from(0));
    let (code, doc) = check_json(&ok);
    assert_eq!(
        (code, doc["summary"]["errors"].as_u64()),
        (0, Some(0)),
        "{doc}"
    );

    // LIF-01: an editor without the Charte accepted has a candidature: an error diagnostic.
    let with_errors = format!(
        "{}\n[[candidatures]]\nid = \"c1\"\neditor = \"ed-a\"\ndispositif = \"MDV-LGC-Va2\"\nstate = \"admin_submitted\"\nrem_version = \"1.1\"\nsolution = {{ principal = {{ name = \"P\", version = \"1\" }}, names = [{{ name = \"N\", nil = \"NIL-1\", technical_version = \"1\" }}] }}\n",
        VALID.replace("charte_accepted_on = \"2025-05-01\"", "")
    );
    let bad = dir.write("bad.toml", with_errors);
    assert_eq!(check::run(&args(bad.clone())).unwrap(), ExitCode::from(1));
    let (code, doc) = check_json(&bad);
    assert_eq!(code, 1);
    assert!(
        doc["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["rule"] == "LIF-01" && d["severity"] == "error"),
        "LIF-01 expected: {doc}"
    );

    let broken = dir.write("broken.toml", "[[[");
    assert_eq!(
        check::run(&args(broken.clone())).unwrap(),
        ExitCode::from(2)
    );

    let plan_args = |file: PathBuf, cand: &str| PlanArgs {
        file,
        candidature: cand.into(),
        at: Some(jiff::civil::date(2026, 11, 15)),
        format: PlanFormat::Json,
    };
    assert_eq!(
        plan::run(&plan_args(broken, "c1")).unwrap(),
        ExitCode::from(2)
    );
    assert_eq!(
        plan::run(&plan_args(bad.clone(), "nobody")).unwrap(),
        ExitCode::from(2),
        "unknown candidature"
    );
    let code = plan::run(&plan_args(bad, "c1")).unwrap();
    assert!(code == ExitCode::from(0) || code == ExitCode::from(1));
}

#[test]
fn json_world_files_load_too() {
    let dir = TempDir::new("json");
    let value: toml::Value = toml::from_str(VALID).unwrap();
    let f = dir.write("w.json", serde_json::to_string_pretty(&value).unwrap());
    let (code, doc) = check_json(&f);
    assert_eq!(code, 0, "{doc}");
    let f = dir.write("bad.json", "{\n  \"editors\": [\n    { \"id\": 3 }\n  ]\n}");
    let (code, doc) = check_json(&f);
    assert_eq!(code, 2);
    assert_eq!(doc["error"]["line"], 3, "{doc}");
}
