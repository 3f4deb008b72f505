//! The one segur binary: `serve`, `migrate`, `demo load`, `check`, `plan`, `finance`.

mod backup;
mod catalogue_cmd;
mod demo_accounts;
mod oidc_config;
mod timestamp;

/// mimalloc gives freed memory back to the system promptly: bursts (password hashing at demo
/// load, large responses) do not leave the idle server holding tens of MiB, as glibc's
/// per-thread arenas do.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use segur_server::{AppState, ServerConfig};
use segur_store::{BlobStore, Store};

#[derive(Parser)]
#[command(
    name = "segur",
    version,
    about = "Référencement et financement Ségur numérique vague 2 (SONS)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web platform (pages + JSON API).
    Serve(ServeArgs),
    /// Create or upgrade the database schema.
    Migrate(StorageArgs),
    /// Demo data.
    Demo {
        #[command(subcommand)]
        command: DemoCommand,
    },
    /// Check every rule on a world file (candidature as code).
    Check(segur::commands::check::CheckArgs),
    /// Show the proof plan of one candidature of a world file.
    Plan(segur::commands::plan::PlanArgs),
    /// Online, consistent backup of the database and every file, with a manifest of hashes.
    Backup {
        /// Directory to create (must not exist or be empty).
        #[arg(long)]
        output: PathBuf,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Restore a backup into an empty data directory or database, checking every hash first.
    Restore {
        /// Directory written by `segur backup`.
        #[arg(long)]
        from: PathBuf,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Proof bundles (ZIP of a candidature's proof files with a manifest).
    Bundle {
        #[command(subcommand)]
        command: BundleCommand,
    },
    /// The hash-chained audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Accounts (operator): create one, reset a lost second factor.
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// Financing: the payment-request simulator, the eligibility base.
    /// Pentest forms: check an electronic signature (PEN-03) offline.
    Pentest {
        #[command(subcommand)]
        command: PentestCommand,
    },
    Finance {
        #[command(subcommand)]
        command: FinanceCommand,
    },
    /// OpenID Connect: link a provider identity to an existing account.
    Oidc {
        #[command(subcommand)]
        command: OidcCommand,
    },
    /// Requirement catalogues: import REM workbooks, diff versions, export XLSX / OSCAL.
    Catalogue {
        #[command(subcommand)]
        command: catalogue_cmd::CatalogueCommand,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Re-compute the whole chain; exit 1 naming the first edited, deleted or reordered event.
    Verify(StorageArgs),
    /// Time-stamp every finished day of the trail not stamped yet with an RFC 3161 authority.
    Timestamp {
        /// The authority's URL (HTTP POST of `application/timestamp-query`).
        #[arg(long, env = "SEGUR_TSA_URL")]
        tsa_url: String,
        /// Stamp the days before this one (`YYYY-MM-DD`, default: today, UTC). A later day
        /// stamps the current head at once: the chain makes it cover every earlier event.
        #[arg(long)]
        before_day: Option<String>,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Write each day's time-stamp token (`DAY.tsr`) and the statement it covers (`DAY.txt`),
    /// to check with `openssl ts -verify -token_in -in DAY.tsr -data DAY.txt -CAfile …`.
    ExportTimestamps {
        /// Directory to write into (created if missing).
        #[arg(long)]
        output: PathBuf,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Write every event, oldest first, as CSV or JSON on stdout.
    Export {
        #[arg(long, value_parser = ["csv", "json"], default_value = "csv")]
        format: String,
        #[command(flatten)]
        storage: StorageArgs,
    },
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Create an account (e.g. an editor's mandataire, the first ANS administrator). The
    /// password is read from SEGUR_NEW_PASSWORD, or from the first line of standard input.
    Create {
        #[arg(long)]
        login: String,
        #[arg(long)]
        name: String,
        /// editor_mandataire, editor_representant, editor_salarie, ans_instructeur,
        /// ans_referent, ans_admin, asp_agent, platform_admin.
        #[arg(long)]
        role: String,
        /// The organisation's identifier (an editor's id, `ans`, `asp`).
        #[arg(long)]
        organisation: String,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Remove an account's second factor (lost phone and recovery codes): its sessions end
    /// and, for ANS, ASP and administrator roles, the next sign-in asks to enrol again.
    ResetSecondFactor {
        #[arg(long)]
        login: String,
        #[command(flatten)]
        storage: StorageArgs,
    },
}

#[derive(Subcommand)]
enum FinanceCommand {
    /// Check a payment-request document (JSON) as a deposit would, without depositing it.
    Check(segur::commands::finance::FinanceCheckArgs),
    /// Import an eligibility base (CSV or XLSX) into the database.
    ImportBase(ImportBaseArgs),
}

#[derive(Args)]
struct ImportBaseArgs {
    /// The base: CSV (`;` or `,`) or XLSX (first sheet), header row first.
    file: PathBuf,
    /// Read and check only; store nothing.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    storage: StorageArgs,
}

#[derive(Subcommand)]
enum BundleCommand {
    /// Check a bundle offline: every file listed in its manifest present, with its size and
    /// SHA-256, and nothing else.
    Verify {
        /// The ZIP downloaded from /api/v1/candidatures/{id}/bundle.
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum DemoCommand {
    /// Load the demo world and accounts into an empty database.
    Load(StorageArgs),
}

#[derive(Args, Clone)]
struct StorageArgs {
    /// Directory for the embedded database and files.
    #[arg(long, env = "SEGUR_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// Database URL: `sqlite://…` (default: DATA_DIR/segur.db) or `postgres://…`.
    #[arg(long, env = "SEGUR_DATABASE_URL")]
    database_url: Option<String>,
    /// Blob storage URL: `file:///…` (default: DATA_DIR/blobs) or `s3://bucket?endpoint=…`.
    #[arg(long, env = "SEGUR_BLOB_URL")]
    blob_url: Option<String>,
}

#[derive(Subcommand)]
enum OidcCommand {
    /// Link the identity `subject` (value of the provider's identifier claim) at `provider` to
    /// the account `login`. Audited. Sign-in through a staff provider needs this link.
    Link {
        #[arg(long)]
        provider: String,
        #[arg(long)]
        subject: String,
        #[arg(long)]
        login: String,
        #[command(flatten)]
        storage: StorageArgs,
    },
}

#[derive(Subcommand)]
enum PentestCommand {
    /// Verify a PAdES PDF, or a file with its detached .p7s, against trust anchors.
    Verify(segur::commands::pentest::PentestVerifyArgs),
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    storage: StorageArgs,
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "SEGUR_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Load the demo data when the database is empty, and print the demo accounts.
    #[arg(long)]
    demo: bool,
    /// Mark cookies Secure and send HSTS (when served over TLS or behind a TLS proxy).
    #[arg(long, env = "SEGUR_SECURE_COOKIES")]
    secure_cookies: bool,
    /// RFC 3161 time-stamping authority: each finished day of the audit trail is stamped
    /// (checked every hour; a failure is logged and retried at the next check).
    #[arg(long, env = "SEGUR_TSA_URL")]
    tsa_url: Option<String>,
    /// OpenID Connect providers (TOML file, see docs/oidc.md).
    #[arg(long, env = "SEGUR_OIDC_CONFIG")]
    oidc_config: Option<PathBuf>,
    /// Public base URL of the service (OIDC redirect URIs), e.g. https://segur.example.fr.
    #[arg(long, env = "SEGUR_PUBLIC_URL")]
    public_url: Option<String>,
    /// Trust anchors of pentest form signatures (PEN-03): a PEM file or a directory of
    /// `*.pem` / `*.crt` / `*.cer`. Without it no signature is recognised.
    #[arg(long, env = "SEGUR_PENTEST_ANCHORS")]
    pentest_anchors: Option<PathBuf>,
    /// clamd address (TCP, e.g. 127.0.0.1:3310) scanning every proof file; without it files
    /// stay "pending" and cannot be downloaded.
    #[arg(long, env = "SEGUR_CLAMD")]
    clamd: Option<String>,
    /// Largest proof file accepted, in bytes [default: 5 GiB].
    #[arg(long, env = "SEGUR_MAX_FILE_BYTES", default_value_t = 5 << 30)]
    max_file_bytes: u64,
    /// Format of the NRUs issued on referral: `{dispositif}`, `{couloir}`, `{year}` and one
    /// `{seq}` / `{seq:0N}` [default: `{dispositif}-{year}-{seq:05}`].
    #[arg(long, env = "SEGUR_NRU_TEMPLATE", value_parser = parse_nru_template)]
    nru_template: Option<segur_domain::decision::NruTemplate>,
    /// Accept webhook URLs in plain http:// on 127.0.0.1 or localhost (a local relay, tests);
    /// otherwise webhooks must be https://.
    #[arg(long, env = "SEGUR_WEBHOOK_ALLOW_LOOPBACK_HTTP")]
    webhook_allow_loopback_http: bool,
    /// SMTP server of notification e-mails: smtp://host:port (add ?tls=required for
    /// STARTTLS) or smtps://user:password@host. Without it notifications stay in the app.
    #[arg(long, env = "SEGUR_SMTP_URL")]
    smtp_url: Option<String>,
    /// Sender of notification e-mails.
    #[arg(
        long,
        env = "SEGUR_MAIL_FROM",
        default_value = "segur <no-reply@segur.invalid>"
    )]
    mail_from: String,
    /// Days before a deadline (complement answer, D2) on which editors are reminded.
    #[arg(long, env = "SEGUR_REMINDER_DAYS", default_value = "7,2,1", value_parser = parse_reminder_days)]
    reminder_days: segur_domain::notify::ReminderPolicy,
    /// Hour (Europe/Paris, 0-23) from which daily digests are sent.
    #[arg(long, env = "SEGUR_DIGEST_HOUR", default_value_t = 7, value_parser = clap::value_parser!(i8).range(0..=23))]
    digest_hour: i8,
    /// Antivirus attempts on a file clamd fails to scan before the error is final.
    #[arg(long, env = "SEGUR_SCAN_ERROR_ATTEMPTS", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
    scan_error_attempts: u32,
    /// A monitoring report slower than this (milliseconds) is refreshed in the background
    /// after a change, the page showing the previous figures meanwhile.
    #[arg(long, env = "SEGUR_MONITORING_WAIT_MS", default_value_t = 2000)]
    monitoring_wait_ms: u64,
}

fn parse_reminder_days(s: &str) -> Result<segur_domain::notify::ReminderPolicy, String> {
    segur_domain::notify::ReminderPolicy::parse(s).map_err(|e| e.reason)
}

fn parse_nru_template(s: &str) -> Result<segur_domain::decision::NruTemplate, String> {
    segur_domain::decision::NruTemplate::parse(s).map_err(|e| e.reason)
}

fn main() -> ExitCode {
    // Two rustls crypto providers end up linked (sqlx: ring, object_store: aws-lc-rs); pick one
    // before any TLS use, or rustls panics.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => report(segur::commands::check::run(&args)),
        Command::Plan(args) => report(segur::commands::plan::run(&args)),
        Command::Pentest {
            command: PentestCommand::Verify(args),
        } => report(segur::commands::pentest::run(&args)),
        Command::Backup { output, storage } => run_async(async move {
            let store = open_store(&storage).await?;
            let url = database_url(&storage);
            let m = backup::backup(&store, &url, &output).await?;
            println!(
                "segur: sauvegarde écrite dans {} ({}, {} fichier(s), {} événement(s) d'audit vérifiés)",
                output.display(),
                m.database.path,
                m.blobs.len(),
                m.audit_events
            );
            Ok(())
        }),
        Command::Restore { from, storage } => run_async(async move {
            let manifest = backup::verify(&from)?;
            let url = database_url(&storage);
            let sqlite_target = match &storage.database_url {
                None => Some(storage.data_dir.join("segur.db")),
                Some(u) if u.starts_with("sqlite://") && !u.contains('?') => {
                    Some(PathBuf::from(u.trim_start_matches("sqlite://")))
                }
                Some(u) if u.starts_with("sqlite:") => {
                    anyhow::bail!(
                        "restauration SQLite : URL sqlite://chemin sans paramètres attendue"
                    )
                }
                Some(_) => None,
            };
            backup::restore_database(&from, &manifest, sqlite_target.as_deref(), &url)?;
            let store = open_store(&storage).await?;
            backup::restore_blobs(&from, &manifest, &store).await?;
            let system = store.system();
            if let Some(seq) = system.verify_audit_chain().await? {
                anyhow::bail!("base restaurée mais chaîne d'audit rompue à l'événement n° {seq}");
            }
            let events = system.list_audit(segur_store::Page::new(1, 0)).await?.total;
            if events != manifest.audit_events {
                anyhow::bail!(
                    "base restaurée avec {events} événement(s) d'audit au lieu de {}",
                    manifest.audit_events
                );
            }
            println!(
                "segur: sauvegarde du {} restaurée : empreintes vérifiées, {} fichier(s), chaîne d'audit intègre ({events} événement(s))",
                manifest.created_at,
                manifest.blobs.len()
            );
            Ok(())
        }),
        Command::Bundle {
            command: BundleCommand::Verify { file },
        } => report(bundle_verify(&file)),
        Command::Audit {
            command: AuditCommand::Verify(args),
        } => audit_verify(args),
        Command::Audit {
            command: AuditCommand::Export { format, storage },
        } => run_async(audit_export(storage, format)),
        Command::Account {
            command:
                AccountCommand::Create {
                    login,
                    name,
                    role,
                    organisation,
                    storage,
                },
        } => run_async(async move {
            let role = segur_domain::org::Role::parse(&role)
                .map_err(|e| anyhow::anyhow!("rôle « {role} » : {}", e.reason))?;
            let password = match std::env::var("SEGUR_NEW_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    let mut line = String::new();
                    std::io::stdin()
                        .read_line(&mut line)
                        .context("mot de passe attendu sur l'entrée standard")?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            let store = open_store(&storage).await?;
            let user = store
                .system()
                .create_account_audited(
                    &segur_store::NewAccount {
                        login,
                        display_name: name,
                        password,
                        role,
                        organisation_id: organisation,
                    },
                    &segur_store::AuditEntry::new("account.create", "").with_request(None, None),
                )
                .await?;
            println!(
                "segur: compte {} créé ({}, {})",
                user.login,
                user.role.label_fr(),
                user.organisation_name
            );
            Ok(())
        }),
        Command::Account {
            command: AccountCommand::ResetSecondFactor { login, storage },
        } => run_async(async move {
            let store = open_store(&storage).await?;
            let system = store.system();
            let (user, _) = system
                .find_user_for_login(&login)
                .await?
                .ok_or_else(|| anyhow::anyhow!("compte « {login} » inconnu ou désactivé"))?;
            system
                .reset_second_factor(
                    &user.id,
                    &segur_store::AuditEntry::new("", "").with_request(None, None),
                )
                .await?;
            println!(
                "segur: second facteur de {} retiré ; ses sessions sont fermées",
                user.login
            );
            Ok(())
        }),
        Command::Audit {
            command:
                AuditCommand::Timestamp {
                    tsa_url,
                    before_day,
                    storage,
                },
        } => run_async(async move {
            let store = open_store(&storage).await?;
            let today = match before_day {
                Some(day) => day
                    .parse::<jiff::civil::Date>()
                    .with_context(|| format!("date « {day} » : AAAA-MM-JJ attendu"))?
                    .to_string(),
                None => jiff::Timestamp::now().to_string()[..10].to_owned(),
            };
            let stamped = timestamp::stamp_pending_days(&store, &tsa_url, &today).await?;
            if stamped.is_empty() {
                println!("segur: rien à horodater (journées terminées déjà horodatées)");
            }
            for head in stamped {
                println!(
                    "segur: journée {} horodatée (dernier événement n° {})",
                    head.day, head.last_seq
                );
            }
            Ok(())
        }),
        Command::Audit {
            command: AuditCommand::ExportTimestamps { output, storage },
        } => run_async(async move {
            let store = open_store(&storage).await?;
            std::fs::create_dir_all(&output)
                .with_context(|| format!("impossible de créer {}", output.display()))?;
            let stamps = store.system().list_audit_timestamps().await?;
            for stamp in &stamps {
                std::fs::write(output.join(format!("{}.tsr", stamp.head.day)), &stamp.token)?;
                std::fs::write(
                    output.join(format!("{}.txt", stamp.head.day)),
                    stamp.head.statement(),
                )?;
            }
            println!(
                "segur: {} jeton(s) d'horodatage écrit(s) dans {}",
                stamps.len(),
                output.display()
            );
            Ok(())
        }),
        Command::Finance {
            command: FinanceCommand::Check(args),
        } => report(segur::commands::finance::run(&args)),
        Command::Finance {
            command: FinanceCommand::ImportBase(args),
        } => import_base(args),
        Command::Catalogue { command } => catalogue_cmd::run(command),
        Command::Oidc {
            command:
                OidcCommand::Link {
                    provider,
                    subject,
                    login,
                    storage,
                },
        } => run_async(async move {
            let store = open_store(&storage).await?;
            let sys = store.system();
            let (user, _) = sys
                .find_user_for_login(&login)
                .await?
                .with_context(|| format!("compte « {login} » inconnu"))?;
            sys.link_oidc_identity(
                &provider,
                &subject,
                &user.id,
                &segur_store::AuditEntry::new("", ""),
            )
            .await?;
            println!("segur: identité {subject} de {provider} liée au compte {login}");
            Ok(())
        }),
        Command::Serve(args) => run_async(serve(args)),
        Command::Migrate(args) => run_async(async move {
            let store = open_store(&args).await?;
            println!("segur: schéma de la base à jour");
            drop(store);
            Ok(())
        }),
        Command::Demo {
            command: DemoCommand::Load(args),
        } => run_async(async move {
            let store = open_store(&args).await?;
            load_demo(&store).await?;
            Ok(())
        }),
    }
}

/// `segur bundle verify FILE.zip`: 0 when intact, 1 when a file is missing or modified.
fn bundle_verify(file: &Path) -> anyhow::Result<ExitCode> {
    let report = segur_server::bundle::verify(file).map_err(|e| anyhow::anyhow!(e))?;
    if report.problems.is_empty() {
        println!(
            "segur: dossier de preuves intact : candidature {}, {} fichier(s), {} octets vérifiés (SHA-256){}",
            report.candidature,
            report.files,
            report.bytes,
            if report.omitted > 0 {
                format!(
                    ", {} fichier(s) non inclus (analyse antivirus non favorable)",
                    report.omitted
                )
            } else {
                String::new()
            }
        );
        Ok(ExitCode::SUCCESS)
    } else {
        for p in &report.problems {
            println!("segur: {p}");
        }
        println!(
            "segur: dossier de preuves NON conforme : {} problème(s)",
            report.problems.len()
        );
        Ok(ExitCode::FAILURE)
    }
}

fn report(result: anyhow::Result<ExitCode>) -> ExitCode {
    result.unwrap_or_else(|e| {
        eprintln!("segur: erreur : {e:#}");
        ExitCode::from(2)
    })
}

fn run_async(fut: impl std::future::Future<Output = anyhow::Result<()>>) -> ExitCode {
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("segur: erreur : impossible de démarrer le runtime : {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(fut) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One clear line, no backtrace.
            eprintln!("segur: erreur : {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SEGUR_LOG").unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("warn,segur=info,segur_server=info")
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// The database URL the storage options designate.
fn database_url(args: &StorageArgs) -> String {
    args.database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", args.data_dir.join("segur.db").display()))
}

/// Opens (creating if needed) the data directory, the database and the blob store, and migrates.
async fn open_store(args: &StorageArgs) -> anyhow::Result<Store> {
    let blobs = match &args.blob_url {
        Some(url) => {
            BlobStore::from_url(url).with_context(|| "stockage de fichiers inaccessible")?
        }
        None => {
            let dir = args.data_dir.join("blobs");
            ensure_writable_dir(&dir)?;
            BlobStore::local(&dir)?
        }
    };
    if args.database_url.is_none() {
        ensure_writable_dir(&args.data_dir)?;
    }
    let url = database_url(args);
    let store = Store::connect_with_blobs(&url, blobs).await?;
    store.migrate().await?;
    Ok(store)
}

fn ensure_writable_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| {
        format!(
            "impossible de créer le répertoire de données {}",
            dir.display()
        )
    })?;
    let probe = dir.join(".segur-write-test");
    std::fs::write(&probe, b"ok").with_context(|| {
        format!(
            "impossible d'écrire dans le répertoire de données {}",
            dir.display()
        )
    })?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

async fn load_demo(store: &Store) -> anyhow::Result<bool> {
    if !store.system().is_empty().await? {
        println!("segur: base déjà initialisée, données de démonstration non rechargées");
        return Ok(false);
    }
    let loaded = segur::demo_world().context("données de démonstration invalides")?;
    let summary = store
        .system()
        .import_world(&loaded.world, &demo_accounts::accounts())
        .await?;
    demo_accounts::enrol_second_factors(store).await?;
    println!(
        "segur: données de démonstration chargées ({} dispositifs, {} candidatures, {} éléments de preuve, {} comptes)",
        summary.dispositifs, summary.candidatures, summary.proof_items, summary.accounts
    );
    Ok(true)
}

/// `segur audit verify`: 0 intact, 1 broken (naming the first bad event), 2 unreadable.
fn audit_verify(args: StorageArgs) -> ExitCode {
    let verified = std::cell::Cell::new(None);
    let stamp_problem = std::cell::RefCell::new(None::<String>);
    let stamped_days = std::cell::Cell::new(0usize);
    // On failure run_async prints the error; `verified` stays empty.
    run_async(async {
        let store = open_store(&args).await?;
        let system = store.system();
        let total = system.list_audit(segur_store::Page::new(1, 0)).await?.total;
        let broken = system.verify_audit_chain().await?;
        // Time-stamps: each token must carry its day's statement, and the stamped event must
        // still have the stamped hash (a rewrite of the whole chain after the stamp shows).
        let stamps = system.list_audit_timestamps().await?;
        for stamp in &stamps {
            if !timestamp::token_covers(&stamp.token, &stamp.head.imprint()) {
                stamp_problem.replace(Some(stamp.head.day.clone()));
            }
        }
        if stamp_problem.borrow().is_none() {
            stamp_problem.replace(system.first_contradicted_timestamp().await?);
        }
        stamped_days.set(stamps.len());
        verified.set(Some((total, broken)));
        Ok(())
    });
    if let Some(day) = stamp_problem.into_inner() {
        println!(
            "segur: l'horodatage de la journée {day} ne correspond plus à la chaîne d'audit : journal réécrit après horodatage"
        );
        return ExitCode::from(1);
    }
    match verified.get() {
        Some((total, None)) => {
            println!(
                "segur: chaîne d'audit intègre ({total} événement(s), {} journée(s) horodatée(s))",
                stamped_days.get()
            );
            ExitCode::SUCCESS
        }
        Some((_, Some(seq))) => {
            println!(
                "segur: chaîne d'audit rompue à l'événement n° {seq} : modifié, supprimé ou déplacé (ou les suivants supprimés)"
            );
            ExitCode::from(1)
        }
        None => ExitCode::from(2),
    }
}

async fn audit_export(args: StorageArgs, format: String) -> anyhow::Result<()> {
    let store = open_store(&args).await?;
    let system = store.system();
    let mut events = Vec::new();
    let mut page = segur_store::Page::max();
    loop {
        let chunk = system.list_audit(page).await?;
        let n = chunk.items.len() as i64;
        events.extend(chunk.items);
        if n == 0 || events.len() as i64 >= chunk.total {
            break;
        }
        page.offset += n;
    }
    events.reverse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if format == "json" {
        serde_json::to_writer_pretty(&mut out, &events)?;
        std::io::Write::write_all(&mut out, b"\n")?;
    } else {
        let mut w = csv::WriterBuilder::new().delimiter(b';').from_writer(out);
        for e in &events {
            w.serialize(e)?;
        }
        w.flush()?;
    }
    Ok(())
}

/// `segur finance import-base`: exit 0 imported (or checked), 2 when the file is refused.
fn import_base(args: ImportBaseArgs) -> ExitCode {
    let bytes = match std::fs::metadata(&args.file) {
        Ok(m) if m.len() > segur_server::financing::MAX_BASE_BYTES as u64 => {
            eprintln!(
                "segur: erreur : {} : fichier trop volumineux (au plus {} Mio)",
                args.file.display(),
                segur_server::financing::MAX_BASE_BYTES / 1024 / 1024
            );
            return ExitCode::from(2);
        }
        _ => match std::fs::read(&args.file) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("segur: erreur : {} : {e}", args.file.display());
                return ExitCode::from(2);
            }
        },
    };
    let parsed = match segur_server::financing::read_base(&bytes) {
        Ok(p) => p,
        Err(segur_server::financing::BaseImportError::Unreadable(m)) => {
            eprintln!("segur: erreur : {} : {m}", args.file.display());
            return ExitCode::from(2);
        }
        Err(segur_server::financing::BaseImportError::Invalid(errors)) => {
            eprintln!(
                "segur: {} : {} erreur(s), rien n'a été importé",
                args.file.display(),
                errors.len()
            );
            for e in errors.iter().take(200) {
                eprintln!("  {e}");
            }
            return ExitCode::from(2);
        }
        Err(segur_server::financing::BaseImportError::Store(e)) => {
            eprintln!("segur: erreur : {}", e.message);
            return ExitCode::from(2);
        }
    };
    println!(
        "segur: {} : {} ligne(s), {} structure(s){}",
        args.file.display(),
        parsed.rows,
        parsed.clients.len(),
        if parsed.ignored_columns.is_empty() {
            String::new()
        } else {
            format!(
                ", colonnes ignorées : {}",
                parsed.ignored_columns.join(", ")
            )
        }
    );
    if args.dry_run {
        println!("segur: vérification seule, rien n'a été enregistré");
        return ExitCode::SUCCESS;
    }
    let name = args.file.display().to_string();
    run_async(async move {
        let store = open_store(&args.storage).await?;
        let entry = segur_store::AuditEntry::new(
            "financing.clients.import",
            format!("base « {name} » (ligne de commande)"),
        );
        let s = store
            .system()
            .import_clients(&parsed.clients, &entry)
            .await?;
        println!(
            "segur: base importée : {} structure(s) ajoutée(s), {} mise(s) à jour",
            s.inserted, s.updated
        );
        Ok(())
    })
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let pentest_anchors = match &args.pentest_anchors {
        Some(p) => segur_signature::TrustAnchors::load(p)?,
        None => segur_signature::TrustAnchors::empty(),
    };
    let store = open_store(&args.storage).await?;
    if args.demo {
        load_demo(&store).await?;
    }
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("impossible d'écouter sur {}", args.listen))?;
    let addr = listener.local_addr()?;
    let settings = if args.demo {
        segur::demo_world().map(|w| w.settings).unwrap_or_default()
    } else {
        Default::default()
    };
    let (public_url, oidc_providers) =
        oidc_config::load(args.oidc_config.as_deref(), args.public_url.clone())?;
    if pentest_anchors.is_empty() {
        println!(
            "segur: aucune ancre de confiance pour les signatures des formulaires de test d'intrusion (--pentest-anchors) : aucune signature ne sera reconnue"
        );
    }
    let upload_dir = args.storage.data_dir.join("uploads");
    ensure_writable_dir(&upload_dir)?;
    // Attestations print their verification URL: without a configured public URL, the
    // address served here.
    let public_url = public_url.or_else(|| Some(format!("http://{addr}")));
    let config = ServerConfig {
        secure_cookies: args.secure_cookies,
        nru_template: args.nru_template.clone().unwrap_or_default(),
        public_url,
        oidc_providers,
        pentest_anchors,
        upload_dir,
        max_file_bytes: args.max_file_bytes,
        clamd: args.clamd.clone(),
        webhook_allow_loopback_http: args.webhook_allow_loopback_http,
        smtp: args
            .smtp_url
            .as_deref()
            .map(|url| segur_server::notify::SmtpConfig::parse(url, &args.mail_from))
            .transpose()
            .map_err(anyhow::Error::msg)?,
        reminder_policy: args.reminder_days.clone(),
        digest_hour: args.digest_hour,
        scan_error_attempts: args.scan_error_attempts,
        monitoring_wait_limit: std::time::Duration::from_millis(args.monitoring_wait_ms),
        ..ServerConfig::default()
    };
    let state = AppState::new(store, config, settings);
    println!("segur: listening on http://{addr}");
    if args.demo {
        println!(
            "segur: comptes de démonstration (mot de passe « {} ») :",
            demo_accounts::PASSWORD
        );
        for a in demo_accounts::accounts() {
            println!("  {:<28} {}", a.login, a.role.label_fr());
        }
        println!(
            "segur: second facteur (TOTP) des comptes ANS et ASP, clé à saisir dans une application d'authentification : {}",
            demo_accounts::TOTP_SECRET
        );
    }
    if let Some(url) = args.tsa_url.clone() {
        let store = state.store().clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
            loop {
                every.tick().await;
                let today = jiff::Timestamp::now().to_string()[..10].to_owned();
                match timestamp::stamp_pending_days(&store, &url, &today).await {
                    Ok(days) if !days.is_empty() => {
                        tracing::info!(days = days.len(), "audit trail time-stamped")
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "audit time-stamping failed; retried in an hour")
                    }
                }
            }
        });
    }
    segur_server::serve(listener, state, shutdown_signal()).await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
