//! Financing benchmarks: simulating one payment request against an editor with 2,000 orders
//! and requests (what a deposit costs the server, target < 50 ms), and reading an eligibility
//! base of 10,000 rows (target < 200 ms).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use segur_domain::catalogue::DispositifCode;
use segur_domain::financing::eligibility::{Table, parse_base};
use segur_domain::financing::request::{FORMAT_V1, simulate};
use segur_domain::financing::{
    Client, ClientKind, EligibilityRow, FinancingRecords, Money, Order, OrderConditions,
    PaymentRequest, PrestationType, RequestKind, RequestStatus, StructureId,
};
use segur_domain::rules::Settings;
use segur_domain::world::World;
use segur_domain::world_file::builtin_calendar_entries;

const N: usize = 2_000;

/// A valid SIRET for index `i` (Luhn key on 14 digits).
fn siret(i: usize) -> String {
    let base = format!("{:013}", 100_000_000 + i);
    (0..10)
        .map(|k| format!("{base}{k}"))
        .find(|s| {
            let sum: u32 = s
                .bytes()
                .rev()
                .enumerate()
                .map(|(j, b)| {
                    let d = u32::from(b - b'0');
                    if j % 2 == 1 {
                        let x = d * 2;
                        if x > 9 { x - 9 } else { x }
                    } else {
                        d
                    }
                })
                .sum();
            sum.is_multiple_of(10)
        })
        .expect("a key exists")
}

fn setup() -> (World, Vec<Client>, Vec<Order>, Vec<PaymentRequest>) {
    let mdv = DispositifCode::parse("MDV-LGC-Va2").unwrap();
    let world = World {
        calendars: builtin_calendar_entries(),
        ..World::default()
    };
    let money = |s: &str| Money::parse(s).unwrap();
    let mut clients = Vec::with_capacity(N + 1);
    let mut orders = Vec::with_capacity(N);
    let mut requests = Vec::with_capacity(N);
    for i in 0..=N {
        clients.push(Client {
            id: StructureId::parse(&format!("siret:{}", siret(i))).unwrap(),
            kind: ClientKind::Ps,
            name: format!("Cabinet {i}"),
            eligibility: vec![EligibilityRow {
                dispositif: mdv.clone(),
                activity: None,
                cap_ht: money("1500.00"),
                cap_ttc: None,
                cap_va1va2_extra_ht: None,
            }],
            va1_financed: vec![],
            paid_own_va1_update: false,
        });
    }
    for (i, client) in clients.iter().take(N).enumerate() {
        orders.push(Order {
            id: format!("BC-{i}"),
            client: client.id.clone(),
            editor: "ed".into(),
            dispositif: mdv.clone(),
            referencing: None,
            candidature: None,
            sous_condition_de_referencement: true,
            prestation: PrestationType::Va2,
            emitted_on: jiff::civil::date(2026, 5, 1),
            signed_on: Some(jiff::civil::date(2026, 5, 2)),
            deposited_on: Some(jiff::civil::date(2026, 5, 3)),
            amount_ht: money("1000.00"),
            amount_ttc: money("1200.00"),
            conditions: OrderConditions::default(),
        });
        requests.push(PaymentRequest {
            id: format!("DA-{i}"),
            order: format!("BC-{i}"),
            kind: RequestKind::Advance,
            status: RequestStatus::Deposited,
            deposited_on: jiff::civil::date(2026, 5, 3),
            amendments: vec![],
        });
    }
    (world, clients, orders, requests)
}

fn bench(c: &mut Criterion) {
    let (world, clients, orders, requests) = setup();
    let settings = Settings::default();
    let doc = serde_json::json!({
        "format": FORMAT_V1, "id": "DA-NEW", "kind": "advance", "deposited_on": "2026-06-01",
        "order": { "id": "BC-NEW", "client": format!("siret:{}", siret(N)),
                   "dispositif": "MDV-LGC-Va2", "sous_condition_de_referencement": true,
                   "prestation": "va2", "emitted_on": "2026-05-20", "signed_on": "2026-05-21",
                   "amount_ht": "1000.00", "amount_ttc": "1200.00" },
        "attachments": [{ "kind": "bon_de_commande", "name": "bc.pdf", "sha256": "ab".repeat(32) }]
    });
    let records = FinancingRecords {
        clients: &clients,
        orders: &orders,
        payment_requests: &requests,
        prestations: &[],
    };
    let today = jiff::civil::date(2026, 6, 1);
    let sim = simulate(&world, records, &doc, "ed", today, &settings);
    assert!(sim.issues.is_empty(), "{:?}", sim.issues);
    c.bench_function("simulate_request_against_2000_orders", |b| {
        b.iter(|| {
            simulate(
                black_box(&world),
                records,
                black_box(&doc),
                "ed",
                today,
                &settings,
            )
        })
    });

    let mut rows = vec![vec![
        "identifiant".to_owned(),
        "sons".into(),
        "plafond HT".into(),
        "raison sociale".into(),
    ]];
    for i in 0..10_000 {
        rows.push(vec![
            format!("siret:{}", siret(i)),
            "MDV-LGC-Va2".into(),
            "1 500,00".into(),
            format!("Cabinet {i}"),
        ]);
    }
    let table = Table { sheet: None, rows };
    assert_eq!(parse_base(&table).unwrap().clients.len(), 10_000);
    c.bench_function("parse_eligibility_base_10000_rows", |b| {
        b.iter(|| parse_base(black_box(&table)))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
