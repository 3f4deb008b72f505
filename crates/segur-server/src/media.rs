//! Media types of proof files, read from the content (magic bytes), and the types allowed per
//! kind of proof. The extension alone decides nothing: a file whose content contradicts its
//! extension is refused.

use serde::Serialize;
use utoipa::ToSchema;

/// One accepted media type: its name, the extensions it may carry, and whether it is an
/// archive (checked against zip bombs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaType {
    pub mime: &'static str,
    pub label: &'static str,
    pub extensions: &'static [&'static str],
    pub zip_container: bool,
}

const fn t(
    mime: &'static str,
    label: &'static str,
    extensions: &'static [&'static str],
    zip_container: bool,
) -> MediaType {
    MediaType {
        mime,
        label,
        extensions,
        zip_container,
    }
}

pub const PDF: MediaType = t("application/pdf", "PDF", &["pdf"], false);
pub const PNG: MediaType = t("image/png", "image PNG", &["png"], false);
pub const JPEG: MediaType = t("image/jpeg", "image JPEG", &["jpg", "jpeg"], false);
pub const GIF: MediaType = t("image/gif", "image GIF", &["gif"], false);
pub const WEBP: MediaType = t("image/webp", "image WebP", &["webp"], false);
pub const MP4: MediaType = t("video/mp4", "vidéo MP4", &["mp4", "m4v"], false);
pub const MOV: MediaType = t("video/quicktime", "vidéo QuickTime", &["mov"], false);
pub const WEBM: MediaType = t("video/webm", "vidéo WebM", &["webm", "mkv"], false);
pub const ZIP: MediaType = t("application/zip", "archive ZIP", &["zip"], true);
pub const GZIP: MediaType = t("application/gzip", "archive gzip", &["gz", "tgz"], false);
pub const XLSX: MediaType = t(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "classeur XLSX",
    &["xlsx"],
    true,
);
pub const DOCX: MediaType = t(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "document DOCX",
    &["docx"],
    true,
);
pub const ODS: MediaType = t(
    "application/vnd.oasis.opendocument.spreadsheet",
    "classeur ODS",
    &["ods"],
    true,
);
pub const ODT: MediaType = t(
    "application/vnd.oasis.opendocument.text",
    "document ODT",
    &["odt"],
    true,
);
pub const P7S: MediaType = t(
    "application/pkcs7-signature",
    "signature CAdES (.p7s)",
    &["p7s", "p7m"],
    false,
);
pub const TEXT: MediaType = t(
    "text/plain",
    "texte (journaux, CSV, JSON)",
    &["txt", "log", "csv", "json", "xml", "har"],
    false,
);

/// Every type the platform accepts at all.
pub const ALL: &[MediaType] = &[
    PDF, PNG, JPEG, GIF, WEBP, MP4, MOV, WEBM, ZIP, GZIP, XLSX, DOCX, ODS, ODT, P7S, TEXT,
];

/// Kinds of proof, read from the proof's text in the REM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProofKind {
    /// Captures d'écran (and screen recordings, which show the same thing).
    Screenshot,
    /// Vidéos, enregistrements d'écran.
    Video,
    /// Journaux, traces, fichiers techniques.
    Logs,
    /// Formulaires, PV, attestations, rapports.
    Document,
    /// Anything else: every accepted type.
    Other,
}

impl ProofKind {
    pub const ALL: [ProofKind; 5] = [
        Self::Screenshot,
        Self::Video,
        Self::Logs,
        Self::Document,
        Self::Other,
    ];

    /// The kind of a proof from its REM text (French keywords, accents ignored).
    pub fn of_proof_text(text: &str) -> Self {
        let t = segur_store::fold_for_search(text);
        let has = |words: &[&str]| words.iter().any(|w| t.contains(w));
        if has(&["video", "enregistrement", "film"]) {
            Self::Video
        } else if has(&["capture", "copie d'ecran", "copie ecran", "screenshot"]) {
            Self::Screenshot
        } else if has(&[
            "journal",
            "journaux",
            "logs",
            " log ",
            "(log)",
            "trace",
            "fichier technique",
        ]) {
            Self::Logs
        } else if has(&[
            "formulaire",
            "pv ",
            "proces-verbal",
            "attestation",
            "rapport",
            "document",
            "certificat",
        ]) {
            Self::Document
        } else {
            Self::Other
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Screenshot => "capture d'écran",
            Self::Video => "vidéo",
            Self::Logs => "journaux et traces",
            Self::Document => "formulaire, PV ou rapport",
            Self::Other => "autre preuve",
        }
    }

    pub fn allowed(self) -> &'static [MediaType] {
        match self {
            Self::Screenshot => &[PNG, JPEG, GIF, WEBP, PDF, MP4, MOV, WEBM],
            Self::Video => &[MP4, MOV, WEBM, PNG, JPEG, PDF],
            Self::Logs => &[TEXT, ZIP, GZIP, PDF, PNG, JPEG],
            Self::Document => &[PDF, XLSX, DOCX, ODS, ODT, P7S, ZIP, PNG, JPEG],
            Self::Other => ALL,
        }
    }
}

fn extension(name: &str) -> Option<String> {
    let (_, ext) = name.rsplit_once('.')?;
    (!ext.is_empty()).then(|| ext.to_ascii_lowercase())
}

/// The type declared by a file name's extension, if it is one the platform knows.
pub fn by_extension(name: &str) -> Option<MediaType> {
    let ext = extension(name)?;
    ALL.iter()
        .copied()
        .find(|m| m.extensions.contains(&ext.as_str()))
}

/// What the content says, from its first bytes (at least 4 KiB when the file is that long).
/// ZIP-based formats (XLSX, DOCX, ODS, ODT) are told apart by their entries' names when the
/// head shows them, else by the extension among the ZIP family.
pub fn detect(head: &[u8], name: &str) -> Option<MediaType> {
    let starts = |m: &[u8]| head.starts_with(m);
    if starts(b"%PDF-") {
        return Some(PDF);
    }
    if starts(b"\x89PNG\r\n\x1a\n") {
        return Some(PNG);
    }
    if starts(&[0xFF, 0xD8, 0xFF]) {
        return Some(JPEG);
    }
    if starts(b"GIF87a") || starts(b"GIF89a") {
        return Some(GIF);
    }
    if head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        return Some(WEBP);
    }
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        return Some(if &head[8..10] == b"qt" { MOV } else { MP4 });
    }
    if starts(&[0x1A, 0x45, 0xDF, 0xA3]) {
        return Some(WEBM);
    }
    if starts(&[0x1F, 0x8B]) {
        return Some(GZIP);
    }
    if starts(b"PK\x03\x04") {
        let window = String::from_utf8_lossy(&head[..head.len().min(4096)]);
        if window.contains("mimetypeapplication/vnd.oasis.opendocument.spreadsheet") {
            return Some(ODS);
        }
        if window.contains("mimetypeapplication/vnd.oasis.opendocument.text") {
            return Some(ODT);
        }
        if window.contains("xl/") {
            return Some(XLSX);
        }
        if window.contains("word/") {
            return Some(DOCX);
        }
        return Some(match by_extension(name) {
            Some(m) if m.zip_container => m,
            _ => ZIP,
        });
    }
    // DER SEQUENCE with a long-form length: a CMS / PKCS#7 structure.
    if head.len() > 4 && head[0] == 0x30 && (0x81..=0x84).contains(&head[1]) {
        let ext = extension(name);
        if matches!(ext.as_deref(), Some("p7s" | "p7m")) {
            return Some(P7S);
        }
    }
    if looks_like_text(head) {
        return Some(TEXT);
    }
    None
}

/// UTF-8 (a multi-byte character may be cut at the end) without NUL or most control bytes.
fn looks_like_text(head: &[u8]) -> bool {
    if head.is_empty() {
        return false;
    }
    let valid = match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && head.len() - e.valid_up_to() < 4,
    };
    valid
        && !head
            .iter()
            .any(|&b| b == 0 || (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1B)))
}

/// Why a file's type is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRefusal {
    /// The content is of no accepted type.
    Unknown,
    /// The extension announces one type, the content is another.
    Mismatch {
        declared: &'static str,
        found: &'static str,
    },
    /// An accepted type, but not for this kind of proof.
    NotAllowed {
        found: &'static str,
        kind: ProofKind,
    },
}

impl TypeRefusal {
    pub fn message(&self) -> String {
        match self {
            Self::Unknown => {
                "type de fichier non reconnu d'après son contenu : formats acceptés PDF, images, vidéos, archives, bureautique, texte".into()
            }
            Self::Mismatch { declared, found } => format!(
                "le contenu du fichier ({found}) ne correspond pas à son extension ({declared}) : vérifiez le fichier"
            ),
            Self::NotAllowed { found, kind } => format!(
                "{found} non accepté pour une preuve de type « {} » (acceptés : {})",
                kind.label(),
                kind.allowed().iter().map(|m| m.label).collect::<Vec<_>>().join(", ")
            ),
        }
    }
}

/// Checks a received file: type from the content, consistent with the extension, allowed
/// for the kind of proof.
pub fn check(head: &[u8], name: &str, kind: ProofKind) -> Result<MediaType, TypeRefusal> {
    let found = detect(head, name).ok_or(TypeRefusal::Unknown)?;
    if let Some(declared) = by_extension(name)
        && declared != found
        // A ZIP-based office file may be named .zip and a .zip may hold an office file.
        && !(declared.zip_container && found.zip_container && (declared == ZIP || found == ZIP))
    {
        return Err(TypeRefusal::Mismatch {
            declared: declared.label,
            found: found.label,
        });
    }
    if !kind.allowed().contains(&found) {
        return Err(TypeRefusal::NotAllowed {
            found: found.label,
            kind,
        });
    }
    Ok(found)
}

/// True for types a browser may show inline (sandboxed): images, PDF, video.
pub fn inline(mime: &str) -> bool {
    mime.starts_with("image/") || mime.starts_with("video/") || mime == "application/pdf"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_decides_the_type() {
        assert_eq!(detect(b"%PDF-1.7\n", "x.pdf"), Some(PDF));
        assert_eq!(detect(b"\x89PNG\r\n\x1a\n....", "x.png"), Some(PNG));
        assert_eq!(detect(b"\0\0\0\x18ftypmp42\0\0\0\0", "v.mp4"), Some(MP4));
        assert_eq!(detect(b"2026-01-01 INFO ok\n", "a.log"), Some(TEXT));
        assert_eq!(detect(b"\0\x01\x02binary", "a.bin"), None);
        assert_eq!(
            detect(b"PK\x03\x04....xl/workbook.xml", "f.zip"),
            Some(XLSX)
        );
        assert_eq!(detect(b"PK\x03\x04....a.txt", "f.zip"), Some(ZIP));
    }

    #[test]
    fn extension_must_agree_with_content() {
        assert_eq!(
            check(b"%PDF-1.4", "capture.png", ProofKind::Screenshot),
            Err(TypeRefusal::Mismatch {
                declared: "image PNG",
                found: "PDF"
            })
        );
        assert_eq!(
            check(b"\x89PNG\r\n\x1a\n", "capture.png", ProofKind::Screenshot),
            Ok(PNG)
        );
        assert!(matches!(
            check(
                b"PK\x03\x04....a.txt",
                "journaux.zip",
                ProofKind::Screenshot
            ),
            Err(TypeRefusal::NotAllowed { .. })
        ));
        assert_eq!(
            check(b"PK\x03\x04....a.txt", "journaux.zip", ProofKind::Logs),
            Ok(ZIP)
        );
        assert_eq!(
            check(b"MZ\x90\0\x03\0\0\0", "setup.exe", ProofKind::Other),
            Err(TypeRefusal::Unknown)
        );
    }

    #[test]
    fn proof_kinds_from_rem_text() {
        assert_eq!(
            ProofKind::of_proof_text("Capture d'écran de l'écran de connexion"),
            ProofKind::Screenshot
        );
        assert_eq!(
            ProofKind::of_proof_text("Vidéo du parcours complet"),
            ProofKind::Video
        );
        assert_eq!(
            ProofKind::of_proof_text("Journaux applicatifs (logs) de l'envoi"),
            ProofKind::Logs
        );
        assert_eq!(
            ProofKind::of_proof_text("Formulaire de test d'intrusion signé"),
            ProofKind::Document
        );
    }
}
