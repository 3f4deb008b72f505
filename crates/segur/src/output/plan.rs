//! Rendering of a proof plan (`segur plan`).

use std::io::Write;

use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use segur_domain::rules::{PlanError, PlanStatus, PlanTotals, ProofPlan};
use serde::Serialize;
use serde_json::json;

use super::Style;

/// The JSON document of `segur plan --format json`.
#[derive(Debug, Serialize)]
pub struct PlanReport<'a> {
    pub format_version: u32,
    pub at: jiff::civil::Date,
    pub plan: &'a ProofPlan,
}

pub fn render_json(
    plan: &ProofPlan,
    at: jiff::civil::Date,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let report = PlanReport {
        format_version: crate::commands::JSON_FORMAT_VERSION,
        at,
        plan,
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}

pub fn render_plan_error(
    e: &PlanError,
    json_output: bool,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let d = e.diagnostic();
    if json_output {
        let doc = json!({
            "format_version": crate::commands::JSON_FORMAT_VERSION,
            "error": { "rule": d.rule, "message_fr": d.message_fr, "message_en": d.message_en }
        });
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        writeln!(out)
    } else {
        writeln!(
            out,
            "Plan impossible [{}] : {}\n({})",
            d.rule, d.message_fr, d.message_en
        )
    }
}

/// The French status label padded to a fixed width (before colouring, so columns align).
fn status_label(style: &Style, s: PlanStatus) -> String {
    let padded = format!("{:<28}", s.label_fr());
    let label = padded.as_str();
    match s {
        PlanStatus::Required => style.yellow(label),
        PlanStatus::Impacted => style.red(label),
        PlanStatus::Inherited | PlanStatus::Equivalent => style.green(label),
        PlanStatus::NotApplicable => style.dim(label),
    }
}

fn totals_line(t: &PlanTotals) -> String {
    format!(
        "{} à déposer ({} requises + {} impactées), {} déposées ({} %), {} validées ; {} héritées, {} équivalentes, {} non applicables",
        t.to_deposit(),
        t.required,
        t.impacted,
        t.deposited,
        t.deposited_pct(),
        t.validated,
        t.inherited,
        t.equivalent,
        t.not_applicable
    )
}

fn header(
    plan: &ProofPlan,
    at: jiff::civil::Date,
    style: &Style,
    out: &mut impl Write,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{}",
        style.bold(&format!(
            "Plan de preuves — candidature {} — {} (REM {}) — au {at}",
            plan.candidature, plan.dispositif, plan.rem_version
        ))
    )
}

fn footer(plan: &ProofPlan, style: &Style, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(
        out,
        "\n{}",
        style.bold("Totaux par profil (totals per profile)")
    )?;
    for (profile, t) in &plan.by_profile {
        writeln!(out, "  {profile} : {}", totals_line(t))?;
    }
    writeln!(
        out,
        "\n{} {}",
        style.bold("Total :"),
        totals_line(&plan.totals)
    )?;
    if !plan.diagnostics.is_empty() {
        writeln!(out, "\n{}", style.bold("Diagnostics du plan"))?;
        for d in &plan.diagnostics {
            writeln!(
                out,
                "  {} [{}] {} — {}",
                super::diagnostics::severity_label(style, d.severity),
                d.rule,
                d.subject,
                d.message_fr
            )?;
        }
    }
    Ok(())
}

/// Per chapter: one line per item (requirement / scenario / proof, profile, status, rules).
pub fn render_human(
    plan: &ProofPlan,
    at: jiff::civil::Date,
    out: &mut impl Write,
    colour: bool,
) -> std::io::Result<()> {
    let style = Style { colour };
    header(plan, at, &style, out)?;
    for (chapter, totals) in &plan.by_chapter {
        writeln!(out, "\n{}", style.bold(chapter))?;
        writeln!(out, "  {}", style.dim(&totals_line(totals)))?;
        for item in plan.items.iter().filter(|i| &i.chapter == chapter) {
            let mut line = format!(
                "  {:<24} {:<14} {}  [{}]",
                item.key.to_string(),
                item.profile.as_str(),
                status_label(&style, item.status),
                item.rules.join(", ")
            );
            if let Some(nru) = &item.source_nru {
                line.push_str(&format!("  NRU {nru}"));
            }
            if let Some(req) = &item.source_requirement
                && req != &item.key.requirement
            {
                line.push_str(&format!(" ← {req}"));
            }
            if let Some(dep) = item.deposit {
                line.push_str(&format!("  ({})", dep.label_fr()));
            }
            writeln!(out, "{line}")?;
        }
    }
    footer(plan, &style, out)
}

/// A comfy-table of every item, then totals per chapter and profile.
pub fn render_table(
    plan: &ProofPlan,
    at: jiff::civil::Date,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let style = Style { colour: false };
    header(plan, at, &style, out)?;
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(vec![
            "Chapitre",
            "Exigence",
            "Scénario",
            "Preuve",
            "Profil",
            "Statut",
            "Règles",
            "NRU source",
            "Dépôt",
        ]);
    for item in &plan.items {
        table.add_row(vec![
            item.chapter.clone(),
            item.key.requirement.to_string(),
            item.key.scenario.to_string(),
            item.key.proof.to_string(),
            item.profile.to_string(),
            item.status.label_fr().to_owned(),
            item.rules.join(", "),
            item.source_nru
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            item.deposit
                .map(|d| d.label_fr().to_owned())
                .unwrap_or_default(),
        ]);
    }
    writeln!(out, "{table}")?;
    let mut totals = Table::new();
    totals.load_style(UTF8_FULL_CONDENSED).set_header(vec![
        "Chapitre / profil",
        "Requises",
        "Impactées",
        "Héritées",
        "Équivalentes",
        "Non applicables",
        "Déposées",
        "Validées",
    ]);
    let row = |name: String, t: &PlanTotals| {
        vec![
            name,
            t.required.to_string(),
            t.impacted.to_string(),
            t.inherited.to_string(),
            t.equivalent.to_string(),
            t.not_applicable.to_string(),
            format!("{} ({} %)", t.deposited, t.deposited_pct()),
            t.validated.to_string(),
        ]
    };
    for (chapter, t) in &plan.by_chapter {
        totals.add_row(row(chapter.clone(), t));
    }
    for (profile, t) in &plan.by_profile {
        totals.add_row(row(format!("Profil {profile}"), t));
    }
    totals.add_row(row("Total".to_owned(), &plan.totals));
    writeln!(out, "{totals}")?;
    if !plan.diagnostics.is_empty() {
        writeln!(out, "\nDiagnostics du plan")?;
        for d in &plan.diagnostics {
            writeln!(
                out,
                "  {} [{}] {} — {}",
                d.severity.label_fr(),
                d.rule,
                d.subject,
                d.message_fr
            )?;
        }
    }
    Ok(())
}
