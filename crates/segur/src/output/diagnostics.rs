//! Rendering of rule diagnostics (`segur check`).

use std::io::Write;

use segur_domain::rules::{Diagnostic, Severity};
use serde::Serialize;

use super::Style;

/// Counts per severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Summary {
    pub fn of(diagnostics: &[Diagnostic]) -> Self {
        let mut s = Summary::default();
        for d in diagnostics {
            match d.severity {
                Severity::Error => s.errors += 1,
                Severity::Warning => s.warnings += 1,
                Severity::Info => s.infos += 1,
            }
        }
        s
    }
}

/// The JSON document of `segur check --format json` (documented in docs/cli.md).
#[derive(Debug, Serialize)]
pub struct CheckReport<'a> {
    pub format_version: u32,
    pub at: jiff::civil::Date,
    pub diagnostics: &'a [Diagnostic],
    pub summary: Summary,
}

pub fn render_json(
    diagnostics: &[Diagnostic],
    at: jiff::civil::Date,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let report = CheckReport {
        format_version: crate::commands::JSON_FORMAT_VERSION,
        at,
        diagnostics,
        summary: Summary::of(diagnostics),
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}

pub(crate) fn severity_label(style: &Style, s: Severity) -> String {
    match s {
        Severity::Error => style.red("erreur"),
        Severity::Warning => style.yellow("avertissement"),
        Severity::Info => style.blue("info"),
    }
}

/// One block per diagnostic: severity, rule and subject, then the French and English messages.
pub fn render_human(
    diagnostics: &[Diagnostic],
    at: jiff::civil::Date,
    out: &mut impl Write,
    colour: bool,
) -> std::io::Result<()> {
    let style = Style { colour };
    writeln!(
        out,
        "{}",
        style.bold(&format!("Vérification au {at} (check at {at})"))
    )?;
    for d in diagnostics {
        writeln!(
            out,
            "\n{} [{}] {}",
            severity_label(&style, d.severity),
            style.bold(&d.rule),
            d.subject
        )?;
        writeln!(out, "  {}", d.message_fr)?;
        writeln!(out, "  {}", style.dim(&d.message_en))?;
        writeln!(out, "  {}", style.dim(&format!("source : {}", d.source)))?;
    }
    let s = Summary::of(diagnostics);
    let line = format!(
        "{} erreur(s), {} avertissement(s), {} info(s) — {} error(s), {} warning(s), {} info(s)",
        s.errors, s.warnings, s.infos, s.errors, s.warnings, s.infos
    );
    let line = if s.errors > 0 {
        style.red(&line)
    } else if s.warnings > 0 {
        style.yellow(&line)
    } else {
        style.green(&line)
    };
    writeln!(out, "\n{line}")
}
