//! XLSX exports: a REM in the published layout (sheet "Exigences", two header rows, one row per
//! requirement × scenario with proof pairs, extra attributes given back as columns), a diff
//! (summary, requirements, proof items) and a candidature's tracking sheet. Each export reads
//! back with [`crate::import_rem`] (tested), so a REM survives a round trip through Excel.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};
use segur_domain::catalogue::{Nature, ProofItemKey, RemVersion};
use segur_domain::rem_diff::{ChangeKind, RemDiff};

/// An export failed (only on internal errors of the writer).
#[derive(Debug, thiserror::Error)]
#[error("export XLSX impossible : {0}")]
pub struct ExportError(#[from] XlsxError);

fn header_format() -> Format {
    Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_border(FormatBorder::Thin)
        .set_background_color("D9E1F2")
}

fn wrap() -> Format {
    Format::new().set_text_wrap().set_align(FormatAlign::Top)
}

fn nature_label(n: Nature) -> &'static str {
    match n {
        Nature::Exigence => "EXIGENCE",
        Nature::Preconisation => "PRECONISATION",
    }
}

fn write_headers(ws: &mut Worksheet, row: u32, headers: &[&str]) -> Result<(), XlsxError> {
    let h = header_format();
    for (c, text) in headers.iter().enumerate() {
        ws.write_string_with_format(row, c as u16, *text, &h)?;
    }
    Ok(())
}

/// The REM as the ANS publishes it.
pub fn rem_to_xlsx(rem: &RemVersion) -> Result<Vec<u8>, ExportError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Exigences")?;
    let pairs = rem
        .requirements
        .iter()
        .flat_map(|r| r.scenarios.iter().map(|s| s.proofs.len()))
        .max()
        .unwrap_or(1)
        .max(1);
    let extra_keys: Vec<String> = {
        let mut keys: Vec<String> = Vec::new();
        for r in &rem.requirements {
            for k in r.extra.keys() {
                if !keys.contains(k) {
                    keys.push(k.clone());
                }
            }
        }
        keys
    };
    let mut headers: Vec<String> = [
        "N° exigence",
        "Chapitre",
        "Fonction",
        "Énoncé",
        "Nature",
        "Profil",
        "Vague d'origine",
        "N° scénario",
        "Scénario de conformité",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    for _ in 0..pairs {
        headers.push("N° preuve".into());
        headers.push("Preuve".into());
    }
    headers.extend(extra_keys.iter().cloned());
    // Row 1: group titles, as in the published template; row 2: column names.
    let title = header_format();
    ws.merge_range(
        0,
        0,
        0,
        6,
        &format!("REM {} — version {}", rem.dispositif, rem.version),
        &title,
    )?;
    ws.merge_range(0, 7, 0, 8, "Scénario", &title)?;
    let last_pair_col = (9 + 2 * pairs - 1) as u16;
    if last_pair_col > 9 {
        ws.merge_range(0, 9, 0, last_pair_col, "Preuves attendues", &title)?;
    } else {
        ws.write_string_with_format(0, 9, "Preuves attendues", &title)?;
    }
    let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    write_headers(ws, 1, &refs)?;
    let wrap = wrap();
    let mut row = 2u32;
    for r in &rem.requirements {
        for sc in &r.scenarios {
            ws.write_string(row, 0, r.id.as_str())?;
            ws.write_string_with_format(row, 1, &r.chapter, &wrap)?;
            ws.write_string_with_format(row, 2, &r.fonction, &wrap)?;
            ws.write_string_with_format(row, 3, &r.enonce, &wrap)?;
            ws.write_string(row, 4, nature_label(r.nature))?;
            ws.write_string(row, 5, r.profile.as_str())?;
            ws.write_string(row, 6, r.wave_origin.as_str())?;
            ws.write_number(row, 7, f64::from(sc.number))?;
            ws.write_string_with_format(row, 8, &sc.text, &wrap)?;
            for (k, p) in sc.proofs.iter().enumerate() {
                let c = (9 + 2 * k) as u16;
                ws.write_number(row, c, f64::from(p.number))?;
                ws.write_string_with_format(row, c + 1, &p.text, &wrap)?;
            }
            for (k, key) in extra_keys.iter().enumerate() {
                if let Some(v) = r.extra.get(key) {
                    ws.write_string(row, (9 + 2 * pairs + k) as u16, v)?;
                }
            }
            row += 1;
        }
    }
    ws.set_column_width(0, 22)?;
    ws.set_column_width(1, 24)?;
    ws.set_column_width(3, 60)?;
    ws.set_column_width(8, 50)?;
    ws.set_freeze_panes(2, 1)?;
    ws.autofilter(
        1,
        0,
        row.saturating_sub(1).max(1),
        (headers.len() - 1) as u16,
    )?;
    Ok(wb.save_to_buffer()?)
}

/// A diff as a workbook: "Synthèse" (the change log), "Exigences", "Éléments de preuve".
pub fn diff_to_xlsx(diff: &RemDiff) -> Result<Vec<u8>, ExportError> {
    let mut wb = Workbook::new();
    let wrap = wrap();
    {
        let ws = wb.add_worksheet();
        ws.set_name("Synthèse")?;
        write_headers(ws, 0, &["Journal des modifications (REM-03)"])?;
        for (i, line) in diff.change_log().iter().enumerate() {
            ws.write_string_with_format(i as u32 + 1, 0, line, &wrap)?;
        }
        ws.set_column_width(0, 120)?;
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name("Exigences")?;
        write_headers(
            ws,
            0,
            &[
                "N° exigence",
                "Chapitre",
                "Classement",
                "Champs modifiés",
                "Énoncé précédent",
                "Énoncé nouveau",
            ],
        )?;
        for (i, r) in diff.requirements.iter().enumerate() {
            let row = i as u32 + 1;
            ws.write_string(row, 0, r.id.as_str())?;
            ws.write_string(row, 1, &r.chapter)?;
            ws.write_string(row, 2, r.kind.label_fr())?;
            ws.write_string(row, 3, r.fields.names_fr().join(", "))?;
            ws.write_string_with_format(row, 4, r.old_enonce.as_deref().unwrap_or(""), &wrap)?;
            ws.write_string_with_format(row, 5, r.new_enonce.as_deref().unwrap_or(""), &wrap)?;
        }
        ws.set_column_width(0, 22)?;
        ws.set_column_width(4, 60)?;
        ws.set_column_width(5, 60)?;
        ws.autofilter(0, 0, diff.requirements.len().max(1) as u32, 5)?;
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name("Éléments de preuve")?;
        write_headers(
            ws,
            0,
            &[
                "N° exigence",
                "N° scénario",
                "N° preuve",
                "Classement",
                "Preuve précédente",
                "Preuve nouvelle",
            ],
        )?;
        for (i, p) in diff.proof_items.iter().enumerate() {
            let row = i as u32 + 1;
            ws.write_string(row, 0, p.key.requirement.as_str())?;
            ws.write_number(row, 1, f64::from(p.key.scenario))?;
            ws.write_number(row, 2, f64::from(p.key.proof))?;
            ws.write_string(row, 3, item_label(p.kind))?;
            ws.write_string_with_format(row, 4, p.old_text.as_deref().unwrap_or(""), &wrap)?;
            ws.write_string_with_format(row, 5, p.new_text.as_deref().unwrap_or(""), &wrap)?;
        }
        ws.set_column_width(0, 22)?;
        ws.set_column_width(4, 50)?;
        ws.set_column_width(5, 50)?;
        ws.autofilter(0, 0, diff.proof_items.len().max(1) as u32, 5)?;
    }
    Ok(wb.save_to_buffer()?)
}

fn item_label(k: ChangeKind) -> &'static str {
    match k {
        ChangeKind::Unchanged => "inchangé",
        ChangeKind::Reworded => "reformulé",
        ChangeKind::New => "nouveau",
        ChangeKind::Removed => "supprimé",
    }
}

/// One line of a candidature's tracking sheet: a proof item and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingRow {
    pub key: ProofItemKey,
    pub chapter: String,
    pub profile: String,
    pub nature: Nature,
    pub scenario_text: String,
    pub proof_text: String,
    /// French label of the status (déposée, validée, à déposer, héritée…).
    pub status: String,
    /// Rule that decided the status, if any (e.g. HER-01, EQV-06).
    pub rule: Option<String>,
    pub deposited_on: Option<String>,
}

/// The tracking sheet editors keep by hand today: one row per proof item with its status.
pub fn tracking_to_xlsx(title: &str, rows: &[TrackingRow]) -> Result<Vec<u8>, ExportError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Suivi des preuves")?;
    let t = header_format();
    ws.merge_range(0, 0, 0, 10, title, &t)?;
    write_headers(
        ws,
        1,
        &[
            "N° exigence",
            "Chapitre",
            "Profil",
            "Nature",
            "N° scénario",
            "Scénario de conformité",
            "N° preuve",
            "Preuve",
            "Statut",
            "Règle",
            "Déposée le",
        ],
    )?;
    let wrap = wrap();
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 2;
        ws.write_string(row, 0, r.key.requirement.as_str())?;
        ws.write_string(row, 1, &r.chapter)?;
        ws.write_string(row, 2, &r.profile)?;
        ws.write_string(row, 3, nature_label(r.nature))?;
        ws.write_number(row, 4, f64::from(r.key.scenario))?;
        ws.write_string_with_format(row, 5, &r.scenario_text, &wrap)?;
        ws.write_number(row, 6, f64::from(r.key.proof))?;
        ws.write_string_with_format(row, 7, &r.proof_text, &wrap)?;
        ws.write_string(row, 8, &r.status)?;
        ws.write_string(row, 9, r.rule.as_deref().unwrap_or(""))?;
        ws.write_string(row, 10, r.deposited_on.as_deref().unwrap_or(""))?;
    }
    ws.set_column_width(0, 22)?;
    ws.set_column_width(5, 45)?;
    ws.set_column_width(7, 45)?;
    ws.set_column_width(8, 18)?;
    ws.set_freeze_panes(2, 1)?;
    ws.autofilter(1, 0, rows.len() as u32 + 1, 10)?;
    Ok(wb.save_to_buffer()?)
}
