//! `segur check FILE [--at DATE] [--format human|json]`: every diagnostic of a world file.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use segur_domain::rules::{self, Diagnostic};

use super::{EXIT_DIAGNOSTIC_ERRORS, EXIT_INVALID, EXIT_OK, exit, parse_date};
use crate::output;

/// Output format of `segur check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// Readable report, coloured on a terminal.
    Human,
    /// Stable JSON document (see docs/cli.md).
    Json,
}

/// Checks a candidature-as-code file against every rule.
#[derive(Debug, Clone, clap::Args)]
pub struct CheckArgs {
    /// World file (TOML, or JSON when it ends in `.json`).
    pub file: PathBuf,
    /// Date of the check (YYYY-MM-DD); default: today in Europe/Paris.
    #[arg(long, value_parser = parse_date)]
    pub at: Option<jiff::civil::Date>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: CheckFormat,
}

/// Runs the command, writing to stdout.
pub fn run(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let code = execute(args, &mut out, super::use_colour())?;
    out.flush()?;
    Ok(exit(code))
}

/// Runs the command, writing to `out`; returns the exit code.
pub fn execute(args: &CheckArgs, out: &mut impl Write, colour: bool) -> anyhow::Result<u8> {
    let at = args.at.unwrap_or_else(crate::today_in_paris);
    let loaded = match crate::load_world_file(&args.file) {
        Ok(l) => l,
        Err(e) => {
            match args.format {
                CheckFormat::Human => output::load_error::render_human(&e, out, colour)?,
                CheckFormat::Json => output::load_error::render_json(&e, out)?,
            }
            return Ok(EXIT_INVALID);
        }
    };
    let diagnostics = rules::check(&loaded.world, at, &loaded.settings);
    match args.format {
        CheckFormat::Human => output::diagnostics::render_human(&diagnostics, at, out, colour)?,
        CheckFormat::Json => output::diagnostics::render_json(&diagnostics, at, out)?,
    }
    Ok(exit_code(&diagnostics))
}

/// 1 when any diagnostic is an error, else 0.
pub fn exit_code(diagnostics: &[Diagnostic]) -> u8 {
    if diagnostics.iter().any(Diagnostic::is_error) {
        EXIT_DIAGNOSTIC_ERRORS
    } else {
        EXIT_OK
    }
}
