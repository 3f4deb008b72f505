//! Electronic signature verification of the ANS pentest form (PEN-03).
//!
//! Two inputs are accepted: a PAdES-signed PDF (the CMS signature sits in the `/Contents` of a
//! signature dictionary and covers the bytes named by its `/ByteRange`), or any file with a
//! detached CAdES signature (`.p7s`, DER or PEM). What is checked, in order:
//!
//! 1. the signature is found and well formed (`no_signature`, `malformed`, `unsupported`);
//! 2. the CMS signature is cryptographically valid over the covered bytes (`tampered`);
//! 3. for a PDF, the `/ByteRange` covers the whole file except the `/Contents` hole
//!    (`content_appended` when bytes follow the signed range);
//! 4. the signer certificate chains to the configured trust anchors (`untrusted_chain`);
//! 5. the signer certificate (and its chain) is valid at the signing time: the CMS
//!    `signingTime` signed attribute, else the PDF `/M` entry, else the verification time
//!    (`expired_certificate`).
//!
//! Not checked: revocation (OCSP, CRL), timestamps (RFC 3161), long-term validation, EU trusted
//! lists, key-usage policies, whether later incremental updates are "allowed changes" (any byte
//! after the signed range is reported). See `docs/pentest-forms.md`.
//!
//! The verifier never panics on hostile input: every failure is a [`Finding`] in the report.
//! PDF parsing (lopdf) additionally runs under `catch_unwind` as a last line of defence.

mod anchors;
mod cms_check;
mod form;
mod pdf;
mod pen03;

use serde::{Deserialize, Serialize};

pub use anchors::{AnchorError, TrustAnchors};
pub use form::{FormFields, form_fields};
pub use pen03::{Pen03Verdict, pen_03_verdict, provider_key};

/// Maximum size of a file or signature the verifier accepts (forms are small documents).
pub const MAX_INPUT_BYTES: usize = 20 * 1024 * 1024;

/// The stable outcome of a verification (and the code of each finding).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = SignatureOutcome))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every check passed.
    Valid,
    /// The file is not what it claims or cannot be read (broken PDF, broken CMS, bad /ByteRange).
    Malformed,
    /// A signature form this verifier does not handle (attached CMS, adbe.pkcs7.sha1, too large).
    Unsupported,
    /// No signature at all (e.g. a scanned handwritten signature).
    NoSignature,
    /// The signature does not match the covered bytes.
    Tampered,
    /// Bytes were added after the signed range of the PDF.
    ContentAppended,
    /// The signer certificate does not chain to a configured trust anchor.
    UntrustedChain,
    /// The signer certificate (or its chain) was not valid at the signing time.
    ExpiredCertificate,
}

impl Outcome {
    /// The stable code (`snake_case`), as serialised.
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Valid => "valid",
            Outcome::Malformed => "malformed",
            Outcome::Unsupported => "unsupported",
            Outcome::NoSignature => "no_signature",
            Outcome::Tampered => "tampered",
            Outcome::ContentAppended => "content_appended",
            Outcome::UntrustedChain => "untrusted_chain",
            Outcome::ExpiredCertificate => "expired_certificate",
        }
    }

    /// A short French label.
    pub fn label_fr(self) -> &'static str {
        match self {
            Outcome::Valid => "signature électronique valide",
            Outcome::Malformed => "fichier ou signature illisible",
            Outcome::Unsupported => "format de signature non pris en charge",
            Outcome::NoSignature => "aucune signature électronique",
            Outcome::Tampered => "contenu modifié après signature",
            Outcome::ContentAppended => "contenu ajouté après signature",
            Outcome::UntrustedChain => "certificat non reconnu (chaîne de confiance)",
            Outcome::ExpiredCertificate => "certificat non valide à la date de signature",
        }
    }

    /// Severity rank: the lower, the more serious (the report's outcome is its most serious
    /// finding).
    fn rank(self) -> u8 {
        match self {
            Outcome::Malformed => 0,
            Outcome::Unsupported => 1,
            Outcome::NoSignature => 2,
            Outcome::Tampered => 3,
            Outcome::ContentAppended => 4,
            Outcome::UntrustedChain => 5,
            Outcome::ExpiredCertificate => 6,
            Outcome::Valid => 7,
        }
    }
}

/// How the file was signed.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureFormat {
    /// A PDF with an embedded CMS signature (`/SubFilter` ETSI.CAdES.detached or
    /// adbe.pkcs7.detached).
    Pades,
    /// Any file with a detached CMS signature (`.p7s`).
    CadesDetached,
}

/// Where the reported signing time comes from.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SigningTimeSource {
    /// The `signingTime` signed attribute of the CMS signature (covered by the signature).
    CmsSignedAttribute,
    /// The `/M` entry of the PDF signature dictionary (the signer's claim, not covered by the
    /// CMS signature).
    PdfSignatureDictionary,
}

/// The signer certificate, as reported.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignerIdentity {
    /// Common name (CN) of the subject.
    pub common_name: Option<String>,
    /// Organisation (O) of the subject: compared with the declared provider (PEN-03).
    pub organisation: Option<String>,
    /// Full subject (RFC 4514).
    pub subject: String,
    /// Issuer (RFC 4514).
    pub issuer: String,
    /// Serial number, hexadecimal.
    pub serial: String,
    /// Validity start, RFC 3339.
    pub not_before: Option<String>,
    /// Validity end, RFC 3339.
    pub not_after: Option<String>,
    /// Key type, e.g. `RSA 2048` or `ECDSA 256`.
    pub key: String,
    /// SHA-256 of the certificate (DER), hexadecimal.
    pub certificate_sha256: String,
}

/// One failed check.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = SignatureFinding))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub code: Outcome,
    /// French explanation.
    pub message: String,
    /// Technical detail (OpenSSL or parser reason), not translated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The result of verifying one file (and its detached signature if any).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureReport {
    /// `valid`, or the code of the most serious finding.
    pub outcome: Outcome,
    /// French summary.
    pub message: String,
    pub format: Option<SignatureFormat>,
    pub signer: Option<SignerIdentity>,
    /// Signing time, RFC 3339.
    pub signing_time: Option<String>,
    pub signing_time_source: Option<SigningTimeSource>,
    /// The time at which the certificate chain was checked, RFC 3339 (the signing time when
    /// known, else the verification time).
    pub chain_checked_at: Option<String>,
    /// PDF only: the `/ByteRange` covers the whole file except the signature.
    pub covers_whole_file: Option<bool>,
    /// Number of signature dictionaries found in the PDF (the last one, covering the most
    /// bytes, is verified).
    pub signatures_found: u32,
    /// Size of the verified file.
    pub file_size: u64,
    /// SHA-256 of the verified file, hexadecimal.
    pub file_sha256: String,
    /// Every failed check, most serious first.
    pub findings: Vec<Finding>,
}

impl SignatureReport {
    /// True when every check passed.
    pub fn is_valid(&self) -> bool {
        self.outcome == Outcome::Valid
    }

    fn new(file: &[u8]) -> Self {
        use sha2::Digest;
        Self {
            outcome: Outcome::Valid,
            message: String::new(),
            format: None,
            signer: None,
            signing_time: None,
            signing_time_source: None,
            chain_checked_at: None,
            covers_whole_file: None,
            signatures_found: 0,
            file_size: file.len() as u64,
            file_sha256: hex::encode(sha2::Sha256::digest(file)),
            findings: Vec::new(),
        }
    }

    fn push(&mut self, code: Outcome, message: impl Into<String>, detail: Option<String>) {
        self.findings.push(Finding {
            code,
            message: message.into(),
            detail,
        });
    }

    /// Sorts the findings and sets the outcome and summary.
    fn finish(mut self) -> Self {
        self.findings.sort_by_key(|f| f.code.rank());
        self.outcome = self.findings.first().map_or(Outcome::Valid, |f| f.code);
        self.message = match self.findings.first() {
            Some(f) => f.message.clone(),
            None => {
                let who = self
                    .signer
                    .as_ref()
                    .map(|s| {
                        let cn = s.common_name.as_deref().unwrap_or("signataire sans nom");
                        match &s.organisation {
                            Some(o) => format!("{cn} ({o})"),
                            None => cn.to_owned(),
                        }
                    })
                    .unwrap_or_else(|| "signataire inconnu".into());
                format!(
                    "signature électronique valide de {who}, certificat reconnu par une autorité de confiance configurée"
                )
            }
        };
        self
    }
}

/// Verifies a file: a PAdES PDF when `detached` is `None`, else `file` against the detached
/// CMS signature `detached` (DER or PEM). `now` is the verification time (used for the chain
/// when the signature carries no signing time).
pub fn verify(
    file: &[u8],
    detached: Option<&[u8]>,
    anchors: &TrustAnchors,
    now: jiff::Timestamp,
) -> SignatureReport {
    match detached {
        Some(sig) => verify_detached(file, sig, anchors, now),
        None => verify_pdf(file, anchors, now),
    }
}

/// Verifies a PAdES-signed PDF.
pub fn verify_pdf(pdf: &[u8], anchors: &TrustAnchors, now: jiff::Timestamp) -> SignatureReport {
    let mut report = SignatureReport::new(pdf);
    if pdf.len() > MAX_INPUT_BYTES {
        report.push(
            Outcome::Unsupported,
            format!(
                "fichier trop volumineux pour la vérification de signature ({} octets, maximum {MAX_INPUT_BYTES})",
                pdf.len()
            ),
            None,
        );
        return report.finish();
    }
    let sigs = match pdf::find_signatures(pdf) {
        Ok(s) => s,
        Err(e) => {
            report.push(Outcome::Malformed, e.message, e.detail);
            return report.finish();
        }
    };
    report.signatures_found = u32::try_from(sigs.len()).unwrap_or(u32::MAX);
    let Some(sig) = sigs.into_iter().max_by_key(|s| s.end()) else {
        report.push(
            Outcome::NoSignature,
            "aucune signature électronique : le PDF ne contient pas de signature (une signature manuscrite scannée ou une image n'est pas une signature électronique)",
            None,
        );
        return report.finish();
    };
    report.format = Some(SignatureFormat::Pades);
    let covered = match pdf::covered_bytes(pdf, &sig) {
        Ok(c) => c,
        Err(e) => {
            report.push(Outcome::Malformed, e.message, e.detail);
            return report.finish();
        }
    };
    let appended = pdf.len() as u64 - sig.end();
    report.covers_whole_file = Some(appended == 0);
    if appended > 0 {
        report.push(
            Outcome::ContentAppended,
            format!(
                "{appended} octets ont été ajoutés au PDF après la signature : ils ne sont pas couverts par la signature (modification ou ajout postérieur)"
            ),
            None,
        );
    }
    if let Some(sf) = &sig.sub_filter
        && !matches!(sf.as_str(), "ETSI.CAdES.detached" | "adbe.pkcs7.detached")
    {
        report.push(
            Outcome::Unsupported,
            format!(
                "type de signature PDF « {sf} » non pris en charge (attendu : ETSI.CAdES.detached ou adbe.pkcs7.detached)"
            ),
            None,
        );
        return report.finish();
    }
    let fallback = sig
        .signing_time
        .map(|t| (t, SigningTimeSource::PdfSignatureDictionary));
    cms_check::check(&mut report, &sig.cms, &covered, anchors, fallback, now);
    report.finish()
}

/// Verifies `content` against a detached CMS signature (`.p7s`, DER or PEM).
pub fn verify_detached(
    content: &[u8],
    p7s: &[u8],
    anchors: &TrustAnchors,
    now: jiff::Timestamp,
) -> SignatureReport {
    let mut report = SignatureReport::new(content);
    report.format = Some(SignatureFormat::CadesDetached);
    if content.len() > MAX_INPUT_BYTES || p7s.len() > MAX_INPUT_BYTES {
        report.push(
            Outcome::Unsupported,
            format!(
                "fichier ou signature trop volumineux pour la vérification (maximum {MAX_INPUT_BYTES} octets)"
            ),
            None,
        );
        return report.finish();
    }
    let der = match cms_check::p7s_der(p7s) {
        Ok(d) => d,
        Err(m) => {
            report.push(Outcome::Malformed, m, None);
            return report.finish();
        }
    };
    report.signatures_found = 1;
    cms_check::check(&mut report, &der, content, anchors, None, now);
    report.finish()
}

/// RFC 3339 text of a timestamp (UTC, seconds).
fn rfc3339(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}
