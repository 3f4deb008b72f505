//! Any bytes given to the REM Xlsx importer give Ok or a located error, never a panic or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use segur_catalogue::{ImportOptions, SourceFormat, import_rem};
use segur_domain::catalogue::DispositifCode;

fuzz_target!(|data: &[u8]| {
    let code = DispositifCode::parse("MDV-LGC-Va2").expect("valid code");
    let _ = import_rem(data, SourceFormat::Xlsx, "fuzz", &ImportOptions::new(code, "1.0"));
});
