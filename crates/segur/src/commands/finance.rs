//! `segur finance check FILE.json [--world WORLD] [--editor ID] [--at DATE] [--format …]`: the
//! payment-request simulator offline. The document is checked exactly as the server's
//! simulator and deposit do (same domain function): its shape against the JSON Schema, with
//! JSON pointers, then the BDC, FIN and PRE rules on the world's records of that editor with
//! the document merged in.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use segur_domain::financing::request::{MAX_DOCUMENT_BYTES, simulate};
use segur_domain::financing::{FinancingRecords, PaymentRequest, Prestation};
use segur_domain::rules::Settings;
use segur_domain::world::World;
use serde::Serialize;

use super::check::CheckFormat;
use super::{EXIT_DIAGNOSTIC_ERRORS, EXIT_INVALID, EXIT_OK, exit, parse_date};
use crate::output;

/// Checks a payment-request document without depositing it.
#[derive(Debug, Clone, clap::Args)]
pub struct FinanceCheckArgs {
    /// The request document (JSON, format `segur.demande-financement.v1`).
    pub file: PathBuf,
    /// World file giving the context: calendars, referencings, candidatures, clients (caps)
    /// and the editor's other orders and requests.
    #[arg(long)]
    pub world: Option<PathBuf>,
    /// Editor depositing the request (default: the world's only editor, else `editeur`).
    #[arg(long)]
    pub editor: Option<String>,
    /// Date of the check and of the deposit (YYYY-MM-DD); default: today in Europe/Paris.
    #[arg(long, value_parser = parse_date)]
    pub at: Option<jiff::civil::Date>,
    #[arg(long, value_enum, default_value = "human")]
    pub format: CheckFormat,
}

#[derive(Serialize)]
struct Report<'a> {
    format_version: u32,
    at: jiff::civil::Date,
    accepted: bool,
    amendment: bool,
    issues: &'a [segur_domain::financing::request::DocumentIssue],
    diagnostics: &'a [segur_domain::rules::Diagnostic],
}

pub fn run(args: &FinanceCheckArgs) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let code = execute(args, &mut out, super::use_colour())?;
    out.flush()?;
    Ok(exit(code))
}

pub fn execute(args: &FinanceCheckArgs, out: &mut impl Write, colour: bool) -> anyhow::Result<u8> {
    let at = args.at.unwrap_or_else(crate::today_in_paris);
    let (world, settings) = match &args.world {
        Some(path) => match crate::load_world_file(path) {
            Ok(l) => (l.world, l.settings),
            Err(e) => {
                match args.format {
                    CheckFormat::Human => output::load_error::render_human(&e, out, colour)?,
                    CheckFormat::Json => output::load_error::render_json(&e, out)?,
                }
                return Ok(EXIT_INVALID);
            }
        },
        None => (World::default(), Settings::default()),
    };
    let doc = match read_document(&args.file) {
        Ok(d) => d,
        Err(message) => {
            writeln!(out, "segur: {}: {message}", args.file.display())?;
            return Ok(EXIT_INVALID);
        }
    };
    let editor = args
        .editor
        .clone()
        .unwrap_or_else(|| match world.editors.as_slice() {
            [only] => only.id.clone(),
            _ => "editeur".to_owned(),
        });
    // The editor's own records only, as on the server.
    let orders: Vec<_> = world
        .orders
        .iter()
        .filter(|o| o.editor == editor)
        .cloned()
        .collect();
    let owns = |order: &str| orders.iter().any(|o| o.id == order);
    let requests: Vec<PaymentRequest> = world
        .payment_requests
        .iter()
        .filter(|r| owns(&r.order))
        .cloned()
        .collect();
    let prestations: Vec<Prestation> = world
        .prestations
        .iter()
        .filter(|p| owns(&p.order))
        .cloned()
        .collect();
    let records = FinancingRecords {
        clients: &world.clients,
        orders: &orders,
        payment_requests: &requests,
        prestations: &prestations,
    };
    let sim = simulate(&world, records, &doc, &editor, at, &settings);
    match args.format {
        CheckFormat::Json => {
            serde_json::to_writer_pretty(
                &mut *out,
                &Report {
                    format_version: super::JSON_FORMAT_VERSION,
                    at,
                    accepted: sim.accepted(),
                    amendment: sim.amendment,
                    issues: &sim.issues,
                    diagnostics: &sim.diagnostics,
                },
            )?;
            writeln!(out)?;
        }
        CheckFormat::Human => {
            if !sim.issues.is_empty() {
                writeln!(
                    out,
                    "{} problème(s) de forme dans {} :",
                    sim.issues.len(),
                    args.file.display()
                )?;
                for i in &sim.issues {
                    let pointer = if i.pointer.is_empty() {
                        "(document)"
                    } else {
                        &i.pointer
                    };
                    writeln!(out, "  {pointer} : {}", i.message_fr)?;
                }
            } else {
                output::diagnostics::render_human(&sim.diagnostics, at, out, colour)?;
                if sim.accepted() {
                    writeln!(
                        out,
                        "La demande serait acceptée au dépôt{}.",
                        if sim.amendment { " (avenant)" } else { "" }
                    )?;
                } else {
                    writeln!(out, "La demande serait refusée au dépôt.")?;
                }
            }
        }
    }
    Ok(if !sim.issues.is_empty() {
        EXIT_INVALID
    } else if sim.accepted() {
        EXIT_OK
    } else {
        EXIT_DIAGNOSTIC_ERRORS
    })
}

fn read_document(path: &std::path::Path) -> Result<serde_json::Value, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("illisible : {e}"))?;
    if meta.len() > MAX_DOCUMENT_BYTES as u64 {
        return Err(format!(
            "document trop volumineux : au plus {} Kio",
            MAX_DOCUMENT_BYTES / 1024
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("illisible : {e}"))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        format!(
            "JSON illisible (ligne {}, colonne {}) : {e}",
            e.line(),
            e.column()
        )
    })
}
