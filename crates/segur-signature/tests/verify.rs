//! PEN-03 signature verification on the committed fixtures (made by fixtures/make.sh with
//! openssl and pyHanko: a test CA, signer certificates, signed PDFs and .p7s).

use std::path::{Path, PathBuf};

use segur_signature::{
    Outcome, SignatureFormat, SigningTimeSource, TrustAnchors, form_fields, pen_03_verdict, verify,
    verify_detached, verify_pdf,
};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixtures_dir().join(name)).expect("fixture")
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn anchors() -> TrustAnchors {
    TrustAnchors::load(&fixtures_dir().join("ca.pem")).expect("anchors")
}

fn now() -> jiff::Timestamp {
    "2027-01-15T10:00:00Z".parse().unwrap()
}

#[test]
fn pen_03_valid_pades_rsa_chains_to_the_anchor() {
    let r = verify_pdf(&fixture("signed-rsa.pdf"), &anchors(), now());
    assert_eq!(r.outcome, Outcome::Valid, "{r:#?}");
    assert!(r.findings.is_empty());
    assert_eq!(r.format, Some(SignatureFormat::Pades));
    assert_eq!(r.covers_whole_file, Some(true));
    assert_eq!(r.signatures_found, 1);
    let s = r.signer.as_ref().unwrap();
    assert_eq!(s.common_name.as_deref(), Some("Alice Martin"));
    assert_eq!(s.organisation.as_deref(), Some("Cyber Audit Sécurité"));
    assert!(s.key.starts_with("RSA 2048"), "{}", s.key);
    assert!(s.issuer.contains("Segur Test Root CA"));
    // pyHanko's PAdES signatures carry no signingTime attribute: /M is reported.
    assert!(r.signing_time.is_some());
    assert!(r.signing_time_source.is_some());
    assert!(r.message.contains("Alice Martin"));
    // The report is serialisable with stable codes.
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["outcome"], "valid");
    assert_eq!(json["format"], "pades");
}

#[test]
fn pen_03_valid_pades_ecdsa() {
    let r = verify_pdf(&fixture("signed-ecdsa.pdf"), &anchors(), now());
    assert_eq!(r.outcome, Outcome::Valid, "{r:#?}");
    let s = r.signer.as_ref().unwrap();
    assert_eq!(s.common_name.as_deref(), Some("Bruno Petit"));
    assert!(s.key.starts_with("ECDSA 256"), "{}", s.key);
}

#[test]
fn pen_03_one_byte_changed_is_tampered() {
    let r = verify_pdf(&fixture("signed-tampered.pdf"), &anchors(), now());
    assert_eq!(r.outcome, Outcome::Tampered, "{r:#?}");
    assert!(r.message.contains("modifié"));
    // Still reports who signed.
    assert_eq!(
        r.signer.as_ref().unwrap().common_name.as_deref(),
        Some("Alice Martin")
    );
}

#[test]
fn pen_03_content_appended_after_signing_is_reported() {
    let r = verify_pdf(&fixture("signed-appended.pdf"), &anchors(), now());
    assert_eq!(r.outcome, Outcome::ContentAppended, "{r:#?}");
    assert_eq!(r.covers_whole_file, Some(false));
    assert!(r.message.contains("octets ont été ajoutés"));
    // The signed part itself is intact: only the coverage finding.
    assert_eq!(r.findings.len(), 1);
}

#[test]
fn pen_03_expired_signer_certificate() {
    let r = verify_pdf(&fixture("signed-expired.pdf"), &anchors(), now());
    assert_eq!(r.outcome, Outcome::ExpiredCertificate, "{r:#?}");
    assert!(
        r.message
            .contains("n'était pas valide à la date de signature")
    );
    let s = r.signer.as_ref().unwrap();
    assert_eq!(s.not_after.as_deref(), Some("2021-01-01T00:00:00Z"));
}

#[test]
fn pen_03_untrusted_ca() {
    let r = verify_pdf(&fixture("signed-untrusted.pdf"), &anchors(), now());
    assert_eq!(r.outcome, Outcome::UntrustedChain, "{r:#?}");
    // Trusting the rogue CA makes the same file valid: the anchors are the configuration.
    let rogue = TrustAnchors::load(&fixtures_dir().join("rogue-ca.pem")).unwrap();
    let r = verify_pdf(&fixture("signed-untrusted.pdf"), &rogue, now());
    assert_eq!(r.outcome, Outcome::Valid, "{r:#?}");
    // An anchor need not be a root (partial chain): trusting the signer's own certificate
    // is enough for that signer, and does not extend to the rogue one.
    let leaf = TrustAnchors::load(&fixtures_dir().join("signer-rsa.pem")).unwrap();
    let r = verify_pdf(&fixture("signed-rsa.pdf"), &leaf, now());
    assert_eq!(r.outcome, Outcome::Valid, "{r:#?}");
    let r = verify_pdf(&fixture("signed-untrusted.pdf"), &leaf, now());
    assert_eq!(r.outcome, Outcome::UntrustedChain);
    // No anchors at all: nothing is trusted.
    let r = verify_pdf(&fixture("signed-rsa.pdf"), &TrustAnchors::empty(), now());
    assert_eq!(r.outcome, Outcome::UntrustedChain);
}

#[test]
fn pen_03_scanned_signature_is_no_signature() {
    let r = verify_pdf(&fixture("scanned-signature.pdf"), &anchors(), now());
    assert_eq!(r.outcome, Outcome::NoSignature, "{r:#?}");
    assert!(r.message.contains("scannée"));
    assert_eq!(r.signatures_found, 0);
    let v = pen_03_verdict(&r, "Cyber Audit Sécurité");
    assert!(!v.passed);
    assert_eq!(v.signature, segur_domain::world::SignatureKind::None);
}

#[test]
fn pen_03_detached_p7s_over_any_file() {
    let r = verify_detached(
        &fixture("form.txt"),
        &fixture("form.txt.p7s"),
        &anchors(),
        now(),
    );
    assert_eq!(r.outcome, Outcome::Valid, "{r:#?}");
    assert_eq!(r.format, Some(SignatureFormat::CadesDetached));
    assert_eq!(
        r.signing_time_source,
        Some(SigningTimeSource::CmsSignedAttribute)
    );
    assert_eq!(
        r.signer.as_ref().unwrap().organisation.as_deref(),
        Some("Cyber Audit Sécurité")
    );
    // PEM .p7s accepted too.
    let der = fixture("form.txt.p7s");
    let pem = format!(
        "-----BEGIN PKCS7-----\n{}\n-----END PKCS7-----\n",
        openssl::base64::encode_block(&der)
    );
    let r = verify(
        &fixture("form.txt"),
        Some(pem.as_bytes()),
        &anchors(),
        now(),
    );
    assert_eq!(r.outcome, Outcome::Valid, "{r:#?}");
}

#[test]
fn pen_03_detached_p7s_over_another_file_is_tampered() {
    let r = verify_detached(
        &fixture("form-other.txt"),
        &fixture("form.txt.p7s"),
        &anchors(),
        now(),
    );
    assert_eq!(r.outcome, Outcome::Tampered, "{r:#?}");
}

#[test]
fn pen_03_detached_p7s_with_expired_signer() {
    let r = verify_detached(
        &fixture("form.txt"),
        &fixture("form.txt.expired.p7s"),
        &anchors(),
        now(),
    );
    assert_eq!(r.outcome, Outcome::ExpiredCertificate, "{r:#?}");
}

#[test]
fn pen_03_signer_organisation_must_be_the_declared_provider() {
    let r = verify_pdf(&fixture("signed-rsa.pdf"), &anchors(), now());
    let v = pen_03_verdict(&r, "CYBER-AUDIT SECURITE");
    assert!(v.passed, "{v:?}");
    assert_eq!(v.signature, segur_domain::world::SignatureKind::Electronic);
    let v = pen_03_verdict(&r, "Autre Prestataire SARL");
    assert!(!v.passed);
    assert_eq!(v.code, "provider_mismatch");
    assert!(v.message.contains("Cyber Audit Sécurité"));
    // Validly signed by another organisation's certificate: valid signature, PEN-03 fails.
    let r = verify_pdf(&fixture("signed-other-org.pdf"), &anchors(), now());
    assert_eq!(r.outcome, Outcome::Valid);
    let v = pen_03_verdict(&r, "Cyber Audit Sécurité");
    assert_eq!(v.code, "provider_mismatch");
    // An invalid signature never passes, whatever the provider.
    let r = verify_pdf(&fixture("signed-tampered.pdf"), &anchors(), now());
    let v = pen_03_verdict(&r, "Cyber Audit Sécurité");
    assert!(!v.passed);
    assert_eq!(v.code, "tampered");
}

#[test]
fn pen_02_to_06_form_fields_are_read_from_the_acroform() {
    let f = form_fields(&fixture("signed-rsa.pdf"));
    assert_eq!(f.provider.as_deref(), Some("Cyber Audit Sécurité"));
    assert_eq!(f.passi_qualified, Some(true));
    assert_eq!(f.dated_on, jiff::civil::Date::new(2026, 10, 15).ok());
    assert_eq!(f.names, vec!["MonLPS", "MonLPS Pro"]);
    assert_eq!(f.versions, vec!["5.1.2"]);
    assert_eq!(
        f.environment,
        Some(segur_domain::world::TestEnvironment::IsoProduction)
    );
    // No fields in the scanned one, nothing in garbage.
    assert_eq!(
        form_fields(&fixture("scanned-signature.pdf")).provider,
        None
    );
    assert_eq!(form_fields(b"garbage"), Default::default());
}

#[test]
fn anchors_load_from_a_directory_and_refuse_garbage() {
    let a = TrustAnchors::load(&fixtures_dir()).unwrap();
    // Every *.pem of the directory: CAs and signer certificates.
    assert!(a.len() >= 2);
    assert!(a.names().iter().any(|n| n == "Segur Test Root CA"));
    assert!(TrustAnchors::load(Path::new("/nonexistent/anchors")).is_err());
    assert!(TrustAnchors::from_pem(b"not a pem").is_err());
    let empty = std::env::temp_dir().join(format!("segur-anchors-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let e = TrustAnchors::load(&empty).unwrap_err();
    assert!(e.to_string().contains("aucune ancre"));
    std::fs::remove_dir_all(&empty).ok();
}

/// Hostile input: truncations, garbage and bit flips of the signed PDF never panic and always
/// give a non-valid outcome (or valid only when the change falls outside every check: never
/// for a truncation).
#[test]
fn pen_03_hostile_pdfs_never_panic() {
    let a = anchors();
    let valid = fixture("signed-rsa.pdf");
    for cut in (0..valid.len()).step_by(97).chain([valid.len() - 1]) {
        let r = verify_pdf(&valid[..cut], &a, now());
        assert_ne!(r.outcome, Outcome::Valid, "truncated at {cut}");
    }
    for garbage in [
        &b""[..],
        b"%PDF-",
        b"%PDF-1.7\n/ByteRange [0 10 20 30] /Contents <3082>",
        b"\x00\x01\x02\x03",
        b"%PDF-1.4\n1 0 obj << /ByteRange [0 -1 99999999999 5] /Contents <30> >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF",
    ] {
        let r = verify_pdf(garbage, &a, now());
        assert_ne!(r.outcome, Outcome::Valid);
        let _ = form_fields(garbage);
    }
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..300 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let mut v = valid.clone();
        let i = (x as usize) % v.len();
        v[i] = v[i].wrapping_add(1 + (x >> 32) as u8 % 255);
        let _ = verify_pdf(&v, &a, now());
        let _ = form_fields(&v);
    }
    for garbage in [
        &b""[..],
        b"0",
        b"\x30\x80",
        b"-----BEGIN PKCS7-----\n!!\n-----END PKCS7-----",
    ] {
        let r = verify_detached(b"content", garbage, &a, now());
        assert_ne!(r.outcome, Outcome::Valid);
    }
}
