//! Workbooks shaped like the ANS publications, generated rather than committed: the tests, the
//! benchmark and the fuzz seed corpus use them. The layout follows the published REM template
//! (docs: /work/shared/domain README §g): sheet "Exigences" with group titles on row 1 and
//! column names on row 2, then N° exigence, Chapitre, Fonction, Énoncé, Nature, Profil,
//! N° scénario, Scénario de conformité, pairs (N° preuve, Preuve), Commentaire, Statut
//! publication, VA N-1, plus a second sheet "Scénarios coeur de métier".

use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// One generated row (requirement × scenario, with its proofs).
#[derive(Debug, Clone)]
pub struct Row {
    pub id: String,
    pub chapter: String,
    pub fonction: String,
    pub enonce: String,
    pub nature: &'static str,
    pub profile: String,
    pub scenario: u16,
    pub scenario_text: String,
    pub proofs: Vec<(u16, String)>,
    pub comment: String,
}

const CHAPTERS: [(&str, &str); 6] = [
    ("INS", "Identité nationale de santé"),
    ("DMP", "Dossier médical partagé"),
    ("PSC", "Pro Santé Connect"),
    ("MSS", "Messagerie sécurisée de santé"),
    ("SSI/GEN", "Sécurité des systèmes d'information"),
    ("ORD", "e-Prescription"),
];
const PROFILES: [&str; 3] = ["Général", "SF", "Kiné"];

/// Rows of a realistic REM: `requirements` requirements, 1–2 scenarios each, 1–3 proofs per
/// scenario. `variant` changes some texts (a later version): every 7th requirement's proof 1
/// is reworded, every 11th énoncé is reworded, and with `variant > 0` some requirements are
/// dropped and others added.
pub fn rem_rows(requirements: usize, variant: u32) -> Vec<Row> {
    let mut rows = Vec::new();
    for i in 0..requirements {
        if variant > 0 && i % 13 == 5 {
            continue; // removed in the later version
        }
        let (sec, chapter) = CHAPTERS[i % CHAPTERS.len()];
        let id = format!("SC.{sec}.{:02}.{:02}", i / 100 + 1, i % 100 + 1);
        let mut enonce = format!(
            "Le logiciel DOIT permettre à l'utilisateur de réaliser l'opération n° {i} relative au volet {chapter}, \
             en conservant la traçabilité des accès et en informant le patient."
        );
        if variant > 0 && i % 11 == 3 {
            enonce.push_str(" Cette exigence s'applique aussi aux données historiques.");
        }
        let scenarios = 1 + (i % 2) as u16;
        for s in 1..=scenarios {
            let proofs = 1 + ((i + s as usize) % 3) as u16;
            rows.push(Row {
                id: id.clone(),
                chapter: chapter.to_owned(),
                fonction: format!("Fonction {}", i % 9 + 1),
                enonce: enonce.clone(),
                nature: if i % 5 == 4 { "PRECONISATION" } else { "EXIGENCE" },
                profile: PROFILES[i % PROFILES.len()].to_owned(),
                scenario: s,
                scenario_text: format!(
                    "Le testeur réalise le scénario {s} de l'exigence {id} sur un jeu de données de test et vérifie le résultat."
                ),
                proofs: (1..=proofs)
                    .map(|p| {
                        let mut t = format!("Capture d'écran n° {p} montrant le résultat du scénario {s}");
                        if variant > 0 && i % 7 == 2 && p == 1 {
                            t.push_str(", horodatée");
                        }
                        (p, t)
                    })
                    .collect(),
                comment: if i % 4 == 0 { format!("Nouveauté va2 ({i})") } else { String::new() },
            });
        }
    }
    if variant > 0 {
        for j in 0..(requirements / 20).max(1) {
            let id = format!("SC.NEW.{:02}", j + 1);
            rows.push(Row {
                id: id.clone(),
                chapter: "Nouveautés".into(),
                fonction: String::new(),
                enonce: format!("Le logiciel DOIT offrir la nouvelle fonction {j}."),
                nature: "EXIGENCE",
                profile: "Général".into(),
                scenario: 1,
                scenario_text: format!("Le testeur vérifie {id}."),
                proofs: vec![(1, "Vidéo commentée".into())],
                comment: String::new(),
            });
        }
    }
    rows
}

/// The published layout: one row per requirement × scenario with up to `pairs` proof pairs.
/// With `merge`, requirement cells are merged vertically as in the ANS files (the reader sees
/// blanks below the first row).
pub fn published_workbook(rows: &[Row], merge: bool) -> Result<Vec<u8>, XlsxError> {
    let pairs = rows
        .iter()
        .map(|r| r.proofs.len())
        .max()
        .unwrap_or(1)
        .max(1);
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name("Exigences")?;
    ws.write_string_with_format(0, 0, "Exigences", &bold)?;
    ws.write_string_with_format(0, 6, "Scénarios de conformité", &bold)?;
    ws.write_string_with_format(0, 8, "Preuves attendues", &bold)?;
    let mut headers: Vec<String> = [
        "N° exigence",
        "Chapitre",
        "Fonction",
        "Énoncé",
        "Nature",
        "Profil",
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
    for h in ["Commentaire", "Statut publication", "VA N-1"] {
        headers.push(h.into());
    }
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(1, c as u16, h, &bold)?;
    }
    let extra_col = (8 + 2 * pairs) as u16;
    let mut prev_id: Option<&str> = None;
    for (r, row) in (2u32..).zip(rows) {
        let continuation = merge && prev_id == Some(row.id.as_str());
        if !continuation {
            ws.write_string(r, 0, &row.id)?;
            ws.write_string(r, 1, &row.chapter)?;
            ws.write_string(r, 2, &row.fonction)?;
            ws.write_string(r, 3, &row.enonce)?;
            ws.write_string(r, 4, row.nature)?;
            ws.write_string(r, 5, &row.profile)?;
        }
        ws.write_number(r, 6, f64::from(row.scenario))?;
        ws.write_string(r, 7, &row.scenario_text)?;
        for (k, (n, t)) in row.proofs.iter().enumerate() {
            ws.write_number(r, (8 + 2 * k) as u16, f64::from(*n))?;
            ws.write_string(r, (9 + 2 * k) as u16, t)?;
        }
        if !row.comment.is_empty() {
            ws.write_string(r, extra_col, &row.comment)?;
        }
        ws.write_string(r, extra_col + 1, "Publié")?;
        prev_id = Some(row.id.as_str());
    }
    let other = wb.add_worksheet();
    other.set_name("Scénarios coeur de métier")?;
    other.write_string(0, 0, "Scénario")?;
    wb.save_to_buffer()
}

/// The Convergence export layout: one row per requirement × scenario × proof, no Nature column.
pub fn convergence_workbook(rows: &[Row]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Exigences")?;
    ws.write_string(0, 0, "Export Convergence")?;
    for (c, h) in [
        "N° exigence",
        "Chapitre",
        "Fonction",
        "Énoncé",
        "Profil",
        "N° scénario",
        "Scénario de conformité",
        "N° preuve",
        "Preuve",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(1, c as u16, *h)?;
    }
    let mut r = 2u32;
    for row in rows {
        for (n, t) in &row.proofs {
            ws.write_string(r, 0, &row.id)?;
            ws.write_string(r, 1, &row.chapter)?;
            ws.write_string(r, 2, &row.fonction)?;
            ws.write_string(r, 3, &row.enonce)?;
            ws.write_string(r, 4, &row.profile)?;
            ws.write_number(r, 5, f64::from(row.scenario))?;
            ws.write_string(r, 6, &row.scenario_text)?;
            ws.write_number(r, 7, f64::from(*n))?;
            ws.write_string(r, 8, t)?;
            r += 1;
        }
    }
    wb.save_to_buffer()
}

/// The same rows as a `;`-separated CSV with one header row (as saved by French Excel).
pub fn csv(rows: &[Row]) -> String {
    let mut out = String::from(
        "N° exigence;Chapitre;Fonction;Énoncé;Nature;Profil;N° scénario;Scénario de conformité;N° preuve;Preuve;Commentaire\n",
    );
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    for row in rows {
        for (n, t) in &row.proofs {
            out.push_str(&format!(
                "{};{};{};{};{};{};{};{};{};{};{}\n",
                row.id,
                q(&row.chapter),
                q(&row.fonction),
                q(&row.enonce),
                row.nature,
                q(&row.profile),
                row.scenario,
                q(&row.scenario_text),
                n,
                q(t),
                q(&row.comment)
            ));
        }
    }
    out
}
