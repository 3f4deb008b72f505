//! Any bytes given as a payment-request document give a simulation (accepted or with located
//! issues), never a panic: the same path as `POST /api/v1/financing/simulate`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use segur_domain::financing::FinancingRecords;
use segur_domain::financing::request::simulate;
use segur_domain::rules::Settings;
use segur_domain::world::World;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let _ = simulate(
        &World::default(),
        FinancingRecords::default(),
        &doc,
        "ed",
        jiff::civil::date(2026, 11, 22),
        &Settings::default(),
    );
});
