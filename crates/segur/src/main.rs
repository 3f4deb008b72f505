//! The one segur binary: `serve`, `migrate`, `demo load`, `check`, `plan`.

mod catalogue_cmd;
mod demo_accounts;

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
    /// Requirement catalogues: import REM workbooks, diff versions, export XLSX / OSCAL.
    Catalogue {
        #[command(subcommand)]
        command: catalogue_cmd::CatalogueCommand,
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
}

fn main() -> ExitCode {
    // Two rustls crypto providers end up linked (sqlx: ring, object_store: aws-lc-rs); pick one
    // before any TLS use, or rustls panics.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => report(segur::commands::check::run(&args)),
        Command::Plan(args) => report(segur::commands::plan::run(&args)),
        Command::Catalogue { command } => catalogue_cmd::run(command),
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
    let url = match &args.database_url {
        Some(url) => url.clone(),
        None => {
            ensure_writable_dir(&args.data_dir)?;
            format!("sqlite://{}", args.data_dir.join("segur.db").display())
        }
    };
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
    println!(
        "segur: données de démonstration chargées ({} dispositifs, {} candidatures, {} éléments de preuve, {} comptes)",
        summary.dispositifs, summary.candidatures, summary.proof_items, summary.accounts
    );
    Ok(true)
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
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
    let config = ServerConfig {
        secure_cookies: args.secure_cookies,
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
