//! Catalogue benchmarks (docs/benchmarks.md): import of a 10,000-row REM workbook in the
//! published layout (target < 1 s, guard included) and the diff of two such versions
//! (target < 100 ms).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use segur_catalogue::{ImportOptions, SourceFormat, fixtures, import_rem};
use segur_domain::catalogue::DispositifCode;
use segur_domain::rem_diff;

/// Requirements giving about 10,000 proof-item rows (1.5 scenarios × 2 proofs on average):
/// the workbook is written one row per proof item (Convergence layout) so that it really has
/// 10,000 rows.
const REQUIREMENTS: usize = 3_340;

fn benches(c: &mut Criterion) {
    let opts = |v: &str| ImportOptions::new(DispositifCode::parse("MDV-LGC-Va2").unwrap(), v);
    let rows_v1 = fixtures::rem_rows(REQUIREMENTS, 0);
    let rows_v2 = fixtures::rem_rows(REQUIREMENTS, 1);
    let xlsx_v1 = fixtures::convergence_workbook(&rows_v1).unwrap();
    let xlsx_v2 = fixtures::convergence_workbook(&rows_v2).unwrap();
    let mut o1 = opts("1.0");
    o1.mapping
        .defaults
        .insert(segur_catalogue::Field::Nature, "EXIGENCE".into());
    let imported = import_rem(&xlsx_v1, SourceFormat::Xlsx, "v1.xlsx", &o1).unwrap();
    eprintln!(
        "workbook: {} data rows, {} bytes, {} requirements, {} proof items",
        imported.rows,
        xlsx_v1.len(),
        imported.summary.total.requirements,
        imported.summary.total.proof_items
    );
    assert!(imported.rows >= 10_000);
    let v1 = imported.rem;
    let v2 = import_rem(&xlsx_v2, SourceFormat::Xlsx, "v2.xlsx", &o1)
        .unwrap()
        .rem;

    c.bench_function("import_rem_xlsx_10k_rows", |b| {
        b.iter(|| import_rem(black_box(&xlsx_v1), SourceFormat::Xlsx, "v1.xlsx", &o1).unwrap())
    });
    c.bench_function("diff_two_10k_row_versions", |b| {
        b.iter(|| rem_diff::diff(black_box(&v1), black_box(&v2)))
    });
}

criterion_group! {
    name = catalogue;
    config = Criterion::default().sample_size(10).measurement_time(Duration::from_secs(5));
    targets = benches
}
criterion_main!(catalogue);
