//! Rendering of a world file that could not be loaded (exit code 2).

use std::io::Write;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource, Report,
};
use segur_domain::world_file::LoadError;
use serde_json::json;

/// French message with the English one, the file location and the offending lines.
pub fn render_human(e: &LoadError, out: &mut impl Write, colour: bool) -> std::io::Result<()> {
    let mut diag = MietteDiagnostic::new(format!("{}\n{}", e.message_fr, e.message_en))
        .with_code("segur::fichier_invalide")
        .with_help(
            "le fichier n'a pas été vérifié : corrigez-le puis relancez (the file was not checked)",
        );
    if let Some(span) = &e.span {
        diag = diag.with_label(LabeledSpan::at(span.clone(), "ici / here"));
    }
    let report = match &e.source_text {
        Some(text) if e.span.is_some() => {
            Report::new(diag).with_source_code(NamedSource::new(e.origin.clone(), text.clone()))
        }
        _ => Report::new(diag),
    };
    let theme = if colour {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let mut rendered = String::new();
    let location = match (e.line, e.column) {
        (Some(l), Some(c)) => format!("{}:{l}:{c}", e.origin),
        _ => e.origin.clone(),
    };
    rendered.push_str(&format!("Fichier invalide (invalid file) : {location}\n"));
    GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false)
        .render_report(&mut rendered, report.as_ref())
        .map_err(std::io::Error::other)?;
    out.write_all(rendered.as_bytes())
}

/// `{"format_version":1,"error":{origin,line,column,message_fr,message_en}}`.
pub fn render_json(e: &LoadError, out: &mut impl Write) -> std::io::Result<()> {
    let doc = json!({
        "format_version": super::super::commands::JSON_FORMAT_VERSION,
        "error": {
            "origin": e.origin,
            "line": e.line,
            "column": e.column,
            "message_fr": e.message_fr,
            "message_en": e.message_en,
        }
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
