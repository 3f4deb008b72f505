//! The form's data from the PDF's AcroForm text fields, when the form has them.
//!
//! Field names recognised (case- and accent-insensitive): `prestataire` / `provider`,
//! `qualification_passi` / `passi`, `date_formulaire` / `date`, `noms_commerciaux` / `names`,
//! `versions_techniques` / `versions`, `environnement` / `environment`. Anything missing is
//! asked from the editor; what the editor declares wins over the fields.

use std::collections::BTreeMap;

use lopdf::{Document, Object};
use segur_domain::text::fold;
use segur_domain::world::TestEnvironment;
use serde::{Deserialize, Serialize};

/// Data read from the form's fields (every part optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormFields {
    pub provider: Option<String>,
    pub passi_qualified: Option<bool>,
    pub dated_on: Option<jiff::civil::Date>,
    #[serde(default)]
    pub names: Vec<String>,
    #[serde(default)]
    pub versions: Vec<String>,
    pub environment: Option<TestEnvironment>,
    /// Every text field found (fully qualified name → value).
    #[serde(default)]
    pub raw: BTreeMap<String, String>,
}

const MAX_FIELDS: usize = 1000;
const MAX_DEPTH: usize = 8;

/// Reads the AcroForm text fields of a PDF; empty when there are none or the PDF is
/// unreadable (never fails, never panics).
pub fn form_fields(pdf: &[u8]) -> FormFields {
    if pdf.len() > crate::MAX_INPUT_BYTES || !pdf.windows(5).take(1024).any(|w| w == b"%PDF-") {
        return FormFields::default();
    }
    let Ok(Ok(doc)) = std::panic::catch_unwind(|| Document::load_mem(pdf)) else {
        return FormFields::default();
    };
    let mut raw = BTreeMap::new();
    let fields = doc
        .catalog()
        .ok()
        .and_then(|c| c.get(b"AcroForm").ok())
        .and_then(|o| doc.dereference(o).ok())
        .and_then(|(_, o)| o.as_dict().ok())
        .and_then(|d| d.get(b"Fields").ok())
        .and_then(|o| doc.dereference(o).ok())
        .and_then(|(_, o)| o.as_array().ok());
    if let Some(fields) = fields {
        for f in fields {
            collect(&doc, f, "", 0, &mut raw);
        }
    }
    interpret(raw)
}

fn collect(
    doc: &Document,
    obj: &Object,
    prefix: &str,
    depth: usize,
    out: &mut BTreeMap<String, String>,
) {
    if depth > MAX_DEPTH || out.len() >= MAX_FIELDS {
        return;
    }
    let Ok((_, obj)) = doc.dereference(obj) else {
        return;
    };
    let Ok(dict) = obj.as_dict() else {
        return;
    };
    let own = dict
        .get(b"T")
        .ok()
        .and_then(|o| o.as_str().ok())
        .map(text_string);
    let name = match (&own, prefix.is_empty()) {
        (Some(t), true) => t.clone(),
        (Some(t), false) => format!("{prefix}.{t}"),
        (None, _) => prefix.to_owned(),
    };
    if let Some(v) = dict.get(b"V").ok().and_then(|o| doc.dereference(o).ok()) {
        let value = match v.1 {
            Object::String(s, _) => Some(text_string(s)),
            Object::Name(n) => Some(String::from_utf8_lossy(n).into_owned()),
            _ => None,
        };
        if let Some(value) = value
            && !name.is_empty()
        {
            out.insert(name.clone(), value);
        }
    }
    if let Some(kids) = dict
        .get(b"Kids")
        .ok()
        .and_then(|o| doc.dereference(o).ok())
        .and_then(|(_, o)| o.as_array().ok())
    {
        for k in kids {
            collect(doc, k, &name, depth + 1, out);
        }
    }
}

/// A PDF text string: UTF-16BE with BOM, UTF-8 with BOM, else PDFDocEncoding (read as
/// Latin-1, which it matches for letters).
fn text_string(b: &[u8]) -> String {
    if let Some(rest) = b.strip_prefix(&[0xfe, 0xff]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    if let Some(rest) = b.strip_prefix(&[0xef, 0xbb, 0xbf]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    b.iter().map(|&c| char::from(c)).collect()
}

fn key(name: &str) -> String {
    // The last part of a qualified name, folded, separators as underscores.
    let last = name.rsplit('.').next().unwrap_or(name);
    fold(last)
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '_' })
        .collect()
}

fn list(v: &str) -> Vec<String> {
    v.split([';', ',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `oui` / `non` (and English, 1/0) to a boolean.
pub(crate) fn parse_yes_no(v: &str) -> Option<bool> {
    match fold(v.trim()).as_str() {
        "oui" | "yes" | "true" | "1" | "on" | "x" => Some(true),
        "non" | "no" | "false" | "0" | "off" => Some(false),
        _ => None,
    }
}

/// `2026-10-15` or `15/10/2026`.
pub(crate) fn parse_date(v: &str) -> Option<jiff::civil::Date> {
    let v = v.trim();
    if let Ok(d) = v.parse::<jiff::civil::Date>() {
        return Some(d);
    }
    let mut parts = v.split('/');
    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    jiff::civil::Date::new(
        y.trim().parse().ok()?,
        m.trim().parse().ok()?,
        d.trim().parse().ok()?,
    )
    .ok()
}

/// `iso-production` / `production`.
pub(crate) fn parse_environment(v: &str) -> Option<TestEnvironment> {
    let f = fold(v.trim());
    if f.contains("iso") || f.contains("recette") || f.contains("pre") {
        Some(TestEnvironment::IsoProduction)
    } else if f.contains("prod") {
        Some(TestEnvironment::Production)
    } else {
        None
    }
}

fn interpret(raw: BTreeMap<String, String>) -> FormFields {
    let mut out = FormFields::default();
    for (name, value) in &raw {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        match key(name).as_str() {
            "prestataire" | "provider" => out.provider = Some(value.to_owned()),
            "qualification_passi" | "passi" | "passi_qualified" => {
                out.passi_qualified = parse_yes_no(value);
            }
            "date_formulaire" | "date" | "dated_on" => out.dated_on = parse_date(value),
            "noms_commerciaux" | "names" => out.names = list(value),
            "versions_techniques" | "versions" => out.versions = list(value),
            "environnement" | "environment" => out.environment = parse_environment(value),
            _ => {}
        }
    }
    out.raw = raw;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_interpreted() {
        assert_eq!(parse_yes_no(" Oui "), Some(true));
        assert_eq!(parse_yes_no("NON"), Some(false));
        assert_eq!(parse_yes_no("peut-être"), None);
        assert_eq!(
            parse_date("15/10/2026"),
            jiff::civil::Date::new(2026, 10, 15).ok()
        );
        assert_eq!(
            parse_date("2026-10-15"),
            jiff::civil::Date::new(2026, 10, 15).ok()
        );
        assert_eq!(parse_date("31/02/2026"), None);
        assert_eq!(
            parse_environment("Iso-production"),
            Some(TestEnvironment::IsoProduction)
        );
        assert_eq!(
            parse_environment("Production"),
            Some(TestEnvironment::Production)
        );
        assert_eq!(parse_environment("ailleurs"), None);
        assert_eq!(list("MonLPS; MonLPS Pro,\n "), vec!["MonLPS", "MonLPS Pro"]);
        assert_eq!(text_string(&[0xfe, 0xff, 0, b'S', 0, 0xe9]), "Sé");
        assert_eq!(text_string(&[b'S', 0xe9]), "Sé");
    }
}
