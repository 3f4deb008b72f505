//! Any bytes given to the equivalence-list importer (as CSV and as XLSX) never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use segur_catalogue::SourceFormat;
use segur_catalogue::equivalence::import_equivalences;

fuzz_target!(|data: &[u8]| {
    let _ = import_equivalences(data, SourceFormat::Csv, "fuzz", None, None);
    let _ = import_equivalences(data, SourceFormat::Xlsx, "fuzz", None, None);
});
