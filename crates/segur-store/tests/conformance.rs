//! Conformance suite of the store, written once and run on SQLite (a temporary file per test)
//! and, when `SEGUR_TEST_POSTGRES_URL` is set, on PostgreSQL (a fresh database per test,
//! created from that URL and dropped at the end).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use segur_domain::calendar::{Milestone, builtin_mdv_va2};
use segur_domain::candidature::{Candidature, CandidatureEvent, CandidatureState};
use segur_domain::catalogue::{
    Dispositif, DispositifCode, EquivalenceList, EquivalencePair, Nature, Profile, ProofItemKey,
    ProofSpec, RemStatus, RemVersion, Requirement, RequirementId, Scenario, Wave,
};
use segur_domain::financing::request::{FORMAT_V1, RequestDocument, parse_document};
use segur_domain::financing::{
    Client, ClientKind, EligibilityRow, Money, Prestation, RequestDecision, RequestStatus,
    StructureId,
};
use segur_domain::org::{OrganisationKind, Role, Siren};
use segur_domain::proof::ProofStatus;
use segur_domain::referencing::{Nru, Referencing, ReferencingStatus};
use segur_domain::solution::{CommercialName, Component, Nil, Solution};
use segur_domain::world::{
    CalendarEntry, CndaRequest, CndaStatus, Deposit, Editor, Eligibility, HabilitationKind,
    PentestForm, PscHabilitation, SignatureKind, TestEnvironment, World, WorldCandidature,
    WorldReferencing,
};
use segur_store::{
    API_TOKEN_PREFIX, AuditEntry, Backend, BlobStore, ConnectOptions, NewAccount, NewApiToken,
    Page, ScanErrorRetry, Store, StoreError, TokenScope, token_secret_digest, verify_password,
};
use sqlx::Connection;

// ---------------------------------------------------------------------------------------------
// Test databases
// ---------------------------------------------------------------------------------------------

enum Cleanup {
    SqliteDir(PathBuf),
    PostgresDb { admin_url: String, name: String },
}

struct TestDb {
    store: Store,
    url: String,
    cleanup: Cleanup,
}

impl TestDb {
    async fn sqlite() -> TestDb {
        let dir = std::env::temp_dir().join(format!(
            "segur-store-test-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}", dir.join("segur.db").display());
        let store = Store::connect_with_blobs(&url, BlobStore::local(&dir.join("blobs")).unwrap())
            .await
            .unwrap();
        store.migrate().await.unwrap();
        TestDb {
            store,
            url,
            cleanup: Cleanup::SqliteDir(dir),
        }
    }

    async fn postgres(admin_url: &str) -> TestDb {
        let name = format!("segur_test_{}", uuid::Uuid::new_v4().simple());
        sqlx::any::install_default_drivers();
        let mut admin = sqlx::AnyConnection::connect(admin_url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .unwrap();
        admin.close().await.unwrap();
        let url = with_database(admin_url, &name);
        let store = Store::connect_with_blobs(&url, BlobStore::in_memory())
            .await
            .unwrap();
        store.migrate().await.unwrap();
        TestDb {
            store,
            url,
            cleanup: Cleanup::PostgresDb {
                admin_url: admin_url.to_owned(),
                name,
            },
        }
    }

    /// One database per backend available.
    async fn all() -> Vec<TestDb> {
        let mut dbs = vec![TestDb::sqlite().await];
        if let Ok(url) = std::env::var("SEGUR_TEST_POSTGRES_URL")
            && !url.trim().is_empty()
        {
            dbs.push(TestDb::postgres(url.trim()).await);
        }
        dbs
    }

    async fn finish(self) {
        self.store.close().await;
        match self.cleanup {
            Cleanup::SqliteDir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::PostgresDb { admin_url, name } => {
                let mut admin = sqlx::AnyConnection::connect(&admin_url).await.unwrap();
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut admin)
                .await
                .unwrap();
                admin.close().await.unwrap();
            }
        }
    }
}

/// The same server URL with another database name.
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let base = match base[after_scheme..].find('/') {
        Some(i) => &base[..after_scheme + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

/// Runs a check on every backend; the database is dropped even when the check panics.
macro_rules! on_every_backend {
    ($($(#[$meta:meta])* $name:ident => $check:path;)*) => {$(
        $(#[$meta])*
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let mut failures = Vec::new();
            for db in TestDb::all().await {
                let backend = db.store.backend();
                let store = db.store.clone();
                let url = db.url.clone();
                let outcome = tokio::spawn(async move { $check(store, url).await }).await;
                db.finish().await;
                if let Err(e) = outcome {
                    failures.push(format!("{backend:?}: {e}"));
                }
            }
            assert!(failures.is_empty(), "{} failed on {}", stringify!($name), failures.join("; "));
        }
    )*};
}

// ---------------------------------------------------------------------------------------------
// A small world built here
// ---------------------------------------------------------------------------------------------

fn d(y: i16, m: i8, day: i8) -> jiff::civil::Date {
    jiff::civil::date(y, m, day)
}

fn code(s: &str) -> DispositifCode {
    DispositifCode::parse(s).unwrap()
}

fn rid(s: &str) -> RequirementId {
    RequirementId::parse(s).unwrap()
}

fn solution(name: &str, nil: &str) -> Solution {
    Solution {
        principal: Component {
            name: format!("{name} cœur"),
            version: "5.2".into(),
        },
        additional: vec![Component {
            name: "Module ordonnance".into(),
            version: "1.4".into(),
        }],
        proxy: None,
        names: vec![
            CommercialName {
                name: name.into(),
                nil: Nil::parse(nil).unwrap(),
                technical_version: "5.2.0".into(),
            },
            CommercialName {
                name: format!("{name} Pro"),
                nil: Nil::parse(&format!("{nil}P")).unwrap(),
                technical_version: "5.2.0".into(),
            },
        ],
    }
}

fn requirement(
    id: &str,
    chapter: &str,
    profile: &str,
    enonce: &str,
    scenarios: u16,
    proofs: u16,
) -> Requirement {
    Requirement {
        id: rid(id),
        chapter: chapter.into(),
        fonction: String::new(),
        enonce: enonce.into(),
        nature: Nature::Exigence,
        profile: Profile::parse(profile).unwrap(),
        wave_origin: Wave::Va2,
        extra: Default::default(),
        scenarios: (1..=scenarios)
            .map(|s| Scenario {
                number: s,
                text: format!("Scénario {s} de {id}"),
                proofs: (1..=proofs)
                    .map(|p| ProofSpec {
                        number: p,
                        text: format!("Capture d'écran {p} du scénario {s}"),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// MDV-LGC-Va2 REM 1.0: 50 requirements × 2 scenarios × 2 proofs = 200 proof items, in three
/// chapters; every tenth requirement is of profile "Pharmacie".
fn rem_big() -> RemVersion {
    let mut requirements = Vec::new();
    for i in 0..50u32 {
        let profile = if i % 10 == 9 {
            "Pharmacie"
        } else {
            "Général"
        };
        let req = if i < 20 {
            let enonce = if i == 17 {
                "Le logiciel DOIT journaliser les accès (traçabilité SSI)".to_owned()
            } else {
                format!(
                    "Le logiciel DOIT respecter la règle de sécurité n° {}",
                    i + 1
                )
            };
            requirement(
                &format!("SC.SSI/GEN.{:02}", i + 1),
                "Socle commun — sécurité",
                profile,
                &enonce,
                2,
                2,
            )
        } else if i < 35 {
            let enonce = if i == 21 {
                "Le logiciel DOIT afficher l'Écran de vérification de l'identité INS".to_owned()
            } else {
                format!(
                    "Le logiciel DOIT qualifier l'identité nationale de santé (cas {})",
                    i - 19
                )
            };
            requirement(
                &format!("SC.INS.{:02}.01", i - 19),
                "Identité nationale de santé",
                profile,
                &enonce,
                2,
                2,
            )
        } else {
            requirement(
                &format!("LGC.DMP/UX.10.{:02}", i - 34),
                "DMP",
                profile,
                &format!("Le logiciel DOIT alimenter le DMP (document {})", i - 34),
                2,
                2,
            )
        };
        requirements.push(req);
    }
    RemVersion {
        dispositif: code("MDV-LGC-Va2"),
        version: "1.0".into(),
        status: RemStatus::Published,
        published_on: Some(d(2025, 5, 2)),
        change_log: vec!["Version initiale".into()],
        illustrative: true,
        requirements,
    }
}

/// MDV-LGC-Va2 REM 0.9: 5 requirements × 1 scenario × 2 proofs = 10 proof items.
fn rem_small() -> RemVersion {
    RemVersion {
        dispositif: code("MDV-LGC-Va2"),
        version: "0.9".into(),
        status: RemStatus::Draft,
        published_on: None,
        change_log: vec![],
        illustrative: true,
        requirements: (1..=5)
            .map(|i| {
                requirement(
                    &format!("SC.SSI/GEN.{i:02}"),
                    "Socle commun — sécurité",
                    "Général",
                    &format!("Ancienne règle {i}"),
                    1,
                    2,
                )
            })
            .collect(),
    }
}

fn rem_va1() -> RemVersion {
    RemVersion {
        dispositif: code("MDV-LGC-Va1"),
        version: "1.0".into(),
        status: RemStatus::Published,
        published_on: Some(d(2022, 3, 1)),
        change_log: vec![],
        illustrative: true,
        requirements: vec![
            requirement("SC.INS.01.01", "INS", "Général", "Exigence INS va1", 1, 1),
            requirement("SC.SSI/GEN.01", "SSI", "Général", "Exigence SSI va1", 1, 1),
        ],
    }
}

fn calendar_entries() -> Vec<CalendarEntry> {
    builtin_mdv_va2()
        .versions
        .iter()
        .map(|c| CalendarEntry {
            dispositif: c.dispositif.clone(),
            arrete: c.arrete.clone(),
            dates: c
                .dates
                .iter()
                .map(|(m, dt)| (*m, dt.strftime("%Y-%m-%dT%H:%M:%S").to_string()))
                .collect(),
        })
        .collect()
}

fn candidature(
    id: &str,
    editor: &str,
    rem: &str,
    profiles: &[&str],
    deposits: Vec<Deposit>,
    name: &str,
    nil: &str,
) -> WorldCandidature {
    WorldCandidature {
        id: id.into(),
        editor: editor.into(),
        candidature: Candidature {
            dispositif: code("MDV-LGC-Va2"),
            state: CandidatureState::ProofsInProgress,
            solution: solution(name, nil),
            profiles: profiles
                .iter()
                .map(|p| Profile::parse(p).unwrap())
                .collect(),
            rem_version: rem.into(),
            root_nru: None,
            root_declared_on: None,
            heritage_nrus: vec![],
            attestation_honneur: true,
            new_components: vec![],
            impacted_chapters: vec![],
            filed_on: Some(d(2026, 3, 2)),
            complete_deposit_on: None,
            declaration_changed_on: None,
            obtained_nru: None,
        },
        eligibility: Eligibility {
            nie: None,
            cnda_proof: true,
            submitted_on: Some(d(2026, 3, 2)),
        },
        psc_nrus: vec![],
        deposits,
    }
}

fn deposit(
    req: &str,
    scenario: u16,
    proof: u16,
    status: ProofStatus,
    on: Option<jiff::civil::Date>,
) -> Deposit {
    Deposit {
        key: ProofItemKey {
            requirement: rid(req),
            scenario,
            proof,
        },
        status,
        deposited_on: on,
    }
}

fn test_world() -> World {
    let mut a1 = candidature(
        "cand-a1",
        "ed-a",
        "1.0",
        &["Pharmacie"],
        vec![
            deposit(
                "SC.SSI/GEN.02",
                1,
                1,
                ProofStatus::UnderReview,
                Some(d(2026, 6, 2)),
            ),
            deposit(
                "SC.SSI/GEN.01",
                1,
                1,
                ProofStatus::Deposited,
                Some(d(2026, 6, 1)),
            ),
            deposit(
                "SC.SSI/GEN.01",
                1,
                2,
                ProofStatus::Validated,
                Some(d(2026, 6, 1)),
            ),
            deposit(
                "SC.INS.01.01",
                1,
                1,
                ProofStatus::Rejected,
                Some(d(2026, 6, 3)),
            ),
            deposit("SC.SSI/GEN.03", 2, 2, ProofStatus::Inherited, None),
            deposit(
                "SC.SSI/GEN.10",
                1,
                1,
                ProofStatus::Validated,
                Some(d(2026, 6, 4)),
            ),
        ],
        "MonLogiciel",
        "NIL-A1",
    );
    a1.candidature.root_nru = Some(Nru::parse("NRU-VA1-0001").unwrap());
    a1.candidature.root_declared_on = Some(d(2026, 3, 2));
    let a2 = candidature(
        "cand-a2",
        "ed-a",
        "0.9",
        &[],
        vec![deposit(
            "SC.SSI/GEN.01",
            1,
            1,
            ProofStatus::Deposited,
            Some(d(2026, 5, 1)),
        )],
        "MonAgenda",
        "NIL-A2",
    );
    let b1 = candidature(
        "cand-b1",
        "ed-b",
        "1.0",
        &[],
        vec![
            deposit(
                "SC.SSI/GEN.01",
                1,
                1,
                ProofStatus::Validated,
                Some(d(2026, 6, 1)),
            ),
            // Profile Pharmacie is not selected: not counted (LIF-03).
            deposit(
                "SC.SSI/GEN.10",
                1,
                1,
                ProofStatus::Deposited,
                Some(d(2026, 6, 1)),
            ),
        ],
        "CabinetPlus",
        "NIL-B1",
    );
    World {
        dispositifs: vec![
            Dispositif {
                code: code("MDV-LGC-Va2"),
                name: "Logiciel de gestion de cabinet — médecine de ville, vague 2".into(),
                profiles: vec![Profile::parse("Pharmacie").unwrap()],
            },
            Dispositif {
                code: code("MDV-LGC-Va1"),
                name: "Logiciel de gestion de cabinet — vague 1".into(),
                profiles: vec![],
            },
        ],
        calendars: calendar_entries(),
        rem_versions: vec![rem_big(), rem_small(), rem_va1()],
        equivalence_lists: vec![EquivalenceList {
            from_dispositif: code("MDV-LGC-Va1"),
            to_dispositif: code("MDV-LGC-Va2"),
            pairs: vec![
                EquivalencePair {
                    from_requirement: rid("SC.INS.01.01"),
                    to_requirement: rid("SC.INS.01.01"),
                },
                EquivalencePair {
                    from_requirement: rid("SC.SSI/GEN.01"),
                    to_requirement: rid("SC.SSI/GEN.01"),
                },
            ],
        }],
        editors: vec![
            Editor {
                id: "ed-a".into(),
                name: "Éditeur A".into(),
                siren: Some(Siren::parse("732829320").unwrap()),
                nie: None,
                charte_accepted_on: Some(d(2026, 1, 15)),
            },
            Editor {
                id: "ed-b".into(),
                name: "Éditeur B".into(),
                siren: None,
                nie: None,
                charte_accepted_on: None,
            },
        ],
        referencings: vec![
            WorldReferencing {
                editor: "ed-a".into(),
                referencing: Referencing {
                    nru: Nru::parse("NRU-VA1-0001").unwrap(),
                    dispositif: code("MDV-LGC-Va1"),
                    referenced_on: d(2023, 4, 1),
                    status: ReferencingStatus::Active,
                    profiles: vec![],
                    solution: solution("MonLogiciel", "NIL-A1"),
                    rem_version: Some("1.0".into()),
                },
            },
            WorldReferencing {
                editor: "ed-b".into(),
                referencing: Referencing {
                    nru: Nru::parse("NRU-VA1-0002").unwrap(),
                    dispositif: code("MDV-LGC-Va1"),
                    referenced_on: d(2023, 5, 1),
                    status: ReferencingStatus::Withdrawn,
                    profiles: vec![],
                    solution: solution("CabinetPlus", "NIL-B1"),
                    rem_version: None,
                },
            },
        ],
        candidatures: vec![a1, b1, a2],
        pentest_forms: vec![PentestForm {
            candidature: "cand-a1".into(),
            provider: "Audit Sécurité SAS".into(),
            passi_qualified: true,
            dated_on: d(2026, 4, 1),
            signature: SignatureKind::Electronic,
            environment: TestEnvironment::IsoProduction,
            names: vec!["MonLogiciel".into()],
            versions: vec!["5.2.0".into()],
            deposited_on: Some(d(2026, 4, 2)),
        }],
        cnda_requests: vec![
            CndaRequest {
                editor: "ed-b".into(),
                nil: Nil::parse("NIL-B1").unwrap(),
                software_version: "3.0".into(),
                referential_versions: BTreeMap::new(),
                status: CndaStatus::Submitted,
                requested_on: None,
            },
            CndaRequest {
                editor: "ed-a".into(),
                nil: Nil::parse("NIL-A1").unwrap(),
                software_version: "5.2".into(),
                referential_versions: BTreeMap::from([("INS".to_owned(), "2.1".to_owned())]),
                status: CndaStatus::PreExamen,
                requested_on: Some(d(2026, 2, 1)),
            },
        ],
        psc_habilitations: vec![PscHabilitation {
            nru: Nru::parse("PSC-0001").unwrap(),
            editor: "ed-a".into(),
            kind: HabilitationKind::EditeurLps,
            components: vec![Component {
                name: "MonLogiciel cœur".into(),
                version: "5.2".into(),
            }],
            names: vec!["MonLogiciel".into()],
            nils: vec![],
            issued_on: d(2025, 11, 1),
            pmt_validated_on: None,
            modifications: vec![],
        }],
        ..World::default()
    }
}

/// A password that follows the rules and does not contain the login.
fn password_of(login: &str) -> String {
    // Each letter shifted by one: unique per login, never containing it.
    let shifted: String = login
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() {
                (((c as u8 - b'a' + 1) % 26) + b'a') as char
            } else {
                '#'
            }
        })
        .collect();
    format!("Phrase-{shifted}-2026!")
}

fn account(login: &str, role: Role, org: &str) -> NewAccount {
    NewAccount {
        login: login.into(),
        display_name: format!("Compte {login}"),
        password: password_of(login),
        role,
        organisation_id: org.into(),
    }
}

fn accounts() -> Vec<NewAccount> {
    vec![
        account("alice@ed-a", Role::EditorMandataire, "ed-a"),
        account("bob@ed-b", Role::EditorSalarie, "ed-b"),
        account("irene@ans", Role::AnsInstructeur, "ans"),
    ]
}

async fn loaded(store: &Store) -> World {
    let world = test_world();
    store
        .system()
        .import_world(&world, &accounts())
        .await
        .unwrap();
    world
}

/// Expected counts computed from the world with the domain's own rules.
fn expected_counts(world: &World, cand: &WorldCandidature) -> (i64, i64, i64) {
    let rem = world
        .rem_version(&cand.candidature.dispositif, &cand.candidature.rem_version)
        .unwrap();
    let profiles = cand.candidature.applicable_profiles();
    let items: Vec<_> = rem
        .proof_items()
        .into_iter()
        .filter(|i| profiles.contains(&i.profile))
        .collect();
    let status_of = |key: &ProofItemKey| {
        cand.deposits
            .iter()
            .find(|d| &d.key == key)
            .map(|d| d.status)
    };
    let deposited = items
        .iter()
        .filter(|i| status_of(&i.key).is_some_and(|s| s.counts_as_deposited()))
        .count();
    let validated = items
        .iter()
        .filter(|i| status_of(&i.key) == Some(ProofStatus::Validated))
        .count();
    (items.len() as i64, deposited as i64, validated as i64)
}

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

async fn check_migrate_twice_and_import_once(store: Store, _url: String) {
    store.migrate().await.unwrap();
    store.migrate().await.unwrap();
    store.ping().await.unwrap();
    assert!(store.system().is_empty().await.unwrap());
    // The institutions exist before any import, so their first accounts can be created.
    let admin = store
        .system()
        .create_account(&account("admin@ans", Role::AnsAdmin, "ans"))
        .await
        .unwrap();
    assert_eq!(admin.organisation_name, "Agence du Numérique en Santé");
    assert!(store.system().is_empty().await.unwrap());
    let summary = store
        .system()
        .import_world(&test_world(), &accounts())
        .await
        .unwrap();
    assert_eq!(summary.dispositifs, 2);
    assert_eq!(summary.rem_versions, 3);
    assert_eq!(summary.proof_items, 200 + 10 + 2);
    assert_eq!(summary.candidatures, 3);
    assert_eq!(summary.deposits, 9);
    assert_eq!(summary.accounts, 3);
    assert_eq!(
        summary.organisations, 2,
        "the two editors; ans and asp exist from the migrations"
    );
    assert!(!store.system().is_empty().await.unwrap());

    // A second import is refused and changes nothing.
    let again = store.system().import_world(&test_world(), &[]).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    let audit = store.system().list_audit(Page::max()).await.unwrap();
    assert_eq!(audit.total, 2, "account.create then one world.import event");
    assert_eq!(audit.items[0].action, "world.import");
    assert_eq!(audit.items[1].action, "account.create");

    let orgs = store.system().list_organisations(None).await.unwrap();
    let ids: Vec<&str> = orgs.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["ans", "asp", "ed-a", "ed-b"]);
    let ans = store.system().get_organisation("ans").await.unwrap();
    assert_eq!(
        (ans.kind, ans.name.as_str()),
        (OrganisationKind::Ans, "Agence du Numérique en Santé")
    );
    let editors = store
        .system()
        .list_organisations(Some(OrganisationKind::Editor))
        .await
        .unwrap();
    assert_eq!(editors.len(), 2);
    assert_eq!(editors[0].siren.as_deref(), Some("732829320"));
    assert_eq!(
        store.system().get_organisation("nobody").await,
        Err(StoreError::NotFound)
    );
    store.migrate().await.unwrap();
}

async fn check_import_refuses_dangling_references(store: Store, _url: String) {
    let mut world = test_world();
    world.candidatures[0].editor = "ed-unknown".into();
    let err = store.system().import_world(&world, &[]).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::Invalid(m) if m.contains("ed-unknown")),
        "{err}"
    );
    // Nothing was written: a correct world still imports.
    assert!(store.system().is_empty().await.unwrap());
    let mut world = test_world();
    world.rem_versions.push(rem_small());
    let err = store.system().import_world(&world, &[]).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::Conflict(m) if m.contains("0.9")),
        "{err}"
    );
    assert!(store.system().is_empty().await.unwrap());
    assert_eq!(
        store.system().list_audit(Page::max()).await.unwrap().total,
        0
    );
    loaded(&store).await;
}

async fn check_cal_02_catalogue_round_trip(store: Store, _url: String) {
    let world = loaded(&store).await;
    let sys = store.system();
    assert_eq!(sys.list_dispositifs().await.unwrap(), world.dispositifs);
    assert_eq!(
        sys.get_dispositif("MDV-LGC-Va2").await.unwrap(),
        world.dispositifs[0]
    );
    assert_eq!(
        sys.get_dispositif("HOP-DPI-Va2").await,
        Err(StoreError::NotFound)
    );

    // CAL-02: both arrêtés are kept, the amendment applies from its publication.
    let history = sys.calendar_history("MDV-LGC-Va2").await.unwrap();
    assert_eq!(history, builtin_mdv_va2());
    let before = history.in_force(d(2026, 6, 10)).unwrap();
    assert_eq!(before.date(Milestone::D2).unwrap().date(), d(2026, 7, 22));
    let after = history.in_force(d(2026, 6, 11)).unwrap();
    assert_eq!(after.date(Milestone::D2).unwrap().date(), d(2027, 1, 20));
    assert!(
        sys.calendar_history("MDV-LGC-Va1")
            .await
            .unwrap()
            .versions
            .is_empty()
    );
    assert_eq!(
        sys.calendar_history("HOP-DPI-Va2").await,
        Err(StoreError::NotFound)
    );
    assert_eq!(sys.list_calendar_entries().await.unwrap(), world.calendars);

    let versions = sys.list_rem_versions("MDV-LGC-Va2").await.unwrap();
    let summary: Vec<(&str, RemStatus, i64, i64, bool)> = versions
        .iter()
        .map(|v| {
            (
                v.version.as_str(),
                v.status,
                v.requirements,
                v.proof_items,
                v.illustrative,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("1.0", RemStatus::Published, 50, 200, true),
            ("0.9", RemStatus::Draft, 5, 10, true)
        ]
    );
    assert_eq!(versions[0].published_on, Some(d(2025, 5, 2)));
    assert_eq!(
        sys.list_rem_versions("HOP-DPI-Va2").await,
        Err(StoreError::NotFound)
    );

    // REM-01/02: the stored REM is the imported one, requirements in REM order.
    let rem = sys.get_rem_version("MDV-LGC-Va2", "1.0").await.unwrap();
    assert_eq!(rem, world.rem_versions[0]);
    assert_eq!(rem.requirements[0].id.as_str(), "SC.SSI/GEN.01");
    assert_eq!(rem.requirements[49].id.as_str(), "LGC.DMP/UX.10.15");
    assert_eq!(
        sys.get_rem_version("MDV-LGC-Va2", "9.9").await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        sys.list_equivalence_lists().await.unwrap(),
        world.equivalence_lists
    );

    let refs = sys.list_referencings().await.unwrap();
    let expected: Vec<(String, Referencing)> = world
        .referencings
        .iter()
        .map(|r| (r.editor.clone(), r.referencing.clone()))
        .collect();
    assert_eq!(refs, expected);
}

async fn check_rem_02_search_requirements(store: Store, _url: String) {
    loaded(&store).await;
    let sys = store.system();
    // By identifier with a `/` section.
    let hits = sys
        .search_requirements("SSI/GEN.18", None, Page::default())
        .await
        .unwrap();
    assert_eq!(hits.total, 1);
    assert_eq!(hits.items[0].id, "SC.SSI/GEN.18");
    assert_eq!(
        hits.items[0].enonce,
        "Le logiciel DOIT journaliser les accès (traçabilité SSI)"
    );
    // Identifier prefix, case-insensitive, across REM versions; prefix matches come first.
    let hits = sys
        .search_requirements("sc.ssi/gen.0", None, Page::max())
        .await
        .unwrap();
    assert_eq!(hits.total, 9 + 5 + 1, "REM 1.0, REM 0.9 and the va1 REM");
    assert!(hits.items.iter().all(|h| h.id.starts_with("SC.SSI/GEN.0")));
    // Accented énoncé, whatever the case and accents of the query.
    for q in [
        "écran de vérification",
        "ÉCRAN",
        "ecran de verification",
        "Traçabilité",
    ] {
        let hits = sys
            .search_requirements(q, Some("MDV-LGC-Va2"), Page::default())
            .await
            .unwrap();
        assert_eq!(hits.total, 1, "{q}");
    }
    let hit = &sys
        .search_requirements("écran", None, Page::default())
        .await
        .unwrap()
        .items[0];
    assert_eq!(
        (
            hit.dispositif.as_str(),
            hit.rem_version.as_str(),
            hit.id.as_str(),
            hit.chapter.as_str()
        ),
        (
            "MDV-LGC-Va2",
            "1.0",
            "SC.INS.02.01",
            "Identité nationale de santé"
        )
    );
    // LIKE metacharacters are literal.
    assert_eq!(
        sys.search_requirements("%", None, Page::default())
            .await
            .unwrap()
            .total,
        0
    );
    assert_eq!(
        sys.search_requirements("SC_SSI", None, Page::default())
            .await
            .unwrap()
            .total,
        0
    );
    // Dispositif filter and pagination.
    let va1 = sys
        .search_requirements("exigence", Some("MDV-LGC-Va1"), Page::default())
        .await
        .unwrap();
    assert_eq!(va1.total, 2);
    let all = sys
        .search_requirements("identité", None, Page::max())
        .await
        .unwrap();
    let mut paged = Vec::new();
    for offset in (0..all.total).step_by(4) {
        let p = sys
            .search_requirements("identité", None, Page::new(4, offset))
            .await
            .unwrap();
        assert_eq!(p.total, all.total);
        paged.extend(p.items);
    }
    assert_eq!(paged, all.items);
    assert_eq!(all.total, 15);
}

async fn check_lif_03_candidature_list_counts(store: Store, _url: String) {
    let world = loaded(&store).await;
    let list = store
        .tenant("ed-a")
        .list_candidatures(Page::default())
        .await
        .unwrap();
    assert_eq!(list.total, 2);
    let ids: Vec<&str> = list.items.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["cand-a1", "cand-a2"], "world order");
    for s in &list.items {
        let cand = world.candidature(&s.id).unwrap();
        assert_eq!(
            (s.required, s.deposited, s.validated),
            expected_counts(&world, cand),
            "{}",
            s.id
        );
        assert_eq!(s.organisation_id, "ed-a");
        assert_eq!(s.state, CandidatureState::ProofsInProgress);
        assert_eq!(s.dispositif, "MDV-LGC-Va2");
    }
    assert_eq!(list.items[0].title, "MonLogiciel / MonLogiciel Pro");
    assert_eq!(
        list.items[0].required, 200,
        "Pharmacie selected: every item applies"
    );
    assert_eq!(
        list.items[0].deposited, 5,
        "inherited items are not deposits (DEP-01)"
    );
    assert_eq!(list.items[0].validated, 2);

    let b = store
        .tenant("ed-b")
        .candidature_summary("cand-b1")
        .await
        .unwrap();
    assert_eq!(
        (b.required, b.deposited, b.validated),
        expected_counts(&world, world.candidature("cand-b1").unwrap())
    );
    assert_eq!(b.required, 180, "LIF-03: Pharmacie items do not apply");
    assert_eq!(b.deposited, 1);

    let second = store
        .tenant("ed-a")
        .list_candidatures(Page::new(1, 1))
        .await
        .unwrap();
    assert_eq!((second.total, second.items.len()), (2, 1));
    assert_eq!(second.items[0].id, "cand-a2");
}

async fn check_dep_02_monitoring_counts(store: Store, _url: String) {
    use segur_domain::events::{DomainEvent, EventKind};
    use segur_domain::monitoring::DecisionKind;
    let mut world = test_world();
    world
        .candidatures
        .iter_mut()
        .find(|c| c.id == "cand-b1")
        .unwrap()
        .candidature
        .heritage_nrus = vec![Nru::parse("NRU-VA1-0099").unwrap()];
    store
        .system()
        .import_world(&world, &accounts())
        .await
        .unwrap();
    let checkpoint = d(2026, 6, 2);
    let checkpoints = BTreeMap::from([("MDV-LGC-Va2".to_owned(), checkpoint)]);
    let counts = store
        .system()
        .monitoring_counts(&checkpoints)
        .await
        .unwrap();
    assert_eq!(counts.len(), world.candidatures.len());
    for c in &counts {
        let cand = world.candidature(&c.candidature_id).unwrap();
        let (required, deposited, validated) = expected_counts(&world, cand);
        assert_eq!(
            (c.to_deposit as i64, c.deposited as i64, c.validated as i64),
            (required, deposited, validated),
            "DEP-02 counts of {}",
            c.candidature_id
        );
        assert_eq!(
            c.heritage,
            c.candidature_id == "cand-b1",
            "{}",
            c.candidature_id
        );
        // DEP-01: Général items of each wave deposited by the checkpoint, as the domain counts.
        let rem = world
            .rem_version(&cand.candidature.dispositif, &cand.candidature.rem_version)
            .unwrap();
        let items = rem.proof_items();
        for (wave, figure, total) in [
            (Wave::Va2, c.general_va2_by_checkpoint, c.general_va2_items),
            (Wave::Va1, c.general_va1_by_checkpoint, c.general_va1_items),
        ] {
            let general: Vec<_> = items
                .iter()
                .filter(|i| i.profile.is_general() && i.wave_origin == wave)
                .collect();
            assert_eq!(
                total as usize,
                general.len(),
                "{} {wave:?}",
                c.candidature_id
            );
            let by = |keep: &dyn Fn(ProofStatus) -> bool| {
                general
                    .iter()
                    .filter(|i| {
                        cand.deposits.iter().any(|dep| {
                            dep.key == i.key
                                && dep.status.counts_as_deposited()
                                && keep(dep.status)
                                && dep.deposited_on.is_some_and(|on| on <= checkpoint)
                        })
                    })
                    .count() as u64
            };
            assert_eq!(
                figure.any_status,
                by(&|_| true),
                "DEP-01 {} {wave:?}",
                c.candidature_id
            );
            assert_eq!(figure.not_rejected, by(&|s| s != ProofStatus::Rejected));
            assert_eq!(figure.validated, by(&|s| s == ProofStatus::Validated));
        }
    }
    // Per day and per month, the dated deposits add up.
    let dated: u64 = world
        .candidatures
        .iter()
        .map(|cand| {
            cand.deposits
                .iter()
                .filter(|dep| dep.status.counts_as_deposited() && dep.deposited_on.is_some())
                .count() as u64
        })
        .sum();
    let daily = store.system().daily_deposits().await.unwrap();
    assert!(daily.iter().map(|x| x.deposited).sum::<u64>() <= dated);
    assert!(!daily.is_empty());
    let monthly = store
        .system()
        .monthly_deposits(d(2026, 1, 1))
        .await
        .unwrap();
    assert_eq!(
        monthly.iter().map(|x| x.deposited).sum::<u64>(),
        daily.iter().map(|x| x.deposited).sum::<u64>()
    );

    // Decisions read back from the outbox, with the deposit date of their item.
    let key = ProofItemKey {
        requirement: rid("SC.SSI/GEN.10"),
        scenario: 1,
        proof: 1,
    };
    let validated = DomainEvent::new(EventKind::ProofValidated, "ed-a")
        .candidature("cand-a1")
        .item(key);
    store
        .system()
        .append_event_for_tests(&validated, "2026-06-14T08:00:00Z")
        .await
        .unwrap();
    store
        .system()
        .append_event_for_tests(
            &DomainEvent::new(EventKind::MessageFromAns, "ed-a").candidature("cand-a1"),
            "2026-06-14T09:00:00Z",
        )
        .await
        .unwrap();
    let per_day = store.system().daily_decisions().await.unwrap();
    assert_eq!(per_day.len(), 1, "{per_day:?}");
    assert_eq!(
        (per_day[0].kind, per_day[0].on, per_day[0].count),
        (DecisionKind::Validated, d(2026, 6, 14), 1)
    );
    let decisions = store.system().decisions_since(d(2026, 6, 1)).await.unwrap();
    assert_eq!(decisions.len(), 1);
    assert_eq!(decisions[0].deposited_on, Some(d(2026, 6, 4)));
    assert_eq!(decisions[0].days_to_decision(), Some(10));
    assert!(
        store
            .system()
            .decisions_since(d(2026, 6, 15))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store.system().verify_audit_chain().await.unwrap().is_none(),
        "chain intact"
    );
}

async fn check_proof_items_in_rem_order_with_statuses(store: Store, _url: String) {
    let world = loaded(&store).await;
    let t = store.tenant("ed-a");
    let all = t
        .list_proof_items("cand-a1", None, Page::max())
        .await
        .unwrap();
    assert_eq!(all.total, 200);
    let expected_keys: Vec<(String, i64, i64)> = world.rem_versions[0]
        .proof_items()
        .iter()
        .map(|i| {
            (
                i.key.requirement.to_string(),
                i64::from(i.key.scenario),
                i64::from(i.key.proof),
            )
        })
        .collect();
    let keys: Vec<(String, i64, i64)> = all
        .items
        .iter()
        .map(|i| (i.requirement.clone(), i.scenario, i.proof))
        .collect();
    assert_eq!(keys, expected_keys, "REM order");
    let positions: Vec<i64> = all.items.iter().map(|i| i.position).collect();
    assert_eq!(positions, (0..200).collect::<Vec<_>>());

    let find = |r: &str, s: i64, p: i64| {
        all.items
            .iter()
            .find(|i| i.requirement == r && i.scenario == s && i.proof == p)
            .unwrap()
    };
    assert_eq!(find("SC.SSI/GEN.01", 1, 1).status, ProofStatus::Deposited);
    assert_eq!(
        find("SC.SSI/GEN.01", 1, 1).deposited_on.as_deref(),
        Some("2026-06-01")
    );
    assert_eq!(find("SC.SSI/GEN.01", 1, 2).status, ProofStatus::Validated);
    assert_eq!(find("SC.SSI/GEN.03", 2, 2).status, ProofStatus::Inherited);
    assert_eq!(find("SC.SSI/GEN.03", 2, 2).deposited_on, None);
    assert_eq!(find("SC.SSI/GEN.04", 1, 1).status, ProofStatus::ToDeposit);
    let ins = find("SC.INS.01.01", 1, 1);
    assert_eq!(ins.status, ProofStatus::Rejected);
    assert_eq!(
        (
            ins.chapter.as_str(),
            ins.profile.as_str(),
            ins.nature.as_str(),
            ins.wave_origin.as_str()
        ),
        ("Identité nationale de santé", "Général", "EXIGENCE", "Va2")
    );
    assert_eq!(ins.scenario_text, "Scénario 1 de SC.INS.01.01");
    assert_eq!(ins.proof_text, "Capture d'écran 1 du scénario 1");

    // Pagination walks the same list.
    let mut paged = Vec::new();
    for offset in (0..200).step_by(30) {
        let p = t
            .list_proof_items("cand-a1", None, Page::new(30, offset))
            .await
            .unwrap();
        assert_eq!((p.total, p.limit, p.offset), (200, 30, offset));
        paged.extend(p.items);
    }
    assert_eq!(paged, all.items);
    let past_end = t
        .list_proof_items("cand-a1", None, Page::new(10, 500))
        .await
        .unwrap();
    assert_eq!((past_end.total, past_end.items.len()), (200, 0));
    // Oversized pages are clamped.
    assert_eq!(
        t.list_proof_items(
            "cand-a1",
            None,
            Page {
                limit: 100_000,
                offset: -5
            }
        )
        .await
        .unwrap()
        .limit,
        500
    );

    // One chapter.
    let dmp = t
        .list_proof_items("cand-a1", Some("DMP"), Page::max())
        .await
        .unwrap();
    assert_eq!(dmp.total, 60);
    assert!(dmp.items.iter().all(|i| i.chapter == "DMP"));
    assert_eq!(
        t.list_proof_items("cand-a1", Some("Inconnu"), Page::max())
            .await
            .unwrap()
            .total,
        0
    );

    // LIF-03: without the Pharmacie profile, its items are not listed.
    let b = store
        .tenant("ed-b")
        .list_proof_items("cand-b1", None, Page::max())
        .await
        .unwrap();
    assert_eq!(b.total, 180);
    assert!(b.items.iter().all(|i| i.profile == Profile::GENERAL));
}

async fn check_lif_03_chapter_progress(store: Store, _url: String) {
    let world = loaded(&store).await;
    let progress = store
        .tenant("ed-b")
        .chapter_progress("cand-b1")
        .await
        .unwrap();
    let chapters: Vec<&str> = progress.iter().map(|c| c.chapter.as_str()).collect();
    assert_eq!(
        chapters,
        world.rem_versions[0].chapters(),
        "REM chapter order"
    );
    let items: Vec<i64> = progress.iter().map(|c| c.items).collect();
    assert_eq!(items, [72, 56, 52], "Général items only (LIF-03)");
    assert_eq!((progress[0].deposited, progress[0].validated), (1, 1));

    let a = store
        .tenant("ed-a")
        .chapter_progress("cand-a1")
        .await
        .unwrap();
    let items: Vec<i64> = a.iter().map(|c| c.items).collect();
    assert_eq!(items, [80, 60, 60]);
    let (required, deposited, validated) =
        expected_counts(&world, world.candidature("cand-a1").unwrap());
    assert_eq!(a.iter().map(|c| c.items).sum::<i64>(), required);
    assert_eq!(a.iter().map(|c| c.deposited).sum::<i64>(), deposited);
    assert_eq!(a.iter().map(|c| c.validated).sum::<i64>(), validated);
    assert_eq!(
        (a[1].deposited, a[1].validated),
        (1, 0),
        "the rejected INS item counts as deposited"
    );
}

async fn check_world_for_candidature_round_trip(store: Store, _url: String) {
    let world = loaded(&store).await;
    let got = store
        .tenant("ed-a")
        .world_for_candidature("cand-a1")
        .await
        .unwrap();
    let expected = World {
        dispositifs: world.dispositifs.clone(),
        calendars: world.calendars.clone(),
        // Its REM, and the root referencing's REM (NRU-VA1-0001 on MDV-LGC-Va1 1.0).
        rem_versions: vec![world.rem_versions[0].clone(), world.rem_versions[2].clone()],
        equivalence_lists: world.equivalence_lists.clone(),
        editors: vec![world.editors[0].clone()],
        referencings: world.referencings.clone(),
        candidatures: world
            .candidatures
            .iter()
            .filter(|c| c.editor == "ed-a")
            .cloned()
            .collect(),
        pentest_forms: world.pentest_forms.clone(),
        cnda_requests: world
            .cnda_requests
            .iter()
            .filter(|c| c.editor == "ed-a")
            .cloned()
            .collect(),
        psc_habilitations: world.psc_habilitations.clone(),
        ..World::default()
    };
    assert_eq!(got, expected);
    assert_eq!(
        store
            .tenant("ed-a")
            .get_candidature("cand-a1")
            .await
            .unwrap(),
        world.candidatures[0]
    );

    let b = store
        .tenant("ed-b")
        .world_for_candidature("cand-b1")
        .await
        .unwrap();
    assert_eq!(b.candidatures, vec![world.candidatures[1].clone()]);
    assert_eq!(b.rem_versions, vec![world.rem_versions[0].clone()]);
    assert!(b.pentest_forms.is_empty() && b.psc_habilitations.is_empty());
    assert_eq!(
        b.referencings.len(),
        2,
        "NRUs of every editor are public facts"
    );
}

async fn check_tenant_isolation(store: Store, _url: String) {
    loaded(&store).await;
    let b = store.tenant("ed-b");
    assert_eq!(b.organisation_id(), "ed-b");
    assert_eq!(
        b.get_candidature("cand-a1").await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        b.get_candidature("does-not-exist").await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        b.candidature_summary("cand-a1").await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        b.list_proof_items("cand-a1", None, Page::default()).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        b.chapter_progress("cand-a1").await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        b.world_for_candidature("cand-a1").await,
        Err(StoreError::NotFound)
    );
    let list = b.list_candidatures(Page::max()).await.unwrap();
    assert_eq!(list.total, 1);
    assert!(list.items.iter().all(|c| c.organisation_id == "ed-b"));
    assert!(
        b.list_world_candidatures()
            .await
            .unwrap()
            .iter()
            .all(|c| c.editor == "ed-b")
    );
    let solutions = b.list_solutions().await.unwrap();
    let ids: Vec<&str> = solutions.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["NRU-VA1-0002", "cand-b1"]);
    // The cross-tenant lookup is on the system side only.
    assert_eq!(
        store.system().candidature_owner("cand-a1").await.unwrap(),
        "ed-a"
    );
    assert_eq!(
        store.system().candidature_owner("nope").await,
        Err(StoreError::NotFound)
    );
    assert_eq!(solutions[0].state_label, "Référencement retiré");
    assert_eq!(solutions[1].state_label, "Dépôt des preuves en cours");
    assert!(b.list_pentest_forms().await.unwrap().is_empty());
    assert_eq!(b.list_cnda_requests().await.unwrap().len(), 1);

    // Writing through the wrong tenant changes nothing and writes no audit event.
    let before = store.system().list_audit(Page::max()).await.unwrap().total;
    let key = ProofItemKey {
        requirement: rid("SC.SSI/GEN.05"),
        scenario: 1,
        proof: 1,
    };
    let err = b
        .record_deposit_status(
            "cand-a1",
            &key,
            ProofStatus::Deposited,
            d(2026, 7, 1),
            &AuditEntry::default(),
        )
        .await;
    assert_eq!(err, Err(StoreError::NotFound));
    assert_eq!(
        store.system().list_audit(Page::max()).await.unwrap().total,
        before
    );
    let a1 = store
        .tenant("ed-a")
        .get_candidature("cand-a1")
        .await
        .unwrap();
    assert!(a1.deposits.iter().all(|d| d.key != key));

    // An unknown organisation sees nothing.
    assert_eq!(
        store
            .tenant("ed-z")
            .list_candidatures(Page::default())
            .await
            .unwrap()
            .total,
        0
    );
    assert_eq!(
        store.tenant("ed-z").editor().await,
        Err(StoreError::NotFound)
    );
}

async fn check_sessions(store: Store, _url: String) {
    loaded(&store).await;
    let sys = store.system();
    let (alice, _) = sys
        .find_user_for_login("alice@ed-a")
        .await
        .unwrap()
        .unwrap();
    let token = sys.create_session(&alice.id, 3600).await.unwrap();
    assert_eq!(token.len(), 64);
    let user = sys.session_user(&token).await.unwrap().unwrap();
    assert_eq!(user, alice);
    assert_eq!(user.organisation_kind, OrganisationKind::Editor);
    assert_eq!(user.organisation_name, "Éditeur A");
    assert_ne!(
        sys.create_session(&alice.id, 3600).await.unwrap(),
        token,
        "tokens are random"
    );

    assert_eq!(sys.session_user("not-a-token").await.unwrap(), None);
    let expired = sys.create_session(&alice.id, 0).await.unwrap();
    assert_eq!(sys.session_user(&expired).await.unwrap(), None, "expired");
    assert_eq!(sys.purge_expired_sessions().await.unwrap(), 1);

    sys.delete_session(&token).await.unwrap();
    assert_eq!(sys.session_user(&token).await.unwrap(), None);
    sys.delete_session(&token).await.unwrap();

    // Signing out everywhere ends the user's other sessions only.
    let (bob, _) = sys.find_user_for_login("bob@ed-b").await.unwrap().unwrap();
    let bob_token = sys.create_session(&bob.id, 3600).await.unwrap();
    let alice_token = sys.create_session(&alice.id, 3600).await.unwrap();
    assert_eq!(sys.delete_user_sessions(&alice.id).await.unwrap(), 2);
    assert_eq!(sys.session_user(&alice_token).await.unwrap(), None);
    assert_eq!(sys.session_user(&bob_token).await.unwrap(), Some(bob));

    // Foreign keys are enforced: no session for an unknown user.
    let err = sys.create_session("no-such-user", 60).await;
    assert!(matches!(err, Err(StoreError::Invalid(_))), "{err:?}");
    assert!(matches!(
        sys.create_session(&alice.id, -1).await,
        Err(StoreError::Invalid(_))
    ));
}

async fn check_accounts_and_passwords(store: Store, _url: String) {
    loaded(&store).await;
    let sys = store.system();
    let (alice, hash) = sys
        .find_user_for_login("ALICE@ed-a")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(alice.login, "alice@ed-a");
    assert_eq!(alice.role, Role::EditorMandataire);
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(verify_password(&hash, &password_of("alice@ed-a")));
    assert!(!verify_password(&hash, &password_of("alice@ed-b")));
    assert!(!verify_password("not a hash", "x"));
    assert_eq!(sys.find_user_for_login("nobody@ed-a").await.unwrap(), None);
    assert_eq!(sys.find_user_for_login("?").await.unwrap(), None);

    let before = sys.list_audit(Page::max()).await.unwrap().total;
    let carol = sys
        .create_account_audited(
            &account("carol@ed-a", Role::EditorSalarie, "ed-a"),
            &AuditEntry::new("", "")
                .by(&alice)
                .with_request(Some("req-1".into()), Some("127.0.0.1".into())),
        )
        .await
        .unwrap();
    assert_eq!(
        (carol.organisation_id.as_str(), carol.organisation_kind),
        ("ed-a", OrganisationKind::Editor)
    );
    let audit = sys.list_audit(Page::max()).await.unwrap();
    assert_eq!(audit.total, before + 1);
    let ev = &audit.items[0];
    assert_eq!(ev.action, "account.create");
    assert_eq!(ev.actor_user_id.as_deref(), Some(alice.id.as_str()));
    assert_eq!(
        (ev.request_id.as_deref(), ev.ip.as_deref()),
        (Some("req-1"), Some("127.0.0.1"))
    );

    // Duplicate login (whatever its case) is a conflict; nothing is audited.
    let dup = sys
        .create_account(&account("Carol@ed-a", Role::EditorSalarie, "ed-a"))
        .await;
    assert!(
        matches!(&dup, Err(StoreError::Conflict(m)) if m.contains("carol@ed-a")),
        "{dup:?}"
    );
    assert_eq!(sys.list_audit(Page::max()).await.unwrap().total, before + 1);

    let mut short = account("dave@ed-a", Role::EditorSalarie, "ed-a");
    short.password = "court".into();
    assert!(matches!(
        sys.create_account(&short).await,
        Err(StoreError::Invalid(_))
    ));
    let wrong_kind = sys
        .create_account(&account("eve@ed-a", Role::AnsInstructeur, "ed-a"))
        .await;
    assert!(
        matches!(wrong_kind, Err(StoreError::Invalid(_))),
        "{wrong_kind:?}"
    );
    let no_org = sys
        .create_account(&account("frank@x", Role::EditorSalarie, "ed-x"))
        .await;
    assert!(matches!(no_org, Err(StoreError::Invalid(_))), "{no_org:?}");
    let bad_login = sys
        .create_account(&account("a b", Role::EditorSalarie, "ed-a"))
        .await;
    assert!(
        matches!(bad_login, Err(StoreError::Invalid(_))),
        "{bad_login:?}"
    );
    let admin = sys
        .create_account(&account("root@ans", Role::PlatformAdmin, "ans"))
        .await
        .unwrap();
    assert_eq!(admin.organisation_kind, OrganisationKind::Ans);
    assert_eq!(sys.verify_audit_chain().await.unwrap(), None);

    let logins = |users: Vec<segur_store::UserRecord>| {
        users.into_iter().map(|u| u.login).collect::<Vec<_>>()
    };
    assert_eq!(
        logins(store.tenant("ed-a").list_users().await.unwrap()),
        ["alice@ed-a", "carol@ed-a"]
    );
    assert_eq!(
        logins(store.tenant("ed-b").list_users().await.unwrap()),
        ["bob@ed-b"]
    );
    let all = sys.list_users(Page::max()).await.unwrap();
    assert_eq!(all.total, 5);
    assert_eq!(
        logins(all.items),
        [
            "irene@ans",
            "root@ans",
            "alice@ed-a",
            "carol@ed-a",
            "bob@ed-b"
        ]
    );
}

async fn check_deposit_status_is_audited_in_the_same_transaction(store: Store, url: String) {
    let world = loaded(&store).await;
    let t = store.tenant("ed-a");
    let sys = store.system();
    let (alice, _) = sys
        .find_user_for_login("alice@ed-a")
        .await
        .unwrap()
        .unwrap();
    let key = ProofItemKey {
        requirement: rid("SC.SSI/GEN.05"),
        scenario: 2,
        proof: 1,
    };
    let entry = AuditEntry::new("proof.deposit", "cand-a1 SC.SSI/GEN.05 S2 P1").by(&alice);
    t.record_deposit_status(
        "cand-a1",
        &key,
        ProofStatus::Deposited,
        d(2026, 7, 1),
        &entry,
    )
    .await
    .unwrap();
    let row = |items: &[segur_store::ProofItemRow]| {
        items
            .iter()
            .find(|i| i.requirement == "SC.SSI/GEN.05" && i.scenario == 2 && i.proof == 1)
            .cloned()
            .unwrap()
    };
    let items = t
        .list_proof_items("cand-a1", None, Page::max())
        .await
        .unwrap()
        .items;
    assert_eq!(row(&items).status, ProofStatus::Deposited);
    assert_eq!(row(&items).deposited_on.as_deref(), Some("2026-07-01"));
    let summary = t.candidature_summary("cand-a1").await.unwrap();
    let (_, deposited, _) = expected_counts(&world, world.candidature("cand-a1").unwrap());
    assert_eq!(summary.deposited, deposited + 1);

    // Review keeps the deposit date; going back to "to deposit" clears it.
    t.record_deposit_status(
        "cand-a1",
        &key,
        ProofStatus::Validated,
        d(2026, 7, 9),
        &AuditEntry::default(),
    )
    .await
    .unwrap();
    let items = t
        .list_proof_items("cand-a1", None, Page::max())
        .await
        .unwrap()
        .items;
    assert_eq!(
        (row(&items).status, row(&items).deposited_on.as_deref()),
        (ProofStatus::Validated, Some("2026-07-01"))
    );
    t.record_deposit_status(
        "cand-a1",
        &key,
        ProofStatus::ToDeposit,
        d(2026, 7, 10),
        &AuditEntry::default(),
    )
    .await
    .unwrap();
    let items = t
        .list_proof_items("cand-a1", None, Page::max())
        .await
        .unwrap()
        .items;
    assert_eq!(
        (row(&items).status, row(&items).deposited_on.clone()),
        (ProofStatus::ToDeposit, None)
    );
    // The new deposit is listed after the imported ones (world order is kept).
    let cand = t.get_candidature("cand-a1").await.unwrap();
    assert_eq!(
        cand.deposits.len(),
        world.candidatures[0].deposits.len() + 1
    );
    assert_eq!(cand.deposits.last().unwrap().key, key);

    // A key that is not in the candidature's REM is refused, and nothing is audited.
    let audit = sys.list_audit(Page::max()).await.unwrap();
    assert_eq!(audit.total, 4, "import + three status changes");
    let bad = ProofItemKey {
        requirement: rid("SC.SSI/GEN.05"),
        scenario: 9,
        proof: 1,
    };
    let err = t
        .record_deposit_status(
            "cand-a1",
            &bad,
            ProofStatus::Deposited,
            d(2026, 7, 1),
            &AuditEntry::default(),
        )
        .await;
    assert!(matches!(err, Err(StoreError::Invalid(_))), "{err:?}");
    assert_eq!(sys.list_audit(Page::max()).await.unwrap().total, 4);

    // The events: newest first, filled in, chained.
    let ev = &audit.items[2];
    assert_eq!(ev.action, "proof.deposit");
    assert_eq!(ev.object, "cand-a1 SC.SSI/GEN.05 S2 P1");
    assert_eq!(ev.actor_role.as_deref(), Some("editor_mandataire"));
    assert_eq!(ev.organisation_id.as_deref(), Some("ed-a"));
    let auto = &audit.items[0];
    assert_eq!(auto.action, "proof.status");
    assert_eq!(auto.organisation_id.as_deref(), Some("ed-a"));
    assert!(
        auto.object.contains("SC.SSI/GEN.05 / S2 / P1"),
        "{}",
        auto.object
    );
    let mut chain = audit.items.clone();
    chain.reverse();
    assert_eq!(chain[0].prev_hash, segur_store::GENESIS_HASH);
    for pair in chain.windows(2) {
        assert_eq!(
            pair[1].prev_hash, pair[0].hash,
            "event {} links to {}",
            pair[1].seq, pair[0].seq
        );
        assert_eq!(pair[1].seq, pair[0].seq + 1);
    }
    for ev in &chain {
        assert_eq!(ev.hash, ev.compute_hash());
    }
    assert_eq!(sys.verify_audit_chain().await.unwrap(), None);

    // Tampering with a stored event is detected.
    let mut raw = sqlx::AnyConnection::connect(&url).await.unwrap();
    sqlx::query("UPDATE audit_events SET object = 'falsifié' WHERE seq = 2")
        .execute(&mut raw)
        .await
        .unwrap();
    raw.close().await.unwrap();
    assert_eq!(sys.verify_audit_chain().await.unwrap(), Some(2));
}

/// Deleting the newest events leaves an intact-looking chain: the head, bumped in every
/// event's transaction, tells.
async fn check_audit_tail_deletion_is_detected(store: Store, url: String) {
    loaded(&store).await;
    let sys = store.system();
    let total = sys.list_audit(Page::new(1, 0)).await.unwrap().total;
    assert!(total >= 1);
    assert_eq!(sys.verify_audit_chain().await.unwrap(), None);
    let mut raw = sqlx::AnyConnection::connect(&url).await.unwrap();
    sqlx::query("DELETE FROM audit_events WHERE seq = $1")
        .bind(total)
        .execute(&mut raw)
        .await
        .unwrap();
    raw.close().await.unwrap();
    assert_eq!(sys.verify_audit_chain().await.unwrap(), Some(total));
}

async fn check_api_tokens(store: Store, url: String) {
    loaded(&store).await;
    let sys = store.system();
    let (alice, _) = sys
        .find_user_for_login("alice@ed-a")
        .await
        .unwrap()
        .unwrap();
    let (bob, _) = sys.find_user_for_login("bob@ed-b").await.unwrap().unwrap();
    let ed_a = store.tenant("ed-a");
    let ed_b = store.tenant("ed-b");
    let audit_before = sys.list_audit(Page::max()).await.unwrap().total;
    let new = |name: &str, scope, days| NewApiToken {
        name: name.into(),
        scope,
        expires_in_days: days,
    };

    // Created: a recognisable secret of 32 random bytes, shown once, audited without it.
    let created = ed_a
        .create_api_token(
            &alice,
            &new("  CI  ", TokenScope::Read, 30),
            &AuditEntry::default().by(&alice),
        )
        .await
        .unwrap();
    let secret = created.secret.clone();
    assert!(secret.starts_with(API_TOKEN_PREFIX), "{secret}");
    assert_eq!(secret.len(), API_TOKEN_PREFIX.len() + 64);
    assert_eq!(created.token.name, "CI");
    assert_eq!(created.token.scope, TokenScope::Read);
    assert_eq!(
        created.token.expires_at - created.token.created_at,
        30 * 86_400
    );
    let audit = sys.list_audit(Page::max()).await.unwrap();
    assert_eq!(audit.total, audit_before + 1, "one event, same transaction");
    let ev = audit
        .items
        .iter()
        .find(|e| e.action == "api_token.create")
        .unwrap();
    assert_eq!(ev.organisation_id.as_deref(), Some("ed-a"));
    assert!(!ev.object.contains(&secret[API_TOKEN_PREFIX.len()..]));

    // Stored hashed: the row holds the SHA-256 of the secret and nothing else of it.
    let mut raw = sqlx::AnyConnection::connect(&url).await.unwrap();
    let stored: String = sqlx::query("SELECT secret_sha256 FROM api_tokens WHERE id = $1")
        .bind(&created.token.id)
        .fetch_one(&mut raw)
        .await
        .map(|r| sqlx::Row::get(&r, "secret_sha256"))
        .unwrap();
    raw.close().await.unwrap();
    assert_eq!(stored, token_secret_digest(&secret));
    assert!(!stored.contains(&secret[API_TOKEN_PREFIX.len()..]));

    // Resolved to its creator with its scope; last use recorded.
    let now = created.token.created_at;
    let resolved = sys
        .api_token_user_at(&secret, now + 10)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(resolved.user, alice);
    assert_eq!(resolved.scope, TokenScope::Read);
    assert_eq!(resolved.token_id, created.token.id);
    let listed = ed_a.list_api_tokens(None).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].last_used_at, Some(now + 10));
    assert_eq!(listed[0].user_login, "alice@ed-a");
    // At most once a minute.
    sys.api_token_user_at(&secret, now + 30)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        ed_a.get_api_token(&created.token.id)
            .await
            .unwrap()
            .last_used_at,
        Some(now + 10)
    );
    sys.api_token_user_at(&secret, now + 80)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        ed_a.get_api_token(&created.token.id)
            .await
            .unwrap()
            .last_used_at,
        Some(now + 80)
    );

    // Unknown, malformed and expired secrets resolve to nothing.
    for bad in ["", "segur_pat_", "not-a-token", &secret[..secret.len() - 1]] {
        assert_eq!(sys.api_token_user(bad).await.unwrap(), None, "{bad}");
    }
    let wrong = format!("{API_TOKEN_PREFIX}{}", "0".repeat(64));
    assert_eq!(sys.api_token_user(&wrong).await.unwrap(), None);
    assert_eq!(
        sys.api_token_user_at(&secret, created.token.expires_at)
            .await
            .unwrap(),
        None,
        "expired at expires_at"
    );
    let old = ed_a
        .create_api_token_at(
            &alice,
            &new("ancien", TokenScope::Write, 1),
            &AuditEntry::default(),
            now - 2 * 86_400,
        )
        .await
        .unwrap();
    assert_eq!(
        sys.api_token_user(&old.secret).await.unwrap(),
        None,
        "expired"
    );
    assert!(
        !ed_a
            .get_api_token(&old.token.id)
            .await
            .unwrap()
            .is_active(now)
    );

    // Validation: name, 1 to 365 days, creator of this organisation.
    for (n, days) in [("", 10), ("x", 0), ("x", 366), ("a\u{7}b", 10)] {
        let err = ed_a
            .create_api_token(
                &alice,
                &new(n, TokenScope::Read, days),
                &AuditEntry::default(),
            )
            .await;
        assert!(
            matches!(err, Err(StoreError::Invalid(_))),
            "{n} {days}: {err:?}"
        );
    }
    let err = ed_b
        .create_api_token(
            &alice,
            &new("x", TokenScope::Read, 1),
            &AuditEntry::default(),
        )
        .await;
    assert!(matches!(err, Err(StoreError::Invalid(_))), "{err:?}");

    // Tenant isolation: another organisation neither lists nor revokes them.
    let bobs = ed_b
        .create_api_token(
            &bob,
            &new("B", TokenScope::Write, 365),
            &AuditEntry::default(),
        )
        .await
        .unwrap();
    assert_eq!(ed_b.list_api_tokens(None).await.unwrap().len(), 1);
    assert_eq!(ed_a.list_api_tokens(None).await.unwrap().len(), 2);
    assert_eq!(ed_a.list_api_tokens(Some(&bob.id)).await.unwrap().len(), 0);
    assert_eq!(
        ed_a.list_api_tokens(Some(&alice.id)).await.unwrap().len(),
        2
    );
    assert!(matches!(
        ed_a.revoke_api_token(&bobs.token.id, &AuditEntry::default())
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        ed_a.get_api_token(&bobs.token.id).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        sys.api_token_user(&bobs.secret)
            .await
            .unwrap()
            .unwrap()
            .user,
        bob
    );

    // Revoked: resolves to nothing, audited once, idempotent.
    let before = sys.list_audit(Page::max()).await.unwrap().total;
    let revoked = ed_a
        .revoke_api_token(&created.token.id, &AuditEntry::default().by(&alice))
        .await
        .unwrap();
    assert!(revoked.revoked_at.is_some());
    assert_eq!(sys.api_token_user(&secret).await.unwrap(), None, "revoked");
    let again = ed_a
        .revoke_api_token(&created.token.id, &AuditEntry::default())
        .await
        .unwrap();
    assert_eq!(again.revoked_at, revoked.revoked_at);
    let audit = sys.list_audit(Page::max()).await.unwrap();
    assert_eq!(audit.total, before + 1);
    assert!(audit.items.iter().any(|e| e.action == "api_token.revoke"));
    assert_eq!(sys.verify_audit_chain().await.unwrap(), None);
}

async fn check_lif_candidature_transitions_are_audited(store: Store, _url: String) {
    loaded(&store).await;
    let t = store.tenant("ed-a");
    let next = t
        .apply_candidature_event(
            "cand-a1",
            CandidatureEvent::DeclareComplete,
            &AuditEntry::default(),
        )
        .await
        .unwrap();
    assert_eq!(next, CandidatureState::Complete);
    assert_eq!(
        t.get_candidature("cand-a1")
            .await
            .unwrap()
            .candidature
            .state,
        CandidatureState::Complete
    );
    assert_eq!(
        t.candidature_summary("cand-a1").await.unwrap().state,
        CandidatureState::Complete
    );
    let own = t.list_audit(Page::max()).await.unwrap();
    assert_eq!(own.total, 1);
    assert_eq!(own.items[0].action, "candidature.transition");
    assert!(
        own.items[0]
            .object
            .contains("proofs_in_progress → complete"),
        "{}",
        own.items[0].object
    );

    // Refused by the state machine: Conflict, nothing written.
    let err = t
        .apply_candidature_event("cand-a1", CandidatureEvent::Refer, &AuditEntry::default())
        .await;
    assert!(matches!(err, Err(StoreError::Conflict(_))), "{err:?}");
    assert_eq!(
        t.get_candidature("cand-a1")
            .await
            .unwrap()
            .candidature
            .state,
        CandidatureState::Complete
    );
    assert_eq!(t.list_audit(Page::max()).await.unwrap().total, 1);

    // Another organisation cannot move it, nor see its audit trail.
    let b = store.tenant("ed-b");
    let err = b
        .apply_candidature_event("cand-a1", CandidatureEvent::Abandon, &AuditEntry::default())
        .await;
    assert_eq!(err, Err(StoreError::NotFound));
    assert_eq!(b.list_audit(Page::max()).await.unwrap().total, 0);
    assert_eq!(store.system().verify_audit_chain().await.unwrap(), None);
}

async fn check_concurrent_writes_keep_one_chain(store: Store, _url: String) {
    loaded(&store).await;
    let mut tasks = Vec::new();
    for i in 1..=8u16 {
        let t = store.tenant("ed-a");
        tasks.push(tokio::spawn(async move {
            let key = ProofItemKey {
                requirement: rid(&format!("SC.SSI/GEN.{:02}", 10 + i)),
                scenario: 1,
                proof: 1,
            };
            t.record_deposit_status(
                "cand-a1",
                &key,
                ProofStatus::Deposited,
                d(2026, 7, 1),
                &AuditEntry::default(),
            )
            .await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let audit = store.system().list_audit(Page::max()).await.unwrap();
    assert_eq!(audit.total, 9);
    assert_eq!(store.system().verify_audit_chain().await.unwrap(), None);
    assert_eq!(
        store
            .tenant("ed-a")
            .get_candidature("cand-a1")
            .await
            .unwrap()
            .deposits
            .len(),
        6 + 8
    );
}

async fn check_constant_query_count(store: Store, _url: String) {
    loaded(&store).await;
    let t = store.tenant("ed-a");
    let cost = |before: u64| store.query_count() - before;

    // The first listing of each REM version loads its rows once into the catalogue cache
    // (published REM versions never change, REM-01): at most one query more.
    for id in ["cand-a2", "cand-a1"] {
        let before = store.query_count();
        t.list_proof_items(id, None, Page::new(1, 0)).await.unwrap();
        assert!(cost(before) <= 3, "cold listing of {id}");
    }
    let before = store.query_count();
    let small = t
        .list_proof_items("cand-a2", None, Page::max())
        .await
        .unwrap();
    let small_cost = cost(before);
    let before = store.query_count();
    let big = t
        .list_proof_items("cand-a1", None, Page::max())
        .await
        .unwrap();
    let big_cost = cost(before);
    assert_eq!((small.items.len(), big.items.len()), (10, 200));
    assert_eq!(
        small_cost, big_cost,
        "list_proof_items must not issue a query per item"
    );
    assert!(big_cost <= 2, "{big_cost} queries");

    let before = store.query_count();
    t.chapter_progress("cand-a2").await.unwrap();
    let small_cost = cost(before);
    let before = store.query_count();
    t.chapter_progress("cand-a1").await.unwrap();
    assert_eq!(cost(before), small_cost);

    let before = store.query_count();
    store
        .tenant("ed-b")
        .list_candidatures(Page::max())
        .await
        .unwrap();
    let one = cost(before);
    let before = store.query_count();
    t.list_candidatures(Page::max()).await.unwrap();
    assert_eq!(
        cost(before),
        one,
        "list_candidatures: counts are computed in SQL"
    );
}

async fn check_blobs_are_per_tenant(store: Store, _url: String) {
    let dir = std::env::temp_dir().join(format!("segur-blobs-{}", uuid::Uuid::new_v4().simple()));
    let local = BlobStore::from_url(&format!("file://{}", dir.display())).unwrap();
    for blobs in [store.blobs().clone(), local, BlobStore::in_memory()] {
        let content = "preuve : capture d'écran".as_bytes().to_vec();
        let sha = blobs.put("ed-a", content.clone()).await.unwrap();
        use sha2::Digest;
        assert_eq!(sha, hex::encode(sha2::Sha256::digest(&content)));
        assert_eq!(blobs.get("ed-a", &sha).await.unwrap(), content);
        assert!(blobs.exists("ed-a", &sha).await.unwrap());
        // Another organisation cannot read it, even knowing the hash.
        assert_eq!(blobs.get("ed-b", &sha).await, Err(StoreError::NotFound));
        assert!(!blobs.exists("ed-b", &sha).await.unwrap());
        // Same content twice: same key, no error.
        assert_eq!(blobs.put("ed-a", content.clone()).await.unwrap(), sha);
        assert!(matches!(
            blobs.get("ed-a", "../etc/passwd").await,
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            blobs.put("../ed-b", vec![1]).await,
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            blobs.get("ed-a/../ed-b", &sha).await,
            Err(StoreError::Invalid(_))
        ));
    }
    // The local layout puts the organisation in the key.
    let local = BlobStore::local(&dir).unwrap();
    let sha = local.put("ed-a", b"x".to_vec()).await.unwrap();
    assert!(
        dir.join("tenants")
            .join("ed-a")
            .join("blobs")
            .join(&sha)
            .is_file()
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert!(matches!(
        BlobStore::from_url("ftp://x"),
        Err(StoreError::Invalid(_))
    ));
}

/// Proof files (issue 4): a complete upload becomes a file linked to its item in one audited
/// transaction; the same content is one file per organisation (linked to several items without
/// a second copy), never shared across organisations; a re-deposit after a complement request
/// opens a new version and keeps the old one; scan verdicts are audited; sessions are per tenant.
async fn check_proof_files_versions_and_isolation(store: Store, url: String) {
    use segur_store::{FileFacts, NewUpload, ScanState};
    loaded(&store).await;
    let t = store.tenant("ed-a");
    let sys = store.system();
    let (alice, _) = sys
        .find_user_for_login("alice@ed-a")
        .await
        .unwrap()
        .unwrap();
    let key = |req: &str, s: u16, p: u16| ProofItemKey {
        requirement: rid(req),
        scenario: s,
        proof: p,
    };
    let k1 = key("SC.SSI/GEN.05", 1, 1);
    let k2 = key("SC.SSI/GEN.05", 2, 1);
    let by = AuditEntry::default().by(&alice);
    let audit_before = sys.list_audit(Page::max()).await.unwrap().total;

    // Name sanitised, 0 bytes refused, unknown item refused, another tenant's candidature hidden.
    let new = |k: &ProofItemKey, name: &str, size: i64| NewUpload {
        candidature_id: "cand-a1".into(),
        key: k.clone(),
        file_name: name.into(),
        declared_size: size,
        effective_date: Some(d(2026, 6, 30)),
    };
    let s1 = t
        .create_upload_session(&new(&k1, "../../etc/passwd", 11), &by)
        .await
        .unwrap();
    assert_eq!(s1.file_name, "passwd");
    assert_eq!(s1.effective_date.as_deref(), Some("2026-06-30"));
    assert!(matches!(
        t.create_upload_session(&new(&k1, "vide.png", 0), &by).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        t.create_upload_session(&new(&key("SC.SSI/GEN.05", 9, 9), "a.png", 3), &by)
            .await,
        Err(StoreError::Invalid(_))
    ));
    let mut foreign = new(&k1, "a.png", 3);
    foreign.candidature_id = "cand-b1".into();
    assert_eq!(
        t.create_upload_session(&foreign, &by).await.unwrap_err(),
        StoreError::NotFound
    );
    assert_eq!(
        store
            .tenant("ed-b")
            .upload_session(&s1.id)
            .await
            .unwrap_err(),
        StoreError::NotFound
    );
    assert_eq!(t.upload_session(&s1.id).await.unwrap(), s1);

    // Completion: wrong size refused; right size creates file + link (version 1), audited.
    let sha = "a".repeat(64);
    let facts = FileFacts {
        sha256: sha.clone(),
        size: 11,
        media_type: "image/png".into(),
    };
    let wrong = FileFacts {
        size: 10,
        ..facts.clone()
    };
    assert!(matches!(
        t.complete_upload(&s1.id, &wrong, &by).await,
        Err(StoreError::Invalid(_))
    ));
    let l1 = t.complete_upload(&s1.id, &facts, &by).await.unwrap();
    assert_eq!((l1.version, l1.current), (1, true));
    assert_eq!(l1.file.scan_state, ScanState::Pending);
    assert_eq!(l1.file.original_name, "passwd");
    assert_eq!(l1.file.uploader_user_id.as_deref(), Some(alice.id.as_str()));
    assert_eq!(
        t.upload_session(&s1.id).await.unwrap_err(),
        StoreError::NotFound,
        "the session is gone once complete"
    );
    let items = t
        .list_proof_items("cand-a1", None, Page::max())
        .await
        .unwrap()
        .items;
    let row = items
        .iter()
        .find(|i| i.requirement == "SC.SSI/GEN.05" && i.scenario == 1 && i.proof == 1)
        .unwrap();
    assert_eq!(row.status, ProofStatus::Deposited);

    // Same content for another item: same file row, linked twice.
    let s2 = t
        .create_upload_session(&new(&k2, "copie.png", 11), &by)
        .await
        .unwrap();
    let l2 = t.complete_upload(&s2.id, &facts, &by).await.unwrap();
    assert_eq!(
        l2.file.id, l1.file.id,
        "no second file for the same content"
    );
    // Linking it again to the same item and version is a conflict.
    assert!(matches!(
        t.link_file("cand-a1", &k2, &l1.file.id, &by).await,
        Err(StoreError::Conflict(_))
    ));
    // Another organisation with the same content gets its own row.
    let other = store.tenant("ed-b");
    assert_eq!(
        other.get_file(&l1.file.id).await.unwrap_err(),
        StoreError::NotFound
    );
    assert_eq!(
        other
            .get_candidature_file("cand-a1", &l1.file.id)
            .await
            .unwrap_err(),
        StoreError::NotFound
    );
    assert!(
        other
            .list_candidature_files("cand-a1")
            .await
            .unwrap()
            .is_empty()
    );

    // Complement requested: a new deposit opens version 2; version 1 stays, not current.
    t.record_deposit_status(
        "cand-a1",
        &k1,
        ProofStatus::ComplementRequested,
        d(2026, 7, 2),
        &AuditEntry::default(),
    )
    .await
    .unwrap();
    let s3 = t
        .create_upload_session(&new(&k1, "capture-v2.png", 5), &by)
        .await
        .unwrap();
    let facts2 = FileFacts {
        sha256: "b".repeat(64),
        size: 5,
        media_type: "image/png".into(),
    };
    let l3 = t.complete_upload(&s3.id, &facts2, &by).await.unwrap();
    assert_eq!(l3.version, 2);
    let files = t.list_item_files("cand-a1", &k1).await.unwrap();
    assert_eq!(
        files
            .iter()
            .map(|f| (f.version, f.current, f.file.sha256.as_str()))
            .collect::<Vec<_>>(),
        [(1, false, sha.as_str()), (2, true, "b".repeat(64).as_str())]
    );
    // A validated item takes no more files.
    t.record_deposit_status(
        "cand-a1",
        &k1,
        ProofStatus::Validated,
        d(2026, 7, 3),
        &AuditEntry::default(),
    )
    .await
    .unwrap();
    assert!(matches!(
        t.link_file("cand-a1", &k1, &l1.file.id, &by).await,
        Err(StoreError::Conflict(_))
    ));
    queue_stats_match_a_rebuild(&store, &url).await;

    // Antivirus: pending files listed for the worker, verdict recorded and audited.
    let pending = sys
        .files_to_scan(100, &ScanErrorRetry::now(3))
        .await
        .unwrap();
    assert_eq!(pending.len(), 2);
    assert!(pending.iter().all(|p| p.organisation_id == "ed-a"));
    t.record_scan_result(&l1.file.id, ScanState::Clean, None, &AuditEntry::default())
        .await
        .unwrap();
    t.record_scan_result(
        &l3.file.id,
        ScanState::Infected,
        Some("Test.EICAR"),
        &AuditEntry::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        other
            .record_scan_result(
                &l1.file.id,
                ScanState::Infected,
                None,
                &AuditEntry::default()
            )
            .await
            .unwrap_err(),
        StoreError::NotFound
    );
    assert!(
        sys.files_to_scan(100, &ScanErrorRetry::now(3))
            .await
            .unwrap()
            .is_empty()
    );
    let f3 = t.get_file(&l3.file.id).await.unwrap();
    assert_eq!(
        (f3.scan_state, f3.scan_detail.as_deref()),
        (ScanState::Infected, Some("Test.EICAR"))
    );

    // Scan errors: retried on later passes (never within the pass that got them), up to the
    // attempt limit; then final, until the same content is deposited again.
    let s5 = t
        .create_upload_session(&new(&k2, "erreur.png", 12), &by)
        .await
        .unwrap();
    let bad = FileFacts {
        sha256: "e".repeat(64),
        size: 12,
        media_type: "image/png".into(),
    };
    let l5 = t.complete_upload(&s5.id, &bad, &by).await.unwrap();
    let queued = |list: &[segur_store::PendingScan]| list.iter().any(|p| p.file_id == l5.file.id);
    for attempt in 1..=3 {
        assert!(
            queued(
                &sys.files_to_scan(100, &ScanErrorRetry::now(3))
                    .await
                    .unwrap()
            ),
            "attempt {attempt}"
        );
        t.record_scan_result(
            &l5.file.id,
            ScanState::ScanError,
            Some("size limit exceeded"),
            &AuditEntry::default(),
        )
        .await
        .unwrap();
        assert_eq!(
            t.get_file(&l5.file.id).await.unwrap().scan_attempts,
            attempt
        );
        let same_pass = ScanErrorRetry {
            max_attempts: 3,
            scanned_before: "2000-01-01T00:00:00Z".into(),
        };
        assert!(
            !queued(&sys.files_to_scan(100, &same_pass).await.unwrap()),
            "retried within its pass"
        );
    }
    assert!(
        !queued(
            &sys.files_to_scan(100, &ScanErrorRetry::now(3))
                .await
                .unwrap()
        ),
        "the error is final after 3 attempts"
    );
    let s6 = t
        .create_upload_session(&new(&key("SC.SSI/GEN.07", 1, 2), "erreur-bis.png", 12), &by)
        .await
        .unwrap();
    let again = t.complete_upload(&s6.id, &bad, &by).await.unwrap();
    assert_eq!(again.file.id, l5.file.id);
    assert_eq!(
        (again.file.scan_state, again.file.scan_attempts),
        (ScanState::Pending, 0)
    );
    assert!(queued(
        &sys.files_to_scan(100, &ScanErrorRetry::now(3))
            .await
            .unwrap()
    ));
    t.record_scan_result(&l5.file.id, ScanState::Clean, None, &AuditEntry::default())
        .await
        .unwrap();

    // Sessions: abandoned ones expire, each audited; deleting another tenant's is NotFound.
    let s4 = t
        .create_upload_session(&new(&k2, "long.mp4", 1 << 32), &by)
        .await
        .unwrap();
    assert_eq!(
        other.delete_upload_session(&s4.id, &by).await.unwrap_err(),
        StoreError::NotFound
    );
    assert_eq!(sys.upload_sessions().await.unwrap().len(), 1);
    assert!(
        sys.expire_upload_sessions("2000-01-01T00:00:00Z")
            .await
            .unwrap()
            .is_empty()
    );
    let expired = sys
        .expire_upload_sessions("2999-01-01T00:00:00Z")
        .await
        .unwrap();
    assert_eq!(expired, std::slice::from_ref(&s4.id));
    assert!(sys.upload_sessions().await.unwrap().is_empty());

    // Every mutation above wrote its event: 6 starts, 5 deposits, 2 statuses, 6 scans,
    // 1 expiry.
    let audit = sys.list_audit(Page::max()).await.unwrap();
    assert_eq!(audit.total - audit_before, 20);
    let actions: Vec<&str> = audit.items.iter().map(|e| e.action.as_str()).collect();
    for a in [
        "file.upload_start",
        "file.deposit",
        "file.scan",
        "file.upload_expire",
    ] {
        assert!(actions.contains(&a), "{a} audited");
    }
    assert_eq!(sys.verify_audit_chain().await.unwrap(), None);
}

/// The blob store streams a file in and out on every backend available, S3 (moto) included
/// when SEGUR_TEST_S3_URL is set.
async fn check_blob_files_stream(store: Store, _url: String) {
    let dir = std::env::temp_dir().join(format!("segur-blobf-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut stores = vec![store.blobs().clone(), BlobStore::in_memory()];
    stores.push(BlobStore::local(&dir.join("blobs")).unwrap());
    for blobs in stores {
        blob_round_trip(&blobs, &dir).await;
    }
    let _ = std::fs::remove_dir_all(&dir);
}

async fn blob_round_trip(blobs: &BlobStore, dir: &std::path::Path) {
    use futures_util::TryStreamExt;
    use sha2::Digest;
    // 20 MiB + 3 bytes: several multipart parts, an odd tail.
    let content: Vec<u8> = (0..(20u32 << 20) + 3)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let sha = hex::encode(sha2::Sha256::digest(&content));
    let path = dir.join(format!("part-{}", uuid::Uuid::new_v4().simple()));
    std::fs::write(&path, &content).unwrap();
    blobs.put_file("ed-a", &sha, &path).await.unwrap();
    assert!(blobs.exists("ed-a", &sha).await.unwrap());
    assert!(!blobs.exists("ed-b", &sha).await.unwrap());
    assert_eq!(
        blobs.size("ed-a", &sha).await.unwrap(),
        content.len() as u64
    );
    let whole: Vec<bytes::Bytes> = blobs
        .get_stream("ed-a", &sha, None)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(whole.concat(), content, "{}", blobs.description());
    let part: Vec<bytes::Bytes> = blobs
        .get_stream("ed-a", &sha, Some(1000..5000))
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(part.concat(), content[1000..5000]);
    assert!(matches!(
        blobs.get_stream("ed-b", &sha, None).await,
        Err(StoreError::NotFound)
    ));
    // Storing it again is a no-op (even with the temporary file gone).
    blobs
        .put_file("ed-a", &sha, &dir.join("missing"))
        .await
        .unwrap();
    let _ = std::fs::remove_file(&path);
}

/// The blob store against a real S3-compatible server (moto, scripts/peers/s3.sh).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blob_store_on_s3_moto() {
    let Ok(url) = std::env::var("SEGUR_TEST_S3_URL") else {
        eprintln!(
            "!!! SEGUR_TEST_S3_URL not set: S3 blob store test SKIPPED (run scripts/peers/s3.sh)"
        );
        return;
    };
    let blobs = BlobStore::from_url(url.trim()).unwrap();
    let dir = std::env::temp_dir().join(format!("segur-s3-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    blob_round_trip(&blobs, &dir).await;
    // The small-blob API too, and isolation by key.
    let sha = blobs.put("ed-s3", b"preuve S3".to_vec()).await.unwrap();
    assert_eq!(blobs.get("ed-s3", &sha).await.unwrap(), b"preuve S3");
    assert_eq!(blobs.get("ed-b", &sha).await, Err(StoreError::NotFound));
    assert!(
        blobs
            .list_all()
            .await
            .unwrap()
            .contains(&("ed-s3".to_owned(), sha))
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// REM-01 on import: a draft version can be imported and replaced, a published one never
/// changes; every write is audited and the catalogue cache sees the new version at once.
async fn check_rem_01_import_and_publish_versions(store: Store, _url: String) {
    loaded(&store).await;
    let sys = store.system();
    let mut rem = rem_small();
    rem.version = "2.0".into();
    rem.requirements[0]
        .extra
        .insert("Commentaire".into(), "Nouveau en 2.0".into());
    let summary = sys
        .import_rem_version(&rem, AuditEntry::new("rem.import", ""))
        .await
        .unwrap();
    assert_eq!(summary.requirements, 5);
    let back = sys.get_rem_version("MDV-LGC-Va2", "2.0").await.unwrap();
    assert_eq!(back.requirements, rem.requirements);
    assert_eq!(back.status, RemStatus::Draft);
    // A draft is replaced by a new import of the same version.
    rem.requirements.pop();
    let summary = sys
        .import_rem_version(&rem, AuditEntry::new("rem.import", ""))
        .await
        .unwrap();
    assert_eq!(summary.requirements, 4);
    let versions = sys.list_rem_versions("MDV-LGC-Va2").await.unwrap();
    let v2 = versions.iter().find(|v| v.version == "2.0").unwrap();
    assert_eq!(v2.requirements, 4);
    // Publishing is final (REM-01).
    sys.publish_rem_version(
        "MDV-LGC-Va2",
        "2.0",
        jiff::civil::date(2026, 12, 1),
        AuditEntry::new("", ""),
    )
    .await
    .unwrap();
    let published = sys.get_rem_version("MDV-LGC-Va2", "2.0").await.unwrap();
    assert_eq!(published.status, RemStatus::Published);
    assert_eq!(published.published_on, Some(jiff::civil::date(2026, 12, 1)));
    match sys.import_rem_version(&rem, AuditEntry::new("", "")).await {
        Err(StoreError::Conflict(m)) => assert!(m.contains("REM-01"), "{m}"),
        other => panic!("REM-01: a published version must not be overwritten: {other:?}"),
    }
    assert!(matches!(
        sys.publish_rem_version(
            "MDV-LGC-Va2",
            "2.0",
            jiff::civil::date(2026, 12, 2),
            AuditEntry::new("", "")
        )
        .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        sys.get_rem_version("MDV-LGC-Va2", "2.0")
            .await
            .unwrap()
            .requirements
            .len(),
        4
    );
    // Unknown dispositif.
    let mut other = rem_small();
    other.dispositif = code("IMG-RIS-Va2");
    assert!(matches!(
        sys.import_rem_version(&other, AuditEntry::new("", ""))
            .await,
        Err(StoreError::Invalid(_))
    ));
    let audit = sys.list_audit(Page::max()).await.unwrap();
    let actions: Vec<&str> = audit.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "rem.import").count(), 2);
    assert_eq!(actions.iter().filter(|a| **a == "rem.publish").count(), 1);
    assert_eq!(sys.verify_audit_chain().await.unwrap(), None);
}

/// REM-03 on a real candidature: preview, then apply the move to a new REM version; deposits
/// of unchanged items are kept, of reworded and removed items deleted, in one audited step.
async fn check_rem_03_candidature_migration(store: Store, url: String) {
    loaded(&store).await;
    let sys = store.system();
    let mut v2 = sys.get_rem_version("MDV-LGC-Va2", "1.0").await.unwrap();
    v2.version = "2.0".into();
    v2.status = RemStatus::Draft;
    v2.published_on = None;
    v2.requirements.retain(|r| r.id.as_str() != "SC.SSI/GEN.10");
    let gen01 = v2
        .requirements
        .iter_mut()
        .find(|r| r.id.as_str() == "SC.SSI/GEN.01")
        .unwrap();
    gen01.scenarios[0].proofs[0].text = "Capture d'écran horodatée".into();
    sys.import_rem_version(&v2, AuditEntry::new("", ""))
        .await
        .unwrap();
    let tenant = store.tenant("ed-a");
    let key = |r: &str, s: u16, p: u16| ProofItemKey {
        requirement: rid(r),
        scenario: s,
        proof: p,
    };

    // A draft cannot receive candidatures (REM-01).
    assert!(matches!(
        tenant
            .migrate_candidature_rem("cand-a1", "2.0", &AuditEntry::default())
            .await,
        Err(StoreError::Conflict(_))
    ));
    sys.publish_rem_version(
        "MDV-LGC-Va2",
        "2.0",
        jiff::civil::date(2026, 12, 1),
        AuditEntry::new("", ""),
    )
    .await
    .unwrap();

    let (diff, preview) = tenant
        .rem_migration_preview("cand-a1", "2.0")
        .await
        .unwrap();
    assert_eq!(diff.requirement_counts.removed, 1);
    assert_eq!(preview.to_redo, vec![key("SC.SSI/GEN.01", 1, 1)]);
    assert_eq!(preview.dropped, vec![key("SC.SSI/GEN.10", 1, 1)]);
    assert_eq!(preview.kept.len(), 4);
    // The preview wrote nothing.
    assert_eq!(
        tenant
            .get_candidature("cand-a1")
            .await
            .unwrap()
            .deposits
            .len(),
        6
    );

    let applied = tenant
        .migrate_candidature_rem("cand-a1", "2.0", &AuditEntry::default())
        .await
        .unwrap();
    assert_eq!(applied, preview);
    queue_stats_match_a_rebuild(&store, &url).await;
    let c = tenant.get_candidature("cand-a1").await.unwrap();
    assert_eq!(c.candidature.rem_version, "2.0");
    let keys: Vec<ProofItemKey> = c.deposits.iter().map(|d| d.key.clone()).collect();
    assert_eq!(keys.len(), 4);
    assert!(keys.contains(&key("SC.SSI/GEN.01", 1, 2)));
    assert!(!keys.contains(&key("SC.SSI/GEN.01", 1, 1)));
    // The world slice the rules engine sees is on the new version.
    let world = tenant.world_for_candidature("cand-a1").await.unwrap();
    assert!(world.rem_versions.iter().any(|r| r.version == "2.0"));
    // Moving again to the same version is refused; another tenant cannot see the candidature.
    assert!(matches!(
        tenant
            .migrate_candidature_rem("cand-a1", "2.0", &AuditEntry::default())
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store
            .tenant("ed-b")
            .rem_migration_preview("cand-a1", "2.0")
            .await,
        Err(StoreError::NotFound)
    ));
    let audit = tenant.list_audit(Page::max()).await.unwrap();
    assert!(
        audit
            .items
            .iter()
            .any(|e| e.action == "candidature.rem_migration" && e.object.contains("REM-03"))
    );
    assert_eq!(sys.verify_audit_chain().await.unwrap(), None);
}

/// EQV-06 lists imported from a spreadsheet replace the list of the same pair, audited.
async fn check_eqv_06_equivalence_list_import_replaces(store: Store, _url: String) {
    let world = loaded(&store).await;
    let sys = store.system();
    let mut list = world.equivalence_lists[0].clone();
    list.pairs.truncate(1);
    assert_eq!(
        sys.import_equivalence_list(&list, AuditEntry::default())
            .await
            .unwrap(),
        1
    );
    let lists = sys.list_equivalence_lists().await.unwrap();
    assert_eq!(lists.len(), world.equivalence_lists.len());
    let stored = lists
        .iter()
        .find(|l| {
            l.from_dispositif == list.from_dispositif && l.to_dispositif == list.to_dispositif
        })
        .unwrap();
    assert_eq!(stored.pairs, list.pairs);
    let mut other = list.clone();
    other.from_dispositif = code("MS-Va2");
    sys.import_equivalence_list(&other, AuditEntry::default())
        .await
        .unwrap();
    assert_eq!(
        sys.list_equivalence_lists().await.unwrap().len(),
        world.equivalence_lists.len() + 1
    );
    let audit = sys.list_audit(Page::max()).await.unwrap();
    assert_eq!(
        audit
            .items
            .iter()
            .filter(|e| e.action == "equivalence.import")
            .count(),
        2
    );
}

/// Second factor, staged sessions and self-managed accounts (issue #5).
async fn check_second_factor_and_account_lifecycle(store: Store, _url: String) {
    loaded(&store).await;
    let sys = store.system();
    let (irene, _) = sys.find_user_for_login("irene@ans").await.unwrap().unwrap();
    let (alice, _) = sys
        .find_user_for_login("alice@ed-a")
        .await
        .unwrap()
        .unwrap();

    // A staged session authenticates nothing; its promotion gives a new token and kills it.
    let staged = sys
        .create_staged_session(&irene.id, segur_store::SessionStage::SecondFactor)
        .await
        .unwrap();
    assert_eq!(sys.session_user(&staged).await.unwrap(), None);
    let s = sys.staged_session(&staged).await.unwrap().unwrap();
    assert_eq!(s.stage, segur_store::SessionStage::SecondFactor);
    assert_eq!(s.user.id, irene.id);

    // Enrolment: a wrong code stores nothing; the right one stores the secret, issues ten
    // recovery codes and ends every session of the account.
    let secret = segur_store::new_totp_secret();
    let now = 1_900_000_000u64;
    let entry = AuditEntry::new("", "").by(&irene);
    assert_eq!(
        sys.enable_totp(&irene.id, &secret, "000000", now, &entry)
            .await
            .unwrap()
            .filter(|_| segur_store::totp_code_at(&secret, now).unwrap() != "000000"),
        None
    );
    assert!(!sys.has_second_factor(&irene.id).await.unwrap());
    let code = segur_store::totp_code_at(&secret, now).unwrap();
    let codes = sys
        .enable_totp(&irene.id, &secret, &code, now, &entry)
        .await
        .unwrap()
        .expect("right code");
    assert_eq!(codes.len(), segur_store::RECOVERY_CODES);
    assert!(sys.has_second_factor(&irene.id).await.unwrap());
    assert_eq!(
        sys.staged_session(&staged).await.unwrap().map(|s| s.stage),
        None
    );

    // The enrolment code cannot be replayed; the next step's code is accepted once.
    assert_eq!(
        sys.check_totp(&irene.id, &code, now).await.unwrap(),
        segur_store::CodeCheck::Replayed
    );
    let later = now + 30;
    let next = segur_store::totp_code_at(&secret, later).unwrap();
    assert_eq!(
        sys.check_totp(&irene.id, &next, later).await.unwrap(),
        segur_store::CodeCheck::Accepted
    );
    assert_eq!(
        sys.check_totp(&irene.id, &next, later).await.unwrap(),
        segur_store::CodeCheck::Replayed
    );
    assert_eq!(
        sys.check_totp(&irene.id, "123456", later + 300)
            .await
            .unwrap(),
        segur_store::CodeCheck::Refused
    );

    // Recovery codes: single use, whatever the case or dashes.
    let recovery = codes[0].to_lowercase().replace('-', "");
    assert!(
        sys.use_recovery_code(&irene.id, &recovery, &entry)
            .await
            .unwrap()
    );
    assert!(
        !sys.use_recovery_code(&irene.id, &codes[0], &entry)
            .await
            .unwrap()
    );
    assert!(
        !sys.use_recovery_code(&alice.id, &codes[1], &entry)
            .await
            .unwrap()
    );
    assert_eq!(
        sys.second_factor_status(&irene.id)
            .await
            .unwrap()
            .recovery_codes_left,
        segur_store::RECOVERY_CODES as i64 - 1
    );

    // Promotion of a staged session: new token, old one dead, sign-in audited.
    let staged = sys
        .create_staged_session(&irene.id, segur_store::SessionStage::SecondFactor)
        .await
        .unwrap();
    let full = sys
        .promote_session(
            &staged,
            &irene.id,
            3600,
            &AuditEntry::new("", "").by(&irene),
        )
        .await
        .unwrap();
    assert_ne!(full, staged);
    assert_eq!(sys.session_user(&full).await.unwrap().unwrap().id, irene.id);
    assert!(sys.staged_session(&staged).await.unwrap().is_none());
    let audit = sys.list_audit(Page::max()).await.unwrap();
    assert_eq!(audit.items[0].action, "auth.sign_in");

    // Accounts managed by the organisation: role change and deactivation end the sessions;
    // another organisation's account is not found through this tenant.
    let carol = sys
        .create_account(&account("carol@ed-a", Role::EditorSalarie, "ed-a"))
        .await
        .unwrap();
    let carol_session = sys.create_session(&carol.id, 3600).await.unwrap();
    let tenant = store.tenant("ed-a");
    let listed = tenant.list_accounts().await.unwrap();
    assert!(listed.iter().any(|a| a.user.id == carol.id && a.active));
    assert!(listed.iter().all(|a| a.user.organisation_id == "ed-a"));
    let by_alice = AuditEntry::new("", "").by(&alice);
    tenant
        .change_account_role(&carol.id, Role::EditorRepresentant, &by_alice)
        .await
        .unwrap();
    assert_eq!(sys.session_user(&carol_session).await.unwrap(), None);
    let (carol_now, _) = sys
        .find_user_for_login("carol@ed-a")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(carol_now.role, Role::EditorRepresentant);
    let carol_session = sys.create_session(&carol.id, 3600).await.unwrap();
    tenant
        .set_account_active(&carol.id, false, &by_alice)
        .await
        .unwrap();
    assert_eq!(sys.session_user(&carol_session).await.unwrap(), None);
    assert_eq!(sys.find_user_for_login("carol@ed-a").await.unwrap(), None);
    tenant
        .set_account_active(&carol.id, true, &by_alice)
        .await
        .unwrap();
    assert!(
        sys.find_user_for_login("carol@ed-a")
            .await
            .unwrap()
            .is_some()
    );
    let (bob, _) = sys.find_user_for_login("bob@ed-b").await.unwrap().unwrap();
    assert!(matches!(
        tenant
            .change_account_role(&bob.id, Role::EditorRepresentant, &by_alice)
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        tenant.set_account_active(&bob.id, false, &by_alice).await,
        Err(StoreError::NotFound)
    ));
    let actions: Vec<String> = sys
        .list_audit(Page::max())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|e| e.action)
        .collect();
    for expected in [
        "account.role_changed",
        "account.deactivated",
        "account.reactivated",
        "auth.second_factor_enabled",
        "auth.recovery_code_used",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected} not audited"
        );
    }
    assert_eq!(sys.verify_audit_chain().await.unwrap(), None);
}

/// Daily heads of the audit trail and their stored RFC 3161 tokens.
async fn check_audit_timestamps(store: Store, _url: String) {
    loaded(&store).await;
    let sys = store.system();
    let heads = sys.unstamped_audit_days("2999-01-01").await.unwrap();
    assert_eq!(heads.len(), 1, "every event of the load is today");
    let head = &heads[0];
    let last = sys.list_audit(Page::max()).await.unwrap().items[0].clone();
    assert_eq!(
        (head.last_seq, head.head_hash.as_str()),
        (last.seq, last.hash.as_str())
    );
    assert!(
        sys.unstamped_audit_days("2000-01-01")
            .await
            .unwrap()
            .is_empty()
    );
    sys.record_audit_timestamp(head, "http://user:secret@tsa.test/", b"token")
        .await
        .unwrap();
    let stamps = sys.list_audit_timestamps().await.unwrap();
    assert_eq!(stamps.len(), 1);
    assert_eq!(stamps[0].token, b"token");
    assert!(!stamps[0].tsa_url.contains("secret"), "credentials kept");
    assert!(
        sys.unstamped_audit_days("2999-01-01")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(sys.first_contradicted_timestamp().await.unwrap(), None);
    assert_eq!(sys.verify_audit_chain().await.unwrap(), None);
}

/// PEN-03: a pentest form deposited as a file is recorded with its report, visible to the rules
/// (pentest_forms) and audited in the same transaction; another organisation gets NotFound and
/// nothing is written for it.
async fn check_pen_03_pentest_form_files(store: Store, url: String) {
    loaded(&store).await;
    let a = store.tenant("ed-a");
    let before_forms = a.list_pentest_forms().await.unwrap().len();
    let before_audit = store.system().list_audit(Page::max()).await.unwrap().total;
    let form = PentestForm {
        candidature: "cand-a1".into(),
        provider: "Cyber Audit Sécurité".into(),
        passi_qualified: true,
        dated_on: d(2026, 10, 15),
        signature: SignatureKind::Electronic,
        environment: TestEnvironment::IsoProduction,
        names: vec!["Solution A".into()],
        versions: vec!["1.0".into()],
        deposited_on: Some(d(2026, 11, 22)),
    };
    let sha = a_blob(&store, "ed-a", b"%PDF-1.7 signed").await;
    let file = segur_store::NewPentestFormFile {
        file_name: "formulaire.pdf".into(),
        file_sha256: sha.clone(),
        file_size: 15,
        signature_name: None,
        signature_sha256: None,
        signature_size: None,
        report: r#"{"outcome":"valid"}"#.into(),
        item: None,
    };
    let entry = AuditEntry::new("pentest_form.deposit", "cand-a1 formulaire.pdf");
    let (id, uploaded_at) = a.add_pentest_form(&form, &file, &entry).await.unwrap();
    assert!(!uploaded_at.is_empty());
    let listed = a.list_pentest_form_files("cand-a1").await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, id);
    assert_eq!(listed[0].form, form);
    assert_eq!(listed[0].file_sha256, sha);
    assert_eq!(listed[0].report, r#"{"outcome":"valid"}"#);
    assert_eq!(
        a.list_pentest_forms().await.unwrap().len(),
        before_forms + 1
    );
    let world = a.world_for_candidature("cand-a1").await.unwrap();
    assert!(world.pentest_forms.contains(&form));
    // The form's blob waits for the antivirus like any proof file.
    let to_scan = store
        .system()
        .files_to_scan(500, &ScanErrorRetry::now(3))
        .await
        .unwrap();
    assert!(
        to_scan
            .iter()
            .any(|p| p.organisation_id == "ed-a" && p.sha256 == sha),
        "pentest form not queued for the antivirus"
    );
    let audit = store.system().list_audit(Page::max()).await.unwrap();
    assert_eq!(audit.total, before_audit + 1);
    assert!(
        audit
            .items
            .iter()
            .any(|e| e.action == "pentest_form.deposit")
    );
    assert_eq!(store.system().verify_audit_chain().await.unwrap(), None);

    // Another organisation: NotFound, nothing written.
    let b = store.tenant("ed-b");
    let mut other = form.clone();
    other.candidature = "cand-a1".into();
    assert_eq!(
        b.add_pentest_form(&other, &file, &entry).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        b.list_pentest_form_files("cand-a1").await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store.system().list_audit(Page::max()).await.unwrap().total,
        before_audit + 1
    );

    // PEN-02's proof item: the form's file becomes a proof file of that item (deposited,
    // listed with its version), in the same transaction; the queue counters follow.
    let item = ProofItemKey {
        requirement: rid("SC.SSI/GEN.06"),
        scenario: 1,
        proof: 1,
    };
    let sha2 = a_blob(&store, "ed-a", b"%PDF-1.7 signed, for the item").await;
    let for_item = segur_store::NewPentestFormFile {
        file_sha256: sha2.clone(),
        item: Some(item.clone()),
        ..file.clone()
    };
    a.add_pentest_form(&form, &for_item, &entry).await.unwrap();
    let listed = a.list_pentest_form_files("cand-a1").await.unwrap();
    assert_eq!(listed[0].item.as_ref(), Some(&item));
    assert_eq!(listed[1].item, None);
    let files = a.list_candidature_files("cand-a1").await.unwrap();
    let linked = files
        .iter()
        .find(|l| l.key == item && l.file.sha256 == sha2)
        .expect("the form is a proof file of its item");
    assert!(linked.current);
    let row = a
        .list_proof_items("cand-a1", None, Page::max())
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|i| i.requirement == "SC.SSI/GEN.06" && i.scenario == 1 && i.proof == 1)
        .unwrap();
    assert_eq!(row.status, ProofStatus::Deposited);
    queue_stats_match_a_rebuild(&store, &url).await;
    // An item outside the REM: refused, nothing recorded.
    let forms = a.list_pentest_form_files("cand-a1").await.unwrap().len();
    let unknown = segur_store::NewPentestFormFile {
        item: Some(ProofItemKey {
            requirement: rid("SC.SSI/GEN.06"),
            scenario: 9,
            proof: 9,
        }),
        ..for_item.clone()
    };
    assert!(matches!(
        a.add_pentest_form(&form, &unknown, &entry).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(
        a.list_pentest_form_files("cand-a1").await.unwrap().len(),
        forms
    );
}

async fn a_blob(store: &Store, org: &str, bytes: &[u8]) -> String {
    store.blobs().put(org, bytes.to_vec()).await.unwrap()
}

async fn check_collaboration_assignments_and_notes(store: Store, url: String) {
    loaded(&store).await;
    let a = store.tenant("ed-a");
    let b = store.tenant("ed-b");
    let system = store.system();
    let alice = system
        .find_user_for_login("alice@ed-a")
        .await
        .unwrap()
        .unwrap()
        .0;
    let bob = system
        .find_user_for_login("bob@ed-b")
        .await
        .unwrap()
        .unwrap()
        .0;
    let key = |req: &str, s: u16, p: u16| ProofItemKey {
        requirement: rid(req),
        scenario: s,
        proof: p,
    };
    let by_alice = AuditEntry::default().by(&alice);

    // Assign, then replace: one current assignment per item.
    let first = a
        .assign_proof_item(
            "cand-a1",
            &key("SC.SSI/GEN.01", 1, 1),
            &alice.id,
            d(2027, 1, 10),
            &by_alice,
        )
        .await
        .unwrap();
    assert_eq!(first.assignee_user_id, alice.id);
    assert_eq!(first.status, ProofStatus::Deposited);
    assert!(!first.chapter.is_empty());
    a.assign_proof_item(
        "cand-a1",
        &key("SC.SSI/GEN.01", 1, 1),
        &alice.id,
        d(2027, 1, 5),
        &by_alice,
    )
    .await
    .unwrap();
    a.assign_proof_item(
        "cand-a2",
        &key("SC.SSI/GEN.01", 1, 1),
        &alice.id,
        d(2026, 12, 1),
        &by_alice,
    )
    .await
    .unwrap();
    let work = a.my_work(&alice.id).await.unwrap();
    assert_eq!(work.len(), 2);
    assert_eq!(work[0].candidature_id, "cand-a2", "soonest due first");
    assert_eq!(work[1].due_on, d(2027, 1, 5));
    assert_eq!(a.list_assignments("cand-a1").await.unwrap().len(), 1);

    // The assignee must be an active user of the same organisation; the item must exist in
    // the candidature's REM version; another organisation's candidature does not exist.
    assert!(matches!(
        a.assign_proof_item(
            "cand-a1",
            &key("SC.SSI/GEN.01", 1, 1),
            &bob.id,
            d(2027, 1, 5),
            &by_alice
        )
        .await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        a.assign_proof_item(
            "cand-a1",
            &key("SC.SSI/GEN.01", 9, 9),
            &alice.id,
            d(2027, 1, 5),
            &by_alice
        )
        .await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(
        b.assign_proof_item(
            "cand-a1",
            &key("SC.SSI/GEN.01", 1, 1),
            &bob.id,
            d(2027, 1, 5),
            &AuditEntry::default()
        )
        .await,
        Err(StoreError::NotFound)
    );
    assert!(b.my_work(&alice.id).await.unwrap().is_empty());
    assert!(b.list_assignments("cand-a1").await.unwrap().is_empty());
    assert_eq!(
        b.unassign_proof_item(
            "cand-a1",
            &key("SC.SSI/GEN.01", 1, 1),
            &AuditEntry::default()
        )
        .await,
        Err(StoreError::NotFound)
    );

    // Notes: validated text, optional item, oldest first, invisible to another organisation.
    let body = segur_domain::collaboration::InternalNote::parse("Capture à refaire").unwrap();
    let n1 = a
        .add_internal_note(
            "cand-a1",
            Some(&key("SC.SSI/GEN.01", 1, 1)),
            &body,
            &by_alice,
        )
        .await
        .unwrap();
    assert_eq!(n1.author_name, alice.display_name);
    let n2 = a
        .add_internal_note("cand-a1", None, &body, &by_alice)
        .await
        .unwrap();
    let notes = a.list_internal_notes("cand-a1").await.unwrap();
    assert_eq!(
        notes.iter().map(|n| n.id.as_str()).collect::<Vec<_>>(),
        [n1.id.as_str(), n2.id.as_str()]
    );
    assert_eq!(notes[0].item, Some(key("SC.SSI/GEN.01", 1, 1)));
    assert_eq!(notes[1].item, None);
    assert!(matches!(
        a.add_internal_note(
            "cand-a1",
            Some(&key("SC.SSI/GEN.01", 9, 9)),
            &body,
            &by_alice
        )
        .await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(
        b.list_internal_notes("cand-a1").await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        b.add_internal_note("cand-a1", None, &body, &AuditEntry::default())
            .await
            .map(|n| n.id),
        Err(StoreError::NotFound)
    );

    // Unassign is idempotent; each change has its audit event, which never carries the text.
    assert!(
        a.unassign_proof_item("cand-a1", &key("SC.SSI/GEN.01", 1, 1), &by_alice)
            .await
            .unwrap()
    );
    assert!(
        !a.unassign_proof_item("cand-a1", &key("SC.SSI/GEN.01", 1, 1), &by_alice)
            .await
            .unwrap()
    );
    let audit = a.list_audit(Page::max()).await.unwrap();
    let actions: Vec<&str> = audit.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "collaboration.unassign",
            "collaboration.note",
            "collaboration.note",
            "collaboration.assign",
            "collaboration.assign",
            "collaboration.assign",
        ]
    );
    assert!(audit.items.iter().all(|e| !e.object.contains("Capture")));
    assert_eq!(system.verify_audit_chain().await.unwrap(), None);

    // Stored in the tables of migration 15, bound to the organisation.
    let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
    let rows: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM internal_notes WHERE organisation_id = 'ed-a'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(rows, 2);
    conn.close().await.unwrap();
}

on_every_backend! {
    dep_02_monitoring_counts => check_dep_02_monitoring_counts;
    collaboration_assignments_my_work_and_notes => check_collaboration_assignments_and_notes;
    second_factor_and_account_lifecycle => check_second_factor_and_account_lifecycle;
    audit_timestamps => check_audit_timestamps;
    eqv_06_equivalence_list_import_replaces => check_eqv_06_equivalence_list_import_replaces;
    rem_03_candidature_migration => check_rem_03_candidature_migration;
    rem_01_import_and_publish_versions => check_rem_01_import_and_publish_versions;
    migrate_twice_then_import_once => check_migrate_twice_and_import_once;
    import_refuses_dangling_references_and_duplicates => check_import_refuses_dangling_references;
    cal_02_catalogue_round_trip => check_cal_02_catalogue_round_trip;
    rem_02_search_requirements_by_id_and_accented_text => check_rem_02_search_requirements;
    lif_03_candidature_list_counts => check_lif_03_candidature_list_counts;
    proof_items_in_rem_order_with_statuses_and_pages => check_proof_items_in_rem_order_with_statuses;
    lif_03_chapter_progress_counts_applicable_profiles => check_lif_03_chapter_progress;
    world_for_candidature_round_trip => check_world_for_candidature_round_trip;
    tenant_isolation => check_tenant_isolation;
    sessions_resolve_expire_and_delete => check_sessions;
    accounts_and_passwords => check_accounts_and_passwords;
    deposit_status_is_audited_in_the_same_transaction => check_deposit_status_is_audited_in_the_same_transaction;
    concurrent_writes_keep_one_audit_chain => check_concurrent_writes_keep_one_chain;
    lif_candidature_transitions_are_audited => check_lif_candidature_transitions_are_audited;
    constant_query_count => check_constant_query_count;
    blobs_are_per_tenant => check_blobs_are_per_tenant;
    pen_03_pentest_form_files_are_audited_per_tenant => check_pen_03_pentest_form_files;
    proof_files_versions_and_isolation => check_proof_files_versions_and_isolation;
    blob_files_stream => check_blob_files_stream;
    fin_04_requests_deposit_decide_amend_and_isolation => check_fin_04_requests;
    fin_03_eligibility_base_import_and_search => check_fin_03_clients;
    fin_world_financing_lists_are_imported => check_fin_world_import;
    pub_01_register_sources_and_obsolete_versions => check_pub_01_register;
    audit_tail_deletion_is_detected => check_audit_tail_deletion_is_detected;
    login_failures_lock_then_expire => check_login_throttle;
    sessions_idle_timeout_and_sign_out_everywhere => check_session_idle;
    oidc_pending_single_use_identities_and_professional_sessions => check_oidc_records;
    api_tokens_scoped_expiring_hashed_revocable => check_api_tokens;
    lif_06_lif_08_eqv_13_instruction_decisions_referral_and_withdrawal => check_instruction;
}

// ---------------------------------------------------------------------------------------------
// Financing
// ---------------------------------------------------------------------------------------------

fn fin_client(id: &str, name: &str) -> Client {
    Client {
        id: StructureId::parse(id).unwrap(),
        kind: ClientKind::Es,
        name: name.into(),
        eligibility: vec![EligibilityRow {
            dispositif: code("MDV-LGC-Va2"),
            activity: None,
            cap_ht: Money::parse("5000.00").unwrap(),
            cap_ttc: None,
            cap_va1va2_extra_ht: None,
        }],
        va1_financed: vec![],
        paid_own_va1_update: false,
    }
}

fn fin_document(
    editor: &str,
    request: &str,
    order: &str,
    amount_ht: &str,
    amount_ttc: &str,
) -> RequestDocument {
    parse_document(
        &serde_json::json!({
            "format": FORMAT_V1, "id": request, "kind": "advance", "deposited_on": "2026-05-02",
            "order": { "id": order, "client": "finess_et:750712184", "dispositif": "MDV-LGC-Va2",
                       "prestation": "va2", "emitted_on": "2026-05-01", "signed_on": "2026-05-01",
                       "amount_ht": amount_ht, "amount_ttc": amount_ttc },
            "attachments": [{ "kind": "bon_de_commande", "name": "bc.pdf", "sha256": "0".repeat(64) }]
        }),
        editor,
        d(2026, 5, 2),
    )
    .unwrap()
}

async fn check_fin_04_requests(store: Store, _url: String) {
    loaded(&store).await;
    let a = store.tenant("ed-a");
    let b = store.tenant("ed-b");
    let system = store.system();
    let who = AuditEntry::new("", "");

    let doc = fin_document("ed-a", "DA-1", "BC-1", "1000.00", "1200.00");
    let rec = a
        .deposit_request(&doc, &doc.request, false, &who)
        .await
        .unwrap();
    assert_eq!(rec.request.status, RequestStatus::Deposited);
    assert_eq!(rec.amount_ht.to_string(), "1000.00");
    assert_eq!(rec.organisation_name, "Éditeur A");
    assert_eq!(rec.document.as_ref().unwrap()["order"]["id"], "BC-1");
    // Same identifier again: a conflict, not a silent overwrite.
    assert!(matches!(
        a.deposit_request(&doc, &doc.request, false, &who).await,
        Err(StoreError::Conflict(_))
    ));
    // Another editor may reuse the identifier: identifiers are per editor.
    let doc_b = fin_document("ed-b", "DA-1", "BC-1", "2000.00", "2400.00");
    b.deposit_request(&doc_b, &doc_b.request, false, &who)
        .await
        .unwrap();
    // Isolation: each editor sees its own only; a document of another editor is refused.
    assert_eq!(a.list_requests().await.unwrap().len(), 1);
    assert_eq!(
        a.list_orders().await.unwrap()[0].amount_ht.to_string(),
        "1000.00"
    );
    assert_eq!(
        b.get_request("DA-1").await.unwrap().amount_ht.to_string(),
        "2000.00"
    );
    assert_eq!(b.get_request("DA-2").await, Err(StoreError::NotFound));
    assert!(
        b.deposit_request(&doc, &doc.request, false, &who)
            .await
            .is_err()
    );

    // The ASP sees both, filters by status, decides through the domain's transitions.
    let all = system.list_requests(None, Page::new(50, 0)).await.unwrap();
    assert_eq!(all.total, 2);
    let validated = system
        .decide_request("ed-a", "DA-1", RequestDecision::Validate, &who)
        .await
        .unwrap();
    assert_eq!(validated.request.status, RequestStatus::Validated);
    assert!(validated.decided_at.is_some());
    assert!(matches!(
        system
            .decide_request("ed-a", "DA-1", RequestDecision::Validate, &who)
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        system
            .decide_request("ed-c", "DA-1", RequestDecision::Validate, &who)
            .await,
        Err(StoreError::NotFound)
    );
    let deposited = system
        .list_requests(Some("deposited"), Page::new(50, 0))
        .await
        .unwrap();
    assert_eq!(deposited.total, 1);
    assert_eq!(deposited.items[0].organisation_id, "ed-b");

    // Sent back, then amended: same request, status déposée again, one avenant.
    system
        .decide_request(
            "ed-b",
            "DA-1",
            RequestDecision::SendBack {
                motivation: "BC non signé".into(),
            },
            &who,
        )
        .await
        .unwrap();
    let sent_back = b.get_request("DA-1").await.unwrap();
    assert_eq!(
        sent_back.request.status,
        RequestStatus::AModifier {
            motivation: "BC non signé".into()
        }
    );
    let fixed = fin_document("ed-b", "DA-1", "BC-1", "1500.00", "1800.00");
    let mut amended = sent_back.request.clone();
    amended.amend(d(2026, 5, 10), "avenant".into()).unwrap();
    let rec = b
        .deposit_request(&fixed, &amended, true, &who)
        .await
        .unwrap();
    assert_eq!(rec.request.status, RequestStatus::Deposited);
    assert_eq!(rec.request.amendments.len(), 1);
    assert_eq!(rec.amount_ht.to_string(), "1500.00");
    // An amendment of a request no longer « à modifier » is a conflict.
    assert!(matches!(
        b.deposit_request(&fixed, &amended, true, &who).await,
        Err(StoreError::Conflict(_))
    ));

    // Totals per SONS, month and status, in cents-exact euros.
    let totals = system.financing_totals().await.unwrap();
    let sum: u64 = totals.iter().map(|t| t.amount_ht.cents()).sum();
    assert_eq!(sum, 250_000);
    assert!(
        totals
            .iter()
            .all(|t| t.month == "2026-05" && t.dispositif == "MDV-LGC-Va2")
    );
    assert_eq!(a.financing_totals().await.unwrap().len(), 1);

    // Every change is in the audit chain, which still verifies.
    let audit = system.list_audit(Page::new(500, 0)).await.unwrap();
    let actions: Vec<&str> = audit.items.iter().map(|e| e.action.as_str()).collect();
    for action in [
        "financing.request.deposit",
        "financing.request.validate",
        "financing.request.send_back",
        "financing.request.amend",
    ] {
        assert!(
            actions.contains(&action),
            "{action} missing from {actions:?}"
        );
    }
    assert_eq!(system.verify_audit_chain().await.unwrap(), None);

    // The ASP's view of every editor, and each editor's own world for the checks.
    let every = system.all_financing().await.unwrap();
    assert_eq!(every.orders.len(), 2);
    assert_eq!(every.payment_requests.len(), 2);
    assert_eq!(every.payment_requests[1].0, "ed-b");
    let known: std::collections::BTreeSet<String> = [
        "finess_et:750712184".to_owned(),
        "rpps:10003456786".to_owned(),
    ]
    .into();
    assert!(system.clients_by_ids(&known).await.unwrap().is_empty());
    let world_a = a.financing_world().await.unwrap();
    assert!(world_a.candidatures.iter().all(|c| c.editor == "ed-a"));
    let world_all = system.financing_world().await.unwrap();
    assert!(world_all.candidatures.len() > world_a.candidatures.len());
}

async fn check_fin_03_clients(store: Store, _url: String) {
    loaded(&store).await;
    let system = store.system();
    let who = AuditEntry::new("", "base test");
    let first = system
        .import_clients(
            &[
                fin_client("finess_et:750712184", "Hôpital Étoile"),
                fin_client("siret:73282932000074", "Cabinet Lune"),
            ],
            &who,
        )
        .await
        .unwrap();
    assert_eq!((first.inserted, first.updated), (2, 0));
    let mut changed = fin_client("finess_et:750712184", "Hôpital Étoile du Nord");
    changed.eligibility[0].cap_ht = Money::parse("7000.00").unwrap();
    let second = system.import_clients(&[changed], &who).await.unwrap();
    assert_eq!((second.inserted, second.updated), (0, 1));
    let found = system
        .list_clients(Some("etoile"), Page::new(10, 0))
        .await
        .unwrap();
    assert_eq!(found.total, 1);
    assert_eq!(found.items[0].name, "Hôpital Étoile du Nord");
    assert_eq!(found.items[0].eligibility[0].cap_ht.to_string(), "7000.00");
    assert_eq!(system.all_clients().await.unwrap().len(), 2);
    let audit = system.list_audit(Page::new(500, 0)).await.unwrap();
    assert_eq!(
        audit
            .items
            .iter()
            .filter(|e| e.action == "financing.clients.import")
            .count(),
        2
    );
}

async fn check_fin_world_import(store: Store, _url: String) {
    let mut world = test_world();
    world.clients = vec![fin_client("finess_et:750712184", "Hôpital")];
    let doc = fin_document("ed-a", "DA-9", "BC-9", "1000.00", "1200.00");
    world.orders = vec![doc.order.clone()];
    world.payment_requests = vec![doc.request.clone()];
    world.prestations = vec![Prestation {
        order: "BC-9".into(),
        started_on: Some(d(2026, 5, 3)),
        installed_on: None,
        pv: None,
        va_signed_on: None,
        ended_on: None,
        content: None,
    }];
    let summary = store
        .system()
        .import_world(&world, &accounts())
        .await
        .unwrap();
    assert_eq!(summary.financing_records, 4);
    let a = store.tenant("ed-a");
    assert_eq!(a.list_orders().await.unwrap(), world.orders);
    assert_eq!(a.list_prestations().await.unwrap(), world.prestations);
    assert_eq!(
        a.list_requests().await.unwrap()[0].request,
        world.payment_requests[0]
    );
    assert!(store.tenant("ed-b").list_orders().await.unwrap().is_empty());
    // The base rows an editor's checks read: those of its own orders' clients only.
    assert_eq!(a.clients_of_orders().await.unwrap(), world.clients);
    assert!(
        store
            .tenant("ed-b")
            .clients_of_orders()
            .await
            .unwrap()
            .is_empty()
    );
}

async fn check_pub_01_register(store: Store, _url: String) {
    let mut world = test_world();
    world.obsolete_versions = vec![segur_domain::register::ObsoleteVersion {
        editor: "ed-a".into(),
        software: "MonLogiciel cœur".into(),
        version: "4.0".into(),
        declared_on: d(2026, 1, 2),
    }];
    store
        .system()
        .import_world(&world, &accounts())
        .await
        .unwrap();
    let who = AuditEntry::new("", "");
    let b = store.tenant("ed-b");
    let declared = b
        .declare_obsolete(" Autre ", "2.0 ", d(2026, 3, 1), &who)
        .await
        .unwrap();
    assert_eq!(
        (declared.software.as_str(), declared.version.as_str()),
        ("Autre", "2.0")
    );
    assert!(matches!(
        b.declare_obsolete("Autre", "2.0", d(2026, 3, 2), &who)
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        b.declare_obsolete("", "2.0", d(2026, 3, 2), &who).await,
        Err(StoreError::Invalid(_))
    ));
    let (public, obsolete) = store.system().register_sources().await.unwrap();
    assert_eq!(obsolete.len(), 2);
    assert_eq!(obsolete[0].editor, "ed-a");
    assert_eq!(obsolete[1].declared_on, d(2026, 3, 1));
    assert_eq!(public.referencings.len(), world.referencings.len());
    assert_eq!(public.candidatures.len(), world.candidatures.len());
    assert!(public.editors.iter().any(|e| e.name == "Éditeur A"));
    let entries = segur_domain::register::register(&public, &obsolete);
    assert!(!entries.is_empty());
}

async fn check_session_idle(store: Store, url: String) {
    loaded(&store).await;
    let sys = store.system();
    let (alice, _) = sys
        .find_user_for_login("alice@ed-a")
        .await
        .unwrap()
        .unwrap();
    let (bob, _) = sys.find_user_for_login("bob@ed-b").await.unwrap().unwrap();
    let a1 = sys.create_session(&alice.id, 3600).await.unwrap();
    let a2 = sys.create_session(&alice.id, 3600).await.unwrap();
    let b1 = sys.create_session(&bob.id, 3600).await.unwrap();
    // Used now: alive, and marked seen.
    assert!(sys.session_user_idle(&a1, 1800).await.unwrap().is_some());
    // Unused for an hour: past a 30-minute idle timeout, still within its absolute lifetime.
    let mut raw = sqlx::AnyConnection::connect(&url).await.unwrap();
    sqlx::query("UPDATE sessions SET last_seen_at = last_seen_at - 3600 WHERE last_seen_at > 0")
        .execute(&mut raw)
        .await
        .unwrap();
    raw.close().await.unwrap();
    assert!(sys.session_user_idle(&a1, 1800).await.unwrap().is_none());
    assert!(sys.session_user_idle(&a1, 7200).await.unwrap().is_some());
    // Sign out everywhere: every session of that user only, audited.
    let ended = sys
        .sign_out_everywhere(&alice.id, &AuditEntry::new("", "").by(&alice))
        .await
        .unwrap();
    assert_eq!(ended, 2);
    assert!(sys.session_user(&a2).await.unwrap().is_none());
    assert!(sys.session_user(&b1).await.unwrap().is_some());
    let audit = sys.list_audit(Page::new(10, 0)).await.unwrap();
    assert_eq!(audit.items[0].action, "auth.sign_out_everywhere");
    assert_eq!(
        audit.items[0].actor_user_id.as_deref(),
        Some(alice.id.as_str())
    );
}

async fn check_login_throttle(store: Store, _url: String) {
    let sys = store.system();
    let policy = segur_store::ThrottlePolicy {
        max_failures: 3,
        window_seconds: 60,
        lock_seconds: 120,
    };
    let who = AuditEntry::default();
    let t0 = 1_000_000;
    for i in 0..2 {
        assert_eq!(
            sys.record_login_failure(&[("login:a", policy)], t0 + i, &who)
                .await
                .unwrap(),
            None
        );
    }
    assert_eq!(
        sys.login_locked_for(&["login:a"], t0 + 2).await.unwrap(),
        None
    );
    assert_eq!(
        sys.record_login_failure(&[("login:a", policy), ("ip:1", policy)], t0 + 2, &who)
            .await
            .unwrap(),
        Some(120)
    );
    assert_eq!(
        sys.login_locked_for(&["login:b", "login:a"], t0 + 3)
            .await
            .unwrap(),
        Some(119)
    );
    assert_eq!(sys.login_locked_for(&["ip:1"], t0 + 3).await.unwrap(), None);
    assert_eq!(
        sys.login_locked_for(&["login:a"], t0 + 122).await.unwrap(),
        None
    );
    // Failures spread over more than the window never lock.
    for i in 0..5 {
        assert_eq!(
            sys.record_login_failure(&[("login:c", policy)], t0 + i * 61, &who)
                .await
                .unwrap(),
            None
        );
    }
    sys.clear_login_failures("login:c").await.unwrap();
    let audit = sys.list_audit(Page::new(50, 0)).await.unwrap();
    assert_eq!(
        audit
            .items
            .iter()
            .filter(|e| e.action == "auth.lock")
            .count(),
        1
    );
    assert_eq!(sys.verify_audit_chain().await.unwrap(), None);
}

// ---------------------------------------------------------------------------------------------
// Connection failures (no database needed)
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn unreachable_postgres_is_unavailable_quickly() {
    let started = Instant::now();
    let options = ConnectOptions {
        acquire_timeout: Duration::from_secs(2),
        ..ConnectOptions::default()
    };
    let err = Store::connect_with_options(
        "postgres://segur:hunter2-secret@127.0.0.1:1/segur",
        BlobStore::in_memory(),
        options,
    )
    .await
    .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let StoreError::Unavailable(msg) = &err else {
        panic!("{err:?}")
    };
    assert!(
        msg.contains("impossible d'ouvrir la base PostgreSQL"),
        "{msg}"
    );
    assert!(!msg.contains("hunter2-secret"), "password leaked: {msg}");
    assert!(!err.to_string().contains('\n'), "one line: {err}");
}

#[tokio::test]
async fn sqlite_in_an_unusable_directory_is_unavailable() {
    let file =
        std::env::temp_dir().join(format!("segur-not-a-dir-{}", uuid::Uuid::new_v4().simple()));
    std::fs::write(&file, b"x").unwrap();
    let url = format!("sqlite://{}/segur.db", file.display());
    let err = Store::connect(&url).await.unwrap_err();
    let _ = std::fs::remove_file(&file);
    let StoreError::Unavailable(msg) = &err else {
        panic!("{err:?}")
    };
    assert!(
        msg.starts_with("impossible d'ouvrir la base SQLite "),
        "{msg}"
    );
    assert!(msg.contains("segur.db"), "{msg}");

    // A missing directory is created, like the file.
    let missing =
        std::env::temp_dir().join(format!("segur-missing-{}", uuid::Uuid::new_v4().simple()));
    let store = Store::connect(&format!("sqlite://{}/sub/segur.db", missing.display()))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    store.close().await;
    assert!(missing.join("sub").join("segur.db").is_file());
    let _ = std::fs::remove_dir_all(&missing);

    assert!(matches!(
        Store::connect("mysql://x/y").await,
        Err(StoreError::Invalid(_))
    ));
}

#[tokio::test]
async fn sqlite_file_is_created_in_wal_mode() {
    let dir = std::env::temp_dir().join(format!("segur-wal-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("segur.db").display());
    let store = Store::connect(&url).await.unwrap();
    assert_eq!(store.backend(), Backend::Sqlite);
    store.migrate().await.unwrap();
    assert!(dir.join("segur.db").is_file());
    assert!(
        dir.join("blobs").is_dir(),
        "default blobs beside the database"
    );
    let mut raw = sqlx::AnyConnection::connect(&url).await.unwrap();
    let mode: String = sqlx::Row::get(
        &sqlx::query("PRAGMA journal_mode")
            .fetch_one(&mut raw)
            .await
            .unwrap(),
        0,
    );
    assert_eq!(mode, "wal");
    raw.close().await.unwrap();
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);

    let memory = Store::connect("sqlite::memory:").await.unwrap();
    memory.migrate().await.unwrap();
    assert!(memory.system().is_empty().await.unwrap());
}

#[test]
fn test_urls_switch_database() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("postgres://u:p@h/db?sslmode=disable", "x"),
        "postgres://u:p@h/x?sslmode=disable"
    );
    assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
}

async fn check_oidc_records(store: Store, url: String) {
    loaded(&store).await;
    let sys = store.system();
    // Pending authorization requests: taken once, and not after expiry.
    let pending = segur_store::OidcPending {
        provider: "isc".into(),
        nonce: "n".into(),
        pkce_verifier: "v".into(),
        next_path: "/tableau-de-bord".into(),
    };
    sys.oidc_begin("state-1", &pending, 600).await.unwrap();
    sys.oidc_begin("state-2", &pending, -1).await.unwrap();
    assert_eq!(
        sys.oidc_take_pending("state-1").await.unwrap(),
        Some(pending.clone())
    );
    assert_eq!(sys.oidc_take_pending("state-1").await.unwrap(), None);
    assert_eq!(sys.oidc_take_pending("state-2").await.unwrap(), None);
    assert_eq!(sys.oidc_take_pending("inconnu").await.unwrap(), None);
    assert!(!format!("{pending:?}").contains("\"v\""));

    // Identities: linked by an administrator (audited), one account per identity.
    let (alice, _) = sys
        .find_user_for_login("alice@ed-a")
        .await
        .unwrap()
        .unwrap();
    let (bob, _) = sys.find_user_for_login("bob@ed-b").await.unwrap().unwrap();
    assert_eq!(sys.oidc_identity_user("isc", "alice").await.unwrap(), None);
    sys.link_oidc_identity("isc", "alice", &alice.id, &AuditEntry::new("", ""))
        .await
        .unwrap();
    assert!(matches!(
        sys.link_oidc_identity("isc", "alice", &bob.id, &AuditEntry::new("", ""))
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        sys.oidc_identity_user("isc", "alice")
            .await
            .unwrap()
            .map(|u| u.id),
        Some(alice.id.clone())
    );
    assert_eq!(sys.oidc_identity_user("psc", "alice").await.unwrap(), None);

    // A session opened through a provider: its ID token is returned once at logout, and the
    // record goes with the session.
    let token = sys.create_session(&alice.id, 3600).await.unwrap();
    sys.oidc_record_sign_in(
        &token,
        "isc",
        "alice",
        "id.token.jwt",
        i64::MAX,
        &AuditEntry::new("", "").by(&alice),
    )
    .await
    .unwrap();
    let ended = sys.oidc_end_session(&token).await.unwrap().unwrap();
    assert_eq!(
        (ended.provider.as_str(), ended.id_token.as_str()),
        ("isc", "id.token.jwt")
    );
    assert_eq!(sys.oidc_end_session(&token).await.unwrap(), None);
    let token2 = sys.create_session(&alice.id, 3600).await.unwrap();
    sys.oidc_record_sign_in(
        &token2,
        "isc",
        "alice",
        "t2",
        i64::MAX,
        &AuditEntry::new("", "").by(&alice),
    )
    .await
    .unwrap();
    sys.delete_session(&token2).await.unwrap();
    assert_eq!(sys.oidc_end_session(&token2).await.unwrap(), None);

    // Professional sessions: their own table, never an account session.
    let pro = sys
        .create_pro_session(
            "psc",
            "810001234567",
            "Jeanne Martin",
            "jwt",
            3600,
            &AuditEntry::new("", ""),
        )
        .await
        .unwrap();
    assert_eq!(sys.session_user(&pro).await.unwrap(), None);
    let seen = sys.pro_session(&pro, 1800).await.unwrap().unwrap();
    assert_eq!(seen.subject, "810001234567");
    let mut raw = sqlx::AnyConnection::connect(&url).await.unwrap();
    sqlx::query("UPDATE pro_sessions SET last_seen_at = last_seen_at - 3600")
        .execute(&mut raw)
        .await
        .unwrap();
    raw.close().await.unwrap();
    assert_eq!(
        sys.pro_session(&pro, 1800).await.unwrap(),
        None,
        "idle timeout"
    );
    assert_eq!(
        sys.delete_pro_session(&pro)
            .await
            .unwrap()
            .map(|e| e.provider),
        Some("psc".to_owned())
    );
    assert_eq!(sys.pro_session(&pro, i64::MAX).await.unwrap(), None);

    // Every change above is in the audit chain, which still verifies.
    let audit = sys
        .list_audit(Page {
            limit: 500,
            offset: 0,
        })
        .await
        .unwrap();
    for action in [
        "account.oidc_link",
        "auth.oidc.sign_in",
        "auth.oidc.professional_sign_in",
    ] {
        assert!(audit.items.iter().any(|e| e.action == action), "{action}");
    }
    assert_eq!(sys.verify_audit_chain().await.unwrap(), None);
    assert!(
        sys.orders_for_client("810001234567")
            .await
            .unwrap()
            .is_empty()
    );
}

// ---------------------------------------------------------------------------------------------
// Instruction (issue #6)
// ---------------------------------------------------------------------------------------------

async fn event_kinds(url: &str, organisation: &str) -> Vec<String> {
    use sqlx::Row;
    let mut raw = sqlx::AnyConnection::connect(url).await.unwrap();
    let rows =
        sqlx::query("SELECT kind FROM domain_events WHERE organisation_id = $1 ORDER BY seq")
            .bind(organisation)
            .fetch_all(&mut raw)
            .await
            .unwrap();
    raw.close().await.unwrap();
    rows.iter().map(|r| r.get::<String, _>("kind")).collect()
}

/// The queue counters the store maintained, as raw rows, then a rebuild of them all: both
/// must be the same (`queue_stats` is refreshed in the transaction of every deposit and
/// review; a write path that forgets it fails here). Returns the rows.
async fn queue_stats_match_a_rebuild(
    store: &Store,
    url: &str,
) -> Vec<(
    String,
    i64,
    i64,
    i64,
    Option<String>,
    Option<String>,
    String,
)> {
    use sqlx::Row;
    async fn read(
        url: &str,
    ) -> Vec<(
        String,
        i64,
        i64,
        i64,
        Option<String>,
        Option<String>,
        String,
    )> {
        let mut raw = sqlx::AnyConnection::connect(url).await.unwrap();
        let rows = sqlx::query(
            "SELECT candidature_id, to_review, validated, open_complements, next_due, oldest_request, \
             deadline_key FROM queue_stats ORDER BY candidature_id",
        )
        .fetch_all(&mut raw)
        .await
        .unwrap();
        raw.close().await.unwrap();
        rows.iter()
            .map(|r| {
                (
                    r.get("candidature_id"),
                    r.get("to_review"),
                    r.get("validated"),
                    r.get("open_complements"),
                    r.get("next_due"),
                    r.get("oldest_request"),
                    r.get("deadline_key"),
                )
            })
            .collect()
    }
    let maintained = read(url).await;
    let n = store.system().rebuild_queue_stats().await.unwrap();
    let rebuilt = read(url).await;
    assert_eq!(maintained, rebuilt, "queue_stats drifted from its rebuild");
    assert_eq!(n as usize, rebuilt.len());
    rebuilt
}

/// The queue's two plans (walk the order's index and stop at the page; find the matches and
/// sort them) give the same pages, for every sort and a set of filters, at every offset.
async fn queue_plans_agree(sys: &segur_store::SystemStore) {
    use segur_store::{QueueFilter, QueueSort};
    let filters = [
        QueueFilter::default(),
        QueueFilter {
            with_open_complements: true,
            ..QueueFilter::default()
        },
        QueueFilter {
            assignee: Some(String::new()),
            ..QueueFilter::default()
        },
        QueueFilter {
            q: Some("a".into()),
            ..QueueFilter::default()
        },
        QueueFilter {
            dispositif: Some("MDV-LGC-Va2".into()),
            ..QueueFilter::default()
        },
    ];
    for sort in ["deadline", "editor", "dispositif", "state", "to_review"] {
        let sort = QueueSort::parse(sort).unwrap();
        for filter in &filters {
            for offset in [0, 1, 2, 50] {
                let page = Page::new(2, offset);
                let walked = sys
                    .instruction_queue_walking_above(filter, sort, page, 0)
                    .await
                    .unwrap();
                let sorted = sys
                    .instruction_queue_walking_above(filter, sort, page, i64::MAX)
                    .await
                    .unwrap();
                assert_eq!(walked, sorted, "{sort:?} {filter:?} offset {offset}");
                let total = sys
                    .instruction_counts(filter, d(2026, 1, 1))
                    .await
                    .unwrap()
                    .total;
                assert_eq!(
                    walked.total, total,
                    "{sort:?} {filter:?}: page total = counts total"
                );
            }
        }
    }
}

async fn check_instruction(store: Store, url: String) {
    use segur_domain::decision::{Motivation, NruTemplate, VerificationCode};
    use segur_domain::instruction::ItemDecision;
    use segur_store::{QueueFilter, QueueSort, ReferralInput, Side};

    loaded(&store).await;
    let today = d(2026, 7, 1);
    let a = store.tenant("ed-a");
    let b = store.tenant("ed-b");
    let sys = store.system();
    let audit = AuditEntry::default();
    let key = ProofItemKey {
        requirement: rid("SC.SSI/GEN.01"),
        scenario: 1,
        proof: 1,
    };
    let why = Motivation::parse("Capture illisible.").unwrap();

    // EQV-13 first: withdrawing cand-a1's root NRU tells it (and only it) that its équivalence
    // is lost; a second withdrawal is a conflict.
    let losing = sys
        .withdraw_referencing(&Nru::parse("NRU-VA1-0001").unwrap(), &why, today, &audit)
        .await
        .unwrap();
    assert_eq!(losing, vec!["cand-a1".to_owned()]);
    assert!(matches!(
        sys.withdraw_referencing(&Nru::parse("NRU-VA1-0001").unwrap(), &why, today, &audit)
            .await,
        Err(StoreError::Conflict(_))
    ));
    let refs = sys.list_referencings().await.unwrap();
    assert!(
        refs.iter()
            .any(|(_, r)| r.nru.as_str() == "NRU-VA1-0001"
                && r.status == ReferencingStatus::Withdrawn)
    );
    let kinds = event_kinds(&url, "ed-a").await;
    assert!(
        kinds.contains(&"referencing.withdrawn".to_owned()),
        "{kinds:?}"
    );
    assert!(kinds.contains(&"equivalence.lost".to_owned()), "{kinds:?}");
    assert!(event_kinds(&url, "ed-b").await.is_empty());

    // Decisions only in instruction.
    let err = a
        .decide_item(
            "cand-a2",
            &key,
            ItemDecision::Validate,
            &why,
            None,
            today,
            &audit,
        )
        .await;
    assert!(matches!(err, Err(StoreError::Conflict(_))), "{err:?}");
    // Refer and Refuse never go through a bare transition.
    assert!(matches!(
        a.transition_candidature("cand-a2", CandidatureEvent::Refer, today, &audit)
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        a.transition_candidature("cand-a2", CandidatureEvent::DeclareComplete, today, &audit)
            .await
            .unwrap(),
        CandidatureState::Complete
    );
    assert_eq!(
        a.get_candidature("cand-a2")
            .await
            .unwrap()
            .candidature
            .complete_deposit_on,
        Some(today)
    );
    a.transition_candidature("cand-a2", CandidatureEvent::StartInstruction, today, &audit)
        .await
        .unwrap();

    // Another editor cannot reach it.
    assert_eq!(
        b.decide_item(
            "cand-a2",
            &key,
            ItemDecision::Validate,
            &why,
            None,
            today,
            &audit
        )
        .await,
        Err(StoreError::NotFound)
    );

    // Complement request: status, request date (LIF-06 counts from it), due date, history.
    let r = a
        .decide_item(
            "cand-a2",
            &key,
            ItemDecision::RequestComplement,
            &why,
            Some(d(2026, 7, 6)),
            today,
            &audit,
        )
        .await
        .unwrap();
    assert_eq!(r.kind, "complement_requested");
    assert_eq!(r.author_side, Side::Ans);
    let open = a.open_complements("cand-a2").await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].requested_on, today);
    assert_eq!(open[0].due_on, Some(d(2026, 7, 6)));
    let q = sys
        .instruction_queue(
            &QueueFilter {
                with_open_complements: true,
                ..QueueFilter::default()
            },
            QueueSort::Deadline,
            Page::max(),
        )
        .await
        .unwrap();
    assert_eq!(q.total, 1);
    assert_eq!(q.items[0].candidature_id, "cand-a2");
    assert_eq!(q.items[0].next_due, Some(d(2026, 7, 6)));
    queue_plans_agree(&sys).await;
    let stats = queue_stats_match_a_rebuild(&store, &url).await;
    let a2 = stats.iter().find(|r| r.0 == "cand-a2").unwrap();
    assert_eq!(
        (a2.3, a2.4.as_deref(), a2.5.as_deref()),
        (1, Some("2026-07-06"), Some("2026-07-01"))
    );
    assert_eq!(a2.6, "2026-07-06");
    let counts = sys
        .instruction_counts(&QueueFilter::default(), d(2026, 7, 10))
        .await
        .unwrap();
    assert_eq!(counts.delayed, 1, "{counts:?}");
    // DEP-02 risks: stored, then filtered and counted by the queue; replaced as a whole.
    {
        use segur_domain::rules::Risk;
        assert!(counts.by_risk.is_empty(), "{counts:?}");
        sys.replace_candidature_risks(
            &[
                ("cand-a2".to_owned(), Risk::Eleve),
                ("cand-a1".to_owned(), Risk::SansRisque),
            ],
            today,
        )
        .await
        .unwrap();
        let high = sys
            .instruction_queue(
                &QueueFilter {
                    risk: Some(Risk::Eleve),
                    ..QueueFilter::default()
                },
                QueueSort::Deadline,
                Page::max(),
            )
            .await
            .unwrap();
        let ids: Vec<&str> = high
            .items
            .iter()
            .map(|r| r.candidature_id.as_str())
            .collect();
        assert_eq!(ids, ["cand-a2"]);
        assert_eq!(high.items[0].risk, Some(Risk::Eleve));
        let c = sys
            .instruction_counts(
                &QueueFilter {
                    risk: Some(Risk::Eleve),
                    ..QueueFilter::default()
                },
                d(2026, 7, 10),
            )
            .await
            .unwrap();
        assert_eq!(c.total, 1);
        // The risk facet ignores the risk filter.
        assert!(c.by_risk.contains(&("eleve".to_owned(), 1)), "{c:?}");
        assert!(c.by_risk.contains(&("sans_risque".to_owned(), 1)), "{c:?}");
        sys.replace_candidature_risks(&[("cand-a1".to_owned(), Risk::Modere)], today)
            .await
            .unwrap();
        let c = sys
            .instruction_counts(&QueueFilter::default(), d(2026, 7, 10))
            .await
            .unwrap();
        assert_eq!(c.by_risk, [("modere".to_owned(), 1)], "{c:?}");
    }
    // Deciding again while the editor's answer is awaited: conflict.
    assert!(matches!(
        a.decide_item(
            "cand-a2",
            &key,
            ItemDecision::Validate,
            &why,
            None,
            today,
            &audit
        )
        .await,
        Err(StoreError::Conflict(_))
    ));

    // The answer puts the item back to review and closes the request.
    let answer = Motivation::parse("Nouvelle capture déposée.").unwrap();
    a.answer_item("cand-a2", &key, &answer, d(2026, 7, 3), &audit)
        .await
        .unwrap();
    assert!(a.open_complements("cand-a2").await.unwrap().is_empty());
    assert!(matches!(
        a.answer_item("cand-a2", &key, &answer, d(2026, 7, 3), &audit)
            .await,
        Err(StoreError::Conflict(_))
    ));
    a.decide_item(
        "cand-a2",
        &key,
        ItemDecision::Validate,
        &why,
        None,
        today,
        &audit,
    )
    .await
    .unwrap();
    let reviews = a.list_reviews("cand-a2").await.unwrap();
    let kinds: Vec<&str> = reviews.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(kinds, ["complement_requested", "answered", "validated"]);
    let stats = queue_stats_match_a_rebuild(&store, &url).await;
    let a2 = stats.iter().find(|r| r.0 == "cand-a2").unwrap();
    assert_eq!(
        (a2.3, a2.4.as_deref(), a2.6.as_str()),
        (0, None, "9999-12-31")
    );
    queue_plans_agree(&sys).await;
    assert_eq!(b.list_reviews("cand-a2").await, Err(StoreError::NotFound));

    // Thread.
    a.post_message("cand-a2", Side::Editor, &answer, None, &audit)
        .await
        .unwrap();
    assert!(matches!(
        a.post_message(
            "cand-a2",
            Side::Editor,
            &answer,
            Some("pas-un-fichier"),
            &audit
        )
        .await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(a.list_messages("cand-a2").await.unwrap().len(), 1);
    assert_eq!(b.list_messages("cand-a2").await, Err(StoreError::NotFound));

    // Referral: NRU from the template's counter, attestation stored with its PDF blob.
    let template = NruTemplate::default();
    let input = |n: u8| ReferralInput {
        template: &template,
        today,
        code: VerificationCode::from_bytes([n; 10]),
        public_url: "https://segur.example.fr",
        note: None,
    };
    let att = a
        .refer_candidature(
            "cand-a2",
            &input(1),
            |_| Ok(b"%PDF-1.7 test".to_vec()),
            &audit,
        )
        .await
        .unwrap();
    assert_eq!(att.nru.as_str(), "MDV-LGC-VA2-2026-00001");
    assert_eq!(att.content.names.len(), 2);
    let c = a.get_candidature("cand-a2").await.unwrap();
    assert_eq!(c.candidature.state, CandidatureState::Referenced);
    assert_eq!(c.candidature.obtained_nru, Some(att.nru.clone()));
    let by_code = sys.attestation_by_code(&att.code).await.unwrap().unwrap();
    assert_eq!(by_code.nru, att.nru);
    let by_pdf = sys
        .attestation_by_pdf(&att.pdf_sha256)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_pdf.candidature_id, "cand-a2");
    assert_eq!(
        store.blobs().get("ed-a", &att.pdf_sha256).await.unwrap(),
        b"%PDF-1.7 test"
    );
    assert!(
        sys.list_referencings()
            .await
            .unwrap()
            .iter()
            .any(|(org, r)| org == "ed-a"
                && r.nru == att.nru
                && r.status == ReferencingStatus::Active)
    );
    // Once referred, never again.
    assert!(matches!(
        a.refer_candidature("cand-a2", &input(2), |_| Ok(vec![]), &audit)
            .await,
        Err(StoreError::Conflict(_))
    ));

    // cand-b1 through instruction: a failed rendering rolls everything back (state, counter),
    // then the referral takes the next number, 00002, whoever the editor.
    b.transition_candidature("cand-b1", CandidatureEvent::DeclareComplete, today, &audit)
        .await
        .unwrap();
    b.transition_candidature("cand-b1", CandidatureEvent::StartInstruction, today, &audit)
        .await
        .unwrap();
    assert!(
        b.refer_candidature("cand-b1", &input(3), |_| Err("boom".into()), &audit)
            .await
            .is_err()
    );
    assert_eq!(
        b.get_candidature("cand-b1")
            .await
            .unwrap()
            .candidature
            .state,
        CandidatureState::InInstruction
    );
    let att_b = b
        .refer_candidature("cand-b1", &input(4), |_| Ok(b"%PDF b".to_vec()), &audit)
        .await
        .unwrap();
    assert_eq!(att_b.nru.as_str(), "MDV-LGC-VA2-2026-00002");
    // The blob is the organisation's own.
    assert!(store.blobs().get("ed-a", &att_b.pdf_sha256).await.is_err());
    assert!(a.attestation("cand-b1").await.unwrap().is_none());

    // Withdrawal of the new referencing marks its attestation.
    sys.withdraw_referencing(&att.nru, &why, d(2026, 8, 1), &audit)
        .await
        .unwrap();
    let w = sys.attestation_by_code(&att.code).await.unwrap().unwrap();
    assert!(w.withdrawn_at.is_some());
    assert_eq!(
        w.withdrawal_motivation.as_deref(),
        Some("Capture illisible.")
    );
    let decisions = a.list_decisions("cand-a2").await.unwrap();
    let dk: Vec<&str> = decisions.iter().map(|d| d.kind.as_str()).collect();
    assert_eq!(dk, ["referred", "withdrawn"]);

    // Refusal.
    a.transition_candidature("cand-a1", CandidatureEvent::DeclareComplete, today, &audit)
        .await
        .unwrap();
    a.transition_candidature("cand-a1", CandidatureEvent::StartInstruction, today, &audit)
        .await
        .unwrap();
    assert_eq!(
        a.refuse_candidature("cand-a1", &why, today, &audit)
            .await
            .unwrap(),
        CandidatureState::Refused
    );
    assert_eq!(sys.verify_audit_chain().await.unwrap(), None);
}

// ---------------------------------------------------------------------------------------------
// Notifications
// ---------------------------------------------------------------------------------------------

async fn check_notifications(store: Store, _url: String) {
    use segur_domain::events::{DomainEvent, EventKind};
    use segur_domain::notify::{
        Deadline, DeadlineKind, EmailMode, Language, Preferences, ReminderPolicy, reminders_due,
    };
    use segur_store::{EmailOutcome, EmailStatus};

    loaded(&store).await;
    let sys = store.system();
    let user = |login: &'static str| {
        let sys = sys.clone();
        async move { sys.find_user_for_login(login).await.unwrap().unwrap().0 }
    };
    let alice = user("alice@ed-a").await;
    let bob = user("bob@ed-b").await;
    let irene = user("irene@ans").await;
    let now = 1_800_000_000;

    // An ANS decision tells the editor's people; the editor's answer tells the ANS agents.
    sys.append_domain_event_for_tests(
        &DomainEvent::new(EventKind::ProofRejected, "ed-a")
            .candidature("cand-a1")
            .detail("Capture illisible."),
    )
    .await
    .unwrap();
    sys.append_domain_event_for_tests(
        &DomainEvent::new(EventKind::ComplementAnswered, "ed-a").candidature("cand-a1"),
    )
    .await
    .unwrap();
    assert_eq!(sys.fan_out_notifications(now, 500).await.unwrap(), 2);
    assert_eq!(
        sys.fan_out_notifications(now, 500).await.unwrap(),
        0,
        "never twice"
    );
    let a = store.inbox(&alice.id);
    let listed = a.list(Page::max(), false).await.unwrap();
    assert_eq!(listed.total, 1);
    let n = &listed.items[0];
    assert_eq!(n.kind, "proof.rejected");
    assert!(n.subject.contains("Preuve refusée"), "{}", n.subject);
    assert!(n.body.contains("Capture illisible."));
    assert_eq!(n.email_status, EmailStatus::Pending);
    assert_eq!(n.link.as_deref(), Some("/candidatures/cand-a1/instruction"));
    assert_eq!(
        store
            .inbox(&bob.id)
            .list(Page::max(), false)
            .await
            .unwrap()
            .total,
        0
    );
    let i = store
        .inbox(&irene.id)
        .list(Page::max(), false)
        .await
        .unwrap();
    assert_eq!(
        i.items.iter().map(|n| n.kind.as_str()).collect::<Vec<_>>(),
        ["complement.answered"]
    );

    // Read marks: one's own only, audited.
    let audit = AuditEntry::default().by(&bob);
    assert!(matches!(
        store.inbox(&bob.id).mark_read(&n.id, &audit).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(a.unread_count().await.unwrap(), 1);
    a.mark_read(&n.id, &AuditEntry::default().by(&alice))
        .await
        .unwrap();
    a.mark_read(&n.id, &AuditEntry::default().by(&alice))
        .await
        .unwrap();
    assert_eq!(a.unread_count().await.unwrap(), 0);
    assert_eq!(a.list(Page::max(), true).await.unwrap().total, 0);

    // E-mails: claimed once (leased), retried, then failed.
    let due = sys.claim_due_emails(now, now + 120, 50).await.unwrap();
    let ids: Vec<&str> = due.iter().map(|e| e.to.as_str()).collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(
        sys.claim_due_emails(now, now + 120, 50)
            .await
            .unwrap()
            .is_empty()
    );
    let alice_mail = due.iter().find(|e| e.to == "alice@ed-a").unwrap();
    sys.record_email_attempt(
        &alice_mail.id,
        &EmailOutcome {
            sent: true,
            error: None,
            retry_at: None,
        },
    )
    .await
    .unwrap();
    let irene_mail = due.iter().find(|e| e.to == "irene@ans").unwrap();
    sys.record_email_attempt(
        &irene_mail.id,
        &EmailOutcome {
            sent: false,
            error: Some("refusé".into()),
            retry_at: Some(now + 60),
        },
    )
    .await
    .unwrap();
    let again = sys
        .claim_due_emails(now + 200, now + 300, 50)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 1);
    sys.record_email_attempt(
        &again[0].id,
        &EmailOutcome {
            sent: false,
            error: Some("refusé".into()),
            retry_at: None,
        },
    )
    .await
    .unwrap();
    let counts = sys.email_counts().await.unwrap();
    assert!(counts.contains(&(EmailStatus::Failed, 1)), "{counts:?}");
    assert!(counts.contains(&(EmailStatus::Sent, 1)), "{counts:?}");

    // Preferences: an English daily digest, once a day.
    a.set_preferences(
        Preferences {
            email_mode: EmailMode::DailyDigest,
            language: Language::En,
        },
        &AuditEntry::default().by(&alice),
    )
    .await
    .unwrap();
    assert_eq!(a.preferences().await.unwrap().language, Language::En);
    sys.append_domain_event_for_tests(
        &DomainEvent::new(EventKind::ComplementRequested, "ed-a").candidature("cand-a2"),
    )
    .await
    .unwrap();
    assert_eq!(sys.fan_out_notifications(now, 500).await.unwrap(), 1);
    let newest = &a.list(Page::max(), false).await.unwrap().items[0];
    assert_eq!(newest.email_status, EmailStatus::Digest);
    assert!(
        newest.subject.contains("Complement requested"),
        "{}",
        newest.subject
    );
    let day = d(2027, 1, 15);
    let batches = sys.digests_due(day, 10).await.unwrap();
    assert_eq!(batches.len(), 1);
    assert_eq!(batches[0].to, "alice@ed-a");
    assert_eq!(batches[0].language, Language::En);
    sys.record_digest_sent(&batches[0], day).await.unwrap();
    assert!(matches!(
        sys.record_digest_sent(&batches[0], day).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(sys.digests_due(day, 10).await.unwrap().is_empty());

    // Reminders: once per person and step; to the editor's people only.
    let deadline = Deadline {
        kind: DeadlineKind::CompleteDeposit,
        organisation_id: "ed-a".into(),
        candidature_id: "cand-a1".into(),
        proof_item: None,
        due_on: d(2027, 1, 20),
        announced_on: None,
    };
    let due = reminders_due(d(2027, 1, 13), &[deadline], &ReminderPolicy::default());
    assert_eq!(sys.record_reminders(&due, now).await.unwrap(), 1);
    assert_eq!(sys.record_reminders(&due, now).await.unwrap(), 0);
    assert_eq!(
        store
            .inbox(&bob.id)
            .list(Page::max(), false)
            .await
            .unwrap()
            .total,
        0
    );
    let sources = sys.notification_deadlines().await.unwrap();
    assert!(
        sources
            .awaiting_complete_deposit
            .iter()
            .all(|(org, _, _)| org == "ed-a" || org == "ed-b")
    );
}

on_every_backend! {
    notifications_fan_out_once_per_person_with_digests_retries_and_reminders => check_notifications;
}
