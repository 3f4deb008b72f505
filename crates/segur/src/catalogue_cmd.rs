//! `segur catalogue …`: REM workbooks in (import, with a dry run), diffs between versions (files
//! or stored versions), exports out (XLSX, OSCAL), equivalence lists checked.
//!
//! Exit codes: 0 done, 1 the input has errors (each located to sheet, row and column), 2 the
//! command cannot run (bad arguments, unreadable file, database unavailable).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use comfy_table::Table;
use indicatif::{ProgressBar, ProgressStyle};
use segur_catalogue::{
    ColumnMapping, ImportError, ImportOptions, RemSummary, SourceFormat, equivalence, export,
    import_rem, oscal,
};
use segur_domain::catalogue::{DispositifCode, RemStatus, RemVersion};
use segur_domain::rem_diff;
use segur_store::AuditEntry;

use crate::{StorageArgs, open_store};

const EXIT_OK: u8 = 0;
const EXIT_INPUT_ERRORS: u8 = 1;
const EXIT_USAGE: u8 = 2;

#[derive(Subcommand)]
pub enum CatalogueCommand {
    /// Import a REM (XLSX as published by the ANS, CSV, or segur's TOML/JSON catalogue format).
    Import(ImportArgs),
    /// Publish a draft REM version (REM-01: it can never change afterwards).
    Publish(PublishArgs),
    /// Compare two REM versions (REM-03): files, or stored versions written CODE@VERSION.
    Diff(DiffArgs),
    /// Export a stored REM version (XLSX in the published layout, or OSCAL catalog JSON).
    Export(ExportArgs),
    /// Import an equivalence list (XLSX or CSV), replacing the list of the same dispositifs.
    Equivalences(EquivalenceArgs),
}

#[derive(Args)]
pub struct ImportArgs {
    /// The file to import.
    file: PathBuf,
    /// Dispositif of the REM (e.g. MDV-LGC-Va2).
    #[arg(long)]
    dispositif: String,
    /// Version of the REM (e.g. 1.1).
    #[arg(long)]
    version: String,
    /// Only read and check the file, print the summary; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Column mapping file (TOML or JSON, see docs/catalogue-format.md).
    #[arg(long)]
    mapping: Option<PathBuf>,
    /// Sheet to read (default: "Exigences", else the first sheet).
    #[arg(long)]
    sheet: Option<String>,
    /// Publish the version on this date (YYYY-MM-DD) right after importing it.
    #[arg(long, value_parser = segur::commands::parse_date)]
    publish_on: Option<jiff::civil::Date>,
    #[command(flatten)]
    storage: StorageArgs,
}

#[derive(Args)]
pub struct PublishArgs {
    #[arg(long)]
    dispositif: String,
    #[arg(long)]
    version: String,
    /// Publication date (YYYY-MM-DD); default: today in Europe/Paris.
    #[arg(long, value_parser = segur::commands::parse_date)]
    on: Option<jiff::civil::Date>,
    #[command(flatten)]
    storage: StorageArgs,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// The change log, one line per changed requirement.
    Text,
    /// The whole diff as JSON.
    Json,
    /// A workbook (summary, requirements, proof items): needs --output.
    Xlsx,
}

#[derive(Args)]
pub struct DiffArgs {
    /// Older version: a file, or CODE@VERSION for a stored one.
    from: String,
    /// Newer version: a file, or CODE@VERSION.
    to: String,
    /// Dispositif of the files (required when comparing files that are workbooks).
    #[arg(long)]
    dispositif: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    format: DiffFormat,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Column mapping for workbook files.
    #[arg(long)]
    mapping: Option<PathBuf>,
    #[command(flatten)]
    storage: StorageArgs,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// The REM in the published workbook layout.
    Xlsx,
    /// OSCAL 1.2 catalog (JSON).
    Oscal,
}

#[derive(Args)]
pub struct ExportArgs {
    #[arg(long)]
    dispositif: String,
    #[arg(long)]
    version: String,
    #[arg(long, value_enum, default_value = "xlsx")]
    format: ExportFormat,
    /// Output file (required for xlsx; OSCAL goes to standard output without it).
    #[arg(long, short)]
    output: Option<PathBuf>,
    #[command(flatten)]
    storage: StorageArgs,
}

#[derive(Args)]
pub struct EquivalenceArgs {
    file: PathBuf,
    /// Source dispositif, when the file has no such column.
    #[arg(long)]
    from: Option<String>,
    /// Target dispositif, when the file has no such column.
    #[arg(long)]
    to: Option<String>,
    /// Only read and check the file; write nothing.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    storage: StorageArgs,
}

/// Runs a `catalogue` subcommand; never panics on bad input, returns the exit code.
pub fn run(command: CatalogueCommand) -> ExitCode {
    let result = match command {
        CatalogueCommand::Import(a) => block_on(import(a)),
        CatalogueCommand::Publish(a) => block_on(publish(a)),
        CatalogueCommand::Diff(a) => block_on(diff(a)),
        CatalogueCommand::Export(a) => block_on(export_cmd(a)),
        CatalogueCommand::Equivalences(a) => block_on(equivalences(a)),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("segur: erreur : {e:#}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

fn block_on<T>(fut: impl std::future::Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    crate::init_tracing();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("impossible de démarrer le runtime")?
        .block_on(fut)
}

fn read_input(path: &Path) -> anyhow::Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path)
        .with_context(|| format!("impossible d'ouvrir {}", path.display()))?;
    let mut bytes = Vec::new();
    let limit = segur_catalogue::guard::MAX_WORKBOOK_BYTES as u64;
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        anyhow::bail!(
            "{} : fichier trop volumineux (maximum {limit} octets)",
            path.display()
        );
    }
    Ok(bytes)
}

fn dispositif(code: &str) -> anyhow::Result<DispositifCode> {
    DispositifCode::parse(code).map_err(|e| anyhow::anyhow!(e.reason))
}

fn mapping(path: Option<&Path>, sheet: Option<&str>) -> anyhow::Result<ColumnMapping> {
    let mut m = match path {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("impossible de lire {}", p.display()))?;
            ColumnMapping::parse(&text).map_err(|e| anyhow::anyhow!("{e}"))?
        }
        None => ColumnMapping::default(),
    };
    if let Some(s) = sheet {
        m.sheet = Some(s.to_owned());
    }
    Ok(m)
}

fn print_problems(origin: &str, e: &ImportError) {
    eprintln!(
        "segur: {origin} refusé ({} problème(s)) :",
        e.problems.len()
    );
    for p in &e.problems {
        eprintln!("  - {p}");
    }
}

fn progress(steps: u64) -> ProgressBar {
    let bar = ProgressBar::new(steps);
    if let Ok(style) = ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

fn summary_tables(s: &RemSummary, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{} exigence(s) ({} EXIGENCE, {} PRECONISATION), {} scénario(s), {} élément(s) de preuve",
        s.total.requirements, s.exigences, s.preconisations, s.total.scenarios, s.total.proof_items
    )?;
    for (title, rows) in [("Chapitre", &s.by_chapter), ("Profil", &s.by_profile)] {
        let mut t = Table::new();
        t.set_header(vec![title, "Exigences", "Scénarios", "Éléments de preuve"]);
        for (name, c) in rows {
            t.add_row(vec![
                name.clone(),
                c.requirements.to_string(),
                c.scenarios.to_string(),
                c.proof_items.to_string(),
            ]);
        }
        writeln!(out, "{t}")?;
    }
    Ok(())
}

async fn import(a: ImportArgs) -> anyhow::Result<u8> {
    let origin = a.file.display().to_string();
    let bar = progress(if a.dry_run { 2 } else { 3 });
    bar.set_message("lecture du fichier");
    let bytes = read_input(&a.file)?;
    bar.inc(1);
    let mut opts = ImportOptions::new(dispositif(&a.dispositif)?, a.version.clone());
    opts.mapping = mapping(a.mapping.as_deref(), a.sheet.as_deref())?;
    bar.set_message("contrôle et analyse du classeur");
    let format = SourceFormat::detect(&origin, &bytes);
    let imported = match import_rem(&bytes, format, &origin, &opts) {
        Ok(i) => i,
        Err(e) => {
            bar.finish_and_clear();
            print_problems(&origin, &e);
            return Ok(EXIT_INPUT_ERRORS);
        }
    };
    bar.inc(1);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if !a.dry_run {
        bar.set_message("enregistrement");
        let store = open_store(&a.storage).await?;
        let entry = AuditEntry::new("rem.import", "").with_request(None, Some("cli".into()));
        match store
            .system()
            .import_rem_version(&imported.rem, entry)
            .await
        {
            Ok(_) => {}
            Err(e) => {
                bar.finish_and_clear();
                eprintln!("segur: import refusé : {e}");
                return Ok(EXIT_INPUT_ERRORS);
            }
        }
        if let Some(on) = a.publish_on {
            store
                .system()
                .publish_rem_version(
                    opts.dispositif.as_str(),
                    &opts.version,
                    on,
                    AuditEntry::new("", ""),
                )
                .await
                .map_err(|e| anyhow::anyhow!("publication refusée : {e}"))?;
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    writeln!(
        out,
        "REM {} version {} — {} ({} ligne(s) lue(s) dans {origin})",
        opts.dispositif,
        opts.version,
        if a.dry_run {
            "contrôle seul, rien n'est enregistré".to_owned()
        } else if a.publish_on.is_some() {
            "importé et publié (REM-01 : ne changera plus)".to_owned()
        } else {
            "importé comme brouillon (à publier avec `segur catalogue publish`)".to_owned()
        },
        imported.rows
    )?;
    summary_tables(&imported.summary, &mut out)?;
    for w in &imported.warnings {
        writeln!(out, "attention : {w}")?;
    }
    Ok(EXIT_OK)
}

async fn publish(a: PublishArgs) -> anyhow::Result<u8> {
    let store = open_store(&a.storage).await?;
    let on = a.on.unwrap_or_else(segur::today_in_paris);
    match store
        .system()
        .publish_rem_version(&a.dispositif, &a.version, on, AuditEntry::new("", ""))
        .await
    {
        Ok(()) => {
            println!(
                "REM {} version {} publiée le {on} (REM-01)",
                a.dispositif, a.version
            );
            Ok(EXIT_OK)
        }
        Err(e) => {
            eprintln!("segur: publication refusée : {e}");
            Ok(EXIT_INPUT_ERRORS)
        }
    }
}

/// A stored version (`CODE@VERSION`) or a file.
enum Side {
    Stored(String, String),
    File(PathBuf),
}

fn side(s: &str) -> Side {
    let p = PathBuf::from(s);
    match s.split_once('@') {
        Some((code, version)) if !p.exists() && DispositifCode::parse(code).is_ok() => {
            Side::Stored(code.to_owned(), version.to_owned())
        }
        _ => Side::File(p),
    }
}

async fn load_side(
    s: &Side,
    a: &DiffArgs,
    store: &mut Option<segur_store::Store>,
) -> anyhow::Result<Result<RemVersion, u8>> {
    match s {
        Side::Stored(code, version) => {
            if store.is_none() {
                *store = Some(open_store(&a.storage).await?);
            }
            let st = store.as_ref().expect("opened above");
            match st.system().get_rem_version(code, version).await {
                Ok(rem) => Ok(Ok(rem)),
                Err(segur_store::StoreError::NotFound) => {
                    eprintln!("segur: REM {code} version {version} introuvable dans la base");
                    Ok(Err(EXIT_INPUT_ERRORS))
                }
                Err(e) => Err(e.into()),
            }
        }
        Side::File(path) => {
            let origin = path.display().to_string();
            let bytes = read_input(path)?;
            let format = SourceFormat::detect(&origin, &bytes);
            if matches!(
                format,
                SourceFormat::Toml | SourceFormat::Json | SourceFormat::Yaml
            ) {
                // The own format names its dispositif and version: read them from the file.
                return match segur_catalogue::rem::read_own_format(&bytes, format, &origin) {
                    Ok(rem) => Ok(Ok(rem)),
                    Err(e) => {
                        print_problems(&origin, &e);
                        Ok(Err(EXIT_INPUT_ERRORS))
                    }
                };
            }
            let Some(code) = a.dispositif.clone() else {
                anyhow::bail!("--dispositif est nécessaire pour comparer des classeurs");
            };
            let version = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| origin.clone());
            let mut opts = ImportOptions::new(dispositif(&code)?, version);
            opts.mapping = mapping(a.mapping.as_deref(), None)?;
            match import_rem(&bytes, format, &origin, &opts) {
                Ok(i) => Ok(Ok(i.rem)),
                Err(e) => {
                    print_problems(&origin, &e);
                    Ok(Err(EXIT_INPUT_ERRORS))
                }
            }
        }
    }
}

async fn diff(a: DiffArgs) -> anyhow::Result<u8> {
    let mut store = None;
    let from = match load_side(&side(&a.from), &a, &mut store).await? {
        Ok(r) => r,
        Err(code) => return Ok(code),
    };
    let to = match load_side(&side(&a.to), &a, &mut store).await? {
        Ok(r) => r,
        Err(code) => return Ok(code),
    };
    let d = rem_diff::diff(&from, &to);
    let bytes: Vec<u8> = match a.format {
        DiffFormat::Text => {
            let mut s = d.change_log().join("\n");
            s.push('\n');
            s.into_bytes()
        }
        DiffFormat::Json => {
            let mut v = serde_json::to_vec_pretty(&serde_json::json!({
                "format_version": 1,
                "change_log": d.change_log(),
                "diff": d,
            }))?;
            v.push(b'\n');
            v
        }
        DiffFormat::Xlsx => {
            if a.output.is_none() {
                anyhow::bail!("--format xlsx demande --output FICHIER.xlsx");
            }
            export::diff_to_xlsx(&d)?
        }
    };
    write_output(a.output.as_deref(), &bytes)?;
    Ok(EXIT_OK)
}

fn write_output(path: Option<&Path>, bytes: &[u8]) -> anyhow::Result<()> {
    match path {
        Some(p) => std::fs::write(p, bytes)
            .with_context(|| format!("impossible d'écrire {}", p.display()))?,
        None => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            out.write_all(bytes)?;
            out.flush()?;
        }
    }
    Ok(())
}

async fn export_cmd(a: ExportArgs) -> anyhow::Result<u8> {
    let store = open_store(&a.storage).await?;
    let rem = match store
        .system()
        .get_rem_version(&a.dispositif, &a.version)
        .await
    {
        Ok(r) => r,
        Err(segur_store::StoreError::NotFound) => {
            eprintln!(
                "segur: REM {} version {} introuvable dans la base",
                a.dispositif, a.version
            );
            return Ok(EXIT_INPUT_ERRORS);
        }
        Err(e) => return Err(e.into()),
    };
    let bytes = match a.format {
        ExportFormat::Xlsx => {
            if a.output.is_none() {
                anyhow::bail!("--format xlsx demande --output FICHIER.xlsx");
            }
            export::rem_to_xlsx(&rem)?
        }
        ExportFormat::Oscal => {
            let at = match (rem.status, rem.published_on) {
                (RemStatus::Published, Some(d)) => d
                    .to_zoned(jiff::tz::TimeZone::UTC)
                    .map(|z| z.timestamp())
                    .unwrap_or_else(|_| jiff::Timestamp::now()),
                _ => jiff::Timestamp::now(),
            };
            let mut v = serde_json::to_vec_pretty(&oscal::catalog(&rem, at))?;
            v.push(b'\n');
            v
        }
    };
    write_output(a.output.as_deref(), &bytes)?;
    Ok(EXIT_OK)
}

async fn equivalences(a: EquivalenceArgs) -> anyhow::Result<u8> {
    let origin = a.file.display().to_string();
    let bytes = read_input(&a.file)?;
    let from = a.from.as_deref().map(dispositif).transpose()?;
    let to = a.to.as_deref().map(dispositif).transpose()?;
    let format = SourceFormat::detect(&origin, &bytes);
    let lists =
        match equivalence::import_equivalences(&bytes, format, &origin, from.as_ref(), to.as_ref())
        {
            Ok(lists) => lists,
            Err(e) => {
                print_problems(&origin, &e);
                return Ok(EXIT_INPUT_ERRORS);
            }
        };
    let store = if a.dry_run {
        None
    } else {
        Some(open_store(&a.storage).await?)
    };
    for l in &lists {
        if let Some(store) = &store {
            store
                .system()
                .import_equivalence_list(
                    l,
                    AuditEntry::new("", "").with_request(None, Some("cli".into())),
                )
                .await?;
        }
        println!(
            "{} → {} : {} correspondance(s){}",
            l.from_dispositif,
            l.to_dispositif,
            l.pairs.len(),
            if a.dry_run {
                " (contrôle seul)"
            } else {
                ", enregistrée(s)"
            }
        );
    }
    Ok(EXIT_OK)
}
