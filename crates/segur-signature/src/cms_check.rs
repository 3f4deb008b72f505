//! CMS (PKCS #7) SignedData verification: structure and signer identity with RustCrypto's
//! `cms` parser, integrity and chain with OpenSSL.

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use der::{Decode, Encode};
use openssl::cms::{CMSOptions, CmsContentInfo};
use openssl::nid::Nid;
use openssl::pkey::Id;
use openssl::stack::Stack;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::verify::{X509VerifyFlags, X509VerifyParam};
use openssl::x509::{X509, X509StoreContext};
use sha2::Digest;

use crate::{Outcome, SignatureReport, SignerIdentity, SigningTimeSource, TrustAnchors, rfc3339};

const ID_SIGNED_DATA: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const ID_SIGNING_TIME: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
const ID_SUBJECT_KEY_IDENTIFIER: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("2.5.29.14");

// OpenSSL X509_V_ERR_* codes that mean "not valid at that time".
const X509_V_ERR_CERT_NOT_YET_VALID: i32 = 9;
const X509_V_ERR_CERT_HAS_EXPIRED: i32 = 10;

/// The DER of a `.p7s`: DER as is, or PEM (`-----BEGIN PKCS7-----`, `CMS`, `PKCS #7 SIGNED
/// DATA`) decoded.
pub(crate) fn p7s_der(p7s: &[u8]) -> Result<Vec<u8>, String> {
    let trimmed = p7s.trim_ascii_start();
    if !trimmed.starts_with(b"-----BEGIN") {
        if p7s.is_empty() {
            return Err("fichier de signature (.p7s) vide".into());
        }
        return Ok(p7s.to_vec());
    }
    let text = std::str::from_utf8(trimmed)
        .map_err(|_| "signature PEM (.p7s) : texte non UTF-8".to_string())?;
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .map(str::trim)
        .collect();
    openssl::base64::decode_block(&body)
        .map_err(|_| "signature PEM (.p7s) : base64 invalide".to_string())
}

fn timestamp(d: std::time::Duration) -> Option<jiff::Timestamp> {
    jiff::Timestamp::from_second(i64::try_from(d.as_secs()).ok()?).ok()
}

/// Checks one CMS signature over `content` and fills the report: signer, signing time and
/// findings (tampered, untrusted chain, expired certificate, malformed).
pub(crate) fn check(
    report: &mut SignatureReport,
    der: &[u8],
    content: &[u8],
    anchors: &TrustAnchors,
    fallback_time: Option<(jiff::Timestamp, SigningTimeSource)>,
    now: jiff::Timestamp,
) {
    // 1. Structure (pure Rust parser).
    let sd = match ContentInfo::from_der(der) {
        Ok(ci) if ci.content_type == ID_SIGNED_DATA => match ci.content.decode_as::<SignedData>() {
            Ok(sd) => sd,
            Err(e) => {
                report.push(
                    Outcome::Malformed,
                    "signature CMS illisible (SignedData invalide)",
                    Some(e.to_string()),
                );
                return;
            }
        },
        Ok(ci) => {
            report.push(
                Outcome::Malformed,
                "la signature n'est pas une signature CMS (SignedData attendu)",
                Some(format!("content type {}", ci.content_type)),
            );
            return;
        }
        Err(e) => {
            report.push(
                Outcome::Malformed,
                "signature CMS illisible",
                Some(e.to_string()),
            );
            return;
        }
    };
    if sd.encap_content_info.econtent.is_some() {
        report.push(
            Outcome::Unsupported,
            "signature enveloppante (le contenu est inclus dans la signature) : une signature détachée est attendue",
            None,
        );
        return;
    }
    let Some(signer_info) = sd.signer_infos.0.iter().next() else {
        report.push(
            Outcome::Malformed,
            "la signature CMS ne contient aucun signataire",
            None,
        );
        return;
    };
    let certs: Vec<&x509_cert::Certificate> = sd
        .certificates
        .as_ref()
        .map(|s| {
            s.0.iter()
                .filter_map(|c| match c {
                    CertificateChoices::Certificate(c) => Some(c),
                    CertificateChoices::Other(_) => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let signer_cert = certs.iter().copied().find(|c| match &signer_info.sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => {
            c.tbs_certificate.issuer == ias.issuer
                && c.tbs_certificate.serial_number == ias.serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => c
            .tbs_certificate
            .extensions
            .iter()
            .flatten()
            .filter(|e| e.extn_id == ID_SUBJECT_KEY_IDENTIFIER)
            .any(|e| {
                x509_cert::ext::pkix::SubjectKeyIdentifier::from_der(e.extn_value.as_bytes())
                    .is_ok_and(|k| k == *ski)
            }),
    });
    let Some(signer_cert) = signer_cert else {
        report.push(
            Outcome::Malformed,
            "le certificat du signataire n'est pas inclus dans la signature",
            None,
        );
        return;
    };

    // Signing time: the signed attribute, else the caller's fallback (PDF /M).
    let signed_time = signer_info
        .signed_attrs
        .iter()
        .flat_map(|attrs| attrs.iter())
        .find(|a| a.oid == ID_SIGNING_TIME)
        .and_then(|a| a.values.iter().next())
        .and_then(|v| v.to_der().ok())
        .and_then(|d| x509_cert::time::Time::from_der(&d).ok())
        .and_then(|t| timestamp(t.to_unix_duration()));
    let signing_time = signed_time
        .map(|t| (t, SigningTimeSource::CmsSignedAttribute))
        .or(fallback_time);
    if let Some((t, src)) = signing_time {
        report.signing_time = Some(rfc3339(t));
        report.signing_time_source = Some(src);
    }

    // Signer identity (OpenSSL for the names, the parsed certificate for the rest).
    let signer_der = match signer_cert.to_der() {
        Ok(d) => d,
        Err(e) => {
            report.push(
                Outcome::Malformed,
                "certificat du signataire illisible",
                Some(e.to_string()),
            );
            return;
        }
    };
    let signer_x509 = match X509::from_der(&signer_der) {
        Ok(c) => c,
        Err(e) => {
            report.push(
                Outcome::Malformed,
                "certificat du signataire illisible",
                Some(e.to_string()),
            );
            return;
        }
    };
    let tbs = &signer_cert.tbs_certificate;
    let name_entry = |nid: Nid| {
        signer_x509
            .subject_name()
            .entries_by_nid(nid)
            .next()
            .and_then(|e| e.data().to_string().ok())
    };
    let key = match signer_x509.public_key() {
        Ok(k) => match k.id() {
            Id::RSA => format!("RSA {}", k.bits()),
            Id::EC => format!("ECDSA {}", k.bits()),
            Id::ED25519 => "Ed25519".into(),
            other => format!("{other:?} {}", k.bits()),
        },
        Err(_) => "inconnue".into(),
    };
    report.signer = Some(SignerIdentity {
        common_name: name_entry(Nid::COMMONNAME),
        organisation: name_entry(Nid::ORGANIZATIONNAME),
        subject: tbs.subject.to_string(),
        issuer: tbs.issuer.to_string(),
        serial: hex::encode(tbs.serial_number.as_bytes()),
        not_before: timestamp(tbs.validity.not_before.to_unix_duration()).map(rfc3339),
        not_after: timestamp(tbs.validity.not_after.to_unix_duration()).map(rfc3339),
        key,
        certificate_sha256: hex::encode(sha2::Sha256::digest(&signer_der)),
    });

    // 2. Integrity: the signature over the covered bytes, without chain (checked below at
    //    the signing time).
    let integrity = CmsContentInfo::from_der(der).and_then(|mut cms| {
        cms.verify(
            None,
            None,
            Some(content),
            None,
            CMSOptions::BINARY | CMSOptions::NO_SIGNER_CERT_VERIFY,
        )
    });
    if let Err(e) = integrity {
        report.push(
            Outcome::Tampered,
            "la signature ne correspond pas au contenu signé : le document a été modifié après la signature (ou la signature n'est pas la sienne)",
            Some(e.to_string()),
        );
    }

    // 3. Chain to the anchors, at the signing time (else now).
    if anchors.is_empty() {
        report.push(
            Outcome::UntrustedChain,
            "aucune ancre de confiance n'est configurée : le certificat du signataire ne peut pas être reconnu",
            None,
        );
        return;
    }
    let at = signing_time.map_or(now, |(t, _)| t);
    report.chain_checked_at = Some(rfc3339(at));
    match verify_chain(&signer_x509, &certs, &signer_der, anchors, at) {
        Ok(None) => {}
        Ok(Some((code, reason, depth))) => {
            let (outcome, message) = if code == X509_V_ERR_CERT_HAS_EXPIRED
                || code == X509_V_ERR_CERT_NOT_YET_VALID
            {
                let whose = if depth == 0 {
                    "le certificat du signataire".to_string()
                } else {
                    format!("un certificat de sa chaîne (niveau {depth})")
                };
                let validity = report
                    .signer
                    .as_ref()
                    .map(|s| {
                        format!(
                            " ; certificat du signataire valide du {} au {}",
                            s.not_before.as_deref().unwrap_or("?"),
                            s.not_after.as_deref().unwrap_or("?")
                        )
                    })
                    .unwrap_or_default();
                (
                    Outcome::ExpiredCertificate,
                    format!(
                        "{whose} n'était pas valide à la date de signature ({}){validity}",
                        rfc3339(at)
                    ),
                )
            } else {
                (
                    Outcome::UntrustedChain,
                    "le certificat du signataire ne remonte pas à une autorité de confiance configurée".to_string(),
                )
            };
            report.push(outcome, message, Some(reason));
        }
        Err(e) => report.push(
            Outcome::UntrustedChain,
            "vérification de la chaîne de certificats impossible",
            Some(e.to_string()),
        ),
    }
}

/// `Ok(None)` when the chain verifies; `Ok(Some((X509_V_ERR code, reason, depth)))` when it
/// does not.
fn verify_chain(
    signer: &X509,
    embedded: &[&x509_cert::Certificate],
    signer_der: &[u8],
    anchors: &TrustAnchors,
    at: jiff::Timestamp,
) -> Result<Option<(i32, String, u32)>, openssl::error::ErrorStack> {
    let mut builder = X509StoreBuilder::new()?;
    for a in anchors.certs() {
        builder.add_cert(a.clone())?;
    }
    let mut param = X509VerifyParam::new()?;
    param.set_time(at.as_second());
    // An anchor is trusted as such, root or not (RFC 5280 trust anchors): a provider's
    // intermediate CA can be configured without its root.
    param.set_flags(X509VerifyFlags::PARTIAL_CHAIN)?;
    builder.set_param(&param)?;
    let store = builder.build();
    let mut chain = Stack::new()?;
    for c in embedded {
        let Ok(d) = c.to_der() else { continue };
        if d == signer_der {
            continue;
        }
        if let Ok(x) = X509::from_der(&d) {
            chain.push(x)?;
        }
    }
    let mut ctx = X509StoreContext::new()?;
    ctx.init(&store, signer, &chain, |c| {
        let ok = c.verify_cert()?;
        Ok(if ok {
            None
        } else {
            let err = c.error();
            Some((err.as_raw(), err.error_string().to_owned(), c.error_depth()))
        })
    })
}
