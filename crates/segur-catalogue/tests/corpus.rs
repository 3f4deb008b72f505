//! Every parser over every file of the fuzz seed corpus (`fuzz/corpus/`): no panic, and the
//! expected outcome for the named seeds (valid ones import, hostile ones are refused).

use std::path::{Path, PathBuf};

use segur_catalogue::equivalence::import_equivalences;
use segur_catalogue::{ImportOptions, SourceFormat, import_rem};
use segur_domain::catalogue::DispositifCode;

fn corpus(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(dir);
    let mut v: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

fn opts() -> ImportOptions {
    ImportOptions::new(DispositifCode::parse("MDV-LGC-Va2").unwrap(), "1.0")
}

#[test]
fn every_corpus_file_goes_through_every_parser() {
    let mut files = corpus("rem_xlsx");
    files.extend(corpus("rem_csv"));
    files.extend(corpus("equivalences"));
    assert!(files.len() >= 8);
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        for format in [SourceFormat::Xlsx, SourceFormat::Csv] {
            let _ = import_rem(&bytes, format, "corpus", &opts());
            let _ = import_equivalences(&bytes, format, "corpus", None, None);
        }
    }
}

#[test]
fn named_seeds_have_their_expected_outcome() {
    let read = |dir: &str, name: &str| {
        std::fs::read(corpus(dir).into_iter().find(|p| p.ends_with(name)).unwrap()).unwrap()
    };
    for ok in ["published.xlsx", "convergence.xlsx"] {
        import_rem(&read("rem_xlsx", ok), SourceFormat::Xlsx, ok, &opts()).unwrap();
    }
    import_rem(
        &read("rem_csv", "rem.csv"),
        SourceFormat::Csv,
        "rem.csv",
        &opts(),
    )
    .unwrap();
    import_rem(
        &read("rem_csv", "windows-1252.csv"),
        SourceFormat::Csv,
        "w.csv",
        &opts(),
    )
    .unwrap();
    for (bad, why) in [
        ("billion-laughs.xlsx", "DOCTYPE"),
        ("password-protected.xlsx", "mot de passe"),
        ("truncated-zip.xlsx", "illisible"),
    ] {
        let err = import_rem(&read("rem_xlsx", bad), SourceFormat::Xlsx, bad, &opts()).unwrap_err();
        assert!(err.to_string().contains(why), "{bad}: {err}");
    }
    import_equivalences(
        &read("equivalences", "list.csv"),
        SourceFormat::Csv,
        "list.csv",
        None,
        None,
    )
    .unwrap();
}
