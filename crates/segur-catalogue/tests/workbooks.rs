//! REM workbooks shaped like the official ones, generated here, through import, diff and export.

use segur_catalogue::fixtures::{self, Row};
use segur_catalogue::{ColumnMapping, ImportOptions, SourceFormat, export, import_rem};
use segur_domain::catalogue::{DispositifCode, Nature, RemStatus};
use segur_domain::rem_diff::{self, ChangeKind};

fn opts(version: &str) -> ImportOptions {
    ImportOptions::new(DispositifCode::parse("MDV-LGC-Va2").unwrap(), version)
}

fn expected_items(rows: &[Row]) -> usize {
    rows.iter().map(|r| r.proofs.len()).sum()
}

#[test]
fn published_layout_imports_with_summary_and_extra_columns() {
    let rows = fixtures::rem_rows(60, 0);
    let bytes = fixtures::published_workbook(&rows, false).unwrap();
    let imported = import_rem(&bytes, SourceFormat::Xlsx, "rem.xlsx", &opts("1.0")).unwrap();
    let rem = &imported.rem;
    assert_eq!(rem.requirements.len(), 60);
    assert_eq!(rem.proof_items().len(), expected_items(&rows));
    assert_eq!(imported.summary.total.requirements, 60);
    assert_eq!(imported.summary.total.proof_items, expected_items(&rows));
    assert_eq!(imported.summary.by_chapter.len(), 6);
    assert_eq!(imported.summary.by_profile.len(), 3);
    assert_eq!(imported.summary.preconisations, 12);
    assert_eq!(rem.status, RemStatus::Draft);
    let first = &rem.requirements[0];
    assert_eq!(first.id.as_str(), "SC.INS.01.01");
    assert_eq!(
        first.extra.get("Commentaire").map(String::as_str),
        Some("Nouveauté va2 (0)")
    );
    assert_eq!(
        first.extra.get("Statut publication").map(String::as_str),
        Some("Publié")
    );
    assert_eq!(rem.requirements[4].nature, Nature::Preconisation);
    assert!(imported.warnings.is_empty(), "{:?}", imported.warnings);
}

#[test]
fn merged_requirement_cells_continue_the_requirement_above() {
    let rows = fixtures::rem_rows(30, 0);
    let plain = fixtures::published_workbook(&rows, false).unwrap();
    let merged = fixtures::published_workbook(&rows, true).unwrap();
    let a = import_rem(&plain, SourceFormat::Xlsx, "a.xlsx", &opts("1.0")).unwrap();
    let b = import_rem(&merged, SourceFormat::Xlsx, "b.xlsx", &opts("1.0")).unwrap();
    assert_eq!(a.rem.requirements.len(), b.rem.requirements.len());
    assert!(rem_diff::diff(&a.rem, &b.rem).is_empty());
}

#[test]
fn convergence_layout_and_csv_give_the_same_rem() {
    let rows = fixtures::rem_rows(25, 0);
    let xlsx = import_rem(
        &fixtures::published_workbook(&rows, false).unwrap(),
        SourceFormat::Xlsx,
        "rem.xlsx",
        &opts("1.0"),
    )
    .unwrap();
    let mut conv_opts = opts("1.0");
    conv_opts.mapping = ColumnMapping::parse("[defaults]\nnature = \"EXIGENCE\"\n").unwrap();
    let conv = import_rem(
        &fixtures::convergence_workbook(&rows).unwrap(),
        SourceFormat::Xlsx,
        "export.xlsx",
        &conv_opts,
    )
    .unwrap();
    assert_eq!(conv.rem.proof_items().len(), expected_items(&rows));
    let d = rem_diff::diff(&xlsx.rem, &conv.rem);
    // Only the nature differs (the Convergence export has no Nature column).
    assert_eq!(d.proof_item_counts.changed(), 0);
    assert_eq!(d.requirement_counts.reworded, 5);
    let csv = import_rem(
        fixtures::csv(&rows).as_bytes(),
        SourceFormat::Csv,
        "rem.csv",
        &opts("1.0"),
    )
    .unwrap();
    assert!(rem_diff::diff(&xlsx.rem, &csv.rem).is_empty());
}

#[test]
fn missing_nature_column_is_a_warning_not_a_guess_in_silence() {
    let rows = fixtures::rem_rows(3, 0);
    let conv = import_rem(
        &fixtures::convergence_workbook(&rows).unwrap(),
        SourceFormat::Xlsx,
        "export.xlsx",
        &opts("1.0"),
    )
    .unwrap();
    assert!(conv.warnings.iter().any(|w| w.message.contains("Nature")));
}

#[test]
fn errors_are_located_to_sheet_row_and_column() {
    let mut rows = fixtures::rem_rows(10, 0);
    rows[3].id = "SC..01".into();
    rows[6].nature = "OBLIGATOIRE";
    let bytes = fixtures::published_workbook(&rows, false).unwrap();
    let err = import_rem(&bytes, SourceFormat::Xlsx, "rem.xlsx", &opts("1.0")).unwrap_err();
    let locs: Vec<(String, usize, Option<String>)> = err
        .problems
        .iter()
        .map(|p| {
            let l = p.location.clone().unwrap();
            (l.sheet, l.row, l.column)
        })
        .collect();
    // Data starts on sheet row 3: rows[3] is row 6, rows[6] is row 9.
    assert!(
        locs.contains(&("Exigences".into(), 6, Some("A".into()))),
        "{err}"
    );
    assert!(
        locs.contains(&("Exigences".into(), 9, Some("E".into()))),
        "{err}"
    );
    let text = err.to_string();
    assert!(
        text.contains("feuille « Exigences », ligne 6, colonne A (N° exigence)"),
        "{text}"
    );
}

#[test]
fn conflicting_texts_for_one_requirement_are_refused() {
    let mut rows = fixtures::rem_rows(4, 0);
    // Requirement 1 has two scenarios (two rows): change the énoncé on the second.
    let second = rows.iter().rposition(|r| r.id == rows[1].id).unwrap();
    rows[second].enonce = "Un autre énoncé".into();
    let bytes = fixtures::published_workbook(&rows, false).unwrap();
    let err = import_rem(&bytes, SourceFormat::Xlsx, "rem.xlsx", &opts("1.0")).unwrap_err();
    assert!(
        err.to_string().contains("l'énoncé diffère de la ligne"),
        "{err}"
    );
}

#[test]
fn wrong_sheet_or_header_says_what_was_found() {
    let rows = fixtures::rem_rows(3, 0);
    let bytes = fixtures::published_workbook(&rows, false).unwrap();
    let mut o = opts("1.0");
    o.mapping.sheet = Some("Scénarios coeur de métier".into());
    let err = import_rem(&bytes, SourceFormat::Xlsx, "rem.xlsx", &o).unwrap_err();
    assert!(err.to_string().contains("introuvable"), "{err}");
    o.mapping.sheet = Some("Absente".into());
    let err = import_rem(&bytes, SourceFormat::Xlsx, "rem.xlsx", &o).unwrap_err();
    assert!(err.to_string().contains("Exigences"), "{err}");
}

#[test]
fn rem_03_two_versions_diff_as_expected() {
    let v1 = import_rem(
        &fixtures::published_workbook(&fixtures::rem_rows(100, 0), false).unwrap(),
        SourceFormat::Xlsx,
        "v1.xlsx",
        &opts("1.0"),
    )
    .unwrap()
    .rem;
    let v2 = import_rem(
        &fixtures::published_workbook(&fixtures::rem_rows(100, 1), true).unwrap(),
        SourceFormat::Xlsx,
        "v2.xlsx",
        &opts("1.1"),
    )
    .unwrap()
    .rem;
    let d = rem_diff::diff(&v1, &v2);
    let removed = (0..100).filter(|i| i % 13 == 5).count();
    assert_eq!(d.requirement_counts.removed, removed);
    assert_eq!(d.requirement_counts.new, 5);
    let reworded = (0..100)
        .filter(|i| i % 13 != 5 && (i % 11 == 3 || i % 7 == 2))
        .count();
    assert_eq!(d.requirement_counts.reworded, reworded);
    assert!(d.proof_items.iter().any(|p| p.kind == ChangeKind::Reworded));
    assert!(d.change_log()[0].contains(&format!("{} modifications", removed + 5 + reworded)));
}

#[test]
fn rem_export_reads_back_identical() {
    let rows = fixtures::rem_rows(40, 1);
    let original = import_rem(
        &fixtures::published_workbook(&rows, false).unwrap(),
        SourceFormat::Xlsx,
        "rem.xlsx",
        &opts("1.1"),
    )
    .unwrap()
    .rem;
    let bytes = export::rem_to_xlsx(&original).unwrap();
    let back = import_rem(&bytes, SourceFormat::Xlsx, "export.xlsx", &opts("1.1"))
        .unwrap()
        .rem;
    assert_eq!(back.requirements, original.requirements);
}

#[test]
fn diff_and_tracking_exports_are_workbooks() {
    use calamine::{Reader, Xlsx};
    let v1 = import_rem(
        &fixtures::published_workbook(&fixtures::rem_rows(20, 0), false).unwrap(),
        SourceFormat::Xlsx,
        "v1.xlsx",
        &opts("1.0"),
    )
    .unwrap()
    .rem;
    let mut v2 = v1.clone();
    v2.version = "1.1".into();
    v2.requirements.remove(0);
    let d = rem_diff::diff(&v1, &v2);
    let bytes = export::diff_to_xlsx(&d).unwrap();
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(
        wb.sheet_names(),
        vec!["Synthèse", "Exigences", "Éléments de preuve"]
    );
    let log = wb.worksheet_range("Synthèse").unwrap();
    assert!(
        log.get_value((1, 0))
            .unwrap()
            .to_string()
            .contains("1 modification")
    );
    let rows: Vec<export::TrackingRow> = v1
        .proof_items()
        .into_iter()
        .map(|i| export::TrackingRow {
            key: i.key,
            chapter: i.chapter,
            profile: i.profile.to_string(),
            nature: i.nature,
            scenario_text: i.scenario_text,
            proof_text: i.proof_text,
            status: "à déposer".into(),
            rule: None,
            deposited_on: None,
        })
        .collect();
    let bytes = export::tracking_to_xlsx("Suivi", &rows).unwrap();
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let r = wb.worksheet_range("Suivi des preuves").unwrap();
    assert_eq!(r.height(), rows.len() + 2);
}

#[test]
fn own_format_is_the_world_file_rem_format() {
    let text = include_str!("../../segur/demo/rem/ms-va2.toml");
    let mut o = ImportOptions::new(DispositifCode::parse("MS-Va2").unwrap(), "1.0");
    o.status = RemStatus::Published;
    let imported = import_rem(text.as_bytes(), SourceFormat::Toml, "ms-va2.toml", &o).unwrap();
    assert!(imported.summary.total.requirements > 5);
    let wrong = ImportOptions::new(DispositifCode::parse("MDV-LGC-Va2").unwrap(), "1.0");
    assert!(import_rem(text.as_bytes(), SourceFormat::Toml, "ms-va2.toml", &wrong).is_err());
}

#[test]
fn own_format_in_yaml_and_yaml_bombs_are_refused() {
    let yaml = "dispositif: MS-Va2\nversion: \"2.0\"\nstatus: draft\nrequirements:\n  - id: SC.INS.01\n    chapter: INS\n    enonce: Le logiciel DOIT gérer l'INS.\n    nature: EXIGENCE\n    profile: Général\n    extra: { Commentaire: nouveau }\n    scenarios:\n      - number: 1\n        text: Le testeur vérifie l'INS.\n        proofs: [{ number: 1, text: Capture d'écran }]\n";
    let o = ImportOptions::new(DispositifCode::parse("MS-Va2").unwrap(), "2.0");
    let imported = import_rem(yaml.as_bytes(), SourceFormat::Yaml, "rem.yaml", &o).unwrap();
    assert_eq!(imported.rem.requirements[0].extra["Commentaire"], "nouveau");
    assert_eq!(imported.summary.total.proof_items, 1);
    let typo = yaml.replace("enonce:", "enoncé:");
    assert!(import_rem(typo.as_bytes(), SourceFormat::Yaml, "rem.yaml", &o).is_err());
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let prev = if i == 1 {
            "a".to_owned()
        } else {
            format!("a{}", i - 1)
        };
        bomb.push_str(&format!("a{i}: &a{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
    }
    let err = import_rem(bomb.as_bytes(), SourceFormat::Yaml, "bomb.yaml", &o).unwrap_err();
    assert!(err.to_string().contains("YAML invalide"), "{err}");
}
