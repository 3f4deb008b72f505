//! Instruction queue and monitoring benchmarks at 50,000 candidatures (docs/benchmarks.md):
//! the first page of the ANS queue (default sort and filtered), its facet counts, and the
//! store queries behind the monitoring report. Target: each queue page and counts call under
//! 50 ms on SQLite.
//!
//! The database is a temporary SQLite file (and a fresh PostgreSQL database when
//! `BENCH_POSTGRES_URL` or `SEGUR_TEST_POSTGRES_URL` is set) built with the store's
//! migrations and the demo world (crates/segur/demo), then filled with plain SQL in a few
//! big transactions: 50 editors, 50,000 candidatures over the four dispositifs that have a
//! REM, 20 to 40 proof deposits each, review rows and decision events for the decided items,
//! ANS assignments. Rows have the columns and the JSON `data` shape the store writes
//! (`import_world`). Generation time is not measured. `BENCH_KEEP_DB=1` keeps the databases
//! (for `EXPLAIN QUERY PLAN`; the SQLite file is `$TMPDIR/segur-bench-queue/segur.db`);
//! `BENCH_REUSE_DB=1` keeps them and reuses them on the next run, applying new migrations.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::civil::{Date, date};
use segur_domain::candidature::CandidatureState;
use segur_domain::catalogue::{Profile, ProofItemKey, RequirementId};
use segur_domain::events::{DomainEvent, EventKind};
use segur_domain::world::WorldCandidature;
use segur_domain::world_file::{self, Format, LoadedWorld};
use segur_store::{DUMMY_PASSWORD_HASH, Page, QueueFilter, QueueSort, Store};
use sqlx::{AnyConnection, Connection, Row};

const CANDIDATURES: usize = 50_000;
const EDITORS: usize = 50;
const AGENTS: usize = 5;
/// Candidatures per transaction while generating.
const CHUNK: usize = 5_000;
const TODAY: Date = date(2026, 12, 7);
const NOW: &str = "2026-12-07T09:00:00Z";

fn demo_world() -> LoadedWorld {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../segur/demo");
    let text = std::fs::read_to_string(dir.join("world.toml")).unwrap();
    let resolve =
        move |rel: &str| std::fs::read_to_string(dir.join(rel)).map_err(|e| e.to_string());
    world_file::load(&text, Format::Toml, "world.toml", &resolve).unwrap()
}

/// A value bound in a multi-row INSERT.
enum V {
    S(String),
    O(Option<String>),
    I(i64),
}

/// Rows of one table, written as multi-row INSERTs of at most ~30,000 bound values (under
/// SQLite's and PostgreSQL's limits). Tables are flushed parents first (foreign keys).
struct Inserter {
    table: &'static str,
    cols: &'static [&'static str],
    values: Vec<V>,
}

impl Inserter {
    fn new(table: &'static str, cols: &'static [&'static str]) -> Self {
        Self {
            table,
            cols,
            values: Vec::new(),
        }
    }

    fn push(&mut self, row: Vec<V>) {
        assert_eq!(row.len(), self.cols.len());
        self.values.extend(row);
    }

    /// Whether another candidature's rows (at most 64 per table) might not fit.
    fn full(&self) -> bool {
        self.values.len() + 64 * self.cols.len() > 30_000
    }

    async fn flush(&mut self, conn: &mut AnyConnection) {
        if self.values.is_empty() {
            return;
        }
        let width = self.cols.len();
        let rows = self.values.len() / width;
        let mut sql = format!(
            "INSERT INTO {} ({}) VALUES ",
            self.table,
            self.cols.join(", ")
        );
        for r in 0..rows {
            if r > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for c in 0..width {
                if c > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("${}", r * width + c + 1));
            }
            sql.push(')');
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for v in self.values.drain(..) {
            q = match v {
                V::S(s) => q.bind(s),
                V::O(s) => q.bind(s),
                V::I(i) => q.bind(i),
            };
        }
        q.execute(&mut *conn).await.unwrap();
    }
}

fn s(v: impl Into<String>) -> V {
    V::S(v.into())
}

/// The candidature state of the i-th generated candidature: 5 % drafts (outside the queue),
/// 35 % in instruction, the rest spread over the other states.
fn state_of(i: usize) -> CandidatureState {
    use CandidatureState::*;
    match i % 20 {
        0 => Draft,
        1 => AdminSubmitted,
        2 => EligibilityComplete,
        3..=6 => ProofsInProgress,
        7 | 8 => Complete,
        9..=15 => InInstruction,
        16 | 17 => Referenced,
        18 => Refused,
        _ => Abandoned,
    }
}

/// Status of the j-th deposit of the i-th candidature.
fn status_of(state: CandidatureState, i: usize, j: usize) -> &'static str {
    use CandidatureState::*;
    match state {
        Draft | AdminSubmitted | EligibilityComplete => "to_deposit",
        ProofsInProgress | Abandoned => {
            if j.is_multiple_of(3) {
                "to_deposit"
            } else {
                "deposited"
            }
        }
        Complete => "deposited",
        // A third of the candidatures in instruction have open complement requests.
        InInstruction => match j % 10 {
            0..=2 => "deposited",
            3 => "under_review",
            4..=7 => "validated",
            8 if i.is_multiple_of(3) => "complement_requested",
            8 => "validated",
            _ => "rejected",
        },
        Referenced => "validated",
        Refused => {
            if j.is_multiple_of(4) {
                "rejected"
            } else {
                "validated"
            }
        }
    }
}

fn day(base: Date, days: i64) -> Date {
    base.checked_add(jiff::Span::new().days(days)).unwrap()
}

struct Item {
    requirement: RequirementId,
    scenario: i64,
    proof: i64,
    profile: String,
}

async fn generate(store: &Store, url: &str) {
    let started = Instant::now();
    store.migrate().await.unwrap();
    let loaded = demo_world();
    store
        .system()
        .import_world(&loaded.world, &[])
        .await
        .unwrap();
    let mut conn = AnyConnection::connect(url).await.unwrap();

    // Catalogue items per REM version.
    let rows = sqlx::query(
        "SELECT dispositif, rem_version, requirement_id, scenario, proof, profile FROM proof_items \
         ORDER BY dispositif, rem_version, position",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut items: BTreeMap<(String, String), Vec<Item>> = BTreeMap::new();
    for r in &rows {
        items
            .entry((r.get("dispositif"), r.get("rem_version")))
            .or_default()
            .push(Item {
                requirement: RequirementId::parse(&r.get::<String, _>("requirement_id")).unwrap(),
                scenario: r.get("scenario"),
                proof: r.get("proof"),
                profile: r.get("profile"),
            });
    }
    // One template candidature per dispositif that has a REM.
    let mut templates: Vec<&WorldCandidature> = Vec::new();
    for c in &loaded.world.candidatures {
        let key = (
            c.candidature.dispositif.as_str().to_owned(),
            c.candidature.rem_version.clone(),
        );
        if items.contains_key(&key)
            && !templates
                .iter()
                .any(|t| t.candidature.dispositif == c.candidature.dispositif)
        {
            templates.push(c);
        }
    }
    assert!(templates.len() >= 3, "{} templates", templates.len());

    let mut tx = conn.begin().await.unwrap();
    let mut editors: Vec<String> = loaded.world.editors.iter().map(|e| e.id.clone()).collect();
    let mut orgs = Inserter::new(
        "organisations",
        &["id", "kind", "name", "position", "created_at"],
    );
    for k in editors.len()..EDITORS {
        let id = format!("ed-bench-{k:02}");
        orgs.push(vec![
            s(&id),
            s("editor"),
            s(format!("Éditeur de banc {k:02}")),
            V::I(100 + k as i64),
            s(NOW),
        ]);
        editors.push(id);
    }
    orgs.flush(&mut tx).await;
    let mut users = Inserter::new(
        "users",
        &[
            "id",
            "login",
            "display_name",
            "role",
            "organisation_id",
            "password_hash",
            "created_at",
        ],
    );
    for a in 0..AGENTS {
        users.push(vec![
            s(format!("agent-{a}")),
            s(format!("agent{a}.bench@ans.example")),
            s(format!("Agent instructeur {a}")),
            s("ans_instructeur"),
            s("ans"),
            s(DUMMY_PASSWORD_HASH),
            s(NOW),
        ]);
    }
    users.flush(&mut tx).await;
    tx.commit().await.unwrap();

    let mut cands = Inserter::new(
        "candidatures",
        &[
            "id",
            "organisation_id",
            "dispositif",
            "state",
            "rem_version",
            "title",
            "position",
            "data",
        ],
    );
    let mut profiles = Inserter::new("candidature_profiles", &["candidature_id", "profile"]);
    let mut deposits = Inserter::new(
        "proof_deposits",
        &[
            "organisation_id",
            "candidature_id",
            "requirement_id",
            "scenario",
            "proof",
            "status",
            "deposited_on",
            "position",
            "updated_at",
        ],
    );
    let mut reviews = Inserter::new(
        "proof_reviews",
        &[
            "id",
            "organisation_id",
            "candidature_id",
            "requirement_id",
            "scenario",
            "proof",
            "kind",
            "motivation",
            "due_on",
            "author_user_id",
            "author_side",
            "created_at",
        ],
    );
    let mut events = Inserter::new(
        "domain_events",
        &[
            "seq",
            "at",
            "organisation_id",
            "candidature_id",
            "kind",
            "data",
        ],
    );
    let mut assignments = Inserter::new(
        "instruction_assignments",
        &[
            "candidature_id",
            "organisation_id",
            "assignee_user_id",
            "assigned_by",
            "assigned_at",
        ],
    );
    // Above the audit head: these events have no audit row (nothing here reads the chain).
    let mut seq: i64 = 1_000_000;
    let (mut n_deposits, mut n_reviews) = (0usize, 0usize);
    let base = date(2026, 1, 5);
    for chunk in 0..CANDIDATURES.div_ceil(CHUNK) {
        let mut tx = conn.begin().await.unwrap();
        for i in chunk * CHUNK..((chunk + 1) * CHUNK).min(CANDIDATURES) {
            let t = templates[i % templates.len()];
            let editor = &editors[(i / templates.len()) % EDITORS];
            let state = state_of(i / (templates.len() * EDITORS) + i);
            let id = format!("bench-{i:05}");
            let mut c = WorldCandidature {
                id: id.clone(),
                editor: editor.clone(),
                deposits: Vec::new(),
                ..t.clone()
            };
            c.candidature.state = state;
            let title = match c.candidature.solution.names.first_mut() {
                Some(n) => {
                    n.name = format!("{} {i:05}", n.name);
                    c.candidature
                        .solution
                        .names
                        .iter()
                        .map(|n| n.name.as_str())
                        .collect::<Vec<_>>()
                        .join(" / ")
                }
                None => {
                    c.candidature.solution.principal.name =
                        format!("{} {i:05}", c.candidature.solution.principal.name);
                    c.candidature.solution.principal.name.clone()
                }
            };
            cands.push(vec![
                s(&id),
                s(editor),
                s(c.candidature.dispositif.as_str()),
                s(state.as_str()),
                s(&c.candidature.rem_version),
                s(title),
                V::I(1_000 + i as i64),
                s(serde_json::to_string(&c).unwrap()),
            ]);
            let applicable: Vec<String> = c
                .candidature
                .applicable_profiles()
                .iter()
                .map(|p| p.as_str().to_owned())
                .collect();
            for p in applicable.iter().filter(|p| *p != Profile::GENERAL) {
                profiles.push(vec![s(&id), s(p)]);
            }
            let catalogue: Vec<&Item> = items[&(
                c.candidature.dispositif.as_str().to_owned(),
                c.candidature.rem_version.clone(),
            )]
                .iter()
                .filter(|it| applicable.contains(&it.profile))
                .collect();
            let n = (20 + (i * 7) % 21).min(catalogue.len());
            let start = (i * 13) % catalogue.len();
            for j in 0..n {
                let it = catalogue[(start + j) % catalogue.len()];
                let status = status_of(state, i, j);
                let on =
                    (status != "to_deposit").then(|| day(base, ((i * 37 + j * 3) % 330) as i64));
                deposits.push(vec![
                    s(editor),
                    s(&id),
                    s(it.requirement.as_str()),
                    V::I(it.scenario),
                    V::I(it.proof),
                    s(status),
                    V::O(on.map(|d| d.to_string())),
                    V::I(j as i64),
                    s(NOW),
                ]);
                n_deposits += 1;
                let kind = match status {
                    "validated" => EventKind::ProofValidated,
                    "rejected" => EventKind::ProofRejected,
                    "complement_requested" => EventKind::ComplementRequested,
                    _ => continue,
                };
                let on = on.unwrap();
                // A complement request's date is the deposit's `deposited_on` (LIF-06).
                let (decided, due) = if status == "complement_requested" {
                    (on, Some(day(on, 15)))
                } else {
                    (day(on, 2), None)
                };
                let at = format!("{decided}T10:00:00Z");
                let agent = format!("agent-{}", i % AGENTS);
                reviews.push(vec![
                    s(format!("rv-{i:05}-{j:02}")),
                    s(editor),
                    s(&id),
                    s(it.requirement.as_str()),
                    V::I(it.scenario),
                    V::I(it.proof),
                    s(status),
                    s("Motivation de la décision (banc d'essai)."),
                    V::O(due.map(|d| d.to_string())),
                    s(&agent),
                    s("ans"),
                    s(&at),
                ]);
                n_reviews += 1;
                let mut event = DomainEvent::new(kind, editor)
                    .candidature(&id)
                    .detail("Motivation de la décision (banc d'essai).");
                event.proof_item = Some(ProofItemKey {
                    requirement: it.requirement.clone(),
                    scenario: u16::try_from(it.scenario).unwrap(),
                    proof: u16::try_from(it.proof).unwrap(),
                });
                event.due_on = due;
                seq += 1;
                events.push(vec![
                    V::I(seq),
                    s(at),
                    s(editor),
                    s(&id),
                    s(kind.as_str()),
                    s(serde_json::to_string(&event).unwrap()),
                ]);
            }
            let assignable = matches!(
                state,
                CandidatureState::Complete | CandidatureState::InInstruction
            );
            if assignable && i % 5 != 0 {
                assignments.push(vec![
                    s(&id),
                    s(editor),
                    s(format!("agent-{}", i % AGENTS)),
                    s("agent-0"),
                    s(NOW),
                ]);
            }
            let all = [
                &mut cands,
                &mut profiles,
                &mut deposits,
                &mut reviews,
                &mut events,
                &mut assignments,
            ];
            if all.iter().any(|ins| ins.full()) {
                for ins in all {
                    ins.flush(&mut tx).await;
                }
            }
        }
        for ins in [
            &mut cands,
            &mut profiles,
            &mut deposits,
            &mut reviews,
            &mut events,
            &mut assignments,
        ] {
            ins.flush(&mut tx).await;
        }
        tx.commit().await.unwrap();
    }
    // The rows were written around the store: its precomputed queue counters are rebuilt, as
    // after any bulk load.
    let rebuilt = store.system().rebuild_queue_stats().await.unwrap();
    eprintln!("queue counters rebuilt for {rebuilt} candidatures");
    classify_risks(&mut conn).await;
    // Fresh statistics for the planners, as after a real load.
    match store.backend() {
        segur_store::Backend::Sqlite => sqlx::query("ANALYZE").execute(&mut conn).await,
        segur_store::Backend::Postgres => sqlx::query("VACUUM ANALYZE").execute(&mut conn).await,
    }
    .unwrap();
    conn.close().await.unwrap();
    eprintln!(
        "generated {CANDIDATURES} candidatures, {EDITORS} editors, {n_deposits} deposits, \
         {n_reviews} reviews and decision events in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

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

fn run_queries(c: &mut Criterion, rt: &tokio::runtime::Runtime, label: &str, store: &Store) {
    let system = store.system();
    let first = Page::new(Page::DEFAULT_LIMIT, 0);
    let delayed_before = date(2026, 11, 30);
    let filters: Vec<(&str, QueueFilter, QueueSort)> = vec![
        ("default", QueueFilter::default(), QueueSort::Deadline),
        (
            "dispositif",
            QueueFilter {
                dispositif: Some("MS-Va2".into()),
                ..Default::default()
            },
            QueueSort::Deadline,
        ),
        (
            "state_in_instruction",
            QueueFilter {
                state: Some(CandidatureState::InInstruction),
                ..Default::default()
            },
            QueueSort::Deadline,
        ),
        (
            "assignee",
            QueueFilter {
                assignee: Some("agent-1".into()),
                ..Default::default()
            },
            QueueSort::Deadline,
        ),
        (
            "unassigned",
            QueueFilter {
                assignee: Some(String::new()),
                ..Default::default()
            },
            QueueSort::Deadline,
        ),
        (
            "open_complements",
            QueueFilter {
                with_open_complements: true,
                ..Default::default()
            },
            QueueSort::Deadline,
        ),
        (
            "search_editor",
            QueueFilter {
                q: Some("banc 07".into()),
                ..Default::default()
            },
            QueueSort::Deadline,
        ),
        (
            "delayed",
            QueueFilter {
                delayed_before: Some(delayed_before),
                ..Default::default()
            },
            QueueSort::Deadline,
        ),
        ("sort_editor", QueueFilter::default(), QueueSort::Editor),
        (
            "sort_to_review",
            QueueFilter::default(),
            QueueSort::ToReview,
        ),
    ];
    let mut group = c.benchmark_group(format!("{label}/queue_page"));
    for (name, filter, sort) in &filters {
        let page = rt
            .block_on(system.instruction_queue(filter, *sort, first))
            .unwrap();
        eprintln!("{label} queue {name}: {} matching", page.total);
        group.bench_function(*name, |b| {
            b.iter(|| {
                rt.block_on(system.instruction_queue(black_box(filter), *sort, first))
                    .unwrap()
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group(format!("{label}/queue_counts"));
    for (name, filter, _) in filters.iter().filter(|(n, _, _)| {
        matches!(
            *n,
            "default" | "dispositif" | "assignee" | "open_complements"
        )
    }) {
        group.bench_function(*name, |b| {
            b.iter(|| {
                rt.block_on(system.instruction_counts(black_box(filter), delayed_before))
                    .unwrap()
            })
        });
    }
    group.finish();

    let checkpoints: BTreeMap<String, Date> =
        ["MDV-LGC-Va2", "SDV-PSF-Va2", "MS-Va2", "HOP-DPI-Va2"]
            .into_iter()
            .map(|d| (d.to_owned(), date(2026, 6, 30)))
            .collect();
    let since = date(2026, 1, 1);
    let window = day(TODAY, -26 * 7);
    let mut group = c.benchmark_group(format!("{label}/monitoring"));
    group.bench_function("monitoring_counts", |b| {
        b.iter(|| {
            rt.block_on(system.monitoring_counts(black_box(&checkpoints)))
                .unwrap()
        })
    });
    group.bench_function("monthly_deposits", |b| {
        b.iter(|| {
            rt.block_on(system.monthly_deposits(black_box(since)))
                .unwrap()
        })
    });
    group.bench_function("daily_deposits", |b| {
        b.iter(|| rt.block_on(system.daily_deposits()).unwrap())
    });
    group.bench_function("daily_decisions", |b| {
        b.iter(|| rt.block_on(system.daily_decisions()).unwrap())
    });
    group.bench_function("decisions_since", |b| {
        b.iter(|| {
            rt.block_on(system.decisions_since(black_box(window)))
                .unwrap()
        })
    });
    group.finish();
}

/// Whether the database already holds the generated data (`BENCH_REUSE_DB`): pending
/// migrations (a new index) are applied and the statistics refreshed instead of generating.
async fn reuse(store: &Store, url: &str) -> bool {
    if std::env::var_os("BENCH_REUSE_DB").is_none() {
        return false;
    }
    let Ok(mut conn) = AnyConnection::connect(url).await else {
        return false;
    };
    let n: i64 = match sqlx::query("SELECT COUNT(*) AS n FROM candidatures WHERE id LIKE 'bench-%'")
        .fetch_one(&mut conn)
        .await
    {
        Ok(row) => row.get("n"),
        Err(_) => return false,
    };
    if n != CANDIDATURES as i64 {
        return false;
    }
    store.migrate().await.unwrap();
    classify_risks(&mut conn).await;
    sqlx::query("ANALYZE").execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    eprintln!("reusing the generated database ({n} candidatures)");
    true
}

/// DEP-02 risks as the server's worker stores them (`candidature_risks`), for every
/// candidature outside the drafts, spread over the three classes; only when there are none
/// (a database generated before the risks existed).
async fn classify_risks(conn: &mut AnyConnection) {
    let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM candidature_risks")
        .fetch_one(&mut *conn)
        .await
        .unwrap()
        .get("n");
    if n > 0 {
        return;
    }
    sqlx::query(
        "INSERT INTO candidature_risks (candidature_id, risk, computed_on) \
         SELECT id, CASE CAST(SUBSTR(id, LENGTH(id), 1) AS INTEGER) % 3 WHEN 0 THEN 'eleve' \
         WHEN 1 THEN 'modere' ELSE 'sans_risque' END, '2026-12-01' FROM candidatures \
         WHERE state <> 'draft' AND id LIKE 'bench-%'",
    )
    .execute(&mut *conn)
    .await
    .unwrap();
}

fn keep() -> bool {
    std::env::var_os("BENCH_KEEP_DB").is_some() || std::env::var_os("BENCH_REUSE_DB").is_some()
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();

    let dir: PathBuf = std::env::temp_dir().join("segur-bench-queue");
    let path = dir.join("segur.db");
    let url = format!("sqlite://{}", path.display());
    let store = rt.block_on(async {
        if path.exists() {
            let store = Store::connect(&url).await.unwrap();
            if reuse(&store, &url).await {
                return store;
            }
            drop(store);
        }
        std::fs::remove_dir_all(&dir).ok();
        std::fs::create_dir_all(&dir).unwrap();
        let store = Store::connect(&url).await.unwrap();
        generate(&store, &url).await;
        store
    });
    run_queries(c, &rt, "sqlite", &store);
    drop(store);
    if keep() {
        eprintln!("SQLite database kept: {}", path.display());
    } else {
        std::fs::remove_dir_all(&dir).ok();
    }

    let pg = std::env::var("BENCH_POSTGRES_URL")
        .or_else(|_| std::env::var("SEGUR_TEST_POSTGRES_URL"))
        .ok()
        .filter(|u| !u.is_empty());
    if let Some(admin_url) = pg {
        let name = "segur_bench_queue";
        let url = with_database(&admin_url, name);
        let store = rt.block_on(async {
            sqlx::any::install_default_drivers();
            if let Ok(store) = Store::connect(&url).await {
                if reuse(&store, &url).await {
                    return store;
                }
                drop(store);
            }
            let mut admin = AnyConnection::connect(&admin_url).await.unwrap();
            for sql in [
                format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                format!("CREATE DATABASE {name}"),
            ] {
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(&mut admin)
                    .await
                    .unwrap();
            }
            admin.close().await.unwrap();
            let store = Store::connect(&url).await.unwrap();
            generate(&store, &url).await;
            store
        });
        run_queries(c, &rt, "postgres", &store);
        drop(store);
        if keep() {
            eprintln!("PostgreSQL database kept: {name}");
        } else {
            rt.block_on(async {
                let mut admin = AnyConnection::connect(&admin_url).await.unwrap();
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut admin)
                .await
                .ok();
            });
        }
    }
}

criterion_group! {
    name = queue;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = benches
}
criterion_main!(queue);
