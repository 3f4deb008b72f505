//! Trust anchors: the certificates (usually root CAs) a signer certificate must chain to.

use std::path::{Path, PathBuf};

use openssl::nid::Nid;
use openssl::x509::X509;

/// A trust anchor file or directory could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnchorError(pub String);

impl std::fmt::Display for AnchorError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for AnchorError {}

/// The configured trust anchors. Cheap to clone (certificates are reference-counted).
#[derive(Clone, Default)]
pub struct TrustAnchors {
    certs: Vec<X509>,
    sources: Vec<PathBuf>,
}

impl std::fmt::Debug for TrustAnchors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustAnchors")
            .field("certificates", &self.certs.len())
            .field("sources", &self.sources)
            .finish()
    }
}

/// Files of a directory taken as anchors.
const EXTENSIONS: [&str; 3] = ["pem", "crt", "cer"];

impl TrustAnchors {
    /// No anchor: every signature is then `untrusted_chain`.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Every certificate of a PEM text (one or several `BEGIN CERTIFICATE` blocks).
    pub fn from_pem(pem: &[u8]) -> Result<Self, AnchorError> {
        let certs = X509::stack_from_pem(pem)
            .map_err(|e| AnchorError(format!("certificats PEM illisibles : {e}")))?;
        if certs.is_empty() {
            return Err(AnchorError(
                "aucun certificat (bloc BEGIN CERTIFICATE) dans le texte PEM".into(),
            ));
        }
        Ok(Self {
            certs,
            sources: vec![],
        })
    }

    /// A PEM file (one or several certificates) or a directory of `*.pem`, `*.crt`, `*.cer`
    /// PEM files (not recursive). At least one certificate is required.
    pub fn load(path: &Path) -> Result<Self, AnchorError> {
        let meta = std::fs::metadata(path).map_err(|e| {
            AnchorError(format!(
                "ancres de confiance {} inaccessibles : {e}",
                path.display()
            ))
        })?;
        let files: Vec<PathBuf> = if meta.is_dir() {
            let mut files = Vec::new();
            let entries = std::fs::read_dir(path).map_err(|e| {
                AnchorError(format!(
                    "dossier des ancres de confiance {} illisible : {e}",
                    path.display()
                ))
            })?;
            for entry in entries.flatten() {
                let p = entry.path();
                let ext_ok = p
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()));
                if ext_ok && p.is_file() {
                    files.push(p);
                }
            }
            files.sort();
            files
        } else {
            vec![path.to_path_buf()]
        };
        let mut out = Self::default();
        for f in files {
            let bytes = std::fs::read(&f).map_err(|e| {
                AnchorError(format!(
                    "ancre de confiance {} illisible : {e}",
                    f.display()
                ))
            })?;
            let certs = X509::stack_from_pem(&bytes).map_err(|e| {
                AnchorError(format!(
                    "ancre de confiance {} : certificats PEM illisibles ({e})",
                    f.display()
                ))
            })?;
            if certs.is_empty() {
                return Err(AnchorError(format!(
                    "ancre de confiance {} : aucun certificat PEM",
                    f.display()
                )));
            }
            out.certs.extend(certs);
            out.sources.push(f);
        }
        if out.certs.is_empty() {
            return Err(AnchorError(format!(
                "aucune ancre de confiance (*.pem, *.crt, *.cer) dans {}",
                path.display()
            )));
        }
        Ok(out)
    }

    /// Adds the anchors of `other`.
    pub fn extend(&mut self, other: TrustAnchors) {
        self.certs.extend(other.certs);
        self.sources.extend(other.sources);
    }

    pub fn len(&self) -> usize {
        self.certs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.certs.is_empty()
    }

    /// The files the anchors were read from.
    pub fn sources(&self) -> &[PathBuf] {
        &self.sources
    }

    /// Common names (or full subjects) of the anchors, for display.
    pub fn names(&self) -> Vec<String> {
        self.certs
            .iter()
            .map(|c| {
                c.subject_name()
                    .entries_by_nid(Nid::COMMONNAME)
                    .next()
                    .and_then(|e| e.data().to_string().ok())
                    .unwrap_or_else(|| "(certificat sans CN)".into())
            })
            .collect()
    }

    pub(crate) fn certs(&self) -> &[X509] {
        &self.certs
    }
}
