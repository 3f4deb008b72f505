//! Any bytes given as an eligibility base (CSV or XLSX) give clients or located errors, never
//! a panic: the same readers and parser as the ASP's import.
#![no_main]

use libfuzzer_sys::fuzz_target;
use segur_catalogue::grid::{read_csv, read_xlsx};
use segur_catalogue::guard::{Sniffed, sniff};
use segur_domain::financing::eligibility::{Table, parse_base};

fuzz_target!(|data: &[u8]| {
    let grid = match sniff(data) {
        Sniffed::Zip | Sniffed::Cfb => read_xlsx(data, None, &[]),
        Sniffed::Other => read_csv(data, "CSV"),
    };
    if let Ok(g) = grid {
        let _ = parse_base(&Table {
            sheet: Some(g.sheet),
            rows: g.rows,
        });
    }
});
