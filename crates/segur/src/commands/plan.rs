//! `segur plan FILE --candidature ID [--at DATE] [--format human|table|json]`: the proof plan
//! of one candidature, with the rule behind each item's status.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use segur_domain::rules::{self, Diagnostic};

use super::{EXIT_INVALID, exit, parse_date};
use crate::output;

/// Output format of `segur plan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlanFormat {
    /// Per chapter, one line per proof item, then totals.
    Human,
    /// One table row per proof item, then totals per chapter and profile.
    Table,
    /// The ProofPlan as JSON, wrapped with `format_version` (see docs/cli.md).
    Json,
}

/// Computes the proof plan of one candidature of a world file.
#[derive(Debug, Clone, clap::Args)]
pub struct PlanArgs {
    /// World file (TOML, or JSON when it ends in `.json`).
    pub file: PathBuf,
    /// Identifier of the candidature in the file (e.g. `monlps-psf`).
    #[arg(long)]
    pub candidature: String,
    /// Date of the plan (YYYY-MM-DD); default: today in Europe/Paris.
    #[arg(long, value_parser = parse_date)]
    pub at: Option<jiff::civil::Date>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: PlanFormat,
}

/// Runs the command, writing to stdout.
pub fn run(args: &PlanArgs) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let code = execute(args, &mut out, super::use_colour())?;
    out.flush()?;
    Ok(exit(code))
}

/// Runs the command, writing to `out`; returns the exit code: 0 plan without error
/// diagnostic, 1 plan with error diagnostics, 2 invalid file or unknown candidature.
pub fn execute(args: &PlanArgs, out: &mut impl Write, colour: bool) -> anyhow::Result<u8> {
    let at = args.at.unwrap_or_else(crate::today_in_paris);
    let loaded = match crate::load_world_file(&args.file) {
        Ok(l) => l,
        Err(e) => {
            match args.format {
                PlanFormat::Json => output::load_error::render_json(&e, out)?,
                _ => output::load_error::render_human(&e, out, colour)?,
            }
            return Ok(EXIT_INVALID);
        }
    };
    let plan = match rules::plan(&loaded.world, &args.candidature, at, &loaded.settings) {
        Ok(p) => p,
        Err(e) => {
            output::plan::render_plan_error(&e, args.format == PlanFormat::Json, out)?;
            return Ok(EXIT_INVALID);
        }
    };
    match args.format {
        PlanFormat::Human => output::plan::render_human(&plan, at, out, colour)?,
        PlanFormat::Table => output::plan::render_table(&plan, at, out)?,
        PlanFormat::Json => output::plan::render_json(&plan, at, out)?,
    }
    Ok(super::check::exit_code(&plan.diagnostics))
}

/// Re-exported for callers that only hold a plan's diagnostics.
pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(Diagnostic::is_error)
}
